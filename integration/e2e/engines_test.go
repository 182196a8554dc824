//go:build integration

package e2e

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

// engineArgs: two containers of 2 vcores with a 1 GiB Spark executor each; --memory is left to
// the submitter, which sizes the container from Spark's and Ray's shares.
func engineArgs(t *testing.T, tag, engines string, extra ...string) []string {
	return append([]string{"submit", "--engines", engines, "--num-nodes", "2", "--cores", "2", "--spark-memory", "1g",
		"--tag", tag, "--env", rayEnv(t), "--allocation-timeout", "5m"}, extra...)
}

// One YARN application holds both engines: the driver in the head container runs a Spark job on
// executors inside the gang's containers (of this application, not another) and Ray tasks on
// every node; nothing is left afterwards, Spark's JVMs included.
func TestRayAndSparkInOneGangClusterMode(t *testing.T) {
	cl := testenv.Require(t)
	for _, engines := range []string{"ray,spark", "spark"} {
		t.Run(strings.ReplaceAll(engines, ",", "+"), func(t *testing.T) {
			tag := uniqueTag(t)
			r := start(t, append(engineArgs(t, tag, engines), testdata("ray_spark_program.py"), "--", "2", engines)...)
			if code := r.wait(t, 10*time.Minute); code != 0 {
				t.Fatalf("exit %d\n%s", code, r)
			}
			id, _, final := appByTag(t, cl, tag)
			want := []string{"ENGINES-OK", fmt.Sprintf("spark_apps=%s spark_containers=2", id)}
			if engines == "ray,spark" {
				want = append(want, "ray_nodes=2")
			}
			for _, w := range want {
				if !strings.Contains(r.stdout.String(), w) {
					t.Fatalf("want %q from the driver\n%s", w, r)
				}
			}
			if final != "SUCCEEDED" {
				t.Errorf("final status %s, want SUCCEEDED", final)
			}
			assertNoProcessesOf(t, id)
		})
	}
}

