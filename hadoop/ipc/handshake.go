package ipc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// connect opens a new connection, trying up to MaxConnectAttempts times
// while the failure is retryable (refused, reset, EOF during the
// handshake). Authentication failures are returned at once.
func (c *Client) connect(ctx context.Context) (*conn, error) {
	backoff := c.opts.ConnectBackoff
	for attempt := 1; ; attempt++ {
		cn, err := c.connectOnce(ctx)
		if err == nil {
			return cn, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connect: %w (%v)", ctx.Err(), err)
		}
		if !errors.Is(err, ErrRetryable) || attempt >= c.opts.MaxConnectAttempts {
			return nil, fmt.Errorf("connect (attempt %d of %d): %w", attempt, c.opts.MaxConnectAttempts, err)
		}
		c.log.WithError(err).WithField("attempt", attempt).Info("ipc: connect failed, retrying")
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil, fmt.Errorf("connect: %w", ctx.Err())
		}
		backoff = min(2*backoff, maxConnectBackoff)
	}
}

// connectOnce dials and runs the handshake:
//
//	client                                        server
//	preamble "hrpc" 09 00 auth          ───▶
//	[SASL NEGOTIATE/INITIATE/RESPONSE…  ◀──▶      only when auth = 0xDF]
//	context frame (callId -3)           ───▶      no reply on success
//
// ctx's deadline and cancellation apply to the socket for all of it.
func (c *Client) connectOnce(ctx context.Context) (*conn, error) {
	if c.opts.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.ConnectTimeout)
		defer cancel()
	}
	nc, err := c.opts.Dialer(ctx)
	if err != nil {
		return nil, &netError{op: "dial", err: err}
	}
	cn, err := c.handshake(ctx, nc)
	if err != nil {
		_ = nc.Close()
		return nil, err
	}
	cn.start(c.opts.PingInterval, c.ping)
	return cn, nil
}

func (c *Client) handshake(ctx context.Context, nc net.Conn) (*conn, error) {
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = nc.SetDeadline(time.Unix(1, 0))
		close(fired)
	})
	defer func() {
		if !stop() {
			<-fired
		}
		_ = nc.SetDeadline(time.Time{})
	}()

	useSASL := c.opts.Auth.Method != AuthSimple
	if _, err := nc.Write(preamble(useSASL)); err != nil {
		return nil, &netError{op: "write preamble", err: err}
	}
	// One buffered reader for the life of the connection: bytes it reads
	// ahead during SASL belong to the frames after it.
	br := bufio.NewReaderSize(nc, 64<<10)
	neg := negotiated{method: AuthSimple, qop: QOPAuth}
	if useSASL {
		var err error
		if neg, err = c.saslConnect(ctx, nc, br); err != nil {
			return nil, err
		}
	}
	cn := newConn(nc, br, neg.layer, c.opts.MaxFrameSize, c.log.WithField("qop", neg.qop))
	ctxFrame, err := buildFrame(c.opts.MaxFrameSize, requestHeader(callIDContext, c.clientID), c.connectionContext(neg.method))
	if err != nil {
		return nil, err
	}
	if err := cn.writeLocked(ctxFrame); err != nil {
		return nil, &netError{op: "write connection context", err: err}
	}
	c.log.WithFields(map[string]any{"auth": neg.method, "qop": neg.qop}).Debug("ipc: connected")
	return cn, nil
}

// connectionContext is the IpcConnectionContextProto for the negotiated
// method (see UserInfo). The server takes the user from effectiveUser
// only: a context with just realUser would run calls as the server itself.
func (c *Client) connectionContext(m AuthMethod) *commonpb.IpcConnectionContextProto {
	ui := &commonpb.UserInformationProto{}
	switch m {
	case AuthSimple:
		if c.opts.User.Effective != "" {
			ui.EffectiveUser = &c.opts.User.Effective
		}
		if c.opts.User.Real != "" {
			ui.RealUser = &c.opts.User.Real
		}
	case AuthKerberos:
		if c.opts.User.Effective != "" {
			ui.EffectiveUser = &c.opts.User.Effective
		}
	case AuthToken:
		// The token names the user; a differing effectiveUser is refused.
	}
	return &commonpb.IpcConnectionContextProto{UserInfo: ui, Protocol: &c.opts.Protocol}
}
