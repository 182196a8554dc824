//go:build integration

package tokens_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/hadoop/security/kerberos"
	"github.com/orca-yarn/orca-yarn/hadoop/tokens"
	"github.com/orca-yarn/orca-yarn/integration/testenv"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// These tests run against the Kerberized cluster (integration/cluster, SECURE=1): its NameNode
// and RM issue the tokens, then judge them on connections without Kerberos, at the cluster's
// hadoop.rpc.protection.

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
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

// expectedServices computes the services independently of the package: the NameNode's and RM's
// configured host resolved to its IPv4 address (the cluster is neither HDFS- nor RM-HA).
func expectedServices(t *testing.T, c *conf.Config) (hdfs, rm string) {
	t.Helper()
	ns, err := c.NameNodes()
	if err != nil || ns.HA() {
		t.Fatalf("the test cluster should have one NameNode: %v", err)
	}
	rms, err := c.RMAddresses(conf.RMClient)
	if err != nil || len(rms) != 1 {
		t.Fatalf("the test cluster should have one RM: %v", err)
	}
	resolve := func(hostPort string) string {
		host, port, _ := net.SplitHostPort(hostPort)
		ips, err := net.LookupIP(host)
		if err != nil {
			t.Fatal(err)
		}
		for _, ip := range ips {
			if v4 := ip.To4(); v4 != nil {
				return v4.String() + ":" + port
			}
		}
		t.Fatalf("%s has no IPv4 address", host)
		return ""
	}
	return resolve(ns.NameNodes[0].Addr), resolve(rms[0].Addr)
}

func qop(t *testing.T, c *conf.Config) []ipc.QOP {
	t.Helper()
	prot, err := c.RPCProtection()
	if err != nil {
		t.Fatal(err)
	}
	var out []ipc.QOP
	for _, p := range prot {
		out = append(out, ipc.QOP(p))
	}
	return out
}

func fetch(t *testing.T, s *testenv.Secure, c *kerberos.Client, proxy string) (*security.Credentials, tokens.Info) {
	t.Helper()
	creds, info, err := tokens.Fetch(testCtx(t), tokens.Options{Conf: s.Conf, Login: c, ProxyUser: proxy})
	if err != nil {
		t.Fatalf("Fetch: %v (fix: %s)", err, tokens.Fix(err))
	}
	t.Logf("tokens:\n%s", info)
	return creds, info
}

// checkTokens: one HDFS and one RM token with Hadoop's services, renewable by the RM (short
// name yarn, the cluster's auth_to_local for rm/), owned by owner (impersonated by realUser).
func checkTokens(t *testing.T, s *testenv.Secure, creds *security.Credentials, info tokens.Info, owner, realUser string) {
	t.Helper()
	hdfsService, rmService := expectedServices(t, s.Conf)
	if len(creds.Tokens) != 2 || len(info.Tokens) != 2 {
		t.Fatalf("want 2 tokens, got %d (%v)", len(creds.Tokens), info)
	}
	want := map[string]string{tokens.KindHDFS: hdfsService, tokens.KindRM: rmService}
	for _, ti := range info.Tokens {
		if ti.Service != want[ti.Kind] || ti.Alias != ti.Service {
			t.Errorf("%s: service %q alias %q, want %q", ti.Kind, ti.Service, ti.Alias, want[ti.Kind])
		}
		if !ti.Decoded || ti.Renewer != "yarn" || ti.Owner != owner || ti.RealUser != realUser {
			t.Errorf("%s: decoded=%v owner=%q realUser=%q renewer=%q, want owner %q realUser %q renewer yarn",
				ti.Kind, ti.Decoded, ti.Owner, ti.RealUser, ti.Renewer, owner, realUser)
		}
		if !ti.MaxDate.After(time.Now()) || ti.IssueDate.After(time.Now().Add(time.Minute)) {
			t.Errorf("%s: issued %v, max %v", ti.Kind, ti.IssueDate, ti.MaxDate)
		}
		if strings.Contains(ti.String(), "Password") {
			t.Errorf("Info shows more than it should: %s", ti)
		}
	}
	// The credentials survive the HDTS file format the AM's launch context carries.
	b, err := creds.Marshal(security.FormatWritable)
	if err != nil {
		t.Fatal(err)
	}
	back, err := security.Unmarshal(b)
	if err != nil || len(back.Tokens) != 2 {
		t.Fatalf("HDTS round trip: %v", err)
	}
}

