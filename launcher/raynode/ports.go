package raynode

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"strconv"
)

// Ports is every TCP port a Ray node listens on. Ray picks the ones it is not given at random or
// from fixed defaults (52365, 10001, 44217, 44227, 10002-19999), which collide as soon as two
// nodes share a host; so a node gets all of them from its own plan.
type Ports struct {
	// Head only.
	GCS               int // --port
	ClientServer      int // --ray-client-server-port: Ray Client (ray://); started whenever ray[client] is installed
	Dashboard         int // --dashboard-port: bound only when the dashboard is on
	DashboardMetrics  int // DASHBOARD_METRIC_PORT: the dashboard process's Prometheus endpoint, bound even when the dashboard is off
	AutoscalerMetrics int // AUTOSCALER_METRIC_PORT: the autoscaler monitor's Prometheus endpoint

	// Every node.
	NodeManager        int // --node-manager-port (raylet)
	ObjectManager      int // --object-manager-port (raylet)
	DashboardAgentHTTP int // --dashboard-agent-listen-port
	DashboardAgentGRPC int // --dashboard-agent-grpc-port
	RuntimeEnvAgent    int // --runtime-env-agent-port
	MetricsExport      int // --metrics-export-port
	// MinWorker..MaxWorker is the block the raylet hands out, one port per worker process and
	// per driver attached to this node.
	MinWorker, MaxWorker int
}

// The default probing range: below Linux's ephemeral range (32768-60999), where outgoing
// connections could take a planned port between the plan and `ray start`; above Ray Client's
// per-connection servers (23000-23999, not configurable) and clear of Ray's and Hadoop's
// defaults.
const (
	DefaultPortLow  = 24000
	DefaultPortHigh = 32767
	// DefaultWorkerPorts is the size of a node's worker block: room for many actors, tasks'
	// workers and drivers (each holds one port while it lives).
	DefaultWorkerPorts = 200
)

// ErrNoPorts: the range has no room left for the plan on this host.
var ErrNoPorts = errors.New("raynode: no free ports")

// PortOptions say where PlanPorts looks.
type PortOptions struct {
	Head bool
	// Seed picks where probing starts in the range; give the application id and the rank
	// ("application_1_0001/3"), so nodes that plan at the same moment (two containers of one app,
	// or of two apps, on one host) start far apart and do not race for the same ports.
	Seed        string
	Low, High   int // inclusive; 0: DefaultPortLow, DefaultPortHigh
	WorkerPorts int // 0: DefaultWorkerPorts
}

// PlanPorts chooses free ports on this host for every listener of a node: it binds each
// candidate on all addresses, holds it until the whole plan is found, then closes them all, so
// `ray start` must follow soon. A port in use on any address is skipped.
func PlanPorts(o PortOptions) (Ports, error) {
	if o.Low == 0 && o.High == 0 {
		o.Low, o.High = DefaultPortLow, DefaultPortHigh
	}
	if o.WorkerPorts == 0 {
		o.WorkerPorts = DefaultWorkerPorts
	}
	singles := 6
	if o.Head {
		singles += 5
	}
	if o.Low < 1024 || o.High > 65535 || o.Low > o.High || o.WorkerPorts < 1 ||
		o.High-o.Low+1 < o.WorkerPorts+singles {
		return Ports{}, fmt.Errorf("%w: range %d-%d cannot hold %d worker ports and %d others",
			ErrNoPorts, o.Low, o.High, o.WorkerPorts, singles)
	}
	p := &prober{low: o.Low, span: o.High - o.Low + 1, held: map[int]net.Listener{}}
	defer p.release()
	h := fnv.New64a()
	h.Write([]byte(o.Seed))
	p.next = int(h.Sum64() % uint64(p.span))

	// The block first: it is the hardest to find, and the singles then fill in around it.
	minWorker, err := p.block(o.WorkerPorts)
	if err != nil {
		return Ports{}, err
	}
	got := make([]int, singles)
	for i := range got {
		if got[i], err = p.single(); err != nil {
			return Ports{}, err
		}
	}
	ports := Ports{
		MinWorker: minWorker, MaxWorker: minWorker + o.WorkerPorts - 1,
		NodeManager: got[0], ObjectManager: got[1], DashboardAgentHTTP: got[2],
		DashboardAgentGRPC: got[3], RuntimeEnvAgent: got[4], MetricsExport: got[5],
	}
	if o.Head {
		ports.GCS, ports.ClientServer, ports.Dashboard = got[6], got[7], got[8]
		ports.DashboardMetrics, ports.AutoscalerMetrics = got[9], got[10]
	}
	return ports, nil
}

// prober walks the range cyclically from a seeded start, holding every port it took.
type prober struct {
	low, span, next int
	held            map[int]net.Listener
}

func (p *prober) port(i int) int { return p.low + (p.next+i)%p.span }

func (p *prober) single() (int, error) {
	for i := range p.span {
		port := p.port(i)
		if p.take(port) {
			p.next = (p.next + i + 1) % p.span
			return port, nil
		}
	}
	return 0, fmt.Errorf("%w: every port of %d-%d is taken", ErrNoPorts, p.low, p.low+p.span-1)
}

// block finds n consecutive free ports that do not wrap around the range's end.
func (p *prober) block(n int) (int, error) {
	for i := 0; i < p.span; {
		start := p.port(i)
		if start+n-1 > p.low+p.span-1 {
			i += p.low + p.span - start // skip to the range's start
			continue
		}
		ok := 0
		for ok < n && p.take(start+ok) {
			ok++
		}
		if ok == n {
			p.next = (start + n - p.low) % p.span
			return start, nil
		}
		p.drop(start, ok)
		i += ok + 1 // the block cannot contain the busy port
	}
	return 0, fmt.Errorf("%w: no %d consecutive free ports in %d-%d", ErrNoPorts, n, p.low, p.low+p.span-1)
}

func (p *prober) take(port int) bool {
	if _, dup := p.held[port]; dup {
		return false
	}
	// ":port" binds the IPv6 wildcard in dual-stack mode, which fails if anything listens on
	// that port on any IPv4 or IPv6 address: the strictest test, matching Ray, which binds
	// both wildcards and specific addresses.
	l, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	p.held[port] = l
	return true
}

func (p *prober) drop(start, n int) {
	for port := start; port < start+n; port++ {
		p.held[port].Close()
		delete(p.held, port)
	}
}

func (p *prober) release() {
	for _, l := range p.held {
		l.Close()
	}
}

// All lists every planned port (the worker block expanded) for checks and logs.
func (p Ports) All() []int {
	var out []int
	for _, v := range []int{p.GCS, p.ClientServer, p.Dashboard, p.DashboardMetrics, p.AutoscalerMetrics,
		p.NodeManager, p.ObjectManager, p.DashboardAgentHTTP, p.DashboardAgentGRPC, p.RuntimeEnvAgent, p.MetricsExport} {
		if v != 0 {
			out = append(out, v)
		}
	}
	for v := p.MinWorker; v != 0 && v <= p.MaxWorker; v++ {
		out = append(out, v)
	}
	return out
}
