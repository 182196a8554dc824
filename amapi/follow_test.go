package amapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/logline"
)

func storeLines(t *testing.T, b *memBackend, from, to int) {
	t.Helper()
	var ls []logline.Line
	for i := from; i <= to; i++ {
		ls = append(ls, logline.Line{Source: testSource, Stream: logline.Stdout, Seq: uint64(i), Text: fmt.Sprint("l", i)})
	}
	if err := b.AppendLines(ls); err != nil {
		t.Fatal(err)
	}
}

type followed struct {
	cursor Cursor
	seq    uint64
}

func TestFollowLinesWithoutFollow(t *testing.T) {
	env := newTestEnv(t, 1)
	storeLines(t, env.backend, 1, 5)
	ctx := context.Background()
	var got []followed
	collect := func(c Cursor, l logline.Line) error {
		got = append(got, followed{c, l.Seq})
		return nil
	}
	if err := env.client.FollowLines(ctx, 0, false, collect); err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || got[4] != (followed{5, 5}) {
		t.Fatalf("got %v", got)
	}
	// Resume from a cursor: what comes after it, nothing twice.
	got = nil
	if err := env.client.FollowLines(ctx, 3, false, collect); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != (followed{4, 4}) {
		t.Fatalf("from cursor 3: %v", got)
	}
	// An error of the callback ends the stream and comes back as it is.
	stop := errors.New("enough")
	if err := env.client.FollowLines(ctx, 0, false, func(Cursor, logline.Line) error { return stop }); err != stop {
		t.Fatalf("callback error: %v", err)
	}
}

// TestFollowLinesLive: a follower sees lines as they are stored, survives a cut connection
// without losing or repeating a line, and returns when the hub closes.
func TestFollowLinesLive(t *testing.T) {
	env := newTestEnv(t, 1)
	proxy := newCutProxy(t, env.srv.Listener.Addr().String())
	c := NewClient(proxy.URL(), testSecret, nil)
	c.MinBackoff, c.MaxBackoff = time.Millisecond, 5*time.Millisecond
	storeLines(t, env.backend, 1, 2)
	seen := make(chan followed, 100)
	done := make(chan error, 1)
	go func() {
		done <- c.FollowLines(context.Background(), 0, true, func(cur Cursor, l logline.Line) error {
			seen <- followed{cur, l.Seq}
			return nil
		})
	}()
	next := func(want uint64) {
		t.Helper()
		if got := <-seen; got.seq != want || got.cursor != Cursor(want) {
			t.Fatalf("got %+v, want seq %d", got, want)
		}
	}
	next(1)
	next(2)
	storeLines(t, env.backend, 3, 3)
	next(3)
	proxy.cut()
	storeLines(t, env.backend, 4, 6)
	next(4)
	next(5)
	next(6)
	env.backend.mu.Lock()
	follows := env.backend.follows
	env.backend.mu.Unlock()
	if follows < 2 {
		t.Fatalf("%d follow requests; the cut should have forced a second", follows)
	}
	env.backend.closeHub()
	if err := <-done; err != nil {
		t.Fatalf("follow after the hub closed: %v", err)
	}
	select {
	case extra := <-seen:
		t.Fatalf("line seen twice: %+v", extra)
	default:
	}
}

func TestFollowLinesContext(t *testing.T) {
	env := newTestEnv(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- env.client.FollowLines(ctx, 0, true, func(Cursor, logline.Line) error { return nil }) }()
	waitUntil(t, "the follower is connected", func() bool {
		env.backend.mu.Lock()
		defer env.backend.mu.Unlock()
		return env.backend.follows == 1
	})
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "GET /v1/lines") {
		t.Fatalf("follow after cancel: %v", err)
	}
}

func TestFollowRecordDecoding(t *testing.T) {
	for _, tc := range []struct {
		rec string
		ok  bool
	}{
		{`{"cursor":3,"line":{"seq":1}}`, true},
		{`{"end":true}`, true},
		{`{"error":"internal"}`, true},
		{`{"cursor":3}`, false},
		{`{"line":{"seq":1}}`, false},
		{`{"cursor":-1,"line":{"seq":1}}`, false},
		{`{"end":true,"error":"x"}`, false},
		{`{}`, false},
		{`{"end":true} {"end":true}`, false},
		{`[]`, false},
	} {
		_, err := decodeFollowRecord([]byte(tc.rec))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.rec, err, tc.ok)
		}
	}
}
