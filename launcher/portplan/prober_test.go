package portplan

import (
	"errors"
	"net"
	"strconv"
	"testing"
)

func TestProberSkipsPortsInUseAndHoldsWhatItTook(t *testing.T) {
	busy, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	if port < 1024 || port+3 > 65535 {
		t.Skipf("kernel gave port %d, outside what a range can hold", port)
	}
	// A range of four ports, one of them busy: three singles fit, a fourth does not.
	p, err := NewProber(port, port+3, "seed")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	got, err := p.Singles(3)
	if err != nil {
		t.Fatalf("three free ports of four: %v", err)
	}
	for _, g := range got {
		if g == port {
			t.Fatalf("took the busy port %d", port)
		}
		if _, err := net.Listen("tcp", ":"+strconv.Itoa(g)); err == nil {
			t.Fatalf("port %d is not held by the prober", g)
		}
	}
	if _, err := p.Single(); !errors.Is(err, ErrNoPorts) {
		t.Fatalf("a full range: got %v, want ErrNoPorts", err)
	}
	p.Release()
	l, err := net.Listen("tcp", ":"+strconv.Itoa(got[0]))
	if err != nil {
		t.Fatalf("port %d still held after Release: %v", got[0], err)
	}
	l.Close()
}

func TestBlockNeverSpansABusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	if port < 1026 || port+3 > 65535 {
		t.Skipf("kernel gave port %d, outside what a range can hold", port)
	}
	p, err := NewProber(port-2, port+3, "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	start, err := p.Block(3)
	if err != nil {
		t.Fatalf("ports %d..%d are free: %v", port+1, port+3, err)
	}
	if start != port+1 {
		t.Fatalf("block at %d, want %d (the only 3 free ports in a row)", start, port+1)
	}
}

func TestNewProberRefusesBadRanges(t *testing.T) {
	for _, r := range [][2]int{{80, 2000}, {3000, 2000}, {60000, 70000}} {
		if _, err := NewProber(r[0], r[1], ""); !errors.Is(err, ErrNoPorts) {
			t.Errorf("range %v: got %v, want ErrNoPorts", r, err)
		}
	}
}
