package rayrole

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"testing"
	"time"
)

func TestWaitListeningReturnsOnceTheServerListens(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens now; it comes back below, as a server starting late
	go func() {
		time.Sleep(200 * time.Millisecond)
		if l2, err := net.Listen("tcp", addr); err == nil {
			t.Cleanup(func() { l2.Close() })
			for {
				c, err := l2.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}
	}()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := waitListening(ctx, addr, make(chan error)); err != nil {
		t.Fatal(err)
	}
}

func TestWaitListeningStopsWhenTheNodeExits(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	done := make(chan error, 1)
	done <- exec.Command("false").Run()
	err = waitListening(t.Context(), addr, done)
	if !errors.Is(err, ErrNodeExited) {
		t.Fatalf("want ErrNodeExited, got %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := waitListening(ctx, addr, make(chan error)); err == nil || errors.Is(err, ErrNodeExited) {
		t.Fatalf("a deadline: want a timeout, got %v", err)
	}
}
