package security

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	var digits strings.Builder
	for line := range strings.Lines(s) {
		line, _, _ = strings.Cut(line, "//") // golden hex lines carry comments
		digits.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(digits.String())
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

func TestTokenWritableGolden(t *testing.T) {
	tok := Token{Identifier: []byte{1, 2}, Password: Secret("pw"), Kind: "K1", Service: "s:1"}
	want := mustHex(t, `
		02 0102     // identifier: VInt len 2 + bytes
		02 7077     // password "pw"
		02 4b31     // Text kind "K1"
		03 733a31   // Text service "s:1"`)
	if got := tok.AppendWritable(nil); !bytes.Equal(got, want) {
		t.Fatalf("AppendWritable = %x, want %x", got, want)
	}
	back, err := ReadTokenWritable(bytes.NewReader(want))
	if err != nil || !back.Equal(tok) {
		t.Fatalf("ReadTokenWritable = %v, %v", back, err)
	}
	for cut := range len(want) {
		_, err := ReadTokenWritable(bytes.NewReader(want[:cut]))
		if !errors.Is(err, ErrMalformed) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("cut at %d: err = %v", cut, err)
		}
	}
	_, err = ReadTokenWritable(bytes.NewReader(want[:5]))
	if err == nil || !strings.Contains(err.Error(), "token password") {
		t.Errorf("error should name the field: %v", err)
	}
}

func TestTokenURLString(t *testing.T) {
	tok := Token{Identifier: []byte{1, 2}, Password: Secret("pw"), Kind: "K1", Service: "s:1"}
	// base64url, no padding, of 02 0102 02 7077 02 4b31 03 733a31 (15 bytes).
	const want = "AgECAnB3AksxA3M6MQ"
	if got := tok.EncodeToURLString().Reveal(); got != want {
		t.Fatalf("EncodeToURLString = %s, want %s", got, want)
	}
	for _, in := range []string{want, want + "==", " " + want + "\n"} {
		back, err := DecodeTokenURLString(in)
		if err != nil || !back.Equal(tok) {
			t.Errorf("DecodeTokenURLString(%q) = %v, %v", in, back, err)
		}
	}
	// The Writable form starts 02 fb ff: base64 "Avv_" in the URL alphabet, "Avv/" in the standard one.
	odd := Token{Identifier: []byte{0xfb, 0xff}}
	url := odd.EncodeToURLString().Reveal()
	if !strings.ContainsAny(url, "-_") {
		t.Fatalf("expected URL alphabet in %s", url)
	}
	std := strings.NewReplacer("-", "+", "_", "/").Replace(url)
	if back, err := DecodeTokenURLString(std); err != nil || !back.Equal(odd) {
		t.Errorf("standard alphabet not accepted: %v", err)
	}
	if _, err := DecodeTokenURLString("!!!"); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad base64: %v", err)
	}
	if _, err := DecodeTokenURLString("Ag"); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated token: %v", err)
	}
}

func TestTokenProto(t *testing.T) {
	var zero Token
	p := zero.Proto()
	b, err := proto.Marshal(p) // required fields must all be present, even empty
	if err != nil {
		t.Fatalf("marshal empty token: %v", err)
	}
	if want := mustHex(t, "0a00 1200 1a00 2200"); !bytes.Equal(b, want) {
		t.Errorf("empty TokenProto = %x, want %x", b, want)
	}
	tok := Token{Identifier: []byte{1}, Password: Secret{2}, Kind: "k", Service: "s"}
	var back commonpb.TokenProto
	b, _ = proto.Marshal(tok.Proto())
	if err := proto.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got := TokenFromProto(&back); !got.Equal(tok) {
		t.Errorf("proto round trip = %v", got)
	}
	if got := TokenFromProto(nil); got.Identifier == nil || got.Password == nil {
		t.Errorf("nil proto should give empty non-nil fields: %#v", got)
	}
}

func TestDelegationTokenIdentifierGolden(t *testing.T) {
	id := DelegationTokenIdentifier{
		Owner: "al", Renewer: "yarn", RealUser: "",
		IssueDate:      time.UnixMilli(1700000000123).UTC(),
		SequenceNumber: 300, MasterKeyID: -1,
	}
	want := mustHex(t, `
		00                  // version 0
		02 616c             // Text owner "al"
		04 7961726e         // Text renewer "yarn"
		00                  // Text realUser ""
		8a 018bcfe5687b     // VLong issueDate 1700000000123 (6 bytes follow: -112-6 = 0x8a)
		00                  // VLong maxDate 0 (unset)
		8e 012c             // VInt sequenceNumber 300
		ff                  // VInt masterKeyId -1`)
	if got := id.AppendWritable(nil); !bytes.Equal(got, want) {
		t.Fatalf("AppendWritable = %x, want %x", got, want)
	}
	back, err := ParseDelegationTokenIdentifier(want)
	if err != nil || back != id {
		t.Fatalf("Parse = %+v, %v", back, err)
	}
	if !back.MaxDate.IsZero() {
		t.Errorf("maxDate 0 should be the zero time")
	}
	tok := Token{Identifier: want, Kind: "HDFS_DELEGATION_TOKEN"}
	if got, err := tok.DelegationTokenIdentifier(); err != nil || got != id {
		t.Errorf("Token.DelegationTokenIdentifier = %v, %v", got, err)
	}
	if s := id.String(); !strings.Contains(s, "owner=al, renewer=yarn") || !strings.Contains(s, "2023-11-14T22:13:20.123Z") {
		t.Errorf("String = %s", s)
	}
	for cut := range len(want) {
		_, err := ParseDelegationTokenIdentifier(want[:cut])
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("cut at %d: err = %v", cut, err)
		}
	}
	bad := bytes.Clone(want)
	bad[0] = 1
	if _, err := ParseDelegationTokenIdentifier(bad); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("version 1: %v", err)
	}
	// Text fields are limited to Text.DEFAULT_MAX_LEN - 1 bytes.
	huge := append([]byte{0}, AppendText(nil, strings.Repeat("x", dtTextMaxLen))...)
	if _, err := ParseDelegationTokenIdentifier(huge); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "owner") {
		t.Errorf("1 MiB owner: %v", err)
	}
	// Trailing bytes are ignored, as by Java's readFields.
	if _, err := ParseDelegationTokenIdentifier(append(bytes.Clone(want), 1, 2, 3)); err != nil {
		t.Errorf("trailing bytes: %v", err)
	}
}
