package hdfsconn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// serverFrame encodes a NameNode frame: u32 length | delimited header | [delimited body].
func serverFrame(t testing.TB, h *commonpb.RpcResponseHeaderProto, body proto.Message) []byte {
	t.Helper()
	var b []byte
	for _, m := range []proto.Message{h, body} {
		if m == nil {
			continue
		}
		mb, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		b = protowire.AppendBytes(b, mb)
	}
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

func saslReply(t testing.TB, m *commonpb.RpcSaslProto) []byte {
	return serverFrame(t, &commonpb.RpcResponseHeaderProto{CallId: proto.Uint32(uint32(0xffffffdf)),
		Status: commonpb.RpcResponseHeaderProto_SUCCESS.Enum()}, m)
}

// readClientSASL reads one client frame and returns its SASL message.
func readClientSASL(t *testing.T, r io.Reader) *commonpb.RpcSaslProto {
	t.Helper()
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, binary.BigEndian.Uint32(n[:]))
	if _, err := io.ReadFull(r, body); err != nil {
		t.Fatal(err)
	}
	_, l := protowire.ConsumeBytes(body)
	mb, _ := protowire.ConsumeBytes(body[l:])
	m := &commonpb.RpcSaslProto{}
	if err := proto.Unmarshal(mb, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A NameNode that offers no TOKEN, and one that refuses the token: both end the handshake with
// a classified error and nothing more is sent.
func TestTokenHandshakeRefusals(t *testing.T) {
	tok := security.Token{Identifier: []byte("id"), Password: security.Secret("pw"), Kind: "HDFS_DELEGATION_TOKEN"}
	cases := map[string]struct {
		reply func(t *testing.T) []byte
		is    error
	}{
		"kerberos only": {func(t *testing.T) []byte {
			return saslReply(t, &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum(),
				Auths: []*commonpb.RpcSaslProto_SaslAuth{{Method: proto.String("KERBEROS"), Mechanism: proto.String("GSSAPI"),
					Protocol: proto.String("nn"), ServerId: proto.String("host")}}})
		}, ipc.ErrAccessDenied},
		"token expired": {func(t *testing.T) []byte {
			return serverFrame(t, &commonpb.RpcResponseHeaderProto{CallId: proto.Uint32(uint32(0xffffffdf)),
				Status: commonpb.RpcResponseHeaderProto_FATAL.Enum(), ExceptionClassName: proto.String("org.apache.hadoop.security.token.SecretManager$InvalidToken"),
				ErrorMsg:    proto.String("token (HDFS_DELEGATION_TOKEN token 7 for alice) is expired"),
				ErrorDetail: commonpb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED.Enum()}, nil)
		}, ipc.ErrInvalidToken},
	}
	for name, c := range cases {
		client, nn := net.Pipe()
		res := make(chan error, 1)
		go func() {
			_, err := tokenHandshake(client, tok, []sasl.QOP{sasl.QOPPrivacy})
			res <- err
		}()
		pre := make([]byte, 7)
		if _, err := io.ReadFull(nn, pre); err != nil || string(pre) != saslPreambleHdr {
			t.Fatalf("%s: preamble %q, %v", name, pre, err)
		}
		if m := readClientSASL(t, nn); m.GetState() != commonpb.RpcSaslProto_NEGOTIATE {
			t.Fatalf("%s: first message %v", name, m.GetState())
		}
		if _, err := nn.Write(c.reply(t)); err != nil {
			t.Fatal(err)
		}
		if err := <-res; !errors.Is(err, c.is) {
			t.Errorf("%s: %v, want %v", name, err, c.is)
		}
		_ = nn.Close()
	}
}

// After SASL at auth-conf: colinmarc's preamble is dropped, its frames go out in WRAP frames,
// WRAP frames come back unwrapped, and a FATAL frame reaches colinmarc as it is.
func TestWrappedConn(t *testing.T) {
	client, nn := net.Pipe()
	w := &wrappedConn{Conn: client, layer: &xorLayer{max: 8}}
	payload := []byte("context frame, then a call")
	go func() {
		_, _ = w.Write([]byte(simplePreamble[:3]))
		_, _ = w.Write(append([]byte(simplePreamble[3:]), payload...))
	}()
	nnLayer := &xorLayer{}
	var got []byte
	for len(got) < len(payload) {
		m := readClientSASL(t, nn)
		if m.GetState() != commonpb.RpcSaslProto_WRAP {
			t.Fatalf("client sent %v", m.GetState())
		}
		p, err := nnLayer.Unwrap(m.GetToken())
		if err != nil || len(p) > 8 {
			t.Fatalf("WRAP of %d bytes: %v", len(p), err)
		}
		got = append(got, p...)
	}
	if !bytes.Equal(got, payload) {
		t.Fatalf("NameNode got %q", got)
	}

	response := []byte("\x00\x00\x00\x05hello")
	tok, _ := nnLayer.Wrap(response)
	fatal := serverFrame(t, &commonpb.RpcResponseHeaderProto{CallId: proto.Uint32(3),
		Status: commonpb.RpcResponseHeaderProto_FATAL.Enum(), ExceptionClassName: proto.String("x.Fatal")}, nil)
	go func() {
		_, _ = nn.Write(saslReply(t, &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_WRAP.Enum(), Token: tok}))
		_, _ = nn.Write(fatal)
	}()
	want := append(append([]byte(nil), response...), fatal...)
	back := make([]byte, len(want))
	if _, err := io.ReadFull(w, back); err != nil || !bytes.Equal(back, want) {
		t.Fatalf("colinmarc reads % x, %v; want % x", back, err, want)
	}

	if _, err := (&wrappedConn{Conn: client}).Write([]byte("GET / HTTP/1.1")); err == nil || !strings.Contains(err.Error(), "preamble") {
		t.Fatalf("a foreign preamble: %v", err)
	}
}

// NameNode replies are untrusted: reading a SASL message or unwrapping the stream never
// panics.
func FuzzReadSASL(f *testing.F) {
	f.Add(saslReply(f, &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum(),
		Auths: []*commonpb.RpcSaslProto_SaslAuth{{Method: proto.String("TOKEN"), Mechanism: proto.String("DIGEST-MD5"),
			Protocol: proto.String(""), ServerId: proto.String("default"), Challenge: []byte(`realm="default",nonce="n",qop="auth-conf",charset=utf-8,algorithm=md5-sess,cipher="rc4"`)}}}))
	f.Add(serverFrame(f, &commonpb.RpcResponseHeaderProto{CallId: proto.Uint32(7), Status: commonpb.RpcResponseHeaderProto_ERROR.Enum()}, nil))
	f.Add([]byte{0x00, 0x00, 0x00, 0x02, 0x05, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = readSASL(bytes.NewReader(b))
		w := &wrappedConn{Conn: fakeReadConn{bytes.NewReader(b)}, layer: &xorLayer{}}
		_, _ = io.ReadAll(io.LimitReader(w, 1<<20))
	})
}

type fakeReadConn struct{ io.Reader }

func (f fakeReadConn) Read(b []byte) (int, error)     { return f.Reader.Read(b) }
func (fakeReadConn) Write(b []byte) (int, error)      { return len(b), nil }
func (fakeReadConn) Close() error                     { return nil }
func (fakeReadConn) LocalAddr() net.Addr              { return nil }
func (fakeReadConn) RemoteAddr() net.Addr             { return nil }
func (fakeReadConn) SetDeadline(time.Time) error      { return nil }
func (fakeReadConn) SetReadDeadline(time.Time) error  { return nil }
func (fakeReadConn) SetWriteDeadline(time.Time) error { return nil }
