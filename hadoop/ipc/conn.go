package ipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// conn is one established connection (after preamble, SASL and context).
// Calls are multiplexed on it by call id: writers take wmu for one whole
// frame; a single reader goroutine hands each response to the call
// waiting for its id. When anything breaks, every waiting call fails with
// the same error and the conn is never used again.
type conn struct {
	nc       net.Conn
	log      *logrus.Entry
	maxFrame int

	wmu   sync.Mutex         // one frame at a time; also orders Wrap calls
	layer sasl.SecurityLayer // nil unless SASL negotiated auth-int/auth-conf
	rd    io.Reader          // inner frame stream (unwrapping when layer != nil)

	mu      sync.Mutex
	pending map[int32]*pendingCall
	err     error         // why the conn died; set once
	done    chan struct{} // closed when err is set

	lastWrite atomic.Int64 // unix nanoseconds of the last frame written
}

type pendingCall struct {
	method string
	ch     chan result // buffered: delivery never blocks the reader
}

type result struct {
	body []byte
	err  error
}

// errNotSent wraps failures that happened before any byte of a frame was
// written: the call can safely go to a new connection.
var errNotSent = errors.New("request not sent")

func newConn(nc net.Conn, rd io.Reader, layer sasl.SecurityLayer, maxFrame int, log *logrus.Entry) *conn {
	cn := &conn{nc: nc, log: log, maxFrame: maxFrame, layer: layer, rd: rd,
		pending: map[int32]*pendingCall{}, done: make(chan struct{})}
	if layer != nil {
		cn.rd = &unwrapReader{r: rd, layer: layer, max: maxFrame}
	}
	cn.lastWrite.Store(time.Now().UnixNano())
	return cn
}

// start runs the reader and, if interval > 0, the pinger.
func (cn *conn) start(interval time.Duration, ping []byte) {
	go cn.readLoop()
	if interval > 0 {
		go cn.pingLoop(interval, ping)
	}
}

// alive reports whether the conn can take new calls.
func (cn *conn) alive() bool {
	select {
	case <-cn.done:
		return false
	default:
		return true
	}
}

// register reserves id for a call about to be sent.
func (cn *conn) register(id int32, method string) (<-chan result, error) {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if cn.err != nil {
		return nil, fmt.Errorf("%w: %w", errNotSent, cn.err)
	}
	p := &pendingCall{method: method, ch: make(chan result, 1)}
	cn.pending[id] = p
	return p.ch, nil
}

// forget drops a call that gave up; its response, if one comes, is
// discarded by the reader.
func (cn *conn) forget(id int32) {
	cn.mu.Lock()
	delete(cn.pending, id)
	cn.mu.Unlock()
}

// send writes one frame. ctx's deadline becomes the socket's write
// deadline and cancelling ctx interrupts the write. Any write error kills
// the conn: a frame cut short (or a SASL sequence number spent on an
// unsent frame) leaves the stream unusable.
func (cn *conn) send(ctx context.Context, frame []byte) error {
	cn.wmu.Lock()
	defer cn.wmu.Unlock()
	if !cn.alive() {
		return fmt.Errorf("%w: %w", errNotSent, cn.failure())
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = cn.nc.SetWriteDeadline(dl)
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = cn.nc.SetWriteDeadline(time.Unix(1, 0))
		close(fired)
	})
	err := cn.writeLocked(frame)
	if !stop() {
		<-fired // the deadline was moved to the past: wait before resetting it
	}
	_ = cn.nc.SetWriteDeadline(time.Time{})
	if err != nil {
		// A server that refuses us sends its reason (a FATAL reply) and closes; our write then
		// often fails before the reader has read that reply, which still sits in the socket.
		// Give the reader a moment, so the caller gets the server's reason, not "broken pipe".
		select {
		case <-cn.done:
		case <-time.After(250 * time.Millisecond):
		}
		err = cn.fail(&netError{op: "write", err: err})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return nil
}

// writeLocked wraps (if needed) and writes frame; wmu must be held.
func (cn *conn) writeLocked(frame []byte) error {
	data := frame
	if cn.layer != nil {
		var err error
		if data, err = wrapFrame(cn.layer, frame, cn.maxFrame); err != nil {
			return err
		}
	}
	if _, err := cn.nc.Write(data); err != nil {
		return err
	}
	cn.lastWrite.Store(time.Now().UnixNano())
	return nil
}

// readLoop dispatches responses until the connection fails.
func (cn *conn) readLoop() {
	for {
		frame, err := readFrame(cn.rd, cn.maxFrame)
		if err != nil {
			var re *RemoteError
			if errors.As(err, &re) || errors.Is(err, errProtocol) || errors.Is(err, sasl.ErrIntegrity) {
				cn.fail(err)
			} else {
				cn.fail(&netError{op: "read", err: err})
			}
			return
		}
		h, body, err := parseResponse(frame)
		if err != nil {
			cn.fail(err)
			return
		}
		id := int32(h.GetCallId())
		switch h.GetStatus() {
		case commonpb.RpcResponseHeaderProto_SUCCESS:
			cn.deliver(id, func(string) result { return result{body: body} })
		case commonpb.RpcResponseHeaderProto_ERROR:
			cn.deliver(id, func(m string) result { return result{err: remoteError(h, m)} })
		default:
			// FATAL: the server closes the connection after this reply,
			// which may name a call, the context (-3) or none (-1).
			re := remoteError(h, "")
			cn.deliver(id, func(m string) result { re.Method = m; return result{err: re} })
			cn.fail(fmt.Errorf("server closed the connection: %w", re))
			return
		}
	}
}

// deliver hands a response to the call waiting for id, if any.
func (cn *conn) deliver(id int32, mk func(method string) result) {
	cn.mu.Lock()
	p := cn.pending[id]
	delete(cn.pending, id)
	cn.mu.Unlock()
	if p == nil {
		// A call that gave up (cancelled, timed out) or an id we never
		// sent; either way nobody is waiting.
		cn.log.WithField("call_id", id).Debug("ipc: discarding response nobody waits for")
		return
	}
	p.ch <- mk(p.method)
}

// fail kills the conn with err (the first error wins), fails every
// waiting call with it and returns the error that won.
func (cn *conn) fail(err error) error {
	cn.mu.Lock()
	if cn.err != nil {
		err = cn.err
		cn.mu.Unlock()
		return err
	}
	cn.err = err
	pend := cn.pending
	cn.pending = nil
	close(cn.done)
	cn.mu.Unlock()

	_ = cn.nc.Close()
	if !errors.Is(err, ErrClosed) {
		cn.log.WithError(err).WithField("pending_calls", len(pend)).Debug("ipc: connection closed")
	}
	for _, p := range pend {
		p.ch <- result{err: err}
	}
	return err
}

func (cn *conn) failure() error {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.err
}

// pingLoop sends a ping whenever nothing was written for interval. Hadoop
// servers read pings and never answer them.
func (cn *conn) pingLoop(interval time.Duration, ping []byte) {
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		select {
		case <-cn.done:
			return
		case <-t.C:
		}
		idle := time.Since(time.Unix(0, cn.lastWrite.Load()))
		if idle >= interval {
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			err := cn.send(ctx, ping)
			cancel()
			if err != nil {
				return
			}
			idle = 0
		}
		t.Reset(interval - idle)
	}
}
