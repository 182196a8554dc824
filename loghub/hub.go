package loghub

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orca-yarn/orca-yarn/logline"
)

// SpoolName is the spool's file name inside the directory given to Open.
const SpoolName = "loghub.spool"

var (
	// ErrClosed: Append on a closed Hub.
	ErrClosed = errors.New("loghub: closed")
	// ErrInvalidLine: a line that cannot be stored (no container, seq 0, unknown stream, text
	// over logline.MaxLineBytes); the whole batch is refused.
	ErrInvalidLine = errors.New("loghub: invalid line")
	// ErrCorrupt: the spool holds bytes that are not a whole, checksummed record.
	ErrCorrupt = errors.New("loghub: spool corrupt")
	// ErrBadCursor: a cursor that is not a record boundary of this spool.
	ErrBadCursor = errors.New("loghub: bad cursor")
)

// Options tune a Hub; zero values take the defaults.
type Options struct {
	// TailLines is how many of a container's newest lines Tail can return (default 50).
	TailLines int
	// TailBytes bounds the text kept per container for Tail (default 32 KiB), so 50 chatty
	// containers with long lines still cost only a few MiB.
	TailBytes int
	// FlushInterval is how long an appended line may wait in memory while no follower is
	// waiting (default 50 ms). A waiting follower makes Append write at once.
	FlushInterval time.Duration
	// FlushBytes writes the buffer once it holds this many bytes (default 64 KiB).
	FlushBytes int
}

func (o Options) withDefaults() Options {
	if o.TailLines <= 0 {
		o.TailLines = 50
	}
	if o.TailBytes <= 0 {
		o.TailBytes = 32 << 10
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 50 * time.Millisecond
	}
	if o.FlushBytes <= 0 {
		o.FlushBytes = 64 << 10
	}
	return o
}

// Hub is the AM's hub of container output lines. Its methods are safe for concurrent use.
type Hub struct {
	path string
	opts Options
	// flushed is how many bytes of the spool are in the file. It only grows, and only by whole
	// records, after the write returned: followers never read past it, so they never see a
	// write in progress.
	flushed atomic.Int64

	mu         sync.Mutex
	f          *os.File
	pending    []byte // records accepted but not yet written
	timer      *time.Timer
	timerArmed bool
	notify     chan struct{} // closed and replaced on every write, closed for good by Close
	waiters    int           // followers parked at the end of the spool
	closed     bool
	err        error // first write failure; sticks, since the spool may end in a torn record
	containers map[string]*container
	stats      Stats
}

// container is what the hub remembers of one container.
type container struct {
	st   ContainerStats
	tail tail
}

// Stats is a snapshot for the status page.
type Stats struct {
	Lines      uint64 // lines stored (duplicates not counted)
	Bytes      int64  // spool size, buffered records included
	Duplicates uint64 // lines dropped because their seq was already stored
	Gaps       uint64 // lines never received: seqs skipped over (must stay 0)
	Dropped    int64  // bytes of an undecodable tail cut off when Open found an existing spool
	Containers map[string]ContainerStats
}

// ContainerStats counts one container's lines.
type ContainerStats struct {
	Source     logline.Source
	Lines      uint64
	LastSeq    uint64
	Duplicates uint64
	Gaps       uint64
	LastTime   time.Time // the newest line's own timestamp
}

// Open opens the spool in dir (created if need be). An existing spool is taken over: its
// records rebuild the hub's memory, and a torn or corrupt tail is cut off (see Stats.Dropped).
func Open(dir string, opts Options) (*Hub, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("loghub: open: %w", err)
	}
	h := &Hub{
		path:       filepath.Join(dir, SpoolName),
		opts:       opts.withDefaults(),
		notify:     make(chan struct{}),
		containers: make(map[string]*container),
	}
	f, err := os.OpenFile(h.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("loghub: open: %w", err)
	}
	h.f = f
	if err := h.recover(); err != nil {
		f.Close()
		return nil, fmt.Errorf("loghub: open %s: %w", h.path, err)
	}
	h.timer = time.AfterFunc(time.Hour, h.timedFlush)
	h.timer.Stop()
	return h, nil
}

// recover writes the file header of a new spool, or replays an existing one.
func (h *Hub) recover() error {
	fi, err := h.f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		if _, err := h.f.WriteString(fileMagic); err != nil {
			return err
		}
		h.flushed.Store(headerLen)
		return nil
	}
	magic := make([]byte, headerLen)
	if _, err := h.f.ReadAt(magic, 0); err != nil || string(magic) != fileMagic {
		return fmt.Errorf("%w: not a loghub spool", ErrCorrupt)
	}
	r := newSpoolReader(h.f, headerLen)
	for {
		l, err := r.next(fi.Size())
		if err != nil {
			break // errShort, ErrCorrupt or a read error: keep what decoded
		}
		h.accept(l)
	}
	if r.pos < fi.Size() {
		if err := h.f.Truncate(r.pos); err != nil {
			return err
		}
		h.stats.Dropped = fi.Size() - r.pos
	}
	h.flushed.Store(r.pos)
	return nil
}

