package hdfsconn

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/hadoop/tokens"
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

// Inside a container the HDFS token is picked by fs.defaultFS's service, as Java's selector
// does; a proxy user cannot ride on a token.
func TestConnectWithTokensPicksTheDefaultFSToken(t *testing.T) {
	cfg := loadConf(t, `<configuration>
  <property><name>fs.defaultFS</name><value>hdfs://127.0.0.1:8020</value></property>
  <property><name>hadoop.security.authentication</name><value>kerberos</value></property>
</configuration>`)
	creds := security.NewCredentials()
	other := security.Token{Identifier: []byte("x"), Kind: tokens.KindHDFS, Service: "10.9.9.9:8020"}
	creds.Add(other.Service, other)
	if _, err := hdfsToken(context.Background(), cfg, creds); err == nil || !strings.Contains(err.Error(), "10.9.9.9:8020") {
		t.Fatalf("no token for the default FS: %v", err)
	}
	mine := security.Token{Identifier: []byte("y"), Kind: tokens.KindHDFS, Service: "127.0.0.1:8020"}
	creds.Add(mine.Service, mine)
	creds.Add("rm", security.Token{Identifier: []byte("z"), Kind: tokens.KindRM, Service: "127.0.0.1:8020"})
	if got, err := hdfsToken(context.Background(), cfg, creds); err != nil || string(got.Identifier) != "y" {
		t.Fatalf("picked %v, %v", got, err)
	}
	if _, err := Connect(context.Background(), cfg, Options{Tokens: creds, ProxyUser: "bob"}); !errors.Is(err, ErrConfig) {
		t.Fatalf("proxy user with tokens: %v, want ErrConfig", err)
	}
	if _, err := Connect(context.Background(), cfg, Options{}); !errors.Is(err, ErrConfig) || !errors.Is(err, tokens.ErrNoLogin) {
		t.Fatalf("kerberos without login or tokens: %v", err)
	}
}
