// Package testenv finds the real Hadoop cluster that integration tests run against and fails or
// skips loudly when there is none. `make test` starts the local cluster and sets what it needs.
package testenv

import (
	"os"
	"os/user"
	"testing"

	"github.com/colinmarc/hdfs/v2"
	"github.com/orca-yarn/orca-yarn/hadoop/conf"
)

// HowToRun is the sentence every skip and failure points at.
const HowToRun = "run `make test` (it starts a local real cluster), or `make cluster-up` and export the HADOOP_CONF_DIR it prints"

// Cluster is what an integration test knows about the cluster under test.
type Cluster struct {
	ConfDir string
	Conf    *conf.Config
	// RMWeb is the RM web/REST base URL, e.g. http://master.orca.test:8088.
	RMWeb string
	// User is the name the tests act as (HADOOP_USER_NAME, else the OS user).
	User string
}

// Require returns the cluster under test. Without HADOOP_CONF_DIR it skips, unless the run
// demands a cluster (ORCA_REQUIRE_CLUSTER=1, as `make test` sets, or CI=true): then it fails,
// so a CI run can never pass by skipping everything.
func Require(t testing.TB) *Cluster {
	t.Helper()
	dirs, err := conf.DirsFromEnv(os.Getenv)
	if err != nil {
		if os.Getenv("ORCA_REQUIRE_CLUSTER") == "1" || os.Getenv("CI") == "true" {
			t.Fatalf("a cluster is required but none is configured (%v): %s", err, HowToRun)
		}
		t.Skipf("no cluster (%v): %s", err, HowToRun)
	}
	c, err := conf.Load(dirs)
	if err != nil {
		t.Fatalf("load the cluster's configuration: %v", err)
	}
	web, err := c.RMAddresses(conf.RMWebapp)
	if err != nil || len(web) == 0 {
		t.Fatalf("RM web address: %v", err)
	}
	scheme, err := c.RMWebScheme()
	if err != nil {
		t.Fatalf("RM web scheme: %v", err)
	}
	return &Cluster{ConfDir: os.Getenv("HADOOP_CONF_DIR"), Conf: c, RMWeb: scheme + "://" + web[0].Addr, User: currentUser(t)}
}

func currentUser(t testing.TB) string {
	if u := os.Getenv("HADOOP_USER_NAME"); u != "" {
		return u
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("current user: %v", err)
	}
	return u.Username
}

// HDFS returns a client of the cluster's HDFS acting as the test user.
func (c *Cluster) HDFS(t testing.TB) *hdfs.Client {
	t.Helper()
	ns, err := c.Conf.NameNodes()
	if err != nil {
		t.Fatal(err)
	}
	addrs := make([]string, 0, len(ns.NameNodes))
	for _, nn := range ns.NameNodes {
		addrs = append(addrs, nn.Addr)
	}
	useHostname, err := c.Conf.Bool("dfs.client.use.datanode.hostname", false)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := hdfs.NewClient(hdfs.ClientOptions{Addresses: addrs, User: c.User, UseDatanodeHostname: useHostname})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fs.Close() })
	return fs
}
