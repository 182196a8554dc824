package raynode_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/barrier"
	"github.com/orca-yarn/orca-yarn/launcher"
	"github.com/orca-yarn/orca-yarn/launcher/raynode"
)

// The real-Ray test starts a head and a worker as real `ray start --block` processes on one host
// (loopback address 127.0.0.2: Ray rewrites 127.0.0.1 to the host's outward address), each with
// its own temp dir and port plan: the collision case of two containers on one NodeManager.
// It waits for both in the GCS, runs a driver in cluster mode (RAY_ADDRESS = GCS) with tasks on
// both nodes, checks every socket the nodes and the driver listen on against the plans, runs a
// driver through Ray Client with the token, then stops everything with the launcher's tree stop.
//
// The launcher's Reaper makes its process a child subreaper and reaps every child, so the test
// runs in a helper process (the test binary again, with helperEnv set); the parent checks from
// outside, after the helper exited, that no process the helper saw is still running.
const (
	helperEnv = "ORCA_RAYNODE_TEST_HELPER"
	venvEnv   = "ORCA_VENV_PY"
	pidMarker = "orca-raynode-test-pid"
)

// venvDir is the Python env of scripts/install-python.sh, or the test is skipped.
func venvDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(venvEnv)
	if dir == "" {
		wd, _ := os.Getwd()
		for d := wd; d != "/"; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, ".cache", "venv-py")
				break
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bin", "ray")); err != nil {
		t.Skipf("real Ray tests need the Python env with Ray: run scripts/install-python.sh (no %s/bin/ray)", dir)
	}
	return dir
}

func TestRealRayTwoNodesOneHost(t *testing.T) {
	venv := venvDir(t)
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestRealRayHelper$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1", venvEnv+"="+venv,
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen []proc
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, pidMarker+" "); ok {
			var p proc
			if _, err := fmt.Sscan(rest, &p.pid, &p.start, &p.comm); err == nil {
				seen = append(seen, p)
			}
			continue
		}
		t.Log(line)
	}
	werr := cmd.Wait()
	if stderr.Len() > 0 {
		t.Logf("helper stderr:\n%s", stderr.String())
	}
	if werr != nil {
		t.Errorf("helper: %v", werr)
	}
	if len(seen) == 0 {
		t.Fatal("the helper reported no Ray process")
	}
	// From outside the helper: every process it saw is gone, orphans included.
	for _, p := range seen {
		if stillRunning(p) {
			t.Errorf("pid %d (%s) outlived the stop", p.pid, p.comm)
			_ = syscallKill(p.pid)
		}
	}
}

// helper is the state of the run inside the helper process.
type helper struct {
	t      *testing.T
	venv   string
	reaper *launcher.Reaper
	env    []string
	mu     sync.Mutex
	out    bytes.Buffer // every line of every process, for a failure's report
}

func TestRealRayHelper(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("helper process of TestRealRayTwoNodesOneHost")
	}
	h := &helper{t: t, venv: os.Getenv(venvEnv)}
	log := logrus.New()
	log.SetOutput(os.Stderr)
	reaper, err := launcher.NewReaper(logrus.NewEntry(log))
	if err != nil {
		t.Fatal(err)
	}
	defer reaper.Close()
	h.reaper = reaper
	h.env = append(os.Environ(), "PATH="+filepath.Join(h.venv, "bin")+":"+os.Getenv("PATH"))
	defer func() {
		if t.Failed() || os.Getenv("ORCA_RAYNODE_TEST_VERBOSE") != "" {
			h.mu.Lock()
			t.Logf("output of the Ray processes:\n%s", h.out.String())
			h.mu.Unlock()
		}
	}()
	h.run(t.Context())
}

