//go:build integration

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// The CLI as users and Airflow run it: the real binary against the real cluster.

// orcaBin is the binary under test: $ORCA_YARN_BIN (make test builds it), else built here once.
func orcaBin(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("ORCA_YARN_BIN"); b != "" {
		return b
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "orca-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "orca-yarn")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/orca-yarn/orca-yarn/cmd/orca-yarn").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("%v: %s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// run is one CLI invocation and what came out of it.
type run struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan struct{}
	code           int
}

func start(t *testing.T, args ...string) *run {
	t.Helper()
	testenv.Require(t)
	r := &run{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(orcaBin(t), args...)
	r.cmd.Stdout, r.cmd.Stderr = r.stdout, r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = r.cmd.Wait()
		r.code = r.cmd.ProcessState.ExitCode()
		if ws, ok := r.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.code = 128 + int(ws.Signal())
		}
		close(r.done)
	}()
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		<-r.done
	})
	return r
}

// wait returns the exit code, failing the test if the CLI does not end within d.
func (r *run) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(d):
		t.Fatalf("orca-yarn %v still running after %s\nstdout:\n%s\nstderr:\n%s", r.cmd.Args[1:], d, r.stdout, r.stderr)
	}
	return -1
}

// waitOutput waits until stdout contains s.
func (r *run) waitOutput(t *testing.T, s string, d time.Duration) {
	t.Helper()
	r.waitIn(t, r.stdout, s, d)
}

// waitStderr waits until stderr (the client's own messages) contains s.
func (r *run) waitStderr(t *testing.T, s string, d time.Duration) {
	t.Helper()
	r.waitIn(t, r.stderr, s, d)
}

func (r *run) waitIn(t *testing.T, b *syncBuffer, s string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(b.String(), s) {
		select {
		case <-r.done:
			t.Fatalf("orca-yarn exited %d before printing %q\nstdout:\n%s\nstderr:\n%s", r.code, s, r.stdout, r.stderr)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q after %s\nstdout:\n%s\nstderr:\n%s", s, d, r.stdout, r.stderr)
		}
	}
}

func (r *run) String() string {
	return fmt.Sprintf("orca-yarn %v exited %d\nstdout:\n%s\nstderr:\n%s", r.cmd.Args[1:], r.code, r.stdout, r.stderr)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// uniqueTag names one test's application so it can be found through the RM.
func uniqueTag(t *testing.T) string {
	return fmt.Sprintf("it-%d", time.Now().UnixNano())
}

// appByTag returns the id of the (newest) application carrying tag, via the RM REST API.
func appByTag(t *testing.T, cl *testenv.Cluster, tag string) (id, state, final string) {
	t.Helper()
	var body struct {
		Apps struct {
			App []struct {
				ID          string `json:"id"`
				State       string `json:"state"`
				FinalStatus string `json:"finalStatus"`
				AllocatedMB int64  `json:"allocatedMB"`
			} `json:"app"`
		} `json:"apps"`
	}
	getJSON(t, cl.RMWeb+"/ws/v1/cluster/apps?applicationTags="+tag, &body)
	if len(body.Apps.App) == 0 {
		return "", "", ""
	}
	a := body.Apps.App[0]
	return a.ID, a.State, a.FinalStatus
}

// waitAppState polls the RM REST API until the tagged application is in state (or d passes).
func waitAppState(t *testing.T, cl *testenv.Cluster, tag, state string, d time.Duration) (id, final string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		id, st, fin := appByTag(t, cl, tag)
		if st == state {
			return id, fin
		}
		if time.Now().After(deadline) {
			t.Fatalf("application tagged %s is %q (%s), want %s after %s", tag, st, fin, state, d)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// assertNoProcessesOf fails if any process on this machine still belongs to the application: its
// id in the command line or in ORCA_YARN_APP_ID. The local cluster's NodeManagers run here, so
// this sees every container process. It waits a little for the NodeManagers' own clean-up.
func assertNoProcessesOf(t *testing.T, appID string) {
	t.Helper()
	if appID == "" {
		t.Fatal("no application id to check")
	}
	var left []string
	for range 40 {
		left = processesOf(appID)
		if len(left) == 0 {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("processes of %s remain:\n%s", appID, strings.Join(left, "\n"))
}

func processesOf(appID string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if bytes.Contains(cmdline, []byte(appID)) || bytes.Contains(environ, []byte("ORCA_YARN_APP_ID="+appID)) {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}

// interruptSignal is what a user's ^C sends.
var interruptSignal = syscall.SIGINT
