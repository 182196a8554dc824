package kerberos

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/jcmturner/gokrb5/v8/messages"
)

// The Kerberos V5 GSS-API context tokens (RFC 2743 §3.1, RFC 4121 §4.1):
//
//	+------+--------------+---------------------------------+---------+-----------------+
//	| 0x60 | DER length   | 06 09 2a 86 48 86 f7 12 01 02 02 | TOK_ID  | Kerberos message |
//	+------+--------------+---------------------------------+---------+-----------------+
//	                        the krb5 mechanism OID            01 00 AP-REQ (initiator)
//	                        1.2.840.113554.1.2.2              02 00 AP-REP (acceptor, mutual auth)
//	                                                          03 00 KRB-ERROR (acceptor)

// krb5OID is the DER encoding of 1.2.840.113554.1.2.2, tag and length included.
const krb5OID = "\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"

// Token ids of the context tokens.
const (
	tokAPReq    = 0x0100
	tokAPRep    = 0x0200
	tokKRBError = 0x0300
)

// authenticator checksum flags (RFC 4121 §4.1.1.1).
const (
	gssFlagMutual   = 2
	gssFlagReplay   = 4
	gssFlagSequence = 8
	gssFlagConf     = 16
	gssFlagInteg    = 32
)

// gssChecksum is the 0x8003 authenticator checksum: no channel bindings,
// and the context flags Java's GssKrb5Client asks for (mutual
// authentication, replay and sequence detection, confidentiality and
// integrity). The acceptor turns off what is not asked for, so without
// gssFlagConf a Hadoop server could not seal its replies.
func gssChecksum() []byte {
	b := make([]byte, 24)
	binary.LittleEndian.PutUint32(b[0:4], 16) // length of the channel-binding hash, all zeros
	binary.LittleEndian.PutUint32(b[20:24], gssFlagMutual|gssFlagReplay|gssFlagSequence|gssFlagConf|gssFlagInteg)
	return b
}

// frameContextToken wraps a Kerberos message into a context token.
func frameContextToken(tokID uint16, msg []byte) []byte {
	inner := make([]byte, 0, len(krb5OID)+2+len(msg))
	inner = append(inner, krb5OID...)
	inner = binary.BigEndian.AppendUint16(inner, tokID)
	inner = append(inner, msg...)
	return append(append([]byte{0x60}, derLength(len(inner))...), inner...)
}

func derLength(n int) []byte {
	if n < 0x80 {
		return []byte{byte(n)}
	}
	var b []byte
	for v := n; v > 0; v >>= 8 {
		b = append([]byte{byte(v)}, b...)
	}
	return append([]byte{0x80 | byte(len(b))}, b...)
}

// parseContextToken splits an acceptor's context token (untrusted) into
// its token id and Kerberos message.
func parseContextToken(b []byte) (uint16, []byte, error) {
	if len(b) < 2 || b[0] != 0x60 {
		return 0, nil, errors.New("not a GSS-API context token")
	}
	n, rest, err := parseDERLength(b[1:])
	if err != nil {
		return 0, nil, err
	}
	if n != len(rest) {
		return 0, nil, fmt.Errorf("context token says %d bytes, holds %d", n, len(rest))
	}
	if !bytes.HasPrefix(rest, []byte(krb5OID)) {
		return 0, nil, errors.New("context token is not of the Kerberos V5 mechanism")
	}
	rest = rest[len(krb5OID):]
	if len(rest) < 2 {
		return 0, nil, errors.New("context token has no token id")
	}
	return binary.BigEndian.Uint16(rest), rest[2:], nil
}

func parseDERLength(b []byte) (int, []byte, error) {
	if len(b) == 0 {
		return 0, nil, errors.New("truncated DER length")
	}
	if b[0] < 0x80 {
		return int(b[0]), b[1:], nil
	}
	k := int(b[0] & 0x7f)
	if k == 0 || k > 3 || len(b) < 1+k {
		return 0, nil, fmt.Errorf("unsupported DER length form %#02x", b[0])
	}
	n := 0
	for _, c := range b[1 : 1+k] {
		n = n<<8 | int(c)
	}
	return n, b[1+k:], nil
}

// acceptorReply decodes the acceptor's answer to our AP-REQ: an AP-REP, or a
// KRB-ERROR returned as an error.
func acceptorReply(tok []byte) (messages.APRep, error) {
	id, msg, err := parseContextToken(tok)
	if err != nil {
		return messages.APRep{}, err
	}
	switch id {
	case tokAPRep:
		var rep messages.APRep
		if err := rep.Unmarshal(msg); err != nil {
			return rep, fmt.Errorf("AP-REP: %w", err)
		}
		return rep, nil
	case tokKRBError:
		var ke messages.KRBError
		if err := ke.Unmarshal(msg); err != nil {
			return messages.APRep{}, fmt.Errorf("KRB-ERROR: %w", err)
		}
		return messages.APRep{}, ke
	}
	return messages.APRep{}, fmt.Errorf("context token id %#04x, want an AP-REP", id)
}
