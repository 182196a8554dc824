package condapack

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
)

// The reader side of Pack: one file in, its archived bytes out, in chunks.
//
// A file up to smallMax is read whole (a few chunks), relocated, and handed to the writer with its
// final size. A larger one streams: the tar header needs the size first, which a binary rewrite
// keeps and a text rewrite changes by an amount counted in a first pass (large text files holding
// the prefix are rare; the second read hits the page cache).

// chunk is a piece of a file's archived bytes; buf goes back to the pool once written.
type chunk struct {
	data []byte
	buf  *[]byte
}

// process reads s's file and relocates it. Errors land in s.err; the writer reports them.
func (p *packer) process(ctx context.Context, s *slot) {
	e := s.e
	// The file is compared with the scan after it is read (checkEnd): a change before or during
	// the read shows there, and one fstat fewer per file counts with 50k files.
	f, err := os.Open(e.src())
	if err != nil {
		s.err = changedErr(e, err)
		close(s.ready)
		return
	}
	defer f.Close()
	if e.size > smallMax {
		p.streamFile(ctx, f, s)
		return
	}
	raw, err := p.readWhole(f, e)
	if err != nil {
		p.release(raw)
		s.err = err
		close(s.ready)
		return
	}
	s.chunks, s.err = p.relocateWhole(f, e, raw)
	for _, c := range s.chunks {
		s.size += int64(len(c.data))
	}
	close(s.ready)
}

// readWhole reads a small file into chunks (each at offset carryMax of its buffer; a tiny file at
// the start of a tiny buffer) and checks it against the scan after reading.
func (p *packer) readWhole(f *os.File, e *entry) ([]chunk, error) {
	if e.size <= tinyCap {
		b := p.bufs.get(true)
		n, err := io.ReadFull(f, (*b)[:e.size])
		raw := []chunk{{data: (*b)[:n], buf: b}}
		if err != nil && !(errors.Is(err, io.EOF) && e.size == 0) {
			return raw, errorf(ErrChanged, "%s changed while packing (%d bytes read, %d scanned)", e.src(), n, e.size)
		}
		return raw, p.checkEnd(f, e)
	}
	var raw []chunk
	var total int64
	for total < e.size {
		b := p.bufs.get(false)
		n, err := io.ReadFull(f, (*b)[carryMax:carryMax+int(min(readSize, e.size-total))])
		raw = append(raw, chunk{data: (*b)[carryMax : carryMax+n], buf: b})
		total += int64(n)
		if err != nil {
			return raw, errorf(ErrChanged, "%s changed while packing (%d bytes read, %d scanned)", e.src(), total, e.size)
		}
	}
	return raw, p.checkEnd(f, e)
}

// checkEnd makes sure a file read to its scanned size is still the scanned file: one that grew
// shows in its size, one rewritten in place in its mtime and ctime.
func (p *packer) checkEnd(f *os.File, e *entry) error {
	p.bytesIn.Add(e.size)
	return sameFile(f, e)
}

func (p *packer) release(cs []chunk) {
	for _, c := range cs {
		p.bufs.put(c.buf)
	}
}

// relocateWhole returns the archived chunks of a small file read into raw.
func (p *packer) relocateWhole(f *os.File, e *entry, raw []chunk) ([]chunk, error) {
	kind, grow := p.classify(e, raw[0].data)
	if kind == textFile {
		for _, c := range raw[1:] {
			if bytes.IndexByte(c.data, 0) >= 0 { // NUL beyond the head: binary after all
				kind = binaryFile
			}
		}
	}
	if kind == zipFile {
		n := 0
		for _, c := range raw {
			n += p.rep.count(c.data) // a prefix split across chunks is missed: this is only a warning
		}
		if n > 0 {
			return raw, p.warn("%s is a zip archive holding the old prefix; left unchanged (rewriting would break its checksums)", e.rel)
		}
		return raw, nil
	}
	if kind == pycFile {
		return raw, nil
	}
	rl, err := p.relocator(f, e, kind, grow)
	if err != nil {
		return raw, err
	}
	if len(raw) == 1 {
		// One chunk, in one pass; the shebang first (the script may outgrow its buffer).
		data := raw[0].data
		applyPatches(data, 0, rl.patches)
		if kind == textFile && isScript(e.rel) {
			if nw := rewriteShebang(data, e.rel, p.m.olds, p.o.Dest); nw != nil {
				data, rl.changed = nw, true
			}
		}
		raw[0].data = rl.feedBytes(data)
		return raw, rl.finish()
	}
	for i := range raw {
		raw[i].data = rl.feed(*raw[i].buf, len(raw[i].data), i == len(raw)-1)
	}
	return raw, rl.finish()
}

