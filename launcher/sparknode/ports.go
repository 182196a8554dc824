package sparknode

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/orca-yarn/orca-yarn/barrier"
	"github.com/orca-yarn/orca-yarn/launcher/portplan"
)

// Ports are the Spark ports a container plans; the rest are the kernel's choice.
type Ports struct {
	Master   int // head: the Master's RPC port (spark://host:Master)
	MasterUI int // head: the Master's web UI and its /json/ status, which readiness polls
	WorkerUI int // every container: the Worker's web UI (its default 8081 collides)
}

// Keys of what a container publishes in its barrier.Member.Attrs.
const (
	AttrNodeIP       = "spark.node_ip"
	AttrMasterPort   = "spark.master_port"
	AttrMasterUIPort = "spark.master_ui_port"
	AttrWorkerUIPort = "spark.worker_ui_port"
)

// ErrBadAttrs: a member's attributes do not hold a usable Spark plan.
var ErrBadAttrs = errors.New("sparknode: bad node attributes")

// PlanPorts takes free ports on this host for this container's Spark daemons. seed should name
// the application and rank; it is salted so that Spark's and Ray's plans start apart.
func PlanPorts(head bool, seed string) (Ports, error) {
	p, err := portplan.NewProber(0, 0, seed+"/spark")
	if err != nil {
		return Ports{}, err
	}
	defer p.Release()
	n := 1
	if head {
		n = 3
	}
	got, err := p.Singles(n)
	if err != nil {
		return Ports{}, err
	}
	ports := Ports{WorkerUI: got[0]}
	if head {
		ports.Master, ports.MasterUI = got[1], got[2]
	}
	return ports, nil
}

// Attrs is what a container publishes: the address its daemons bind and its Spark ports.
func Attrs(nodeIP string, p Ports) map[string]string {
	m := map[string]string{AttrNodeIP: nodeIP, AttrWorkerUIPort: strconv.Itoa(p.WorkerUI)}
	if p.Master != 0 {
		m[AttrMasterPort] = strconv.Itoa(p.Master)
		m[AttrMasterUIPort] = strconv.Itoa(p.MasterUI)
	}
	return m
}

// ParseAttrs reads a member's address and Spark ports back; head says whether the Master's must
// be there.
func ParseAttrs(attrs map[string]string, head bool) (string, Ports, error) {
	var p Ports
	ip := attrs[AttrNodeIP]
	if ip == "" {
		return "", Ports{}, fmt.Errorf("%w: no %s", ErrBadAttrs, AttrNodeIP)
	}
	fields := []struct {
		key  string
		v    *int
		need bool
	}{{AttrWorkerUIPort, &p.WorkerUI, true}, {AttrMasterPort, &p.Master, head}, {AttrMasterUIPort, &p.MasterUI, head}}
	for _, f := range fields {
		s, ok := attrs[f.key]
		if !ok {
			if f.need {
				return "", Ports{}, fmt.Errorf("%w: no %s", ErrBadAttrs, f.key)
			}
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 65535 {
			return "", Ports{}, fmt.Errorf("%w: %s=%q", ErrBadAttrs, f.key, s)
		}
		*f.v = n
	}
	return ip, p, nil
}

// MasterURL is spark://host:port of the head's Master, from the generation's plan.
func MasterURL(plan barrier.Plan) (string, error) {
	ip, p, err := headAttrs(plan)
	if err != nil {
		return "", err
	}
	return "spark://" + net.JoinHostPort(ip, strconv.Itoa(p.Master)), nil
}

// MasterUI is the base URL of the head Master's web UI, from the generation's plan.
func MasterUI(plan barrier.Plan) (string, error) {
	ip, p, err := headAttrs(plan)
	if err != nil {
		return "", err
	}
	return "http://" + net.JoinHostPort(ip, strconv.Itoa(p.MasterUI)), nil
}

func headAttrs(plan barrier.Plan) (string, Ports, error) {
	if len(plan.Members) == 0 || plan.Members[0].Rank != 0 {
		return "", Ports{}, fmt.Errorf("%w: the plan has no rank 0", ErrBadAttrs)
	}
	return ParseAttrs(plan.Members[0].Attrs, true)
}
