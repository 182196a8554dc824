package amapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/security"
)

func TestParseAuthHeader(t *testing.T) {
	sig := strings.Repeat("ab", 32)
	nonce := "0123456789abcdef"
	good := fmt.Sprintf("Orca-HMAC ts=1700000000,nonce=%s,sig=%s", nonce, sig)
	h, err := parseAuthHeader(good)
	if err != nil || h.ts != 1700000000 || h.nonce != nonce || len(h.sig) != 32 {
		t.Fatalf("parse %q: %+v, %v", good, h, err)
	}
	for _, ok := range []string{
		fmt.Sprintf("orca-hmac sig=%s, nonce=%s , ts=1", sig, nonce),
		"  " + good + "  ",
	} {
		if _, err := parseAuthHeader(ok); err != nil {
			t.Errorf("parse %q: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"",
		"Basic dXNlcjpwYXNz",
		"Orca-HMAC",
		"Orca-HMAC ts=1,nonce=" + nonce,
		"Orca-HMAC ts=1,nonce=" + nonce + ",sig=" + sig + ",ts=2",
		"Orca-HMAC ts=1,nonce=" + nonce + ",sig=" + sig + ",extra=1",
		"Orca-HMAC ts=-1,nonce=" + nonce + ",sig=" + sig,
		"Orca-HMAC ts=+1,nonce=" + nonce + ",sig=" + sig,
		"Orca-HMAC ts=99999999999999999999,nonce=" + nonce + ",sig=" + sig,
		"Orca-HMAC ts=1,nonce=0123,sig=" + sig,
		"Orca-HMAC ts=1,nonce=" + strings.ToUpper("abcdefabcdefabcdef") + ",sig=" + sig,
		"Orca-HMAC ts=1,nonce=" + nonce + ",sig=" + sig[:62],
		"Orca-HMAC ts=1,nonce=" + nonce + ",sig=" + strings.Repeat("zz", 32),
		"Orca-HMAC ts=1;nonce=" + nonce + ";sig=" + sig,
	} {
		if _, err := parseAuthHeader(bad); err == nil {
			t.Errorf("parse %q: accepted", bad)
		}
	}
}

// rawRequest sends a request with exactly the given Authorization header ("" for none).
func rawRequest(t *testing.T, env *testEnv, method, path, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, env.srv.URL+path, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func mustAuth(t *testing.T, secret security.Secret, method, uri string, at time.Time) string {
	t.Helper()
	a, err := authorization(secret, method, uri, at)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAuthOverHTTP(t *testing.T) {
	env := newTestEnv(t, 1)
	now := time.Now()
	replayed := mustAuth(t, testSecret, "POST", "/v1/lease", now)
	for _, tc := range []struct {
		name, method, path, auth string
		want                     int
	}{
		{"valid", "POST", "/v1/lease", mustAuth(t, testSecret, "POST", "/v1/lease", now), 200},
		{"first use", "POST", "/v1/lease", replayed, 200},
		{"replay", "POST", "/v1/lease", replayed, 401},
		{"missing", "POST", "/v1/lease", "", 401},
		{"other scheme", "POST", "/v1/lease", "Bearer abc", 401},
		{"wrong secret", "POST", "/v1/lease", mustAuth(t, security.Secret("another-secret-of-16+"), "POST", "/v1/lease", now), 401},
		{"other path", "POST", "/v1/stop", mustAuth(t, testSecret, "POST", "/v1/lease", now), 401},
		{"other method", "GET", "/v1/lines/ack?container=c", mustAuth(t, testSecret, "POST", "/v1/lines/ack?container=c", now), 401},
		{"other query", "GET", "/v1/lines/ack?container=c2", mustAuth(t, testSecret, "GET", "/v1/lines/ack?container=c", now), 401},
		{"too old", "POST", "/v1/lease", mustAuth(t, testSecret, "POST", "/v1/lease", now.Add(-MaxClockSkew-time.Minute)), 401},
		{"from the future", "POST", "/v1/lease", mustAuth(t, testSecret, "POST", "/v1/lease", now.Add(MaxClockSkew+time.Minute)), 401},
		{"skewed but inside", "POST", "/v1/lease", mustAuth(t, testSecret, "POST", "/v1/lease", now.Add(-MaxClockSkew+time.Minute)), 200},
		{"status needs none", "GET", "/v1/status", "", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := rawRequest(t, env, tc.method, tc.path, tc.auth)
			if code != tc.want {
				t.Fatalf("got %d %s, want %d", code, body, tc.want)
			}
			if code == 401 && strings.TrimSpace(body) != `{"error":"unauthorized"}` {
				t.Fatalf("401 body says more than it should: %s", body)
			}
		})
	}
	env.backend.mu.Lock()
	leases := env.backend.leases
	env.backend.mu.Unlock()
	if leases != 3 {
		t.Fatalf("backend saw %d lease renewals, want 3 (only the accepted requests)", leases)
	}
	log := env.log.String()
	for _, reason := range []string{errAuthReplay.Error(), errAuthSkew.Error(), errAuthSignature.Error(), errAuthMissing.Error()} {
		if !strings.Contains(log, reason) {
			t.Errorf("AM log does not say %q:\n%s", reason, log)
		}
	}
	if strings.Contains(log, string(testSecret.Reveal())) {
		t.Fatal("the secret is in the AM log")
	}
}

func TestClientUnauthorized(t *testing.T) {
	env := newTestEnv(t, 1)
	c := NewClient(env.srv.URL, security.Secret("not-the-app-secret!"), nil)
	err := c.RenewLease(context.Background())
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "POST /v1/lease") {
		t.Fatalf("got %v, want ErrUnauthorized naming the endpoint", err)
	}
	if strings.Contains(fmt.Sprintf("%v %+v", c, err), "not-the-app-secret") {
		t.Fatal("the secret printed itself")
	}
}

func TestShortSecretRefusesEverything(t *testing.T) {
	short := security.Secret("short")
	buf := &syncBuffer{}
	srv := newServerForTest(t, short, buf)
	c := NewClient(srv, short, nil)
	if err := c.RenewLease(context.Background()); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("short secret: got %v, want ErrUnauthorized", err)
	}
	if !strings.Contains(buf.String(), "at least 16") {
		t.Fatalf("no complaint about the short secret in the log:\n%s", buf)
	}
}

func TestNonceCache(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := newNonceCache(2)
	if !c.add("a", now.Unix(), now) || c.add("a", now.Unix(), now) {
		t.Fatal("first use refused or replay accepted")
	}
	if !c.add("b", now.Unix()+1, now) || !c.add("c", now.Unix()+2, now) {
		t.Fatal("fresh nonces refused")
	}
	// "a" was forgotten to make room; the floor now refuses its ts, so it cannot be replayed.
	if c.add("a", now.Unix(), now) {
		t.Fatal("replay of an evicted nonce accepted")
	}
	if c.order.Len() != 2 || len(c.seen) != 2 {
		t.Fatalf("cache holds %d/%d entries, bound 2", c.order.Len(), len(c.seen))
	}
	// Entries whose ts left the skew window are dropped without raising the floor.
	later := now.Add(2 * MaxClockSkew)
	if !c.add("d", later.Unix(), later) || c.floor != now.Unix() {
		t.Fatalf("expiry: floor %d", c.floor)
	}
	if c.order.Len() != 1 {
		t.Fatalf("expired entries kept: %d", c.order.Len())
	}
}
