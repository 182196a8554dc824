//go:build integration

package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// kinitAs logs in to the test KDC into a ticket cache of this test only (KRB5CCNAME).
func kinitAs(t *testing.T, keytab, principal string) {
	t.Helper()
	cc := filepath.Join(t.TempDir(), "krb5cc")
	t.Setenv("KRB5CCNAME", "FILE:"+cc)
	if out, err := exec.Command("kinit", "-kt", keytab, principal).CombinedOutput(); err != nil {
		t.Fatalf("kinit %s: %v\n%s", principal, err, out)
	}
}

// The command gang on the Kerberized cluster (privacy QOP in make test): the ticket cache logs
// in, delegation tokens reach the AM and the containers, the application runs as the principal's
// user, and its logs are read back from HDFS with the same login after the end.
func TestSecureCommandGang(t *testing.T) {
	s := testenv.RequireSecure(t)
	kinitAs(t, s.Keytab, s.Principal)
	tag := uniqueTag(t)
	r := start(t, "submit", "--num-nodes", "2", "--memory", "256m", "--tag", tag, "--command",
		`echo "rank $ORCA_YARN_RANK user $HADOOP_USER_NAME"`)
	if code := r.wait(t, 5*time.Minute); code != 0 {
		t.Fatalf("exit %d\n%s", code, r)
	}
	for _, want := range []string{"rank 0 user " + s.User, "rank 1 user " + s.User} {
		if !strings.Contains(r.stdout.String(), want) {
			t.Fatalf("stdout lacks %q\n%s", want, r)
		}
	}
	id, _, final := appByTag(t, s.Cluster, tag)
	if final != "SUCCEEDED" {
		t.Fatalf("final status %s", final)
	}
	out := waitLogs(t, id, "rank 1 user "+s.User)
	if !strings.Contains(out, "rank 0 user "+s.User) {
		t.Fatalf("logs after the end:\n%s", out)
	}
	assertNoProcessesOf(t, id)
}

// A keytab login without any ticket cache, and a proxy user (proxy may impersonate alice).
func TestSecureKeytabAndProxyUser(t *testing.T) {
	s := testenv.RequireSecure(t)
	t.Setenv("KRB5CCNAME", "FILE:"+filepath.Join(t.TempDir(), "none"))
	tag := uniqueTag(t)
	r := start(t, "submit", "--principal", s.ProxyPrincipal, "--keytab", s.ProxyKeytab, "--proxy-user", s.User,
		"--num-nodes", "1", "--memory", "256m", "--tag", tag, "--command", `echo "as $HADOOP_USER_NAME"`)
	if code := r.wait(t, 5*time.Minute); code != 0 || !strings.Contains(r.stdout.String(), "as "+s.User) {
		t.Fatalf("exit %d\n%s", code, r)
	}
}

// Kerberos problems end quickly with exit 3 and a one-line fix; usage problems with exit 2.
func TestSecureLoginErrors(t *testing.T) {
	s := testenv.RequireSecure(t)
	cases := []struct {
		name string
		args []string
		code int
		fix  string
	}{
		{"no ticket", nil, 3, "kinit"},
		{"keytab of another principal", []string{"--principal", s.Principal, "--keytab", s.BobKeytab}, 3, "keytab"},
		{"impersonation refused", []string{"--principal", s.BobPrincipal, "--keytab", s.BobKeytab, "--proxy-user", s.User}, 3, "hadoop.proxyuser"},
		{"principal without keytab", []string{"--principal", s.Principal}, 2, "--keytab"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("KRB5CCNAME", "FILE:"+filepath.Join(t.TempDir(), "none"))
			args := append([]string{"submit", "--num-nodes", "1", "--memory", "256m"}, c.args...)
			r := start(t, append(args, "--command", "true")...)
			if code := r.wait(t, 2*time.Minute); code != c.code {
				t.Fatalf("exit %d, want %d\n%s", code, c.code, r)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr.String()), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, c.fix) {
				t.Fatalf("the last line does not name the fix %q: %q\n%s", c.fix, last, r)
			}
		})
	}
}

// The Ray program on the Kerberized cluster: the env is uploaded through SASL data transfer and
// the Ray cluster runs on delegation tokens only.
func TestSecureRayProgram(t *testing.T) {
	s := testenv.RequireSecure(t)
	kinitAs(t, s.Keytab, s.Principal)
	tag := uniqueTag(t)
	r := start(t, append(rayArgs(t, tag), testdata("ray_program.py"), "--", "3")...)
	if code := r.wait(t, 15*time.Minute); code != 0 || !strings.Contains(r.stdout.String(), "RAY-OK 3 nodes") {
		t.Fatalf("exit %d\n%s", code, r)
	}
	id, _, _ := appByTag(t, s.Cluster, tag)
	assertNoProcessesOf(t, id)
}

// Spark in the gang on the Kerberized cluster: its executors write and read HDFS with the
// application's delegation tokens (the containers have no Kerberos credentials of their own).
func TestSecureSparkInTheGangUsesHDFS(t *testing.T) {
	s := testenv.RequireSecure(t)
	kinitAs(t, s.Keytab, s.Principal)
	tag := uniqueTag(t)
	r := start(t, append(engineArgs(t, tag, "spark"), testdata("spark_hdfs_program.py"), "--", "/tmp/orca-gang-"+tag)...)
	if code := r.wait(t, 15*time.Minute); code != 0 || !strings.Contains(r.stdout.String(), "HDFS-OK 1000") {
		t.Fatalf("exit %d\n%s", code, r)
	}
	id, _, _ := appByTag(t, s.Cluster, tag)
	assertNoProcessesOf(t, id)
}

// waitLogs runs `orca-yarn logs ID` until its output holds want (aggregation finishes shortly
// after the application).
func waitLogs(t *testing.T, id, want string) string {
	t.Helper()
	var out []byte
	for range 60 {
		var err error
		out, err = exec.Command(orcaBin(t), "logs", id).CombinedOutput()
		if err == nil && strings.Contains(string(out), want) {
			return string(out)
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("orca-yarn logs %s never showed %q:\n%s", id, want, out)
	return ""
}
