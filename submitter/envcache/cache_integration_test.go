//go:build integration

package envcache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2"
	"github.com/orca-yarn/orca-yarn/condapack"
	"github.com/orca-yarn/orca-yarn/hadoop/hdfsconn"
	"github.com/orca-yarn/orca-yarn/integration/testenv"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// The env cache on the real HDFS of the local cluster: pack once then reuse, racing publishers,
// refused and cancelled uploads, stale locks, visibility.

const private = yarnpb.LocalResourceVisibilityProto_PRIVATE

func client(t *testing.T, cl *testenv.Cluster, user string) *hdfs.Client {
	t.Helper()
	c, err := stage.NewHDFS(testenv.Ctx(t, 30*time.Second), cl.Conf, hdfsconn.Options{User: user})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// scratchCache is a Cache whose directory is a fresh one under the test user's home.
func scratchCache(t *testing.T, cl *testenv.Cluster, c *hdfs.Client) *Cache {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	root := path.Join(stage.HomeDir(cl.User), ".orca-it-envcache", strings.ToLower(t.Name())+"-"+hex.EncodeToString(b))
	if err := c.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.RemoveAll(root) })
	cache := New(c, cl.User, nil)
	cache.dir = path.Join(root, "envs")
	return cache
}

func list(t *testing.T, c *hdfs.Client, dir string) []string {
	t.Helper()
	infos, err := c.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, fi := range infos {
		out = append(out, fi.Name())
	}
	return out
}

// smallEnv is a plain Python prefix with a console script: enough for condapack.
func smallEnv(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "a", "long", "enough", "prefix", "env")
	files := map[string]string{
		"bin/python3.11":                        "interpreter\n",
		"lib/python3.11/os.py":                  "# os\n",
		"lib/python3.11/site-packages/mod.py":   "X = 1\n",
		"bin/tool":                              "#!" + p + "/bin/python3.11\nimport mod\n",
		"lib/python3.11/_sysconfigdata_x.py":    "PREFIX = '" + p + "'\n",
		"lib/python3.11/site-packages/big.data": strings.Repeat("orca-yarn ", 300_000),
	}
	for rel, content := range files {
		f := filepath.Join(p, rel)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func TestEnsurePacksOnceThenReuses(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	cache := scratchCache(t, cl, c)
	env, err := condapack.Open(smallEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Env: env, TempDir: t.TempDir()}
	first, err := cache.Ensure(testenv.Ctx(t, time.Minute), req)
	if err != nil {
		t.Fatal(err)
	}
	if first.Resource.Reused || first.Stats == nil || first.Resource.Path != cache.Path(first.Key) ||
		first.Resource.Type != yarnpb.LocalResourceTypeProto_ARCHIVE || first.Resource.Visibility != private {
		t.Fatalf("first: %+v", first.Resource)
	}
	if leftovers, _ := os.ReadDir(req.TempDir); len(leftovers) != 0 {
		t.Fatalf("the local archive was not removed: %v", leftovers)
	}
	again, err := cache.Ensure(testenv.Ctx(t, time.Minute), req)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Resource.Reused || again.Stats != nil || again.Key != first.Key ||
		!again.Resource.ModTime.Equal(first.Resource.ModTime) || again.Resource.Size != first.Resource.Size {
		t.Fatalf("unchanged env: %+v, want the first archive reused without packing", again.Resource)
	}
	if got := list(t, c, cache.dir); len(got) != 1 || got[0] != first.Key+".tar.gz" {
		t.Fatalf("cache dir holds %q", got)
	}
	// The archive on HDFS is the env, with the destination that keys it.
	r, err := c.Open(first.Resource.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if first.Dest != Dest(cl.User, first.Manifest.Hash, private) {
		t.Fatalf("dest %s", first.Dest)
	}

	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(filepath.Join(env.Prefix, "lib/python3.11/site-packages/mod.py"), []byte("X = 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, err := cache.Ensure(testenv.Ctx(t, time.Minute), req)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Key == first.Key || changed.Resource.Reused {
		t.Fatalf("a changed env must get a new archive: %+v", changed.Resource)
	}
}

// Racing publishers of one key: all succeed, one file is published once, every caller gets its
// mtime, and nothing temporary is left.
func TestPublishConcurrent(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	cache := scratchCache(t, cl, c)
	key := strings.Repeat("ab", 16)
	data := make([]byte, 3<<20)
	_, _ = rand.Read(data)
	const n = 4
	results := make([]stage.Resource, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		local := filepath.Join(t.TempDir(), "env.tar.gz")
		if err := os.WriteFile(local, data, 0o644); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = cache.Publish(testenv.Ctx(t, time.Minute), key, local, private)
		}()
	}
	wg.Wait()
	uploaded := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("publisher %d: %v", i, errs[i])
		}
		if !results[i].ModTime.Equal(results[0].ModTime) || results[i].Size != int64(len(data)) {
			t.Fatalf("publisher %d got %+v, publisher 0 %+v", i, results[i], results[0])
		}
		if !results[i].Reused {
			uploaded++
		}
	}
	if uploaded != 1 {
		t.Fatalf("%d publishers renamed their upload into place, want exactly 1", uploaded)
	}
	if got := list(t, c, cache.dir); len(got) != 1 || got[0] != key+".tar.gz" {
		t.Fatalf("cache dir holds %q, want only the archive", got)
	}
}

