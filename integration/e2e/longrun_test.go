//go:build integration

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// An application that outlives its delegation tokens' max lifetime (the secure cluster of
// `make test-long`: renew interval 30 s, max lifetime 2 min) keeps reading HDFS for 2.5 max
// lifetimes: with --keytab the AM fetches new tokens before the current ones stop working and
// every later process of the command (a fresh JVM per read here, as a new SparkSession would be)
// finds them in HADOOP_TOKEN_FILE_LOCATION. A read that fails fails the application.
func TestSecureLongRunningTokens(t *testing.T) {
	s := testenv.RequireSecure(t)
	maxLife, err := s.Conf.Duration("dfs.namenode.delegation.token.max-lifetime", 7*24*time.Hour, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if maxLife > 5*time.Minute {
		msg := fmt.Sprintf("token max lifetime is %s: run `make test-long` (a secure cluster with short token lifetimes)", maxLife)
		if os.Getenv("ORCA_REQUIRE_LONG") == "1" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPED: " + msg)
	}
	jars := os.Getenv("ORCA_HADOOP_LIB_DIR")
	if jars == "" {
		t.Fatal("ORCA_HADOOP_LIB_DIR (the Hadoop client jars, integration/cluster/cluster.sh jars) is unset")
	}
	kinitAs(t, s.Keytab, s.Principal)
	local := filepath.Join(t.TempDir(), "longrun-"+uniqueTag(t)+".txt")
	if err := os.WriteFile(local, []byte("still readable\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(orcaBin(t), "cache", "put", local).Output()
	if err != nil {
		t.Fatalf("cache put: %v", err)
	}
	file := strings.TrimSpace(string(out))
	runFor := maxLife * 5 / 2
	reads := int(runFor / (25 * time.Second)) // a read every 20 s plus a JVM start
	cmd := fmt.Sprintf(`for i in $(seq %d); do
  java -cp "$HADOOP_CONF_DIR:%s/*" org.apache.hadoop.fs.FsShell -cat %s 2>err.txt | sed "s/^/read $i: /" || { cat err.txt; exit 1; }
  grep -q . err.txt && grep -i 'token' err.txt | head -3
  sleep 20
done`, reads, jars, file)
	tag := uniqueTag(t)
	r := start(t, "submit", "--principal", s.Principal, "--keytab", s.Keytab, "--num-nodes", "1", "--memory", "1g",
		"--tag", tag, "--command", cmd)
	if code := r.wait(t, runFor+5*time.Minute); code != 0 {
		t.Fatalf("exit %d after running past the tokens' max lifetime\n%s", code, r)
	}
	if got := strings.Count(r.stdout.String(), "still readable"); got != reads {
		t.Fatalf("%d of %d reads succeeded\n%s", got, reads, r)
	}
}
