package raynode

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/orca-yarn/orca-yarn/launcher"
)

// MaxTempDirLen is the longest --temp-dir that keeps Ray's unix sockets within Linux's 107-byte
// sun_path: Ray puts them at TEMP/session_YYYY-MM-DD_HH-MM-SS_ffffff_PID/sockets/plasma_store,
// 64 bytes after TEMP with a 7-digit pid (pid_max 4194304). YARN's container directories are
// far longer, hence a directory of its own under /tmp.
const MaxTempDirLen = 107 - len("/session_2006-01-02_15-04-05_000000_4194304/sockets/plasma_store")

// ErrBadNode: the node description cannot make a working `ray start`.
var ErrBadNode = errors.New("raynode: bad node")

// Node is one Ray node to start in a container.
type Node struct {
	Head bool
	// Ray is the `ray` executable of the packed env; "": `ray` from PATH.
	Ray string
	// NodeIP is the NodeManager host's address (ResolveNodeIP), which the node registers under
	// and binds its agents and Ray Client server to. Not 127.0.0.1 or ::1: Ray replaces those by
	// the host's outward address, so the node would not be where the plan says.
	NodeIP string
	// HeadAddress is the head's GCS, host:port (HeadGCSAddress); workers only.
	HeadAddress string
	// NodeName is the container id: GCSClient.WaitReady finds the node by it, and Ray shows it.
	NodeName string
	// TempDir is this container's own Ray directory (MakeTempDir): sessions, sockets, logs,
	// spilled objects. Never shared: two nodes sharing it share session_latest and
	// ray_current_cluster.
	TempDir   string
	Ports     Ports
	CPUs      int // the container's vcores; Ray would count the host's
	GPUs      int // the container's GPUs; Ray would count the host's
	Memory    Memory
	Dashboard bool   // head: serve the dashboard on NodeIP:Ports.Dashboard
	TokenFile string // the private token file (WriteTokenFile); token auth is always on
}

// Command is `ray start --block` for a node: what to run and the environment it needs.
type Command struct {
	Argv []string
	// Env is set over the container's environment; Unset is removed from it (Environ).
	Env   []string
	Unset []string
}

// Command builds the node's `ray start`. It never includes the token, only the path of its file.
// Every port is explicit, --block keeps `ray start` in the foreground as the parent of every Ray
// process (the launcher's tree stop ends them; never `ray stop`, which kills every Ray of the
// user on the host), and SIGTERM tears the node down at once instead of draining for 30 s.
func (n Node) Command() (Command, error) {
	if err := n.validate(); err != nil {
		return Command{}, err
	}
	ray := n.Ray
	if ray == "" {
		ray = "ray"
	}
	p := n.Ports
	argv := []string{ray, "start", "--block"}
	if n.Head {
		argv = append(argv, "--head", flagInt("port", p.GCS))
	} else {
		argv = append(argv, "--address="+n.HeadAddress)
	}
	argv = append(argv,
		"--node-ip-address="+n.NodeIP,
		"--temp-dir="+n.TempDir,
		flagInt("num-cpus", n.CPUs),
		flagInt("num-gpus", n.GPUs),
		flagInt64("memory", n.Memory.Heap),
		flagInt64("object-store-memory", n.Memory.ObjectStore),
		"--disable-usage-stats",
		"--log-style=record", "--log-color=false", // plain lines for the log stream
	)
	argv = append(argv, "--node-name="+n.NodeName)
	if n.Head {
		argv = append(argv,
			"--include-dashboard="+strconv.FormatBool(n.Dashboard),
			flagInt("dashboard-port", p.Dashboard),
			flagInt("ray-client-server-port", p.ClientServer))
		if n.Dashboard {
			argv = append(argv, "--dashboard-host="+n.NodeIP)
		}
	}
	argv = append(argv,
		flagInt("node-manager-port", p.NodeManager),
		flagInt("object-manager-port", p.ObjectManager),
		flagInt("dashboard-agent-listen-port", p.DashboardAgentHTTP),
		flagInt("dashboard-agent-grpc-port", p.DashboardAgentGRPC),
		flagInt("runtime-env-agent-port", p.RuntimeEnvAgent),
		flagInt("metrics-export-port", p.MetricsExport),
		flagInt("min-worker-port", p.MinWorker),
		flagInt("max-worker-port", p.MaxWorker),
	)
	env := append(authEnv(n.TokenFile),
		"RAY_USAGE_STATS_ENABLED=0",
		// SIGTERM to `ray start` would otherwise drain the node for up to 30 s first.
		"RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S=0",
		"PYTHONUNBUFFERED=1", // ray start's lines reach the log stream as they are printed
		// The Ray Client proxy forks a server per client connection from a process full of gRPC
		// threads. With gRPC's fork support on (its default), the child restarts gRPC's event
		// engine after the fork and, now and then, segfaults there before it execs (seen here
		// about one client connection in ten: "Starting Ray client server failed", a segfault
		// in cygrpc in the kernel log). Ray's children exec right away and need none of it.
		"GRPC_ENABLE_FORK_SUPPORT=false",
	)
	if n.Head {
		// Not flags but environment variables; their defaults are fixed ports.
		env = append(env,
			"AUTOSCALER_METRIC_PORT="+strconv.Itoa(p.AutoscalerMetrics),
			"DASHBOARD_METRIC_PORT="+strconv.Itoa(p.DashboardMetrics))
	}
	// A node must not follow an address or a token meant for something else.
	return Command{Argv: argv, Env: env, Unset: []string{EnvAuthToken, "RAY_ADDRESS"}}, nil
}

