package ipc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// The request and response messages of these tests are generic commonpb
// messages; the ipc layer does not care what they mean.
type (
	testReq  = commonpb.GetDelegationTokenRequestProto
	testResp = commonpb.RenewDelegationTokenResponseProto
)

// Hand-assembled bytes of a SIMPLE connection (client id 00..0f, user
// alice, protocol test.EchoProtocolPB) and one call echo{renewer "yarn"}.
const (
	goldenPreamble = `68727063 09 00 00` // "hrpc", version 9, service class 0, auth NONE

	goldenContext = `0000003a` + // frame length 58
		`1a` + // header, 26 bytes:
		`0802` + // rpcKind = RPC_PROTOCOL_BUFFER (2)
		`1000` + // rpcOp = RPC_FINAL_PACKET (0)
		`1805` + // callId = -3 (sint32 zigzag → 5)
		`2210 000102030405060708090a0b0c0d0e0f` + // clientId
		`2801` + // retryCount = -1 (zigzag → 1)
		`1e` + // IpcConnectionContextProto, 30 bytes:
		`1207 0a05 616c696365` + // userInfo{effectiveUser "alice"}
		`1a13 746573742e4563686f50726f746f636f6c5042` // protocol "test.EchoProtocolPB"

	goldenCall = `00000040` + // frame length 64
		`1a 0802 1000 1800 2210 000102030405060708090a0b0c0d0e0f 2800` + // header: callId 0, retryCount 0
		`1d` + // RequestHeaderProto, 29 bytes:
		`0a04 6563686f` + // methodName "echo"
		`1213 746573742e4563686f50726f746f636f6c5042` + // declaringClassProtocolName
		`1801` + // clientProtocolVersion 1
		`06 0a04 7961726e` // request {renewer "yarn"}

	goldenResponse = `0000000a` + // frame length 10
		`06 0800 1000 1809` + // header: callId 0, SUCCESS, serverIpcVersionNum 9
		`02 082a` // response {newExpiryTime 42}

	goldenPing = `0000001b 1a 0802 1000 1807 2210 000102030405060708090a0b0c0d0e0f 2801` // callId -4 (zigzag 7)
)

func TestGoldenFrames(t *testing.T) {
	c, _ := newTestClient(t, ClientOptions{ClientID: testClientID, User: UserInfo{Effective: "alice"}}, func(s *fakeServer) {
		for _, want := range []string{goldenPreamble, goldenContext, goldenCall} {
			var got []byte
			if want == goldenPreamble {
				got = s.readN(7)
			} else {
				got = s.readRaw()
			}
			if w := mustUnhex(want); !bytes.Equal(got, w) {
				s.failf("got  %x\nwant %x", got, w)
			}
		}
		s.writeRaw(mustUnhex(goldenResponse))
		s.waitClose()
	})
	var resp testResp
	if err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("yarn")}, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.GetNewExpiryTime() != 42 {
		t.Fatalf("response %v", &resp)
	}
}

func TestPing(t *testing.T) {
	got := make(chan []byte, 1)
	c, _ := newTestClient(t, ClientOptions{ClientID: testClientID, PingInterval: 20 * time.Millisecond}, func(s *fakeServer) {
		s.handshakeSimple()
		id, _, _ := s.readCall()
		s.respond(okHeader(id), &testResp{NewExpiryTime: proto.Uint64(0)})
		got <- s.readRaw() // the next frame after an idle interval
	})
	if err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &testResp{}); err != nil {
		t.Fatal(err)
	}
	select {
	case f := <-got:
		if want := mustUnhex(goldenPing); !bytes.Equal(f, want) {
			t.Fatalf("ping %x, want %x", f, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no ping")
	}
}

func TestConnectionContextUsers(t *testing.T) {
	ctxs := make(chan *commonpb.IpcConnectionContextProto, 1)
	c, _ := newTestClient(t, ClientOptions{User: UserInfo{Effective: "bob", Real: "oozie"}}, func(s *fakeServer) {
		ctxs <- s.handshakeSimple()
		id, _, _ := s.readCall()
		s.respond(okHeader(id), &testResp{NewExpiryTime: proto.Uint64(0)})
	})
	if err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &testResp{}); err != nil {
		t.Fatal(err)
	}
	cc := <-ctxs
	if cc.GetUserInfo().GetEffectiveUser() != "bob" || cc.GetUserInfo().GetRealUser() != "oozie" || cc.GetProtocol() != testProtocol {
		t.Fatalf("context %v", cc)
	}
}

