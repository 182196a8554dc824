//go:build javainterop

package ipc

// Interop with a real Hadoop IPC server (org.apache.hadoop.ipc.Server from
// the Hadoop 3.4.3 jars, see testdata/javaserver/HadoopTestServer.java),
// for each hadoop.rpc.protection:
//
//	go test -tags javainterop -run TestJavaInterop -v ./hadoop/ipc/
//
// Needs java/javac 17+ and the jars in .cache/hadoop-3.4.3/lib (the test
// cluster's download); it fails, not skips, when they are missing, since
// the tag says you asked for it.

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

const haProtocol = "org.apache.hadoop.ha.HAServiceProtocol"

type javaServer struct {
	addr           string
	token, expired Token
}

func startJavaServer(t *testing.T, args ...string) javaServer {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// The jars the local cluster harness fetched (integration/cluster/lib.sh uses the same variable).
	lib := os.Getenv("ORCA_HADOOP_LIB_DIR")
	if lib == "" {
		lib = filepath.Join(root, ".cache", "hadoop-3.4.3", "lib")
	}
	if _, err := os.Stat(lib); err != nil {
		t.Fatalf("Hadoop jars missing: %v", err)
	}
	classes := t.TempDir()
	cp := filepath.Join(lib, "*")
	if out, err := exec.Command("javac", "-d", classes, "-cp", cp, "testdata/javaserver/HadoopTestServer.java").CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	cmd := exec.Command("java", "-Dlog4j.configuration=file:testdata/javaserver/log4j.properties",
		"-cp", classes+string(os.PathListSeparator)+cp, "HadoopTestServer")
	cmd.Args = append(cmd.Args, args...)
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	var s javaServer
	sc := bufio.NewScanner(stdout)
	tok := func(f []string) Token {
		id, _ := hex.DecodeString(f[1])
		pw, _ := hex.DecodeString(f[2])
		return Token{Identifier: id, Password: pw, Kind: "ORCA_TEST_TOKEN"}
	}
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch f[0] {
		case "PORT":
			s.addr = "127.0.0.1:" + f[1]
		case "TOKEN":
			s.token = tok(f)
		case "EXPIRED":
			s.expired = tok(f)
		case "READY":
			return s
		}
	}
	t.Fatalf("java server did not start: %v", sc.Err())
	return s
}

// rawMessage is a proto.Message whose encoding is b (as unknown fields);
// it stands in for HAServiceProtocol's messages, which we do not generate.
func rawMessage(b []byte) proto.Message {
	m := &emptypb.Empty{}
	m.ProtoReflect().SetUnknown(b)
	return m
}

// notReadyReason extracts field 3 of GetServiceStatusResponseProto.
func notReadyReason(m proto.Message) string {
	b := m.ProtoReflect().GetUnknown()
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		b = b[n:]
		if num == 3 && typ == protowire.BytesType {
			v, _ := protowire.ConsumeBytes(b)
			return string(v)
		}
		b = b[protowire.ConsumeFieldValue(num, typ, b):]
	}
	return ""
}

