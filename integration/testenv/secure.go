package testenv

import (
	"os"
	"strings"
	"testing"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
)

// HowToRunSecure is the sentence every skip of a secure-cluster test points at.
const HowToRunSecure = "start the Kerberized cluster with `integration/cluster/cluster.sh up` under SECURE=1 and " +
	"source its export lines (HADOOP_CONF_DIR or ORCA_SECURE_HADOOP_CONF_DIR, KRB5_CONFIG, ORCA_TEST_KEYTAB, ORCA_TEST_PRINCIPAL)"

// KDC is the test realm's KDC as integration/cluster/kdc.sh exports it.
type KDC struct {
	KRB5Config string // krb5.conf of the test realm (KRB5_CONFIG)
	Realm      string // ORCA_KRB5_REALM
	// The test user, who may not impersonate.
	Keytab, Principal string // ORCA_TEST_KEYTAB, ORCA_TEST_PRINCIPAL
	// A user allowed to impersonate anyone (hadoop.proxyuser.proxy.*), and one allowed nothing.
	ProxyKeytab, ProxyPrincipal string // ORCA_PROXY_KEYTAB, ORCA_PROXY_PRINCIPAL
	BobKeytab, BobPrincipal     string // ORCA_BOB_KEYTAB, ORCA_BOB_PRINCIPAL
	// A service principal (host/localhost) for tests that run their own Kerberos server.
	ServiceKeytab, ServicePrincipal string // ORCA_SERVICE_KEYTAB, ORCA_SERVICE_PRINCIPAL
}

// Secure is the Kerberized cluster under test and its KDC.
type Secure struct {
	*Cluster
	KDC
}

// RequireKDC returns the test KDC. Without its exports it skips, loudly, unless the run demands
// the secure cluster (ORCA_REQUIRE_SECURE=1): then it fails.
func RequireKDC(t testing.TB) KDC {
	t.Helper()
	k := KDC{
		KRB5Config: os.Getenv("KRB5_CONFIG"), Realm: os.Getenv("ORCA_KRB5_REALM"),
		Keytab: os.Getenv("ORCA_TEST_KEYTAB"), Principal: os.Getenv("ORCA_TEST_PRINCIPAL"),
		ProxyKeytab: os.Getenv("ORCA_PROXY_KEYTAB"), ProxyPrincipal: os.Getenv("ORCA_PROXY_PRINCIPAL"),
		BobKeytab: os.Getenv("ORCA_BOB_KEYTAB"), BobPrincipal: os.Getenv("ORCA_BOB_PRINCIPAL"),
		ServiceKeytab: os.Getenv("ORCA_SERVICE_KEYTAB"), ServicePrincipal: os.Getenv("ORCA_SERVICE_PRINCIPAL"),
	}
	if k.KRB5Config == "" || k.Keytab == "" || k.Principal == "" {
		skipOrFailSecure(t, "no test KDC (KRB5_CONFIG, ORCA_TEST_KEYTAB or ORCA_TEST_PRINCIPAL unset)")
	}
	for _, f := range []string{k.KRB5Config, k.Keytab} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("the test KDC's exports name a missing file: %v", err)
		}
	}
	return k
}

// RequireSecure returns the Kerberized cluster: its configuration from ORCA_SECURE_HADOOP_CONF_DIR,
// or from HADOOP_CONF_DIR when that one says hadoop.security.authentication=kerberos (a run with
// the secure cluster's exports sourced), and its KDC. It skips loudly without them, or fails when
// ORCA_REQUIRE_SECURE=1. The cluster's User is the test principal's short name.
func RequireSecure(t testing.TB) *Secure {
	t.Helper()
	dir := os.Getenv("ORCA_SECURE_HADOOP_CONF_DIR")
	if dir == "" {
		dir = os.Getenv("HADOOP_CONF_DIR")
	}
	if dir == "" {
		skipOrFailSecure(t, "no secure cluster configuration (ORCA_SECURE_HADOOP_CONF_DIR and HADOOP_CONF_DIR unset)")
	}
	dirs, err := conf.DirsFromEnv(func(k string) string {
		switch k {
		case "HADOOP_CONF_DIR":
			return dir
		case "YARN_CONF_DIR":
			return "" // the secure cluster keeps all its files in one directory
		}
		return os.Getenv(k)
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := conf.Load(dirs)
	if err != nil {
		t.Fatalf("load the secure cluster's configuration from %s: %v", dir, err)
	}
	if m, err := c.AuthMethod(); err != nil || m != conf.AuthKerberos {
		skipOrFailSecure(t, "the cluster at "+dir+" is not Kerberized (hadoop.security.authentication="+string(m)+")")
	}
	k := RequireKDC(t)
	web, err := c.RMAddresses(conf.RMWebapp)
	if err != nil || len(web) == 0 {
		t.Fatalf("secure RM web address: %v", err)
	}
	scheme, err := c.RMWebScheme()
	if err != nil {
		t.Fatalf("secure RM web scheme: %v", err)
	}
	user := k.Principal
	if i := strings.IndexAny(user, "/@"); i >= 0 {
		user = user[:i]
	}
	return &Secure{Cluster: &Cluster{ConfDir: dir, Conf: c, RMWeb: scheme + "://" + web[0].Addr, User: user}, KDC: k}
}

func skipOrFailSecure(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("ORCA_REQUIRE_SECURE") == "1" {
		t.Fatalf("the secure cluster is required (ORCA_REQUIRE_SECURE=1) but %s: %s", why, HowToRunSecure)
	}
	t.Skipf("SKIPPED, no secure cluster: %s: %s", why, HowToRunSecure)
}
