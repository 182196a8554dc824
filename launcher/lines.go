package launcher

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/orca-yarn/orca-yarn/logline"
)

// LineSink takes the container's output lines in Seq order. Ship may block to push back (the
// command then blocks on its full pipe); it must not drop. An error means the sink is broken for
// good: the Output stops shipping and keeps only the raw copy on disk.
type LineSink interface {
	Ship(logline.Line) error
}

// ErrLinesLost: the sink failed, so lines from then on reached only the files in LOG_DIR.
var ErrLinesLost = errors.New("launcher: output lines not shipped")

// readSize is one read from a pipe; a pipe holds 64 KiB, so this keeps a busy writer moving.
const readSize = 32 << 10

// Output turns a container's stdout and stderr into numbered lines. One Output serves a
// container for its whole life, across restarts of its command, so Seq counts every line the
// container ever printed, from 1 and without gaps.
type Output struct {
	src     logline.Source
	sink    LineSink
	now     func() time.Time
	maxLine int // logline.MaxLineBytes; smaller in tests

	mu      sync.Mutex // orders numbering and shipping: the sink sees Seq ascending
	seq     uint64
	shipErr error
}

// NewOutput ships the lines of src to sink.
func NewOutput(src logline.Source, sink LineSink) *Output {
	return &Output{src: src, sink: sink, now: time.Now, maxLine: logline.MaxLineBytes}
}

// Seq is the number of lines numbered so far.
func (o *Output) Seq() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.seq
}

// Err reports a failed sink, wrapping ErrLinesLost and the sink's error.
func (o *Output) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.shipErr == nil {
		return nil
	}
	return fmt.Errorf("%w after line %d: %w", ErrLinesLost, o.seq-1, o.shipErr)
}

// Pump reads r to its end, copies the raw bytes to tee (nil: none) and ships every line: split
// on '\n' (which is not part of Text), a line longer than logline.MaxLineBytes split into pieces
// of at most that many bytes, and a last line without '\n' shipped at the end. A line's Time is
// when the read that completed it returned. Pump keeps draining after a tee or sink failure so
// the command never blocks on a pipe nobody reads; it returns the read and tee errors.
func (o *Output) Pump(r io.Reader, stream logline.Stream, tee io.Writer) error {
	buf := make([]byte, readSize)
	var pending []byte
	var teeErr error
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if tee != nil && teeErr == nil {
				if _, werr := tee.Write(buf[:n]); werr != nil {
					teeErr = fmt.Errorf("launcher: copy %s to log file: %w", stream, werr)
				}
			}
			pending = o.split(stream, pending, buf[:n], o.now())
		}
		if err != nil {
			if len(pending) > 0 {
				o.ship(stream, pending, o.now())
			}
			if errors.Is(err, io.EOF) {
				err = nil
			} else {
				err = fmt.Errorf("launcher: read %s: %w", stream, err)
			}
			return errors.Join(err, teeErr)
		}
	}
}

// split ships the complete lines of pending+data and returns what is left of an unfinished line
// (at most maxLine bytes).
func (o *Output) split(stream logline.Stream, pending, data []byte, now time.Time) []byte {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			pending = append(pending, data...)
			data = nil
		} else {
			pending = append(pending, data[:i]...)
			data = data[i+1:]
		}
		for len(pending) > o.maxLine {
			cut := cutPoint(pending, o.maxLine)
			o.ship(stream, pending[:cut], now)
			pending = append(pending[:0], pending[cut:]...)
		}
		if i >= 0 {
			o.ship(stream, pending, now)
			pending = pending[:0]
		}
	}
	return pending
}

// cutPoint is where a line longer than max is split: at max, or up to three bytes earlier so a
// UTF-8 sequence stays whole (binary data is cut at max). It is always at least 1.
func cutPoint(b []byte, max int) int {
	for c := max; c > max-utf8.UTFMax && c > 0; c-- {
		if utf8.RuneStart(b[c]) {
			return c
		}
	}
	return max
}

func (o *Output) ship(stream logline.Stream, text []byte, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.shipErr != nil {
		return
	}
	o.seq++
	line := logline.Line{Source: o.src, Stream: stream, Seq: o.seq, Time: now, Text: string(text)}
	if err := o.sink.Ship(line); err != nil {
		o.shipErr = err
	}
}
