package raynode

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeGCS serves GetAllNodeInfo over HTTP/2 without TLS on loopback, as Ray's GCS does, with the
// gRPC framing and trailers a real server sends.
type fakeGCS struct {
	addr  string
	token string
	calls atomic.Int32
	// reply gives the nodes for the n-th call (from 1), or a gRPC error status.
	reply func(n int32) ([]NodeInfo, string, string)
}

func startFakeGCS(t *testing.T, token string, reply func(n int32) ([]NodeInfo, string, string)) *fakeGCS {
	t.Helper()
	g := &fakeGCS{token: token, reply: reply}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g.addr = l.Addr().String()
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: http.HandlerFunc(g.serve), Protocols: &protos}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return g
}

func (g *fakeGCS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.ProtoMajor != 2 || r.URL.Path != getAllNodeInfoPath || r.Header.Get("content-type") != "application/grpc" ||
		r.Header.Get("te") != "trailers" || string(body) != "\x00\x00\x00\x00\x00":
		w.Header().Set("grpc-status", "12")
		w.Header().Set("grpc-message", "unexpected request")
		return
	case r.Header.Get("authorization") != "Bearer "+g.token:
		// What Ray answers: headers only, no message.
		w.Header().Set("content-type", "application/grpc")
		w.Header().Set("grpc-status", "16")
		w.Header().Set("grpc-message", "InvalidAuthToken: Authentication token is missing or incorrect")
		w.WriteHeader(http.StatusOK)
		return
	}
	nodes, status, msg := g.reply(g.calls.Add(1))
	w.Header().Set("content-type", "application/grpc")
	w.Header().Set("Trailer", "Grpc-Status, Grpc-Message")
	w.WriteHeader(http.StatusOK)
	if status == "0" {
		var m []byte
		for _, n := range nodes {
			m = appendNodeInfo(m, n)
		}
		frame := make([]byte, 5, 5+len(m))
		binary.BigEndian.PutUint32(frame[1:], uint32(len(m)))
		w.Write(append(frame, m...))
	}
	w.Header().Set("Grpc-Status", status)
	w.Header().Set("Grpc-Message", msg)
}

const testToken = "0123456789abcdef0123456789abcdef"

func newTestClient(t *testing.T, addr, token string) *GCSClient {
	t.Helper()
	c, err := NewGCSClient(addr, []byte(token))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestGCSNodes(t *testing.T) {
	g := startFakeGCS(t, testToken, func(int32) ([]NodeInfo, string, string) { return sampleNodes, "0", "" })
	nodes, err := newTestClient(t, g.addr, testToken).Nodes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 2 || nodes[0] != sampleNodes[0] || nodes[1] != sampleNodes[1] {
		t.Fatalf("nodes %+v", nodes)
	}
}

func TestGCSWrongToken(t *testing.T) {
	g := startFakeGCS(t, testToken, func(int32) ([]NodeInfo, string, string) { return sampleNodes, "0", "" })
	c := newTestClient(t, g.addr, "fedcba9876543210fedcba9876543210")
	if _, err := c.Nodes(t.Context()); !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "InvalidAuthToken") {
		t.Fatalf("Nodes with a wrong token: %v", err)
	}
	// A refused token does not get better by waiting: WaitReady gives up at once, long before
	// this context would end.
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	if _, err := c.WaitReady(ctx, []string{"container_1"}); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("WaitReady with a wrong token: %v", err)
	}
	if strings.Contains(fmtErr(c.WaitReady(ctx, nil)), "fedcba98") {
		t.Fatal("an error shows the token")
	}
}

func fmtErr(_ []NodeInfo, err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestGCSWaitReady(t *testing.T) {
	head := NodeInfo{ID: "01", Address: "10.0.0.4", Name: "c1", Head: true, Alive: true}
	worker := NodeInfo{ID: "02", Address: "10.0.0.5", Name: "c2", Alive: true}
	deadWorker := NodeInfo{ID: "03", Address: "10.0.0.5", Name: "c2", Alive: false}
	g := startFakeGCS(t, testToken, func(n int32) ([]NodeInfo, string, string) {
		switch {
		case n == 1:
			return nil, "14", "GCS starting"
		case n < 4:
			return []NodeInfo{head, deadWorker}, "0", "" // a dead node of the same name does not count
		default:
			return []NodeInfo{head, deadWorker, worker}, "0", ""
		}
	})
	ready, err := newTestClient(t, g.addr, testToken).WaitReady(t.Context(), []string{"c1", "c2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ready) != 2 || ready[0] != head || ready[1] != worker {
		t.Fatalf("ready %+v", ready)
	}
	if g.calls.Load() != 4 {
		t.Fatalf("ready after %d calls, want 4", g.calls.Load())
	}
}

func TestGCSWaitReadyGivesUp(t *testing.T) {
	head := NodeInfo{ID: "01", Name: "c1", Alive: true}
	g := startFakeGCS(t, testToken, func(int32) ([]NodeInfo, string, string) { return []NodeInfo{head}, "0", "" })
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	ready, err := newTestClient(t, g.addr, testToken).WaitReady(ctx, []string{"c1", "c2", "c3"})
	if !errors.Is(err, ErrNotReady) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "1 of 3 Ray nodes alive") || !strings.Contains(msg, "missing c2, c3") {
		t.Fatalf("error does not say who joined: %v", err)
	}
	if len(ready) != 1 {
		t.Fatalf("ready %+v", ready)
	}

	// A GCS that answers errors, and one that is not there: the last failure is in the error.
	g = startFakeGCS(t, testToken, func(int32) ([]NodeInfo, string, string) { return nil, "14", "GCS%20starting" })
	ctx, cancel = context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = newTestClient(t, g.addr, testToken).WaitReady(ctx, []string{"c1"})
	if !errors.Is(err, ErrNotReady) || !errors.Is(err, ErrGCS) || !strings.Contains(err.Error(), "GCS starting") {
		t.Fatalf("err %v", err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	gone := l.Addr().String()
	l.Close()
	ctx, cancel = context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = newTestClient(t, gone, testToken).WaitReady(ctx, []string{"c1"})
	if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err %v", err)
	}
}

func TestUnframe(t *testing.T) {
	for _, c := range []struct {
		in  string
		ok  bool
		out string
	}{
		{"\x00\x00\x00\x00\x02hi", true, "hi"},
		{"\x00\x00\x00\x00\x00", true, ""},
		{"\x01\x00\x00\x00\x02hi", false, ""},
		{"\x00\x00\x00\x00\x03hi", false, ""},
		{"\x00\x00", false, ""},
	} {
		got, err := unframe([]byte(c.in))
		if (err == nil) != c.ok || string(got) != c.out {
			t.Errorf("unframe(%q) = %q, %v", c.in, got, err)
		}
	}
}
