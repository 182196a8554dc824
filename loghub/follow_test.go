package loghub

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/logline"
)

func waitABit() { time.Sleep(time.Millisecond) }

// waitParked returns once n followers wait at the end of the spool. The test deadline bounds
// a follower that never gets there.
func waitParked(h *Hub, n int) {
	for {
		h.mu.Lock()
		w := h.waiters
		h.mu.Unlock()
		if w == n {
			return
		}
		waitABit()
	}
}

// follower collects what Follow gives in a goroutine; done carries Follow's result.
type follower struct {
	mu    sync.Mutex
	lines []logline.Line
	done  chan error
}

func startFollower(ctx context.Context, h *Hub, from Cursor, slow bool) *follower {
	f := &follower{done: make(chan error, 1)}
	go func() {
		f.done <- h.Follow(ctx, from, true, func(_ Cursor, l logline.Line) error {
			f.mu.Lock()
			f.lines = append(f.lines, l)
			n := len(f.lines)
			f.mu.Unlock()
			if slow && n%500 == 0 {
				time.Sleep(2 * time.Millisecond)
			}
			return nil
		})
	}()
	return f
}

func (f *follower) seen() []logline.Line {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]logline.Line(nil), f.lines...)
}

func TestConcurrentAppendersAndFollowers(t *testing.T) {
	const containers, perContainer = 8, 10000
	h := openHub(t, Options{})
	ctx := context.Background()
	followers := []*follower{
		startFollower(ctx, h, Beginning, false),
		startFollower(ctx, h, Beginning, false),
		startFollower(ctx, h, Beginning, true),
	}
	var wg sync.WaitGroup
	for c := range containers {
		wg.Go(func() {
			name := fmt.Sprintf("container_%02d", c)
			seq := uint64(0)
			for seq < perContainer {
				// Batches of 1..37 lines; every 5th batch also re-sends its last 3 lines, as a
				// shipper does after a lost ack.
				n := min(1+int(seq*7+uint64(c))%37, perContainer-int(seq))
				var batch []logline.Line
				for range n {
					seq++
					batch = append(batch, line(name, seq, fmt.Sprintf("line %d of %s", seq, name)))
				}
				if seq%5 == 0 {
					batch = append(batch, batch[max(0, len(batch)-3):]...)
				}
				if err := h.Append(batch...); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if st := h.Stats(); st.Gaps != 0 || st.Lines != containers*perContainer || st.Duplicates == 0 {
		t.Fatalf("stats %+v", h.Stats())
	}
	for i, f := range followers {
		if err := <-f.done; err != nil {
			t.Fatalf("follower %d: %v", i, err)
		}
		last := map[string]uint64{}
		lines := f.seen()
		for _, l := range lines {
			c := l.Source.Container
			if l.Seq != last[c]+1 || l.Text != fmt.Sprintf("line %d of %s", l.Seq, c) {
				t.Fatalf("follower %d: %s seq %d %q after seq %d", i, c, l.Seq, l.Text, last[c])
			}
			last[c] = l.Seq
		}
		if len(lines) != containers*perContainer || len(last) != containers {
			t.Fatalf("follower %d saw %d lines of %d containers", i, len(lines), len(last))
		}
	}
}

func TestFollowStopsOnCancel(t *testing.T) {
	h := openHub(t, Options{})
	mustAppend(t, h, line("a", 1, "x"))
	ctx, cancel := context.WithCancel(context.Background())
	f := startFollower(ctx, h, Beginning, false)
	waitParked(h, 1)
	cancel()
	if err := <-f.done; !errors.Is(err, context.Canceled) {
		t.Fatalf("%v, want context.Canceled", err)
	}
	if got := seqs(f.seen()); got != "a1 " {
		t.Fatalf("saw %s", got)
	}
	waitParked(h, 0)
	mustAppend(t, h, line("a", 2, "y")) // with nobody waiting, it goes to the buffer
}

func TestCloseWakesFollowers(t *testing.T) {
	h := openHub(t, Options{})
	mustAppend(t, h, line("a", 1, "x"))
	fs := []*follower{startFollower(context.Background(), h, Beginning, false), startFollower(context.Background(), h, Beginning, false)}
	waitParked(h, 2)
	// Appended while both are parked, then Close: they get it, then return.
	mustAppend(t, h, line("a", 2, "y"))
	h.Close()
	for _, f := range fs {
		if err := <-f.done; err != nil {
			t.Fatal(err)
		}
		if got := seqs(f.seen()); got != "a1 a2 " {
			t.Fatalf("saw %s", got)
		}
	}
	// Following a closed hub reads it to the end and returns.
	f := startFollower(context.Background(), h, Beginning, false)
	if err := <-f.done; err != nil || seqs(f.seen()) != "a1 a2 " {
		t.Fatalf("%v, saw %s", err, seqs(f.seen()))
	}
}

func TestResumeFromCursor(t *testing.T) {
	h := openHub(t, Options{})
	var want []logline.Line
	for i := range 100 {
		l := line(fmt.Sprintf("c%d", i%3), uint64(i/3+1), fmt.Sprint(i))
		want = append(want, l)
		mustAppend(t, h, l)
	}
	all, cursors := readAll(t, h, Beginning)
	if seqs(all) != seqs(want) {
		t.Fatalf("spool %s", seqs(all))
	}
	for _, k := range []int{0, 1, 50, 98, 99} {
		got, _ := readAll(t, h, cursors[k])
		if seqs(got) != seqs(want[k+1:]) {
			t.Fatalf("from cursor %d: %s, want %s", k, seqs(got), seqs(want[k+1:]))
		}
	}
	end := h.End()
	if end != cursors[99] {
		t.Fatalf("End %d, last cursor %d", end, cursors[99])
	}
	mustAppend(t, h, line("new", 1, "after end"))
	if got, _ := readAll(t, h, end); seqs(got) != "new1 " {
		t.Fatalf("from End: %s", seqs(got))
	}
}

func TestFollowRefusesBadCursor(t *testing.T) {
	h := openHub(t, Options{})
	mustAppend(t, h, line("a", 1, "hello"), line("a", 2, "world, a little longer"), line("a", 3, "!"))
	_, cursors := readAll(t, h, Beginning)
	for _, c := range []Cursor{-1, 3, cursors[0] + 1, cursors[1] - 2, cursors[2] + 1, 1 << 40} {
		err := h.Follow(context.Background(), c, false, func(Cursor, logline.Line) error {
			t.Fatalf("cursor %d gave a line", c)
			return nil
		})
		if !errors.Is(err, ErrBadCursor) {
			t.Fatalf("cursor %d: %v, want ErrBadCursor", c, err)
		}
	}
}

func TestFollowReturnsCallbackError(t *testing.T) {
	h := openHub(t, Options{})
	mustAppend(t, h, line("a", 1, "x"), line("a", 2, "y"))
	stop := errors.New("enough")
	n := 0
	err := h.Follow(context.Background(), Beginning, true, func(Cursor, logline.Line) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Fatalf("%v after %d lines, want the callback's error after 1", err, n)
	}
}

// A write in progress: half of a record is in the file, not yet published. Followers deliver
// what is before it, wait, and get the line whole once the write completes.
func TestFollowWaitsForTornRecord(t *testing.T) {
	for _, cut := range []int{3, recHdrLen, recHdrLen + 5} {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			h := openHub(t, Options{})
			mustAppend(t, h, line("a", 1, "before"))
			rec := appendRecord(nil, line("a", 2, "the torn one"))
			writeRaw := func(b []byte, publish bool) {
				h.mu.Lock()
				defer h.mu.Unlock()
				if _, err := h.f.Write(b); err != nil {
					t.Fatal(err)
				}
				if publish { // what flushLocked does once the write returned
					h.flushed.Add(int64(len(rec)))
					close(h.notify)
					h.notify = make(chan struct{})
				}
			}
			h.End() // "before" is in the file
			writeRaw(rec[:cut], false)
			f := startFollower(context.Background(), h, Beginning, false)
			waitParked(h, 1)
			if got, _ := readAll(t, h, Beginning); seqs(got) != "a1 " {
				t.Fatalf("reader saw %s", seqs(got))
			}
			writeRaw(rec[cut:], true)
			h.Close()
			if err := <-f.done; err != nil {
				t.Fatal(err)
			}
			if got := f.seen(); seqs(got) != "a1 a2 " || got[1].Text != "the torn one" {
				t.Fatalf("follower saw %s", seqs(got))
			}
		})
	}
}

// A record damaged in the file is an error, never a line.
func TestFollowStopsAtCorruptRecord(t *testing.T) {
	h := openHub(t, Options{})
	mustAppend(t, h, line("a", 1, "good"), line("a", 2, "will be damaged"), line("a", 3, "after"))
	_, cursors := readAll(t, h, Beginning)
	f, err := os.OpenFile(h.path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("X"), int64(cursors[1])-3)
	f.Close()
	var got []logline.Line
	err = h.Follow(context.Background(), Beginning, false, func(_ Cursor, l logline.Line) error {
		got = append(got, l)
		return nil
	})
	if !errors.Is(err, ErrCorrupt) || seqs(got) != "a1 " {
		t.Fatalf("%v after %s, want ErrCorrupt after a1", err, seqs(got))
	}
}
