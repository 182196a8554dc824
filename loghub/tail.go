package loghub

import "github.com/orca-yarn/orca-yarn/logline"

// tail keeps the newest lines of one container within a line count and a text byte budget, so
// the failure report has them without reading the spool. The newest line is always kept, even
// when it alone is over the byte budget (it is at most logline.MaxLineBytes).
type tail struct {
	ring  []logline.Line // fixed capacity; entries [start, start+n) mod len are live
	start int
	n     int
	bytes int // text bytes of the live entries
	limit int // byte budget
}

func newTail(lines, bytes int) tail {
	return tail{ring: make([]logline.Line, lines), limit: bytes}
}

func (t *tail) push(l logline.Line) {
	for t.n > 0 && (t.n == len(t.ring) || t.bytes+len(l.Text) > t.limit) {
		old := &t.ring[t.start]
		t.bytes -= len(old.Text)
		*old = logline.Line{} // let the text go
		t.start = (t.start + 1) % len(t.ring)
		t.n--
	}
	t.ring[(t.start+t.n)%len(t.ring)] = l
	t.n++
	t.bytes += len(l.Text)
}

// last returns a copy of the newest n lines, oldest first; all of them when n <= 0.
func (t *tail) last(n int) []logline.Line {
	if n <= 0 || n > t.n {
		n = t.n
	}
	out := make([]logline.Line, n)
	for i := range n {
		out[i] = t.ring[(t.start+t.n-n+i)%len(t.ring)]
	}
	return out
}