// The Python API's path: a detached gang with both engines, then a driver on this machine that
// attaches to its Spark Master (with the secret file) and to Ray (Ray Client with the token).
// YARN holds one application whose memory is the gang's containers and the AM, nothing more;
// a driver without the secret is refused; the kill leaves nothing behind.
func TestRayAndSparkGangDetachedWithAClientDriver(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, engineArgs(t, tag, "ray,spark", "--deploy-mode", "client", "--detach", "--output", "json")...)
	if code := r.wait(t, 10*time.Minute); code != 0 {
		t.Fatalf("exit %d\n%s", code, r)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout.String()), "\n")
	var res struct {
		AppID            string `json:"app_id"`
		RayClientAddress string `json:"ray_client_address"`
		RayTokenFile     string `json:"ray_token_file"`
		SparkMaster      string `json:"spark_master"`
		SparkUI          string `json:"spark_ui_url"`
		SparkSecretFile  string `json:"spark_secret_file"`
		ContainerPython  string `json:"container_python"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not the result: %v\n%s", err, r)
	}
	t.Cleanup(func() { _ = exec.Command(orcaBin(t), "kill", res.AppID).Run() })
	if !strings.HasPrefix(res.SparkMaster, "spark://") || res.SparkSecretFile == "" || !filepath.IsAbs(res.ContainerPython) {
		t.Fatalf("want the Spark master, secret file and the executors' python: %+v", res)
	}
	if st, err := os.Stat(res.SparkSecretFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("spark secret file %s: %v, want mode 0600", res.SparkSecretFile, err)
	}
	if strings.Contains(r.stdout.String()+r.stderr.String(), readFile(t, res.SparkSecretFile)) {
		t.Fatal("the Spark secret was printed")
	}
	assertOneApplicationOfGangSize(t, cl, tag, res.AppID)

	driver := func(secretFile string) (string, error) {
		cmd := exec.Command(filepath.Join(rayEnv(t), "bin", "python"), testdata("ray_spark_program.py"), "2")
		cmd.Env = append(os.Environ(), "ORCA_YARN_SPARK_MASTER="+res.SparkMaster, "ORCA_YARN_SPARK_SECRET_FILE="+secretFile,
			"ORCA_YARN_SPARK_PYTHON="+res.ContainerPython, "RAY_ADDRESS="+res.RayClientAddress,
			"RAY_AUTH_MODE=token", "RAY_AUTH_TOKEN_PATH="+res.RayTokenFile)
		out, err := runWithTimeout(cmd, 5*time.Minute)
		return out, err
	}
	out, err := driver(res.SparkSecretFile)
	if err != nil || !strings.Contains(out, fmt.Sprintf("spark_apps=%s spark_containers=2", res.AppID)) || !strings.Contains(out, "ray_nodes=2") {
		t.Fatalf("the client driver: %v\n%s", err, out)
	}
	wrong := filepath.Join(t.TempDir(), "wrong-secret")
	if err := os.WriteFile(wrong, []byte("not-the-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := driver(wrong); err == nil || strings.Contains(out, "ENGINES-OK") {
		t.Fatalf("a driver with the wrong Spark secret was let in\n%s", out)
	}
	if out, err := exec.Command(orcaBin(t), "kill", res.AppID).CombinedOutput(); err != nil {
		t.Fatalf("kill: %v\n%s", err, out)
	}
	assertNoProcessesOf(t, res.AppID)
}

// assertOneApplicationOfGangSize: the tag names one application, and YARN's allocation for it is
// the gang (two containers of the planned size, each rounded up by at most 1 GiB, a common
// scheduler step; 128 MiB here) and the
// AM: no second application for Spark, no executor containers beside the gang.
func assertOneApplicationOfGangSize(t *testing.T, cl *testenv.Cluster, tag, id string) {
	t.Helper()
	var body struct {
		Apps struct {
			App []struct {
				ID          string `json:"id"`
				AllocatedMB int64  `json:"allocatedMB"`
				Containers  int    `json:"runningContainers"`
			} `json:"app"`
		} `json:"apps"`
	}
	getJSON(t, cl.RMWeb+"/ws/v1/cluster/apps?applicationTags="+tag, &body)
	if len(body.Apps.App) != 1 || body.Apps.App[0].ID != id {
		t.Fatalf("want one application %s with tag %s, got %+v", id, tag, body.Apps.App)
	}
	plan := start(t, engineArgs(t, uniqueTag(t), "ray,spark", "--deploy-mode", "client", "--detach", "--dry-run", "--output", "json")...)
	if code := plan.wait(t, 2*time.Minute); code != 0 {
		t.Fatalf("dry-run exit %d\n%s", code, plan)
	}
	var p struct {
		Container struct {
			MemoryMB int64 `json:"MemoryMB"`
		} `json:"container"`
	}
	planLines := strings.Split(strings.TrimSpace(plan.stdout.String()), "\n")
	if err := json.Unmarshal([]byte(planLines[len(planLines)-1]), &p); err != nil || p.Container.MemoryMB == 0 {
		t.Fatalf("the dry-run plan: %v\n%s", err, plan)
	}
	roundUp := func(mb int64) int64 { return (mb + 1023) / 1024 * 1024 }
	bound := 2*roundUp(p.Container.MemoryMB) + roundUp(256)
	a := body.Apps.App[0]
	if a.AllocatedMB > bound || a.Containers != 3 {
		t.Fatalf("YARN allocated %d MB in %d containers, want at most %d MB in 3 (2 x %d MB + the AM)",
			a.AllocatedMB, a.Containers, bound, p.Container.MemoryMB)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// runWithTimeout runs cmd and returns its combined output; a run longer than d is killed.
func runWithTimeout(cmd *exec.Cmd, d time.Duration) (string, error) {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		return out.String(), fmt.Errorf("still running after %s", d)
	}
}
