//go:build integration

package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// A real application whose ApplicationMaster is our own Go program (testam/): it registers with
// its AMRMToken, allocates a container, starts a command in it through the NodeManager with the
// NMToken, and unregisters. Everything on the YARN side is the real RM and NMs.

func TestGoAMRunsAContainerAndSucceeds(t *testing.T) {
	cl := testenv.Require(t)
	rm := cl.RM(t)
	// ORCA_EXPECT_QOP (set by `make test` in its integrity and privacy lanes) makes the AM accept
	// only that SASL protection towards the RM scheduler and the NodeManager.
	id := cl.SubmitTestAM(t, rm, map[string]string{"ORCA_TESTAM_COMMAND": "sleep 1", "ORCA_TESTAM_QOP": os.Getenv("ORCA_EXPECT_QOP")})
	r := testenv.WaitState(t, rm, id, 3*time.Minute)
	if r.State != yarn.AppFinished || r.FinalStatus != yarn.FinalSucceeded {
		t.Fatalf("%s ended %s/%s: %s", id, r.State, r.FinalStatus, r.Diagnostics)
	}
	var rest struct {
		App struct {
			State       string `json:"state"`
			FinalStatus string `json:"finalStatus"`
		} `json:"app"`
	}
	getJSON(t, cl.RMWeb+"/ws/v1/cluster/apps/"+id.String(), &rest)
	if rest.App.State != "FINISHED" || rest.App.FinalStatus != "SUCCEEDED" {
		t.Fatalf("RM REST says %s/%s for %s", rest.App.State, rest.App.FinalStatus, id)
	}
}

func TestGoAMReportsAFailedContainer(t *testing.T) {
	cl := testenv.Require(t)
	rm := cl.RM(t)
	id := cl.SubmitTestAM(t, rm, map[string]string{"ORCA_TESTAM_COMMAND": "exit 3"})
	r := testenv.WaitState(t, rm, id, 3*time.Minute)
	if r.FinalStatus != yarn.FinalFailed {
		t.Fatalf("%s ended %s/%s, want FAILED: %s", id, r.State, r.FinalStatus, r.Diagnostics)
	}
	if want := "exit code 3"; !strings.Contains(r.Diagnostics, want) {
		t.Fatalf("diagnostics %q do not name %q", r.Diagnostics, want)
	}
}

func TestKillRunningApplication(t *testing.T) {
	cl := testenv.Require(t)
	rm := cl.RM(t)
	id := cl.SubmitTestAM(t, rm, map[string]string{"ORCA_TESTAM_MODE": "hold"})
	if r := testenv.WaitState(t, rm, id, 2*time.Minute, yarn.AppRunning); r.State != yarn.AppRunning {
		t.Fatalf("%s reached %s/%s instead of RUNNING: %s", id, r.State, r.FinalStatus, r.Diagnostics)
	}
	if err := rm.Kill(testenv.Ctx(t, 60*time.Second), id, "killed by TestKillRunningApplication"); err != nil {
		t.Fatal(err)
	}
	r := testenv.WaitState(t, rm, id, time.Minute)
	if r.State != yarn.AppKilled {
		t.Fatalf("%s is %s after kill, want KILLED", id, r.State)
	}
	apps, err := rm.Applications(testenv.Ctx(t, 30*time.Second), yarn.ApplicationFilter{Tags: []string{"orca-it"}, States: []yarn.AppState{yarn.AppKilled}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range apps {
		found = found || a.ID == id
	}
	if !found {
		t.Fatalf("%s not listed among KILLED apps tagged orca-it", id)
	}
}
