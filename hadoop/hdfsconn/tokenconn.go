package hdfsconn

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// colinmarc/hdfs authenticates to a NameNode with Kerberos or not at all; an AM or container
// holding only an HDFS delegation token needs TOKEN (SASL DIGEST-MD5). So the NameNode dial
// does that exchange itself and hands colinmarc a connection that looks like a SIMPLE one:
//
//	colinmarc                         this package                        NameNode
//	                                  "hrpc" 09 00 DF, SASL TOKEN    ──▶
//	"hrpc" 09 00 00              ──▶  dropped (ours went first)
//	context{effectiveUser: u}    ──▶  context{} (the token names the user), ┐ wrapped in
//	calls                        ──▶  as they are                           ┘ SASL WRAP frames
//	responses                    ◀──  unwrapped                      ◀── WRAP frames
//
// Wrapping happens only when the QOP is auth-int or auth-conf (hadoop.rpc.protection). This is
// the exchange hadoop/ipc makes (sasl.go, wrap.go), for a byte stream instead of calls.

const (
	callIDSASL      = -33
	maxServerFrame  = 128 << 20
	simplePreamble  = "hrpc\x09\x00\x00"
	saslPreambleHdr = "hrpc\x09\x00\xdf"
)

// dialToken connects to a NameNode and authenticates with t (its identifier and password as
// SASL user name and password, the base64 of each); timeout bounds the exchange.
func dialToken(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error),
	network, addr string, t security.Token, qops []sasl.QOP, timeout time.Duration) (net.Conn, error) {
	c, err := dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(timeout))
	layer, err := tokenHandshake(c, t, qops)
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("TOKEN authentication to %s: %w", addr, err)
	}
	_ = c.SetDeadline(time.Time{})
	return newProxyConn(&wrappedConn{Conn: c, layer: layer}, "", ""), nil
}

// tokenHandshake is SaslRpcClient.saslConnect for TOKEN: NEGOTIATE, INITIATE with the
// DIGEST-MD5 answer to the challenge of the TOKEN offer (echoing the offer without it), then
// CHALLENGE/RESPONSE until SUCCESS.
func tokenHandshake(c net.Conn, t security.Token, qops []sasl.QOP) (sasl.SecurityLayer, error) {
	if _, err := c.Write([]byte(saslPreambleHdr)); err != nil {
		return nil, err
	}
	if err := writeSASL(c, &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum()}); err != nil {
		return nil, err
	}
	var mech *sasl.DigestMD5
	for {
		msg, err := readSASL(c)
		if err != nil {
			return nil, err
		}
		var reply *commonpb.RpcSaslProto
		switch st := msg.GetState(); {
		case st == commonpb.RpcSaslProto_NEGOTIATE && mech == nil:
			var offer *commonpb.RpcSaslProto_SaslAuth
			var offered []string
			for _, a := range msg.GetAuths() {
				offered = append(offered, a.GetMethod())
				if a.GetMethod() == "TOKEN" && a.GetMechanism() == "DIGEST-MD5" {
					offer = a
				}
			}
			if offer == nil {
				return nil, fmt.Errorf("%w: the NameNode offers [%s], not TOKEN", ipc.ErrAccessDenied, strings.Join(offered, ", "))
			}
			mech = sasl.NewDigestMD5(sasl.DigestMD5Config{
				Username: base64.StdEncoding.EncodeToString(t.Identifier),
				Password: base64.StdEncoding.EncodeToString(t.Password.Reveal()),
				Protocol: offer.GetProtocol(), ServerID: offer.GetServerId(), QOPs: qops,
			})
			tok, err := mech.Step(context.Background(), offer.GetChallenge())
			if err != nil {
				return nil, err
			}
			echo := proto.Clone(offer).(*commonpb.RpcSaslProto_SaslAuth)
			echo.Challenge = nil
			reply = &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_INITIATE.Enum(), Token: tok,
				Auths: []*commonpb.RpcSaslProto_SaslAuth{echo}}
		case st == commonpb.RpcSaslProto_CHALLENGE && mech != nil:
			tok, err := mech.Step(context.Background(), msg.GetToken())
			if err != nil {
				return nil, err
			}
			reply = &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_RESPONSE.Enum(), Token: nonNil(tok)}
		case st == commonpb.RpcSaslProto_SUCCESS && mech != nil:
			if msg.Token != nil {
				if out, err := mech.Step(context.Background(), msg.Token); err != nil || out != nil {
					return nil, fmt.Errorf("sasl: final server token: %v", err)
				}
			}
			if !mech.Complete() {
				return nil, errors.New("sasl: the NameNode reported SUCCESS before the client was done")
			}
			_, layer := mech.Negotiated()
			return layer, nil
		default:
			return nil, fmt.Errorf("sasl: unexpected %v from the NameNode", st)
		}
		if err := writeSASL(c, reply); err != nil {
			return nil, err
		}
	}
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// clientFrame encodes u32 length | delimited header{callId} | delimited m.
func clientFrame(callID int32, m proto.Message) ([]byte, error) {
	hdr := &commonpb.RpcRequestHeaderProto{
		RpcKind: commonpb.RpcKindProto_RPC_PROTOCOL_BUFFER.Enum(), RpcOp: commonpb.RpcRequestHeaderProto_RPC_FINAL_PACKET.Enum(),
		CallId: proto.Int32(callID), ClientId: []byte{}, RetryCount: proto.Int32(-1),
	}
	var body []byte
	for _, msg := range []proto.Message{hdr, m} {
		b, err := proto.Marshal(msg)
		if err != nil {
			return nil, err
		}
		body = protowire.AppendBytes(body, b)
	}
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...), nil
}

