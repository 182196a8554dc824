package conf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
)

// fakeResolver answers from a table and records what it was asked.
type fakeResolver struct {
	addrs map[string][]string
	asked []string
}

func (f *fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	f.asked = append(f.asked, host)
	ips, ok := f.addrs[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []net.IPAddr
	for _, s := range ips {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	return out, nil
}

func TestNameNodes(t *testing.T) {
	for _, tc := range []struct {
		dir     string
		uri     string
		logical string
		nns     string
	}{
		{"good/plain", "hdfs://master.hadoop.test:9000", "", "=master.hadoop.test:9000(fs.defaultFS)"},
		{"good/rm-ha", "hdfs://nn.hadoop.test", "", "=nn.hadoop.test:8020(fs.defaultFS)"},
		{"good/kerberos", "hdfs://NN.Hadoop.Test:8020", "", "=NN.Hadoop.Test:8020(fs.defaultFS)"},
		// fs.default.name (deprecated) names ns1; nn3 has no RPC address and is skipped.
		{"good/hdfs-ha", "hdfs://ns1/", "ns1", "nn1=nn1.hadoop.test:8020(dfs.namenode.rpc-address.ns1.nn1) " +
			"nn2=nn2.hadoop.test:8020(dfs.namenode.rpc-address.ns1.nn2)"},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			ns, err := mustLoad(t, tc.dir, "").NameNodes()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, nn := range ns.NameNodes {
				got = append(got, fmt.Sprintf("%s=%s(%s)", nn.ID, nn.Addr, nn.Key))
			}
			if ns.URI != tc.uri || ns.Logical != tc.logical || ns.HA() != (tc.logical != "") ||
				strings.Join(got, " ") != tc.nns {
				t.Errorf("NameNodes() = %+v\nwant URI %s, logical %q, namenodes %s", ns, tc.uri, tc.logical, tc.nns)
			}
		})
	}
}

func TestNameNodesBad(t *testing.T) {
	for _, tc := range []struct {
		dir string
		is  error
		msg string
	}{
		{"bad/no-defaultfs", ErrNotConfigured, "fs.defaultFS is not set: add it to core-site.xml"},
		{"bad/not-hdfs", ErrInvalid, `fs.defaultFS="s3a://bucket/" (from testdata/bad/not-hdfs/core-site.xml): orca-yarn needs an hdfs:// file system`},
		{"bad/hdfs-ha-port", ErrInvalid, `"ns1" is an HA nameservice (dfs.nameservices): drop the port`},
		{"bad/hdfs-ha-no-namenodes", ErrInvalid, `nameservice "ns1" has no NameNode address: set dfs.namenode.rpc-address.ns1.<id> for the ids in dfs.ha.namenodes.ns1 (nn1,nn2)`},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			_, err := mustLoad(t, tc.dir, "").NameNodes()
			if !errors.Is(err, tc.is) || !strings.Contains(fmt.Sprint(err), tc.msg) {
				t.Errorf("err = %v\nwant %v containing %q", err, tc.is, tc.msg)
			}
		})
	}
	c := fromMap(t, map[string]string{"fs.defaultFS": "hdfs://ns9", "dfs.nameservices": "ns9"})
	if _, err := c.NameNodes(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "dfs.ha.namenodes.ns9 is not set") {
		t.Errorf("nameservice without namenodes: err = %v", err)
	}
}

func TestDefaultFSForms(t *testing.T) {
	for in, want := range map[string]string{
		"nn.example.com:8020": "nn.example.com:8020", // Hadoop 1 form: hdfs:// is implied
		"HDFS://nn":           "nn:8020",
		" hdfs://nn:1/ ":      "nn:1",
	} {
		ns, err := fromMap(t, map[string]string{"fs.defaultFS": in}).NameNodes()
		if err != nil || ns.NameNodes[0].Addr != want {
			t.Errorf("fs.defaultFS=%q: %+v, %v; want %s", in, ns, err, want)
		}
	}
	for _, in := range []string{"local", "hdfs:///", "hdfs://nn:x/", "viewfs://cluster/"} {
		if _, err := fromMap(t, map[string]string{"fs.defaultFS": in}).NameNodes(); !errors.Is(err, ErrInvalid) {
			t.Errorf("fs.defaultFS=%q: err = %v, want ErrInvalid", in, err)
		}
	}
}

func TestHDFSTokenService(t *testing.T) {
	r := &fakeResolver{addrs: map[string][]string{
		"master.hadoop.test": {"fd00::5", "10.0.0.5"},
		"v6only.hadoop.test": {"fd00::5"},
	}}
	for _, tc := range []struct {
		name  string
		c     *Config
		want  string
		asked string
	}{
		{"plain, use_ip: IPv4 preferred", mustLoad(t, "good/plain", ""), "10.0.0.5:9000", "master.hadoop.test"},
		{"HA: logical name, no lookup", mustLoad(t, "good/hdfs-ha", ""), "ha-hdfs:ns1", ""},
		{"use_ip=false: lower-cased host", fromMap(t, map[string]string{
			"fs.defaultFS": "hdfs://NN.Hadoop.Test", "hadoop.security.token.service.use_ip": "false"}),
			"nn.hadoop.test:8020", ""},
		{"IP literal: no lookup", fromMap(t, map[string]string{"fs.defaultFS": "hdfs://192.0.2.7:8020"}),
			"192.0.2.7:8020", ""},
		{"IPv6 in Java's long form", fromMap(t, map[string]string{"fs.defaultFS": "hdfs://v6only.hadoop.test"}),
			"fd00:0:0:0:0:0:0:5:8020", "v6only.hadoop.test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.asked = nil
			got, err := tc.c.HDFSTokenService(context.Background(), r)
			if err != nil || got != tc.want || strings.Join(r.asked, ",") != tc.asked {
				t.Errorf("HDFSTokenService() = %q, %v (asked %q); want %q (asked %q)",
					got, err, r.asked, tc.want, tc.asked)
			}
		})
	}
	_, err := fromMap(t, map[string]string{"fs.defaultFS": "hdfs://unknown.hadoop.test"}).
		HDFSTokenService(context.Background(), r)
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !strings.Contains(err.Error(), "resolve unknown.hadoop.test") {
		t.Errorf("unresolvable NameNode: err = %v", err)
	}
	if _, err := mustLoad(t, "bad/bad-values", "").HDFSTokenService(context.Background(), r); !errors.Is(err, ErrInvalid) {
		t.Errorf("use_ip=yes: err = %v, want ErrInvalid", err)
	}
}
