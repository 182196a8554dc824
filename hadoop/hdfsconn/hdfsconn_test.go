package hdfsconn

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
)

func loadConf(t *testing.T, coreSite string) *conf.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "core-site.xml"), []byte(coreSite), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := conf.Load(conf.Dirs{Hadoop: dir, Getenv: func(string) string { return "" }, UserName: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestConnectRefusesWhatItCannotDoBeforeDialing(t *testing.T) {
	plain := loadConf(t, `<configuration><property><name>fs.defaultFS</name><value>hdfs://127.0.0.1:1</value></property></configuration>`)
	kerberos := loadConf(t, `<configuration>
  <property><name>fs.defaultFS</name><value>hdfs://127.0.0.1:1</value></property>
  <property><name>hadoop.security.authentication</name><value>kerberos</value></property>
</configuration>`)
	local := loadConf(t, `<configuration></configuration>`)
	cases := map[string]struct {
		cfg  *conf.Config
		user string
	}{
		"no user":         {plain, ""},
		"kerberos":        {kerberos, "tester"},
		"no fs.defaultFS": {local, "tester"},
	}
	for name, c := range cases {
		_, err := Connect(context.Background(), c.cfg, Options{User: c.user})
		if !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
	// A reachable configuration that points at nothing is a connection error, not the user's config.
	if _, err := Connect(context.Background(), plain, Options{User: "tester"}); err == nil || errors.Is(err, ErrConfig) {
		t.Errorf("dead NameNode: %v, want a connection error", err)
	}
}
