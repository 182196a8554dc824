//go:build integration

package stage_test

import (
	"bytes"
	"context"
	"crypto/rand"
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
	"github.com/orca-yarn/orca-yarn/hadoop/hdfsconn"
	"github.com/orca-yarn/orca-yarn/integration/testenv"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
)

// Real HDFS of the local cluster: uploads, reuse, races between uploaders, failures.

// client connects through stage.NewHDFS, the way the submitter will.
func client(t *testing.T, cl *testenv.Cluster, user string) *hdfs.Client {
	t.Helper()
	c, err := stage.NewHDFS(testenv.Ctx(t, 30*time.Second), cl.Conf, hdfsconn.Options{User: user})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// scratch is a fresh HDFS directory for one test, removed afterwards.
func scratch(t *testing.T, cl *testenv.Cluster, c *hdfs.Client) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	dir := path.Join(stage.HomeDir(cl.User), ".orca-it-stage", strings.ToLower(t.Name())+"-"+hexs(b))
	if err := c.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.RemoveAll(dir) })
	return dir
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}

// randomFile writes size random bytes to a new local file called name.
func randomFile(t *testing.T, name string, size int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	_, _ = rand.Read(data)
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, data
}

// names lists a directory's entries.
func names(t *testing.T, c *hdfs.Client, dir string) []string {
	t.Helper()
	infos, err := c.ReadDir(dir)
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	var out []string
	for _, fi := range infos {
		out = append(out, fi.Name())
	}
	return out
}

func TestUploadContentAddressedThenReuse(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	dir := path.Join(scratch(t, cl, c), "bin")
	local, data := randomFile(t, "orca-yarn", 3<<20+17)
	ctx := testenv.Ctx(t, time.Minute)

	first, err := stage.UploadContentAddressed(ctx, c, local, dir, stage.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Reused || first.Size != int64(len(data)) || path.Base(first.Path) != "orca-yarn" ||
		path.Dir(path.Dir(first.Path)) != dir || len(path.Base(path.Dir(first.Path))) != 32 {
		t.Fatalf("first upload: %+v", first)
	}
	st, err := c.Stat(first.Path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != first.Size || st.ModTime().UnixMilli() != first.ModTime.UnixMilli() {
		t.Fatalf("resource says %d bytes @%d ms, HDFS says %d @%d", first.Size, first.ModTime.UnixMilli(),
			st.Size(), st.ModTime().UnixMilli())
	}
	back, err := c.ReadFile(first.Path)
	if err != nil || !bytes.Equal(back, data) {
		t.Fatalf("read back %d bytes (%v), want the %d uploaded", len(back), err, len(data))
	}

	second, err := stage.UploadContentAddressed(ctx, c, local, dir, stage.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !second.Reused || second.Path != first.Path || !second.ModTime.Equal(first.ModTime) || second.Size != first.Size {
		t.Fatalf("second upload of the same build: %+v, want a reuse of %+v", second, first)
	}

	// The same bytes under another name are another resource (YARN cares about names).
	renamed := filepath.Join(t.TempDir(), "orca-yarn-copy")
	if err := os.WriteFile(renamed, data, 0o644); err != nil {
		t.Fatal(err)
	}
	other, err := stage.UploadContentAddressed(ctx, c, renamed, dir, stage.UploadOptions{})
	if err != nil || other.Reused || path.Dir(other.Path) == path.Dir(first.Path) {
		t.Fatalf("same bytes, other name: %+v, %v", other, err)
	}
	if got := names(t, c, dir); len(got) != 2 {
		t.Fatalf("%s holds %q, want the two hash directories only", dir, got)
	}
}

// Four clients (as four processes would) upload the same new build at once: one upload wins,
// every caller gets the same resource, and no temporary file is left.
func TestConcurrentUploadersOfTheSameContent(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	dir := path.Join(scratch(t, cl, c), "bin")
	local, _ := randomFile(t, "orca-yarn", 8<<20)
	ctx := testenv.Ctx(t, 2*time.Minute)

	const n = 4
	clients := make([]*hdfs.Client, n)
	for i := range clients {
		clients[i] = client(t, cl, cl.User)
	}
	results := make([]stage.Resource, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i], errs[i] = stage.UploadContentAddressed(ctx, clients[i], local, dir, stage.UploadOptions{})
		})
	}
	close(start)
	wg.Wait()
	uploaded := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("uploader %d: %v", i, errs[i])
		}
		if !results[i].Reused {
			uploaded++
		}
		if results[i].Path != results[0].Path || !results[i].ModTime.Equal(results[0].ModTime) || results[i].Size != results[0].Size {
			t.Fatalf("uploaders disagree: %+v vs %+v", results[i], results[0])
		}
	}
	if uploaded != 1 {
		t.Fatalf("%d uploaders report a fresh upload, want exactly 1", uploaded)
	}
	if got := names(t, c, dir); len(got) != 1 || got[0] != path.Base(path.Dir(results[0].Path)) {
		t.Fatalf("%s holds %q, want only the hash directory (no temporaries)", dir, got)
	}
	if got := names(t, c, path.Dir(results[0].Path)); len(got) != 1 || got[0] != "orca-yarn" {
		t.Fatalf("hash directory holds %q", got)
	}
	st, err := c.Stat(results[0].Path)
	if err != nil || st.ModTime().UnixMilli() != results[0].ModTime.UnixMilli() {
		t.Fatalf("published file %v (%v) no longer matches what the uploaders returned", st, err)
	}
}

