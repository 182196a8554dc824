package sasl

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"testing"
)

var layerCases = []struct {
	name   string
	qop    QOP
	cipher string
}{
	{"auth-int", QOPIntegrity, ""},
	{"3des", QOPPrivacy, "3des"},
	{"rc4", QOPPrivacy, "rc4"},
	{"des", QOPPrivacy, "des"},
	{"rc4-56", QOPPrivacy, "rc4-56"},
	{"rc4-40", QOPPrivacy, "rc4-40"},
}

// layerPair returns the client and server ends of one security layer.
func layerPair(t testing.TB, qop QOP, cipher string) (*digestLayer, *digestLayer) {
	hA1 := md5.Sum([]byte("a fixed H(A1) for tests"))
	c, err := newDigestLayer(hA1[:], qop, cipher, true, 65536)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newDigestLayer(hA1[:], qop, cipher, false, 65536)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

// Messages of every length around the DES block size survive both
// directions, with the cipher state running on across messages.
func TestDigestLayerRoundTrip(t *testing.T) {
	for _, tc := range layerCases {
		t.Run(tc.name, func(t *testing.T) {
			c, s := layerPair(t, tc.qop, tc.cipher)
			for n := 1; n < 40; n++ {
				msg := bytes.Repeat([]byte{byte(n)}, n)
				for _, dir := range []struct{ from, to *digestLayer }{{c, s}, {s, c}} {
					w, err := dir.from.Wrap(msg)
					if err != nil {
						t.Fatal(err)
					}
					if tc.qop == QOPPrivacy && bytes.Contains(w, msg) && n > 4 {
						t.Fatalf("privacy wrap of %d bytes shows the plain text", n)
					}
					got, err := dir.to.Unwrap(w)
					if err != nil || !bytes.Equal(got, msg) {
						t.Fatalf("length %d: got %x, %v", n, got, err)
					}
				}
			}
			if w, _ := c.Wrap(nil); w != nil {
				t.Error("empty message wrapped to something")
			}
		})
	}
}

// Tampering, replay, reordering and the wrong direction's keys are all
// detected.
func TestDigestLayerRejects(t *testing.T) {
	for _, tc := range layerCases {
		t.Run(tc.name, func(t *testing.T) {
			c, s := layerPair(t, tc.qop, tc.cipher)
			w1, _ := c.Wrap([]byte("first message"))
			w2, _ := c.Wrap([]byte("second message"))
			if _, err := s.Unwrap(w2); !errors.Is(err, ErrIntegrity) {
				t.Errorf("out of order: err = %v", err)
			}
			flipped := bytes.Clone(w1)
			flipped[3] ^= 1
			if _, err := s.Unwrap(flipped); !errors.Is(err, ErrIntegrity) {
				t.Errorf("bit flip: err = %v", err)
			}
			c2, _ := layerPair(t, tc.qop, tc.cipher)
			if _, err := c2.Unwrap(w1); !errors.Is(err, ErrIntegrity) {
				t.Errorf("client keys accepted a client message: %v", err)
			}
			if _, err := s.Unwrap([]byte{0, 1, 0, 0, 0, 0}); !errors.Is(err, ErrIntegrity) {
				t.Errorf("short token: err = %v", err)
			}
		})
	}
	c, s := layerPair(t, QOPIntegrity, "")
	w, _ := c.Wrap([]byte("x"))
	if _, err := s.Unwrap(w); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Unwrap(w); !errors.Is(err, ErrIntegrity) {
		t.Errorf("replay: err = %v", err)
	}
}

func TestDigestLayerMaxWrapInput(t *testing.T) {
	c, _ := layerPair(t, QOPIntegrity, "")
	p, _ := layerPair(t, QOPPrivacy, "rc4")
	if c.MaxWrapInput() != 65536-16 || p.MaxWrapInput() != 65536-26 {
		t.Fatalf("MaxWrapInput = %d, %d", c.MaxWrapInput(), p.MaxWrapInput())
	}
}

// GSSAPI: the context loop, then the security-layer offer and our pick.
func TestGSSAPIHandshake(t *testing.T) {
	for _, tc := range []struct {
		name      string
		qops      []QOP
		offer     byte
		wantReply []byte
		wantQOP   QOP
		wantErr   bool
	}{
		{name: "privacy", offer: 7, wantReply: []byte{4, 1, 0, 0}, wantQOP: QOPPrivacy},
		{name: "integrity", offer: 3, wantReply: []byte{2, 1, 0, 0}, wantQOP: QOPIntegrity},
		{name: "auth", offer: 1, wantReply: []byte{1, 0, 0, 0}, wantQOP: QOPAuth},
		{name: "mismatch", qops: []QOP{QOPPrivacy}, offer: 1, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gc := &echoGSS{}
			g := NewGSSAPI(gc, tc.qops)
			ctx := context.Background()
			if tok, err := g.Step(ctx, nil); err != nil || string(tok) != "init" {
				t.Fatalf("initial: %q %v", tok, err)
			}
			out, err := g.Step(ctx, append([]byte("W"), tc.offer, 0, 0x10, 0))
			if tc.wantErr {
				if err == nil || g.Complete() {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil || !g.Complete() {
				t.Fatal(err)
			}
			if !bytes.Equal(out, append([]byte("W"), tc.wantReply...)) {
				t.Errorf("reply %x, want W%x", out, tc.wantReply)
			}
			qop, layer := g.Negotiated()
			if qop != tc.wantQOP || (layer == nil) != (qop == QOPAuth) {
				t.Errorf("negotiated %v %v", qop, layer)
			}
			if layer != nil && layer.MaxWrapInput() != 0x1000-gssWrapOverhead {
				t.Errorf("MaxWrapInput %d", layer.MaxWrapInput())
			}
			if _, err := g.Step(ctx, []byte("more")); err == nil {
				t.Error("step after completion accepted")
			}
		})
	}
}

// echoGSS establishes at once; Wrap prefixes "W", Unwrap strips it.
type echoGSS struct{}

func (*echoGSS) InitSecContext(context.Context, []byte) ([]byte, bool, error) {
	return []byte("init"), true, nil
}
func (*echoGSS) Wrap(m []byte, _ bool) ([]byte, error) { return append([]byte("W"), m...), nil }
func (*echoGSS) Unwrap(t []byte) ([]byte, bool, error) {
	if len(t) == 0 || t[0] != 'W' {
		return nil, false, errors.New("not wrapped")
	}
	return t[1:], true, nil
}
