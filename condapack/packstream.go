package condapack

import (
	"context"
	"errors"
	"io"
	"os"
)

// Files above smallMax stream through in chunks, so memory stays bounded however large a library
// is. The tar header needs the size first: binary rewrites keep it, and a text rewrite's size is
// counted in a first pass (large text files holding the prefix are rare; the second read hits
// the page cache).

// chunk is a piece of a streamed file; buf goes back to the pool once written.
type chunk struct {
	data []byte
	buf  *[]byte
}

// streamBuf holds one chunk plus what a binary string or a prefix carried over from the last.
const streamBuf = chunkSize + maxCString + 4096

func (p *packer) streamFile(ctx context.Context, f *os.File, s *slot) {
	e := s.e
	var head [8192]byte
	n, err := f.ReadAt(head[:], 0)
	if err != nil && err != io.EOF {
		s.err = changedErr(e, err)
		close(s.ready)
		return
	}
	kind, grow := p.classify(e, head[:n])
	var patches []patch
	if kind == elfFile {
		if plan, err := planRPath(f, e.rel, p.m.olds); err == nil {
			patches = plan.patches
			for _, o := range plan.outside {
				if err := p.warn("%s: RPATH entry %s points outside the env", e.rel, o); err != nil {
					s.err = err
					close(s.ready)
					return
				}
			}
		}
	}
	m := modeBinary
	s.size = e.size
	if kind == textFile {
		m = modeText
		if p.o.Dest != "" {
			delta, err := p.textDelta(ctx, f)
			if err != nil {
				s.err = err
				close(s.ready)
				return
			}
			s.size += delta
		}
	}
	s.stream = make(chan chunk, streamDepth)
	close(s.ready)
	defer close(s.stream)
	s.err = p.streamChunks(ctx, f, s, kind, m, grow, patches)
}

// streamChunks reads f chunk by chunk, rewrites, and sends the result to the writer.
func (p *packer) streamChunks(ctx context.Context, f *os.File, s *slot, kind fileKind, m mode, grow growth, patches []patch) error {
	e := s.e
	var pending, prev []byte
	var off, sent int64 // file offset of the next read; bytes sent
	var bad []unfixable
	found := 0
	relocated := len(patches) > 0
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return changedErr(e, err)
	}
	for {
		buf := p.bufs.get(streamBuf)
		w := (*buf)[:cap(*buf)]
		copy(w, pending)
		n, err := io.ReadFull(f, w[len(pending):len(pending)+chunkSize])
		final := false
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			final = true
		case err != nil:
			p.bufs.put(buf)
			return changedErr(e, err)
		}
		if off+int64(n) > e.size || (final && off+int64(n) != e.size) {
			p.bufs.put(buf)
			return errorf(ErrChanged, "%s changed while packing (%d bytes read, %d scanned)", e.src(), off+int64(n), e.size)
		}
		p.bytesIn.Add(int64(n))
		applyPatches(w[len(pending):len(pending)+n], off, patches)
		wOff := off - int64(len(pending))
		w = w[:len(pending)+n]
		off += int64(n)
		out := w
		consumed := len(w)
		if kind != pycFile && kind != zipFile {
			r := p.rep.run(w, m, prev, final, grow, wOff)
			out, consumed = r.out, r.consumed
			bad = append(bad, r.bad...)
			found += r.replaced
			relocated = relocated || (r.replaced > 0 && p.rep.dest != nil)
		}
		prev = lookBack(prev, w[:consumed])
		pending = append(pending[:0], w[consumed:]...)
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
	}
	if sent != s.size {
		return errorf(ErrChanged, "%s changed while packing (%d bytes out, %d expected)", e.src(), sent, s.size)
	}
	if err := sameFile(f, e); err != nil {
		return err
	}
	if relocated {
		p.relocs.Add(1)
	}
	if len(bad) > 0 {
		return p.warn("%s", describeBad(e.rel, bad, p.o.Dest))
	}
	if p.rep.dest == nil && found > 0 {
		return p.warn("%s holds the old prefix %d time(s) and no destination was given; left unchanged", e.rel, found)
	}
	return nil
}

// textDelta is how much a text file grows (or shrinks) when its prefixes are rewritten.
func (p *packer) textDelta(ctx context.Context, f *os.File) (int64, error) {
	var delta int64
	var pending, prev []byte
	buf := make([]byte, chunkSize+4096)
	var off int64
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		w := buf[:cap(buf)]
		copy(w, pending)
		n, err := f.ReadAt(w[len(pending):len(pending)+chunkSize], off)
		final := errors.Is(err, io.EOF)
		if err != nil && !final {
			return 0, err
		}
		off += int64(n)
		w = w[:len(pending)+n]
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
