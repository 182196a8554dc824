package security

// Token in its Writable form (org.apache.hadoop.security.token.Token.write),
// the form inside HDTS format 0 files and behind encodeToUrlString:
//
//	+------------+------------+-----------+-------------+------+---------+
//	| VInt idLen | identifier | VInt pwLen| password    | Text | Text    |
//	|            | idLen bytes|           | pwLen bytes | kind | service |
//	+------------+------------+-----------+-------------+------+---------+
//
// Hadoop's URL string form (Token.encodeToUrlString, used for tokens on
// command lines and in environment variables) is these bytes in URL-safe
// base64 without padding (commons-codec Base64(0, null, true)).

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// Token is a Hadoop token: an identifier the issuing service can verify, the
// password (HMAC of the identifier under the issuer's key) the client proves
// possession of, the kind (e.g. HDFS_DELEGATION_TOKEN, YARN_AM_RM_TOKEN) and
// the service it is for ("10.0.0.1:8020", "ha-hdfs:mycluster", or "").
type Token struct {
	Identifier []byte
	Password   Secret
	Kind       string
	Service    string
}

// String describes the token for logs and errors; the password shows only
// its length and the identifier only its length (decode it with
// DelegationTokenIdentifier when the kind has one).
func (t Token) String() string {
	return fmt.Sprintf("Token{Kind: %q, Service: %q, Ident: %d bytes, Password: %v}",
		t.Kind, t.Service, len(t.Identifier), t.Password)
}

// AppendWritable appends the Writable form of t (Token.write).
func (t Token) AppendWritable(b []byte) []byte {
	b = AppendVIntBytes(b, t.Identifier)
	b = AppendVIntBytes(b, t.Password)
	b = AppendText(b, t.Kind)
	return AppendText(b, t.Service)
}

// ReadTokenWritable reads one token in Writable form (Token.readFields).
// Errors caused by the bytes wrap ErrMalformed and name the field.
func ReadTokenWritable(r io.Reader) (Token, error) {
	var t Token
	var err error
	if t.Identifier, err = ReadVIntBytes(r); err != nil {
		return Token{}, fmt.Errorf("token identifier: %w", err)
	}
	var pw []byte
	if pw, err = ReadVIntBytes(r); err != nil {
		return Token{}, fmt.Errorf("token password: %w", err)
	}
	t.Password = pw
	if t.Kind, err = ReadText(r); err != nil {
		return Token{}, fmt.Errorf("token kind: %w", err)
	}
	if t.Service, err = ReadText(r); err != nil {
		return Token{}, fmt.Errorf("token service (kind %q): %w", t.Kind, err)
	}
	return t, nil
}

// EncodeToURLString returns Hadoop's URL-safe string form of t
// (Token.encodeToUrlString): unpadded URL-safe base64 of the Writable form.
// The result contains the password: treat it as a secret.
func (t Token) EncodeToURLString() SecretString {
	return SecretString(base64.RawURLEncoding.EncodeToString(t.AppendWritable(nil)))
}

// DecodeTokenURLString parses the output of Token.encodeToUrlString (Java or
// ours). Like Java's commons-codec decoder it accepts the standard alphabet
// too, and padding or surrounding white space; bytes after the token are
// ignored, as Token.decodeFromUrlString ignores them.
func DecodeTokenURLString(s string) (Token, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, "=")
	s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Token{}, fmt.Errorf("%w: token URL string: %w", ErrMalformed, err)
	}
	t, err := ReadTokenWritable(bytes.NewReader(raw))
	if err != nil {
		return Token{}, fmt.Errorf("token URL string: %w", err)
	}
	return t, nil
}

// Clone returns a deep copy of t, so a caller may keep a token while the
// bytes it came from are reused.
func (t Token) Clone() Token {
	return Token{
		Identifier: bytes.Clone(t.Identifier),
		Password:   Secret(bytes.Clone(t.Password)),
		Kind:       t.Kind,
		Service:    t.Service,
	}
}

// Equal reports whether both tokens have the same four fields (as Java's
// Token.equals); the password is compared in constant time.
func (t Token) Equal(o Token) bool {
	return bytes.Equal(t.Identifier, o.Identifier) && t.Kind == o.Kind &&
		t.Service == o.Service && t.Password.Equal(o.Password)
}

// Proto converts t to a TokenProto (Security.proto). All four fields are
// proto2 "required", so empty ones are set explicitly ([]byte{} and ""):
// a nil field would make proto.Marshal fail its required-field check.
func (t Token) Proto() *commonpb.TokenProto {
	return &commonpb.TokenProto{
		Identifier: nonNil(t.Identifier),
		Password:   nonNil(t.Password),
		Kind:       proto.String(t.Kind),
		Service:    proto.String(t.Service),
	}
}

// TokenFromProto converts a TokenProto; a nil p gives the zero Token, as
// Java's getToken() of an absent field gives an empty token.
func TokenFromProto(p *commonpb.TokenProto) Token {
	return Token{
		Identifier: nonNil(p.GetIdentifier()),
		Password:   nonNil(p.GetPassword()),
		Kind:       p.GetKind(),
		Service:    p.GetService(),
	}
}

// nonNil keeps "present but empty" distinguishable from "absent" for
// protobuf bytes fields, whose presence in Go is nil versus non-nil.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
