package raynode

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Errors of the GCS client.
var (
	// ErrUnauthenticated: the GCS refused our token (gRPC UNAUTHENTICATED or PERMISSION_DENIED).
	ErrUnauthenticated = errors.New("raynode: GCS refused the auth token")
	// ErrNotReady: ctx ended before every expected node was alive in the GCS.
	ErrNotReady = errors.New("raynode: Ray cluster not ready")
	// ErrGCS: the GCS answered with an error or with something that is not a reply.
	ErrGCS = errors.New("raynode: GCS error")
	// errUnimplemented: grpc-status UNIMPLEMENTED, a method this Ray's GCS does not have.
	errUnimplemented = errors.New("method not implemented by this GCS")
)

const (
	maxReplyBytes = 64 << 20 // thousands of nodes fit; a runaway peer does not
	callTimeout   = 5 * time.Second
	pollFirst     = 50 * time.Millisecond
	pollMax       = 200 * time.Millisecond
)

// GCSClient asks a Ray cluster's GCS which nodes it has, over gRPC (HTTP/2 without TLS, as Ray
// serves it), in Go: the launcher needs no Python process for it (which, being a subreaper, it
// could not wait for through os/exec), and neither does the edge node. Safe for concurrent use.
type GCSClient struct {
	addr  string
	token []byte
	hc    *http.Client
}

// NewGCSClient talks to the GCS at address (host:port) with the cluster's token.
func NewGCSClient(address string, token []byte) (*GCSClient, error) {
	if _, _, err := net.SplitHostPort(address); err != nil {
		return nil, fmt.Errorf("raynode: GCS address %q: %w", address, err)
	}
	if err := checkToken(token); err != nil {
		return nil, err
	}
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	tr := &http.Transport{
		Protocols:              &protos,
		DialContext:            (&net.Dialer{Timeout: callTimeout}).DialContext,
		MaxResponseHeaderBytes: 1 << 20,
	}
	return &GCSClient{addr: address, token: bytes.Clone(token), hc: &http.Client{Transport: tr}}, nil
}

// Close drops the client's idle connection.
func (c *GCSClient) Close() { c.hc.CloseIdleConnections() }

// Nodes lists every node the GCS knows, dead ones included (Alive false).
func (c *GCSClient) Nodes(ctx context.Context) ([]NodeInfo, error) {
	// An empty GetAllNodeInfoRequest: no filter.
	msg, err := c.call(ctx, getAllNodeInfoPath, nil)
	if err != nil {
		return nil, fmt.Errorf("raynode: list nodes at GCS %s: %w", c.addr, err)
	}
	nodes, code, gcsMsg, err := decodeNodesReply(msg)
	if err != nil {
		return nil, fmt.Errorf("raynode: list nodes at GCS %s: %w: %w", c.addr, ErrGCS, err)
	}
	if code != 0 {
		return nil, fmt.Errorf("raynode: list nodes at GCS %s: %w: status %d: %s", c.addr, ErrGCS, code, gcsMsg)
	}
	return nodes, nil
}

// call makes one unary gRPC call with the encoded request message and returns the reply
// message.
func (c *GCSClient) call(ctx context.Context, path string, request []byte) ([]byte, error) {
	// One uncompressed gRPC message: flag 0, then the big-endian length.
	frame := make([]byte, 5, 5+len(request))
	binary.BigEndian.PutUint32(frame[1:], uint32(len(request)))
	frame = append(frame, request...)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+c.addr+path, bytes.NewReader(frame))
	if err != nil {
		return nil, err
	}
	req.Header.Set("content-type", "application/grpc")
	req.Header.Set("te", "trailers")
	req.Header.Set("authorization", "Bearer "+string(c.token))
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: HTTP %s", ErrGCS, resp.Status)
	}
	// A failed call may answer with headers only ("trailers-only"); else the status trails.
	status, msg := resp.Header.Get("grpc-status"), resp.Header.Get("grpc-message")
	if status == "" {
		status, msg = resp.Trailer.Get("grpc-status"), resp.Trailer.Get("grpc-message")
	}
	if m, err := url.PathUnescape(msg); err == nil {
		msg = m
	}
	switch status {
	case "0":
	case "16", "7":
		return nil, fmt.Errorf("%w: %s", ErrUnauthenticated, msg)
	case "12":
		return nil, fmt.Errorf("%w: %w: %s", ErrGCS, errUnimplemented, msg)
	case "":
		return nil, fmt.Errorf("%w: reply without grpc-status", ErrGCS)
	default:
		return nil, fmt.Errorf("%w: grpc-status %s: %s", ErrGCS, status, msg)
	}
	if len(body) > maxReplyBytes {
		return nil, fmt.Errorf("%w: reply over %d bytes", ErrGCS, maxReplyBytes)
	}
	return unframe(body)
}

// unframe takes the one message out of a unary gRPC response body.
func unframe(b []byte) ([]byte, error) {
	if len(b) < 5 {
		return nil, fmt.Errorf("%w: %d-byte gRPC body", ErrGCS, len(b))
	}
	if b[0] != 0 {
		return nil, fmt.Errorf("%w: compressed gRPC message, which was not asked for", ErrGCS)
	}
	n := binary.BigEndian.Uint32(b[1:5])
	if uint64(n) != uint64(len(b)-5) {
		return nil, fmt.Errorf("%w: gRPC frame of %d bytes in a %d-byte body", ErrGCS, n, len(b))
	}
	return b[5:], nil
}

// WaitReady returns once, for every name in names, a node of that name is alive in the GCS:
// not when the processes were started, but when their raylets registered. Nodes are named by
// `ray start --node-name` (Node.NodeName), the container id, so a dead node of an earlier
// container never counts. It polls until ctx ends; the error then says how many joined and
// which are missing, wrapping ErrNotReady and the last failure of the GCS call, if any. A
// refused token ends the wait at once (ErrUnauthenticated).
func (c *GCSClient) WaitReady(ctx context.Context, names []string) ([]NodeInfo, error) {
	var ready []NodeInfo
	var missing []string
	var lastErr error
	wait := pollFirst
	for {
		callCtx, cancel := context.WithTimeout(ctx, callTimeout)
		nodes, err := c.Nodes(callCtx)
		cancel()
		switch {
		case errors.Is(err, ErrUnauthenticated):
			return nil, err
		case err != nil:
			lastErr = err
		default:
			lastErr = nil
			ready, missing = matchAlive(nodes, names)
			if len(missing) == 0 {
				return ready, nil
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			why := fmt.Errorf("%w: %d of %d Ray nodes alive in the GCS at %s", ErrNotReady, len(ready), len(names), c.addr)
			if len(missing) > 0 {
				why = fmt.Errorf("%w; missing %s", why, strings.Join(missing, ", "))
			}
			return ready, errors.Join(fmt.Errorf("%w: %w", why, context.Cause(ctx)), lastErr)
		case <-t.C:
		}
		wait = min(2*wait, pollMax)
	}
}

// matchAlive picks, for each name, an alive node of that name.
func matchAlive(nodes []NodeInfo, names []string) (ready []NodeInfo, missing []string) {
	for _, name := range names {
		i := slices.IndexFunc(nodes, func(n NodeInfo) bool { return n.Alive && n.Name == name })
		if i < 0 {
			missing = append(missing, name)
			continue
		}
		ready = append(ready, nodes[i])
	}
	return ready, missing
}
