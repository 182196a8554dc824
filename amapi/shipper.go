package amapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/logline"
)

// ErrShipperClosed: Ship after Close.
var ErrShipperClosed = errors.New("amapi: line shipper closed")

// ShipperOptions configure a LineShipper; zero values take the defaults.
type ShipperOptions struct {
	// Source is the container whose lines this shipper carries (required: Container).
	Source logline.Source
	// QueueLines bounds the lines held, unsent or sent but not yet acknowledged (default
	// 65536). When it is full Ship blocks: the command's output waits, nothing is dropped.
	QueueLines int
	// AckEvery and AckInterval end a stream (and so get an acknowledgement that frees the
	// queue) after that many lines or that long after its first line (defaults 8192, 2 s;
	// AckEvery is at most QueueLines/2).
	AckEvery    int
	AckInterval time.Duration
	// ResponseTimeout bounds the wait for an acknowledgement and for one write to the stream;
	// past it the connection is taken for dead and the shipper reconnects (default 30 s).
	ResponseTimeout time.Duration
	// Log gets outages (warn) and recoveries (info); nil logs nothing.
	Log *logrus.Entry
}

const writeBatch = 512 // lines per write to the stream

// LineShipper carries one container's output lines to the AM, losslessly and in order.
//
// Ship numbers each line (Seq from 1, continuing after what the AM already holds for the
// container, so a second shipper in the same container does not collide) and queues it; a
// sender goroutine streams the queue to POST /v1/lines as lines arrive. A stream ends every
// AckEvery lines or AckInterval, and the AM's answer acknowledges a seq: only then are lines
// dropped from the queue. After any failure the sender backs off, asks GET /v1/lines/ack
// and re-sends everything after the acknowledged seq; the AM drops the duplicates.
type LineShipper struct {
	c      *Client
	o      ShipperOptions
	log    *logrus.Entry
	cancel context.CancelFunc
	wake   chan struct{} // new lines or closing; capacity 1
	done   chan struct{} // closed when the sender has stopped

	mu sync.Mutex
	// q[head:] are the lines not yet acknowledged; their seqs run from acked+1 without gaps,
	// and next == acked+1+len(q[head:]).
	q       []logline.Line
	head    int
	next    uint64
	acked   uint64
	rebased bool          // the first acknowledgement arrived; before it nothing was sent
	closing bool          // Close was called
	space   chan struct{} // closed (and replaced) whenever lines are acknowledged
	err     error         // why the sender stopped early

	needAck bool // sender only: ask the AM before the next stream
}

// NewLineShipper starts a shipper; its sender runs until Close or until ctx ends (then queued
// lines are lost, which is why Close takes its own ctx).
func (c *Client) NewLineShipper(ctx context.Context, o ShipperOptions) (*LineShipper, error) {
	if o.Source.Container == "" || len(o.Source.Container) > maxSourceField || len(o.Source.Role) > maxSourceField {
		return nil, fmt.Errorf("amapi: new line shipper: bad source %+v", o.Source)
	}
	if o.QueueLines <= 0 {
		o.QueueLines = 65536
	}
	if o.AckEvery <= 0 {
		o.AckEvery = 8192
	}
	// Only acknowledgements free the queue: a stream must end before it could fill it, or
	// Ship would wait for AckInterval with the queue full.
	o.AckEvery = max(1, min(o.AckEvery, o.QueueLines/2))
	if o.AckInterval <= 0 {
		o.AckInterval = 2 * time.Second
	}
	if o.ResponseTimeout <= 0 {
		o.ResponseTimeout = 30 * time.Second
	}
	log := o.Log
	if log == nil {
		log = c.log()
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &LineShipper{
		c: c, o: o, log: log.WithField("container", o.Source.Container), cancel: cancel,
		wake: make(chan struct{}, 1), done: make(chan struct{}),
		next: 1, space: make(chan struct{}), needAck: true,
	}
	go s.run(ctx)
	return s, nil
}

// String exists so that printing a shipper never reaches the client's secret.
func (s *LineShipper) String() string { return "amapi.LineShipper(" + s.o.Source.Container + ")" }

// GoString covers %#v.
func (s *LineShipper) GoString() string { return s.String() }

// Ship queues one line. The shipper sets its Source and Seq, Time if zero, and Stream to
// stdout if empty; invalid UTF-8 is replaced and a Text longer than logline.MaxLineBytes
// becomes several lines. It returns at once unless the queue is full; then it waits for room
// (backpressure) until ctx ends.
func (s *LineShipper) Ship(ctx context.Context, l logline.Line) error {
	if l.Stream == "" {
		l.Stream = logline.Stdout
	}
	if l.Stream != logline.Stdout && l.Stream != logline.Stderr {
		return fmt.Errorf("amapi: ship line: unknown stream %q", l.Stream)
	}
	if l.Time.IsZero() {
		l.Time = time.Now()
	}
	l.Source = s.o.Source
	for _, part := range splitText(l.Text) {
		l.Text = part
		if err := s.enqueue(ctx, l); err != nil {
			return err
		}
	}
	return nil
}

// splitText makes text valid UTF-8 and cuts it, on rune boundaries, into pieces the AM accepts.
func splitText(text string) []string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	var parts []string
	for len(text) > logline.MaxLineBytes {
		i := logline.MaxLineBytes
		for !utf8.RuneStart(text[i]) {
			i--
		}
		parts = append(parts, text[:i])
		text = text[i:]
	}
	return append(parts, text)
}

