package raynode

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var testPorts = Ports{
	GCS: 24001, ClientServer: 24002, Dashboard: 24003, DashboardMetrics: 24004, AutoscalerMetrics: 24005,
	NodeManager: 24006, ObjectManager: 24007, DashboardAgentHTTP: 24008, DashboardAgentGRPC: 24009,
	RuntimeEnvAgent: 24010, MetricsExport: 24011, MinWorker: 24100, MaxWorker: 24299,
}

func testNode(head bool) Node {
	n := Node{
		Head: head, Ray: "/env/bin/ray", NodeIP: "10.0.0.5", NodeName: "container_1_0001_01_000002",
		TempDir: "/tmp/orca-ray-0123456789ab", Ports: testPorts, CPUs: 4, GPUs: 1,
		Memory:    Memory{Container: 8 << 30, Overhead: 1 << 30, ObjectStore: 2 << 30, Heap: 5 << 30},
		TokenFile: "/work/c/ray-token",
	}
	if !head {
		n.HeadAddress = "10.0.0.4:24001"
		n.Ports.GCS, n.Ports.ClientServer, n.Ports.Dashboard, n.Ports.DashboardMetrics, n.Ports.AutoscalerMetrics = 0, 0, 0, 0, 0
	}
	return n
}

func TestHeadCommand(t *testing.T) {
	c, err := testNode(true).Command()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/env/bin/ray", "start", "--block", "--head", "--port=24001",
		"--node-ip-address=10.0.0.5", "--temp-dir=/tmp/orca-ray-0123456789ab", "--num-cpus=4", "--num-gpus=1",
		"--memory=5368709120", "--object-store-memory=2147483648", "--disable-usage-stats",
		"--log-style=record", "--log-color=false", "--node-name=container_1_0001_01_000002",
		"--include-dashboard=false", "--dashboard-port=24003", "--ray-client-server-port=24002",
		"--node-manager-port=24006", "--object-manager-port=24007", "--dashboard-agent-listen-port=24008",
		"--dashboard-agent-grpc-port=24009", "--runtime-env-agent-port=24010", "--metrics-export-port=24011",
		"--min-worker-port=24100", "--max-worker-port=24299"}
	if !slices.Equal(c.Argv, want) {
		t.Fatalf("argv\n got %q\nwant %q", c.Argv, want)
	}
	for _, kv := range []string{"RAY_AUTH_MODE=token", "RAY_AUTH_TOKEN_PATH=/work/c/ray-token", "RAY_USAGE_STATS_ENABLED=0",
		"RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S=0", "AUTOSCALER_METRIC_PORT=24005", "DASHBOARD_METRIC_PORT=24004"} {
		if !slices.Contains(c.Env, kv) {
			t.Errorf("env lacks %s: %q", kv, c.Env)
		}
	}
	n := testNode(true)
	n.Dashboard = true
	c, _ = n.Command()
	if !slices.Contains(c.Argv, "--include-dashboard=true") || !slices.Contains(c.Argv, "--dashboard-host=10.0.0.5") {
		t.Errorf("dashboard asked for but argv is %q", c.Argv)
	}
}

func TestWorkerCommand(t *testing.T) {
	c, err := testNode(false).Command()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c.Argv, "--address=10.0.0.4:24001") {
		t.Errorf("worker argv lacks the head address: %q", c.Argv)
	}
	// `ray start` refuses these on a worker.
	for _, a := range c.Argv {
		for _, headOnly := range []string{"--head", "--port=", "--include-dashboard", "--dashboard-port", "--ray-client-server-port"} {
			if strings.HasPrefix(a, headOnly) {
				t.Errorf("worker argv has head-only %s", a)
			}
		}
	}
	for _, kv := range c.Env {
		if strings.HasPrefix(kv, "AUTOSCALER_METRIC_PORT") || strings.HasPrefix(kv, "DASHBOARD_METRIC_PORT") {
			t.Errorf("worker env has head port %s", kv)
		}
	}
}

