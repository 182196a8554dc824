package launcher

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/logline"
)

// recSink records what it is shipped; with failAt it breaks at that Seq.
type recSink struct {
	mu     sync.Mutex
	lines  []logline.Line
	failAt uint64
	// ch, if set, gets every line too (tests wait on it for a line to appear).
	ch chan logline.Line
}

var errSinkBroken = errors.New("sink broken")

func (s *recSink) Ship(l logline.Line) error {
	s.mu.Lock()
	if s.failAt != 0 && l.Seq >= s.failAt {
		s.mu.Unlock()
		return errSinkBroken
	}
	s.lines = append(s.lines, l)
	s.mu.Unlock()
	if s.ch != nil {
		s.ch <- l
	}
	return nil
}

func (s *recSink) texts(stream logline.Stream) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range s.lines {
		if stream == "" || l.Stream == stream {
			out = append(out, l.Text)
		}
	}
	return out
}

// checkSeq fails unless the sink got Seq 1..n in order.
func (s *recSink) checkSeq(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, l := range s.lines {
		if l.Seq != uint64(i+1) {
			t.Fatalf("line %d has Seq %d (%q)", i+1, l.Seq, l.Text)
		}
	}
}

// chunkReader returns at most n bytes per Read, so line ends fall anywhere in a read.
type chunkReader struct {
	r io.Reader
	n int
}

func (c chunkReader) Read(b []byte) (int, error) { return c.r.Read(b[:min(len(b), c.n)]) }

func TestPumpSplits(t *testing.T) {
	const max = logline.MaxLineBytes
	long := strings.Repeat("x", 300<<10) // 300 KiB: four full pieces and a rest
	var longPieces []string
	for rest := long; rest != ""; rest = rest[min(max, len(rest)):] {
		longPieces = append(longPieces, rest[:min(max, len(rest))])
	}
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"lines", "a\nbc\n", []string{"a", "bc"}},
		{"empty lines", "\n\nb\n", []string{"", "", "b"}},
		{"nothing", "", nil},
		{"partial last line", "a\nb", []string{"a", "b"}},
		{"carriage return kept", "a\r\n", []string{"a\r"}},
		{"300 KiB line", long + "\n", longPieces},
		{"300 KiB without newline", long, longPieces},
		{"exactly max", strings.Repeat("y", max) + "\nz\n", []string{strings.Repeat("y", max), "z"}},
		{"max plus one", strings.Repeat("y", max+1), []string{strings.Repeat("y", max), "y"}},
		{"rune kept whole", strings.Repeat("a", max-1) + "é!\n", []string{strings.Repeat("a", max-1), "é!"}},
		{"binary cut at max", strings.Repeat("\x80", max+2), []string{strings.Repeat("\x80", max), "\x80\x80"}},
	}
	for _, tc := range tests {
		for _, chunk := range []int{1, 7, readSize} {
			t.Run(fmt.Sprintf("%s/chunk%d", tc.name, chunk), func(t *testing.T) {
				if chunk == 1 && len(tc.in) > 4*max {
					chunk = 4093 // a prime, not 1: keeps the test fast
				}
				sink := &recSink{}
				var tee bytes.Buffer
				out := NewOutput(logline.Source{Role: "worker", Rank: 1, Container: "c1"}, sink)
				if err := out.Pump(chunkReader{strings.NewReader(tc.in), chunk}, logline.Stderr, &tee); err != nil {
					t.Fatal(err)
				}
				if got := sink.texts(""); !slices.Equal(got, tc.want) {
					t.Fatalf("got %d lines %.80q, want %d lines %.80q", len(got), got, len(tc.want), tc.want)
				}
				sink.checkSeq(t)
				if tee.String() != tc.in {
					t.Fatalf("tee holds %d bytes, want the %d raw bytes", tee.Len(), len(tc.in))
				}
				for _, l := range sink.lines {
					if l.Stream != logline.Stderr || l.Source.Container != "c1" || l.Time.IsZero() {
						t.Fatalf("line %d badly tagged: %+v", l.Seq, l)
					}
				}
			})
		}
	}
}

