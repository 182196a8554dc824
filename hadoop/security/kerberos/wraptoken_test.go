package kerberos

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/types"
)

// testKey returns a fixed key of the enctype (the bytes only need the
// right length: AES random-to-key is the identity).
func testKey(t testing.TB, etype int32, subkey bool) messageKey {
	t.Helper()
	size := map[int32]int{
		etypeID.AES128_CTS_HMAC_SHA1_96: 16, etypeID.AES256_CTS_HMAC_SHA1_96: 32,
		etypeID.AES128_CTS_HMAC_SHA256_128: 16,
	}[etype]
	k, err := newMessageKey(types.EncryptionKey{KeyType: etype, KeyValue: bytes.Repeat([]byte{0x5c}, size)}, subkey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var testEtypes = []int32{etypeID.AES128_CTS_HMAC_SHA1_96, etypeID.AES256_CTS_HMAC_SHA1_96, etypeID.AES128_CTS_HMAC_SHA256_128}

// Every message length survives both directions, sealed or not, with and
// without an acceptor subkey; sealed tokens do not show the message.
func TestWrapRoundTrip(t *testing.T) {
	for _, et := range testEtypes {
		for _, subkey := range []bool{false, true} {
			for _, conf := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/subkey=%v/conf=%v", etypeName(et), subkey, conf), func(t *testing.T) {
					k := testKey(t, et, subkey)
					for n := 0; n < 70; n += 7 {
						msg := bytes.Repeat([]byte("m"), n)
						for _, fromAcceptor := range []bool{false, true} {
							tok, err := k.wrap(fromAcceptor, uint64(1000+n), msg, conf)
							if err != nil {
								t.Fatal(err)
							}
							if len(tok) != len(msg)+k.overhead(conf) {
								t.Fatalf("token of %d bytes for %d, overhead says %d", len(tok), n, k.overhead(conf))
							}
							if conf && n >= 8 && bytes.Contains(tok, msg) {
								t.Fatal("sealed token shows the message")
							}
							got, gotConf, seq, err := k.unwrap(fromAcceptor, tok)
							if err != nil || !bytes.Equal(got, msg) || gotConf != conf || seq != uint64(1000+n) {
								t.Fatalf("unwrap: %q conf=%v seq=%d err=%v", got, gotConf, seq, err)
							}
						}
					}
				})
			}
		}
	}
}

// An integrity token is deterministic; this one is checked field by field
// against RFC 4121 §4.2.6.2 (the checksum itself is gokrb5's RFC 3962
// HMAC-SHA1-96 with the usage-24 derived key).
func TestWrapIntegrityLayout(t *testing.T) {
	k := testKey(t, etypeID.AES256_CTS_HMAC_SHA1_96, false)
	tok, err := k.wrap(false, 0x01020304, []byte{0x04, 0x01, 0x00, 0x00}, false)
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := "0504" + "00" + "ff" + "000c" + "0000" + "0000000001020304"
	if got := hex.EncodeToString(tok[:16]); got != wantHeader {
		t.Fatalf("header %s, want %s", got, wantHeader)
	}
	if !bytes.Equal(tok[16:20], []byte{0x04, 0x01, 0x00, 0x00}) || len(tok) != 16+4+12 {
		t.Fatalf("token %x", tok)
	}
	mic, err := k.et.GetChecksumHash(k.key.KeyValue,
		append([]byte{4, 1, 0, 0}, 0x05, 0x04, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4), 24)
	if err != nil || !bytes.Equal(mic[:12], tok[20:]) {
		t.Fatalf("checksum %x, want %x (%v)", tok[20:], mic, err)
	}
}

// A token rotated by any RRC unwraps the same (Java and MIT may rotate).
func TestUnwrapRotated(t *testing.T) {
	for _, conf := range []bool{false, true} {
		k := testKey(t, etypeID.AES128_CTS_HMAC_SHA1_96, false)
		tok, err := k.wrap(true, 7, []byte("rotated message"), conf)
		if err != nil {
			t.Fatal(err)
		}
		body := tok[16:]
		for _, rrc := range []int{1, 12, 28, len(body), len(body) + 3} {
			r := rrc % len(body)
			rot := append(append(append([]byte{}, tok[:16]...), body[len(body)-r:]...), body[:len(body)-r]...)
			binary.BigEndian.PutUint16(rot[6:8], uint16(rrc))
			got, _, _, err := k.unwrap(true, rot)
			if err != nil || string(got) != "rotated message" {
				t.Fatalf("conf=%v rrc=%d: %q, %v", conf, rrc, got, err)
			}
		}
	}
}

// Any changed byte, a token from the wrong side, or the wrong key flag is
// refused.
func TestUnwrapRejects(t *testing.T) {
	for _, conf := range []bool{false, true} {
		k := testKey(t, etypeID.AES256_CTS_HMAC_SHA1_96, true)
		tok, err := k.wrap(true, 9, []byte("payload"), conf)
		if err != nil {
			t.Fatal(err)
		}
		for i := range tok {
			if i >= 6 && i < 8 {
				continue // RRC: a changed rotation is a different (wrong) rotation, caught below
			}
			bad := append([]byte{}, tok...)
			bad[i] ^= 0x20
			if _, _, _, err := k.unwrap(true, bad); !errors.Is(err, errBadToken) {
				t.Fatalf("conf=%v: byte %d changed: err = %v", conf, i, err)
			}
		}
		bad := append([]byte{}, tok...)
		bad[7] = 5
		if _, _, _, err := k.unwrap(true, bad); !errors.Is(err, errBadToken) {
			t.Fatalf("conf=%v: wrong RRC: err = %v", conf, err)
		}
		if _, _, _, err := k.unwrap(false, tok); !errors.Is(err, errBadToken) {
			t.Fatalf("conf=%v: a token of the acceptor taken as the initiator's: %v", conf, err)
		}
		noSubkey := k
		noSubkey.acceptorSubkey = false
		if _, _, _, err := noSubkey.unwrap(true, tok); !errors.Is(err, errBadToken) {
			t.Fatalf("conf=%v: acceptor-subkey flag ignored: %v", conf, err)
		}
		for n := 0; n < len(tok); n++ {
			if _, _, _, err := k.unwrap(true, tok[:n]); err == nil {
				t.Fatalf("conf=%v: truncated to %d bytes: accepted", conf, n)
			}
		}
	}
}

func TestMessageKeyRefusesOldEnctypes(t *testing.T) {
	for _, et := range []int32{etypeID.RC4_HMAC, etypeID.DES3_CBC_SHA1_KD, etypeID.AES256_CTS_HMAC_SHA384_192, 99} {
		_, err := newMessageKey(types.EncryptionKey{KeyType: et, KeyValue: make([]byte, 32)}, false)
		if !errors.Is(err, ErrUnsupportedEnctype) || Fix(err) == "" {
			t.Errorf("enctype %d: err = %v", et, err)
		}
	}
	if _, err := newMessageKey(types.EncryptionKey{KeyType: etypeID.AES256_CTS_HMAC_SHA1_96, KeyValue: make([]byte, 16)}, false); err == nil {
		t.Error("a 16-byte AES-256 key was accepted")
	}
}