// relocator carries the rewrite of one file across its chunks.
type relocator struct {
	p             *packer
	e             *entry
	rep           *replacer // p.rep, or p.counter where strings are only counted
	compiled      bool      // an unmanaged binary: occurrences are reported, not rewritten
	mode          mode
	grow          growth
	patches       []patch
	active        bool // pyc and zip files pass through untouched
	pending, prev []byte
	off           int64 // file offset of the next raw byte
	bad           []unfixable
	found         int
	changed       bool
}

func (p *packer) relocator(f *os.File, e *entry, kind fileKind, grow growth) (*relocator, error) {
	rl := &relocator{p: p, e: e, rep: p.rep, mode: modeBinary, grow: grow, active: kind != pycFile && kind != zipFile}
	if kind == textFile {
		rl.mode = modeText
	}
	if (kind == elfFile || kind == binaryFile) && e.condaMode != "binary" {
		// Compiled-in strings are rewritten only where conda put a placeholder. Elsewhere a
		// linker may have merged another string into this one's tail: pyenv's libpython keeps
		// PY_VERSION "3.11.7" as the tail of "/root/.pyenv/versions/3.11.7", and rewriting the
		// prefix turned sys.version into "ef (main, ...)". Such strings are counted and reported.
		rl.rep, rl.compiled = p.counter, true
	}
	if kind == elfFile {
		if plan, err := planRPath(f, e.rel, p.m.olds); err == nil {
			rl.patches = plan.patches
			rl.changed = len(plan.patches) > 0
			for _, o := range plan.outside {
				if err := p.warn("%s: RPATH entry %s points outside the env", e.rel, o); err != nil {
					return nil, err
				}
			}
		}
	}
	return rl, nil
}

// feed rewrites the n raw bytes at buf[carryMax:] (the last chunk when final) and returns what
// to archive for them: a slice of buf (binary rewrites happen in place, the carried-over bytes
// are put in front of the chunk) or, after a text rewrite, new bytes.
func (rl *relocator) feed(buf []byte, n int, final bool) []byte {
	raw := buf[carryMax : carryMax+n]
	applyPatches(raw, rl.off, rl.patches)
	wOff := rl.off - int64(len(rl.pending))
	rl.off += int64(n)
	start := carryMax - len(rl.pending)
	copy(buf[start:carryMax], rl.pending)
	w := buf[start : carryMax+n]
	if !rl.active {
		rl.pending = rl.pending[:0]
		return w
	}
	r := rl.rep.run(w, rl.mode, rl.prev, final, rl.grow, wOff)
	rl.bad = append(rl.bad, r.bad...)
	rl.found += r.replaced
	rl.changed = rl.changed || (r.replaced > 0 && rl.rep.dest != nil)
	rl.prev = lookBack(rl.prev, w[:r.consumed])
	rl.pending = append(rl.pending[:0], w[r.consumed:]...)
	return r.out
}

// feedBytes rewrites a whole file held in data, in one pass.
func (rl *relocator) feedBytes(data []byte) []byte {
	r := rl.rep.run(data, rl.mode, nil, true, rl.grow, 0)
	rl.bad = append(rl.bad, r.bad...)
	rl.found += r.replaced
	rl.changed = rl.changed || (r.replaced > 0 && rl.rep.dest != nil)
	return r.out
}

// finish reports what could not be rewritten and counts the file as relocated.
func (rl *relocator) finish() error {
	p, e := rl.p, rl.e
	if rl.changed {
		p.relocs.Add(1)
	}
	if len(rl.bad) > 0 {
		return p.warn("%s", describeBad(e.rel, rl.bad, p.o.Dest))
	}
	if rl.compiled && rl.found > 0 {
		return p.warn("%s: %d compiled-in string(s) hold the old prefix and were left unchanged (only binaries "+
			"conda installed with a prefix placeholder are rewritten: elsewhere a string's tail may be shared "+
			"with another string)", e.rel, rl.found)
	}
	if p.rep.dest == nil && rl.found > 0 {
		return p.warn("%s holds the old prefix %d time(s) and no destination was given; left unchanged", e.rel, rl.found)
	}
	return nil
}

