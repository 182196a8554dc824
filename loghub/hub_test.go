package loghub

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/orca-yarn/orca-yarn/logline"
)

func openHub(t *testing.T, opts Options) *Hub {
	t.Helper()
	h, err := Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func mustAppend(t *testing.T, h *Hub, lines ...logline.Line) {
	t.Helper()
	if err := h.Append(lines...); err != nil {
		t.Fatal(err)
	}
}

// readAll follows from a cursor to the current end.
func readAll(t *testing.T, h *Hub, from Cursor) ([]logline.Line, []Cursor) {
	t.Helper()
	var lines []logline.Line
	var cursors []Cursor
	err := h.Follow(context.Background(), from, false, func(next Cursor, l logline.Line) error {
		lines = append(lines, l)
		cursors = append(cursors, next)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines, cursors
}

func seqs(lines []logline.Line) string {
	s := ""
	for _, l := range lines {
		s += fmt.Sprintf("%s%d ", l.Source.Container, l.Seq)
	}
	return s
}

func TestAppendDedupAndGaps(t *testing.T) {
	type step struct {
		batch                       []uint64 // seqs of container "a"
		wantLast, wantDup, wantGaps uint64
	}
	cases := map[string][]step{
		"in order":          {{[]uint64{1, 2, 3}, 3, 0, 0}},
		"re-send after ack": {{[]uint64{1, 2, 3}, 3, 0, 0}, {[]uint64{2, 3, 4}, 4, 2, 0}},
		"whole re-send":     {{[]uint64{1, 2}, 2, 0, 0}, {[]uint64{1, 2}, 2, 2, 0}},
		"gap":               {{[]uint64{1, 2}, 2, 0, 0}, {[]uint64{5, 6}, 6, 0, 2}},
		"late after gap":    {{[]uint64{1, 4}, 4, 0, 2}, {[]uint64{2, 3, 5}, 5, 2, 2}},
		"first line late":   {{[]uint64{3}, 3, 0, 2}},
		"out of order":      {{[]uint64{1, 3, 2}, 3, 1, 1}},
	}
	for name, steps := range cases {
		t.Run(name, func(t *testing.T) {
			h := openHub(t, Options{})
			for _, st := range steps {
				var batch []logline.Line
				for _, s := range st.batch {
					batch = append(batch, line("a", s, "x"))
				}
				mustAppend(t, h, batch...)
				if got := h.LastSeq("a"); got != st.wantLast {
					t.Fatalf("LastSeq %d, want %d", got, st.wantLast)
				}
				stats := h.Stats()
				if stats.Duplicates != st.wantDup || h.Gaps() != st.wantGaps || stats.Containers["a"].Gaps != st.wantGaps {
					t.Fatalf("duplicates %d gaps %d, want %d %d", stats.Duplicates, h.Gaps(), st.wantDup, st.wantGaps)
				}
			}
			// The spool holds each accepted seq once, in acceptance order.
			got, _ := readAll(t, h, Beginning)
			seen := map[uint64]bool{}
			last := uint64(0)
			for _, l := range got {
				if seen[l.Seq] || l.Seq <= last {
					t.Fatalf("spool %s: seq %d again or out of order", seqs(got), l.Seq)
				}
				seen[l.Seq], last = true, l.Seq
			}
			if uint64(len(got)) != h.Stats().Lines {
				t.Fatalf("spool has %d lines, stats say %d", len(got), h.Stats().Lines)
			}
		})
	}
}

func TestAppendRefusesInvalidBatch(t *testing.T) {
	h := openHub(t, Options{})
	bad := line("a", 0, "seq 0")
	err := h.Append(line("a", 1, "ok"), bad)
	if !errors.Is(err, ErrInvalidLine) {
		t.Fatalf("%v, want ErrInvalidLine", err)
	}
	if h.LastSeq("a") != 0 || h.Stats().Lines != 0 {
		t.Fatal("part of a refused batch was stored")
	}
}

func TestContainersAreIndependent(t *testing.T) {
	h := openHub(t, Options{})
	mustAppend(t, h, line("a", 1, "a1"), line("b", 1, "b1"), line("a", 2, "a2"), line("b", 1, "b1 again"))
	if h.LastSeq("a") != 2 || h.LastSeq("b") != 1 || h.LastSeq("nobody") != 0 {
		t.Fatalf("LastSeq a=%d b=%d", h.LastSeq("a"), h.LastSeq("b"))
	}
	st := h.Stats()
	if st.Lines != 3 || st.Containers["a"].Lines != 2 || st.Containers["b"].Duplicates != 1 {
		t.Fatalf("stats %+v", st)
	}
	if got, _ := readAll(t, h, Beginning); seqs(got) != "a1 b1 a2 " {
		t.Fatalf("spool %s", seqs(got))
	}
}

func TestTail(t *testing.T) {
	cases := map[string]struct {
		opts  Options
		texts []string
		n     int
		want  string
	}{
		"fewer than kept": {Options{TailLines: 3}, []string{"a", "b"}, 0, "a b "},
		"ring wraps":      {Options{TailLines: 3}, []string{"a", "b", "c", "d", "e"}, 0, "c d e "},
		"n below kept":    {Options{TailLines: 3}, []string{"a", "b", "c", "d"}, 2, "c d "},
		"n above kept":    {Options{TailLines: 3}, []string{"a", "b", "c", "d"}, 10, "b c d "},
		"byte budget":     {Options{TailLines: 10, TailBytes: 6}, []string{"aaa", "bb", "cc", "d"}, 0, "bb cc d "},
		"newest kept":     {Options{TailLines: 10, TailBytes: 2}, []string{"a", "bbbbbb"}, 0, "bbbbbb "},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := openHub(t, tc.opts)
			for i, s := range tc.texts {
				mustAppend(t, h, line("c", uint64(i+1), s), line("other", uint64(i+1), "noise"))
			}
			got := ""
			for _, l := range h.Tail("c", tc.n) {
				got += l.Text + " "
			}
			if got != tc.want {
				t.Fatalf("tail %q, want %q", got, tc.want)
			}
		})
	}
	if h := openHub(t, Options{}); h.Tail("nobody", 5) != nil {
		t.Fatal("tail of an unknown container")
	}
}

func TestBufferedLinesReachTheFileWithoutFollower(t *testing.T) {
	h := openHub(t, Options{})
	mustAppend(t, h, line("a", 1, "x"))
	for h.flushed.Load() == headerLen {
		// The flush timer writes it; the test deadline bounds a hub that never does.
		waitABit()
	}
	fi, err := os.Stat(filepath.Join(filepath.Dir(h.path), SpoolName))
	if err != nil || fi.Size() != h.Stats().Bytes {
		t.Fatalf("spool file %v (%v), stats say %d bytes", fi.Size(), err, h.Stats().Bytes)
	}
}

func TestAppendAfterClose(t *testing.T) {
	h := openHub(t, Options{})
	mustAppend(t, h, line("a", 1, "x"))
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Append(line("a", 2, "y")); !errors.Is(err, ErrClosed) {
		t.Fatalf("%v, want ErrClosed", err)
	}
	if err := h.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// Close wrote the buffered line, and the spool is still readable.
	if got, _ := readAll(t, h, Beginning); seqs(got) != "a1 " {
		t.Fatalf("spool %s", seqs(got))
	}
}

func TestReopenCutsTornTail(t *testing.T) {
	dir := t.TempDir()
	h, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, h, line("a", 1, "one"), line("a", 2, "two"), line("b", 1, "b"))
	h.Close()
	// The AM died in the middle of a write.
	torn := appendRecord(nil, line("a", 3, "three"))[:11]
	f, err := os.OpenFile(filepath.Join(dir, SpoolName), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(torn)
	f.Close()

	h, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if st := h.Stats(); st.Dropped != int64(len(torn)) || st.Lines != 3 || h.LastSeq("a") != 2 {
		t.Fatalf("after reopen: %+v, LastSeq(a)=%d", st, h.LastSeq("a"))
	}
	if tail := h.Tail("a", 0); len(tail) != 2 || tail[1].Text != "two" {
		t.Fatalf("tail %+v", tail)
	}
	mustAppend(t, h, line("a", 2, "dup"), line("a", 3, "three"))
	if got, _ := readAll(t, h, Beginning); seqs(got) != "a1 a2 b1 a3 " {
		t.Fatalf("spool %s", seqs(got))
	}
}

func TestOpenRefusesForeignFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, SpoolName), []byte("not a spool at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("%v, want ErrCorrupt", err)
	}
}