func (h *helper) run(ctx context.Context) {
	t := h.t
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	base, err := os.MkdirTemp("/tmp", "orq-") // short: Ray's socket paths live below it
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	token, err := raynode.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(base, "ray-token")
	if err := raynode.WriteTokenFile(tokenFile, token); err != nil {
		t.Fatal(err)
	}
	const nodeIP = "127.0.0.2"
	shm, err := raynode.ShmAvailable()
	if err != nil {
		t.Fatal(err)
	}
	seed := strconv.Itoa(os.Getpid())
	mk := func(head bool, rank int, name string) raynode.Node {
		ports, err := raynode.PlanPorts(raynode.PortOptions{Head: head, Seed: seed + "/" + strconv.Itoa(rank), WorkerPorts: 50})
		if err != nil {
			t.Fatal(err)
		}
		mem, err := raynode.SplitMemory(raynode.MemoryOptions{Container: 3 << 30, Head: head, CPUs: 1, ShmAvailable: shm})
		if err != nil {
			t.Fatal(err)
		}
		dir, err := raynode.MakeTempDir(base, name)
		if err != nil {
			t.Fatal(err)
		}
		// The dashboard is on here so that its listeners are checked too.
		return raynode.Node{Head: head, Ray: filepath.Join(h.venv, "bin", "ray"), NodeIP: nodeIP, NodeName: name,
			TempDir: dir, Ports: ports, CPUs: 1, Memory: mem, Dashboard: head, TokenFile: tokenFile}
	}
	head, worker := mk(true, 0, "c-head"), mk(false, 1, "c-worker")
	plan := barrier.Plan{Generation: 1, WorldSize: 2, HeadHost: nodeIP, Members: []barrier.Member{
		{Rank: 0, Host: nodeIP, ContainerID: head.NodeName, Attrs: raynode.Attrs(nodeIP, head.Ports)},
		{Rank: 1, Host: nodeIP, ContainerID: worker.NodeName, Attrs: raynode.Attrs(nodeIP, worker.Ports)},
	}}
	if worker.HeadAddress, err = raynode.HeadGCSAddress(plan); err != nil {
		t.Fatal(err)
	}
	t.Logf("head ports %+v", head.Ports)
	t.Logf("worker ports %+v", worker.Ports)

	started := time.Now()
	headProc := h.startNode("head", head)
	// As rayrole does: the worker starts once the head's GCS has its session, so that the
	// worker's `ray start` never sleeps in its retry loops.
	gcs, err := raynode.NewGCSClient(worker.HeadAddress, token)
	if err != nil {
		t.Fatal(err)
	}
	defer gcs.Close()
	sessionCtx, sessionCancel := context.WithTimeout(ctx, 2*time.Minute)
	session, err := gcs.WaitSession(sessionCtx)
	sessionCancel()
	if err != nil || !strings.HasPrefix(session, "session_") {
		headProc.Stop(context.WithoutCancel(ctx), launcher.DefaultGrace)
		t.Fatalf("the head's session: %q, %v", session, err)
	}
	t.Logf("ray start -> the head's GCS has session %s: %v", session, time.Since(started).Round(time.Millisecond))
	workerProc := h.startNode("worker", worker)
	// Whatever happens next, the trees are stopped (the test's point) and what was seen reported.
	var everyone []proc
	defer func() {
		stopCtx, stopCancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer stopCancel()
		everyone = append(everyone, below(os.Getpid())...)
		h.report(everyone)
		t0 := time.Now()
		// Like a container's launcher: stopping the command stops every descendant of this
		// process, so the worker's tree and the drivers' go too.
		hexit, err := headProc.Stop(stopCtx, launcher.DefaultGrace)
		if err != nil {
			t.Errorf("stop: %v", err)
		}
		wexit, err := workerProc.Wait(stopCtx)
		if err != nil {
			t.Errorf("worker after the stop: %v", err)
		}
		t.Logf("tree stop took %v; head %v, worker %v", time.Since(t0).Round(time.Millisecond), hexit, wexit)
		if left := below(os.Getpid()); len(left) > 0 {
			t.Errorf("processes left below the launcher: %+v", left)
		}
		for _, p := range everyone {
			if stillRunning(p) {
				t.Errorf("pid %d (%s) is still running", p.pid, p.comm)
			}
		}
	}()

	readyCtx, readyCancel := context.WithTimeout(ctx, 2*time.Minute)
	ready, err := gcs.WaitReady(readyCtx, []string{head.NodeName, worker.NodeName})
	readyCancel()
	if err != nil {
		t.Fatalf("wait ready: %v", err)
	}
	t.Logf("ray start -> 2 nodes alive in the GCS: %v", time.Since(started).Round(time.Millisecond))
	for _, n := range ready {
		if n.Address != nodeIP || (n.Name == head.NodeName) != n.Head {
			t.Errorf("node %+v", n)
		}
	}
	// The GCS really demands the token.
	other, _ := raynode.NewToken()
	if bad, err := raynode.NewGCSClient(worker.HeadAddress, other); err == nil {
		if _, err := bad.Nodes(ctx); err == nil || !strings.Contains(err.Error(), "refused the auth token") {
			t.Errorf("GCS with another token: %v", err)
		}
		bad.Close()
	}

	// Cluster mode: a driver in the head's container.
	gcsAddr, _ := raynode.HeadGCSAddress(plan)
	goFile := filepath.Join(base, "go")
	driver := h.startPython(ctx, "driver", raynode.DriverEnv(h.env, gcsAddr, tokenFile), driverScript, goFile)
	if !h.waitLine(ctx, driver, "HOLDING") {
		t.Fatal("the driver did not run its tasks")
	}
	everyone = append(everyone, below(os.Getpid())...)
	h.checkSockets(head, headProc.Pid(), worker, workerProc.Pid(), driver.p.Pid())
	h.checkTokenHidden(token, below(os.Getpid()), base, tokenFile)
	if err := os.WriteFile(goFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h.mustExit0(ctx, driver)

	// Client mode: Ray Client with the token, as from the edge node.
	clientAddr, err := raynode.HeadClientAddress(plan)
	if err != nil {
		t.Fatal(err)
	}
	client := h.startPython(ctx, "client", raynode.DriverEnv(h.env, clientAddr, tokenFile), clientScript)
	h.mustExit0(ctx, client)
	everyone = append(everyone, below(os.Getpid())...)
}

// checkSockets: each node listens on every port of its plan and on nothing else, and the driver
// only on a port of the head's worker block (a driver takes one from the node it attaches to).
func (h *helper) checkSockets(head raynode.Node, headPid int, worker raynode.Node, workerPid int, driverPid int) {
	t := h.t
	for _, c := range []struct {
		name    string
		pid     int
		allowed []int
		must    []int
	}{
		{"head", headPid, head.Ports.All(), nonWorkerPorts(head.Ports)},
		{"worker", workerPid, worker.Ports.All(), nonWorkerPorts(worker.Ports)},
		{"driver", driverPid, portRange(head.Ports.MinWorker, head.Ports.MaxWorker), nil},
	} {
		socks, err := sockets(tree(c.pid))
		if err != nil {
			t.Fatal(err)
		}
		listening := map[int]bool{}
		for _, s := range socks {
			listening[s.port] = true
			if s.proto != "tcp" || !containsInt(c.allowed, s.port) {
				t.Errorf("%s: unplanned socket %v", c.name, s)
			}
		}
		for _, p := range c.must {
			if !listening[p] {
				t.Errorf("%s: planned port %d has no listener", c.name, p)
			}
		}
		t.Logf("%s listens on %d sockets, all planned", c.name, len(socks))
	}
}

func nonWorkerPorts(p raynode.Ports) []int {
	var out []int
	for _, v := range p.All() {
		if v < p.MinWorker || v > p.MaxWorker {
			out = append(out, v)
		}
	}
	return out
}

func portRange(lo, hi int) []int {
	var out []int
	for v := lo; v <= hi; v++ {
		out = append(out, v)
	}
	return out
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// checkTokenHidden: the token is on no command line, in no environment and in no file Ray
// wrote (logs, session files), only in its own file.
func (h *helper) checkTokenHidden(token []byte, procs []proc, base, tokenFile string) {
	t := h.t
	for _, p := range procs {
		for _, what := range []string{"cmdline", "environ"} {
			b, _ := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/" + what)
			if bytes.Contains(b, token) {
				t.Errorf("pid %d (%s) has the token in its %s", p.pid, p.comm, what)
			}
		}
	}
	files := 0
	filepath.WalkDir(base, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || path == tokenFile {
			return nil
		}
		files++
		if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, token) {
			t.Errorf("%s holds the token", path)
		}
		return nil
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	if bytes.Contains(h.out.Bytes(), token) {
		t.Error("a Ray process printed the token")
	}
	t.Logf("token in none of %d processes' command lines and environments, nor in %d files of the temp dirs", len(procs), files)
}

// report tells the parent every pid seen, so it can check after the helper is gone.
func (h *helper) report(procs []proc) {
	for _, p := range procs {
		fmt.Printf("%s %d %d %s\n", pidMarker, p.pid, p.start, strings.ReplaceAll(p.comm, " ", "_"))
	}
}