func flagInt(name string, v int) string     { return "--" + name + "=" + strconv.Itoa(v) }
func flagInt64(name string, v int64) string { return "--" + name + "=" + strconv.FormatInt(v, 10) }

func (n Node) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadNode}, a...)...)
	}
	p := n.Ports
	switch {
	case net.ParseIP(n.NodeIP) == nil:
		return bad("node IP %q is not an IP address", n.NodeIP)
	case n.NodeIP == "127.0.0.1" || n.NodeIP == "::1":
		return bad("node IP %s: Ray would replace it by the host's outward address; use that, or another loopback address such as 127.0.0.2", n.NodeIP)
	case !filepath.IsAbs(n.TempDir) || len(n.TempDir) > MaxTempDirLen:
		return bad("temp dir %q must be absolute and at most %d bytes (unix socket paths)", n.TempDir, MaxTempDirLen)
	case n.NodeName == "":
		return bad("no node name (the container id)")
	case n.TokenFile == "":
		return bad("no token file: token authentication is always on")
	case n.CPUs < 0 || n.GPUs < 0:
		return bad("%d CPUs, %d GPUs", n.CPUs, n.GPUs)
	case n.Memory.ObjectStore < MinObjectStore || n.Memory.Heap <= 0:
		return bad("object store %d bytes, heap %d bytes (use SplitMemory)", n.Memory.ObjectStore, n.Memory.Heap)
	case p.NodeManager == 0 || p.ObjectManager == 0 || p.DashboardAgentHTTP == 0 || p.DashboardAgentGRPC == 0 ||
		p.RuntimeEnvAgent == 0 || p.MetricsExport == 0 || p.MinWorker == 0 || p.MaxWorker < p.MinWorker:
		return bad("incomplete port plan %+v (use PlanPorts)", p)
	case n.Head && (p.GCS == 0 || p.ClientServer == 0 || p.Dashboard == 0 || p.DashboardMetrics == 0 || p.AutoscalerMetrics == 0):
		return bad("incomplete head port plan %+v (use PlanPorts with Head)", p)
	case !n.Head && n.HeadAddress == "":
		return bad("a worker needs the head's address")
	}
	if !n.Head {
		if _, port, err := net.SplitHostPort(n.HeadAddress); err != nil || port == "0" {
			return bad("head address %q is not host:port", n.HeadAddress)
		}
	}
	return nil
}

// ResolveNodeIP turns the NodeManager's host name (NM_HOST) into the node's IP: an IP literal as
// it is, else the first IPv4 address the resolver gives, else the first address.
func ResolveNodeIP(ctx context.Context, host string) (string, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.String(), nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return "", fmt.Errorf("raynode: resolve node host %q: %w", host, err)
	}
	if len(addrs) == 0 {
		return "", fmt.Errorf("raynode: resolve node host %q: no address", host)
	}
	for _, a := range addrs {
		if a.Unmap().Is4() {
			return a.Unmap().String(), nil
		}
	}
	return addrs[0].String(), nil
}

// Shell is the command line for `/bin/bash -c` (the launcher's Spec.Command): exec, so `ray
// start` takes bash's place as the container command's process.
func (c Command) Shell() string {
	q := make([]string, len(c.Argv))
	for i, a := range c.Argv {
		q[i] = shellQuote(a)
	}
	return "exec " + strings.Join(q, " ")
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Environ is base (the container's environment, KEY=VALUE) with c.Unset removed and c.Env set,
// each name once.
func (c Command) Environ(base []string) []string {
	return launcher.MergeEnv(base, c.Env, c.Unset)
}

// DriverEnv is base with what a Ray driver needs to join the cluster: RAY_ADDRESS, read by a
// bare ray.init(), and token authentication. In the head container (cluster deploy mode) the
// address is HeadGCSAddress; outside the cluster (client deploy mode) it is HeadClientAddress,
// ray://host:port, the Ray Client, which carries the token too (checked on Ray 2.60). The token
// file must be private to the driver's user.
func DriverEnv(base []string, address, tokenFile string) []string {
	return launcher.MergeEnv(base, append([]string{"RAY_ADDRESS=" + address}, authEnv(tokenFile)...), []string{EnvAuthToken})
}

// MakeTempDir creates (or reuses) a short Ray directory for a container under base (usually
// /tmp), named after the container id, mode 0700 so no other user of the host reaches the
// sockets Ray makes world-writable inside. The launcher removes it after the tree is stopped.
func MakeTempDir(base, containerID string) (string, error) {
	sum := sha256.Sum256([]byte(containerID))
	dir := filepath.Join(base, "orca-ray-"+hex.EncodeToString(sum[:6]))
	if !filepath.IsAbs(dir) || len(dir) > MaxTempDirLen {
		return "", fmt.Errorf("%w: temp dir %q must be absolute and at most %d bytes", ErrBadNode, dir, MaxTempDirLen)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("raynode: make temp dir: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", fmt.Errorf("raynode: make temp dir: %w", err)
	}
	return dir, nil
}