// Alice logs in from her keytab and fetches; then, with no Kerberos at all, her tokens list the
// RM's nodes (ApplicationClientProtocol over TOKEN/DIGEST-MD5) and stat her HDFS home
// (ClientProtocol.getFileInfo over TOKEN/DIGEST-MD5), as the AM and the containers will.
func TestFetchThenUseTokensWithoutKerberos(t *testing.T) {
	s := testenv.RequireSecure(t)
	alice := login(t, s, s.Principal, s.Keytab)
	creds, info := fetch(t, s, alice, "")
	checkTokens(t, s, creds, info, alice.Principal(), "")
	alice.Close() // from here on, tokens only
	if os.Getenv("ORCA_RECORD_FIXTURES") == "1" {
		// Identifiers only (owner, renewer, dates): never a password.
		for kind, file := range map[string]string{tokens.KindHDFS: "hdfs_dt.ident", tokens.KindRM: "rm_dt.ident"} {
			if err := os.WriteFile(filepath.Join("testdata", file), creds.TokensOfKind(kind)[0].Identifier, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	useRMToken(t, s, creds)
	owner, isDir := getFileInfo(t, s, creds, "/user/"+alice.UserName())
	if !isDir || owner != alice.UserName() {
		t.Fatalf("getFileInfo /user/%s with the HDFS token: owner %q dir %v", alice.UserName(), owner, isDir)
	}
}

// proxy may impersonate anyone (hadoop.proxyuser.proxy.*): its tokens are alice's, with proxy
// as the real user, and they work as alice's.
func TestFetchAsProxyUser(t *testing.T) {
	s := testenv.RequireSecure(t)
	proxy := login(t, s, s.ProxyPrincipal, s.ProxyKeytab)
	user, _, _ := strings.Cut(s.Principal, "@")
	creds, info := fetch(t, s, proxy, user)
	checkTokens(t, s, creds, info, user, proxy.Principal())
	useRMToken(t, s, creds)
	if owner, _ := getFileInfo(t, s, creds, "/user/"+user); owner != user {
		t.Fatalf("getFileInfo /user/%s as the impersonated user: owner %q", user, owner)
	}
}

// bob may not impersonate: Fetch fails at once with ErrImpersonation and a fix naming
// hadoop.proxyuser.bob.
func TestFetchImpersonationRefused(t *testing.T) {
	s := testenv.RequireSecure(t)
	bob := login(t, s, s.BobPrincipal, s.BobKeytab)
	user, _, _ := strings.Cut(s.Principal, "@")
	_, _, err := tokens.Fetch(testCtx(t), tokens.Options{Conf: s.Conf, Login: bob, ProxyUser: user})
	if !errors.Is(err, tokens.ErrImpersonation) {
		t.Fatalf("bob impersonating %s: %v, want ErrImpersonation", user, err)
	}
	if fix := tokens.Fix(err); !strings.Contains(fix, "hadoop.proxyuser.bob.hosts") || !strings.Contains(fix, "hadoop.proxyuser.bob.groups") {
		t.Fatalf("fix %q does not name hadoop.proxyuser.bob.*", fix)
	}
	t.Logf("%v", err)
}

// The renewer is right when the RM accepts an application carrying the tokens: the RM renews
// every token of the AM's launch context at submission and only then moves the application on
// (DelegationTokenRenewer → START); a token it cannot renew rejects the application at once.
// So the application reaching ACCEPTED proves the renewer, and a renewer other than the RM is
// rejected with "Failed to renew token".
func TestRMRenewsTheFetchedTokens(t *testing.T) {
	s := testenv.RequireSecure(t)
	alice := login(t, s, s.Principal, s.Keytab)
	rm := kerberosRM(t, s, alice)
	for _, c := range []struct {
		renewer string
		want    yarn.AppState
	}{
		{"", yarn.AppAccepted},              // the RM principal: short name yarn
		{alice.Principal(), yarn.AppFailed}, // alice cannot renew for the RM
	} {
		creds, info, err := tokens.Fetch(testCtx(t), tokens.Options{Conf: s.Conf, Login: alice, Renewer: c.renewer})
		if err != nil {
			t.Fatal(err)
		}
		hdts, err := creds.Marshal(security.FormatWritable)
		if err != nil {
			t.Fatal(err)
		}
		id, _, err := rm.NewApplication(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		testenv.SubmitAM(t, rm, id, &yarnpb.ContainerLaunchContextProto{Command: []string{"sleep", "60"}, Tokens: hdts}, map[string]string{})
		r := testenv.WaitState(t, rm, id, time.Minute, yarn.AppAccepted, yarn.AppRunning)
		if r.State != c.want {
			t.Fatalf("renewer %q (%s): application %s %s: %s", c.renewer, info.Tokens[0].Renewer, id, r.State, r.Diagnostics)
		}
		if c.want == yarn.AppFailed && !strings.Contains(r.Diagnostics, "renew") {
			t.Fatalf("renewer %q: failed for another reason: %s", c.renewer, r.Diagnostics)
		}
		t.Logf("renewer %q (stored %q): %s %s", c.renewer, info.Tokens[0].Renewer, r.State, firstLine(r.Diagnostics))
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// kerberosRM is alice's Kerberos client of the RM.
func kerberosRM(t *testing.T, s *testenv.Secure, c *kerberos.Client) *yarn.ApplicationClient {
	t.Helper()
	rms, err := s.Conf.RMAddresses(conf.RMClient)
	if err != nil {
		t.Fatal(err)
	}
	principal, err := s.Conf.RMPrincipal()
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for _, e := range rms {
		addrs = append(addrs, e.Addr)
	}
	conn, err := yarn.DialRM(yarn.RMOptions{Endpoints: addrs, Protocol: yarn.ApplicationClientProtocol,
		User: ipc.UserInfo{Effective: c.Principal()}, Auth: ipc.KerberosAuth(c.GSSAPI()), QOP: qop(t, s.Conf),
		ServerPrincipal: principal})
	if err != nil {
		t.Fatal(err)
	}
	rm := yarn.NewApplicationClient(conn)
	t.Cleanup(func() { _ = rm.Close() })
	return rm
}

// useRMToken lists the cluster's nodes with the RM delegation token alone.
func useRMToken(t *testing.T, s *testenv.Secure, creds *security.Credentials) {
	t.Helper()
	rmToks := creds.TokensOfKind(tokens.KindRM)
	rms, err := s.Conf.RMAddresses(conf.RMClient)
	if err != nil || len(rmToks) != 1 {
		t.Fatalf("RM token %d, addresses %v", len(rmToks), err)
	}
	var addrs []string
	for _, e := range rms {
		addrs = append(addrs, e.Addr)
	}
	conn, err := yarn.DialRM(yarn.RMOptions{Endpoints: addrs, Protocol: yarn.ApplicationClientProtocol,
		Auth: ipc.TokenAuth(yarn.IPCToken(rmToks[0].Proto())), QOP: qop(t, s.Conf), Rounds: 1})
	if err != nil {
		t.Fatal(err)
	}
	rm := yarn.NewApplicationClient(conn)
	defer rm.Close()
	nodes, err := rm.Nodes(testCtx(t))
	if err != nil || len(nodes) == 0 {
		t.Fatalf("getClusterNodes with the RM delegation token: %d nodes, %v", len(nodes), err)
	}
}

// getFileInfo calls ClientProtocol.getFileInfo with the HDFS delegation token alone.
// GetFileInfoRequestProto is {1: string src}, the wire form of wrapperspb.StringValue; the
// reply's HdfsFileStatusProto (field 1) is read by hand for fileType (1) and owner (5).
func getFileInfo(t *testing.T, s *testenv.Secure, creds *security.Credentials, path string) (owner string, isDir bool) {
	t.Helper()
	toks := creds.TokensOfKind(tokens.KindHDFS)
	ns, err := s.Conf.NameNodes()
	if err != nil || len(toks) != 1 {
		t.Fatalf("HDFS token %d, NameNodes %v", len(toks), err)
	}
	nn, err := ipc.NewClient(ipc.ClientOptions{Addr: ns.NameNodes[0].Addr, Protocol: yarn.ClientNamenodeProtocol,
		Auth: ipc.TokenAuth(yarn.IPCToken(toks[0].Proto())), QOP: qop(t, s.Conf)})
	if err != nil {
		t.Fatal(err)
	}
	defer nn.Close()
	resp := &emptypb.Empty{}
	if err := nn.Call(testCtx(t), "getFileInfo", wrapperspb.String(path), resp); err != nil {
		t.Fatalf("getFileInfo %s with the HDFS delegation token: %v", path, err)
	}
	status := field(t, resp.ProtoReflect().GetUnknown(), 1)
	if status == nil {
		t.Fatalf("getFileInfo %s: no such file", path)
	}
	fileType, _ := protowire.ConsumeVarint(field(t, status, 1))
	return string(field(t, status, 5)), fileType == 1 // HdfsFileStatusProto.FileType IS_DIR = 1
}

// field returns the raw value of the first occurrence of field num in b (bytes fields without
// their length prefix).
func field(t *testing.T, b []byte, num protowire.Number) []byte {
	t.Helper()
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			t.Fatalf("bad protobuf: %v", protowire.ParseError(l))
		}
		b = b[l:]
		vl := protowire.ConsumeFieldValue(n, typ, b)
		if vl < 0 {
			t.Fatalf("bad protobuf: %v", protowire.ParseError(vl))
		}
		if n == num {
			if typ == protowire.BytesType {
				v, _ := protowire.ConsumeBytes(b)
				return v
			}
			return b[:vl]
		}
		b = b[vl:]
	}
	return nil
}
