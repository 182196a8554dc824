//go:build integration

package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/integration/testenv"
	"github.com/orca-yarn/orca-yarn/submitter"
	"github.com/orca-yarn/orca-yarn/submitter/envcache"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// `orca-yarn gc` on the real HDFS: entries unused for ages and dead uploads go, what a live
// application names stays even when it looks as old, and an ended application's local files go.
// The age asked for is ten years, so only what this test made old is eligible: the cluster's
// real caches, which other tests use, are left alone.
func TestGCRemovesUnusedEntriesAndKeepsALiveApplicationsOwn(t *testing.T) {
	cl := testenv.Require(t)
	hdfs := cl.HDFS(t)
	tag := uniqueTag(t)
	if code := start(t, "submit", "--detach", "--num-nodes", "1", "--memory", "256m", "--tag", tag,
		"--command", "sleep 300").wait(t, 3*time.Minute); code != 0 {
		t.Fatalf("detached submit exit %d", code)
	}
	liveID, _, _ := appByTag(t, cl, tag)
	id, err := yarn.ParseApplicationID(liveID)
	if err != nil {
		t.Fatal(err)
	}

	// The live application's binary, made to look unused since 2001.
	raw, err := hdfs.ReadFile(stage.SpecPath(cl.User, id))
	if err != nil {
		t.Fatalf("the live application's spec: %v", err)
	}
	var spec appspec.Spec
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	res, err := spec.LocalResources()
	if err != nil {
		t.Fatal(err)
	}
	var liveBinary string
	for _, r := range res {
		if r.GetKey() == appspec.BinaryName {
			liveBinary = r.GetValue().GetResource().GetFile()
		}
	}
	if !strings.HasPrefix(liveBinary, stage.BinDir(cl.User)+"/") {
		t.Fatalf("binary resource %q is not in the content-addressed bin dir", liveBinary)
	}
	ancient := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := hdfs.Chtimes(liveBinary, ancient, ancient); err != nil {
		t.Fatal(err)
	}

	// Garbage: an env nobody used since 2001, a `cache put` entry as old, and a dead upload.
	unique := fmt.Sprintf("%032x", time.Now().UnixNano())
	oldEnv := path.Join(envcache.Dir(cl.User), unique+".tar.gz")
	oldEntry := path.Join(submitter.CacheDir(cl.User), unique)
	deadUpload := path.Join(submitter.CacheDir(cl.User), ".tmp-"+unique+"-x")
	for _, f := range []string{oldEnv, path.Join(oldEntry, "jars.zip"), path.Join(deadUpload, "jars.zip")} {
		if err := hdfs.MkdirAll(path.Dir(f), 0o700); err != nil {
			t.Fatal(err)
		}
		w, err := hdfs.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("old bytes")); err != nil {
			t.Fatal(err)
		}
		if err := stage.CloseReplicated(testenv.Ctx(t, time.Minute), w); err != nil {
			t.Fatal(err)
		}
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
		out, err := exec.Command(orcaBin(t), append([]string{"gc", "--unused-for", "3650d", "--output", "json"}, extra...)...).Output()
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
	if l := listed(dry); !l[oldEnv] || !l[oldEntry] || !l[deadUpload] || l[path.Dir(liveBinary)] {
		t.Fatalf("dry run lists %v; want the old env, the old entry and the dead upload, not the live binary", l)
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
	if !exists(liveBinary) {
		t.Fatal("gc removed the binary a live application names")
	}

	// Once the application ended, its staging and this machine's directory of it go too.
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
	if _, err := os.Stat(local); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the ended application's local directory is still there (%v); report %+v", err, after)
	}
	if exists(staging) {
		t.Errorf("the ended application's staging directory is still there; report %+v", after)
	}
}
