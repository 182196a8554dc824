package conf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testEnv is the environment every fixture is loaded with.
var testEnv = map[string]string{"ORCA_TEST_HOME": "/opt/orca"}

func testDirs(hadoop, yarn string) Dirs {
	td := func(d string) string {
		if d == "" {
			return ""
		}
		return filepath.Join("testdata", d)
	}
	return Dirs{Hadoop: td(hadoop), Yarn: td(yarn), Getenv: func(k string) string { return testEnv[k] },
		UserName: "alice"}
}

func mustLoad(t *testing.T, hadoop, yarn string) *Config {
	t.Helper()
	c, err := Load(testDirs(hadoop, yarn))
	if err != nil {
		t.Fatalf("Load(%s, %s): %v", hadoop, yarn, err)
	}
	return c
}

func TestDirsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    Dirs
		wantErr string
	}{
		{name: "hadoop only", env: map[string]string{"HADOOP_CONF_DIR": "/etc/hadoop/conf"},
			want: Dirs{Hadoop: "/etc/hadoop/conf"}},
		{name: "both", env: map[string]string{"HADOOP_CONF_DIR": "/h", "YARN_CONF_DIR": "/y"},
			want: Dirs{Hadoop: "/h", Yarn: "/y"}},
		{name: "yarn only", env: map[string]string{"YARN_CONF_DIR": "/y"}, want: Dirs{Yarn: "/y"}},
		{name: "none", env: map[string]string{},
			wantErr: "HADOOP_CONF_DIR is not set: export HADOOP_CONF_DIR=/etc/hadoop/conf (the directory holding core-site.xml and yarn-site.xml)"},
		{name: "none but HADOOP_HOME", env: map[string]string{"HADOOP_HOME": "/opt/hadoop"},
			wantErr: "usually /opt/hadoop/etc/hadoop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := DirsFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrNotConfigured) {
					t.Fatalf("err = %v, want ErrNotConfigured containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Hadoop != tc.want.Hadoop || d.Yarn != tc.want.Yarn || d.Getenv == nil || d.UserName == "" {
				t.Fatalf("got %+v, want dirs %+v with Getenv and UserName set", d, tc.want)
			}
		})
	}
}

// TestLoadValues checks Hadoop's loading rules on the good fixtures: trimming, expansion,
// empty values, final, default layering, includes and YARN_CONF_DIR.
func TestLoadValues(t *testing.T) {
	for _, tc := range []struct {
		hadoop, yarn string
		key          string
		want         string // "<unset>" for not set
		wantSource   string // suffix of Source(key)
	}{
		{"good/plain", "", "fs.defaultFS", "hdfs://master.hadoop.test:9000", "plain/core-site.xml"},
		{"good/plain", "", "fs.default.name", "hdfs://master.hadoop.test:9000", "plain/core-site.xml"},
		{"good/plain", "", "hadoop.tmp.dir", "/tmp/hadoop-alice", "core-site.xml"},
		{"good/plain", "", "ipc.client.connect.max.retries", " 3 ", "core-site.xml"},
		{"good/plain", "", "ipc.ping.interval", "60000", "built-in core-default.xml"},
		{"good/plain", "", "orca.test.attr-form", "short & sweet", "core-site.xml"},
		{"good/plain", "", "orca.test.empty", "<unset>", ""},
		{"good/plain", "", "orca.test.env", "/opt/orca/lib:fallback:dash", "core-site.xml"},
		{"good/plain", "", "orca.test.unbound", "/usr/hdp/${hdp.version}/hadoop", "core-site.xml"},
		{"good/plain", "", "orca.test.self", "a:${orca.test.self}", "core-site.xml"},
		{"good/plain", "", "orca.test.cdata", "<x> & y", "core-site.xml"},
		{"good/plain", "", "yarn.resourcemanager.address", "master.hadoop.test:8032", "built-in yarn-default.xml"},
		{"good/plain", "", "dfs.replication", "1", "hdfs-site.xml"},
		{"good/final", "", "hadoop.rpc.protection", "privacy", "final/core-site.xml"},
		{"good/final", "", "yarn.resourcemanager.hostname", "0.0.0.0", "built-in yarn-default.xml"},
		{"good/final", "", "yarn.resourcemanager.admin.address", "kept.hadoop.test:8033", "final/core-site.xml"},
		{"good/final", "", "ipc.client.ping", "true", "built-in core-default.xml"},
		{"good/include", "", "fs.defaultFS", "hdfs://included.hadoop.test:8020", "include/common/cluster.xml"},
		{"good/include", "", "orca.test.after-include", "from-include+local", "include/core-site.xml"},
		{"good/include", "", "orca.test.from-fallback", "yes", "include/core-site.xml"},
		{"good/include", "", "orca.test.nested", "caf\u00e9", "include/common/nested.xml"},
		{"good/include", "", "orca.test.nested-fallback", "<unset>", ""},
		{"good/yarn-override/hadoop", "good/yarn-override/yarn", "yarn.resourcemanager.hostname",
			"from-yarn-conf-dir.hadoop.test", "yarn-override/yarn/yarn-site.xml"},
		{"good/yarn-override/hadoop", "good/yarn-override/yarn", "fs.defaultFS",
			"hdfs://from-hadoop-conf-dir:8020", "yarn-override/hadoop/core-site.xml"},
		{"good/yarn-override/hadoop", "good/yarn-override/yarn", "yarn.resource-types",
			"yarn.io/gpu", "yarn-override/yarn/resource-types.xml"},
		// YARN_CONF_DIR alone serves every file, as Hadoop 3's bin/yarn does.
		{"", "good/yarn-override/yarn", "yarn.resourcemanager.hostname",
			"from-yarn-conf-dir.hadoop.test", "yarn-override/yarn/yarn-site.xml"},
		{"good/yarn-override/hadoop", "", "yarn.resourcemanager.hostname",
			"stale.hadoop.test", "yarn-override/hadoop/yarn-site.xml"},
	} {
		t.Run(tc.hadoop+"+"+tc.yarn+"/"+tc.key, func(t *testing.T) {
			c := mustLoad(t, tc.hadoop, tc.yarn)
			got, ok := c.Get(tc.key)
			if !ok {
				got = "<unset>"
			}
			if got != tc.want {
				t.Errorf("Get(%s) = %q, want %q", tc.key, got, tc.want)
			}
			src, _ := c.Source(tc.key)
			if !strings.HasSuffix(src, tc.wantSource) {
				t.Errorf("Source(%s) = %q, want suffix %q", tc.key, src, tc.wantSource)
			}
		})
	}
}