// Both streams share one counter: the sink sees 1..n in order, and each stream's lines keep
// their order whatever the interleaving.
func TestPumpTwoStreams(t *testing.T) {
	sink := &recSink{}
	out := NewOutput(logline.Source{Role: "command"}, sink)
	const n = 500
	var wg sync.WaitGroup
	var pumpErrs [2]error
	for i, stream := range []logline.Stream{logline.Stdout, logline.Stderr} {
		r, w := io.Pipe()
		wg.Go(func() { pumpErrs[i] = out.Pump(r, stream, nil) })
		wg.Go(func() {
			for k := range n {
				fmt.Fprintf(w, "%s %d\n", stream, k)
			}
			w.Close()
		})
	}
	wg.Wait()
	for _, err := range pumpErrs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sink.checkSeq(t)
	if out.Seq() != 2*n {
		t.Fatalf("Seq = %d, want %d", out.Seq(), 2*n)
	}
	for _, stream := range []logline.Stream{logline.Stdout, logline.Stderr} {
		got := sink.texts(stream)
		for k, text := range got {
			if want := fmt.Sprintf("%s %d", stream, k); text != want {
				t.Fatalf("%s line %d = %q, want %q", stream, k, text, want)
			}
		}
	}
}

func TestPumpSinkFails(t *testing.T) {
	sink := &recSink{failAt: 3}
	out := NewOutput(logline.Source{Role: "command"}, sink)
	var tee bytes.Buffer
	in := "1\n2\n3\n4\n5\n"
	if err := out.Pump(strings.NewReader(in), logline.Stdout, &tee); err != nil {
		t.Fatalf("Pump = %v; a sink failure must not stop draining", err)
	}
	if got := sink.texts(""); !slices.Equal(got, []string{"1", "2"}) {
		t.Fatalf("shipped %q", got)
	}
	if err := out.Err(); !errors.Is(err, ErrLinesLost) || !errors.Is(err, errSinkBroken) {
		t.Fatalf("Err = %v, want ErrLinesLost wrapping the sink's error", err)
	}
	if tee.String() != in {
		t.Fatalf("tee = %q, want every raw byte", tee.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

type failingReader struct{ data string }

func (r *failingReader) Read(b []byte) (int, error) {
	if r.data == "" {
		return 0, errors.New("read broke")
	}
	n := copy(b, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestPumpErrors(t *testing.T) {
	sink := &recSink{}
	out := NewOutput(logline.Source{Role: "command"}, sink)
	err := out.Pump(strings.NewReader("a\nb\n"), logline.Stdout, failingWriter{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Pump with a failing tee = %v", err)
	}
	err = out.Pump(&failingReader{data: "c\npartial"}, logline.Stdout, nil)
	if err == nil || !strings.Contains(err.Error(), "read broke") {
		t.Fatalf("Pump with a failing reader = %v", err)
	}
	if got := sink.texts(""); !slices.Equal(got, []string{"a", "b", "c", "partial"}) {
		t.Fatalf("shipped %q; lines must go out despite tee and read errors", got)
	}
	sink.checkSeq(t)
	if out.Err() != nil {
		t.Fatalf("Err = %v with a working sink", out.Err())
	}
}

// Pump decodes whatever a user's program prints: no byte is lost or invented, no line is
// longer than the cap or holds a newline, Seq has no gap. A small cap lets short inputs reach
// the splitting.
func FuzzPump(f *testing.F) {
	f.Add([]byte("a\nb\n\nc"), uint16(3), uint8(0))
	f.Add([]byte("ééééé\nxyzxyzxyz"), uint16(2), uint8(4))
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\n\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), uint16(0), uint8(5))
	f.Fuzz(func(t *testing.T, in []byte, chunk uint16, maxLine uint8) {
		sink := &recSink{}
		out := NewOutput(logline.Source{}, sink)
		out.maxLine = int(maxLine)%40 + 1
		var tee bytes.Buffer
		if err := out.Pump(chunkReader{bytes.NewReader(in), int(chunk)%readSize + 1}, logline.Stdout, &tee); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tee.Bytes(), in) {
			t.Fatal("tee differs from input")
		}
		var joined []byte
		for i, l := range sink.lines {
			if l.Seq != uint64(i+1) || len(l.Text) > out.maxLine || strings.Contains(l.Text, "\n") {
				t.Fatalf("bad line %d: seq %d, %d bytes", i, l.Seq, len(l.Text))
			}
			joined = append(joined, l.Text...)
		}
		if !bytes.Equal(joined, bytes.ReplaceAll(in, []byte("\n"), nil)) {
			t.Fatal("lines do not add up to the input")
		}
	})
}

func TestOutputTime(t *testing.T) {
	sink := &recSink{}
	out := NewOutput(logline.Source{}, sink)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out.now = func() time.Time { return at }
	if err := out.Pump(strings.NewReader("x\ny"), logline.Stdout, nil); err != nil {
		t.Fatal(err)
	}
	for _, l := range sink.lines {
		if !l.Time.Equal(at) {
			t.Fatalf("line %d Time = %v, want the read's time %v", l.Seq, l.Time, at)
		}
	}
}
