package ipc

import (
	"encoding/binary"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// Special call ids (Hadoop RpcConstants, Server.AuthProtocol).
const (
	callIDAuthFailed = -1  // the server's reply to a rejected preamble
	callIDContext    = -3  // connection context
	callIDPing       = -4  // keep-alive; never answered
	callIDSASL       = -33 // every SASL message, and WRAP frames after it
)

// Preamble bytes.
const (
	rpcVersion   = 9
	serviceClass = 0
	authNone     = 0x00
	authSASL     = 0xDF // low byte of -33
)

// preamble is sent once per connection, before anything else:
//
//	+---+---+---+---+---------+---------------+-----------+
//	| h | r | p | c | version | service class | auth      |
//	+---+---+---+---+---------+---------------+-----------+
//	                   0x09      0x00            0x00 none, 0xDF SASL
func preamble(useSASL bool) []byte {
	auth := byte(authNone)
	if useSASL {
		auth = authSASL
	}
	return []byte{'h', 'r', 'p', 'c', rpcVersion, serviceClass, auth}
}

// requestHeader returns the RpcRequestHeaderProto of one frame. Java sends
// retryCount 0 on a call's first attempt and -1 (INVALID_RETRY_COUNT) on
// the out-of-band frames; SASL frames carry an empty client id.
func requestHeader(callID int32, clientID []byte) *commonpb.RpcRequestHeaderProto {
	retry := int32(-1)
	if callID >= 0 {
		retry = 0
	}
	if callID == callIDSASL {
		clientID = []byte{}
	}
	return &commonpb.RpcRequestHeaderProto{
		RpcKind:    commonpb.RpcKindProto_RPC_PROTOCOL_BUFFER.Enum(),
		RpcOp:      commonpb.RpcRequestHeaderProto_RPC_FINAL_PACKET.Enum(),
		CallId:     proto.Int32(callID),
		ClientId:   clientID,
		RetryCount: proto.Int32(retry),
	}
}

// buildFrame encodes one frame, the same layout in both directions:
//
//	+-------------------------------------------------------------+
//	| uint32 big-endian: length of everything below              |
//	+-------------------------------------------------------------+
//	| varint length | RpcRequestHeaderProto / RpcResponseHeader   |
//	+-------------------------------------------------------------+
//	| varint length | message 2 (RequestHeaderProto, context,     |
//	|               |  RpcSaslProto, or the response body)        |
//	+-------------------------------------------------------------+
//	| varint length | message 3 (a call's request)                |
//	+-------------------------------------------------------------+
//
// A call has all three parts, the context, SASL and responses two, a ping
// only the header.
func buildFrame(max int, msgs ...proto.Message) ([]byte, error) {
	b := make([]byte, 4, 128)
	for _, m := range msgs {
		var err error
		// Marshal checks proto2 required fields: a request missing one
		// fails here instead of as a server-side FATAL.
		b, err = appendDelimited(b, m)
		if err != nil {
			return nil, err
		}
	}
	n := len(b) - 4
	if n > max {
		return nil, fmt.Errorf("frame of %d bytes exceeds the %d byte limit", n, max)
	}
	binary.BigEndian.PutUint32(b, uint32(n))
	return b, nil
}

func appendDelimited(b []byte, m proto.Message) ([]byte, error) {
	size := proto.Size(m)
	b = protowire.AppendVarint(b, uint64(size))
	b, err := proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(b, m)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", m, err)
	}
	return b, nil
}

// readFrame reads one frame and returns what follows its length. The
// length is checked against max before allocating, and io.ReadFull takes
// care of short reads.
func readFrame(r io.Reader, max int) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if uint64(size) > uint64(max) {
		return nil, protocolErrorf("frame of %d bytes exceeds the %d byte limit", size, max)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// parseResponse splits a response frame into its header and body. The
// body (the delimited message after a SUCCESS header) aliases frame; it is
// nil for ERROR and FATAL, which carry none.
func parseResponse(frame []byte) (*commonpb.RpcResponseHeaderProto, []byte, error) {
	hb, rest, err := splitDelimited(frame)
	if err != nil {
		return nil, nil, protocolErrorf("response header: %v", err)
	}
	h := &commonpb.RpcResponseHeaderProto{}
	if err := proto.Unmarshal(hb, h); err != nil {
		return nil, nil, protocolErrorf("response header: %v", err)
	}
	if h.GetStatus() != commonpb.RpcResponseHeaderProto_SUCCESS {
		return h, nil, nil
	}
	if len(rest) == 0 {
		return h, nil, nil
	}
	body, rest, err := splitDelimited(rest)
	if err != nil {
		return nil, nil, protocolErrorf("response body of call %d: %v", int32(h.GetCallId()), err)
	}
	if len(rest) != 0 {
		return nil, nil, protocolErrorf("%d stray bytes after the response of call %d", len(rest), int32(h.GetCallId()))
	}
	return h, body, nil
}

// splitDelimited returns the varint-delimited message at the front of b
// and what follows it.
func splitDelimited(b []byte) (msg, rest []byte, err error) {
	n, l := protowire.ConsumeVarint(b)
	if l < 0 {
		return nil, nil, fmt.Errorf("bad length prefix: %v", protowire.ParseError(l))
	}
	if n > uint64(len(b)-l) {
		return nil, nil, fmt.Errorf("message of %d bytes but only %d left", n, len(b)-l)
	}
	return b[l : l+int(n)], b[l+int(n):], nil
}
