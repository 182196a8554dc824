package loghub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/orca-yarn/orca-yarn/logline"
)

// Cursor is a position in the spool: the byte offset of a record. It stays valid for the
// spool's whole life, so a client that lost its connection resumes exactly where it was.
type Cursor int64

// Beginning is the cursor of the first line.
const Beginning Cursor = 0

// End returns the cursor after every line stored so far (buffered lines are written first),
// for a follower that wants only what comes next.
func (h *Hub) End() Cursor {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		_ = h.flushLocked() // a failure sticks in h.err; Append reports it
	}
	return Cursor(h.flushed.Load())
}

// Follow calls fn, in spool order, for every line from the cursor on, with the cursor that
// follows that line. At the end of the spool it returns nil unless follow is set; then it
// waits for new lines until ctx is done (returning ctx.Err()) or the hub is closed (returning
// nil once everything written is read). An error from fn stops Follow and is returned as is.
// Follow reads the file with its own handle at its own pace: a slow fn never slows Append.
// A cursor that is not one Follow or End gave for this spool yields ErrBadCursor.
func (h *Hub) Follow(ctx context.Context, from Cursor, follow bool, fn func(next Cursor, l logline.Line) error) error {
	pos := int64(from)
	if from == Beginning {
		pos = headerLen
	}
	if pos < headerLen || pos > h.flushed.Load() {
		return fmt.Errorf("loghub: follow from %d: %w", from, ErrBadCursor)
	}
	f, err := os.Open(h.path)
	if err != nil {
		return fmt.Errorf("loghub: follow: %w", err)
	}
	defer f.Close()
	r := newSpoolReader(f, pos)
	for i := 0; ; i++ {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		l, err := r.next(h.flushed.Load())
		switch {
		case err == nil:
			if err := fn(Cursor(r.pos), l); err != nil {
				return err
			}
		case errors.Is(err, errEnd):
			more, err := h.waitPast(ctx, r.pos, follow)
			if err != nil {
				return err
			}
			if !more {
				return nil
			}
		case errors.Is(err, ErrCorrupt) && r.pos == pos && from != Beginning:
			return fmt.Errorf("loghub: follow from %d: %w (%w)", from, ErrBadCursor, err)
		default:
			return fmt.Errorf("loghub: follow at %d: %w", r.pos, err)
		}
	}
}

// waitPast returns once the spool extends past pos (true), or when it will not: the hub is
// closed, or wait is false and nothing is buffered (false), or ctx is done (its error).
// Parked followers are what makes Append write at once rather than after FlushInterval.
func (h *Hub) waitPast(ctx context.Context, pos int64, wait bool) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for {
		if h.flushed.Load() > pos {
			return true, nil
		}
		if h.closed {
			return false, nil
		}
		if len(h.pending) > 0 && h.err == nil {
			_ = h.flushLocked() // a failure sticks in h.err; Append reports it
			continue
		}
		if !wait {
			return false, nil
		}
		ch := h.notify
		h.waiters++
		h.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		h.mu.Lock()
		h.waiters--
		if err := ctx.Err(); err != nil {
			return false, err
		}
	}
}

// errEnd: the reader is at the published end of the spool.
var errEnd = errors.New("loghub: end of spool")

// readBufSize holds the largest record with room to spare, so one read usually brings many.
const readBufSize = 2 * (recHdrLen + maxPayload)

// spoolReader decodes records from a spool file with positioned reads, so it owns no shared
// file offset and never reads past the limit it is given (the published end).
type spoolReader struct {
	f   io.ReaderAt
	pos int64  // file offset of the next record, which starts at buf[off]
	buf []byte // file bytes from pos-off on
	off int
}

func newSpoolReader(f io.ReaderAt, pos int64) *spoolReader {
	return &spoolReader{f: f, pos: pos, buf: make([]byte, 0, readBufSize)}
}

// next decodes the record at pos. limit is a record boundary (a published end): errEnd when
// pos is there; ErrCorrupt when the record at pos would cross it, since every write is whole
// records, so a record crossing a boundary means pos is not a record start.
func (r *spoolReader) next(limit int64) (logline.Line, error) {
	for {
		l, n, err := decodeRecord(r.buf[r.off:])
		if err == nil {
			r.off += n
			r.pos += int64(n)
			return l, nil
		}
		if !errors.Is(err, errShort) {
			return logline.Line{}, err
		}
		if r.pos >= limit {
			return logline.Line{}, errEnd
		}
		if r.pos+int64(n) > limit {
			return logline.Line{}, fmt.Errorf("%w: record at %d crosses the end at %d", ErrCorrupt, r.pos, limit)
		}
		if err := r.fill(limit); err != nil {
			return logline.Line{}, err
		}
	}
}

// fill moves the unread bytes to the front of buf and reads up to limit behind them.
func (r *spoolReader) fill(limit int64) error {
	have := copy(r.buf[:cap(r.buf)], r.buf[r.off:])
	r.buf, r.off = r.buf[:have], 0
	want := min(int64(cap(r.buf)-have), limit-r.pos-int64(have))
	got, err := r.f.ReadAt(r.buf[have:have+int(want)], r.pos+int64(have))
	r.buf = r.buf[:have+got]
	if got == 0 && err != nil {
		return fmt.Errorf("read spool: %w", err)
	}
	return nil
}
