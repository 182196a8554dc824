package ipc

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/sirupsen/logrus"
	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// Client calls one server over one protocol. It keeps at most one
// connection, opened on the first call and again on the call after it
// breaks, and multiplexes concurrent calls on it. Safe for concurrent use.
type Client struct {
	opts     ClientOptions
	name     string // server name for errors
	log      *logrus.Entry
	clientID []byte
	ping     []byte // the ping frame, the same for every connection
	nextID   atomic.Uint32

	dialing chan struct{} // capacity 1: one connection attempt at a time

	mu     sync.Mutex
	cn     *conn
	closed bool
}

// NewClient checks opts and returns a Client; it does not connect.
func NewClient(opts ClientOptions) (*Client, error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	id := opts.ClientID
	if id == ([16]byte{}) {
		if _, err := rand.Read(id[:]); err != nil {
			return nil, fmt.Errorf("ipc: client id: %w", err)
		}
	}
	name := opts.Addr
	if name == "" {
		name = opts.Protocol
	}
	ping, err := buildFrame(opts.MaxFrameSize, requestHeader(callIDPing, id[:]))
	if err != nil {
		return nil, err
	}
	return &Client{
		opts:     opts,
		name:     name,
		log:      opts.Logger.WithFields(logrus.Fields{"server": name, "protocol": opts.Protocol}),
		clientID: id[:],
		ping:     ping,
		dialing:  make(chan struct{}, 1),
	}, nil
}

// String names the client for logs; it never shows the credentials it holds.
func (c *Client) String() string {
	return fmt.Sprintf("ipc.Client{server: %s, protocol: %s, auth: %v}", c.name, c.opts.Protocol, c.opts.Auth.Method)
}

// Call invokes method with req and decodes the reply into resp. Errors
// name the method and server; classify them with errors.Is against the
// package's sentinels, or errors.As to a *RemoteError for the Java class.
// A cancelled or expired ctx returns its error promptly; the reply, if it
// comes later, is dropped.
func (c *Client) Call(ctx context.Context, method string, req, resp proto.Message) error {
	if err := c.call(ctx, method, req, resp); err != nil {
		return fmt.Errorf("ipc: call %s on %s: %w", method, c.name, err)
	}
	return nil
}

func (c *Client) call(ctx context.Context, method string, req, resp proto.Message) error {
	// Java numbers calls per client from 0 and wraps to stay non-negative.
	id := int32(c.nextID.Add(1)-1) & 0x7fffffff
	frame, err := buildFrame(c.opts.MaxFrameSize, requestHeader(id, c.clientID), &commonpb.RequestHeaderProto{
		MethodName:                 &method,
		DeclaringClassProtocolName: &c.opts.Protocol,
		ClientProtocolVersion:      &c.opts.ProtocolVersion,
	}, req)
	if err != nil {
		return err
	}
	var ch <-chan result
	var cn *conn
	// A connection can die between being handed out and our write; a
	// request that never left may go to a fresh connection.
	for attempt := 1; ; attempt++ {
		if cn, err = c.connection(ctx); err != nil {
			return err
		}
		if ch, err = cn.register(id, method); err == nil {
			if err = cn.send(ctx, frame); err == nil {
				break
			}
			cn.forget(id)
		}
		if !errors.Is(err, errNotSent) || attempt >= c.opts.MaxConnectAttempts {
			return err
		}
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return r.err
		}
		if err := proto.Unmarshal(r.body, resp); err != nil {
			return fmt.Errorf("decode %s response: %w", resp.ProtoReflect().Descriptor().FullName(), err)
		}
		return nil
	case <-ctx.Done():
		cn.forget(id)
		return ctx.Err()
	}
}

// connection returns the live connection, opening one if there is none.
func (c *Client) connection(ctx context.Context) (*conn, error) {
	if cn, err := c.current(); cn != nil || err != nil {
		return cn, err
	}
	select {
	case c.dialing <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.dialing }()
	// Another caller may have connected while we waited our turn.
	if cn, err := c.current(); cn != nil || err != nil {
		return cn, err
	}
	cn, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		cn.fail(ErrClosed)
		return nil, ErrClosed
	}
	c.cn = cn
	return cn, nil
}

func (c *Client) current() (*conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if c.cn != nil && c.cn.alive() {
		return c.cn, nil
	}
	return nil, nil
}

// Close closes the connection; waiting calls fail with ErrClosed, and so
// do later ones.
func (c *Client) Close() error {
	c.mu.Lock()
	cn := c.cn
	c.closed, c.cn = true, nil
	c.mu.Unlock()
	if cn != nil {
		cn.fail(ErrClosed)
	}
	return nil
}
