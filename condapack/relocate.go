package condapack

import (
	"bytes"
	"fmt"
	"sort"
)

// The prefix replacement rules (conda/core/portability.py, done here at pack time):
//
//   - text: every occurrence of an old prefix becomes the destination; the file's length changes.
//   - binary: each NUL-terminated string that starts with an old prefix is rewritten with the
//     destination and right-padded with NULs, so every offset in the file stays where it was. The
//     rewritten string must fit: at most the original string's length, plus, for a file conda
//     installed in binary mode from a longer placeholder, the padding conda left after it.
//
// An occurrence counts only at a path boundary: not continuing a longer path (the run of path
// characters right before it holds no '/': "-L/opt/env" and "=/opt/env" match, "/x/opt/env" does
// not) and not followed by a file-name character other than '/' ("/opt/env2" does not match). The
// old prefix is a real path, not a unique placeholder like conda's, so both sides matter.

// maxCString bounds the search for a binary string's terminating NUL. A longer run is not a C
// string that a program uses as a path; it is left alone and reported.
const maxCString = 64 << 10

type mode int

const (
	modeText mode = iota
	modeBinary
)

// replacer rewrites old prefixes to dest. olds are sorted longest first so that of two nested
// prefixes the longer one wins.
type replacer struct {
	olds   [][]byte
	dest   []byte
	maxOld int
}

// newReplacer with an empty dest only counts occurrences (run's replaced) and changes nothing.
func newReplacer(olds []string, dest string) *replacer {
	r := &replacer{}
	if dest != "" {
		r.dest = []byte(dest)
	}
	seen := map[string]bool{}
	for _, o := range olds {
		if o == "" || o == "/" || seen[o] {
			continue
		}
		seen[o] = true
		r.olds = append(r.olds, []byte(o))
		r.maxOld = max(r.maxOld, len(o))
	}
	sort.Slice(r.olds, func(i, j int) bool { return len(r.olds[i]) > len(r.olds[j]) })
	return r
}

// continuesPath reports whether buf[i] continues a path: walking back over file-name characters
// reaches a '/'. Context beyond prev counts as a boundary.
func continuesPath(buf []byte, i int, prev []byte) bool {
	for k := i - 1; ; k-- {
		var c byte
		switch {
		case k >= 0:
			c = buf[k]
		case len(prev)+k >= 0:
			c = prev[len(prev)+k]
		default:
			return false
		}
		if c == '/' {
			return true
		}
		if !nameChar(c) {
			return false
		}
	}
}

// nameChar may continue a file name.
func nameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-' || c == '+' || c == '@' || c == '~'
}

// finder yields the positions in one buffer where an old prefix starts, remembering the next
// hit of each old so that a buffer is scanned once per old, not once per hit.
type finder struct {
	r   *replacer
	buf []byte
	pos []int // next index of olds[k] at or after the last query; -1: none left
}

func (r *replacer) finder(buf []byte) *finder {
	f := &finder{r: r, buf: buf, pos: make([]int, len(r.olds))}
	for k := range f.pos {
		f.pos[k] = -2 // not searched yet
	}
	return f
}

// next returns the first index at or after i where some old prefix starts, or -1.
func (f *finder) next(i int) int {
	best := -1
	for k, o := range f.r.olds {
		if f.pos[k] == -2 || (f.pos[k] >= 0 && f.pos[k] < i) {
			f.pos[k] = -1
			if i <= len(f.buf) {
				if idx := bytes.Index(f.buf[i:], o); idx >= 0 {
					f.pos[k] = i + idx
				}
			}
		}
		if p := f.pos[k]; p >= 0 && (best < 0 || p < best) {
			best = p
		}
	}
	return best
}

// match reports the length of the old prefix at buf[i] that sits at a path boundary, 0 for none,
// or -1 when buf ends before the boundary could be checked (more data is needed unless final).
// prev holds the bytes before buf[0] (the tail of the previous chunk), for the look-back.
func (r *replacer) match(buf []byte, i int, prev []byte, final bool) int {
	if continuesPath(buf, i, prev) {
		return 0
	}
	for _, o := range r.olds { // longest first
		end := i + len(o)
		if end > len(buf) || !bytes.Equal(buf[i:end], o) {
			continue
		}
		if end == len(buf) {
			if !final {
				return -1
			}
			return len(o)
		}
		if !nameChar(buf[end]) {
			return len(o)
		}
	}
	return 0
}

// growth says how many bytes a binary string starting at an old prefix may grow into the NULs
// that follow it (conda's padding after a longer placeholder); 0 for unmanaged files.
type growth func(occurrences int) int

// unfixable is a binary string that could not be rewritten.
type unfixable struct {
	offset int64
	need   int // bytes the rewritten string needs beyond its room; 0 when no NUL ended it
}

