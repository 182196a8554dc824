package raynode

import (
	"fmt"

	"github.com/orca-yarn/orca-yarn/launcher/portplan"
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

// The default probing range is portplan's (see there why).
const (
	DefaultPortLow  = portplan.DefaultLow
	DefaultPortHigh = portplan.DefaultHigh
	// DefaultWorkerPorts is the size of a node's worker block: room for many actors, tasks'
	// workers and drivers (each holds one port while it lives).
	DefaultWorkerPorts = 200
)

// ErrNoPorts: the range has no room left for the plan on this host.
var ErrNoPorts = portplan.ErrNoPorts

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
	p, err := portplan.NewProber(o.Low, o.High, o.Seed)
	if err != nil {
		return Ports{}, err
	}
	defer p.Release()
	// The block first: it is the hardest to find, and the singles then fill in around it.
	minWorker, err := p.Block(o.WorkerPorts)
	if err != nil {
		return Ports{}, err
	}
	got, err := p.Singles(singles)
	if err != nil {
		return Ports{}, err
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
