//go:build integration

package kerberos_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
	"github.com/orca-yarn/orca-yarn/hadoop/security/kerberos"
	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// Our initiator against the JDK's SASL GSSAPI acceptor (testdata/javagss),
// the code every Hadoop server runs for KERBEROS, with real tickets from the
// test KDC: the context, the layer negotiation and Wrap tokens in both
// directions at every QOP. The Hadoop servers are checked the same way in
// hadoop_integration_test.go; this one isolates the mechanism.
func TestJavaGSSAPIServer(t *testing.T) {
	kdc := testenv.RequireKDC(t)
	if kdc.ServiceKeytab == "" {
		t.Fatal("the KDC exports no service keytab (ORCA_SERVICE_KEYTAB)")
	}
	c, err := kerberos.Login(testCtx(t), kerberos.Options{Principal: kdc.Principal, Keytab: kdc.Keytab, KRB5Config: kdc.KRB5Config})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	classes := compileJava(t, "testdata/javagss/GssServer.java")
	for _, tc := range []struct {
		server string // the server's Sasl.QOP list
		client []sasl.QOP
		want   sasl.QOP
		subkey bool // the acceptor sends its own subkey in the AP-REP (not Java's default)
	}{
		{"auth-conf,auth-int,auth", nil, sasl.QOPPrivacy, false},
		{"auth-int", nil, sasl.QOPIntegrity, false},
		{"auth", nil, sasl.QOPAuth, false},
		{"auth,auth-int,auth-conf", []sasl.QOP{sasl.QOPIntegrity}, sasl.QOPIntegrity, false},
		{"auth-conf", nil, sasl.QOPPrivacy, true},
		{"auth-int", nil, sasl.QOPIntegrity, true},
	} {
		t.Run(fmt.Sprintf("%s/%v/subkey=%v", tc.server, tc.client, tc.subkey), func(t *testing.T) {
			conn := startGssServer(t, classes, kdc, tc.server, tc.subkey)
			defer conn.Close()
			target := sasl.GSSAPITarget{Service: "host", Host: "localhost"}
			rec := kerberos.NewRecordingMech(c.GSSAPI())
			gc, err := rec.NewContext(testCtx(t), target)
			if err != nil {
				t.Fatal(err)
			}
			m := sasl.NewGSSAPI(gc, tc.client)
			in := []byte(nil)
			for !m.Complete() {
				out, err := m.Step(testCtx(t), in)
				if err != nil {
					t.Fatal(err)
				}
				reply := exchange(t, conn, out)
				if reply[0] == 1 && !m.Complete() {
					t.Fatal("the server finished before the client")
				}
				in = reply[1:]
			}
			qop, layer := m.Negotiated()
			if got := string(readFrame(t, conn)); qop != tc.want || got != string(tc.want) {
				t.Fatalf("negotiated %s, the server says %s; want %s", qop, got, tc.want)
			}
			if layer == nil {
				return
			}
			for _, msg := range []string{"", "x", strings.Repeat("hadoop rpc ", 3000)} {
				w, err := layer.Wrap([]byte(msg))
				if err != nil {
					t.Fatal(err)
				}
				got, err := layer.Unwrap(exchange(t, conn, w))
				if err != nil || string(got) != "echo:"+msg {
					t.Fatalf("echo of %d bytes: %d bytes back, %v", len(msg), len(got), err)
				}
			}
			// ORCA_RECORD_FIXTURES=1 refreshes the unit tests' JDK token fixtures.
			if os.Getenv("ORCA_RECORD_FIXTURES") == "1" && tc.client == nil {
				rec.Last(t).SaveFixture(t, fmt.Sprintf("testdata/tokens-jdk-gssserver-%s-subkey-%v.json", tc.want, tc.subkey),
					"JDK "+runtimeJavaVersion(t)+" com.sun.security.sasl.gsskerb.GssKrb5Server, Sasl.QOP="+tc.server)
			}
		})
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func runtimeJavaVersion(t *testing.T) string {
	out, err := exec.Command("java", "-version").CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}

func compileJava(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("javac", "-d", dir, src).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	return dir
}

// startGssServer runs GssServer and connects to it.
func startGssServer(t *testing.T, classes string, kdc testenv.KDC, qops string, subkey bool) net.Conn {
	t.Helper()
	cmd := exec.Command("java", "-Djava.security.krb5.conf="+kdc.KRB5Config, fmt.Sprintf("-Dsun.security.krb5.acceptor.subkey=%v", subkey),
		"-cp", classes, "GssServer", kdc.ServiceKeytab, kdc.ServicePrincipal, qops)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("GssServer stderr:\n%s", stderr.String())
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("GssServer did not start: %v\n%s", err, stderr.String())
	}
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strings.TrimSpace(strings.TrimPrefix(line, "port ")), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	return conn
}

func exchange(t *testing.T, conn net.Conn, b []byte) []byte {
	t.Helper()
	if _, err := conn.Write(binary.BigEndian.AppendUint32(nil, uint32(len(b)))); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	return readFrame(t, conn)
}

func readFrame(t *testing.T, conn net.Conn) []byte {
	t.Helper()
	var n [4]byte
	if _, err := io.ReadFull(conn, n[:]); err != nil {
		t.Fatalf("read from GssServer: %v", err)
	}
	b := make([]byte, binary.BigEndian.Uint32(n[:]))
	if _, err := io.ReadFull(conn, b); err != nil {
		t.Fatal(err)
	}
	return b
}
