//go:build integration

package hdfsconn_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2"

	"github.com/orca-yarn/orca-yarn/hadoop/hdfsconn"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/hadoop/security/kerberos"
	"github.com/orca-yarn/orca-yarn/hadoop/tokens"
	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// These tests run against the Kerberized cluster (integration/cluster, SECURE=1) at its
// hadoop.rpc.protection and dfs.data.transfer.protection (privacy by default there), which is
// where colinmarc/hdfs v2.4.0's own DataNode SASL loses bytes (colinmarc/hdfs#353).

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func login(t *testing.T, s *testenv.Secure, principal, keytab string) *kerberos.Client {
	t.Helper()
	if principal == "" || keytab == "" {
		t.Fatalf("the secure cluster's exports lack a keytab for this test (%q)", principal)
	}
	c, err := kerberos.Login(testCtx(t), kerberos.Options{Principal: principal, Keytab: keytab, KRB5Config: s.KRB5Config})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func connect(t *testing.T, s *testenv.Secure, opts hdfsconn.Options) *hdfs.Client {
	t.Helper()
	fs, err := hdfsconn.Connect(testCtx(t), s.Conf, opts)
	if err != nil {
		t.Fatalf("Connect: %v (fix: %s)", err, tokens.Fix(err))
	}
	t.Cleanup(func() { _ = fs.Close() })
	return fs
}

// roundTrip writes data to name and reads it back in several ways: whole, with small and odd
// buffers (reads served across the DataNode's SASL frames), and from an offset.
func roundTrip(t *testing.T, fs *hdfs.Client, name string, data []byte) {
	t.Helper()
	w, err := fs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatalf("write %s: %v", name, err)
	}
	if err := hdfsconn.CloseReplicated(testCtx(t), w); err != nil {
		t.Fatalf("close %s: %v", name, err)
	}
	whole, err := fs.ReadFile(name)
	if err != nil || !bytes.Equal(whole, data) {
		t.Fatalf("read %s back whole: %d of %d bytes, %v", name, len(whole), len(data), err)
	}
	for _, size := range []int{1, 7, 511, 512, 4096, 65537} {
		r, err := fs.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		buf := make([]byte, size)
		_, err = io.CopyBuffer(&got, struct{ io.Reader }{r}, buf)
		_ = r.Close()
		if err != nil || !bytes.Equal(got.Bytes(), data) {
			t.Fatalf("read %s with %d-byte reads: %d of %d bytes, %v", name, size, got.Len(), len(data), err)
		}
	}
	r, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	off := int64(len(data) / 3)
	tail := make([]byte, len(data)-int(off))
	if _, err := r.ReadAt(tail, off); err != nil || !bytes.Equal(tail, data[off:]) {
		t.Fatalf("ReadAt %d: %v", off, err)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// alice, from her keytab: write and read back files of several sizes (one spanning blocks'
// packets, one of a single byte) under her home, at the cluster's data protection.
func TestSecureConnectReadWrite(t *testing.T) {
	s := testenv.RequireSecure(t)
	alice := login(t, s, s.Principal, s.Keytab)
	fs := connect(t, s, hdfsconn.Options{Login: alice})
	dtp, _ := s.Conf.Get("dfs.data.transfer.protection")
	t.Logf("dfs.data.transfer.protection=%s", dtp)
	dir := fmt.Sprintf("/user/%s/.orca-hdfsconn-%d", alice.UserName(), time.Now().UnixNano())
	if err := fs.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fs.RemoveAll(dir) })
	for _, n := range []int{1, 1000, 3<<20 + 17} {
		roundTrip(t, fs, path.Join(dir, fmt.Sprintf("f%d", n)), randomBytes(n))
	}
	st, err := fs.Stat(dir)
	if err != nil || st.(*hdfs.FileInfo).Owner() != alice.UserName() {
		t.Fatalf("stat %s: %v (owner %v)", dir, err, st)
	}
}

// proxy (allowed by hadoop.proxyuser.proxy.*) acts as alice: her files are hers.
func TestSecureConnectProxyUser(t *testing.T) {
	s := testenv.RequireSecure(t)
	proxy := login(t, s, s.ProxyPrincipal, s.ProxyKeytab)
	user, _, _ := strings.Cut(s.Principal, "@")
	fs := connect(t, s, hdfsconn.Options{Login: proxy, ProxyUser: user})
	if fs.User() == user {
		t.Logf("colinmarc reports user %q", fs.User())
	}
	name := fmt.Sprintf("/user/%s/.orca-hdfsconn-proxy-%d", user, time.Now().UnixNano())
	t.Cleanup(func() { _ = fs.Remove(name) })
	roundTrip(t, fs, name, randomBytes(100_000))
	st, err := fs.Stat(name)
	if err != nil || st.(*hdfs.FileInfo).Owner() != user {
		t.Fatalf("stat %s: %v (owner %v), want owner %s", name, err, st, user)
	}
}

