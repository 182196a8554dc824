package tokens

import (
	"os"
	"testing"

	"github.com/orca-yarn/orca-yarn/hadoop/security"
)

// Token identifiers come from credentials files and servers: decoding never panics, and what
// decodes re-encodes to something that decodes to the same values.
func FuzzParseYARNIdentifier(f *testing.F) {
	if b, err := os.ReadFile("testdata/rm_dt.ident"); err == nil {
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x05, 'a', 'l', 'i', 'c', 'e', 0x30, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{0x0b, 0x0c})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := ParseYARNIdentifier(b)
		if err != nil {
			return
		}
		again, err := ParseYARNIdentifier(AppendYARNIdentifier(nil, id))
		if err != nil || again != id {
			t.Fatalf("round trip: %v → %v, %v", id, again, err)
		}
		// Describe takes the same bytes from credentials without trusting them.
		c := security.NewCredentials()
		c.Add("a", security.Token{Identifier: b, Kind: KindRM})
		_ = Describe(c).String()
	})
}

// Server error texts are untrusted: finding a refusal in them never panics.
func FuzzImpersonationRefusal(f *testing.F) {
	f.Add("User: bob@ORCA.TEST is not allowed to impersonate alice")
	f.Add("Unauthorized connection for super-user: proxy@X from IP 1.2.3.4")
	f.Add("Unauthorized connection for super-user: ")
	f.Add("User: is not allowed to impersonate")
	f.Fuzz(func(t *testing.T, text string) {
		real, ok := impersonationRefusal(text)
		if !ok && real != "" {
			t.Fatalf("no refusal but real user %q", real)
		}
		_ = shortName(real)
	})
}
