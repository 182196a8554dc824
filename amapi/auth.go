package amapi

import (
	"container/list"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/security"
)

// Authorization: Orca-HMAC ts=<unix seconds>,nonce=<hex>,sig=<hex>
//
//	sig = hex(HMAC-SHA256(secret, METHOD "\n" REQUEST-URI "\n" ts "\n" nonce))
//
// REQUEST-URI is the path and query exactly as on the request line. The body is not signed.
const (
	authScheme = "Orca-HMAC"
	// MaxClockSkew is how far a request's ts may be from the server's clock.
	MaxClockSkew = 5 * time.Minute
	// MinSecretBytes is the shortest secret the server accepts; with a shorter one it refuses
	// every authenticated request.
	MinSecretBytes = 16
	nonceBytes     = 16
	minNonceHex    = 16
	maxNonceHex    = 128
	sigHex         = 2 * sha256.Size
	// defaultNonceCache bounds the replay cache. Only requests with a valid signature get in,
	// so only secret holders can fill it; see nonceCache for what happens when it is full.
	defaultNonceCache = 1 << 18
)

// Errors of the auth header check; the server logs them and answers a bare 401.
var (
	errAuthMissing   = errors.New("no Orca-HMAC authorization")
	errAuthMalformed = errors.New("malformed authorization")
	errAuthSkew      = errors.New("timestamp outside the allowed clock skew")
	errAuthSignature = errors.New("bad signature")
	errAuthReplay    = errors.New("replayed nonce")
	errAuthNoSecret  = errors.New("server secret too short")
)

// NewSecret returns a fresh random application secret of 32 bytes.
func NewSecret() (security.Secret, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("amapi: new secret: %w", err)
	}
	return security.Secret(b), nil
}

// authHeader is a parsed Authorization header.
type authHeader struct {
	ts    int64
	nonce string
	sig   []byte
}

// parseAuthHeader parses "Orca-HMAC ts=..,nonce=..,sig=..". Each key must appear exactly once;
// spaces around the commas are allowed; the scheme is case-insensitive (RFC 9110).
func parseAuthHeader(v string) (authHeader, error) {
	scheme, params, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, authScheme) {
		return authHeader{}, errAuthMissing
	}
	var h authHeader
	var seen [3]bool
	for _, kv := range strings.Split(params, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return authHeader{}, fmt.Errorf("%w: parameter %q", errAuthMalformed, k)
		}
		var i int
		switch k {
		case "ts":
			i = 0
			// Digits only: ParseInt would take a sign.
			if len(val) == 0 || len(val) > 18 || strings.Trim(val, "0123456789") != "" {
				return authHeader{}, fmt.Errorf("%w: ts", errAuthMalformed)
			}
			h.ts, _ = strconv.ParseInt(val, 10, 64)
		case "nonce":
			i = 1
			if len(val) < minNonceHex || len(val) > maxNonceHex || !isLowerHex(val) {
				return authHeader{}, fmt.Errorf("%w: nonce", errAuthMalformed)
			}
			h.nonce = val
		case "sig":
			i = 2
			if len(val) != sigHex || !isLowerHex(val) {
				return authHeader{}, fmt.Errorf("%w: sig", errAuthMalformed)
			}
			h.sig, _ = hex.DecodeString(val)
		default:
			return authHeader{}, fmt.Errorf("%w: unknown parameter", errAuthMalformed)
		}
		if seen[i] {
			return authHeader{}, fmt.Errorf("%w: repeated %s", errAuthMalformed, k)
		}
		seen[i] = true
	}
	if seen != [3]bool{true, true, true} {
		return authHeader{}, fmt.Errorf("%w: missing parameter", errAuthMalformed)
	}
	return h, nil
}

// isLowerHex accepts what hex.EncodeToString produces, so each value has one spelling and
// the nonce cache cannot be dodged by changing case.
func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func signature(secret security.Secret, method, requestURI string, ts int64, nonce string) []byte {
	mac := hmac.New(sha256.New, secret.Reveal())
	fmt.Fprintf(mac, "%s\n%s\n%d\n%s", method, requestURI, ts, nonce)
	return mac.Sum(nil)
}

// authorization returns a fresh Authorization header value for one request.
func authorization(secret security.Secret, method, requestURI string, now time.Time) (string, error) {
	nb := make([]byte, nonceBytes)
	if _, err := rand.Read(nb); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	nonce := hex.EncodeToString(nb)
	ts := now.Unix()
	sig := signature(secret, method, requestURI, ts, nonce)
	return fmt.Sprintf("%s ts=%d,nonce=%s,sig=%s", authScheme, ts, nonce, hex.EncodeToString(sig)), nil
}

// verifier checks Authorization headers: syntax, clock skew, signature, then replay.
type verifier struct {
	secret security.Secret
	nonces *nonceCache
}

func (v *verifier) verify(method, requestURI, header string, now time.Time) error {
	if v.secret.Len() < MinSecretBytes {
		return errAuthNoSecret
	}
	h, err := parseAuthHeader(header)
	if err != nil {
		return err
	}
	if d := now.Sub(time.Unix(h.ts, 0)); d > MaxClockSkew || d < -MaxClockSkew {
		return errAuthSkew
	}
	if !hmac.Equal(h.sig, signature(v.secret, method, requestURI, h.ts, h.nonce)) {
		return errAuthSignature
	}
	if !v.nonces.add(h.nonce, h.ts, now) {
		return errAuthReplay
	}
	return nil
}

// nonceCache remembers the nonces of accepted requests while their ts is inside the skew
// window; after that the skew check alone rejects a replay. When the cache is full it forgets
// the oldest entry and raises floor to that entry's ts: from then on a request must be newer
// than every forgotten one, so forgetting never opens a replay (at worst it refuses a
// legitimate request from a lagging clock while the AM is flooded).
type nonceCache struct {
	mu    sync.Mutex
	max   int
	seen  map[string]*list.Element
	order *list.List // of nonceEntry, oldest first
	floor int64
}

type nonceEntry struct {
	nonce string
	ts    int64
}

func newNonceCache(max int) *nonceCache {
	return &nonceCache{max: max, seen: map[string]*list.Element{}, order: list.New()}
}

// add records nonce and reports whether it was new (and newer than the floor).
func (c *nonceCache) add(nonce string, ts int64, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ts <= c.floor {
		return false
	}
	if _, dup := c.seen[nonce]; dup {
		return false
	}
	// Entries are roughly in ts order; dropping expired ones from the front is enough to keep
	// the cache small in steady state.
	expired := now.Add(-MaxClockSkew).Unix()
	for e := c.order.Front(); e != nil && e.Value.(nonceEntry).ts < expired; e = c.order.Front() {
		c.remove(e)
	}
	for c.order.Len() >= c.max {
		e := c.order.Front()
		c.floor = max(c.floor, e.Value.(nonceEntry).ts)
		c.remove(e)
	}
	c.seen[nonce] = c.order.PushBack(nonceEntry{nonce, ts})
	return true
}

func (c *nonceCache) remove(e *list.Element) {
	delete(c.seen, e.Value.(nonceEntry).nonce)
	c.order.Remove(e)
}
