//go:build integration

package pyenv

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// orcaBin is the binary under test: $ORCA_YARN_BIN (make test-integration builds it), else built
// here.
func orcaBin(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("ORCA_YARN_BIN"); b != "" {
		return b
	}
	b := filepath.Join(t.TempDir(), "orca-yarn")
	if out, err := exec.Command("go", "build", "-o", b, "github.com/orca-yarn/orca-yarn/cmd/orca-yarn").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	return b
}

// TestCondaEnvInYARN is the relocation check where it matters: `orca-yarn submit --env` packs the
// conda-style fixture and ships it; in two real containers, once the env's original prefix is
// gone from this host (renamed as soon as the submit returned: the NodeManagers run here too),
// verify.sh imports ray, numpy and pyspark, runs `ray --version` and the probe with the prefix
// compiled in, and checks that nothing is read from outside the localized copy. The launcher's
// link to the env's destination is what the probe's compiled-in path goes through.
func TestCondaEnvInYARN(t *testing.T) {
	testenv.Require(t)
	if os.Geteuid() != 0 {
		t.Skip("hiding the fixture means renaming it; the fixture and the NodeManagers are root's here")
	}
	bin := orcaBin(t)
	fx := fixtures(t)
	prefix := fx["ORCA_FIXTURE_CONDA"]
	root, _, _ := strings.Cut(fx["ORCA_FIXTURE_HIDE"], ":")
	if !strings.HasPrefix(prefix, root+"/") {
		t.Fatalf("fixture prefix %s is not under %s", prefix, root)
	}
	// The containers wait (up to a minute) until the prefix is gone, then check.
	command := fmt.Sprintf(`for i in $(seq 600); do [ -e %q ] || break; sleep 0.1; done
bash verify.sh ./environment --imports ray,numpy,pyspark --script 'ray --version' --script 'pip --version' --probe`, prefix)
	sub := exec.Command(bin, "submit", "--detach", "--output", "json", "--env", prefix, "--num-nodes", "2",
		"--memory", "1g", "--files", "verify.sh", "--name", "orca-it-pyenv-relocation", "--command", command)
	out, err := sub.Output()
	if err != nil {
		t.Fatalf("submit: %v\n%s", err, errText(err))
	}
	var res struct {
		AppID string `json:"app_id"`
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if json.Unmarshal([]byte(lines[len(lines)-1]), &res) != nil || res.AppID == "" {
		t.Fatalf("submit printed no application id:\n%s", out)
	}
	hidden := root + ".hidden-by-test"
	if err := os.Rename(root, hidden); err != nil {
		t.Fatalf("hide the fixture: %v", err)
	}
	restore := func() {
		if _, err := os.Stat(hidden); err == nil {
			if err := os.Rename(hidden, root); err != nil {
				t.Errorf("restore the fixture: %v", err)
			}
		}
	}
	defer restore()
	attach := exec.Command(bin, "attach", res.AppID)
	done := make(chan struct{})
	var logs []byte
	go func() {
		logs, err = attach.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Minute):
		_ = attach.Process.Kill()
		<-done
		_ = exec.Command(bin, "kill", res.AppID).Run()
		t.Fatalf("%s did not end in 10 minutes:\n%s", res.AppID, logs)
	}
	restore()
	t.Logf("%s:\n%s", res.AppID, logs)
	if err != nil {
		t.Fatalf("the relocation check failed in YARN containers: %v", err)
	}
	if n := strings.Count(string(logs), "verify: "); n != 2 || strings.Contains(string(logs), "FAIL ") {
		t.Fatalf("want two passing verify runs, got %d", n)
	}
}

func errText(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
