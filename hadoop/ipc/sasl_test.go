package ipc

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

var testToken = Token{
	Identifier: []byte("appattempt_1700000000000_0001_000001\x00\x07"),
	Password:   []byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3},
	Kind:       "YARN_AM_RM_TOKEN",
}

// goldenNegotiate is the client's first SASL frame, as Java sends it.
const goldenNegotiate = `0000000e` + // frame length 14
	`0a 0802 1000 1841 2200 2801` + // header: callId -33 (zigzag 65), clientId empty, retryCount -1
	`02 1001` // RpcSaslProto{state NEGOTIATE}

// serveToken plays a Hadoop server with a token secret manager: it offers
// TOKEN (with the DIGEST-MD5 challenge) and SIMPLE, checks the echo of the
// chosen auth, verifies the digest, then serves calls over the negotiated
// layer. It reports the number of WRAP frames the client sent.
func serveToken(d *digestServer, wraps chan<- int) func(s *fakeServer) {
	return func(s *fakeServer) {
		if p := s.readN(7); string(p) != "hrpc\x09\x00\xdf" {
			s.failf("preamble %x", p)
		}
		if f, want := s.readRaw(), mustUnhex(goldenNegotiate); !bytes.Equal(f, want) {
			s.failf("NEGOTIATE %x, want %x", f, want)
		}
		offer := saslAuth("TOKEN", "DIGEST-MD5", proto.String(""), proto.String("default"), d.challenge())
		s.saslReply(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum(),
			Auths: []*commonpb.RpcSaslProto_SaslAuth{offer, saslAuth("SIMPLE", "", nil, nil, nil)}})

		init := s.readSASL()
		echo := proto.Clone(offer).(*commonpb.RpcSaslProto_SaslAuth)
		echo.Challenge = nil
		// Hadoop compares with List.contains: field presence matters, so
		// the empty protocol must be there.
		if init.GetState() != commonpb.RpcSaslProto_INITIATE || len(init.Auths) != 1 ||
			!proto.Equal(init.Auths[0], echo) || init.Auths[0].Protocol == nil {
			s.failf("INITIATE %v", init)
		}
		rspauth, err := d.verify(init.GetToken())
		if err != nil {
			s.failf("digest: %v", err)
		}
		s.saslReply(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_SUCCESS.Enum(), Token: rspauth})
		var w *wrappedIn
		if d.layer != nil {
			w = s.useLayer(d.layer.unwrap, d.layer.wrap)
		}
		if cc := s.readContext(); cc.GetUserInfo() == nil || cc.GetUserInfo().EffectiveUser != nil || cc.GetProtocol() != testProtocol {
			s.failf("TOKEN context %v: want an empty userInfo", cc)
		}
		for range 2 {
			id, _, req := s.readCall()
			var r testReq
			s.unmarshal(req, &r)
			s.respond(okHeader(id), &testResp{NewExpiryTime: proto.Uint64(uint64(len(r.GetRenewer())))})
		}
		if w != nil {
			wraps <- w.wraps
		}
		s.waitClose()
	}
}