// A SIMPLE client at a TOKEN-only server (like the RM scheduler port) gets
// the server's refusal, not a bare connection reset.
func TestJavaInteropTokenOnly(t *testing.T) {
	srv := startJavaServer(t, "authentication", "token-only")
	for range 5 {
		c, err := NewClient(ClientOptions{Addr: srv.addr, Protocol: haProtocol, User: UserInfo{Effective: "alice"}})
		if err != nil {
			t.Fatal(err)
		}
		err = c.Call(testContext(t), "getServiceStatus", rawMessage(nil), &emptypb.Empty{})
		c.Close()
		if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "SIMPLE authentication is not enabled") {
			t.Fatalf("err = %v", err)
		}
		t.Logf("SIMPLE at a TOKEN-only server: %v", err)
	}
	c, err := NewClient(ClientOptions{Addr: srv.addr, Protocol: haProtocol, Auth: TokenAuth(srv.token)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp := &emptypb.Empty{}
	if err := c.Call(testContext(t), "getServiceStatus", rawMessage(nil), resp); err != nil || !strings.HasPrefix(notReadyReason(resp), "appattempt_1_0001_000001") {
		t.Fatalf("token client: %q %v", notReadyReason(resp), err)
	}
}

func TestJavaInterop(t *testing.T) {
	for _, protection := range []string{"authentication", "integrity", "privacy"} {
		t.Run(protection, func(t *testing.T) {
			srv := startJavaServer(t, protection)
			client := func(t *testing.T, o ClientOptions) *Client {
				o.Addr, o.Protocol = srv.addr, haProtocol
				c, err := NewClient(o)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			}
			status := func(t *testing.T, c *Client) (string, error) {
				resp := &emptypb.Empty{}
				err := c.Call(testContext(t), "getServiceStatus", rawMessage(nil), resp)
				return notReadyReason(resp), err
			}
			t.Run("simple", func(t *testing.T) {
				got, err := status(t, client(t, ClientOptions{User: UserInfo{Effective: "alice"}}))
				if err != nil || got != "alice (auth:SIMPLE) SIMPLE" {
					t.Fatalf("%q, %v", got, err)
				}
			})
			t.Run("proxy user", func(t *testing.T) {
				got, err := status(t, client(t, ClientOptions{User: UserInfo{Effective: "bob", Real: "oozie"}}))
				if err != nil || got != "bob (auth:PROXY) via oozie (auth:SIMPLE) PROXY" {
					t.Fatalf("%q, %v", got, err)
				}
				_, err = status(t, client(t, ClientOptions{User: UserInfo{Effective: "bob", Real: "mallory"}}))
				var re *RemoteError
				if !errors.As(err, &re) || !re.Fatal || !errors.Is(err, ErrAccessDenied) {
					t.Fatalf("impersonation by mallory: %v", err)
				}
				t.Logf("refused proxy: %v", err)
			})
			t.Run("SIMPLE chosen from the SASL offer", func(t *testing.T) {
				// The server offers [TOKEN, SIMPLE]; a Kerberos client allowed to
				// fall back picks SIMPLE with an INITIATE that gets no reply.
				got, err := status(t, client(t, ClientOptions{Auth: KerberosAuth(&fakeGSS{}), AllowSimpleFallback: true,
					User: UserInfo{Effective: "alice@EXAMPLE.COM"}}))
				if err != nil || got != "alice@EXAMPLE.COM (auth:SIMPLE) SIMPLE" {
					t.Fatalf("%q, %v", got, err)
				}
			})
			t.Run("token", func(t *testing.T) {
				got, err := status(t, client(t, ClientOptions{Auth: TokenAuth(srv.token)}))
				if err != nil || got != "appattempt_1_0001_000001 (auth:TOKEN) TOKEN" {
					t.Fatalf("%q, %v", got, err)
				}
			})
			t.Run("expired token", func(t *testing.T) {
				_, err := status(t, client(t, ClientOptions{Auth: TokenAuth(srv.expired)}))
				if !errors.Is(err, ErrInvalidToken) || !errors.Is(err, ErrAccessDenied) || errors.Is(err, ErrRetryable) {
					t.Fatalf("err = %v", err)
				}
				t.Logf("expired token: %v", err)
			})
			t.Run("wrong password", func(t *testing.T) {
				bad := srv.token
				bad.Password = []byte("not the password")
				_, err := status(t, client(t, ClientOptions{Auth: TokenAuth(bad)}))
				if !errors.Is(err, ErrAccessDenied) {
					t.Fatalf("err = %v", err)
				}
				t.Logf("wrong password: %v", err)
			})
			if protection != "authentication" {
				t.Run("qop mismatch", func(t *testing.T) {
					_, err := status(t, client(t, ClientOptions{Auth: TokenAuth(srv.token), QOP: []QOP{QOPAuth}}))
					if err == nil || !strings.Contains(err.Error(), "no common protection") {
						t.Fatalf("err = %v", err)
					}
				})
			}
			for _, auth := range []Auth{SimpleAuth(), TokenAuth(srv.token)} {
				t.Run("calls over "+auth.Method.String(), func(t *testing.T) {
					c := client(t, ClientOptions{Auth: auth, User: UserInfo{Effective: "alice"}, PingInterval: 50 * time.Millisecond})
					interopCalls(t, c)
				})
			}
		})
	}
}

// interopCalls exercises one connection: remote errors and their classes,
// unknown methods, 32 concurrent calls, a request bigger than the SASL
// buffer, a cancelled slow call, and pings while idle.
func interopCalls(t *testing.T, c *Client) {
	ctx := testContext(t)
	// TransitionTo*RequestProto{reqInfo{reqSource REQUEST_BY_USER}}
	transition := rawMessage([]byte{0x0a, 0x02, 0x08, 0x00})
	for _, tc := range []struct {
		method, class string
		kind          error
	}{
		{"transitionToActive", "org.apache.hadoop.security.AccessControlException", ErrAccessDenied},
		{"transitionToStandby", "org.apache.hadoop.ipc.StandbyException", ErrStandby},
		{"transitionToObserver", "org.apache.hadoop.ipc.RetriableException", ErrRetryable},
	} {
		err := c.Call(ctx, tc.method, transition, &emptypb.Empty{})
		var re *RemoteError
		if !errors.As(err, &re) || re.Class != tc.class || re.Fatal || re.Method != tc.method || !errors.Is(err, tc.kind) {
			t.Errorf("%s: err = %v", tc.method, err)
		}
	}
	err := c.Call(ctx, "noSuchMethod", rawMessage(nil), &emptypb.Empty{})
	var re *RemoteError
	if !errors.As(err, &re) || re.Code != commonpb.RpcResponseHeaderProto_ERROR_NO_SUCH_METHOD {
		t.Errorf("unknown method: %v", err)
	}

	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := &emptypb.Empty{}
			if err := c.Call(ctx, "getServiceStatus", rawMessage(nil), resp); err != nil || notReadyReason(resp) == "" {
				t.Errorf("concurrent call: %v", err)
			}
		}()
	}
	wg.Wait()

	// 300 KB of an unknown field: more than one SASL buffer (64 KiB).
	big := protowire.AppendBytes(protowire.AppendTag(nil, 15, protowire.BytesType), make([]byte, 300<<10))
	if err := c.Call(ctx, "getServiceStatus", rawMessage(big), &emptypb.Empty{}); err != nil {
		t.Errorf("big request: %v", err)
	}

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := c.Call(short, "monitorHealth", rawMessage(nil), &emptypb.Empty{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow call: err = %v", err)
	}
	time.Sleep(2500 * time.Millisecond) // the late reply arrives and pings go out
	resp := &emptypb.Empty{}
	if err := c.Call(ctx, "getServiceStatus", rawMessage(nil), resp); err != nil || notReadyReason(resp) == "" {
		t.Errorf("after the late reply and pings: %v", err)
	}
}
