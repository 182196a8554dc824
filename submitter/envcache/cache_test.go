package envcache

import (
	"strings"
	"testing"

	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

func TestDest(t *testing.T) {
	const m = "00112233445566778899aabbccddeeff"
	priv, pub := yarnpb.LocalResourceVisibilityProto_PRIVATE, yarnpb.LocalResourceVisibilityProto_PUBLIC
	d := Dest("alice", m, priv)
	if !strings.HasPrefix(d, "/tmp/oy-") || len(d) != 24 {
		t.Fatalf("Dest = %q: want /tmp/oy-<16 hex>, 24 bytes (binaries are rewritten in place)", d)
	}
	if Dest("alice", m, priv) != d {
		t.Fatal("Dest must be stable")
	}
	for name, other := range map[string]string{
		"another user":     Dest("bob", m, priv),
		"another manifest": Dest("alice", "ff"+m[2:], priv),
		"PUBLIC":           Dest("alice", m, pub),
	} {
		if other == d {
			t.Errorf("%s gets the same destination", name)
		}
	}
}

func TestDir(t *testing.T) {
	if got := Dir("alice"); got != "/user/alice/.orca-yarn/envs" {
		t.Fatalf("Dir = %q", got)
	}
	c := New(nil, "alice", nil)
	if got := c.Path("00112233445566778899aabbccddeeff"); got != "/user/alice/.orca-yarn/envs/00112233445566778899aabbccddeeff.tar.gz" {
		t.Fatalf("Path = %q", got)
	}
}
