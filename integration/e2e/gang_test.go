//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// Issue 4's acceptance cases: a gang of N, honest exit codes, Airflow-safe lifecycle, and no
// process of the application left behind.

func TestGangOfThreeEchoesRanks(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, "submit", "--num-nodes", "3", "--memory", "256m", "--tag", tag, "--output", "json",
		"--command", `echo "rank $ORCA_YARN_RANK of $ORCA_YARN_WORLD_SIZE role $ORCA_YARN_ROLE head $ORCA_YARN_HEAD_HOST"; echo "to stderr $ORCA_YARN_RANK" >&2`)
	if code := r.wait(t, 3*time.Minute); code != 0 {
		t.Fatal(r)
	}
	out := r.stdout.String()
	for rank := range 3 {
		want := fmt.Sprintf("[command %d] rank %d of 3 role command head ", rank, rank)
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
		if want := fmt.Sprintf("[command %d] to stderr %d", rank, rank); !strings.Contains(r.stderr.String(), want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var res struct {
		AppID       string `json:"app_id"`
		State       string `json:"state"`
		FinalStatus string `json:"final_status"`
		ExitCode    int    `json:"exit_code"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last stdout line is not the JSON result: %v\n%s", err, r)
	}
	if res.State != "FINISHED" || res.FinalStatus != "SUCCEEDED" || res.ExitCode != 0 {
		t.Fatalf("result %+v", res)
	}
	if id, _, fin := appByTag(t, cl, tag); id != res.AppID || fin != "SUCCEEDED" {
		t.Fatalf("RM says %s %s for tag %s, client said %s", id, fin, tag, res.AppID)
	}
	assertNoProcessesOf(t, res.AppID)
}

func TestFailingRankExitsOneWithStatusAndLastLines(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, "submit", "--num-nodes", "3", "--memory", "256m", "--tag", tag,
		"--command", `if [ "$ORCA_YARN_RANK" = 2 ]; then echo "about to fail"; echo "boom: bad input" >&2; exit 3; fi; sleep 2`)
	if code := r.wait(t, 3*time.Minute); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, r)
	}
	for _, want := range []string{"rank 2", "exit code 3", "boom: bad input"} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("stderr lacks %q\n%s", want, r)
		}
	}
	id, _ := waitAppState(t, cl, tag, "FINISHED", time.Minute)
	assertNoProcessesOf(t, id)
}

func TestGangThatCannotBeAllocatedTimesOutWithExitFour(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	// 3 × 12 GiB on two 16 GiB NodeManagers: at most two fit, so the gang can never complete.
	r := start(t, "submit", "--num-nodes", "3", "--memory", "12g", "--allocation-timeout", "15s", "--tag", tag, "--command", "echo never")
	if code := r.wait(t, 3*time.Minute); code != 4 {
		t.Fatalf("exit %d, want 4\n%s", code, r)
	}
	if !strings.Contains(r.stderr.String(), "asked 3 × 12288 MiB") {
		t.Errorf("no diagnosis of what was asked\n%s", r)
	}
	id, final := waitAppState(t, cl, tag, "FINISHED", time.Minute)
	if final != "FAILED" {
		t.Errorf("final status %s, want FAILED", final)
	}
	var app struct {
		App struct {
			AllocatedMB int64 `json:"allocatedMB"`
			Containers  int   `json:"runningContainers"`
		} `json:"app"`
	}
	getJSON(t, cl.RMWeb+"/ws/v1/cluster/apps/"+id, &app)
	if app.App.AllocatedMB > 0 || app.App.Containers > 0 {
		t.Errorf("the timed-out app still holds %d MiB in %d containers", app.App.AllocatedMB, app.App.Containers)
	}
	assertNoProcessesOf(t, id)
}

func TestAboveMaxAllocationFailsBeforeSubmitting(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, "submit", "--memory", "64g", "--tag", tag, "--output", "json", "--command", "echo never")
	if code := r.wait(t, time.Minute); code != 4 {
		t.Fatalf("exit %d, want 4\n%s", code, r)
	}
	var res struct {
		State    string `json:"state"`
		ExitCode int    `json:"exit_code"`
	}
	lines := strings.Split(strings.TrimSpace(r.stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil || res.ExitCode != 4 || res.State != "NOT_SUBMITTED" {
		t.Errorf("--output json: the last stdout line should be the result even before submission: %+v %v\n%s", res, err, r)
	}
	if !strings.Contains(r.stderr.String(), "65536 MiB > 16384 MiB") {
		t.Errorf("the error does not say what was asked and what exists\n%s", r)
	}
	if id, _, _ := appByTag(t, cl, tag); id != "" {
		t.Fatalf("pre-flight failed but %s was submitted", id)
	}
}

func TestSigtermKillsTheApplicationAndExits143(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, "submit", "--num-nodes", "2", "--memory", "256m", "--tag", tag, "--command", `echo started; sleep 600`)
	r.waitOutput(t, "] started", 2*time.Minute)
	id, _, _ := appByTag(t, cl, tag)
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(t, 20*time.Second); code != 143 {
		t.Fatalf("exit %d after SIGTERM, want 143\n%s", code, r)
	}
	if _, st, fin := appByTag(t, cl, tag); st != "KILLED" {
		t.Fatalf("RM says %s/%s after SIGTERM, want KILLED", st, fin)
	}
	assertNoProcessesOf(t, id)
}

func TestClientSigkillEndsTheApplicationWithinTheLease(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, "submit", "--num-nodes", "1", "--memory", "256m", "--tag", tag, "--command", `echo started; sleep 600`)
	r.waitOutput(t, "] started", 2*time.Minute)
	_ = r.cmd.Process.Kill()
	r.wait(t, 10*time.Second)
	// The lease is 30 s; the AM checks it every second.
	id, final := waitAppState(t, cl, tag, "FINISHED", 90*time.Second)
	if final != "KILLED" {
		t.Fatalf("final status %s after the client vanished, want KILLED", final)
	}
	assertNoProcessesOf(t, id)
}

func TestDetachThenAttachByTag(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	d := start(t, "submit", "--detach", "--num-nodes", "2", "--memory", "256m", "--tag", tag,
		"--command", `sleep 8; echo "done $ORCA_YARN_RANK"`)
	if code := d.wait(t, time.Minute); code != 0 {
		t.Fatal(d)
	}
	a := start(t, "attach", "--tag", tag)
	if code := a.wait(t, 3*time.Minute); code != 0 {
		t.Fatal(a)
	}
	for _, want := range []string{"[command 0] done 0", "[command 1] done 1"} {
		if !strings.Contains(a.stdout.String(), want) {
			t.Errorf("attach output lacks %q\n%s", want, a)
		}
	}
	id, _ := waitAppState(t, cl, tag, "FINISHED", time.Minute)
	assertNoProcessesOf(t, id)
}

func TestIfTaggedAttachDoesNotSubmitTwice(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	first := start(t, "submit", "--num-nodes", "1", "--memory", "256m", "--tag", tag, "--command", `sleep 8; echo "first run"`)
	waitAppState(t, cl, tag, "RUNNING", 2*time.Minute)
	refused := start(t, "submit", "--tag", tag, "--if-tagged", "fail", "--command", "true")
	if code := refused.wait(t, time.Minute); code != 2 || !strings.Contains(refused.stderr.String(), "already running") {
		t.Fatalf("--if-tagged fail with a live app: want exit 2 naming it\n%s", refused)
	}
	retry := start(t, "submit", "--num-nodes", "1", "--memory", "256m", "--tag", tag, "--if-tagged", "attach", "--command", `echo "second run"`)
	if code := retry.wait(t, 3*time.Minute); code != 0 {
		t.Fatal(retry)
	}
	first.wait(t, time.Minute)
	if strings.Contains(retry.stdout.String(), "second run") || !strings.Contains(retry.stdout.String(), "first run") {
		t.Fatalf("the retry did not attach to the running app\n%s", retry)
	}
}
