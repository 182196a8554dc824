package ipc

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// fakeGSS stands in for Kerberos: context tokens are fixed strings and
// "wrap" is a flag byte, the message (XORed when confidential) and a CRC.
// It exercises the SASL GSSAPI state machine, not cryptography.
type fakeGSS struct {
	mutual  bool
	targets chan sasl.GSSAPITarget
}

func (m *fakeGSS) NewContext(_ context.Context, t sasl.GSSAPITarget) (sasl.GSSAPIContext, error) {
	if m.targets != nil {
		m.targets <- t
	}
	return &fakeGSSContext{mutual: m.mutual}, nil
}

type fakeGSSContext struct {
	mutual bool
	step   int
}

func (c *fakeGSSContext) InitSecContext(_ context.Context, in []byte) ([]byte, bool, error) {
	c.step++
	switch {
	case c.step == 1 && in == nil:
		return []byte("AP-REQ"), !c.mutual, nil
	case c.step == 2 && c.mutual && string(in) == "AP-REP":
		return nil, true, nil
	}
	return nil, false, fmt.Errorf("unexpected context token %q at step %d", in, c.step)
}

func (c *fakeGSSContext) Wrap(msg []byte, conf bool) ([]byte, error) { return fakeWrap(msg, conf), nil }
func (c *fakeGSSContext) Unwrap(tok []byte) ([]byte, bool, error)    { return fakeUnwrap(tok) }

func fakeWrap(msg []byte, conf bool) []byte {
	out := []byte{0}
	if conf {
		out[0] = 1
	}
	for _, b := range msg {
		if conf {
			b ^= 0x5a
		}
		out = append(out, b)
	}
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out))
}

func fakeUnwrap(tok []byte) ([]byte, bool, error) {
	if len(tok) < 5 || crc32.ChecksumIEEE(tok[:len(tok)-4]) != binary.BigEndian.Uint32(tok[len(tok)-4:]) {
		return nil, false, errors.New("fake GSS: bad token")
	}
	conf := tok[0] == 1
	msg := append([]byte{}, tok[1:len(tok)-4]...)
	if conf {
		for i := range msg {
			msg[i] ^= 0x5a
		}
	}
	return msg, conf, nil
}

// serveKerberos plays a kerberized server (principal rm/rmhost) offering
// the security layers in offer; it checks the client's choice and serves
// one call over the result.
func serveKerberos(mutual bool, offer, wantChoice byte) func(s *fakeServer) {
	return func(s *fakeServer) {
		if p := s.readN(7); string(p) != "hrpc\x09\x00\xdf" {
			s.failf("preamble %x", p)
		}
		s.readSASL()
		krb := saslAuth("KERBEROS", "GSSAPI", proto.String("rm"), proto.String("rmhost"), nil)
		s.saslReply(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum(),
			Auths: []*commonpb.RpcSaslProto_SaslAuth{saslAuth("TOKEN", "DIGEST-MD5", proto.String(""), proto.String("default"), []byte(`nonce="n",algorithm=md5-sess`)), krb}})
		init := s.readSASL()
		if len(init.Auths) != 1 || !proto.Equal(init.Auths[0], krb) || string(init.GetToken()) != "AP-REQ" {
			s.failf("INITIATE %v", init)
		}
		if mutual {
			s.saslReply(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_CHALLENGE.Enum(), Token: []byte("AP-REP")})
			if r := s.readSASL(); r.GetState() != commonpb.RpcSaslProto_RESPONSE || r.Token == nil || len(r.Token) != 0 {
				s.failf("want an empty RESPONSE after AP-REP, got %v", r)
			}
		}
		s.saslReply(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_CHALLENGE.Enum(), Token: fakeWrap([]byte{offer, 0x01, 0x00, 0x00}, false)})
		r := s.readSASL()
		choice, conf, err := fakeUnwrap(r.GetToken())
		if err != nil || conf || r.GetState() != commonpb.RpcSaslProto_RESPONSE {
			s.failf("layer RESPONSE %v: %v (conf %v)", r, err, conf)
		}
		wantMax := []byte{0x01, 0x00, 0x00} // 65536
		if wantChoice == 1 {
			wantMax = []byte{0, 0, 0}
		}
		if !bytes.Equal(choice, append([]byte{wantChoice}, wantMax...)) {
			s.failf("client chose %x, want %02x%x", choice, wantChoice, wantMax)
		}
		s.saslReply(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_SUCCESS.Enum()})
		if wantChoice != 1 {
			conf := wantChoice == 4
			s.useLayer(func(tok []byte) ([]byte, error) {
				m, c, err := fakeUnwrap(tok)
				if err == nil && c != conf {
					err = fmt.Errorf("confidential %v, want %v", c, conf)
				}
				return m, err
			}, func(b []byte) []byte { return fakeWrap(b, conf) })
		}
		cc := s.readContext()
		if ui := cc.GetUserInfo(); ui.GetEffectiveUser() != "alice@EXAMPLE.COM" || ui.RealUser != nil {
			s.failf("KERBEROS context %v: want effectiveUser only", cc)
		}
		id, _, _ := s.readCall()
		s.respond(okHeader(id), &testResp{NewExpiryTime: proto.Uint64(9)})
		s.waitClose()
	}
}

