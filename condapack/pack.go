package condapack

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/pgzip"
	"github.com/sirupsen/logrus"
	"golang.org/x/sync/errgroup"
)

// Format is the archive format. YARN unpacks both by name (.tar.gz, .tar).
type Format int

const (
	// FormatTarGz is a gzip-compressed tar (the default).
	FormatTarGz Format = iota
	// FormatTar is an uncompressed tar: disk speed, for fast networks.
	FormatTar
)

// DefaultLevel is the gzip level when none is given: level 1 costs about 3 points of ratio against
// 6 and compresses several times faster; the NodeManager's gunzip is as fast either way.
const DefaultLevel = 1

// PackOptions tune Pack.
type PackOptions struct {
	// Dest is the absolute path the env will be reachable at when it runs (see the package doc:
	// the launcher makes it a symlink to wherever YARN unpacked the archive). Text files and
	// binaries holding the env's prefix get it instead. Empty: only shebangs, symlinks and RPATHs
	// are made relocatable, and files holding the prefix are reported.
	Dest string
	// Level is the gzip level, 1 (fastest) to 9; 0 means DefaultLevel.
	Level  int
	Format Format
	// Workers read and relocate files in parallel; 0 means 8 (reads of many small files are
	// latency-bound, so more readers than cores pay off even on 2 cores).
	Workers int
	// Strict refuses what is only warned about otherwise: an RPATH or symlink leaving the env,
	// a file whose prefix could not be rewritten.
	Strict bool
	Log    *logrus.Entry
}

// Stats describe one Pack. The four phase times add up to about Total: the single tar writer's
// time is split by what it waited for.
type Stats struct {
	Entries   int
	Relocated int   // files whose bytes were rewritten (prefix, shebang or RPATH)
	BytesIn   int64 // bytes read from the env
	BytesOut  int64 // archive bytes written
	// Walk is the Scan's time (the manifest this pack used).
	Walk time.Duration
	// Read is how long the tar writer waited for file data (reading is the bottleneck when
	// this dominates).
	Read time.Duration
	// Compress is how long the tar writer waited on the compressor, which includes the
	// compressor waiting to write its output.
	Compress time.Duration
	// Write is the time spent writing the archive file and syncing it (it overlaps Compress:
	// the compressor writes from its own goroutine).
	Write time.Duration
	// Total is Walk plus this Pack's wall time (PackFile adds the final sync and rename).
	Total    time.Duration
	Warnings []string
}

// Memory: buffers (buffers.go) exist only while reserved from budgetBytes, so that is all the
// file data a pack holds. Reads are latency-bound, not size-bound: a few hundred KiB per reader
// keep them all busy. Files up to smallMax are read whole; larger ones stream.
const (
	budgetBytes = 16 << 20
	smallMax    = 1 << 20
	streamDepth = 4 // chunks of a streamed file queued for the writer
)

