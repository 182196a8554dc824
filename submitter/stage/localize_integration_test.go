//go:build integration

package stage_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

// What a real NodeManager does with our LocalResources. The AM container starts only when
// every resource was localized (the NodeManager checks each timestamp against HDFS), and its
// command checks what arrived before it runs the test AM: a FINISHED/SUCCEEDED app proves the
// files, the unpacked archive and the PYTHONPATH entries are as the container expects.

// localInputs makes --files data.csv, --archives env.tgz#environment and --py-files a.py mypkg/.
func localInputs(t *testing.T) stage.Inputs {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var tgz bytes.Buffer
	gz := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(gz)
	inner := []byte("inside\n")
	_ = tw.WriteHeader(&tar.Header{Name: "inner.txt", Mode: 0o644, Size: int64(len(inner)), Typeflag: tar.TypeReg})
	_, _ = tw.Write(inner)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	write("mypkg/__init__.py", "M = 2\n")
	return stage.Inputs{
		Files:    []string{write("data.csv", "hello-stage\n")},
		Archives: []string{write("env.tgz", tgz.String()) + "#environment"},
		PyFiles:  []string{write("a.py", "A = 1\n"), filepath.Join(dir, "mypkg")},
	}
}

// python is the interpreter the container's check uses: the NodeManagers of the local cluster
// run on this machine.
func python(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		t.Skipf("python3 is not installed: cannot check PYTHONPATH in the container (%v)", err)
	}
	return strings.TrimSpace(string(out))
}

func TestNodeManagerLocalizesStagedResources(t *testing.T) {
	cl := testenv.Require(t)
	py := python(t)
	c := client(t, cl, cl.User)
	rm := cl.RM(t)
	ctx := testenv.Ctx(t, 3*time.Minute)
	nn, err := cl.Conf.NameNodes()
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := rm.NewApplication(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The AM binary goes the way the orca-yarn binary will: content-addressed, PRIVATE.
	bin, err := stage.UploadContentAddressed(ctx, c, testenv.BuildTestAM(t), path.Join(scratch(t, cl, c), "bin"), stage.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := newStaging(t, cl, c, app)
	staged, err := s.Add(ctx, localInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	resources := staged.Resources
	resources["testam"] = bin.LocalResource(nn)
	var pythonPath []string
	for _, e := range staged.PythonPath {
		pythonPath = append(pythonPath, "{{PWD}}/"+e)
	}
	// Joined with spaces into `bash -c "..."` by the NodeManager: no double quotes in here.
	checks := fmt.Sprintf("grep -qx hello-stage data.csv && grep -qx inside environment/inner.txt && "+
		"%s -c 'import a, mypkg; assert (a.A, mypkg.M) == (1, 2)'", py)
	launch := &yarnpb.ContainerLaunchContextProto{
		Command: []string{"{ ls -laR >&2; " + checks + " && exec ./testam; }", "1><LOG_DIR>/stdout", "2><LOG_DIR>/stderr"},
	}
	env := map[string]string{"HADOOP_USER_NAME": cl.User, "PYTHONPATH": strings.Join(pythonPath, "<CPS>")}
	submit(t, rm, app, launch, resources, env)
	r := testenv.WaitState(t, rm, app, 3*time.Minute)
	if r.State != yarn.AppFinished || r.FinalStatus != yarn.FinalSucceeded {
		t.Fatalf("%s ended %s/%s: %s", app, r.State, r.FinalStatus, r.Diagnostics)
	}
}

// The NodeManager really checks the timestamp: one off by a millisecond fails localization.
// (This is what makes the test above a proof that ours are exact.)
func TestNodeManagerRefusesAWrongTimestamp(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	rm := cl.RM(t)
	ctx := testenv.Ctx(t, 3*time.Minute)
	app, _, err := rm.NewApplication(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := newStaging(t, cl, c, app)
	res, err := s.AddFile(ctx, localInputs(t).Files[0], "")
	if err != nil {
		t.Fatal(err)
	}
	lr := res["data.csv"]
	lr.Timestamp = proto.Int64(lr.GetTimestamp() + 1)
	submit(t, rm, app, &yarnpb.ContainerLaunchContextProto{Command: []string{"true"}}, res, nil)
	r := testenv.WaitState(t, rm, app, 3*time.Minute)
	if r.FinalStatus != yarn.FinalFailed || !strings.Contains(r.Diagnostics, "changed on src filesystem") {
		t.Fatalf("%s ended %s/%s, want FAILED on localization: %s", app, r.State, r.FinalStatus, r.Diagnostics)
	}
}

func submit(t *testing.T, rm *yarn.ApplicationClient, app yarn.ApplicationID, launch *yarnpb.ContainerLaunchContextProto,
	resources map[string]*yarnpb.LocalResourceProto, env map[string]string) {
	t.Helper()
	for link, lr := range resources {
		launch.LocalResources = append(launch.LocalResources, &yarnpb.StringLocalResourceMapProto{Key: proto.String(link), Value: lr})
	}
	testenv.SubmitAM(t, rm, app, launch, env)
}
