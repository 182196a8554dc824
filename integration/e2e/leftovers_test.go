//go:build integration

package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// The launcher itself SIGKILLed (an operator, the OOM killer): the NodeManager signals only the
// container's process group, which the command left; the launch's guard ends what it started,
// also a daemon in its own session. The application fails (no restarts allowed) and nothing of it
// remains.
func TestKilledLauncherLeavesNothingBehind(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, "submit", "--num-nodes", "2", "--memory", "256m", "--max-restarts", "0", "--tag", tag, "--command",
		`echo "started $ORCA_YARN_RANK"; sleep 600 & setsid sleep 600 & wait`)
	r.waitOutput(t, "started 1", 2*time.Minute)
	r.waitOutput(t, "started 0", time.Minute)
	id, _, _ := appByTag(t, cl, tag)
	if err := syscall.Kill(roleProcess(t, "launch", id, 1), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(t, 3*time.Minute); code != 1 {
		t.Fatalf("exit %d after a launcher was killed with --max-restarts 0, want 1\n%s", code, r)
	}
	assertNoProcessesOf(t, id)
}

// roleProcess finds the `./orca-yarn ROLE` process (launch, ray-node) of an application's rank.
func roleProcess(t *testing.T, role, appID string, rank int) int {
	t.Helper()
	want := [][]byte{[]byte("ORCA_YARN_APP_ID=" + appID), []byte("ORCA_YARN_RANK=" + strconv.Itoa(rank))}
	for range 100 {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if !bytes.Equal(cmdline, []byte("./orca-yarn\x00"+role+"\x00")) {
				continue
			}
			environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
			vars := bytes.Split(environ, []byte{0})
			found := 0
			for _, w := range want {
				for _, v := range vars {
					if bytes.Equal(v, w) {
						found++
						break
					}
				}
			}
			if found == len(want) {
				return pid
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %s process of %s rank %d found", role, appID, rank)
	return 0
}
