package amapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/logline"
)

var testSource = logline.Source{Role: "command", Rank: 1, Container: "container_e01_0001_01_000002"}

// TestShipperSurvivesCutConnections ships 100k lines while the connection to the AM is cut
// twice mid-stream; the AM must end up with every line exactly once, in order.
func TestShipperSurvivesCutConnections(t *testing.T) {
	const total = 100_000
	env := newTestEnv(t, 1)
	proxy := newCutProxy(t, env.srv.Listener.Addr().String())
	var once [2]sync.Once
	env.backend.onAppend = func(stored int) {
		if stored >= 30_000 {
			once[0].Do(proxy.cut)
		}
		if stored >= 70_000 {
			once[1].Do(proxy.cut)
		}
	}
	c := NewClient(proxy.URL(), testSecret, nil)
	c.MinBackoff, c.MaxBackoff = time.Millisecond, 10*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sh, err := c.NewLineShipper(ctx, ShipperOptions{Source: testSource})
	if err != nil {
		t.Fatal(err)
	}
	for i := range total {
		stream := logline.Stdout
		if i%7 == 0 {
			stream = logline.Stderr
		}
		if err := sh.Ship(ctx, logline.Line{Stream: stream, Text: fmt.Sprintf("line %d", i)}); err != nil {
			t.Fatalf("ship line %d: %v", i, err)
		}
	}
	if err := sh.Close(ctx); err != nil {
		t.Fatal(err)
	}
	lines, gaps, dups := env.backend.snapshotLines()
	if len(gaps) > 0 {
		t.Fatalf("gaps in what the AM stored: %v", gaps[:min(len(gaps), 5)])
	}
	if len(lines) != total {
		t.Fatalf("AM stored %d lines, want %d", len(lines), total)
	}
	for i, l := range lines {
		if l.Seq != uint64(i+1) || l.Text != fmt.Sprintf("line %d", i) || l.Source != testSource {
			t.Fatalf("line %d: %+v", i, l)
		}
	}
	proxy.mu.Lock()
	cuts := proxy.cuts
	proxy.mu.Unlock()
	if cuts != 2 {
		t.Fatalf("%d cuts happened, want 2", cuts)
	}
	t.Logf("%d line streams, %d duplicate lines dropped by the AM", env.count("/v1/lines 200"), dups)
}

// TestShipperIsLive: a line reaches the AM while its stream is still open, long before any
// acknowledgement cycle (which is set to an hour here, so waiting for it would hang).
func TestShipperIsLive(t *testing.T) {
	env := newTestEnv(t, 1)
	ctx := context.Background()
	sh, err := env.client.NewLineShipper(ctx, ShipperOptions{Source: testSource, AckEvery: 1 << 30, AckInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if err := sh.Ship(ctx, logline.Line{Text: fmt.Sprint("live ", i)}); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, fmt.Sprintf("line %d at the AM", i), func() bool {
			lines, _, _ := env.backend.snapshotLines()
			return len(lines) == i
		})
	}
	if n := env.count("/v1/lines 200"); n != 0 {
		t.Fatalf("%d streams were already answered; the lines must have come on an open stream", n)
	}
	if err := sh.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := env.count("/v1/lines 200"); n != 1 {
		t.Fatalf("%d streams answered after Close, want 1", n)
	}
}

