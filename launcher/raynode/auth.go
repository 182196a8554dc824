package raynode

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Ray's token authentication (Ray 2.52 and later; checked on 2.60). With RAY_AUTH_MODE=token
// every Ray process (GCS, raylet, agents, workers, drivers, Ray Client) sends and requires
// "authorization: Bearer TOKEN" on its gRPC and HTTP calls. Each process loads the token from,
// in order: RAY_AUTH_TOKEN (the token itself), RAY_AUTH_TOKEN_PATH (a file), ~/.ray/auth_token.
// We use the file, private to the container's user, so the token is on no command line and in
// no environment block; RAY_AUTH_TOKEN is removed from every environment we build, since it
// would win over the file. Setting RAY_AUTH_MODE explicitly also stops Ray 2.59+ from deciding
// by itself from whatever ~/.ray/auth_token the user happens to have on a shared host.
const (
	EnvAuthMode      = "RAY_AUTH_MODE"
	EnvAuthTokenPath = "RAY_AUTH_TOKEN_PATH"
	EnvAuthToken     = "RAY_AUTH_TOKEN"
)

// ErrBadToken: the token is unusable as a Ray token (it travels in an HTTP header).
var ErrBadToken = errors.New("raynode: bad Ray auth token")

const (
	minTokenLen = 16
	maxTokenLen = 4096
)

// NewToken makes a token the way `ray get-auth-token --generate` does: 256 random bits in hex.
func NewToken() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("raynode: new token: %w", err)
	}
	return []byte(hex.EncodeToString(b)), nil
}

// checkToken accepts the characters that survive an HTTP header and Ray's file loading
// unchanged. The error never contains the token.
func checkToken(tok []byte) error {
	if len(tok) < minTokenLen || len(tok) > maxTokenLen {
		return fmt.Errorf("%w: %d bytes, want %d to %d", ErrBadToken, len(tok), minTokenLen, maxTokenLen)
	}
	for i, c := range tok {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || bytes.IndexByte([]byte("-._~+/="), c) >= 0
		if !ok {
			return fmt.Errorf("%w: byte %d is not a letter, digit or one of -._~+/=", ErrBadToken, i)
		}
	}
	return nil
}

// WriteTokenFile stores the token at path, mode 0600, replacing any older file atomically, so a
// Ray process never reads half a token.
func WriteTokenFile(path string, token []byte) error {
	if err := checkToken(token); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".ray-token-*")
	if err != nil {
		return fmt.Errorf("raynode: write token file: %w", err)
	}
	// CreateTemp makes the file 0600 whatever the umask.
	_, err = f.Write(token)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("raynode: write token file %s: %w", path, err)
	}
	return nil
}

// ReadTokenFile reads a token written by WriteTokenFile (or by hand: a trailing newline is
// dropped).
func ReadTokenFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("raynode: read token file: %w", err)
	}
	b = bytes.TrimRight(b, "\r\n")
	if err := checkToken(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// authEnv turns token authentication on for a Ray process.
func authEnv(tokenFile string) []string {
	return []string{EnvAuthMode + "=token", EnvAuthTokenPath + "=" + tokenFile}
}