// accept records a line in memory, or says it is a duplicate. Caller holds mu (or owns h).
func (h *Hub) accept(l logline.Line) bool {
	c := h.containers[l.Source.Container]
	if c == nil {
		c = &container{tail: newTail(h.opts.TailLines, h.opts.TailBytes)}
		h.containers[l.Source.Container] = c
	}
	if l.Seq <= c.st.LastSeq {
		c.st.Duplicates++
		h.stats.Duplicates++
		return false
	}
	// The shipper re-sends from the last acked seq, so a skipped seq can never arrive later
	// (it would be taken for a duplicate): it is lost, and counted.
	if gap := l.Seq - c.st.LastSeq - 1; gap > 0 {
		c.st.Gaps += gap
		h.stats.Gaps += gap
	}
	c.st.Source = l.Source
	c.st.LastSeq = l.Seq
	c.st.Lines++
	c.st.LastTime = l.Time
	h.stats.Lines++
	c.tail.push(l)
	return true
}

// Append stores lines in order. A line whose seq is not above its container's LastSeq is a
// re-send and is dropped; a seq above LastSeq+1 is stored and the skipped seqs are counted as
// Gaps. The whole batch is refused (ErrInvalidLine) if any line is invalid. Append returns once
// the lines are in memory: they reach the file within FlushInterval, or at once when a
// follower is waiting. After a write failure every Append returns that failure.
func (h *Hub) Append(lines ...logline.Line) error {
	size := 0
	for _, l := range lines {
		if err := validate(l); err != nil {
			return fmt.Errorf("loghub: append: %w", err)
		}
		size += recHdrLen + 48 + len(l.Source.Role) + len(l.Source.Container) + len(l.Text)
	}
	// Encode before taking the lock: concurrent appenders then only serialize on copying.
	enc := make([]byte, 0, size)
	ends := make([]int, len(lines))
	for i, l := range lines {
		enc = appendRecord(enc, l)
		ends[i] = len(enc)
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return fmt.Errorf("loghub: append: %w", ErrClosed)
	}
	if h.err != nil {
		return h.err
	}
	start := 0
	for i, l := range lines {
		if h.accept(l) {
			h.pending = append(h.pending, enc[start:ends[i]]...)
		}
		start = ends[i]
	}
	switch {
	case len(h.pending) == 0:
	case h.waiters > 0 || len(h.pending) >= h.opts.FlushBytes:
		return h.flushLocked()
	case !h.timerArmed:
		h.timerArmed = true
		h.timer.Reset(h.opts.FlushInterval)
	}
	return nil
}

// flushLocked writes the buffered records with one write, publishes the new end and wakes the
// followers. No fsync: followers read the page cache, and the spool need not outlive the AM.
func (h *Hub) flushLocked() error {
	if h.err != nil || len(h.pending) == 0 {
		return h.err
	}
	n, err := h.f.Write(h.pending)
	if err != nil {
		h.err = fmt.Errorf("loghub: write spool: %w", err)
		return h.err
	}
	h.flushed.Add(int64(n))
	h.pending = h.pending[:0]
	if cap(h.pending) > 4*h.opts.FlushBytes {
		h.pending = nil // one burst must not pin a large buffer for the AM's life
	}
	close(h.notify)
	h.notify = make(chan struct{})
	return nil
}

func (h *Hub) timedFlush() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.timerArmed = false
	if !h.closed {
		_ = h.flushLocked() // a failure sticks in h.err; the next Append reports it
	}
}

// LastSeq is the highest seq stored for container (0 if none): what the AM acks to its shipper.
func (h *Hub) LastSeq(container string) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.containers[container]; c != nil {
		return c.st.LastSeq
	}
	return 0
}

// Tail returns up to n of the container's newest lines, oldest first (all it keeps if n <= 0).
// It keeps at most Options.TailLines lines and Options.TailBytes of text per container.
func (h *Hub) Tail(container string, n int) []logline.Line {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.containers[container]; c != nil {
		return c.tail.last(n)
	}
	return nil
}

// Gaps is the number of lines never received, over all containers (see Append).
func (h *Hub) Gaps() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats.Gaps
}

// Stats returns a snapshot of the counters.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.stats
	s.Bytes = h.flushed.Load() + int64(len(h.pending))
	s.Containers = make(map[string]ContainerStats, len(h.containers))
	for k, c := range h.containers {
		s.Containers[k] = c.st
	}
	return s
}

// Close writes what is buffered, wakes every follower (they return once they have read the
// whole spool) and closes the spool for writing. The file stays for followers and later reads.
func (h *Hub) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	err := h.flushLocked()
	h.closed = true
	h.timer.Stop()
	close(h.notify)
	if cerr := h.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("loghub: close spool: %w", cerr)
	}
	return err
}
