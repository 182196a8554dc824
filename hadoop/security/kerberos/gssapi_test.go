package kerberos

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/asnAppTag"
	"github.com/jcmturner/gokrb5/v8/iana/chksumtype"
	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/msgtype"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
)

// The acceptor half below stands in for Java's Krb5 acceptor (what a Hadoop
// server runs) with the session key a KDC would have shared: it decodes our
// AP-REQ the way an acceptor must, answers an AP-REP, and speaks RFC 4121
// Wrap tokens with the same code path in the other direction. The real
// server is the judge in the integration tests; this checks the state
// machine and the cryptography without a KDC.

type fakeAcceptor struct {
	t          testing.TB
	sessionKey types.EncryptionKey
	subkey     []byte // acceptor subkey to put in the AP-REP; nil for none
	seq        int64  // acceptor's initial sequence number
	auth       types.Authenticator
	key        messageKey
}

func newTestContext(t testing.TB) (*gssContext, *fakeAcceptor) {
	sk := types.EncryptionKey{KeyType: etypeID.AES256_CTS_HMAC_SHA1_96, KeyValue: bytes.Repeat([]byte{7}, 32)}
	g := &gssContext{
		target: sasl.GSSAPITarget{Service: "rm", Host: "rmhost", Realm: "EXAMPLE.COM"},
		crealm: "EXAMPLE.COM", cname: types.PrincipalName{NameType: nametype.KRB_NT_PRINCIPAL, NameString: []string{"alice"}},
		ticket: messages.Ticket{TktVNO: 5, Realm: "EXAMPLE.COM",
			SName:   types.PrincipalName{NameType: nametype.KRB_NT_SRV_INST, NameString: []string{"rm", "rmhost"}},
			EncPart: types.EncryptedData{EType: etypeID.AES256_CTS_HMAC_SHA1_96, KVNO: 2, Cipher: []byte("opaque to the client")}},
		sessionKey: sk,
	}
	return g, &fakeAcceptor{t: t, sessionKey: sk, seq: 0x7ffffff0}
}

// accept checks the AP-REQ as an acceptor would and returns the AP-REP.
func (a *fakeAcceptor) accept(tok []byte) []byte {
	t := a.t
	t.Helper()
	id, msg, err := parseContextToken(tok)
	if err != nil || id != tokAPReq {
		t.Fatalf("initial token: id %#x, %v", id, err)
	}
	var req messages.APReq
	if err := req.Unmarshal(msg); err != nil {
		t.Fatal(err)
	}
	if !types.IsFlagSet(&req.APOptions, flags.APOptionMutualRequired) {
		t.Error("AP-REQ does not ask for mutual authentication")
	}
	if err := req.DecryptAuthenticator(a.sessionKey); err != nil {
		t.Fatal(err)
	}
	a.auth = req.Authenticator
	if a.auth.CName.PrincipalNameString() != "alice" || a.auth.CRealm != "EXAMPLE.COM" {
		t.Errorf("authenticator names %s@%s", a.auth.CName.PrincipalNameString(), a.auth.CRealm)
	}
	ck := a.auth.Cksum
	if ck.CksumType != chksumtype.GSSAPI || len(ck.Checksum) != 24 || binary.LittleEndian.Uint32(ck.Checksum[20:]) != 62 {
		t.Errorf("GSS checksum %d %x: want type 0x8003 with flags mutual|replay|sequence|conf|integ", ck.CksumType, ck.Checksum)
	}
	if a.auth.SubKey.KeyType != etypeID.AES256_CTS_HMAC_SHA1_96 || len(a.auth.SubKey.KeyValue) != 32 {
		t.Errorf("authenticator subkey of type %d, %d bytes", a.auth.SubKey.KeyType, len(a.auth.SubKey.KeyValue))
	}
	key, subkey := a.auth.SubKey, false
	if a.subkey != nil {
		key, subkey = types.EncryptionKey{KeyType: etypeID.AES256_CTS_HMAC_SHA1_96, KeyValue: a.subkey}, true
	}
	if a.key, err = newMessageKey(key, subkey); err != nil {
		t.Fatal(err)
	}
	return a.apRep(a.auth.CTime, a.auth.Cusec, a.sessionKey)
}