// bob may not impersonate: Connect fails with ErrImpersonation and the fix names
// hadoop.proxyuser.bob.
func TestSecureConnectImpersonationRefused(t *testing.T) {
	s := testenv.RequireSecure(t)
	bob := login(t, s, s.BobPrincipal, s.BobKeytab)
	user, _, _ := strings.Cut(s.Principal, "@")
	_, err := hdfsconn.Connect(testCtx(t), s.Conf, hdfsconn.Options{Login: bob, ProxyUser: user})
	if !errors.Is(err, tokens.ErrImpersonation) || !strings.Contains(tokens.Fix(err), "hadoop.proxyuser.bob.") {
		t.Fatalf("bob impersonating %s: %v (fix %q), want ErrImpersonation naming hadoop.proxyuser.bob", user, err, tokens.Fix(err))
	}
	t.Log(err)
}

// An AM or a container has no Kerberos, only the tokens the submitter fetched: with the HDFS
// delegation token alone, alice writes and reads back her files (TOKEN/DIGEST-MD5 to the
// NameNode at the cluster's QOP, block tokens to the DataNodes). A token whose password is
// wrong is refused at once (the NameNode's SaslException: access denied).
func TestSecureConnectWithTokensOnly(t *testing.T) {
	s := testenv.RequireSecure(t)
	alice := login(t, s, s.Principal, s.Keytab)
	creds, _, err := tokens.Fetch(testCtx(t), tokens.Options{Conf: s.Conf, Login: alice})
	if err != nil {
		t.Fatal(err)
	}
	user := alice.UserName()
	alice.Close()

	fs := connect(t, s, hdfsconn.Options{Tokens: creds})
	name := fmt.Sprintf("/user/%s/.orca-hdfsconn-token-%d", user, time.Now().UnixNano())
	t.Cleanup(func() { _ = fs.Remove(name) })
	roundTrip(t, fs, name, randomBytes(1<<20+3))
	st, err := fs.Stat(name)
	if err != nil || st.(*hdfs.FileInfo).Owner() != user {
		t.Fatalf("stat %s: %v (owner %v), want owner %s", name, err, st, user)
	}

	forged := security.NewCredentials()
	for alias, tok := range creds.Tokens {
		tok.Password = security.Secret("not the password")
		forged.Add(alias, tok)
	}
	_, err = hdfsconn.Connect(testCtx(t), s.Conf, hdfsconn.Options{Tokens: forged})
	if !errors.Is(err, ipc.ErrAccessDenied) {
		t.Fatalf("a forged token: %v, want access denied", err)
	}
	t.Log(err)
}

// Throughput of block data at the cluster's dfs.data.transfer.protection through our DataNode
// SASL (16 MiB per operation): go test -tags integration -run XXX -bench Secure ./hadoop/hdfsconn
func BenchmarkSecureWrite(b *testing.B) {
	fs, name, data := benchSetup(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		w, err := fs.Create(name)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			b.Fatal(err)
		}
		if err := hdfsconn.CloseReplicated(context.Background(), w); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = fs.Remove(name)
		b.StartTimer()
	}
}

func BenchmarkSecureRead(b *testing.B) {
	fs, name, data := benchSetup(b)
	w, err := fs.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		b.Fatal(err)
	}
	if err := hdfsconn.CloseReplicated(context.Background(), w); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r, err := fs.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(data)) {
			b.Fatalf("read %d: %v", n, err)
		}
		_ = r.Close()
	}
}

func benchSetup(b *testing.B) (*hdfs.Client, string, []byte) {
	s := testenv.RequireSecure(b)
	c, err := kerberos.Login(context.Background(), kerberos.Options{Principal: s.Principal, Keytab: s.Keytab, KRB5Config: s.KRB5Config})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	fs, err := hdfsconn.Connect(context.Background(), s.Conf, hdfsconn.Options{Login: c})
	if err != nil {
		b.Fatal(err)
	}
	name := fmt.Sprintf("/user/%s/.orca-hdfsconn-bench-%d", c.UserName(), time.Now().UnixNano())
	b.Cleanup(func() { _ = fs.Remove(name); _ = fs.Close() })
	return fs, name, randomBytes(16 << 20)
}
