package yarn

import (
	"strings"
	"time"

	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// AppState is the RM's lifecycle state of an application (NEW … RUNNING, FINISHED, FAILED, KILLED).
type AppState string

const (
	AppNew       AppState = "NEW"
	AppNewSaving AppState = "NEW_SAVING"
	AppSubmitted AppState = "SUBMITTED"
	AppAccepted  AppState = "ACCEPTED"
	AppRunning   AppState = "RUNNING"
	AppFinished  AppState = "FINISHED"
	AppFailed    AppState = "FAILED"
	AppKilled    AppState = "KILLED"
)

// Known reports whether s is one of YARN's states.
func (s AppState) Known() bool {
	_, ok := yarnpb.YarnApplicationStateProto_value[string(s)]
	return ok
}

// Terminal reports whether the application can no longer change state.
func (s AppState) Terminal() bool { return s == AppFinished || s == AppFailed || s == AppKilled }

func (s AppState) proto() yarnpb.YarnApplicationStateProto {
	return yarnpb.YarnApplicationStateProto(yarnpb.YarnApplicationStateProto_value[string(s)])
}

// FinalStatus is what the AM reported when it finished (SUCCEEDED, FAILED, KILLED; UNDEFINED before).
type FinalStatus string

const (
	FinalUndefined FinalStatus = "UNDEFINED"
	FinalSucceeded FinalStatus = "SUCCEEDED"
	FinalFailed    FinalStatus = "FAILED"
	FinalKilled    FinalStatus = "KILLED"
	FinalEnded     FinalStatus = "ENDED"
)

func (s FinalStatus) proto() yarnpb.FinalApplicationStatusProto {
	return yarnpb.FinalApplicationStatusProto(yarnpb.FinalApplicationStatusProto_value["APP_"+string(s)])
}

func finalStatusFromProto(p yarnpb.FinalApplicationStatusProto) FinalStatus {
	return FinalStatus(strings.TrimPrefix(p.String(), "APP_"))
}

// ApplicationReport is the RM's view of one application.
type ApplicationReport struct {
	ID          ApplicationID
	Name        string
	Type        string
	User        string
	Queue       string
	Tags        []string
	State       AppState
	FinalStatus FinalStatus
	Diagnostics string
	TrackingURL string
	// Host and RPCPort are what the current AM attempt registered; empty before registration.
	Host           string
	RPCPort        int32
	CurrentAttempt AttemptID
	Progress       float32
	StartTime      time.Time
	FinishTime     time.Time
}

func applicationReportFromProto(p *yarnpb.ApplicationReportProto) *ApplicationReport {
	return &ApplicationReport{
		ID:             ApplicationIDFromProto(p.GetApplicationId()),
		Name:           p.GetName(),
		Type:           p.GetApplicationType(),
		User:           p.GetUser(),
		Queue:          p.GetQueue(),
		Tags:           p.GetApplicationTags(),
		State:          AppState(p.GetYarnApplicationState().String()),
		FinalStatus:    finalStatusFromProto(p.GetFinalApplicationStatus()),
		Diagnostics:    p.GetDiagnostics(),
		TrackingURL:    p.GetTrackingUrl(),
		Host:           p.GetHost(),
		RPCPort:        p.GetRpcPort(),
		CurrentAttempt: AttemptIDFromProto(p.GetCurrentApplicationAttemptId()),
		Progress:       p.GetProgress(),
		StartTime:      millis(p.GetStartTime()),
		FinishTime:     millis(p.GetFinishTime()),
	}
}

func millis(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// NodeID is a NodeManager's address as the RM knows it (host and container-manager port).
type NodeID struct {
	Host string
	Port int32
}

func (n NodeID) String() string { return n.Host + ":" + itoa(int64(n.Port)) }

// NodeIDFromProto converts from the wire record.
func NodeIDFromProto(p *yarnpb.NodeIdProto) NodeID {
	return NodeID{Host: p.GetHost(), Port: p.GetPort()}
}

// NodeReport describes one NodeManager.
type NodeReport struct {
	ID            NodeID
	HTTPAddress   string
	Rack          string
	State         string // RUNNING, UNHEALTHY, LOST, DECOMMISSIONED, ...
	Capability    Resource
	Used          Resource
	NumContainers int32
	HealthReport  string
	Labels        []string
}

func nodeReportFromProto(p *yarnpb.NodeReportProto) NodeReport {
	return NodeReport{
		ID:            NodeIDFromProto(p.GetNodeId()),
		HTTPAddress:   p.GetHttpAddress(),
		Rack:          p.GetRackName(),
		State:         strings.TrimPrefix(p.GetNodeState().String(), "NS_"),
		Capability:    ResourceFromProto(p.GetCapability()),
		Used:          ResourceFromProto(p.GetUsed()),
		NumContainers: p.GetNumContainers(),
		HealthReport:  p.GetHealthReport(),
		Labels:        p.GetNodeLabels(),
	}
}

// QueueInfo describes a scheduler queue and, when asked for, its children.
type QueueInfo struct {
	Name            string
	Path            string
	State           string // RUNNING, STOPPED, DRAINING
	Capacity        float32
	MaximumCapacity float32
	CurrentCapacity float32
	NodeLabels      []string
	Children        []QueueInfo
}

func queueInfoFromProto(p *yarnpb.QueueInfoProto) QueueInfo {
	q := QueueInfo{
		Name:            p.GetQueueName(),
		Path:            p.GetQueuePath(),
		State:           strings.TrimPrefix(p.GetState().String(), "Q_"),
		Capacity:        p.GetCapacity(),
		MaximumCapacity: p.GetMaximumCapacity(),
		CurrentCapacity: p.GetCurrentCapacity(),
		NodeLabels:      p.GetAccessibleNodeLabels(),
	}
	for _, c := range p.GetChildQueues() {
		q.Children = append(q.Children, queueInfoFromProto(c))
	}
	return q
}

// Leaves returns the queues of the tree that accept applications (those without children).
func (q QueueInfo) Leaves() []QueueInfo {
	if len(q.Children) == 0 {
		return []QueueInfo{q}
	}
	var out []QueueInfo
	for _, c := range q.Children {
		out = append(out, c.Leaves()...)
	}
	return out
}
