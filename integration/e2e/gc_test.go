//go:build integration

package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"testing"
	"time"

	hdfsclient "github.com/colinmarc/hdfs/v2"
	"github.com/orca-yarn/orca-yarn/condapack"
	"github.com/orca-yarn/orca-yarn/integration/testenv"
	"github.com/orca-yarn/orca-yarn/submitter"
	"github.com/orca-yarn/orca-yarn/submitter/cachegc"
	"github.com/orca-yarn/orca-yarn/submitter/envcache"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// `orca-yarn gc` on the real HDFS: entries unused for ages and dead uploads go, what a live
// application names stays even when it looks as old, and an ended application's local files go.
// The age asked for is ten years, so only what this test made old is eligible: the cluster's
// real caches, which other tests use, are left alone. The live application runs on an env
// archive of this test's own (`--env hdfs://`), aged after the submit, so no shared file's times
// are touched. --include-public: other tests' --public-env runs open the env cache directory to
// everyone, which would make this test's entries look shared (the unit tests cover that rule).
func TestGCRemovesUnusedEntriesAndKeepsALiveApplicationsOwn(t *testing.T) {
	cl := testenv.Require(t)
	hdfs := cl.HDFS(t)
	ancient := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	unique := fmt.Sprintf("%032x", time.Now().UnixNano())
	liveEnv := path.Join(envcache.Dir(cl.User), "f"+unique[1:]+".tar.gz")
	dest := "/tmp/oy-gc" + unique[16:]
	t.Cleanup(func() { _ = os.Remove(dest); _ = hdfs.Remove(liveEnv) })
	putFile(t, hdfs, liveEnv, tinyEnvArchive(t, dest))
	if err := hdfs.Chtimes(liveEnv, ancient, ancient); err != nil { // the mtime the application will carry
		t.Fatal(err)
	}

	tag := uniqueTag(t)
	if code := start(t, "submit", "--detach", "--num-nodes", "1", "--memory", "256m", "--tag", tag,
		"--env", "hdfs://"+liveEnv, "--command", "sleep 300").wait(t, 3*time.Minute); code != 0 {
		t.Fatalf("detached submit exit %d", code)
	}
	liveID, _, _ := appByTag(t, cl, tag)
	id, err := yarn.ParseApplicationID(liveID)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := hdfs.Stat(liveEnv); err != nil || cachegc.LastUse(st).Before(time.Now().Add(-time.Hour)) {
		t.Fatalf("the submit did not mark the archive used: %v %v", st, err)
	}
	// Make it look unused since 2001 again. Its mtime stays 2001, so the live application's
	// LocalResource still matches it.
	if err := hdfs.Chtimes(liveEnv, ancient, ancient); err != nil {
		t.Fatal(err)
	}

	// Garbage: an env nobody used since 2001, a `cache put` entry as old, and a dead upload.
	oldEnv := path.Join(envcache.Dir(cl.User), unique+".tar.gz")
	oldEntry := path.Join(submitter.CacheDir(cl.User), unique)
	deadUpload := path.Join(submitter.CacheDir(cl.User), ".tmp-"+unique+"-x")
	for _, f := range []string{oldEnv, path.Join(oldEntry, "jars.zip"), path.Join(deadUpload, "jars.zip")} {
		putFile(t, hdfs, f, []byte("old bytes"))
		if err := hdfs.Chtimes(f, ancient, ancient); err != nil {
			t.Fatal(err)
		}
	}
	if err := hdfs.Chtimes(deadUpload, ancient, ancient); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, p := range []string{oldEnv, oldEntry, deadUpload} {
			_ = hdfs.RemoveAll(p)
		}
	})
	exists := func(p string) bool {
		_, err := hdfs.Stat(p)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("stat %s: %v", p, err)
		}
		return err == nil
	}

	gc := func(extra ...string) submitter.GCReport {
		t.Helper()
		out, err := exec.Command(orcaBin(t), append([]string{"gc", "--unused-for", "3650d", "--include-public", "--output", "json"}, extra...)...).Output()
		if err != nil {
			t.Fatalf("gc %v: %v\n%s", extra, err, out)
		}
		var rep submitter.GCReport
		if err := json.Unmarshal(out, &rep); err != nil {
			t.Fatalf("gc output: %v\n%s", err, out)
		}
		return rep
	}
	listed := func(rep submitter.GCReport) map[string]bool {
		m := map[string]bool{}
		for _, it := range rep.Entries {
			m[it.Path] = true
		}
		return m
	}

	dry := gc("--dry-run")
	if l := listed(dry); !l[oldEnv] || !l[oldEntry] || !l[deadUpload] || l[liveEnv] {
		t.Fatalf("dry run lists %v; want the old env, the old entry and the dead upload, not the live application's env", l)
	}
	if !dry.DryRun || dry.LiveApps < 1 || !exists(oldEnv) || !exists(oldEntry) || !exists(deadUpload) {
		t.Fatalf("dry run %+v removed something or saw no live application", dry)
	}

	rep := gc()
	if l := listed(rep); !l[oldEnv] || !l[oldEntry] || !l[deadUpload] {
		t.Fatalf("removed %v", l)
	}
	if exists(oldEnv) || exists(oldEntry) || exists(deadUpload) {
		t.Fatal("gc reported entries removed that are still on HDFS")
	}
	if !exists(liveEnv) {
		t.Fatal("gc removed the env a live application names")
	}

	// Once the application ended, its env (as old as ever), its staging and this machine's
	// directory of it go too.
	if out, err := exec.Command(orcaBin(t), "kill", liveID).CombinedOutput(); err != nil {
		t.Fatalf("kill: %v\n%s", err, out)
	}
	waitFinal(t, cl, tag, "KILLED")
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(cache, "orca-yarn", "apps", liveID)
	if err := os.MkdirAll(local, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := hdfs.MkdirAll(stage.StagingDir(cl.User, id), 0o700); err != nil { // as a killed AM leaves it
		t.Fatal(err)
	}
	staging := stage.StagingDir(cl.User, id)
	if err := hdfs.Chtimes(staging, ancient, ancient); err != nil {
		t.Fatal(err)
	}
	after := gc()
	if listed(after)[liveEnv] == false || exists(liveEnv) {
		t.Errorf("the ended application's old env is still there; report %+v", after)
	}
	if _, err := os.Stat(local); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the ended application's local directory is still there (%v); report %+v", err, after)
	}
	if exists(staging) {
		t.Errorf("the ended application's staging directory is still there; report %+v", after)
	}
}

func putFile(t *testing.T, hdfs *hdfsclient.Client, p string, data []byte) {
	t.Helper()
	if err := hdfs.MkdirAll(path.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	w, err := hdfs.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := stage.CloseReplicated(testenv.Ctx(t, time.Minute), w); err != nil {
		t.Fatal(err)
	}
}

// tinyEnvArchive is an env archive as orca-yarn packs them, holding nothing but its
// .orca-pack.json: enough for a command that needs no Python.
func tinyEnvArchive(t *testing.T, dest string) []byte {
	t.Helper()
	info, err := json.Marshal(condapack.PackInfo{Format: 1, Dest: dest, Manifest: "gc-test", Kind: condapack.KindVenv,
		Interpreter: "bin/python", Sources: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: ".orca-pack.json", Mode: 0o644, Size: int64(len(info))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(info); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