func TestTokenSASL(t *testing.T) {
	for _, tc := range []struct {
		name, qops, ciphers string
		maxbuf              int
		wantWraps           int // context + 2 calls, more when split by maxbuf
	}{
		{name: "auth", qops: "auth"},
		{name: "auth-int", qops: "auth-int,auth", wantWraps: 3},
		{name: "auth-conf/3des", qops: "auth-conf,auth-int,auth", ciphers: "3des,rc4,des,rc4-56,rc4-40", wantWraps: 3},
		{name: "auth-conf/rc4", qops: "auth-conf", ciphers: "rc4", wantWraps: 3},
		{name: "auth-conf/des", qops: "auth-conf", ciphers: "des", wantWraps: 3},
		{name: "auth-conf/rc4-56", qops: "auth-conf", ciphers: "rc4-56", wantWraps: 3},
		{name: "auth-conf/rc4-40", qops: "auth-conf", ciphers: "rc4-40", wantWraps: 3},
		// A 5000-byte request with the server's maxbuf at 1000 goes out in
		// six WRAP frames of at most 974 plain bytes each.
		{name: "auth-conf/3des split", qops: "auth-conf", ciphers: "3des", maxbuf: 1000, wantWraps: 2 + 6},
		{name: "auth-int split", qops: "auth-int", maxbuf: 1000, wantWraps: 2 + 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &digestServer{
				user:  base64.StdEncoding.EncodeToString(testToken.Identifier),
				pass:  base64.StdEncoding.EncodeToString(testToken.Password),
				nonce: "s3rv3rN0nce+/=", qops: tc.qops, ciphers: tc.ciphers, maxbuf: tc.maxbuf,
			}
			wraps := make(chan int, 1)
			c, _ := newTestClient(t, ClientOptions{Auth: TokenAuth(testToken)}, serveToken(d, wraps))
			ctx := testContext(t)
			for _, n := range []int{3, 5000} {
				var resp testResp
				if err := c.Call(ctx, "echo", &testReq{Renewer: proto.String(strings.Repeat("r", n))}, &resp); err != nil {
					t.Fatal(err)
				}
				if resp.GetNewExpiryTime() != uint64(n) {
					t.Fatalf("response %v, want %d", &resp, n)
				}
			}
			if wantQOP := strings.Split(tc.qops, ",")[0]; d.qop != wantQOP {
				t.Errorf("negotiated %q, want %q", d.qop, wantQOP)
			}
			if tc.ciphers != "" && d.cipher != strings.Split(tc.ciphers, ",")[0] {
				t.Errorf("cipher %q, want the first offered", d.cipher)
			}
			if tc.wantWraps > 0 {
				if got := <-wraps; got != tc.wantWraps {
					t.Errorf("client sent %d WRAP frames, want %d", got, tc.wantWraps)
				}
			}
		})
	}
}

// A server without SASL answers NEGOTIATE with SUCCESS: a token client
// carries on with SIMPLE and names its user in the context.
func TestTokenFallsBackToSimple(t *testing.T) {
	c, _ := newTestClient(t, ClientOptions{Auth: TokenAuth(testToken), User: UserInfo{Effective: "carol"}}, func(s *fakeServer) {
		s.readN(7)
		s.readSASL()
		s.saslReply(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_SUCCESS.Enum()})
		if cc := s.readContext(); cc.GetUserInfo().GetEffectiveUser() != "carol" {
			s.failf("context %v", cc)
		}
		id, _, _ := s.readCall()
		s.respond(okHeader(id), &testResp{NewExpiryTime: proto.Uint64(1)})
		s.waitClose()
	})
	if err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &testResp{}); err != nil {
		t.Fatal(err)
	}
}

// The server rejects the token during SASL: FATAL with callId -33. The
// error keeps the Java class, classifies as an invalid token, and is not
// retried.
func TestTokenRejected(t *testing.T) {
	const msg = "DIGEST-MD5: IO error acquiring password [Caused by org.apache.hadoop.security.token.SecretManager$InvalidToken: appattempt_1700000000000_0001_000001 not found in AMRMTokenSecretManager.]"
	c, dials := newTestClient(t, ClientOptions{Auth: TokenAuth(testToken)}, func(s *fakeServer) {
		s.readN(7)
		s.readSASL()
		d := &digestServer{nonce: "n", qops: "auth"}
		s.saslReply(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum(),
			Auths: []*commonpb.RpcSaslProto_SaslAuth{saslAuth("TOKEN", "DIGEST-MD5", proto.String(""), proto.String("default"), d.challenge())}})
		s.readSASL()
		s.respond(errHeader(callIDSASL, commonpb.RpcResponseHeaderProto_FATAL, commonpb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED,
			"javax.security.sasl.SaslException", msg), nil)
	})
	err := c.Call(testContext(t), "allocate", &testReq{Renewer: proto.String("x")}, &testResp{})
	var re *RemoteError
	if !errors.As(err, &re) || re.Class != "javax.security.sasl.SaslException" || !re.Fatal {
		t.Fatalf("err = %v, want the server's SaslException", err)
	}
	if !errors.Is(err, ErrInvalidToken) || !errors.Is(err, ErrAccessDenied) || errors.Is(err, ErrRetryable) {
		t.Errorf("classification of %v wrong", err)
	}
	if dials.Load() != 1 {
		t.Errorf("dials = %d: an auth failure must not be retried", dials.Load())
	}
}