// Pack writes the archive of m to w. The env is re-checked as it is read: a file whose size or
// mtime moved since Scan fails the pack with ErrChanged (scan again and retry), so an archive is
// always exactly the manifest's env.
func (m *Manifest) Pack(ctx context.Context, w io.Writer, o PackOptions) (*Stats, error) {
	start := time.Now()
	if o.Level == 0 {
		o.Level = DefaultLevel
	}
	if o.Level < 1 || o.Level > 9 {
		return nil, errorf(ErrOutput, "gzip level %d: want 1 (fastest) to 9 (smallest)", o.Level)
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	p := &packer{m: m, o: o, rep: newReplacer(m.olds, o.Dest), counter: newReplacer(m.olds, ""),
		stats: &Stats{Walk: m.Walk}, bufs: &bufPool{}}
	out := &timedWriter{w: w}
	sink, closeSink, err := p.sink(out)
	if err != nil {
		return nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	budget := newBudget(budgetBytes)
	order := make(chan *slot, 4096)
	work := make(chan *slot, o.Workers)
	g.Go(func() error { return p.dispatch(gctx, budget, order, work) })
	for range o.Workers {
		g.Go(func() error {
			for s := range work {
				p.process(gctx, s)
			}
			return nil
		})
	}
	g.Go(func() error {
		err := p.write(gctx, tar.NewWriter(sink), budget, order)
		t := time.Now()
		// Closed on failure too: that ends the compressor's goroutines.
		if cerr := outputErr(closeSink()); err == nil {
			err = cerr
		}
		p.stats.Compress += time.Since(t)
		if err != nil {
			budget.cancel()
		}
		return err
	})
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	p.stats.BytesOut = out.n.Load()
	p.stats.Write = time.Duration(out.busy.Load())
	p.stats.Total = time.Since(start) + m.Walk
	p.stats.Warnings = p.warnings
	if o.Log != nil {
		for _, w := range p.warnings {
			o.Log.Warn(w)
		}
	}
	return p.stats, nil
}

// packer is one Pack in progress.
type packer struct {
	m       *Manifest
	o       PackOptions
	rep     *replacer // old prefixes to the destination
	counter *replacer // the same prefixes, counted only
	stats   *Stats

	bufs *bufPool

	mu       sync.Mutex
	warnings []string
	bytesIn  atomic.Int64
	relocs   atomic.Int64
}

func (p *packer) warn(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if p.o.Strict {
		return errorf(ErrRefused, "%s (strict mode)", msg)
	}
	p.mu.Lock()
	p.warnings = append(p.warnings, msg)
	p.mu.Unlock()
	return nil
}

// sink is where the tar stream goes: a parallel gzip writer, or w itself.
func (p *packer) sink(w io.Writer) (io.Writer, func() error, error) {
	if p.o.Format == FormatTar {
		bw := newBufWriter(w)
		return bw, bw.Flush, nil
	}
	gz, err := pgzip.NewWriterLevel(w, p.o.Level)
	if err != nil {
		return nil, nil, errorf(ErrOutput, "gzip: %v", err)
	}
	// 1 MiB blocks, three per core in flight (capped: each costs ~3 MiB): one compressing and two
	// queued per core keep every core busy through the writer's short waits for file data.
	if err := gz.SetConcurrency(1<<20, min(max(3*runtime.GOMAXPROCS(0), 3), 16)); err != nil {
		return nil, nil, errorf(ErrOutput, "gzip: %v", err)
	}
	return gz, gz.Close, nil
}

// slot is one entry on its way from a reader to the writer, in archive order.
type slot struct {
	e        *entry
	ready    chan struct{} // closed when size and chunks (or stream) and err are set
	size     int64
	chunks   []chunk    // small files: the archived bytes
	stream   chan chunk // large files: chunks, closed at the end (then err is final)
	err      error
	reserved int64
	link     string // symlink target as archived
}

// dispatch hands entries to the readers in archive order, reserving their memory first. Because
// reservations are taken in order, the entry the writer waits for always has its memory: no
// deadlock however large the files are.
func (p *packer) dispatch(ctx context.Context, b *budget, order, work chan<- *slot) error {
	defer close(order)
	defer close(work)
	for _, e := range p.m.entries {
		s := &slot{e: e, ready: make(chan struct{})}
		if e.isRegular() && e.hardOf == "" {
			s.reserved = reserveFor(e.size)
			if e.size > smallMax {
				// Queued chunks, one being read, one being written, one for textDelta.
				s.reserved = (streamDepth + 3) * bufCap
			}
			if err := b.acquire(ctx, s.reserved); err != nil {
				return err
			}
		}
		select {
		case order <- s:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !e.isRegular() || e.hardOf != "" {
			if e.isLink() {
				s.link, s.err = p.linkTarget(e)
			}
			close(s.ready)
			continue
		}
		select {
		case work <- s:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// budget is a byte semaphore; acquire blocks until enough is free or ctx ends.
type budget struct {
	mu       sync.Mutex
	cond     *sync.Cond
	free     int64
	canceled bool
}

func newBudget(n int64) *budget {
	b := &budget{free: n}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *budget) acquire(ctx context.Context, n int64) error {
	stop := context.AfterFunc(ctx, b.cancel)
	defer stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.free < n && !b.canceled {
		b.cond.Wait()
	}
	if b.canceled {
		return errors.Join(ctx.Err(), errors.New("pack stopped"))
	}
	b.free -= n
	return nil
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	b.cond.Broadcast()
}

func (b *budget) cancel() {
	b.mu.Lock()
	b.canceled = true
	b.mu.Unlock()
	b.cond.Broadcast()
}

// timedWriter counts bytes and the time spent in Write, from whichever goroutine writes.
type timedWriter struct {
	w    io.Writer
	n    atomic.Int64
	busy atomic.Int64
}

func (t *timedWriter) Write(b []byte) (int, error) {
	start := time.Now()
	n, err := t.w.Write(b)
	t.busy.Add(int64(time.Since(start)))
	t.n.Add(int64(n))
	return n, err
}
