//go:build integration

package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// A container's program killed from outside counts against --max-restarts: the gang restarts as
// generation 2, and the application still succeeds.
func TestKilledContainerRestartsTheGang(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, "submit", "--num-nodes", "2", "--memory", "256m", "--max-restarts", "1", "--tag", tag, "--command",
		`echo "gen $ORCA_YARN_GENERATION rank $ORCA_YARN_RANK"; if [ "$ORCA_YARN_GENERATION" = 1 ]; then sleep 600; fi; echo "done $ORCA_YARN_RANK"`)
	r.waitOutput(t, "gen 1 rank 1", 2*time.Minute)
	r.waitOutput(t, "gen 1 rank 0", time.Minute)
	id, _, _ := appByTag(t, cl, tag)
	// The container's program itself (bash -c CMD), as an OOM killer or an operator would.
	victim := processWithEnv(t, "bash", "ORCA_YARN_APP_ID="+id, "ORCA_YARN_RANK=1")
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(t, 3*time.Minute); code != 0 {
		t.Fatalf("exit %d after one killed container with --max-restarts 1\n%s", code, r)
	}
	for _, want := range []string{"[command 0] gen 2 rank 0", "[command 1] gen 2 rank 1", "[command 0] done 0", "[command 1] done 1"} {
		if !strings.Contains(r.stdout.String(), want) {
			t.Errorf("stdout lacks %q\n%s", want, r)
		}
	}
	assertNoProcessesOf(t, id)
}

// processWithEnv finds the pid of a process named comm whose environment holds every entry.
func processWithEnv(t *testing.T, comm string, env ...string) int {
	t.Helper()
	for range 100 {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			c, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
			if strings.TrimSpace(string(c)) != comm {
				continue
			}
			environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
			all := true
			for _, kv := range env {
				all = all && bytes.Contains(environ, []byte(kv+"\x00"))
			}
			if all {
				return pid
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %s process with %v", comm, env)
	return 0
}
