package raynode

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// A worker's `ray start` first reads the cluster's session name from the head's GCS (Ray's
// node.py: internal KV "session_name" in namespace "session", which the head writes right after
// its GCS answers) and sleeps a fixed 2 s whenever it is not there yet; it also sleeps 1 s per
// failed GCS connection. Started together with the head, a worker so loses 2-3 s (measured:
// its raylet came up 3 s after the head's). Waiting for the key here, with 50 ms polls, and only
// then starting `ray start` loses nothing. Field numbers from the Ray 2.60 wheel's descriptors:
//
//	InternalKVGetRequest { bytes key = 1; bytes namespace = 2; }
//	InternalKVGetReply   { GcsStatus status = 1; bytes value = 2; }
const (
	internalKVGetPath = "/ray.rpc.InternalKVGcsService/InternalKVGet"
	sessionKey        = "session_name"
	sessionNamespace  = "session"
	sessionPoll       = 50 * time.Millisecond
	// gcsStatusNotFound is Ray's StatusCode::NotFound, the GCS's answer for a key not written yet.
	gcsStatusNotFound = 17
)

// ErrNoSessionKey: the GCS answers the session query with something other than the key or
// "not found" (another Ray's protocol): waiting for it is pointless.
var ErrNoSessionKey = errors.New("raynode: the GCS does not answer the session query as Ray 2.60 does")

// SessionName is the cluster's session name; "" while the head has not written it.
func (c *GCSClient) SessionName(ctx context.Context) (string, error) {
	req := protowire.AppendTag(nil, 1, protowire.BytesType)
	req = protowire.AppendString(req, sessionKey)
	req = protowire.AppendTag(req, 2, protowire.BytesType)
	req = protowire.AppendString(req, sessionNamespace)
	msg, err := c.call(ctx, internalKVGetPath, req)
	if err != nil {
		return "", fmt.Errorf("raynode: read the session name at GCS %s: %w", c.addr, err)
	}
	value, code, err := decodeKVGetReply(msg)
	if err != nil {
		return "", fmt.Errorf("raynode: read the session name at GCS %s: %w: %w", c.addr, ErrGCS, err)
	}
	switch code {
	case 0:
		return value, nil
	case gcsStatusNotFound: // until the head writes it
		return "", nil
	}
	return "", fmt.Errorf("%w: status %d", ErrNoSessionKey, code)
}

// WaitSession polls the GCS until the head has written the session name, i.e. until a worker's
// `ray start` would get everything it asks the GCS for at its first try.
func (c *GCSClient) WaitSession(ctx context.Context) (string, error) {
	var lastErr error
	for {
		callCtx, cancel := context.WithTimeout(ctx, callTimeout)
		name, err := c.SessionName(callCtx)
		cancel()
		switch {
		case errors.Is(err, ErrUnauthenticated), errors.Is(err, ErrNoSessionKey), errors.Is(err, errUnimplemented):
			return "", err
		case err == nil && name != "":
			return name, nil
		}
		lastErr = err
		t := time.NewTimer(sessionPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			why := fmt.Errorf("%w: the head's GCS at %s has no session yet: %w", ErrNotReady, c.addr, context.Cause(ctx))
			return "", errors.Join(why, lastErr)
		case <-t.C:
		}
	}
}

func decodeKVGetReply(b []byte) (value string, code int32, err error) {
	err = eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			return eachField(v, func(num protowire.Number, typ protowire.Type, _ []byte, x uint64) error {
				if num == 1 && typ == protowire.VarintType {
					code = int32(x)
				}
				return nil
			})
		case num == 2 && typ == protowire.BytesType:
			value = string(v)
		}
		return nil
	})
	return value, code, err
}