// streamFile sends a large file to the writer chunk by chunk.
func (p *packer) streamFile(ctx context.Context, f *os.File, s *slot) {
	e := s.e
	first := p.bufs.get(false)
	n, err := io.ReadFull(f, (*first)[carryMax:carryMax+readSize])
	if err != nil {
		p.bufs.put(first)
		s.err = errorf(ErrChanged, "%s changed while packing (%d bytes read, %d scanned)", e.src(), n, e.size)
		close(s.ready)
		return
	}
	kind, grow := p.classify(e, (*first)[carryMax:carryMax+min(n, 8192)])
	rl, err := p.relocator(f, e, kind, grow)
	if err == nil && kind == textFile && p.o.Dest != "" {
		var delta int64
		delta, err = p.textDelta(ctx, f)
		s.size = e.size + delta
	} else {
		s.size = e.size
	}
	if err != nil {
		p.bufs.put(first)
		s.err = err
		close(s.ready)
		return
	}
	s.stream = make(chan chunk, streamDepth)
	close(s.ready)
	defer close(s.stream)
	s.err = p.streamChunks(ctx, f, s, rl, first, n)
}

func (p *packer) streamChunks(ctx context.Context, f *os.File, s *slot, rl *relocator, buf *[]byte, n int) error {
	e := s.e
	var read, sent int64
	for {
		read += int64(n)
		if read > e.size {
			p.bufs.put(buf)
			return errorf(ErrChanged, "%s grew while packing (%d bytes scanned)", e.src(), e.size)
		}
		p.bytesIn.Add(int64(n))
		final := read == e.size
		out := rl.feed(*buf, n, final)
		sent += int64(len(out))
		select {
		case s.stream <- chunk{data: out, buf: buf}:
		case <-ctx.Done():
			p.bufs.put(buf)
			return ctx.Err()
		}
		if final {
			break
		}
		buf = p.bufs.get(false)
		var err error
		n, err = io.ReadFull(f, (*buf)[carryMax:carryMax+int(min(readSize, e.size-read))])
		if err != nil {
			p.bufs.put(buf)
			return errorf(ErrChanged, "%s changed while packing (%d bytes read, %d scanned)", e.src(), read+int64(n), e.size)
		}
	}
	if sent != s.size {
		return errorf(ErrChanged, "%s changed while packing (%d bytes out, %d expected)", e.src(), sent, s.size)
	}
	if err := sameFile(f, e); err != nil {
		return err
	}
	return rl.finish()
}

// textDelta is how much a text file grows (or shrinks) when its prefixes are rewritten.
func (p *packer) textDelta(ctx context.Context, f *os.File) (int64, error) {
	b := p.bufs.get(false)
	defer p.bufs.put(b)
	var delta, off int64
	var pending, prev []byte
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		start := carryMax - len(pending)
		copy((*b)[start:carryMax], pending)
		n, err := f.ReadAt((*b)[carryMax:], off)
		final := errors.Is(err, io.EOF)
		if err != nil && !final {
			return 0, err
		}
		off += int64(n)
		w := (*b)[start : carryMax+n]
		r := p.rep.run(w, modeText, prev, final, nil, 0)
		delta += int64(len(r.out)) - int64(r.consumed)
		prev = lookBack(prev, w[:r.consumed])
		pending = append(pending[:0], w[r.consumed:]...)
		if final {
			return delta, nil
		}
	}
}

// lookBack keeps the last bytes before the next chunk, for the boundary look-back of match: a
// run of file-name characters longer than this is taken as a boundary.
func lookBack(prev, consumed []byte) []byte {
	const keep = 256
	if len(consumed) >= keep {
		return append(prev[:0], consumed[len(consumed)-keep:]...)
	}
	prev = append(prev, consumed...)
	if len(prev) > keep {
		prev = append(prev[:0], prev[len(prev)-keep:]...)
	}
	return prev
}
