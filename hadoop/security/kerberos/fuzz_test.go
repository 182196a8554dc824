package kerberos

import (
	"context"
	"testing"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
)

// FuzzUnwrap: no token from a server makes unwrap panic, for every
// supported enctype, sealed or not, with or without an acceptor subkey.
func FuzzUnwrap(f *testing.F) {
	for _, et := range testEtypes {
		for _, conf := range []bool{false, true} {
			k := testKey(f, et, false)
			tok, _ := k.wrap(true, 5, []byte("seed message"), conf)
			f.Add(tok)
		}
	}
	f.Add([]byte{5, 4, 3, 0xff, 0, 0, 0, 28, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, tok []byte) {
		for _, et := range testEtypes {
			for _, subkey := range []bool{false, true} {
				k := testKey(t, et, subkey)
				msg, conf, _, err := k.unwrap(true, tok)
				if err == nil && !conf && len(msg)+k.overhead(false) != len(tok) {
					t.Fatalf("integrity token of %d bytes gave a %d-byte message", len(tok), len(msg))
				}
			}
		}
	})
}

// FuzzAcceptorReply: any answer to our AP-REQ is accepted only when it is
// a valid AP-REP for our authenticator, and never panics.
func FuzzAcceptorReply(f *testing.F) {
	gc, acc := newTestContext(f)
	apReq, _, _ := gc.InitSecContext(context.Background(), nil)
	f.Add(acc.accept(apReq))
	f.Add(frameContextToken(tokKRBError, []byte{0x7e, 0x03, 0x02, 0x01, 0x05}))
	f.Add([]byte{0x60, 0x82, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, tok []byte) {
		gc, acc := newTestContext(t)
		apReq, _, err := gc.InitSecContext(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		acc.accept(apReq)
		// Our fresh authenticator differs from the seed's: nothing from the
		// corpus can verify, so every input must be an error.
		if _, est, err := gc.InitSecContext(context.Background(), tok); err == nil || est {
			t.Fatalf("accepted a reply for another authenticator")
		}
	})
}

// FuzzParseCCache: a ticket cache file of any content is parsed or
// refused, never a panic or an allocation beyond its size.
func FuzzParseCCache(f *testing.F) {
	f.Add(testCCache(f, "alice", "EXAMPLE.COM", etypeID.AES256_CTS_HMAC_SHA1_96, 3600))
	f.Add([]byte{5, 4, 0, 12, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{5, 3, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		cc, err := parseCCache(b)
		if err == nil && cc == nil {
			t.Fatal("nil cache without an error")
		}
	})
}
