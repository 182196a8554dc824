package condapack

import (
	"sync/atomic"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// The reader side of Pack: one file in, its archived bytes out.

// process reads s's file and relocates it. Errors land in s.err; the writer reports them.
func (p *packer) process(ctx context.Context, s *slot) {
	e := s.e
	f, err := os.Open(e.src())
	if err != nil {
		s.err = changedErr(e, err)
		close(s.ready)
		return
	}
	defer f.Close()
	if err := sameFile(f, e); err != nil {
		s.err = err
		close(s.ready)
		return
	}
	if e.size > smallMax {
		p.streamFile(ctx, f, s)
		return
	}
	buf := p.bufs.get(int(e.size) + 1)
	data := (*buf)[:e.size+1]
	n, err := io.ReadFull(f, data)
	switch {
	case (err == io.ErrUnexpectedEOF || err == io.EOF) && int64(n) == e.size: // the expected end
		err = nil
	case err == nil || err == io.ErrUnexpectedEOF || err == io.EOF:
		err = errorf(ErrChanged, "%s: %d bytes on read, %d when scanned", e.src(), n, e.size)
	}
	if err == nil {
		err = sameFile(f, e)
	} else if !errors.Is(err, ErrChanged) {
		err = changedErr(e, err)
	}
	if err != nil {
		p.bufs.put(buf)
		s.err = err
		close(s.ready)
		return
	}
	p.bytesIn.Add(int64(n))
	data = data[:n]
	out, err := p.relocate(e, data)
	s.err = err
	s.data, s.size, s.buf = out, int64(len(out)), buf
	close(s.ready)
}

// relocate returns the archived bytes of a small file (data may be rewritten in place).
func (p *packer) relocate(e *entry, data []byte) ([]byte, error) {
	kind, grow := p.classify(e, data)
	switch kind {
	case pycFile:
		return data, nil
	case zipFile:
		if p.rep.count(data) > 0 {
			return data, p.warn("%s is a zip archive holding the old prefix; left unchanged (rewriting would break its checksums)", e.rel)
		}
		return data, nil
	}
	changed := false
	if kind == elfFile {
		plan, err := planRPath(bytes.NewReader(data), e.rel, p.m.olds)
		if err == nil {
			applyPatches(data, 0, plan.patches)
			changed = len(plan.patches) > 0
			for _, o := range plan.outside {
				if err := p.warn("%s: RPATH entry %s points outside the env", e.rel, o); err != nil {
					return nil, err
				}
			}
		}
	}
	m := modeBinary
	if kind == textFile {
		m = modeText
		if isScript(e.rel) {
			if nw := rewriteShebang(data, e.rel, p.m.olds, p.o.Dest); nw != nil {
				data, changed = nw, true
			}
		}
	}
	if p.o.Dest == "" {
		if n := p.rep.count(data); n > 0 {
			if err := p.warn("%s holds the old prefix %d time(s) and no destination was given; left unchanged", e.rel, n); err != nil {
				return nil, err
			}
		}
	} else {
		r := p.rep.run(data, m, nil, true, grow, 0)
		if len(r.bad) > 0 {
			if err := p.warn("%s", describeBad(e.rel, r.bad, p.o.Dest)); err != nil {
				return nil, err
			}
		}
		if r.replaced > 0 {
			data, changed = r.out, true
		}
	}
	if changed {
		p.relocs.Add(1)
	}
	return data, nil
}

type fileKind int

const (
	textFile fileKind = iota
	binaryFile
	elfFile
	// pycFile: compiled bytecode holds its source path (co_filename), which the import system
	// replaces with the real one when it loads the file; rewriting would break nothing but also
	// fix nothing, and would change the length-prefixed strings' contents to NUL-padded ones.
	pycFile
	zipFile // a zip (wheel, jar, egg): rewriting bytes would break its CRCs
)

// classify picks the replacement rule for a file from what conda recorded, else from its bytes.
// grow is the padding conda left after a binary-mode placeholder, if any.
func (p *packer) classify(e *entry, head []byte) (fileKind, growth) {
	if strings.HasSuffix(e.rel, ".pyc") {
		return pycFile, nil
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return zipFile, nil
	}
	var grow growth
	if e.managed != nil && e.managed.data != nil && e.managed.data.FileMode == "binary" {
		extra := len(e.managed.data.PrefixPlaceholder) - len(p.m.Env.Prefix)
		if extra > 0 {
			grow = func(n int) int { return n * extra }
		}
	}
	switch {
	case isELF(head):
		return elfFile, grow
	case e.managed != nil && e.managed.data != nil && e.managed.data.FileMode == "text":
		return textFile, nil
	case e.managed != nil && e.managed.data != nil && e.managed.data.FileMode == "binary":
		return binaryFile, grow
	case bytes.IndexByte(head, 0) >= 0:
		return binaryFile, nil
	}
	return textFile, nil
}

// isScript: a file directly in bin/, where console scripts live.
func isScript(rel string) bool { return path.Dir(rel) == "bin" }

// count is how many times an old prefix occurs in data.
func (r *replacer) count(data []byte) int {
	c := &replacer{olds: r.olds, maxOld: r.maxOld}
	return c.run(data, modeText, nil, true, nil, 0).replaced
}

// linkTarget is the archived target of a symlink: a path inside the env becomes relative.
func (p *packer) linkTarget(e *entry) (string, error) {
	dir := path.Dir(e.rel)
	if path.IsAbs(e.target) {
		t, inside := envTarget(e.target, dir, p.m.olds)
		if !inside {
			return e.target, p.warn("%s links to %s, outside the env", e.rel, e.target)
		}
		rel := strings.TrimPrefix(originRel(dir, t), "$ORIGIN")
		rel = strings.TrimPrefix(rel, "/")
		if rel == "" {
			rel = "."
		}
		return rel, nil
	}
	if t := path.Join(dir, e.target); t == ".." || strings.HasPrefix(t, "../") {
		return e.target, p.warn("%s links to %s, outside the env", e.rel, e.target)
	}
	return e.target, nil
}

// sameFile checks an open file against the scan: size, mtime, inode and ctime. The ctime
// catches what keeps the others: a file replaced by one of the same size whose mtime was set
// back (and whose inode number the filesystem reused).
func sameFile(f *os.File, e *entry) error {
	fi, err := f.Stat()
	if err != nil {
		return changedErr(e, err)
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	if fi.Size() != e.size || fi.ModTime().UnixNano() != e.mtime ||
		(st != nil && (st.Ino != e.ino || st.Ctim.Nano() != e.ctime)) {
		return errorf(ErrChanged, "%s changed while packing (size %d→%d, mtime %v→%v)", e.src(), e.size,
			fi.Size(), e.mtime, fi.ModTime().UnixNano())
	}
	return nil
}

func changedErr(e *entry, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errorf(ErrChanged, "%s disappeared while packing", e.src())
	}
	if errors.Is(err, fs.ErrPermission) {
		return errorf(ErrNotEnv, "read %s: %v; the env must be readable by you", e.src(), err)
	}
	return errorf(ErrChanged, "read %s: %v", e.src(), err)
}

// Buffer pool by power-of-2 size classes, from 4 KiB to smallMax, plus one for streamed chunks:
// the readers keep up to budgetBytes alive, and reusing the buffers keeps the heap (and RSS) near
// that instead of churning through the env's size in garbage. The budget is charged a buffer's
// class size, not the file's, so the waste of rounding up is counted too.
var bufClasses = func() []int {
	var c []int
	for n := 4 << 10; n < smallMax+1; n *= 2 {
		c = append(c, n)
	}
	c = append(c, streamBuf, smallMax+1)
	sort.Ints(c)
	return c
}()

// classSize is the capacity of the buffer get(n) returns.
func classSize(n int) int {
	for _, size := range bufClasses {
		if n <= size {
			return size
		}
	}
	return n
}

// bufPools keeps freed buffers by class for reuse, up to limit bytes in all. One sync.Pool per
// class would not do: each would keep up to the whole budget's worth as the mix of file sizes
// shifts, and the heap would grow to several budgets.
type bufPools struct {
	mu        sync.Mutex
	free      map[int][]*[]byte
	freeBytes int
	limit     int
}

func newBufPools(limit int) *bufPools { return &bufPools{free: map[int][]*[]byte{}, limit: limit} }

func (p *bufPools) get(n int) *[]byte {
	size := classSize(n)
	p.mu.Lock()
	if l := p.free[size]; len(l) > 0 {
		b := l[len(l)-1]
		p.free[size] = l[:len(l)-1]
		p.freeBytes -= size
		p.mu.Unlock()
		return b
	}
	p.mu.Unlock()
	b := make([]byte, size)
	acctAlloc.Add(int64(size))
	acctMu.Lock()
	acctBy[size] += size
	acctMu.Unlock()
	if v := acctLive.Add(int64(size)); v > acctMax.Load() {
		acctMax.Store(v)
	}
	return &b
}

var acctAlloc, acctLive, acctMax atomic.Int64
var acctMu sync.Mutex
var acctBy = map[int]int{}

func (p *bufPools) put(b *[]byte) {
	if b == nil {
		return
	}
	size := cap(*b)
	*b = (*b)[:size]
	p.mu.Lock()
	defer p.mu.Unlock()
	// Over the limit, other classes' buffers make room: the free list follows what the recent
	// files needed instead of filling up with sizes nobody asks for any more.
	for c := range p.free {
		for p.freeBytes+size > p.limit && c != size && len(p.free[c]) > 0 {
			p.free[c] = p.free[c][:len(p.free[c])-1]
			p.freeBytes -= c
			acctLive.Add(-int64(c))
		}
	}
	if p.freeBytes+size > p.limit {
		acctLive.Add(-int64(size))
		return // dropped: the collector takes it
	}
	p.free[size] = append(p.free[size], b)
	p.freeBytes += size
}