func (s *LineShipper) enqueue(ctx context.Context, l logline.Line) error {
	s.mu.Lock()
	for {
		switch {
		case s.closing:
			s.mu.Unlock()
			return ErrShipperClosed
		case s.err != nil:
			err := s.err
			s.mu.Unlock()
			return fmt.Errorf("amapi: ship line: sender stopped: %w", err)
		}
		if len(s.q)-s.head < s.o.QueueLines {
			break
		}
		space := s.space
		s.mu.Unlock()
		select {
		case <-space:
		case <-s.done:
		case <-ctx.Done():
			return fmt.Errorf("amapi: ship line: queue full: %w", ctx.Err())
		}
		s.mu.Lock()
	}
	l.Seq = s.next
	s.next++
	s.q = append(s.q, l)
	s.mu.Unlock()
	s.poke()
	return nil
}

func (s *LineShipper) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Close flushes: it waits until the AM acknowledged every queued line, then stops the sender.
// When ctx ends first it stops the sender anyway and says how many lines were not delivered.
func (s *LineShipper) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.poke()
	var cause error
	select {
	case <-s.done:
	case <-ctx.Done():
		cause = ctx.Err()
		s.cancel()
		<-s.done
	}
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.q) - s.head; n > 0 {
		if cause == nil {
			cause = s.err
		}
		return fmt.Errorf("amapi: close line shipper: %d lines not acknowledged by the AM: %w", n, cause)
	}
	return nil
}

// pending returns how many lines wait for acknowledgement and whether Close was called.
func (s *LineShipper) pending() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.q) - s.head, s.closing
}

// take copies up to max queued lines with a seq above after.
func (s *LineShipper) take(after uint64, max int) ([]logline.Line, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := s.head
	if after > s.acked {
		start += int(after - s.acked)
	}
	start = min(start, len(s.q))
	end := min(len(s.q), start+max)
	return append([]logline.Line(nil), s.q[start:end]...), s.closing
}

func (s *LineShipper) ackedSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acked
}

// ack records that the AM holds every line up to last.
func (s *LineShipper) ack(last uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.rebased {
		// Nothing was sent yet: number our lines after what the AM already has.
		s.rebased = true
		for i := s.head; i < len(s.q); i++ {
			s.q[i].Seq += last
		}
		s.next += last
		s.acked = last
		return
	}
	if last <= s.acked {
		// A new AM attempt knows less than the old one: send again what we still hold.
		return
	}
	if last >= s.next {
		s.log.Errorf("amapi: the AM acknowledged line %d of this container, but only %d were shipped", last, s.next-1)
		last = s.next - 1
	}
	n := int(last - s.acked)
	clear(s.q[s.head : s.head+n])
	s.head += n
	s.acked = last
	if s.head == len(s.q) {
		s.q, s.head = s.q[:0], 0
	} else if s.head > len(s.q)/2 {
		kept := copy(s.q, s.q[s.head:])
		clear(s.q[kept:])
		s.q, s.head = s.q[:kept], 0
	}
	close(s.space)
	s.space = make(chan struct{})
}