// TestShipperContinuesAfterTheAMsLines: a second shipper in the same container numbers its
// lines after what the AM already holds instead of having them dropped as duplicates.
func TestShipperContinuesAfterTheAMsLines(t *testing.T) {
	env := newTestEnv(t, 1)
	ctx := context.Background()
	var old []logline.Line
	for i := 1; i <= 5; i++ {
		old = append(old, logline.Line{Source: testSource, Stream: logline.Stdout, Seq: uint64(i), Text: "old"})
	}
	if err := env.backend.AppendLines(old); err != nil {
		t.Fatal(err)
	}
	sh, err := env.client.NewLineShipper(ctx, ShipperOptions{Source: testSource})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := sh.Ship(ctx, logline.Line{Text: "new"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sh.Close(ctx); err != nil {
		t.Fatal(err)
	}
	lines, gaps, dups := env.backend.snapshotLines()
	if len(lines) != 8 || len(gaps) != 0 || dups != 0 || lines[7].Seq != 8 || lines[7].Text != "new" {
		t.Fatalf("lines %+v, gaps %v, dups %d", lines, gaps, dups)
	}
}

func TestShipperSplitsAndRepairsText(t *testing.T) {
	env := newTestEnv(t, 1)
	ctx := context.Background()
	sh, err := env.client.NewLineShipper(ctx, ShipperOptions{Source: testSource})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("é", logline.MaxLineBytes/2-1) + "x\xff" + strings.Repeat("ab", logline.MaxLineBytes)
	if err := sh.Ship(ctx, logline.Line{Stream: logline.Stderr, Text: text}); err != nil {
		t.Fatal(err)
	}
	if err := sh.Ship(ctx, logline.Line{Stream: "other"}); err == nil {
		t.Fatal("a line of an unknown stream was accepted")
	}
	if err := sh.Close(ctx); err != nil {
		t.Fatal(err)
	}
	lines, _, _ := env.backend.snapshotLines()
	var joined strings.Builder
	for _, l := range lines {
		if err := validLine(l); err != nil {
			t.Fatalf("stored an invalid line: %v", err)
		}
		joined.WriteString(l.Text)
	}
	if len(lines) != 4 || joined.String() != strings.ToValidUTF8(text, "\uFFFD") {
		t.Fatalf("%d parts; joined text equal: %v", len(lines), joined.String() == strings.ToValidUTF8(text, "\uFFFD"))
	}
}

// TestShipperBackpressure: while the AM is unreachable a full queue blocks Ship (here until
// its ctx ends) and drops nothing; once the AM is back, Close delivers every queued line.
func TestShipperBackpressure(t *testing.T) {
	env := newTestEnv(t, 1)
	proxy := newCutProxy(t, env.srv.Listener.Addr().String())
	proxy.setRefuse(true)
	c := NewClient(proxy.URL(), testSecret, nil)
	c.MinBackoff, c.MaxBackoff = time.Millisecond, 5*time.Millisecond
	ctx := context.Background()
	sh, err := c.NewLineShipper(ctx, ShipperOptions{Source: testSource, QueueLines: 4})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if err := sh.Ship(ctx, logline.Line{Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	full, cancel := context.WithCancel(ctx)
	cancel()
	if err := sh.Ship(full, logline.Line{Text: "one too many"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("ship into a full queue: %v, want the ctx's error", err)
	}
	waitUntil(t, "the shipper tried the AM", func() bool { return proxy.refusedCount() >= 2 })
	proxy.setRefuse(false)
	if err := sh.Close(ctx); err != nil {
		t.Fatal(err)
	}
	lines, gaps, _ := env.backend.snapshotLines()
	if len(lines) != 4 || len(gaps) != 0 || lines[3].Text != "3" {
		t.Fatalf("after the AM came back: %+v (gaps %v)", lines, gaps)
	}
}

func TestShipperCloseGivesUp(t *testing.T) {
	ctx := context.Background()
	c := NewClient("http://127.0.0.1:1", testSecret, nil)
	c.MinBackoff, c.MaxBackoff = time.Millisecond, 5*time.Millisecond
	sh, err := c.NewLineShipper(ctx, ShipperOptions{Source: testSource})
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Ship(ctx, logline.Line{Text: "never delivered"}); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = sh.Close(cctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "1 lines not acknowledged") {
		t.Fatalf("close without an AM: %v", err)
	}
	if err := sh.Ship(ctx, logline.Line{Text: "late"}); !errors.Is(err, ErrShipperClosed) {
		t.Fatalf("ship after close: %v", err)
	}
	if _, err := c.NewLineShipper(ctx, ShipperOptions{}); err == nil {
		t.Fatal("a shipper without a container was created")
	}
}

// TestLinesStreamValidation: a stream with a bad record is refused with 400, and the good
// lines before it are kept.
func TestLinesStreamValidation(t *testing.T) {
	env := newTestEnv(t, 1)
	good := `{"source":{"role":"command","rank":1,"container":"c1"},"stream":"stdout","seq":1,"text":"ok"}` + "\n"
	for _, tc := range []struct {
		name, query, body string
		want              int
	}{
		{"no container", "", good, 400},
		{"other container", "?container=c1", good + strings.Replace(good, `"c1"`, `"c2"`, 1), 400},
		{"not json", "?container=c1", good + "{nope\n", 400},
		{"seq 0", "?container=c1", strings.Replace(good, `"seq":1`, `"seq":0`, 1), 400},
		{"good, again", "?container=c1", good + "\n\n", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uri := "/v1/lines" + tc.query
			req, err := http.NewRequest("POST", env.srv.URL+uri, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", mustAuth(t, testSecret, "POST", uri, time.Now()))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("got %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	lines, _, dups := env.backend.snapshotLines()
	if len(lines) != 1 || dups != 2 {
		t.Fatalf("stored %d lines with %d duplicates dropped, want 1 and 2", len(lines), dups)
	}
	last, err := env.client.lineAck(context.Background(), "c1")
	if err != nil || last != 1 {
		t.Fatalf("ack of c1: %d, %v", last, err)
	}
}
