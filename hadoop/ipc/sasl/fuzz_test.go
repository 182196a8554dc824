package sasl

import (
	"context"
	"testing"
)

// FuzzSaslChallenge: any server challenge is answered or rejected, never
// a panic; an answered one always names a QOP we accept.
func FuzzSaslChallenge(f *testing.F) {
	f.Add([]byte(`realm="default",nonce="abc",qop="auth,auth-int,auth-conf",charset=utf-8,cipher="3des,rc4,des,rc4-56,rc4-40",algorithm=md5-sess`))
	f.Add([]byte(`realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8`))
	f.Add([]byte(`nonce="a\"b",maxbuf="1024",algorithm=md5-sess`))
	f.Add([]byte(`,,, realm = "x" ,`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDigestMD5(DigestMD5Config{Username: "u", Password: "p", ServerID: "default", CNonce: "c"})
		out, err := d.Step(context.Background(), b)
		if err != nil {
			return
		}
		if _, err := parseDirectives(out); err != nil {
			t.Fatalf("our response %q does not parse: %v", out, err)
		}
		switch d.qop {
		case QOPAuth, QOPIntegrity, QOPPrivacy:
		default:
			t.Fatalf("negotiated %q", d.qop)
		}
		_, _ = d.Step(context.Background(), b) // as rspauth: must not panic
	})
}

// FuzzUnwrap: no token makes Unwrap panic, for every QOP and cipher.
func FuzzUnwrap(f *testing.F) {
	for _, tc := range layerCases {
		c, _ := layerPair(f, tc.qop, tc.cipher)
		w, _ := c.Wrap([]byte("a message of some length"))
		f.Add(w)
	}
	f.Add([]byte{0, 1, 0, 0, 0, 0})
	f.Add(make([]byte, 22))
	f.Fuzz(func(t *testing.T, tok []byte) {
		for _, tc := range layerCases {
			_, s := layerPair(t, tc.qop, tc.cipher)
			_, _ = s.Unwrap(tok)
		}
	})
}

// identityGSS is a GSS context whose Wrap and Unwrap do nothing, so the
// fuzzer reaches the security-layer decoder directly.
type identityGSS struct{}

func (identityGSS) InitSecContext(context.Context, []byte) ([]byte, bool, error) {
	return []byte("token"), true, nil
}
func (identityGSS) Wrap(m []byte, _ bool) ([]byte, error)  { return m, nil }
func (identityGSS) Unwrap(t []byte) ([]byte, bool, error)  { return t, false, nil }
func (identityGSS) WrapSizeLimit(limit int, conf bool) int { return limit - 60 }

// FuzzGSSAPILayerOffer: any server security-layer offer is answered with
// exactly one offered layer (and a zero size for none) or refused.
func FuzzGSSAPILayerOffer(f *testing.F) {
	f.Add([]byte{7, 0, 0x10, 0})
	f.Add([]byte{1, 0, 0, 0})
	f.Add([]byte{0, 0xff, 0xff, 0xff})
	f.Add([]byte{6, 1, 2})
	f.Fuzz(func(t *testing.T, offer []byte) {
		g := NewGSSAPI(identityGSS{}, nil)
		if _, err := g.Step(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		reply, err := g.Step(context.Background(), offer)
		if err != nil {
			return
		}
		if len(offer) == 0 {
			// An empty challenge ends the context phase: answered empty, not done.
			if len(reply) != 0 || g.Complete() {
				t.Fatalf("empty challenge answered with %x (complete %v)", reply, g.Complete())
			}
			return
		}
		if len(reply) != 4 || len(offer) != 4 || reply[0]&offer[0] == 0 || reply[0]&(reply[0]-1) != 0 {
			t.Fatalf("offer %x answered with %x", offer, reply)
		}
		if reply[0] == gssLayerNone && (reply[1]|reply[2]|reply[3]) != 0 {
			t.Fatalf("no layer chosen but a size given: %x", reply)
		}
	})
}
