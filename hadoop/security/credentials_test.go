package security

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenCredentials has two tokens, added out of alias order, and a secret.
func goldenCredentials() *Credentials {
	c := NewCredentials()
	c.Add("b", Token{Identifier: []byte{}, Password: Secret{0xff}, Kind: "K2", Service: ""})
	c.Add("a", Token{Identifier: []byte{1, 2}, Password: Secret("pw"), Kind: "K1", Service: "s:1"})
	c.AddSecret("k", Secret("xyz"))
	return c
}

// Format 0 by hand from Credentials.write / Token.write.
const goldenWritable = `
	48445453   // magic "HDTS"
	00         // format 0 WRITABLE
	02         // VInt: 2 tokens
	01 61      //   Text alias "a" (sorted before "b")
	02 0102    //     identifier: VInt len 2 + bytes
	02 7077    //     password "pw"
	02 4b31    //     Text kind "K1"
	03 733a31  //     Text service "s:1"
	01 62      //   Text alias "b"
	00         //     identifier: empty
	01 ff      //     password: 1 byte
	02 4b32    //     Text kind "K2"
	00         //     Text service ""
	01         // VInt: 1 secret
	01 6b      //   Text alias "k"
	03 78797a  //   VInt len 3 + "xyz"
`

// Format 1 by hand: protobuf field keys are (field<<3)|2 for length-delimited.
const goldenProtobuf = `
	48445453   // magic "HDTS"
	01         // format 1 PROTOBUF
	34         // varint length of CredentialsProto: 24+18+10 = 52
	0a 16      // tokens (1): CredentialsKVProto of 22 bytes
	0a 01 61   //   alias (1) "a"
	12 11      //   token (2): TokenProto of 17 bytes
	0a 02 0102 //     identifier (1)
	12 02 7077 //     password (2) "pw"
	1a 02 4b31 //     kind (3) "K1"
	22 03 733a31 //   service (4) "s:1"
	0a 10      // tokens (1): CredentialsKVProto of 16 bytes
	0a 01 62   //   alias "b"
	12 0b      //   token: TokenProto of 11 bytes
	0a 00      //     identifier: present, empty (required)
	12 01 ff   //     password
	1a 02 4b32 //     kind "K2"
	22 00      //     service: present, empty (required)
	12 08      // secrets (2): CredentialsKVProto of 8 bytes
	0a 01 6b   //   alias "k"
	1a 03 78797a // secret (3) "xyz"
`

func TestCredentialsGolden(t *testing.T) {
	for _, tc := range []struct {
		f      Format
		golden string
	}{{FormatWritable, goldenWritable}, {FormatProtobuf, goldenProtobuf}} {
		want := mustHex(t, tc.golden)
		got, err := goldenCredentials().Marshal(tc.f)
		if err != nil {
			t.Fatalf("%v: %v", tc.f, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%v:\n got %x\nwant %x", tc.f, got, want)
		}
		back, err := Unmarshal(want)
		if err != nil {
			t.Fatalf("%v: Unmarshal: %v", tc.f, err)
		}
		assertSameCredentials(t, back, goldenCredentials())
		// Every strict prefix is truncated input and must say so.
		for cut := range len(want) {
			_, err := Unmarshal(want[:cut])
			if !errors.Is(err, ErrMalformed) || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%v cut at %d: err = %v", tc.f, cut, err)
			}
		}
		// Bytes after the body are ignored, as Java ignores them.
		if _, err := Unmarshal(append(bytes.Clone(want), 0, 0, 0)); err != nil {
			t.Errorf("%v with trailing bytes: %v", tc.f, err)
		}
	}
}

func assertSameCredentials(t *testing.T, got, want *Credentials) {
	t.Helper()
	if len(got.Tokens) != len(want.Tokens) || len(got.Secrets) != len(want.Secrets) {
		t.Fatalf("got %d tokens %d secrets, want %d and %d", len(got.Tokens), len(got.Secrets), len(want.Tokens), len(want.Secrets))
	}
	for a, w := range want.Tokens {
		if g, ok := got.Token(a); !ok || !g.Equal(w) {
			t.Errorf("token %q = %v, want %v", a, g, w)
		}
	}
	for a, w := range want.Secrets {
		if g, ok := got.Secret(a); !ok || !g.Equal(w) {
			t.Errorf("secret %q differs", a)
		}
	}
}

