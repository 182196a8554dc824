//go:build integration

package e2e

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// An env packed once (a CI job's `orca-yarn pack --upload`) and named by its hdfs:// path: submit
// packs nothing, and the containers find the env's destination and interpreter in the archive.
func TestSubmitWithAnEnvArchiveOnHDFS(t *testing.T) {
	testenv.Require(t)
	env := rayEnv(t)
	out, err := exec.Command(orcaBin(t), "pack", "--env", env, "--upload", "--output", "json").Output()
	if err != nil {
		t.Fatalf("pack --upload: %v\n%s", err, out)
	}
	var packed struct {
		Path string `json:"path"`
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &packed); err != nil || !strings.HasPrefix(packed.Path, "hdfs://") {
		t.Fatalf("pack --upload printed %q (%v)", out, err)
	}

	tag := uniqueTag(t)
	r := start(t, "submit", "--num-nodes", "2", "--memory", "512m", "--tag", tag, "--env", packed.Path,
		"--command", `python -c 'import sys, numpy; print("PREFIX", sys.prefix, numpy.__name__)'`)
	if code := r.wait(t, 10*time.Minute); code != 0 {
		t.Fatalf("exit %d\n%s", code, r)
	}
	if got := strings.Count(r.stdout.String(), "PREFIX /tmp/oy-"); got != 2 {
		t.Fatalf("%d of 2 containers ran the archive's python from its destination\n%s", got, r)
	}
	if strings.Contains(r.stderr.String(), "env archive already on HDFS") || strings.Contains(r.stderr.String(), "env archive published") {
		t.Errorf("submit went through the local env cache although --env named an archive on HDFS\n%s", r)
	}

	// Bad archives are refused before anything is submitted, naming the flag and the fix.
	for _, bad := range []string{
		strings.TrimSuffix(packed.Path, ".tar.gz") + "-missing.tar.gz",
		"hdfs://elsewhere.example:8020/user/x/env.tar.gz",
	} {
		b := start(t, "submit", "--num-nodes", "1", "--memory", "512m", "--tag", tag, "--env", bad, "--command", "true")
		if code := b.wait(t, 2*time.Minute); code != 2 || !strings.Contains(b.stderr.String(), "--env "+bad) {
			t.Errorf("--env %s: exit %d, want 2 with the flag named\n%s", bad, code, b)
		}
	}
	var apps struct {
		Apps struct {
			App []struct{ ID string } `json:"app"`
		} `json:"apps"`
	}
	getJSON(t, testenv.Require(t).RMWeb+"/ws/v1/cluster/apps?applicationTags="+tag, &apps)
	if n := len(apps.Apps.App); n != 1 {
		t.Fatalf("%d applications carry the tag; want only the good run's (refusals submit nothing)", n)
	}
}
