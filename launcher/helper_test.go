package launcher

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The scenarios below start real processes under a Reaper, which makes its process a child
// subreaper and reaps every child with wait4(-1). That must not happen in the test binary itself:
// it would reap other tests' children. So TestSubreaper re-executes the test binary once per
// scenario with helperEnv set; there TestSubreaperHelper runs the scenario as a normal subtest.
//
// A scenario announces every pid it learns on stdout (pidMarker); the helper kills them when the
// scenario ends, and the parent checks from outside, after the helper exited, that none survived
// (and kills any that did).
const (
	helperEnv = "ORCA_LAUNCHER_TEST_SUBREAPER"
	pidMarker = "orca-launcher-test-pid"
)

// subreaperScenarios run only inside the helper process.
var subreaperScenarios = []struct {
	name string
	run  func(t *testing.T)
}{
	{"ExitCodes", testExitCodes},
	{"StopKillsSetsidAndBackground", testStopKillsSetsidAndBackground},
	{"FinalCleanupKillsDoubleFork", testFinalCleanupKillsDoubleFork},
	{"SigkillAfterGrace", testSigkillAfterGrace},
	{"StopCatchesForksDuringKill", testStopCatchesForksDuringKill},
	{"RunOutput", testRunOutput},
	{"RunGenerationChange", testRunGenerationChange},
	{"RunRejoin", testRunRejoin},
	{"RunCancelled", testRunCancelled},
	{"RunKillsLeftoverDaemon", testRunKillsLeftoverDaemon},
	{"RunApplicationClosed", testRunApplicationClosed},
	{"RunFailsBeforeCommand", testRunFailsBeforeCommand},
}

func TestSubreaper(t *testing.T) {
	for _, sc := range subreaperScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			runHelper(t, sc.name)
		})
	}
}

// TestSubreaperHelper is the helper process's entry point; run directly it does nothing.
func TestSubreaperHelper(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		return
	}
	for _, sc := range subreaperScenarios {
		t.Run(sc.name, sc.run)
	}
}

func runHelper(t *testing.T, name string) {
	cmd := exec.CommandContext(t.Context(), os.Args[0],
		"-test.run=^TestSubreaperHelper$/^"+name+"$", "-test.v", "-test.count=1")
	// The race detector sleeps a second at exit by default; a helper has nothing left to report.
	cmd.Env = append(os.Environ(), helperEnv+"=1", "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out, raw strings.Builder
	var learned []procStat
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		raw.WriteString(line + "\n")
		var p procStat
		if _, err := fmt.Sscanf(line, pidMarker+" %d %d", &p.Pid, &p.Start); err == nil {
			learned = append(learned, p)
			t.Cleanup(func() { killIfSame(p) })
			continue
		}
		// The helper's own test chatter would be counted as this run's results.
		if !strings.HasPrefix(strings.TrimSpace(line), "--- ") && !strings.HasPrefix(line, "=== ") {
			out.WriteString(line + "\n")
		}
	}
	err = cmd.Wait()
	// Without the PASS line of the scenario itself, a misspelt name would pass by running nothing.
	if err != nil || !strings.Contains(raw.String(), "--- PASS: TestSubreaperHelper/"+name+" ") {
		t.Fatalf("helper %s: %v\n%s%s", name, err, out.String(), stderr.String())
	}
	for _, p := range learned {
		if now, err := readStat(p.Pid); err == nil && now.Start == p.Start {
			t.Errorf("pid %d outlived the helper (state %c)", p.Pid, now.State)
		}
	}
}

func killIfSame(p procStat) {
	if now, err := readStat(p.Pid); err == nil && now.Start == p.Start {
		_ = syscall.Kill(p.Pid, syscall.SIGKILL)
	}
}

// learn records a pid of the scenario: announced to the parent, killed at the end of the test.
func learn(t *testing.T, pid int) procStat {
	t.Helper()
	p, err := readStat(pid)
	if err != nil {
		t.Fatalf("pid %d: %v", pid, err)
	}
	fmt.Printf("%s %d %d\n", pidMarker, p.Pid, p.Start)
	t.Cleanup(func() { killIfSame(p) })
	return p
}

// alive says whether p is still there (a zombie counts: it is not reaped yet).
func alive(p procStat) bool {
	now, err := readStat(p.Pid)
	return err == nil && now.Start == p.Start
}

// noDescendants fails if anything is still below this process.
func noDescendants(t *testing.T) {
	t.Helper()
	procs, err := scanProcs()
	if err != nil {
		t.Fatal(err)
	}
	if left := descendants(procs, os.Getpid(), 0, 0); len(left) > 0 {
		t.Fatalf("%d descendants left, e.g. %+v", len(left), left[0])
	}
}

// newTestReaper makes this (helper) process the subreaper for one scenario; at the end anything
// left below it is killed and the role given up.
func newTestReaper(t *testing.T) *Reaper {
	t.Helper()
	r, err := NewReaper(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.StopAllDescendants(context.Background(), 0); err != nil {
			t.Error(err)
		}
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

// output reads a process's two pipes: Lines hands out stdout lines as they come, Rest waits for
// both pipes' EOF.
type output struct {
	stdout *bufio.Reader
	wg     sync.WaitGroup
	stderr bytes.Buffer
}

func readOutput(t *testing.T, p *Process) *output {
	o := &output{stdout: bufio.NewReader(p.Stdout())}
	o.wg.Go(func() { _, _ = o.stderr.ReadFrom(p.Stderr()) })
	t.Cleanup(func() {
		p.Stdout().Close()
		p.Stderr().Close()
	})
	return o
}

// line returns the next stdout line.
func (o *output) line(t *testing.T) string {
	t.Helper()
	s, err := o.stdout.ReadString('\n')
	if err != nil {
		t.Fatalf("reading stdout: %v (got %q, stderr %q)", err, s, o.stderr.String())
	}
	return strings.TrimSuffix(s, "\n")
}

// pid reads the next stdout line as a pid and learns it.
func (o *output) pid(t *testing.T) procStat {
	t.Helper()
	var pid int
	if _, err := fmt.Sscan(o.line(t), &pid); err != nil {
		t.Fatal(err)
	}
	return learn(t, pid)
}

// rest waits for EOF on both pipes and returns the remaining stdout.
func (o *output) rest(t *testing.T) string {
	t.Helper()
	b, err := io.ReadAll(o.stdout)
	if err != nil {
		t.Fatal(err)
	}
	o.wg.Wait()
	return string(b)
}

// eventually waits until cond holds; the test's own timeout bounds the wait.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if t.Context().Err() != nil {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
