package ipc

import (
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// After SASL negotiates auth-int or auth-conf, the ordinary frame stream
// travels inside SASL WRAP frames in both directions (Java
// SaslRpcClient.WrappedOutputStream / WrappedInputStream, Server
// .wrapWithSasl / unwrapPacketAndProcessRpcs):
//
//	+------------------------------------------------------------------+
//	| uint32 length                                                    |
//	| varint length | header: callId -33 (request: clientId empty)     |
//	| varint length | RpcSaslProto{state: WRAP, token: layer.Wrap(x)}  |
//	+------------------------------------------------------------------+
//
// where x is a piece of the inner byte stream (whole inner frames, each
// with its own uint32 length). Both ends treat the unwrapped bytes as a
// stream, so a frame may be split across WRAP messages; we split frames
// larger than what the peer's SASL buffer accepts and the Hadoop server
// sends one response per WRAP.

// wrapFrame turns one inner frame into the WRAP frames that carry it.
func wrapFrame(layer sasl.SecurityLayer, inner []byte, max int) ([]byte, error) {
	chunk := layer.MaxWrapInput()
	if chunk <= 0 {
		chunk = len(inner)
	}
	var out []byte
	for len(inner) > 0 {
		n := min(chunk, len(inner))
		token, err := layer.Wrap(inner[:n])
		if err != nil {
			return nil, fmt.Errorf("sasl wrap: %w", err)
		}
		inner = inner[n:]
		f, err := buildFrame(max, requestHeader(callIDSASL, nil),
			&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_WRAP.Enum(), Token: token})
		if err != nil {
			return nil, err
		}
		out = append(out, f...)
	}
	return out, nil
}

// unwrapReader yields the inner byte stream of a wrapped connection. It
// is read by one goroutine only (the connection's reader).
type unwrapReader struct {
	r     io.Reader
	layer sasl.SecurityLayer
	max   int
	buf   []byte // unwrapped bytes not yet read
}

func (u *unwrapReader) Read(p []byte) (int, error) {
	for len(u.buf) == 0 {
		if err := u.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, u.buf)
	u.buf = u.buf[n:]
	return n, nil
}

// next reads one WRAP frame and unwraps its token into buf. Anything else
// on a wrapped connection is an error: a FATAL reply surfaces as its
// *RemoteError (the server may send one unwrapped while failing), the rest
// as a protocol violation.
func (u *unwrapReader) next() error {
	frame, err := readFrame(u.r, u.max)
	if err != nil {
		return err
	}
	h, body, err := parseResponse(frame)
	if err != nil {
		return err
	}
	if h.GetStatus() != commonpb.RpcResponseHeaderProto_SUCCESS {
		return remoteError(h, "")
	}
	if id := int32(h.GetCallId()); id != callIDSASL {
		return protocolErrorf("unwrapped response (call id %d) on a SASL-wrapped connection", id)
	}
	var m commonpb.RpcSaslProto
	if err := proto.Unmarshal(body, &m); err != nil {
		return protocolErrorf("SASL WRAP message: %v", err)
	}
	if m.GetState() != commonpb.RpcSaslProto_WRAP {
		return protocolErrorf("SASL %v message on a wrapped connection", m.GetState())
	}
	plain, err := u.layer.Unwrap(m.GetToken())
	if err != nil {
		return fmt.Errorf("sasl unwrap: %w", err)
	}
	u.buf = plain
	return nil
}