func TestRemoteError(t *testing.T) {
	const class = "org.apache.hadoop.yarn.exceptions.ApplicationNotFoundException"
	const msg = "Application with id 'application_1_0001' doesn't exist in RM.\n\tat org.apache...ClientRMService.getApplicationReport(ClientRMService.java:123)"
	c, _ := newTestClient(t, ClientOptions{}, func(s *fakeServer) {
		s.handshakeSimple()
		id, _, _ := s.readCall()
		s.respond(errHeader(id, commonpb.RpcResponseHeaderProto_ERROR, commonpb.RpcResponseHeaderProto_ERROR_APPLICATION, class, msg), nil)
		// ERROR keeps the connection: a second call works.
		id, _, _ = s.readCall()
		s.respond(okHeader(id), &testResp{NewExpiryTime: proto.Uint64(7)})
		s.waitClose()
	})
	err := c.Call(testContext(t), "getApplicationReport", &testReq{Renewer: proto.String("x")}, &testResp{})
	var re *RemoteError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a RemoteError", err)
	}
	if re.Class != class || re.Message != msg || re.Code != commonpb.RpcResponseHeaderProto_ERROR_APPLICATION || re.Fatal || re.Method != "getApplicationReport" {
		t.Errorf("RemoteError %+v", re)
	}
	want := "ipc: call getApplicationReport on fake:8032: " + class + ": Application with id 'application_1_0001' doesn't exist in RM."
	if err.Error() != want {
		t.Errorf("Error()\n got %q\nwant %q", err.Error(), want)
	}
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrAccessDenied) || errors.Is(err, ErrRetryable) {
		t.Errorf("classification of %v wrong", err)
	}
	var resp testResp
	if err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &resp); err != nil || resp.GetNewExpiryTime() != 7 {
		t.Fatalf("second call: %v %v", err, &resp)
	}
}

// A FATAL reply fails every pending call with the server's exception and
// closes the connection; the next call reconnects.
func TestFatalFailsAllPending(t *testing.T) {
	const class = "org.apache.hadoop.security.AccessControlException"
	var conns atomic.Int32
	c, dials := newTestClient(t, ClientOptions{}, func(s *fakeServer) {
		s.handshakeSimple()
		if conns.Add(1) > 1 {
			id, _, _ := s.readCall()
			s.respond(okHeader(id), &testResp{NewExpiryTime: proto.Uint64(0)})
			s.waitClose()
			return
		}
		id1, _, _ := s.readCall()
		s.readCall()
		s.readCall()
		s.respond(errHeader(id1, commonpb.RpcResponseHeaderProto_FATAL, commonpb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED, class, "Permission denied"), nil)
		// and the server hangs up (deferred close)
	})
	ctx := testContext(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.Call(ctx, "m"+strconv.Itoa(i), &testReq{Renewer: proto.String("x")}, &testResp{})
		}()
	}
	wg.Wait()
	fatal := 0
	for _, err := range errs {
		var re *RemoteError
		if !errors.As(err, &re) || re.Class != class || !re.Fatal || !errors.Is(err, ErrAccessDenied) || errors.Is(err, ErrRetryable) {
			t.Errorf("err = %v, want the FATAL AccessControlException", err)
			continue
		}
		if !strings.Contains(err.Error(), "server closed the connection") {
			fatal++
		}
	}
	if fatal != 1 {
		t.Errorf("%d calls got the FATAL reply itself, want 1", fatal)
	}
	// The dead connection is replaced on the next call.
	if err := c.Call(ctx, "again", &testReq{Renewer: proto.String("x")}, &testResp{}); err != nil {
		t.Errorf("call after FATAL: %v", err)
	}
	if n := dials.Load(); n != 2 {
		t.Errorf("dials = %d, want a reconnect", n)
	}
}

// 32 concurrent callers share one connection; the server answers in a
// random order and each caller gets its own answer.
func TestConcurrentCallsOutOfOrder(t *testing.T) {
	const n = 32
	c, dials := newTestClient(t, ClientOptions{}, func(s *fakeServer) {
		s.handshakeSimple()
		type call struct {
			id  int32
			req []byte
		}
		var calls []call
		for range n {
			id, _, req := s.readCall()
			calls = append(calls, call{id, req})
		}
		rand.Shuffle(len(calls), func(i, j int) { calls[i], calls[j] = calls[j], calls[i] })
		for _, cl := range calls {
			var r testReq
			s.unmarshal(cl.req, &r)
			v, _ := strconv.Atoi(r.GetRenewer())
			s.respond(okHeader(cl.id), &testResp{NewExpiryTime: proto.Uint64(uint64(v * 1000))})
		}
		s.waitClose()
	})
	ctx := testContext(t)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var resp testResp
			if err := c.Call(ctx, "echo", &testReq{Renewer: proto.String(strconv.Itoa(i))}, &resp); err != nil {
				t.Error(err)
				return
			}
			if resp.GetNewExpiryTime() != uint64(i*1000) {
				t.Errorf("caller %d got %d", i, resp.GetNewExpiryTime())
			}
		}()
	}
	wg.Wait()
	if dials.Load() != 1 {
		t.Errorf("dials = %d, want 1 shared connection", dials.Load())
	}
}