func TestCredentialsErrors(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"empty", "", "too short"},
		{"bad magic", "HDTX\x00\x00\x00", `bad magic "HDTX"`},
		{"no format", "HDTS", "format byte missing"},
		{"unknown format", "HDTS\x02\x00\x00", "unknown credentials format 2"},
		{"negative token count", "HDTS\x00\xff", "token count -1 is negative"},
		{"negative secret count", "HDTS\x00\x00\xff", "secret count -1 is negative"},
		{"huge alias", "HDTS\x00\x01\x8c\x7f\xff\xff\xff", "token 0 alias"},
		{"huge token count", "HDTS\x00\x8c\x7f\xff\xff\xff\x00", "token 0 (alias \"\"): token identifier"},
		{"huge proto length", "HDTS\x01\xff\xff\xff\xff\x07", "CredentialsProto of 2147483647 bytes, only 0 left"},
		{"bad varint", "HDTS\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "CredentialsProto length"},
		{"missing alias", "HDTS\x01\x02\x0a\x00", "CredentialsProto"},
	}
	for _, c := range cases {
		_, err := Unmarshal([]byte(c.in))
		if !errors.Is(err, ErrMalformed) || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrMalformed mentioning %q", c.name, err, c.want)
		}
	}
	if _, err := goldenCredentials().Marshal(Format(7)); err == nil {
		t.Error("Marshal with unknown format must fail")
	}
}

func TestCredentialsHelpers(t *testing.T) {
	c := goldenCredentials()
	c.Add("amrm", Token{Kind: "YARN_AM_RM_TOKEN"})
	c.Add("c", Token{Kind: "K1", Service: "other"})
	got := c.TokensOfKind("K1")
	if len(got) != 2 || got[0].Service != "s:1" || got[1].Service != "other" {
		t.Errorf("TokensOfKind = %v", got)
	}
	rest := c.WithoutKinds("YARN_AM_RM_TOKEN")
	if _, ok := rest.Token("amrm"); ok || len(rest.Tokens) != 3 || len(rest.Secrets) != 1 {
		t.Errorf("WithoutKinds = %v", rest)
	}
	if _, ok := c.Token("amrm"); !ok {
		t.Error("WithoutKinds must not change the original")
	}
	var zero Credentials
	zero.Add("x", Token{})
	zero.AddSecret("y", nil)
	var nilCreds *Credentials
	if _, ok := nilCreds.Token("x"); ok || nilCreds.TokensOfKind("K") != nil {
		t.Error("nil Credentials must read as empty")
	}
	if b, err := nilCreds.Marshal(FormatWritable); err != nil || string(b) != "HDTS\x00\x00\x00" {
		t.Errorf("nil Marshal = %q, %v", b, err)
	}
}

func TestCredentialsFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []Format{FormatWritable, FormatProtobuf} {
		path := filepath.Join(dir, "tokens-"+f.String())
		if err := goldenCredentials().WriteFile(path, f); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", path, st.Mode(), err)
		}
		back, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		assertSameCredentials(t, back, goldenCredentials())
	}
	var buf bytes.Buffer
	if n, err := goldenCredentials().WriteTo(&buf); err != nil || n != int64(buf.Len()) || buf.Bytes()[4] != byte(DefaultFormat) {
		t.Errorf("WriteTo = %d, %v, format byte %d", n, err, buf.Bytes()[4])
	}
	if DefaultFormat != FormatWritable {
		t.Error("Hadoop 3.x writes WRITABLE by default; so must we")
	}
	_, err := ReadFile(filepath.Join(dir, "missing"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("HDTS\x00\x05"), 0o600)
	if _, err := ReadFile(bad); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad file error should wrap ErrMalformed and name the path: %v", err)
	}
}

// Hadoop Text is bytes on the wire; Java never validates it when reading a
// Writable file, so aliases, kinds and services that are not UTF-8 must
// survive both formats (proto2 strings are not validated either).
func TestCredentialsNonUTF8(t *testing.T) {
	c := NewCredentials()
	c.Add("\xff", Token{Kind: "\xfe", Service: "\xc3"})
	c.AddSecret("\x80", Secret{1})
	for _, f := range []Format{FormatWritable, FormatProtobuf} {
		b, err := c.Marshal(f)
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		back, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		assertSameCredentials(t, back, c)
	}
}
