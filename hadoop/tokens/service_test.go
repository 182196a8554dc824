package tokens

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
)

// fakeResolver answers from a table; a host not in it does not resolve.
type fakeResolver map[string][]string

func (f fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	ips, ok := f[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []net.IPAddr
	for _, s := range ips {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	return out, nil
}

var hosts = fakeResolver{
	"nn.example.com":   {"10.0.0.5"},
	"nn2.example.com":  {"10.0.0.6"},
	"nn3.example.com":  {"10.0.0.7"},
	"rm1.example.com":  {"10.0.0.1"},
	"rm2.example.com":  {"10.0.0.2"},
	"v6.example.com":   {"fd00::5"},
	"dual.example.com": {"fd00::9", "10.0.0.9"},
}

// SecurityUtil.buildTokenService: ip:port by default, the JVM's IPv4 preference and Java's
// long IPv6 form; the lower-cased host with use_ip=false.
func TestBuildTokenService(t *testing.T) {
	cases := []struct {
		addr  string
		useIP bool
		want  string
	}{
		{"nn.example.com:8020", true, "10.0.0.5:8020"},
		{"v6.example.com:8020", true, "fd00:0:0:0:0:0:0:5:8020"},
		{"dual.example.com:9000", true, "10.0.0.9:9000"},
		{"10.1.2.3:8020", true, "10.1.2.3:8020"},
		{"[::1]:8020", true, "0:0:0:0:0:0:0:1:8020"},
		{"NN.Example.COM:8020", false, "nn.example.com:8020"},
		{"unknown.example.com:8020", false, "unknown.example.com:8020"},
	}
	for _, c := range cases {
		got, err := buildTokenService(context.Background(), hosts, c.addr, c.useIP)
		if err != nil || got != c.want {
			t.Errorf("buildTokenService(%q, use_ip=%v) = %q, %v; want %q", c.addr, c.useIP, got, err, c.want)
		}
	}
	for _, bad := range []string{"unknown.example.com:8020", "no-port"} {
		if got, err := buildTokenService(context.Background(), hosts, bad, true); err == nil {
			t.Errorf("buildTokenService(%q) = %q, want an error", bad, got)
		}
	}
}

func loadConf(t *testing.T, files map[string]string) *conf.Config {
	t.Helper()
	dir := t.TempDir()
	for name, props := range files {
		body := "<configuration>\n" + props + "</configuration>\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := conf.Load(conf.Dirs{Hadoop: dir, Getenv: func(string) string { return "" }, UserName: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func props(kv ...string) string {
	var b strings.Builder
	for i := 0; i < len(kv); i += 2 {
		fmt.Fprintf(&b, "<property><name>%s</name><value>%s</value></property>\n", kv[i], kv[i+1])
	}
	return b.String()
}

// The HDFS token services of every configured namespace, in fetch order, with the NameNodes
// each is fetched from.
func TestHDFSServices(t *testing.T) {
	cases := map[string]struct {
		core, hdfs string
		want       []string // service ← namenodes
	}{
		"one NameNode": {
			core: props("fs.defaultFS", "hdfs://nn.example.com:8020"),
			want: []string{"10.0.0.5:8020 ← nn.example.com:8020"},
		},
		"one NameNode, default port": {
			core: props("fs.defaultFS", "hdfs://nn.example.com"),
			want: []string{"10.0.0.5:8020 ← nn.example.com:8020"},
		},
		"HA nameservice": {
			core: props("fs.defaultFS", "hdfs://ns1"),
			hdfs: props("dfs.nameservices", "ns1", "dfs.ha.namenodes.ns1", "nn1,nn2",
				"dfs.namenode.rpc-address.ns1.nn1", "nn.example.com:8020",
				"dfs.namenode.rpc-address.ns1.nn2", "nn2.example.com:8020"),
			want: []string{"ha-hdfs:ns1 ← nn.example.com:8020,nn2.example.com:8020"},
		},
		"federation: HA default, a second HA and a plain one": {
			core: props("fs.defaultFS", "hdfs://ns1"),
			hdfs: props("dfs.nameservices", "ns1,ns2,ns3", "dfs.ha.namenodes.ns1", "nn1",
				"dfs.namenode.rpc-address.ns1.nn1", "nn.example.com:8020",
				"dfs.ha.namenodes.ns2", "a,b", "dfs.namenode.rpc-address.ns2.b", "nn2.example.com:9000",
				"dfs.namenode.rpc-address.ns3", "nn3.example.com"),
			want: []string{
				"ha-hdfs:ns1 ← nn.example.com:8020",
				"ha-hdfs:ns2 ← nn2.example.com:9000",
				"10.0.0.7:8020 ← nn3.example.com:8020",
			},
		},
		"a nameservice naming the default NameNode again is fetched once": {
			core: props("fs.defaultFS", "hdfs://nn.example.com:8020"),
			hdfs: props("dfs.nameservices", "local", "dfs.namenode.rpc-address.local", "nn.example.com:8020"),
			want: []string{"10.0.0.5:8020 ← nn.example.com:8020"},
		},
	}
	for name, c := range cases {
		cfg := loadConf(t, map[string]string{"core-site.xml": c.core, "hdfs-site.xml": c.hdfs})
		nss, err := nameServices(cfg)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var got []string
		for _, ns := range nss {
			s, err := hdfsService(context.Background(), hosts, ns, true)
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			got = append(got, s+" ← "+strings.Join(ns.nameNodes, ","))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", name, got, c.want)
		}
	}
}

func TestHDFSServicesBadConfig(t *testing.T) {
	cases := map[string]string{
		"nameservice without address": props("dfs.nameservices", "ns9"),
		"HA ids without addresses":    props("dfs.nameservices", "ns9", "dfs.ha.namenodes.ns9", "nn1"),
		"address without port colon":  props("dfs.nameservices", "ns9", "dfs.namenode.rpc-address.ns9", "fd00::1"),
	}
	for name, hdfs := range cases {
		cfg := loadConf(t, map[string]string{"core-site.xml": props("fs.defaultFS", "hdfs://nn.example.com:8020"), "hdfs-site.xml": hdfs})
		if _, err := nameServices(cfg); !errors.Is(err, conf.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

// ClientRMProxy.getTokenService: one RM's ip:port, or with HA every rm-id's joined by ",".
func TestRMService(t *testing.T) {
	cases := map[string]struct {
		yarn string
		want string
	}{
		"one RM": {props("yarn.resourcemanager.address", "rm1.example.com:8032"), "10.0.0.1:8032"},
		"HA by address": {props("yarn.resourcemanager.ha.enabled", "true", "yarn.resourcemanager.ha.rm-ids", "rm1,rm2",
			"yarn.resourcemanager.address.rm1", "rm1.example.com:8032", "yarn.resourcemanager.address.rm2", "rm2.example.com:8032"),
			"10.0.0.1:8032,10.0.0.2:8032"},
		"HA by hostname": {props("yarn.resourcemanager.ha.enabled", "true", "yarn.resourcemanager.ha.rm-ids", "rm2,rm1",
			"yarn.resourcemanager.hostname.rm1", "rm1.example.com", "yarn.resourcemanager.hostname.rm2", "rm2.example.com"),
			"10.0.0.2:8032,10.0.0.1:8032"},
	}
	for name, c := range cases {
		cfg := loadConf(t, map[string]string{"yarn-site.xml": c.yarn})
		eps, err := cfg.RMAddresses(conf.RMClient)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var addrs []string
		for _, e := range eps {
			addrs = append(addrs, e.Addr)
		}
		got, err := rmService(context.Background(), hosts, addrs, true)
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, c.want)
		}
	}
}

func TestRPCQOPStrongestFirst(t *testing.T) {
	cfg := loadConf(t, map[string]string{"core-site.xml": props("hadoop.rpc.protection", "authentication, privacy")})
	got, err := rpcQOP(cfg)
	if err != nil || !slices.Equal(got, []ipc.QOP{ipc.QOPPrivacy, ipc.QOPAuth}) {
		t.Fatalf("rpcQOP = %v, %v", got, err)
	}
}

// Without Kerberos there is nothing to fetch; with it, a login is required. Neither dials.
func TestFetchBeforeDialing(t *testing.T) {
	simple := loadConf(t, map[string]string{"core-site.xml": props("fs.defaultFS", "hdfs://127.0.0.1:1")})
	creds, info, err := Fetch(context.Background(), Options{Conf: simple})
	if err != nil || len(creds.Tokens) != 0 || len(info.Tokens) != 0 {
		t.Fatalf("simple auth: %v tokens, %v", creds, err)
	}
	secure := loadConf(t, map[string]string{"core-site.xml": props("fs.defaultFS", "hdfs://127.0.0.1:1",
		"hadoop.security.authentication", "kerberos")})
	if _, _, err := Fetch(context.Background(), Options{Conf: secure}); !errors.Is(err, ErrNoLogin) {
		t.Fatalf("kerberos without login: %v, want ErrNoLogin", err)
	}
	if _, _, err := Fetch(context.Background(), Options{}); err == nil {
		t.Fatal("no configuration: want an error")
	}
}
