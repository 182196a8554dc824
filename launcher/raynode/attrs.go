package raynode

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/orca-yarn/orca-yarn/barrier"
)

// Keys of what a node publishes in its barrier.Member.Attrs. Plans are logged: never secrets.
const (
	AttrNodeIP            = "ray.node_ip"
	AttrGCSPort           = "ray.gcs_port"
	AttrClientServerPort  = "ray.client_server_port"
	AttrDashboardPort     = "ray.dashboard_port"
	AttrDashboardMetrics  = "ray.dashboard_metrics_port"
	AttrAutoscalerMetrics = "ray.autoscaler_metrics_port"
	AttrNodeManagerPort   = "ray.node_manager_port"
	AttrObjectManagerPort = "ray.object_manager_port"
	AttrAgentHTTPPort     = "ray.dashboard_agent_http_port"
	AttrAgentGRPCPort     = "ray.dashboard_agent_grpc_port"
	AttrRuntimeEnvPort    = "ray.runtime_env_agent_port"
	AttrMetricsExportPort = "ray.metrics_export_port"
	AttrWorkerPorts       = "ray.worker_ports" // "MIN-MAX"
)

// ErrBadAttrs: a member's attributes do not hold a usable Ray node plan.
var ErrBadAttrs = errors.New("raynode: bad node attributes")

func (p *Ports) fields() []struct {
	key string
	v   *int
} {
	return []struct {
		key string
		v   *int
	}{
		{AttrGCSPort, &p.GCS}, {AttrClientServerPort, &p.ClientServer}, {AttrDashboardPort, &p.Dashboard},
		{AttrDashboardMetrics, &p.DashboardMetrics}, {AttrAutoscalerMetrics, &p.AutoscalerMetrics},
		{AttrNodeManagerPort, &p.NodeManager}, {AttrObjectManagerPort, &p.ObjectManager},
		{AttrAgentHTTPPort, &p.DashboardAgentHTTP}, {AttrAgentGRPCPort, &p.DashboardAgentGRPC},
		{AttrRuntimeEnvPort, &p.RuntimeEnvAgent}, {AttrMetricsExportPort, &p.MetricsExport},
	}
}

// Attrs is what a node publishes to the gang: its IP and its whole port plan (ports it does not
// use, such as a worker's GCS port, are left out).
func Attrs(nodeIP string, p Ports) map[string]string {
	m := map[string]string{AttrNodeIP: nodeIP}
	for _, f := range p.fields() {
		if *f.v != 0 {
			m[f.key] = strconv.Itoa(*f.v)
		}
	}
	if p.MinWorker != 0 {
		m[AttrWorkerPorts] = strconv.Itoa(p.MinWorker) + "-" + strconv.Itoa(p.MaxWorker)
	}
	return m
}

// ParseAttrs reads back what Attrs wrote. The attributes come from another container through
// the AM, so everything is checked: an IP address, ports in range, a well-formed worker block.
// Absent ports are 0.
func ParseAttrs(attrs map[string]string) (nodeIP string, p Ports, err error) {
	nodeIP = attrs[AttrNodeIP]
	if net.ParseIP(nodeIP) == nil {
		return "", Ports{}, fmt.Errorf("%w: %s %q is not an IP address", ErrBadAttrs, AttrNodeIP, nodeIP)
	}
	for _, f := range p.fields() {
		s, ok := attrs[f.key]
		if !ok {
			continue
		}
		if *f.v, err = parsePort(s); err != nil {
			return "", Ports{}, fmt.Errorf("%w: %s: %w", ErrBadAttrs, f.key, err)
		}
	}
	if s, ok := attrs[AttrWorkerPorts]; ok {
		lo, hi, found := strings.Cut(s, "-")
		if !found {
			return "", Ports{}, fmt.Errorf("%w: %s %q is not MIN-MAX", ErrBadAttrs, AttrWorkerPorts, s)
		}
		if p.MinWorker, err = parsePort(lo); err == nil {
			p.MaxWorker, err = parsePort(hi)
		}
		if err != nil || p.MinWorker > p.MaxWorker {
			return "", Ports{}, fmt.Errorf("%w: %s %q is not MIN-MAX", ErrBadAttrs, AttrWorkerPorts, s)
		}
	}
	return nodeIP, p, nil
}

func parsePort(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 || v > 65535 {
		return 0, fmt.Errorf("port %q", s)
	}
	return v, nil
}

// HeadGCSAddress is the head's GCS address, host:port, from the plan's rank 0: what workers
// give `ray start --address` and what a driver in the head container uses as RAY_ADDRESS.
func HeadGCSAddress(plan barrier.Plan) (string, error) {
	ip, p, err := headAttrs(plan)
	if err == nil && p.GCS == 0 {
		err = fmt.Errorf("%w: the head published no %s", ErrBadAttrs, AttrGCSPort)
	}
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(ip, strconv.Itoa(p.GCS)), nil
}

// HeadClientAddress is the Ray Client address of the head, ray://host:port: RAY_ADDRESS for a
// driver outside the cluster (client deploy mode).
func HeadClientAddress(plan barrier.Plan) (string, error) {
	ip, p, err := headAttrs(plan)
	if err == nil && p.ClientServer == 0 {
		err = fmt.Errorf("%w: the head published no %s", ErrBadAttrs, AttrClientServerPort)
	}
	if err != nil {
		return "", err
	}
	return "ray://" + net.JoinHostPort(ip, strconv.Itoa(p.ClientServer)), nil
}

func headAttrs(plan barrier.Plan) (string, Ports, error) {
	if len(plan.Members) == 0 || plan.Members[0].Rank != 0 {
		return "", Ports{}, fmt.Errorf("%w: the plan has no rank 0", ErrBadAttrs)
	}
	ip, p, err := ParseAttrs(plan.Members[0].Attrs)
	if err != nil {
		return "", Ports{}, fmt.Errorf("head (rank 0): %w", err)
	}
	return ip, p, nil
}
