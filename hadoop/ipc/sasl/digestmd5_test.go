package sasl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// The two worked examples of RFC 2831 §4 (IMAP and ACAP): user chris,
// password secret. They pin the response-value and rspauth computation.
func TestDigestMD5RFC2831Examples(t *testing.T) {
	for _, tc := range []struct {
		name, challenge, protocol, cnonce, response, rspauth string
	}{{
		name:      "imap",
		challenge: `realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8`,
		protocol:  "imap",
		cnonce:    "OA6MHXh6VqTrRk",
		response:  "d388dad90d4bbd760a152321f2143af7",
		rspauth:   "ea40f60335c427b5527b84dbabcdfffd",
	}, {
		name:      "acap",
		challenge: `realm="elwood.innosoft.com",nonce="OA9BSXrbuRhWay",qop="auth",algorithm=md5-sess,charset=utf-8`,
		protocol:  "acap",
		cnonce:    "OA9BSuZWMSpW8m",
		response:  "6084c6db3fede7352c551284490fd0fc",
		rspauth:   "2f0b3d7c3c2e486600ef710726aa2eae",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDigestMD5(DigestMD5Config{
				Username: "chris", Password: "secret",
				Protocol: tc.protocol, ServerID: "elwood.innosoft.com",
				CNonce: tc.cnonce,
			})
			out, err := d.Step(context.Background(), []byte(tc.challenge))
			if err != nil {
				t.Fatal(err)
			}
			want := `charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="` +
				strings.Split(strings.Split(tc.challenge, `nonce="`)[1], `"`)[0] +
				`",nc=00000001,cnonce="` + tc.cnonce + `",digest-uri="` + tc.protocol +
				`/elwood.innosoft.com",maxbuf=65536,response=` + tc.response + `,qop=auth`
			if string(out) != want {
				t.Errorf("response\n got %s\nwant %s", out, want)
			}
			if _, err := d.Step(context.Background(), []byte("rspauth="+tc.rspauth)); err != nil {
				t.Fatalf("rspauth: %v", err)
			}
			if !d.Complete() {
				t.Fatal("not complete after rspauth")
			}
			if qop, layer := d.Negotiated(); qop != QOPAuth || layer != nil {
				t.Errorf("Negotiated = %v, %v; want auth, nil", qop, layer)
			}
		})
	}
}

func TestDigestMD5RejectsBadRspauth(t *testing.T) {
	d := NewDigestMD5(DigestMD5Config{Username: "u", Password: "p", ServerID: "default", CNonce: "c"})
	if _, err := d.Step(context.Background(), []byte(`realm="default",nonce="n",qop="auth",charset=utf-8,algorithm=md5-sess`)); err != nil {
		t.Fatal(err)
	}
	_, err := d.Step(context.Background(), []byte("rspauth=00000000000000000000000000000000"))
	if err == nil || !strings.Contains(err.Error(), "rspauth does not match") {
		t.Fatalf("err = %v, want rspauth mismatch", err)
	}
	if d.Complete() {
		t.Error("complete after a bad rspauth")
	}
}