func TestKerberosSASL(t *testing.T) {
	for _, tc := range []struct {
		name          string
		mutual        bool
		offer, choice byte
		qop           []QOP
	}{
		{name: "privacy", offer: 7, choice: 4},
		{name: "integrity", offer: 3, choice: 2},
		{name: "mutual auth only", mutual: true, offer: 1, choice: 1},
		{name: "client prefers auth", offer: 7, choice: 1, qop: []QOP{QOPAuth, QOPPrivacy}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mech := &fakeGSS{mutual: tc.mutual, targets: make(chan sasl.GSSAPITarget, 1)}
			c, _ := newTestClient(t, ClientOptions{
				Addr: "RMHost:8032", Auth: KerberosAuth(mech), QOP: tc.qop,
				ServerPrincipal: "rm/_HOST@EXAMPLE.COM",
				User:            UserInfo{Effective: "alice@EXAMPLE.COM", Real: "ignored"},
			}, serveKerberos(tc.mutual, tc.offer, tc.choice))
			var resp testResp
			if err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &resp); err != nil {
				t.Fatal(err)
			}
			if got := <-mech.targets; got.String() != "rm/rmhost@EXAMPLE.COM" {
				t.Errorf("target %s", got)
			}
		})
	}
}

func TestKerberosWrongServerPrincipal(t *testing.T) {
	c, _ := newTestClient(t, ClientOptions{
		Addr: "otherhost:8032", Auth: KerberosAuth(&fakeGSS{}), ServerPrincipal: "rm/_HOST@EXAMPLE.COM",
		User: UserInfo{Effective: "alice@EXAMPLE.COM"},
	}, func(s *fakeServer) {
		s.readN(7)
		s.readSASL()
		s.saslReply(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum(),
			Auths: []*commonpb.RpcSaslProto_SaslAuth{saslAuth("KERBEROS", "GSSAPI", proto.String("rm"), proto.String("rmhost"), nil)}})
		s.waitClose()
	})
	err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &testResp{})
	if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "not the configured rm/otherhost@EXAMPLE.COM") {
		t.Fatalf("err = %v", err)
	}
}

func TestKerberosRefusesSimpleFallback(t *testing.T) {
	for _, allow := range []bool{false, true} {
		c, _ := newTestClient(t, ClientOptions{Auth: KerberosAuth(&fakeGSS{}), AllowSimpleFallback: allow,
			User: UserInfo{Effective: "alice@EXAMPLE.COM"}}, func(s *fakeServer) {
			s.readN(7)
			s.readSASL()
			s.saslReply(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_SUCCESS.Enum()})
			if !allow {
				s.waitClose()
				return
			}
			s.readContext()
			id, _, _ := s.readCall()
			s.respond(okHeader(id), &testResp{NewExpiryTime: proto.Uint64(1)})
			s.waitClose()
		})
		err := c.Call(testContext(t), "echo", &testReq{Renewer: proto.String("x")}, &testResp{})
		if allow != (err == nil) || (!allow && !errors.Is(err, ErrAccessDenied)) {
			t.Errorf("AllowSimpleFallback=%v: err = %v", allow, err)
		}
	}
}