// result of one pass over a buffer.
type pass struct {
	out      []byte // rewritten bytes of buf[:consumed] (binary: buf itself, rewritten in place)
	consumed int
	replaced int
	bad      []unfixable
}

// run rewrites buf. Unless final, it stops before anything it cannot decide yet (a prefix or a
// binary string running past the end): the caller carries buf[consumed:] over to the next call.
// base is buf[0]'s offset in the file, for reports; prev holds the bytes before buf[0].
func (r *replacer) run(buf []byte, m mode, prev []byte, final bool, grow growth, base int64) pass {
	var p pass
	var text bytes.Buffer
	done := 0 // buf[:done] is settled (copied to text, or rewritten in place)
	i := 0
	f := r.finder(buf)
	for len(r.olds) > 0 {
		i = f.next(i)
		if i < 0 {
			break
		}
		n := r.match(buf, i, prev, final)
		if n < 0 {
			return r.finish(p, buf, &text, m, done, i, final)
		}
		if n == 0 {
			i++
			continue
		}
		if r.dest == nil { // counting only: nothing to rewrite to
			p.replaced++
			i += n
			continue
		}
		if m == modeText {
			text.Write(buf[done:i])
			text.Write(r.dest)
			p.replaced++
			done = i + n
			i = done
			continue
		}
		end, ok := r.binaryString(buf, i, final, grow, base, &p)
		if !ok {
			return r.finish(p, buf, &text, m, done, i, final)
		}
		done, i = end, end
	}
	stop := len(buf)
	if !final {
		// Keep the tail that may hold the head of a prefix continuing in the next chunk.
		stop = max(done, len(buf)-r.maxOld)
	}
	return r.finish(p, buf, &text, m, done, stop, final)
}

func (r *replacer) finish(p pass, buf []byte, text *bytes.Buffer, m mode, done, stop int, final bool) pass {
	if final {
		stop = len(buf)
	}
	stop = max(stop, done)
	p.consumed = stop
	if m == modeText {
		if p.replaced == 0 {
			p.out = buf[:stop]
			return p
		}
		text.Write(buf[done:stop])
		p.out = text.Bytes()
		return p
	}
	p.out = buf[:stop]
	return p
}

// binaryString rewrites the NUL-terminated string starting with an old prefix at buf[i] in place.
// It returns the offset after the string's terminator, or ok=false when the terminator (or the
// padding to grow into) lies beyond buf and more data may come.
func (r *replacer) binaryString(buf []byte, i int, final bool, grow growth, base int64, p *pass) (int, bool) {
	limit := min(len(buf), i+maxCString)
	j := bytes.IndexByte(buf[i:limit], 0)
	if j < 0 {
		if !final && limit == len(buf) {
			return 0, false
		}
		p.bad = append(p.bad, unfixable{offset: base + int64(i)})
		return limit, true
	}
	j += i
	seg := buf[i:j]
	// Every boundary occurrence inside the string is rewritten (an RPATH lists several dirs).
	var rewritten bytes.Buffer
	count, k, last := 0, 0, 0
	sf := r.finder(seg)
	for k < len(seg) {
		k = sf.next(k)
		if k < 0 {
			break
		}
		// The first hit (k == 0) was checked by the caller against what precedes it.
		n := r.match(seg, k, nil, true)
		if n <= 0 {
			k++
			continue
		}
		rewritten.Write(seg[last:k])
		rewritten.Write(r.dest)
		count++
		k += n
		last = k
	}
	rewritten.Write(seg[last:])
	nw := rewritten.Bytes()
	room := len(seg)
	if extra := len(nw) - len(seg); extra > 0 && grow != nil {
		allowed := min(grow(count), extra)
		// conda padded with NULs after the terminator; growing needs them still there.
		if j+1+allowed > len(buf) {
			if !final {
				return 0, false
			}
		} else if allZero(buf[j+1 : j+1+allowed]) {
			room += allowed
		}
	}
	if len(nw) > room {
		p.bad = append(p.bad, unfixable{offset: base + int64(i), need: len(nw) - room})
		return j + 1, true
	}
	end := i + max(room, len(seg)) // the terminator (and any padding used) is rewritten as NUL
	copy(buf[i:], nw)
	clear(buf[i+len(nw) : end+1])
	p.replaced += count
	return end + 1, true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// describeBad turns unfixable strings into one warning line.
func describeBad(rel string, bad []unfixable, dest string) string {
	short, unterminated := 0, 0
	for _, b := range bad {
		if b.need > 0 {
			short++
		} else {
			unterminated++
		}
	}
	s := fmt.Sprintf("%s: %d binary string(s) hold the old prefix and were left unchanged", rel, len(bad))
	switch {
	case dest == "":
		s += " (no destination prefix was given)"
	case short > 0:
		s += fmt.Sprintf(" (%d too short for %s)", short, dest)
	}
	if unterminated > 0 {
		s += fmt.Sprintf(" (%d not NUL-terminated)", unterminated)
	}
	return s
}