func TestNoCommonAuth(t *testing.T) {
	c, _ := newTestClient(t, ClientOptions{Auth: TokenAuth(testToken)}, func(s *fakeServer) {
		s.readN(7)
		s.readSASL()
		s.saslReply(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum(),
			Auths: []*commonpb.RpcSaslProto_SaslAuth{saslAuth("KERBEROS", "GSSAPI", proto.String("rm"), proto.String("h"), nil)}})
		s.waitClose()
	})
	err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &testResp{})
	if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "server offers [KERBEROS/GSSAPI], client has TOKEN") {
		t.Fatalf("err = %v", err)
	}
}

// A SIMPLE client at a server that wants SASL gets the server's FATAL
// (callId -1) as the error of its first call.
func TestSimpleRejected(t *testing.T) {
	c, _ := newTestClient(t, ClientOptions{}, func(s *fakeServer) {
		s.handshakeSimple()
		s.readCall()
		s.respond(errHeader(callIDAuthFailed, commonpb.RpcResponseHeaderProto_FATAL, commonpb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED,
			"org.apache.hadoop.security.AccessControlException", "SIMPLE authentication is not enabled.  Available:[TOKEN]"), nil)
	})
	err := c.Call(testContext(t), "allocate", &testReq{Renewer: proto.String("x")}, &testResp{})
	if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "SIMPLE authentication is not enabled") {
		t.Fatalf("err = %v", err)
	}
}

func TestSASLServerSendsGarbage(t *testing.T) {
	c, _ := newTestClient(t, ClientOptions{Auth: TokenAuth(testToken)}, func(s *fakeServer) {
		s.readN(7)
		s.readSASL()
		s.respond(okHeader(5), &testResp{NewExpiryTime: proto.Uint64(1)}) // not a SASL reply
		s.waitClose()
	})
	err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &testResp{})
	if !errors.Is(err, errProtocol) {
		t.Fatalf("err = %v", err)
	}
}

// The QOP option is passed to the mechanism: a client that wants privacy
// refuses a server offering only authentication.
func TestTokenQOPRequired(t *testing.T) {
	d := &digestServer{nonce: "n", qops: "auth"}
	c, _ := newTestClient(t, ClientOptions{Auth: TokenAuth(testToken), QOP: []QOP{sasl.QOPPrivacy}}, func(s *fakeServer) {
		s.readN(7)
		s.readSASL()
		s.saslReply(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum(),
			Auths: []*commonpb.RpcSaslProto_SaslAuth{saslAuth("TOKEN", "DIGEST-MD5", proto.String(""), proto.String("default"), d.challenge())}})
		s.waitClose()
	})
	err := c.Call(context.Background(), "echo", &testReq{Renewer: proto.String("x")}, &testResp{})
	if err == nil || !strings.Contains(err.Error(), "no common protection") {
		t.Fatalf("err = %v", err)
	}
}

// A server that stops answering mid-handshake costs ConnectTimeout per
// attempt, even for a call without a deadline; the failure is retryable.
func TestHandshakeTimeout(t *testing.T) {
	c, dials := newTestClient(t, ClientOptions{Auth: TokenAuth(testToken), ConnectTimeout: 50 * time.Millisecond, MaxConnectAttempts: 2},
		func(s *fakeServer) {
			s.readN(7)
			s.readSASL()
			s.waitClose() // never answers NEGOTIATE
		})
	start := time.Now()
	err := c.Call(context.Background(), "echo", &testReq{Renewer: proto.String("x")}, &testResp{})
	if !errors.Is(err, ErrRetryable) || dials.Load() != 2 {
		t.Fatalf("err = %v after %d dials", err, dials.Load())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}

// Cancelling the call's ctx aborts the handshake at once.
func TestHandshakeCancelled(t *testing.T) {
	c, _ := newTestClient(t, ClientOptions{Auth: TokenAuth(testToken)}, func(s *fakeServer) {
		s.readN(7)
		s.readSASL()
		s.waitClose()
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	err := c.Call(ctx, "echo", &testReq{Renewer: proto.String("x")}, &testResp{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