func (a *fakeAcceptor) apRep(ctime time.Time, cusec int, encKey types.EncryptionKey) []byte {
	part := messages.EncAPRepPart{CTime: ctime, Cusec: cusec, SequenceNumber: a.seq}
	if a.subkey != nil {
		part.Subkey = types.EncryptionKey{KeyType: etypeID.AES256_CTS_HMAC_SHA1_96, KeyValue: a.subkey}
	}
	b, err := asn1.Marshal(part)
	if err != nil {
		a.t.Fatal(err)
	}
	ed, err := crypto.GetEncryptedData(asn1tools.AddASNAppTag(b, asnAppTag.EncAPRepPart), encKey, keyusage.AP_REP_ENCPART, 0)
	if err != nil {
		a.t.Fatal(err)
	}
	rb, err := asn1.Marshal(messages.APRep{PVNO: 5, MsgType: msgtype.KRB_AP_REP, EncPart: ed})
	if err != nil {
		a.t.Fatal(err)
	}
	return frameContextToken(tokAPRep, asn1tools.AddASNAppTag(rb, asnAppTag.APREP))
}

// The whole SASL GSSAPI exchange (package sasl's state machine over our
// context) and the security layer after it, in both directions.
func TestGSSAPIExchange(t *testing.T) {
	for _, tc := range []struct {
		name   string
		subkey []byte
		offer  byte
		prefs  []sasl.QOP
		want   sasl.QOP
	}{
		{name: "privacy with acceptor subkey", subkey: bytes.Repeat([]byte{9}, 32), offer: 7, want: sasl.QOPPrivacy},
		{name: "privacy with initiator subkey", offer: 7, want: sasl.QOPPrivacy},
		{name: "integrity", offer: 3, want: sasl.QOPIntegrity},
		{name: "authentication", offer: 1, want: sasl.QOPAuth},
		{name: "client prefers auth", offer: 7, prefs: []sasl.QOP{sasl.QOPAuth}, want: sasl.QOPAuth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			gc, acc := newTestContext(t)
			acc.subkey = tc.subkey
			m := sasl.NewGSSAPI(gc, tc.prefs)
			apReq, err := m.Step(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if out, err := m.Step(ctx, acc.accept(apReq)); err != nil || len(out) != 0 {
				t.Fatalf("after the AP-REP: %x, %v (want an empty reply)", out, err)
			}
			offer, err := acc.key.wrap(true, uint64(acc.seq), []byte{tc.offer, 0x01, 0x00, 0x00}, false)
			if err != nil {
				t.Fatal(err)
			}
			reply, err := m.Step(ctx, offer)
			if err != nil || !m.Complete() {
				t.Fatalf("layer reply: %v (complete %v)", err, m.Complete())
			}
			choice, conf, seq, err := acc.key.unwrap(false, reply)
			if err != nil || conf || seq != uint64(acc.auth.SeqNumber) {
				t.Fatalf("our layer choice: conf=%v seq=%d (want %d): %v", conf, seq, acc.auth.SeqNumber, err)
			}
			qop, layer := m.Negotiated()
			if qop != tc.want || len(choice) != 4 {
				t.Fatalf("negotiated %s with choice %x, want %s", qop, choice, tc.want)
			}
			if qop == sasl.QOPAuth {
				if choice[0] != 1 || layer != nil || !bytes.Equal(choice[1:], []byte{0, 0, 0}) {
					t.Fatalf("auth: choice %x, layer %v", choice, layer)
				}
				return
			}
			privacy := qop == sasl.QOPPrivacy
			for i := range 3 {
				msg := bytes.Repeat([]byte{byte(i)}, 100*i)
				w, err := layer.Wrap(msg)
				if err != nil {
					t.Fatal(err)
				}
				got, c, s, err := acc.key.unwrap(false, w)
				if err != nil || !bytes.Equal(got, msg) || c != privacy || s != uint64(acc.auth.SeqNumber)+1+uint64(i) {
					t.Fatalf("request %d: conf=%v seq=%d: %v", i, c, s, err)
				}
				resp, _ := acc.key.wrap(true, uint64(acc.seq)+1+uint64(i), msg, privacy)
				if got, err := layer.Unwrap(resp); err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("response %d: %v", i, err)
				}
				if _, err := layer.Unwrap(resp); !errors.Is(err, sasl.ErrIntegrity) {
					t.Fatalf("a replayed response was accepted: %v", err)
				}
			}
			if privacy {
				clear, _ := acc.key.wrap(true, uint64(acc.seq)+4, []byte("in clear"), false)
				if _, err := layer.Unwrap(clear); !errors.Is(err, sasl.ErrIntegrity) {
					t.Fatalf("an unsealed response on auth-conf was accepted: %v", err)
				}
			}
			if lim := gc.WrapSizeLimit(65536, privacy); lim <= 0 || lim >= 65536 {
				t.Errorf("WrapSizeLimit = %d", lim)
			}
		})
	}
}