// Cancelling mid-upload (after the first MiB went out) leaves nothing on HDFS.
func TestCancelledUploadLeavesNothing(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	dir := path.Join(scratch(t, cl, c), "bin")
	local, _ := randomFile(t, "big.bin", 24<<20)
	ctx, cancel := context.WithCancel(testenv.Ctx(t, time.Minute))
	var sent int64
	_, err := stage.UploadContentAddressed(ctx, c, local, dir, stage.UploadOptions{Progress: func(n int64) {
		sent = n
		cancel()
	}})
	if !errors.Is(err, context.Canceled) || errors.Is(err, stage.ErrCluster) {
		t.Fatalf("cancelled upload: %v, want context.Canceled and no cluster class", err)
	}
	if sent == 0 || sent >= 24<<20 {
		t.Fatalf("cancelled after %d bytes: not mid-upload", sent)
	}
	if got := names(t, c, dir); len(got) != 0 {
		t.Fatalf("%s holds %q after a cancelled upload, want nothing", dir, got)
	}
}

// Another user may not write into our directory: a cluster error naming the path and the fix,
// and nothing created.
func TestUploadPermissionDenied(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	dir := scratch(t, cl, c)
	// Traversable by anyone, writable by the owner only.
	for p := dir; p != stage.HomeDir(cl.User); p = path.Dir(p) {
		if err := c.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	other := client(t, cl, "orcatest")
	local, _ := randomFile(t, "orca-yarn", 1024)
	_, err := stage.UploadContentAddressed(testenv.Ctx(t, time.Minute), other, local, path.Join(dir, "bin"), stage.UploadOptions{})
	if !errors.Is(err, stage.ErrCluster) || !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("upload as orcatest into %s: %v, want a permission-denied cluster error", dir, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "hdfs://"+dir) || !strings.Contains(msg, "ask the owner or an HDFS admin") {
		t.Fatalf("message %q does not name the path and the fix", msg)
	}
	t.Logf("as the user sees it: %v", err)
	if got := names(t, c, dir); len(got) != 0 {
		t.Fatalf("%s holds %q after a refused upload", dir, got)
	}
}

func TestUploadBadLocalInput(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	dir := scratch(t, cl, c)
	_, err := stage.UploadContentAddressed(testenv.Ctx(t, time.Minute), c, filepath.Join(t.TempDir(), "nope"), dir, stage.UploadOptions{})
	if !errors.Is(err, stage.ErrBadInput) || !strings.HasSuffix(err.Error(), "nope: no such file; check the path") {
		t.Fatalf("missing local file: %v", err)
	}
	if got := names(t, c, dir); len(got) != 0 {
		t.Fatalf("%s holds %q", dir, got)
	}
}