func TestPublishPermissionDenied(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	cache := scratchCache(t, cl, c)
	if err := c.MkdirAll(cache.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for p := cache.dir; p != stage.HomeDir(cl.User); p = path.Dir(p) {
		if err := c.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	other := New(client(t, cl, "orcatest"), "orcatest", nil)
	other.dir = cache.dir
	local := filepath.Join(t.TempDir(), "env.tar.gz")
	if err := os.WriteFile(local, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := other.Publish(testenv.Ctx(t, time.Minute), strings.Repeat("cd", 16), local, private)
	if !errors.Is(err, ErrCluster) || !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("publish as orcatest into %s: %v, want a permission-denied cluster error", cache.dir, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "hdfs://"+cache.dir) || !strings.Contains(msg, "ask the owner or an HDFS admin") {
		t.Fatalf("message %q does not name the path and the fix", msg)
	}
	t.Logf("as the user sees it: %v", err)
	if got := list(t, c, cache.dir); len(got) != 0 {
		t.Fatalf("%s holds %q after a refused publish", cache.dir, got)
	}
}

// A cancelled upload leaves nothing: no archive, no temporary file.
func TestPublishCancelled(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	cache := scratchCache(t, cl, c)
	local := filepath.Join(t.TempDir(), "env.tar.gz")
	big := make([]byte, 64<<20)
	if err := os.WriteFile(local, big, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the temporary file exists, i.e. mid-upload.
		for ctx.Err() == nil {
			for _, n := range list(t, c, cache.dir) {
				if strings.HasPrefix(n, ".tmp-") {
					cancel()
					return
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	key := strings.Repeat("ef", 16)
	_, err := cache.Publish(ctx, key, local, private)
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got := list(t, c, cache.dir); len(got) != 0 {
		t.Fatalf("%s holds %q after a cancelled publish", cache.dir, got)
	}
}

// A lock left by a publisher that died is taken over once it is older than lockStale.
func TestPublishStaleLock(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	cache := scratchCache(t, cl, c)
	key := strings.Repeat("12", 16)
	if err := c.MkdirAll(cache.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	lock := path.Join(cache.dir, ".lock-"+key)
	if err := c.CreateEmptyFile(lock); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := c.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(t.TempDir(), "env.tar.gz")
	if err := os.WriteFile(local, []byte("archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := cache.Publish(testenv.Ctx(t, time.Minute), key, local, private)
	if err != nil || r.Reused {
		t.Fatalf("publish over a stale lock: %+v, %v", r, err)
	}
	if got := list(t, c, cache.dir); len(got) != 1 || got[0] != key+".tar.gz" {
		t.Fatalf("cache dir holds %q", got)
	}
}

func TestPublicVisibility(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	cache := scratchCache(t, cl, c)
	parent := path.Dir(cache.dir)
	if err := c.Chmod(parent, 0o700); err != nil {
		t.Fatal(err)
	}
	vis, note, err := cache.visibility(testenv.Ctx(t, time.Minute), true)
	if err != nil {
		t.Fatal(err)
	}
	if vis != private || !strings.Contains(note, "hdfs dfs -chmod o+x") || !strings.Contains(note, parent) {
		t.Fatalf("a closed parent: %v, %q", vis, note)
	}
	for p := parent; ; p = path.Dir(p) {
		if st, err := c.Stat(p); err == nil && st.Mode().Perm()&0o001 == 0 && p != parent {
			t.Skipf("%s is not world-executable on this cluster; PUBLIC cannot be granted here", p)
		}
		if p == "/" {
			break
		}
	}
	if err := c.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	vis, note, err = cache.visibility(testenv.Ctx(t, time.Minute), true)
	if err != nil || vis != yarnpb.LocalResourceVisibilityProto_PUBLIC || note != "" {
		t.Fatalf("open parents: %v, %q, %v", vis, note, err)
	}
}
