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