func TestCommandRejects(t *testing.T) {
	for name, change := range map[string]func(*Node){
		"hostname":         func(n *Node) { n.NodeIP = "nm1.example" },
		"127.0.0.1":        func(n *Node) { n.NodeIP = "127.0.0.1" },
		"::1":              func(n *Node) { n.NodeIP = "::1" },
		"relative temp":    func(n *Node) { n.TempDir = "ray" },
		"long temp":        func(n *Node) { n.TempDir = "/hadoop/yarn/local/usercache/u/appcache/application_1_0001/ray" },
		"no token":         func(n *Node) { n.TokenFile = "" },
		"no name":          func(n *Node) { n.NodeName = "" },
		"no memory":        func(n *Node) { n.Memory = Memory{} },
		"negative cpus":    func(n *Node) { n.CPUs = -1 },
		"no worker ports":  func(n *Node) { n.Ports.MinWorker = 0 },
		"upside down":      func(n *Node) { n.Ports.MaxWorker = n.Ports.MinWorker - 1 },
		"head without gcs": func(n *Node) { n.Ports.GCS = 0 },
		"head no metrics":  func(n *Node) { n.Ports.DashboardMetrics = 0 },
	} {
		n := testNode(true)
		change(&n)
		if _, err := n.Command(); !errors.Is(err, ErrBadNode) {
			t.Errorf("%s: %v, want ErrBadNode", name, err)
		}
	}
	for _, addr := range []string{"", "10.0.0.4", "10.0.0.4:0"} {
		n := testNode(false)
		n.HeadAddress = addr
		if _, err := n.Command(); !errors.Is(err, ErrBadNode) {
			t.Errorf("worker with head address %q: %v", addr, err)
		}
	}
	if MaxTempDirLen != 43 {
		t.Errorf("MaxTempDirLen %d, want 43", MaxTempDirLen)
	}
}

// The shell line must give bash exactly the argv, whatever it contains.
func TestShellQuoting(t *testing.T) {
	c := Command{Argv: []string{"printf", `%s\n`, "it's", "$HOME", "a b", "`x`", `"q"`, ""}}
	out, err := exec.Command("/bin/bash", "-c", c.Shell()).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), "it's\n$HOME\na b\n`x`\n\"q\"\n\n"; got != want {
		t.Fatalf("bash printed %q, want %q", got, want)
	}
}

func TestEnviron(t *testing.T) {
	c := Command{Env: []string{"RAY_AUTH_MODE=token", "A=new"}, Unset: []string{"RAY_AUTH_TOKEN", "RAY_ADDRESS"}}
	got := c.Environ([]string{"PATH=/bin", "A=old", "RAY_AUTH_TOKEN=leak", "RAY_ADDRESS=x:1", "RAY_AUTH_MODE=disabled", "B"})
	want := []string{"PATH=/bin", "B", "RAY_AUTH_MODE=token", "A=new"}
	if !slices.Equal(got, want) {
		t.Fatalf("Environ = %q, want %q", got, want)
	}
	d := DriverEnv([]string{"RAY_AUTH_TOKEN=leak", "RAY_ADDRESS=old", "HOME=/h"}, "ray://10.0.0.4:24002", "/t")
	want = []string{"HOME=/h", "RAY_ADDRESS=ray://10.0.0.4:24002", "RAY_AUTH_MODE=token", "RAY_AUTH_TOKEN_PATH=/t"}
	if !slices.Equal(d, want) {
		t.Fatalf("DriverEnv = %q, want %q", d, want)
	}
}

func TestMakeTempDir(t *testing.T) {
	base := t.TempDir()
	if len(base) > MaxTempDirLen-len("/orca-ray-0123456789ab") {
		base = "/tmp" // the test's own temp dir is too long for the check; /tmp is what the launcher uses
	}
	a, err := MakeTempDir(base, "container_1_0001_01_000001")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(a)
	b, err := MakeTempDir(base, "container_1_0001_01_000002")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(b)
	again, err := MakeTempDir(base, "container_1_0001_01_000001")
	if err != nil || again != a || a == b || len(a) > MaxTempDirLen || filepath.Dir(a) != base {
		t.Fatalf("temp dirs %q %q %q (%v)", a, b, again, err)
	}
	if st, err := os.Stat(a); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("temp dir mode %v (%v), want 0700", st.Mode().Perm(), err)
	}
	if _, err := MakeTempDir("/hadoop/yarn/local/usercache/someone/appcache", "c"); !errors.Is(err, ErrBadNode) {
		t.Fatalf("long base: %v", err)
	}
}

func TestResolveNodeIP(t *testing.T) {
	for host, want := range map[string]string{"10.1.2.3": "10.1.2.3", "fd00::1": "fd00::1", "localhost": "127.0.0.1"} {
		if got, err := ResolveNodeIP(t.Context(), host); err != nil || got != want {
			t.Errorf("ResolveNodeIP(%q) = %q, %v; want %q", host, got, err, want)
		}
	}
}