func TestLoadFiles(t *testing.T) {
	c := mustLoad(t, "good/include", "")
	var rel []string
	for _, f := range c.Files() {
		rel = append(rel, strings.TrimPrefix(filepath.ToSlash(f), "testdata/good/include/"))
	}
	want := "core-site.xml common/cluster.xml common/nested.xml"
	if got := strings.Join(rel, " "); got != want {
		t.Fatalf("Files() = %s, want %s", got, want)
	}
}

// TestLoadBad is the table of fixtures Load must reject, Prometheus-style: fixture, sentinel,
// and a piece of the message the user will read.
func TestLoadBad(t *testing.T) {
	notDir := filepath.Join("bad", "no-site-files", "log4j.properties")
	for _, tc := range []struct {
		hadoop, yarn string
		is           error
		msg          string
	}{
		{"bad/malformed", "", ErrInvalid, "bad/malformed/yarn-site.xml:10: element <property> closed by </propery>"},
		{"bad/cycle", "", ErrInvalid, `orca.test.a="${orca.test.b}/a"`},
		{"bad/cycle", "", ErrInvalid, "cycle/core-site.xml): ${...} expansion did not finish within 20 steps"},
		{"bad/empty-file", "", ErrInvalid, "empty-file/core-site.xml:1: no root element"},
		{"bad/include-missing", "", ErrInvalid, `core-site.xml:4: xi:include "secrets/not-there.xml": no such file and no xi:fallback`},
		{"bad/include-cycle", "", ErrInvalid, "xi:include nested deeper than 16"},
		{"bad/no-site-files", "", ErrNotConfigured, "no core-site.xml, hdfs-site.xml or yarn-site.xml in testdata/bad/no-site-files"},
		{"bad/does-not-exist", "", ErrNotConfigured, "HADOOP_CONF_DIR=testdata/bad/does-not-exist: no such directory: export HADOOP_CONF_DIR="},
		{"good/plain", "bad/does-not-exist", ErrNotConfigured, "YARN_CONF_DIR=testdata/bad/does-not-exist: no such directory"},
		{notDir, "", ErrNotConfigured, "log4j.properties: not a directory"},
		{"", "", ErrNotConfigured, "HADOOP_CONF_DIR is not set"},
		// Malformed XML is found in YARN_CONF_DIR too.
		{"good/plain", "bad/malformed", ErrInvalid, "malformed/yarn-site.xml:10:"},
	} {
		t.Run(tc.hadoop+"+"+tc.yarn+"/"+tc.msg, func(t *testing.T) {
			_, err := Load(testDirs(tc.hadoop, tc.yarn))
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q\ndoes not contain %q", err, tc.msg)
			}
		})
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "core-site.xml")
	if err := os.WriteFile(p, []byte("<configuration/>"), 0o000); err != nil {
		t.Fatal(err)
	}
	_, err := Load(Dirs{Hadoop: dir})
	if !errors.Is(err, ErrInvalid) || !errors.Is(err, os.ErrPermission) {
		t.Fatalf("err = %v, want ErrInvalid wrapping a permission error", err)
	}
}
