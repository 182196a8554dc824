//go:build javagen

package sasl

// Regenerates testdata/digestmd5_java.json by running our client against
// the JDK's DIGEST-MD5 server (testdata/javagen/DigestServer.java):
//
//	go test -tags javagen -run TestGenerateJavaFixtures ./hadoop/ipc/sasl/
//
// Needs javac and java 17+. Java checks every message we wrap (unwrap must
// return the plain text) and wraps a reply we later replay in
// TestDigestMD5JavaFixtures, so the committed file proves both directions.

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateJavaFixtures(t *testing.T) {
	classes := t.TempDir()
	out, err := exec.Command("javac", "-d", classes, "testdata/javagen/DigestServer.java").CombinedOutput()
	if err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	var fixtures []javaFixture
	for _, c := range []struct{ qop, cipher string }{
		{"auth", ""}, {"auth-int", ""},
		{"auth-conf", "3des"}, {"auth-conf", "rc4"}, {"auth-conf", "des"},
		{"auth-conf", "rc4-56"}, {"auth-conf", "rc4-40"},
	} {
		fixtures = append(fixtures, runJavaServer(t, classes, c.qop, c.cipher))
	}
	b, err := json.MarshalIndent(fixtures, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "digestmd5_java.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runJavaServer(t *testing.T, classes, qop, cipher string) javaFixture {
	t.Helper()
	f := javaFixture{
		Name:     strings.TrimSuffix(qop+"/"+cipher, "/"),
		Username: fixtureUsername, Password: fixturePassword,
		QOP: qop, Cipher: cipher,
		CNonce: "orcaYarnFixtureCnonce+" + qop + cipher,
	}
	// The server offers every QOP up to the one under test, so the client's
	// preference decides, as on a real cluster.
	offer := map[string]string{"auth": "auth", "auth-int": "auth-int,auth", "auth-conf": "auth-conf,auth-int,auth"}[qop]
	cmd := exec.Command("java", "-cp", classes, "DigestServer", offer, fixtureUsername, fixturePassword)
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	r := bufio.NewScanner(stdout)
	r.Buffer(nil, 1<<20)
	read := func(tag string) []string {
		if !r.Scan() {
			t.Fatalf("%s: java exited: %v", f.Name, r.Err())
		}
		fs := strings.Fields(r.Text())
		if fs[0] != tag {
			t.Fatalf("%s: java said %q, want %s", f.Name, r.Text(), tag)
		}
		return fs[1:]
	}
	ch := mustHex(t, read("CHALLENGE")[0])
	f.Challenge = string(ch)
	var ciphers []string
	if cipher != "" {
		ciphers = []string{cipher}
	}
	d := NewDigestMD5(DigestMD5Config{
		Username: fixtureUsername, Password: fixturePassword, ServerID: "default",
		QOPs: []QOP{QOP(qop)}, Ciphers: ciphers, CNonce: f.CNonce,
	})
	resp, err := d.Step(context.Background(), ch)
	if err != nil {
		t.Fatal(err)
	}
	f.Response = string(resp)
	fmt.Fprintf(stdin, "RESPONSE %x\n", resp)
	fs := read("RSPAUTH")
	f.Rspauth = string(mustHex(t, fs[0]))
	strength := map[string]string{"3des": "high", "rc4": "high", "des": "medium", "rc4-56": "medium", "rc4-40": "low"}[cipher]
	if fs[1] != qop || (cipher != "" && fs[2] != strength) {
		t.Fatalf("%s: java negotiated %v", f.Name, fs[1:])
	}
	if _, err := d.Step(context.Background(), []byte(f.Rspauth)); err != nil {
		t.Fatal(err)
	}
	_, layer := d.Negotiated()
	if layer == nil {
		return f
	}
	for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 100, 1000} {
		plain := make([]byte, n)
		for i := range plain {
			plain[i] = byte(i*31 + n)
		}
		wrapped, err := layer.Wrap(plain)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(stdin, "WRAP %x %x\n", plain, wrapped)
		fs := read("REPLY")
		m := javaMessage{ClientPlain: hex.EncodeToString(plain), ClientWrapped: hex.EncodeToString(wrapped), ServerPlain: fs[0], ServerWrapped: fs[1]}
		got, err := layer.Unwrap(mustHex(t, m.ServerWrapped))
		if err != nil || hex.EncodeToString(got) != m.ServerPlain {
			t.Fatalf("%s: unwrap of Java's reply: %v", f.Name, err)
		}
		f.Messages = append(f.Messages, m)
	}
	fmt.Fprintln(stdin, "END")
	return f
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