// Mutual authentication fails unless the AP-REP proves knowledge of the
// session key and echoes our authenticator's time; a KRB-ERROR instead of
// an AP-REP is classified.
func TestAPRepRejected(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		rep  func(a *fakeAcceptor) []byte
		is   error
	}{
		{"other time", func(a *fakeAcceptor) []byte {
			return a.apRep(a.auth.CTime.Add(time.Second), a.auth.Cusec, a.sessionKey)
		}, nil},
		{"other microseconds", func(a *fakeAcceptor) []byte { return a.apRep(a.auth.CTime, a.auth.Cusec+1, a.sessionKey) }, nil},
		{"other key", func(a *fakeAcceptor) []byte {
			return a.apRep(a.auth.CTime, a.auth.Cusec, types.EncryptionKey{KeyType: 18, KeyValue: make([]byte, 32)})
		}, nil},
		{"clock skew", func(a *fakeAcceptor) []byte {
			b, _ := (&messages.KRBError{PVNO: 5, MsgType: msgtype.KRB_ERROR, ErrorCode: errorcode.KRB_AP_ERR_SKEW,
				Realm: "EXAMPLE.COM", SName: types.PrincipalName{NameType: 2, NameString: []string{"rm", "rmhost"}},
				STime: time.Now().UTC().Truncate(time.Second)}).Marshal()
			return frameContextToken(tokKRBError, b)
		}, ErrClockSkew},
		{"garbage", func(*fakeAcceptor) []byte { return []byte{0x60, 3, 1, 2, 3} }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gc, acc := newTestContext(t)
			apReq, _, err := gc.InitSecContext(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			acc.accept(apReq)
			_, est, err := gc.InitSecContext(ctx, tc.rep(acc))
			if err == nil || est {
				t.Fatalf("accepted (established %v)", est)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			if _, err := gc.Wrap([]byte("x"), false); err == nil {
				t.Fatal("Wrap works on a failed context")
			}
		})
	}
}

func TestContextTokenFraming(t *testing.T) {
	for _, n := range []int{0, 1, 100, 115, 116, 300, 70000} {
		msg := bytes.Repeat([]byte{0xab}, n)
		id, got, err := parseContextToken(frameContextToken(tokAPRep, msg))
		if err != nil || id != tokAPRep || !bytes.Equal(got, msg) {
			t.Fatalf("%d bytes: id %#x, %d bytes back, %v", n, id, len(got), err)
		}
	}
	for _, bad := range [][]byte{nil, {0x60}, {0x61, 0}, {0x60, 0x85, 1, 1, 1, 1, 1}, {0x60, 5, 6, 9, 1}, {0x60, 0x0b, 6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 1, 2, 2}} {
		if _, _, err := parseContextToken(bad); err == nil {
			t.Errorf("%x parsed", bad)
		}
	}
}
