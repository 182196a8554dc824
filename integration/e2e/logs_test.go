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

// `orca-yarn logs` after the end, from YARN's aggregated logs on HDFS, including the case where
// the AM was killed and could not hand anything over.
func TestLogsAfterTheAMWasKilled(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	d := start(t, "submit", "--detach", "--num-nodes", "2", "--memory", "256m", "--max-attempts", "1", "--tag", tag,
		"--command", `echo "marker from rank $ORCA_YARN_RANK"; sleep 600`)
	if code := d.wait(t, time.Minute); code != 0 {
		t.Fatal(d)
	}
	id, _ := waitAppState(t, cl, tag, "RUNNING", 2*time.Minute)
	live := start(t, "logs", "--follow", id)
	live.waitOutput(t, "marker from rank 1", 2*time.Minute)
	live.waitOutput(t, "marker from rank 0", time.Minute)

	am := amProcess(t, id)
	if err := syscall.Kill(am, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitAppState(t, cl, tag, "FAILED", 2*time.Minute)
	live.wait(t, time.Minute)

	var r *run
	for deadline := time.Now().Add(time.Minute); ; {
		r = start(t, "logs", id)
		if r.wait(t, time.Minute) == 0 {
			break
		}
		if time.Now().After(deadline) { // aggregation takes a moment after the end
			t.Fatalf("logs never became readable: %s", r)
		}
		time.Sleep(2 * time.Second)
	}
	for _, want := range []string{"marker from rank 0", "marker from rank 1"} {
		if !strings.Contains(r.stdout.String(), want) {
			t.Errorf("aggregated logs lack %q\n%s", want, r)
		}
	}
	assertNoProcessesOf(t, id)
}

// amProcess finds the pid of the application's AM (`orca-yarn am` with the app id in its env).
func amProcess(t *testing.T, appID string) int {
	t.Helper()
	for range 100 {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
			if bytes.Contains(cmdline, []byte("orca-yarn\x00am")) && bytes.Contains(environ, []byte("CONTAINER_ID=container_")) &&
				bytes.Contains(environ, []byte(strings.TrimPrefix(appID, "application_"))) {
				return pid
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no AM process of %s found", appID)
	return 0
}

// The AM process killed: YARN starts attempt 2, the launchers find it through the RM and join it
// again while their commands run on, and the blocking client follows the new attempt to the
// application's real outcome. The command runs once: nothing restarted, nothing left behind.
func TestAMKilledSecondAttemptRecoversTheGang(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	gate := filepath.Join(t.TempDir(), "gate")
	r := start(t, "submit", "--num-nodes", "2", "--memory", "256m", "--max-attempts", "2", "--tag", tag, "--command",
		`echo "started $ORCA_YARN_RANK"; while [ ! -e `+gate+` ]; do sleep 0.2; done; echo "done $ORCA_YARN_RANK"`)
	r.waitOutput(t, "started 1", 2*time.Minute)
	r.waitOutput(t, "started 0", time.Minute)
	id, _, _ := appByTag(t, cl, tag)
	// The RM hands a new attempt only the containers it has seen RUNNING (the NodeManagers'
	// heartbeats tell it); a kill before that is a different case (the gang restarts, tested
	// elsewhere), seen under CI load.
	waitRMSeesRunning(t, cl, id, 3)
	if err := syscall.Kill(amProcess(t, id), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	r.waitStderr(t, "following the new attempt", 3*time.Minute)
	r.waitStderr(t, "[am] recovered all 2 ranks", 3*time.Minute)
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(t, 3*time.Minute); code != 0 {
		t.Fatalf("exit %d after the AM was killed\n%s", code, r)
	}
	out := r.stdout.String() + r.stderr.String()
	for _, rank := range []string{"0", "1"} {
		if n := strings.Count(out, "started "+rank+"\n"); n != 1 || !strings.Contains(out, "done "+rank) {
			t.Fatalf("rank %s started %d times (want once, through the AM restart) or did not finish\n%s", rank, n, r)
		}
	}
	assertNoProcessesOf(t, id)
}

// waitRMSeesRunning polls the RM REST API until the application's current attempt has n
// containers (the AM's included) in state RUNNING.
func waitRMSeesRunning(t *testing.T, cl *testenv.Cluster, id string, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var attempts struct {
			AppAttempts struct {
				AppAttempt []struct {
					AppAttemptID string `json:"appAttemptId"`
				} `json:"appAttempt"`
			} `json:"appAttempts"`
		}
		getJSON(t, cl.RMWeb+"/ws/v1/cluster/apps/"+id+"/appattempts", &attempts)
		running := 0
		if a := attempts.AppAttempts.AppAttempt; len(a) > 0 {
			var containers struct {
				Container []struct {
					State string `json:"containerState"`
				} `json:"container"`
			}
			getJSON(t, cl.RMWeb+"/ws/v1/cluster/apps/"+id+"/appattempts/"+a[len(a)-1].AppAttemptID+"/containers", &containers)
			for _, c := range containers.Container {
				if c.State == "RUNNING" {
					running++
				}
			}
		}
		if running >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the RM sees %d of %d containers of %s RUNNING after a minute", running, n, id)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
