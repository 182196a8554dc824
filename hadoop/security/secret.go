package security

import (
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// Secret holds secret bytes (a token password, a Credentials secret key). It
// redacts itself everywhere Go turns values into text: fmt with any verb and
// flag (%v %+v %#v %s %x %q ...), encoding/json, encoding.TextMarshaler users
// and log/slog. Only Reveal returns the content, so a reviewer can grep for
// the few places that need it.
//
// fmt can only call methods on values it can reach through exported fields:
// keep a Secret in an exported field (or give the holder its own String), or
// a %v of the holder prints the raw bytes.
type Secret []byte

// redactedText is what every text form of a secret of n bytes shows; the
// length helps debugging ("empty password?") without revealing content.
func redactedText(n int) string {
	return "[redacted " + strconv.Itoa(n) + " bytes]"
}

// Reveal returns the secret bytes themselves (not a copy).
func (s Secret) Reveal() []byte { return s }

// Len returns the length of the secret; the length is not secret.
func (s Secret) Len() int { return len(s) }

// Equal reports whether s and o hold the same bytes, in constant time for
// equal lengths, so comparing passwords does not leak them through timing.
func (s Secret) Equal(o Secret) bool { return subtle.ConstantTimeCompare(s, o) == 1 }

// String implements fmt.Stringer.
func (s Secret) String() string { return redactedText(len(s)) }

// GoString implements fmt.GoStringer (%#v).
func (s Secret) GoString() string { return redactedText(len(s)) }

// Format implements fmt.Formatter so that no verb (%x, %q, %d ...) falls
// through to fmt's default printing of the underlying byte slice.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redactedText(len(s))) }

// MarshalJSON implements json.Marshaler; without it encoding/json would emit
// the bytes in base64.
func (s Secret) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(redactedText(len(s)))), nil
}

// MarshalText implements encoding.TextMarshaler (used by slog's text
// handler, YAML and TOML encoders, JSON map keys).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redactedText(len(s))), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redactedText(len(s))) }

// SecretString is the string form of Secret, for secrets that are text
// (a keytab password, a Ray auth token). It redacts itself the same way.
type SecretString string

// Reveal returns the secret text.
func (s SecretString) Reveal() string { return string(s) }

// Len returns the length of the secret in bytes.
func (s SecretString) Len() int { return len(s) }

// Equal reports whether s and o are equal, in constant time for equal lengths.
func (s SecretString) Equal(o SecretString) bool {
	return subtle.ConstantTimeCompare([]byte(s), []byte(o)) == 1
}

// String implements fmt.Stringer.
func (s SecretString) String() string { return redactedText(len(s)) }

// GoString implements fmt.GoStringer.
func (s SecretString) GoString() string { return redactedText(len(s)) }

// Format implements fmt.Formatter for every verb.
func (s SecretString) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redactedText(len(s))) }

// MarshalJSON implements json.Marshaler.
func (s SecretString) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(redactedText(len(s)))), nil
}

// MarshalText implements encoding.TextMarshaler.
func (s SecretString) MarshalText() ([]byte, error) { return []byte(redactedText(len(s))), nil }

// LogValue implements slog.LogValuer.
func (s SecretString) LogValue() slog.Value { return slog.StringValue(redactedText(len(s))) }
