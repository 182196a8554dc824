package submitter

import (
	"strings"
	"testing"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
)

func TestHDFSPathAcceptsOnlyTheClusterFilesystem(t *testing.T) {
	plain := conf.NameService{URI: "hdfs://nn.example:8020", NameNodes: []conf.NameNode{{Addr: "nn.example:8020"}}}
	ha := conf.NameService{URI: "hdfs://ns1", Logical: "ns1", NameNodes: []conf.NameNode{{ID: "nn1", Addr: "a:8020"}, {ID: "nn2", Addr: "b:8020"}}}
	ok := []struct {
		uri  string
		nn   conf.NameService
		want string
	}{
		{"hdfs:///user/a/envs/x.tar.gz", plain, "/user/a/envs/x.tar.gz"},
		{"hdfs://nn.example:8020/user/a/x.tar.gz", plain, "/user/a/x.tar.gz"},
		{"hdfs://nn.example/user/a/x.tar.gz", plain, "/user/a/x.tar.gz"}, // the default port
		{"hdfs://ns1/user/a/../b/x.tar.gz", ha, "/user/b/x.tar.gz"},
		{"hdfs://b:8020/x.tar.gz", ha, "/x.tar.gz"},        // one of ns1's NameNodes: the same filesystem
		{"hdfs://NN.Example/x.tar.gz", plain, "/x.tar.gz"}, // host names without case
		{"hdfs://ns1:8020/x.tar.gz", ha, "/x.tar.gz"},      // the default port, as Hadoop allows
	}
	for _, c := range ok {
		if got, err := hdfsPath(c.uri, c.nn); err != nil || got != c.want {
			t.Errorf("hdfsPath(%q) = %q, %v; want %q", c.uri, got, err, c.want)
		}
	}
	bad := []struct {
		uri  string
		nn   conf.NameService
		want string
	}{
		{"hdfs://other:8020/x.tar.gz", plain, "not this cluster's filesystem"},
		{"hdfs://ns2/x.tar.gz", ha, "not this cluster's filesystem"},
		{"hdfs://nn.example:8020", plain, "want hdfs:///path"},
		{"hdfs:///x.tar.gz#env", plain, "want hdfs:///path"},
	}
	for _, c := range bad {
		if _, err := hdfsPath(c.uri, c.nn); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("hdfsPath(%q): %v; want an error saying %q", c.uri, err, c.want)
		}
	}
}
