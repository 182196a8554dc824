package hdfsconn

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// frame builds a client frame: u32 length, then each message varint-delimited.
func frame(t testing.TB, msgs ...proto.Message) []byte {
	t.Helper()
	var body []byte
	for _, m := range msgs {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		body = protowire.AppendBytes(body, b)
	}
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

func header(callID int32) *commonpb.RpcRequestHeaderProto {
	return &commonpb.RpcRequestHeaderProto{
		RpcKind: commonpb.RpcKindProto_RPC_PROTOCOL_BUFFER.Enum(), RpcOp: commonpb.RpcRequestHeaderProto_RPC_FINAL_PACKET.Enum(),
		CallId: proto.Int32(callID), ClientId: []byte("0123456789abcdef"),
	}
}

func connContext(user string) *commonpb.IpcConnectionContextProto {
	return &commonpb.IpcConnectionContextProto{
		UserInfo: &commonpb.UserInformationProto{EffectiveUser: proto.String(user)},
		Protocol: proto.String(clientProtocol),
	}
}

// clientStream is what colinmarc writes to a NameNode: preamble, SASL (when auth is 0xDF),
// context, one call.
func clientStream(t testing.TB, auth byte, ctxUser string) (stream, saslFrame, ctxFrame, call []byte) {
	saslFrame = frame(t, header(-33), &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum()})
	ctxFrame = frame(t, header(-3), connContext(ctxUser))
	call = frame(t, header(0), &commonpb.RequestHeaderProto{MethodName: proto.String("getServerDefaults"),
		DeclaringClassProtocolName: proto.String(clientProtocol), ClientProtocolVersion: proto.Uint64(1)})
	stream = append([]byte("hrpc\x09\x00"), auth)
	if auth != 0 {
		stream = append(stream, saslFrame...)
	}
	stream = append(append(stream, ctxFrame...), call...)
	return stream, saslFrame, ctxFrame, call
}

// through writes stream into a proxyConn in pieces of chunk bytes and returns what reached the
// server side.
func through(t *testing.T, stream []byte, chunk int, effective, real string) []byte {
	t.Helper()
	client, server := net.Pipe()
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(server)
		got <- b
	}()
	p := newProxyConn(client, effective, real)
	for rest := stream; len(rest) > 0; {
		n := min(chunk, len(rest))
		if w, err := p.Write(rest[:n]); err != nil || w != n {
			t.Fatalf("Write(%d bytes) = %d, %v", n, w, err)
		}
		rest = rest[n:]
	}
	_ = p.Close()
	return <-got
}

func TestProxyConnRewritesOnlyTheContext(t *testing.T) {
	for _, c := range []struct {
		name     string
		auth     byte
		wantReal string
	}{
		{"kerberos: the ticket is the real user", 0xdf, ""},
		{"simple: realUser in the context", 0x00, "svc"},
	} {
		stream, saslFrame, _, call := clientStream(t, c.auth, "svc@EX.COM")
		var want []byte
		want = append(want, stream[:preambleLen]...)
		if c.auth != 0 {
			want = append(want, saslFrame...)
		}
		ui := &commonpb.UserInformationProto{EffectiveUser: proto.String("alice")}
		if c.wantReal != "" {
			ui.RealUser = proto.String(c.wantReal)
		}
		cc := connContext("")
		cc.UserInfo = ui
		want = append(append(want, frame(t, header(-3), cc)...), call...)
		for _, chunk := range []int{1, 3, 64, len(stream)} {
			if got := through(t, stream, chunk, "alice", "svc"); !bytes.Equal(got, want) {
				t.Errorf("%s, %d-byte writes:\n got % x\nwant % x", c.name, chunk, got, want)
			}
		}
	}
}

func TestProxyConnRejectsGarbage(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	go func() { _, _ = io.Copy(io.Discard, server) }()
	p := newProxyConn(client, "alice", "")
	bad := append([]byte("hrpc\x09\x00\xdf"), 0xff, 0xff, 0xff, 0xff)
	if _, err := p.Write(bad); err == nil {
		t.Fatal("a 4 GiB frame was accepted")
	}
	p = newProxyConn(client, "alice", "")
	if _, err := p.Write(append([]byte("hrpc\x09\x00\xdf"), 0, 0, 0, 2, 0x05, 0x01)); err == nil {
		t.Fatal("a frame whose header does not parse was accepted")
	}
}

func FuzzRewriteContext(f *testing.F) {
	_, saslFrame, ctxFrame, call := clientStream(f, 0xdf, "svc")
	for _, fr := range [][]byte{saslFrame, ctxFrame, call} {
		f.Add(fr[frameLengthSize:])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, isContext, err := rewriteContext(body, "alice", "svc")
		if err != nil {
			return
		}
		if !isContext && !bytes.Equal(out, body) {
			t.Fatal("a frame other than the context was changed")
		}
		if isContext {
			if again, ok, err := rewriteContext(out, "alice", "svc"); err != nil || !ok || !bytes.Equal(again, out) {
				t.Fatalf("rewriting the rewritten context: %v, %v", ok, err)
			}
		}
	})
}
