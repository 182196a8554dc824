package amapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/barrier"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/logline"
)

// memBackend is a complete in-memory Backend: the real barrier.Gang and a line store with the
// dedup rule of the contract. It records every rule the shipper must never make it break.
type memBackend struct {
	*barrier.Gang

	mu      sync.Mutex
	lines   []logline.Line
	last    map[string]uint64
	gaps    []string
	dups    int
	closed  bool
	changed chan struct{} // closed and replaced on every append and on close
	status  Status
	stops   []string
	leases  int
	follows int // FollowLines calls so far
	// onAppend runs (outside the lock) after lines were stored, with the number stored.
	onAppend func(total int)
	// epoch is this backend's; a watch of another non-zero epoch is told to re-join.
	epoch int
	creds Credentials
}

func (b *memBackend) Watch(ctx context.Context, epoch, generation int) error {
	if epoch != 0 && epoch != b.epoch {
		return barrier.ErrRejoin
	}
	return b.Gang.Watch(ctx, generation)
}

func newMemBackend(world int) *memBackend {
	return &memBackend{Gang: barrier.NewGang(world), last: map[string]uint64{}, changed: make(chan struct{})}
}

func (b *memBackend) AppendLines(lines []logline.Line) error {
	b.mu.Lock()
	for _, l := range lines {
		last := b.last[l.Source.Container]
		if l.Seq <= last {
			b.dups++
			continue
		}
		if l.Seq != last+1 {
			b.gaps = append(b.gaps, fmt.Sprintf("%s: seq %d after %d", l.Source.Container, l.Seq, last))
		}
		b.last[l.Source.Container] = l.Seq
		b.lines = append(b.lines, l)
	}
	total := len(b.lines)
	close(b.changed)
	b.changed = make(chan struct{})
	hook := b.onAppend
	b.mu.Unlock()
	if hook != nil {
		hook(total)
	}
	return nil
}

func (b *memBackend) LastSeq(container string) uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last[container]
}

// FollowLines uses the line index as cursor: the cursor past line i is i+1.
func (b *memBackend) FollowLines(ctx context.Context, from Cursor, follow bool, fn func(Cursor, logline.Line) error) error {
	b.mu.Lock()
	b.follows++
	b.mu.Unlock()
	for {
		b.mu.Lock()
		if from < int64(len(b.lines)) {
			l := b.lines[from]
			b.mu.Unlock()
			from++
			if err := fn(from, l); err != nil {
				return err
			}
			continue
		}
		closed, changed := b.closed, b.changed
		b.mu.Unlock()
		if closed || !follow {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// closeHub ends every follower's stream, like a hub closed at the end of the application.
func (b *memBackend) closeHub() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	close(b.changed)
	b.changed = make(chan struct{})
}

func (b *memBackend) snapshotLines() ([]logline.Line, []string, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]logline.Line(nil), b.lines...), append([]string(nil), b.gaps...), b.dups
}

func (b *memBackend) Status() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}

func (b *memBackend) Stop(reason string, outcome Outcome) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stops = append(b.stops, reason+" ("+string(outcome)+")")
}

// Credentials serves creds once set (version 1); tests of the endpoint set it.
func (b *memBackend) Credentials(ctx context.Context, after int) (Credentials, error) {
	for {
		b.mu.Lock()
		c, changed := b.creds, b.changed
		b.mu.Unlock()
		if c.Version > after {
			return c, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Credentials{}, ctx.Err()
		}
	}
}

func (b *memBackend) setCreds(c Credentials) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.creds = c
	close(b.changed)
	b.changed = make(chan struct{})
}

func (b *memBackend) Ready(info ReadyInfo) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.status.Ray = &info
}

func (b *memBackend) RenewLease() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.leases++
}

// syncBuffer collects the server's log for assertions.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testLogger(w io.Writer) *logrus.Entry {
	l := logrus.New()
	l.SetOutput(w)
	l.SetLevel(logrus.DebugLevel)
	return logrus.NewEntry(l)
}

var testSecret = security.Secret("0123456789abcdef-test-secret")

type testEnv struct {
	backend *memBackend
	srv     *httptest.Server
	client  *Client
	log     *syncBuffer
	// statuses counts the status codes the server answered, per path.
	mu       sync.Mutex
	statuses map[string]int
}

// newTestEnv starts a real loopback HTTP server over a memBackend and a client of it.
func newTestEnv(t testing.TB, world int, opts ...ServerOption) *testEnv {
	t.Helper()
	env := &testEnv{backend: newMemBackend(world), log: &syncBuffer{}, statuses: map[string]int{}}
	h := NewServer(testSecret, env.backend, testLogger(env.log), opts...)
	env.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		env.mu.Lock()
		env.statuses[fmt.Sprintf("%s %d", r.URL.Path, rec.status)]++
		env.mu.Unlock()
	}))
	t.Cleanup(env.srv.Close)
	// Before the server closes (cleanups run last first): end long polls and follow streams.
	t.Cleanup(func() { env.backend.Close(); env.backend.closeHub() })
	env.client = NewClient(env.srv.URL, testSecret, nil)
	env.client.MinBackoff = time.Millisecond
	env.client.MaxBackoff = 20 * time.Millisecond
	return env
}

func (e *testEnv) count(key string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.statuses[key]
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Flush keeps streaming working through the recorder.
func (r *statusRecorder) Flush() { http.NewResponseController(r.ResponseWriter).Flush() }

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// waitUntil waits for cond; the test's deadline bounds it. It asserts nothing about time.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if deadline, ok := t.Deadline(); ok && time.Until(deadline) < 2*time.Second {
			t.Fatalf("gave up waiting until %s", what)
		}
		runtime.Gosched()
		time.Sleep(200 * time.Microsecond)
	}
}

// cutProxy is a TCP proxy in front of a server whose connections the test can cut.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	cuts   int
	// refuse closes new connections at once (an AM not yet listening); refused counts them.
	refuse  bool
	refused int
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *cutProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse
		if refuse {
			p.refused++
		}
		p.mu.Unlock()
		if refuse {
			c.Close()
			continue
		}
		u, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, u)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(u, c); u.Close() }()
		go func() { _, _ = io.Copy(c, u); c.Close() }()
	}
}

func (p *cutProxy) setRefuse(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = on
}

func (p *cutProxy) refusedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused
}

// cut closes every open connection in both directions, mid-request or not.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.cuts++
}

// newServerForTest starts a server with the given secret over a fresh backend and returns its URL.
func newServerForTest(t *testing.T, secret security.Secret, log io.Writer) string {
	t.Helper()
	srv := httptest.NewServer(NewServer(secret, newMemBackend(1), testLogger(log)))
	t.Cleanup(srv.Close)
	return srv.URL
}