// A call whose ctx ends returns promptly; its late reply is dropped and the
// connection keeps serving other calls.
func TestCancelledCall(t *testing.T) {
	late := make(chan struct{})
	c, _ := newTestClient(t, ClientOptions{}, func(s *fakeServer) {
		s.handshakeSimple()
		slow, _, _ := s.readCall()
		<-late
		s.respond(okHeader(slow), &testResp{NewExpiryTime: proto.Uint64(1)})
		id, _, _ := s.readCall()
		s.respond(okHeader(id), &testResp{NewExpiryTime: proto.Uint64(2)})
		s.waitClose()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Call(ctx, "slow", &testReq{Renewer: proto.String("x")}, &testResp{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if !strings.HasPrefix(err.Error(), "ipc: call slow on fake:8032: ") {
		t.Errorf("err = %q, want the call named", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancelled call took %v", d)
	}
	close(late)
	var resp testResp
	if err := c.Call(testContext(t), "next", &testReq{Renewer: proto.String("x")}, &resp); err != nil || resp.GetNewExpiryTime() != 2 {
		t.Fatalf("next call: %v, %v (late reply must not leak into it)", err, &resp)
	}
}

// A connection that breaks fails pending calls with a retryable error; the
// next call dials again.
func TestBrokenConnectionIsRetryable(t *testing.T) {
	first := true
	var mu sync.Mutex
	c, dials := newTestClient(t, ClientOptions{}, func(s *fakeServer) {
		s.handshakeSimple()
		id, _, _ := s.readCall()
		mu.Lock()
		f := first
		first = false
		mu.Unlock()
		if f {
			return // hang up without answering
		}
		s.respond(okHeader(id), &testResp{NewExpiryTime: proto.Uint64(3)})
		s.waitClose()
	})
	err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &testResp{})
	if !errors.Is(err, ErrRetryable) {
		t.Fatalf("err = %v, want ErrRetryable", err)
	}
	var resp testResp
	if err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &resp); err != nil || resp.GetNewExpiryTime() != 3 {
		t.Fatalf("after reconnect: %v %v", err, &resp)
	}
	if dials.Load() != 2 {
		t.Errorf("dials = %d, want 2", dials.Load())
	}
}

// Dial failures are retried up to MaxConnectAttempts, then returned as
// retryable.
func TestConnectAttemptsBounded(t *testing.T) {
	var dials int
	c, err := NewClient(ClientOptions{
		Addr: "nowhere:1", Protocol: testProtocol, User: UserInfo{Effective: "a"},
		MaxConnectAttempts: 3, ConnectBackoff: time.Millisecond,
		Dialer: func(context.Context) (net.Conn, error) { dials++; return nil, errors.New("connection refused") },
	})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &testResp{})
	if !errors.Is(err, ErrRetryable) || dials != 3 || !strings.Contains(err.Error(), "attempt 3 of 3") {
		t.Fatalf("err = %v after %d dials", err, dials)
	}
}

func TestClose(t *testing.T) {
	c, _ := newTestClient(t, ClientOptions{}, func(s *fakeServer) {
		s.handshakeSimple()
		s.readCall()
		s.waitClose()
	})
	errc := make(chan error, 1)
	go func() { errc <- c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &testResp{}) }()
	time.Sleep(20 * time.Millisecond)
	c.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("pending call err = %v, want ErrClosed", err)
	}
	if err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &testResp{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after Close err = %v", err)
	}
}

func TestFrameLimits(t *testing.T) {
	// Oversized requests fail before anything is sent.
	c, _ := newTestClient(t, ClientOptions{MaxFrameSize: 200}, func(s *fakeServer) {
		s.handshakeSimple()
		s.waitClose()
	})
	err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String(strings.Repeat("x", 300))}, &testResp{})
	if err == nil || !strings.Contains(err.Error(), "exceeds the 200 byte limit") {
		t.Fatalf("err = %v", err)
	}
	// Oversized responses break the connection as a protocol violation.
	c2, _ := newTestClient(t, ClientOptions{MaxFrameSize: 200}, func(s *fakeServer) {
		s.handshakeSimple()
		s.readCall()
		s.writeRaw([]byte{0, 0, 1, 0})
		s.waitClose()
	})
	err = c2.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &testResp{})
	if !errors.Is(err, errProtocol) || errors.Is(err, ErrRetryable) {
		t.Fatalf("err = %v, want a protocol violation", err)
	}
}

func TestTokenRedaction(t *testing.T) {
	tok := Token{Identifier: []byte("id"), Password: []byte("hunter2"), Kind: "K", Service: "S"}
	c, err := NewClient(ClientOptions{Addr: "h:1", Protocol: "p", Auth: TokenAuth(tok)})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(tok); strings.Contains(string(b), "hunter2") || strings.Contains(string(b), "aHVudGVyMg") {
		t.Errorf("password in JSON: %s", b)
	}
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%+v %#v %x %s", tok, tok, tok, tok),
		fmt.Sprintf("%v", ClientOptions{Auth: TokenAuth(tok)}), fmt.Sprintf("%v %+v", c, c)} {
		if strings.Contains(s, "hunter2") || strings.Contains(s, fmt.Sprintf("%x", "hunter2")) {
			t.Errorf("password leaked: %s", s)
		}
	}
}
