package hdfsconn

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// The DataNode's SASL handshake messages (datatransfer.proto), hand-coded:
// orca-yarn links colinmarc's hadoop.hdfs protobufs, whose names it must not
// register again.
//
//	message DataTransferEncryptorMessageProto {
//	  required DataTransferEncryptorStatus status = 1;  // SUCCESS 0, ERROR_UNKNOWN_KEY 1, ERROR 2
//	  optional bytes payload = 2;
//	  optional string message = 3;
//	  repeated CipherOptionProto cipherOption = 4;       // AES negotiation: not offered, ignored
//	  optional HandshakeSecretProto handshakeSecret = 5;
//	  optional bool accessTokenError = 6;
//	}
//
// Each travels varint-delimited.

const (
	dtStatusSuccess    = 0
	dtStatusUnknownKey = 1
	maxHandshakeMsg    = 1 << 20
)

// errDataNodeRefused marks a DataNode's explicit refusal of the handshake.
var errDataNodeRefused = errors.New("DataNode refused the SASL handshake")

type dtMessage struct {
	status           uint64
	payload          []byte
	message          string
	accessTokenError bool
}

func appendDTMessage(b []byte, status uint64, payload []byte) []byte {
	var m []byte
	m = protowire.AppendTag(m, 1, protowire.VarintType)
	m = protowire.AppendVarint(m, status)
	if payload != nil {
		m = protowire.AppendTag(m, 2, protowire.BytesType)
		m = protowire.AppendBytes(m, payload)
	}
	return protowire.AppendBytes(b, m)
}

// parseDTMessage decodes one message body (without its length prefix).
func parseDTMessage(b []byte) (dtMessage, error) {
	var m dtMessage
	hasStatus := false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return dtMessage{}, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return dtMessage{}, protowire.ParseError(n)
			}
			m.status, hasStatus, b = v, true, b[n:]
		case (num == 2 || num == 3) && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return dtMessage{}, protowire.ParseError(n)
			}
			if num == 2 {
				m.payload = append([]byte{}, v...)
			} else {
				m.message = string(v)
			}
			b = b[n:]
		case num == 6 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return dtMessage{}, protowire.ParseError(n)
			}
			m.accessTokenError, b = v != 0, b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return dtMessage{}, protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	if !hasStatus {
		return dtMessage{}, errors.New("no status")
	}
	return m, nil
}

// readDTMessage reads one varint-delimited message byte by byte up to its
// length, then exactly its body: nothing after it may be consumed, the
// wrapped stream starts there.
func readDTMessage(r io.Reader) (dtMessage, error) {
	var size uint64
	var one [1]byte
	for shift := 0; ; shift += 7 {
		if shift > 28 {
			return dtMessage{}, errors.New("DataNode handshake message: length too long")
		}
		if _, err := io.ReadFull(r, one[:]); err != nil {
			return dtMessage{}, fmt.Errorf("DataNode handshake message: %w", err)
		}
		size |= uint64(one[0]&0x7f) << shift
		if one[0] < 0x80 {
			break
		}
	}
	if size > maxHandshakeMsg {
		return dtMessage{}, fmt.Errorf("DataNode handshake message of %d bytes", size)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return dtMessage{}, fmt.Errorf("DataNode handshake message: %w", err)
	}
	m, err := parseDTMessage(body)
	if err != nil {
		return dtMessage{}, fmt.Errorf("DataNode handshake message: %w", err)
	}
	if m.status != dtStatusSuccess {
		what := "error"
		if m.status == dtStatusUnknownKey {
			what = "unknown key"
		}
		return m, fmt.Errorf("%w: %s: %s (access token error: %v)", errDataNodeRefused, what, m.message, m.accessTokenError)
	}
	return m, nil
}

// The op request a client sends first on a DataTransferProtocol
// connection (DataTransferProtocol / Sender):
//
//	u16 version (28) | u8 op | varint length | Op…Proto
//
// The block token is in the op's header: Op{Write,Read,Transfer}BlockProto
// .header (ClientOperationHeaderProto) .baseHeader (BaseHeaderProto) .token,
// or for the other ops .header (BaseHeaderProto) .token.
const opHeaderLen = 3

var (
	clientHeaderOps = map[byte]bool{0x50: true, 0x51: true, 0x56: true} // WRITE_BLOCK, READ_BLOCK, TRANSFER_BLOCK
	baseHeaderOps   = map[byte]bool{0x52: true, 0x53: true, 0x54: true, 0x55: true, 0x5a: true}
)

// errShortOp: the bytes so far end inside the op request.
var errShortOp = errors.New("incomplete op request")

// opBlockToken extracts the block token from an op request; errShortOp
// when b does not yet hold the whole request.
func opBlockToken(b []byte) (*commonpb.TokenProto, error) {
	if len(b) < opHeaderLen+1 {
		return nil, errShortOp
	}
	op := b[2]
	size, n := protowire.ConsumeVarint(b[opHeaderLen:])
	if n < 0 {
		if len(b) < opHeaderLen+binary.MaxVarintLen64 {
			return nil, errShortOp
		}
		return nil, fmt.Errorf("op 0x%x: %w", op, protowire.ParseError(n))
	}
	start := opHeaderLen + n
	if size > maxClientFrame {
		return nil, fmt.Errorf("op 0x%x of %d bytes", op, size)
	}
	if uint64(len(b)-start) < size {
		return nil, errShortOp
	}
	msg := b[start : start+int(size)]
	var path []protowire.Number
	switch {
	case clientHeaderOps[op]:
		path = []protowire.Number{1, 1, 2}
	case baseHeaderOps[op]:
		path = []protowire.Number{1, 2}
	default:
		return nil, fmt.Errorf("op 0x%x carries no block token we know of", op)
	}
	for _, num := range path {
		if msg = bytesField(msg, num); msg == nil {
			return nil, fmt.Errorf("op 0x%x has no block token", op)
		}
	}
	var tok commonpb.TokenProto
	if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(msg, &tok); err != nil {
		return nil, fmt.Errorf("op 0x%x block token: %w", op, err)
	}
	return &tok, nil
}

// bytesField returns the value of the last length-delimited field num of a
// message (protobuf's last-one-wins for a non-repeated field), or nil.
func bytesField(b []byte, num protowire.Number) []byte {
	var found []byte
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return nil
		}
		b = b[l:]
		vl := protowire.ConsumeFieldValue(n, typ, b)
		if vl < 0 {
			return nil
		}
		if n == num && typ == protowire.BytesType {
			v, _ := protowire.ConsumeBytes(b)
			found = v
		}
		b = b[vl:]
	}
	return found
}
