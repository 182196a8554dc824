//go:build integration

package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

// A real application whose ApplicationMaster is our own Go program (testam/): it registers with
// its AMRMToken, allocates a container, starts a command in it through the NodeManager with the
// NMToken, and unregisters. Everything on the YARN side is the real RM and NMs.

// buildTestAM compiles testam once per test binary run.
func buildTestAM(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "testam")
	cmd := exec.Command("go", "build", "-o", out, "./testam")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build testam: %v\n%s", err, b)
	}
	return out
}

// stageFile uploads a local file to HDFS and returns it as a LocalResource, with the exact size
// and modification time the NodeManager's localizer checks.
func stageFile(t *testing.T, cl *testenv.Cluster, local, dir string) *yarnpb.LocalResourceProto {
	t.Helper()
	fs := cl.HDFS(t)
	if err := fs.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fs.RemoveAll(dir) })
	remote := path.Join(dir, filepath.Base(local))
	src, err := os.Open(local)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	w, err := fs.Create(remote)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, src); err != nil {
		t.Fatal(err)
	}
	if err := testenv.CloseReplicated(w); err != nil {
		t.Fatal(err)
	}
	st, err := fs.Stat(remote)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := cl.Conf.NameNodes()
	if err != nil {
		t.Fatal(err)
	}
	host, port := splitHostPort(t, ns.NameNodes[0].Addr)
	return &yarnpb.LocalResourceProto{
		Resource: &yarnpb.URLProto{
			Scheme: proto.String("hdfs"), Host: proto.String(host), Port: proto.Int32(port), File: proto.String(remote),
		},
		Size:       proto.Int64(st.Size()),
		Timestamp:  proto.Int64(st.ModTime().UnixMilli()),
		Type:       yarnpb.LocalResourceTypeProto_FILE.Enum(),
		Visibility: yarnpb.LocalResourceVisibilityProto_APPLICATION.Enum(),
	}
}

func splitHostPort(t *testing.T, addr string) (string, int32) {
	t.Helper()
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.ParseInt(portStr, 10, 32)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return host, int32(port)
}

// submitTestAM submits an application whose AM runs testam with the given environment.
func submitTestAM(t *testing.T, cl *testenv.Cluster, rm *yarn.ApplicationClient, env map[string]string) yarn.ApplicationID {
	t.Helper()
	ctx := testCtx(t, 60*time.Second)
	id, maxRes, err := rm.NewApplication(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if maxRes.MemoryMB < 128 {
		t.Fatalf("max allocation %v is below the 128 MiB the test AM needs", maxRes)
	}
	res := stageFile(t, cl, buildTestAM(t), fmt.Sprintf("/user/%s/.orca-it/%s", cl.User, id))
	env["HADOOP_USER_NAME"] = cl.User
	launch := &yarnpb.ContainerLaunchContextProto{
		LocalResources: []*yarnpb.StringLocalResourceMapProto{{Key: proto.String("testam"), Value: res}},
		Command:        []string{"./testam", "1><LOG_DIR>/stdout", "2><LOG_DIR>/stderr"},
	}
	for k, v := range env {
		launch.Environment = append(launch.Environment, &yarnpb.StringStringMapProto{Key: proto.String(k), Value: proto.String(v)})
	}
	err = rm.Submit(ctx, &yarnpb.ApplicationSubmissionContextProto{
		ApplicationId:   id.Proto(),
		ApplicationName: proto.String(t.Name()),
		ApplicationType: proto.String("ORCA-IT"),
		ApplicationTags: []string{"orca-it"},
		Queue:           proto.String("default"),
		AmContainerSpec: launch,
		Resource:        yarn.Resource{MemoryMB: 128, VCores: 1}.Proto(),
		MaxAppAttempts:  proto.Int32(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if r, err := rm.Report(ctx, id); err == nil && !r.State.Terminal() {
			_ = rm.Kill(ctx, id, "test cleanup")
		}
	})
	return id
}

// waitState polls the RM until the application reaches one of the states (or any terminal one).
func waitState(t *testing.T, rm *yarn.ApplicationClient, id yarn.ApplicationID, timeout time.Duration, states ...yarn.AppState) *yarn.ApplicationReport {
	t.Helper()
	ctx := testCtx(t, timeout)
	for {
		r, err := rm.Report(ctx, id)
		if err != nil {
			t.Fatalf("report %s: %v", id, err)
		}
		for _, s := range states {
			if r.State == s {
				return r
			}
		}
		if r.State.Terminal() {
			return r
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s still %s after %s: %s", id, r.State, timeout, r.Diagnostics)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func TestGoAMRunsAContainerAndSucceeds(t *testing.T) {
	cl := testenv.Require(t)
	rm := rmClient(t, cl)
	id := submitTestAM(t, cl, rm, map[string]string{"ORCA_TESTAM_COMMAND": "sleep 1"})
	r := waitState(t, rm, id, 3*time.Minute)
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
	rm := rmClient(t, cl)
	id := submitTestAM(t, cl, rm, map[string]string{"ORCA_TESTAM_COMMAND": "exit 3"})
	r := waitState(t, rm, id, 3*time.Minute)
	if r.FinalStatus != yarn.FinalFailed {
		t.Fatalf("%s ended %s/%s, want FAILED: %s", id, r.State, r.FinalStatus, r.Diagnostics)
	}
	if want := "exit code 3"; !strings.Contains(r.Diagnostics, want) {
		t.Fatalf("diagnostics %q do not name %q", r.Diagnostics, want)
	}
}

func TestKillRunningApplication(t *testing.T) {
	cl := testenv.Require(t)
	rm := rmClient(t, cl)
	id := submitTestAM(t, cl, rm, map[string]string{"ORCA_TESTAM_MODE": "hold"})
	if r := waitState(t, rm, id, 2*time.Minute, yarn.AppRunning); r.State != yarn.AppRunning {
		t.Fatalf("%s reached %s/%s instead of RUNNING: %s", id, r.State, r.FinalStatus, r.Diagnostics)
	}
	if err := rm.Kill(testCtx(t, 60*time.Second), id, "killed by TestKillRunningApplication"); err != nil {
		t.Fatal(err)
	}
	r := waitState(t, rm, id, time.Minute)
	if r.State != yarn.AppKilled {
		t.Fatalf("%s is %s after kill, want KILLED", id, r.State)
	}
	apps, err := rm.Applications(testCtx(t, 30*time.Second), yarn.ApplicationFilter{Tags: []string{"orca-it"}, States: []yarn.AppState{yarn.AppKilled}})
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
