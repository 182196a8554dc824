package ipc

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// testClientID is the fixed client id of the golden-byte tests.
var testClientID = [16]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

const testProtocol = "test.EchoProtocolPB"

// fakeServer is the server end of a net.Pipe, driven by a test's script.
// Its helpers report failures with t.Errorf and end the script goroutine
// (runtime.Goexit), which closes the pipe, so the client sees EOF.
type fakeServer struct {
	t    *testing.T
	conn net.Conn
	// in is the inner stream the script reads requests from: the pipe, or
	// an unwrapping reader after SASL negotiated a security layer.
	in io.Reader
	// wrap, when set, turns an inner response frame into what goes on the
	// wire.
	wrap func(inner []byte) []byte
}

func (s *fakeServer) failf(format string, args ...any) {
	s.t.Helper()
	s.t.Errorf("fake server: "+format, args...)
	runtime.Goexit()
}

func (s *fakeServer) readN(n int) []byte {
	s.t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(s.in, b); err != nil {
		s.failf("read %d bytes: %v", n, err)
	}
	return b
}

// readRaw reads one whole frame, length prefix included.
func (s *fakeServer) readRaw() []byte {
	s.t.Helper()
	n := s.readN(4)
	return append(n, s.readN(int(binary.BigEndian.Uint32(n)))...)
}

// readRequest reads one frame and splits its delimited messages.
func (s *fakeServer) readRequest() (*commonpb.RpcRequestHeaderProto, [][]byte) {
	s.t.Helper()
	return s.splitRequest(s.readRaw())
}

func (s *fakeServer) splitRequest(raw []byte) (*commonpb.RpcRequestHeaderProto, [][]byte) {
	s.t.Helper()
	b := raw[4:]
	var msgs [][]byte
	for len(b) > 0 {
		m, n := protowire.ConsumeBytes(b)
		if n < 0 {
			s.failf("bad delimited message in %x", raw)
		}
		msgs = append(msgs, m)
		b = b[n:]
	}
	h := &commonpb.RpcRequestHeaderProto{}
	if err := proto.Unmarshal(msgs[0], h); err != nil {
		s.failf("request header: %v", err)
	}
	return h, msgs[1:]
}

func (s *fakeServer) unmarshal(b []byte, m proto.Message) {
	s.t.Helper()
	if err := proto.Unmarshal(b, m); err != nil {
		s.failf("unmarshal %T: %v", m, err)
	}
}

// respond writes a response frame (wrapped if the connection is).
func (s *fakeServer) respond(h *commonpb.RpcResponseHeaderProto, body proto.Message) {
	s.t.Helper()
	msgs := []proto.Message{h}
	if body != nil {
		msgs = append(msgs, body)
	}
	f, err := buildFrame(1<<30, msgs...)
	if err != nil {
		s.failf("build response: %v", err)
	}
	if s.wrap != nil {
		f = s.wrap(f)
	}
	s.writeRaw(f)
}

// waitClose holds the connection open until the client closes it.
func (s *fakeServer) waitClose() {
	_, _ = io.Copy(io.Discard, s.conn)
}

func (s *fakeServer) writeRaw(b []byte) {
	s.t.Helper()
	if _, err := s.conn.Write(b); err != nil {
		s.failf("write: %v", err)
	}
}

func okHeader(callID int32) *commonpb.RpcResponseHeaderProto {
	return &commonpb.RpcResponseHeaderProto{
		CallId:              proto.Uint32(uint32(callID)),
		Status:              commonpb.RpcResponseHeaderProto_SUCCESS.Enum(),
		ServerIpcVersionNum: proto.Uint32(9),
	}
}

func errHeader(callID int32, status commonpb.RpcResponseHeaderProto_RpcStatusProto,
	code commonpb.RpcResponseHeaderProto_RpcErrorCodeProto, class, msg string) *commonpb.RpcResponseHeaderProto {
	h := okHeader(callID)
	h.Status = status.Enum()
	h.ErrorDetail = code.Enum()
	h.ExceptionClassName = proto.String(class)
	h.ErrorMsg = proto.String(msg)
	return h
}

// handshakeSimple consumes a SIMPLE preamble and the connection context.
func (s *fakeServer) handshakeSimple() *commonpb.IpcConnectionContextProto {
	s.t.Helper()
	if p := s.readN(7); string(p) != "hrpc\x09\x00\x00" {
		s.failf("preamble %x", p)
	}
	return s.readContext()
}

func (s *fakeServer) readContext() *commonpb.IpcConnectionContextProto {
	s.t.Helper()
	h, msgs := s.readRequest()
	if h.GetCallId() != callIDContext || len(msgs) != 1 {
		s.failf("want connection context, got call %d with %d messages", h.GetCallId(), len(msgs))
	}
	cc := &commonpb.IpcConnectionContextProto{}
	s.unmarshal(msgs[0], cc)
	return cc
}

// readCall reads one call and returns its id, method and request bytes.
func (s *fakeServer) readCall() (int32, string, []byte) {
	s.t.Helper()
	h, msgs := s.readRequest()
	if h.GetCallId() < 0 || len(msgs) != 2 {
		s.failf("want a call, got call id %d with %d messages", h.GetCallId(), len(msgs))
	}
	rh := &commonpb.RequestHeaderProto{}
	s.unmarshal(msgs[0], rh)
	if rh.GetDeclaringClassProtocolName() != testProtocol || rh.GetClientProtocolVersion() != 1 {
		s.failf("request header %v", rh)
	}
	return h.GetCallId(), rh.GetMethodName(), msgs[1]
}

// pipeDialer returns a Dialer whose every connection is served by serve in
// a new goroutine, and a counter of dials.
func pipeDialer(t *testing.T, serve func(s *fakeServer)) (func(context.Context) (net.Conn, error), *atomic.Int32) {
	var dials atomic.Int32
	// Scripts must end before the test does (they may still report).
	var running sync.WaitGroup
	t.Cleanup(running.Wait)
	return func(ctx context.Context) (net.Conn, error) {
		dials.Add(1)
		cli, srv := net.Pipe()
		running.Add(1)
		go func() {
			defer running.Done()
			defer srv.Close()
			serve(&fakeServer{t: t, conn: srv, in: srv})
		}()
		return cli, nil
	}, &dials
}

func newTestClient(t *testing.T, opts ClientOptions, serve func(s *fakeServer)) (*Client, *atomic.Int32) {
	t.Helper()
	dial, dials := pipeDialer(t, serve)
	opts.Dialer = dial
	if opts.Addr == "" {
		opts.Addr = "fake:8032"
	}
	if opts.Protocol == "" {
		opts.Protocol = testProtocol
	}
	if opts.User.Effective == "" && opts.Auth.Method == AuthSimple {
		opts.User.Effective = "alice"
	}
	if opts.PingInterval == 0 {
		opts.PingInterval = -1
	}
	opts.ConnectBackoff = time.Millisecond
	c, err := NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, dials
}

// mustUnhex decodes hex written with spaces for readability.
func mustUnhex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
