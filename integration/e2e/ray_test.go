//go:build integration

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// rayEnv is the Python env the Ray tests ship (scripts/install-python.sh makes it): ORCA_TEST_PYENV
// or the repository's .cache/venv-py. Without it the tests skip, or fail under
// ORCA_REQUIRE_CLUSTER=1 (make test), which installs it first.
func rayEnv(t *testing.T) string {
	t.Helper()
	env := os.Getenv("ORCA_TEST_PYENV")
	if env == "" {
		_, file, _, _ := runtime.Caller(0)
		env = filepath.Join(filepath.Dir(file), "..", "..", ".cache", "venv-py")
	}
	if _, err := os.Stat(filepath.Join(env, "bin", "ray")); err != nil {
		msg := "no Python env with Ray at " + env + ": run scripts/install-python.sh (make test does)"
		if os.Getenv("ORCA_REQUIRE_CLUSTER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return env
}

func testdata(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", name)
}

// rayArgs are the flags every Ray test uses: three nodes of 2 vcores and 3 GiB, the test env.
func rayArgs(t *testing.T, tag string, extra ...string) []string {
	return append([]string{"submit", "--num-nodes", "3", "--cores", "2", "--memory", "3g", "--tag", tag,
		"--env", rayEnv(t), "--allocation-timeout", "5m"}, extra...)
}

// The Ray program in both deploy modes: tasks on every node, an actor per node, 64 MB
// objects between nodes; exit 0 and nothing of the application left afterwards.
func TestRayProgramBothDeployModes(t *testing.T) {
	cl := testenv.Require(t)
	for _, mode := range []string{"cluster", "client"} {
		t.Run(mode, func(t *testing.T) {
			tag := uniqueTag(t)
			r := start(t, append(rayArgs(t, tag, "--deploy-mode", mode), testdata("ray_program.py"), "--", "3")...)
			if code := r.wait(t, 10*time.Minute); code != 0 {
				t.Fatalf("exit %d\n%s", code, r)
			}
			if !strings.Contains(r.stdout.String(), "RAY-OK 3 nodes") {
				t.Fatalf("the program did not report RAY-OK\n%s", r)
			}
			id, _, final := appByTag(t, cl, tag)
			if final != "SUCCEEDED" {
				t.Errorf("final status %s, want SUCCEEDED", final)
			}
			assertNoProcessesOf(t, id)
		})
	}
}

// The driver's exit code decides: a driver exiting 3 fails the application (exit 1).
func TestRayDriverFailureFailsTheApplication(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, append(rayArgs(t, tag), testdata("ray_program.py"), "--", "3", "3")...)
	if code := r.wait(t, 10*time.Minute); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, r)
	}
	if !strings.Contains(r.stdout.String(), "RAY-OK") || !strings.Contains(r.stderr.String(), "exit") {
		t.Fatalf("want the program's output and the failure\n%s", r)
	}
	id, _, _ := appByTag(t, cl, tag)
	assertNoProcessesOf(t, id)
}

// Filling the object store past its size (spilling) with every object alive: YARN does not
// kill a node for it, because the memory split and the test cluster's smaps-based accounting
// keep Ray inside its container.
func TestRayFillingTheObjectStoreIsNotKilled(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, append(rayArgs(t, tag), testdata("ray_fill_store.py"))...)
	if code := r.wait(t, 10*time.Minute); code != 0 || !strings.Contains(r.stdout.String(), "STORE-OK") {
		t.Fatalf("exit %d\n%s", code, r)
	}
	id, _, _ := appByTag(t, cl, tag)
	assertNoProcessesOf(t, id)
}

// A detached Ray cluster (what the Python API starts): ready with addresses and a private token
// file in the JSON; `orca-yarn kill` ends it with nothing left behind.
func TestRayDetachedClusterThenKill(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, rayArgs(t, tag, "--deploy-mode", "client", "--detach", "--output", "json")...)
	if code := r.wait(t, 10*time.Minute); code != 0 {
		t.Fatalf("exit %d\n%s", code, r)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout.String()), "\n")
	var res struct {
		AppID            string `json:"app_id"`
		State            string `json:"state"`
		RayAddress       string `json:"ray_address"`
		RayClientAddress string `json:"ray_client_address"`
		RayTokenFile     string `json:"ray_token_file"`
		EnvPath          string `json:"env_path"`
		EnvPython        string `json:"env_python"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not the result: %v\n%s", err, r)
	}
	if res.State != "RUNNING" || !strings.HasPrefix(res.RayClientAddress, "ray://") || res.RayAddress == "" ||
		!strings.HasPrefix(res.EnvPath, "hdfs://") || res.EnvPython == "" {
		t.Fatalf("result %+v", res)
	}
	if st, err := os.Stat(res.RayTokenFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file %s: %v %v", res.RayTokenFile, st, err)
	}
	if strings.Contains(r.stdout.String()+r.stderr.String(), mustRead(t, res.RayTokenFile)) {
		t.Fatal("the Ray token was printed")
	}
	kill := exec.Command(orcaBin(t), "kill", res.AppID)
	if out, err := kill.CombinedOutput(); err != nil {
		t.Fatalf("kill: %v\n%s", err, out)
	}
	waitFinal(t, cl, tag, "KILLED")
	assertNoProcessesOf(t, res.AppID)
}

// The client SIGKILLed while its driver runs in the cluster: the lease ends the application and
// no Ray process remains on any host.
func TestRayClientKilledLeavesNothingBehind(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, append(rayArgs(t, tag), testdata("ray_sleep.py"))...)
	r.waitOutput(t, "DRIVER-UP", 10*time.Minute)
	if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFinal(t, cl, tag, "KILLED")
	id, _, _ := appByTag(t, cl, tag)
	assertNoProcessesOf(t, id)
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

// waitFinal waits until the tagged application's final status is want.
func waitFinal(t *testing.T, cl *testenv.Cluster, tag, want string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		_, state, final := appByTag(t, cl, tag)
		if final == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("application tagged %s: %s/%s after 3m, want final status %s", tag, state, final, want)
		}
		time.Sleep(time.Second)
	}
}

// A worker's Ray node killed from outside: the AM replaces that worker alone, its new container
// joins the running cluster, and the driver (which waited for it) finishes: exit 0.
func TestRayDeadWorkerIsReplacedAndRejoins(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, append(rayArgs(t, tag, "--max-restarts", "1"), testdata("ray_rejoin.py"))...)
	r.waitOutput(t, "DRIVER-UP 3", 10*time.Minute)
	id, _, _ := appByTag(t, cl, tag)
	if err := syscall.Kill(roleProcess(t, "ray-node", id, 2), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(t, 10*time.Minute); code != 0 {
		t.Fatalf("exit %d\n%s", code, r)
	}
	if !strings.Contains(r.stdout.String(), "RECOVERED") || !strings.Contains(r.stderr.String(), "[am] replacing rank 2") {
		t.Fatalf("want the replacement and the driver's recovery\n%s", r)
	}
	assertNoProcessesOf(t, id)
}
