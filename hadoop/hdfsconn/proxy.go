package hdfsconn

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// colinmarc/hdfs has no proxy users: its connection context always names
// the login (the Kerberos principal, or ClientOptions.User). A proxy user is
// nothing more than a different connection context, so proxyConn rewrites
// that one frame on its way to the NameNode; everything else passes as is.
// The client's byte stream to a NameNode (colinmarc sends requests
// unwrapped at every QOP, so the context is readable here):
//
//	"hrpc" 09 00 auth                       7-byte preamble (auth 0xDF = SASL)
//	u32 len | header{callId -33} | RpcSaslProto      SASL, zero or more
//	u32 len | header{callId -3}  | IpcConnectionContextProto   ← rewritten
//	u32 len | header{callId n}   | RequestHeaderProto | request  passed on
//
// The rewritten context is Java's (ProtoUtil.makeIpcConnectionContext):
// effectiveUser = the proxy user, plus realUser = the real user on SIMPLE
// connections; on Kerberos ones the server takes the real user from the
// ticket. The server then checks hadoop.proxyuser.<real>.* as for Java.

const (
	preambleLen     = 7
	callIDContext   = -3
	maxClientFrame  = 128 << 20 // ipc.maximum.data.length
	frameLengthSize = 4
)

// proxyConn is a NameNode connection whose connection context is rewritten.
type proxyConn struct {
	net.Conn
	effective, real string // real is sent only on SIMPLE connections

	mu   sync.Mutex
	buf  []byte // client bytes not yet passed on (an incomplete frame)
	sasl bool   // the preamble asked for SASL
	seen int    // preamble bytes consumed
	done bool   // the context went by: pass everything through
}

func newProxyConn(c net.Conn, effective, real string) *proxyConn {
	return &proxyConn{Conn: c, effective: effective, real: real}
}

// Write passes complete frames on as they complete, the context frame
// rewritten. It reports len(b) written once the bytes are either sent or
// held for the rest of their frame.
func (p *proxyConn) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return p.Conn.Write(b)
	}
	p.buf = append(p.buf, b...)
	out, err := p.drain()
	if len(out) > 0 {
		if _, werr := p.Conn.Write(out); werr != nil {
			return 0, werr
		}
	}
	if err != nil {
		return 0, err
	}
	return len(b), nil
}

// drain moves every complete unit (preamble, frame) out of buf, rewriting
// the context, and returns the bytes to send.
func (p *proxyConn) drain() ([]byte, error) {
	var out []byte
	for !p.done {
		if p.seen < preambleLen {
			n := min(preambleLen-p.seen, len(p.buf))
			if p.seen+n == preambleLen && n > 0 {
				p.sasl = p.buf[n-1] != 0
			}
			out = append(out, p.buf[:n]...)
			p.buf = p.buf[n:]
			p.seen += n
			if p.seen < preambleLen {
				return out, nil
			}
			continue
		}
		if len(p.buf) < frameLengthSize {
			return out, nil
		}
		size := binary.BigEndian.Uint32(p.buf)
		if size > maxClientFrame {
			return out, fmt.Errorf("hdfsconn: client frame of %d bytes", size)
		}
		end := frameLengthSize + int(size)
		if len(p.buf) < end {
			return out, nil
		}
		frame := p.buf[:end]
		rewritten, isContext, err := rewriteContext(frame[frameLengthSize:], p.effective, p.realForWire())
		if err != nil {
			return out, err
		}
		if isContext {
			out = binary.BigEndian.AppendUint32(out, uint32(len(rewritten)))
			out = append(out, rewritten...)
			p.done = true
		} else {
			out = append(out, frame...)
		}
		p.buf = p.buf[end:]
	}
	out = append(out, p.buf...)
	p.buf = nil
	return out, nil
}

func (p *proxyConn) realForWire() string {
	if p.sasl {
		return ""
	}
	return p.real
}

// rewriteContext returns the frame body with the user information
// replaced when it is the connection context (call id -3), and the body
// unchanged otherwise.
func rewriteContext(body []byte, effective, real string) ([]byte, bool, error) {
	hdrBytes, n := protowire.ConsumeBytes(body)
	if n < 0 {
		return nil, false, fmt.Errorf("hdfsconn: client frame header: %w", protowire.ParseError(n))
	}
	var hdr commonpb.RpcRequestHeaderProto
	if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(hdrBytes, &hdr); err != nil {
		return nil, false, fmt.Errorf("hdfsconn: client frame header: %w", err)
	}
	if hdr.GetCallId() != callIDContext {
		return body, false, nil
	}
	ctxBytes, m := protowire.ConsumeBytes(body[n:])
	if m < 0 {
		return nil, false, fmt.Errorf("hdfsconn: connection context: %w", protowire.ParseError(m))
	}
	var cc commonpb.IpcConnectionContextProto
	if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(ctxBytes, &cc); err != nil {
		return nil, false, fmt.Errorf("hdfsconn: connection context: %w", err)
	}
	if cc.GetProtocol() == "" {
		return nil, false, errors.New("hdfsconn: connection context names no protocol")
	}
	// No effective user: a token connection, where the token names the user and any other
	// name is refused (Java sends none either).
	cc.UserInfo = &commonpb.UserInformationProto{}
	if effective != "" {
		cc.UserInfo.EffectiveUser = proto.String(effective)
	}
	if real != "" {
		cc.UserInfo.RealUser = proto.String(real)
	}
	newCtx, err := proto.Marshal(&cc)
	if err != nil {
		return nil, false, err
	}
	out := protowire.AppendBytes(nil, hdrBytes)
	return protowire.AppendBytes(out, newCtx), true, nil
}