func writeSASL(w io.Writer, m *commonpb.RpcSaslProto) error {
	f, err := clientFrame(callIDSASL, m)
	if err != nil {
		return err
	}
	_, err = w.Write(f)
	return err
}

// readServerFrame reads one frame and splits off its response header.
func readServerFrame(r io.Reader) (*commonpb.RpcResponseHeaderProto, []byte, []byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, nil, nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxServerFrame {
		return nil, nil, nil, fmt.Errorf("NameNode frame of %d bytes", size)
	}
	frame := make([]byte, size)
	if _, err := io.ReadFull(r, frame); err != nil {
		return nil, nil, nil, err
	}
	hb, l := protowire.ConsumeBytes(frame)
	if l < 0 {
		return nil, nil, nil, fmt.Errorf("NameNode response header: %w", protowire.ParseError(l))
	}
	h := &commonpb.RpcResponseHeaderProto{}
	if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(hb, h); err != nil {
		return nil, nil, nil, fmt.Errorf("NameNode response header: %w", err)
	}
	return h, frame[l:], append(n[:], frame...), nil
}

// readSASL reads one SASL message; a refusal comes back as the server's exception, an
// *ipc.RemoteError, so errors.Is(err, ipc.ErrInvalidToken) and tokens.Classify work on it.
func readSASL(r io.Reader) (*commonpb.RpcSaslProto, error) {
	h, rest, _, err := readServerFrame(r)
	if err != nil {
		return nil, err
	}
	if h.GetStatus() != commonpb.RpcResponseHeaderProto_SUCCESS {
		return nil, &ipc.RemoteError{Class: h.GetExceptionClassName(), Message: h.GetErrorMsg(), Code: h.GetErrorDetail(),
			Fatal: h.GetStatus() == commonpb.RpcResponseHeaderProto_FATAL}
	}
	if int32(h.GetCallId()) != callIDSASL {
		return nil, fmt.Errorf("reply with call id %d during SASL", int32(h.GetCallId()))
	}
	body, l := protowire.ConsumeBytes(rest)
	if l < 0 {
		return nil, fmt.Errorf("SASL message: %w", protowire.ParseError(l))
	}
	m := &commonpb.RpcSaslProto{}
	if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(body, m); err != nil {
		return nil, fmt.Errorf("SASL message: %w", err)
	}
	return m, nil
}

// wrappedConn carries colinmarc's stream over an authenticated connection: its own preamble
// is dropped, and with a security layer every write goes out in WRAP frames and every WRAP
// frame read is unwrapped. Frames that are not WRAP (a FATAL reply) reach colinmarc as they are.
type wrappedConn struct {
	net.Conn
	layer sasl.SecurityLayer

	wmu     sync.Mutex
	dropped int // bytes of colinmarc's preamble dropped so far

	rmu   sync.Mutex
	plain []byte
}

func (w *wrappedConn) Write(b []byte) (int, error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	n := len(b)
	if w.dropped < len(simplePreamble) {
		k := min(len(simplePreamble)-w.dropped, len(b))
		if string(b[:k]) != simplePreamble[w.dropped:w.dropped+k] {
			return 0, errors.New("hdfsconn: unexpected preamble from colinmarc/hdfs")
		}
		w.dropped += k
		b = b[k:]
	}
	if len(b) == 0 {
		return n, nil
	}
	if w.layer == nil {
		if _, err := w.Conn.Write(b); err != nil {
			return 0, err
		}
		return n, nil
	}
	chunk := w.layer.MaxWrapInput()
	if chunk <= 0 {
		chunk = len(b)
	}
	for len(b) > 0 {
		k := min(chunk, len(b))
		tok, err := w.layer.Wrap(b[:k])
		if err != nil {
			return 0, fmt.Errorf("hdfsconn: SASL wrap: %w", err)
		}
		f, err := clientFrame(callIDSASL, &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_WRAP.Enum(), Token: tok})
		if err != nil {
			return 0, err
		}
		if _, err := w.Conn.Write(f); err != nil {
			return 0, err
		}
		b = b[k:]
	}
	return n, nil
}

func (w *wrappedConn) Read(b []byte) (int, error) {
	if w.layer == nil {
		return w.Conn.Read(b)
	}
	w.rmu.Lock()
	defer w.rmu.Unlock()
	for len(w.plain) == 0 {
		h, rest, raw, err := readServerFrame(w.Conn)
		if err != nil {
			return 0, err
		}
		if h.GetStatus() != commonpb.RpcResponseHeaderProto_SUCCESS || int32(h.GetCallId()) != callIDSASL {
			w.plain = raw
			break
		}
		body, l := protowire.ConsumeBytes(rest)
		if l < 0 {
			return 0, fmt.Errorf("hdfsconn: SASL WRAP message: %w", protowire.ParseError(l))
		}
		var m commonpb.RpcSaslProto
		if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(body, &m); err != nil || m.GetState() != commonpb.RpcSaslProto_WRAP {
			return 0, fmt.Errorf("hdfsconn: expected a SASL WRAP message (%v)", err)
		}
		if w.plain, err = w.layer.Unwrap(m.GetToken()); err != nil {
			return 0, fmt.Errorf("hdfsconn: SASL unwrap: %w", err)
		}
	}
	n := copy(b, w.plain)
	w.plain = w.plain[n:]
	return n, nil
}