func TestDigestMD5Negotiation(t *testing.T) {
	const base = `realm="default",nonce="n",charset=utf-8,algorithm=md5-sess`
	for _, tc := range []struct {
		name       string
		challenge  string
		qops       []QOP
		ciphers    []string
		wantQOP    QOP
		wantCipher string
		wantErr    string
	}{
		{name: "default takes strongest", challenge: base + `,qop="auth,auth-int,auth-conf",cipher="3des,rc4,des,rc4-56,rc4-40"`, wantQOP: QOPPrivacy, wantCipher: "3des"},
		{name: "client order wins", challenge: base + `,qop="auth-conf,auth-int,auth"`, qops: []QOP{QOPAuth, QOPPrivacy}, wantQOP: QOPAuth},
		{name: "integrity", challenge: base + `,qop="auth-int"`, wantQOP: QOPIntegrity},
		{name: "no qop means auth", challenge: base, wantQOP: QOPAuth},
		{name: "cipher preference", challenge: base + `,qop="auth-conf",cipher="rc4-40,rc4,des"`, ciphers: []string{"rc4", "des"}, wantQOP: QOPPrivacy, wantCipher: "rc4"},
		{name: "no common qop", challenge: base + `,qop="auth"`, qops: []QOP{QOPPrivacy}, wantErr: "no common protection"},
		{name: "no common cipher", challenge: base + `,qop="auth-conf",cipher="aes"`, wantErr: "no common cipher"},
		{name: "no nonce", challenge: `qop="auth",algorithm=md5-sess`, wantErr: "no nonce"},
		{name: "md5 not sess", challenge: `nonce="n",algorithm=md5`, wantErr: "md5-sess"},
		{name: "repeated nonce", challenge: base + `,nonce="m"`, wantErr: "repeated"},
		{name: "unterminated", challenge: `nonce="n`, wantErr: "unterminated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDigestMD5(DigestMD5Config{Username: "u", Password: "p", ServerID: "default", QOPs: tc.qops, Ciphers: tc.ciphers, CNonce: "c"})
			out, err := d.Step(context.Background(), []byte(tc.challenge))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.qop != tc.wantQOP || d.Cipher() != tc.wantCipher {
				t.Errorf("qop %q cipher %q, want %q %q", d.qop, d.Cipher(), tc.wantQOP, tc.wantCipher)
			}
			if !strings.Contains(string(out), ",qop="+string(tc.wantQOP)) {
				t.Errorf("response %s lacks qop=%s", out, tc.wantQOP)
			}
			if tc.wantCipher != "" && !strings.HasSuffix(string(out), `,cipher="`+tc.wantCipher+`"`) {
				t.Errorf("response %s lacks cipher", out)
			}
		})
	}
}

func TestParseDirectives(t *testing.T) {
	got, err := parseDirectives([]byte(` realm="a\"b" , ,nonce = "x,y",qop=auth, algorithm=md5-sess,`))
	if err != nil {
		t.Fatal(err)
	}
	want := []directive{{"realm", `a"b`}, {"nonce", "x,y"}, {"qop", "auth"}, {"algorithm", "md5-sess"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("directive %d = %v, want %v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{`=x`, `a`, `a="x"b`, "a=\"x", `a b=c`} {
		if _, err := parseDirectives([]byte(bad)); !errors.Is(err, errMalformed) {
			t.Errorf("parseDirectives(%q) err = %v, want errMalformed", bad, err)
		}
	}
}

func TestParseProtection(t *testing.T) {
	got, err := ParseProtection("privacy, Integrity,authentication")
	if err != nil || len(got) != 3 || got[0] != QOPPrivacy || got[1] != QOPIntegrity || got[2] != QOPAuth {
		t.Fatalf("ParseProtection = %v, %v", got, err)
	}
	if _, err := ParseProtection("secret"); err == nil {
		t.Error("ParseProtection(secret) succeeded")
	}
	if _, err := ParseProtection(" , "); err == nil {
		t.Error("ParseProtection(empty) succeeded")
	}
}

func TestDesKey(t *testing.T) {
	// 56 one-bits spread 7 per byte, each byte 0xfe plus odd parity → 0xfe.
	k := desKey([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	for _, b := range k {
		if b != 0xfe {
			t.Fatalf("desKey(ff..) = %x", k)
		}
	}
	// 0x01 in the last byte: the lowest key bit lands in byte 7 bit 1.
	k = desKey([]byte{0, 0, 0, 0, 0, 0, 1})
	want := []byte{1, 1, 1, 1, 1, 1, 1, 2}
	if string(k) != string(want) {
		t.Fatalf("desKey(..01) = %x, want %x", k, want)
	}
}

func TestDigestMD5ConfigRedacts(t *testing.T) {
	cfg := DigestMD5Config{Username: "u", Password: "hunter2"}
	d := NewDigestMD5(cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v %#v %s %v %+v", cfg, &cfg, cfg, d, *d)} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("password leaked: %s", s)
		}
	}
}
