package raynode

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTokenFile(t *testing.T) {
	tok, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 64 || checkToken(tok) != nil {
		t.Fatalf("NewToken made %d bytes, valid: %v", len(tok), checkToken(tok))
	}
	other, _ := NewToken()
	if bytes.Equal(tok, other) {
		t.Fatal("two tokens are equal")
	}
	path := filepath.Join(t.TempDir(), "ray-token")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteTokenFile(path, tok); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v, want 0600", st.Mode().Perm())
	}
	back, err := ReadTokenFile(path)
	if err != nil || !bytes.Equal(back, tok) {
		t.Fatalf("ReadTokenFile: %v", err)
	}
	if err := os.WriteFile(path, append(tok, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	if back, err := ReadTokenFile(path); err != nil || !bytes.Equal(back, tok) {
		t.Fatalf("a trailing newline is not dropped: %v", err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".ray-token-*")); len(leftovers) > 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

func TestBadTokens(t *testing.T) {
	secret := "s3cr3t-value-with a space"
	for _, tok := range []string{"", "short", secret, strings.Repeat("a", 5000), "0123456789abcdef\n0123"} {
		err := WriteTokenFile(filepath.Join(t.TempDir(), "t"), []byte(tok))
		if !errors.Is(err, ErrBadToken) {
			t.Errorf("token of %d bytes: %v, want ErrBadToken", len(tok), err)
		}
		if err != nil && len(tok) > 4 && strings.Contains(err.Error(), tok[:5]) {
			t.Errorf("error shows the token: %v", err)
		}
	}
	if _, err := NewGCSClient("127.0.0.1:1", []byte("bad token")); !errors.Is(err, ErrBadToken) {
		t.Errorf("GCS client with a bad token: %v", err)
	}
}
