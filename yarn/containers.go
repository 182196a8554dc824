package yarn

import (
	"fmt"
	"strings"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// Container is an allocation granted by the RM: where it runs, how big it is, and the container
// token the NodeManager wants in the start request.
type Container struct {
	ID                  ContainerID
	Node                NodeID
	NodeHTTPAddress     string
	Resource            Resource
	Priority            int32
	AllocationRequestID int64
	Token               *commonpb.TokenProto
}

func containerFromProto(p *yarnpb.ContainerProto) Container {
	return Container{
		ID:                  ContainerIDFromProto(p.GetId()),
		Node:                NodeIDFromProto(p.GetNodeId()),
		NodeHTTPAddress:     p.GetNodeHttpAddress(),
		Resource:            ResourceFromProto(p.GetResource()),
		Priority:            p.GetPriority().GetPriority(),
		AllocationRequestID: p.GetAllocationRequestId(),
		Token:               p.GetContainerToken(),
	}
}

// ContainerState is NEW, RUNNING or COMPLETE.
type ContainerState string

const (
	ContainerNew      ContainerState = "NEW"
	ContainerRunning  ContainerState = "RUNNING"
	ContainerComplete ContainerState = "COMPLETE"
)

// ContainerStatus is the state of a container as the RM or an NM reports it.
type ContainerStatus struct {
	ID          ContainerID
	State       ContainerState
	ExitStatus  int32
	Diagnostics string
}

func containerStatusFromProto(p *yarnpb.ContainerStatusProto) ContainerStatus {
	return ContainerStatus{
		ID:          ContainerIDFromProto(p.GetContainerId()),
		State:       ContainerState(strings.TrimPrefix(p.GetState().String(), "C_")),
		ExitStatus:  p.GetExitStatus(),
		Diagnostics: p.GetDiagnostics(),
	}
}

// Exit statuses YARN itself assigns (ContainerExitStatus in Hadoop); anything else is the exit
// code of the container's process.
const (
	ExitSuccess                 = 0
	ExitInvalid                 = -1000
	ExitAborted                 = -100
	ExitDisksFailed             = -101
	ExitPreempted               = -102
	ExitKilledExceededVMem      = -103
	ExitKilledExceededPMem      = -104
	ExitKilledByAppMaster       = -105
	ExitKilledByResourceManager = -106
	ExitKilledAfterAppCompleted = -107
	ExitKilledByContainerSched  = -108
	ExitKilledForExcessLogs     = -109
)

// ExitCause explains an exit status in words, for the line a user reads when a container failed.
// YARN's own statuses keep their number in front ("-104: killed for exceeding physical memory"),
// since that is what users search for.
func ExitCause(status int32) string {
	if status < 0 {
		return fmt.Sprintf("%d: %s", status, yarnExitCause(status))
	}
	switch status {
	case ExitSuccess:
		return "succeeded"
	}
	if status > 128 && status < 128+65 {
		return fmt.Sprintf("exit code %d (signal %d)", status, status-128)
	}
	return fmt.Sprintf("exit code %d", status)
}

func yarnExitCause(status int32) string {
	switch status {
	case ExitInvalid:
		return "no exit status (container never ran)"
	case ExitAborted:
		return "aborted by YARN (released, node lost or allocation expired)"
	case ExitDisksFailed:
		return "the node's disks failed"
	case ExitPreempted:
		return "preempted by the scheduler"
	case ExitKilledExceededVMem:
		return "killed for exceeding virtual memory"
	case ExitKilledExceededPMem:
		return "killed for exceeding physical memory"
	case ExitKilledByAppMaster:
		return "killed by the application master"
	case ExitKilledByResourceManager:
		return "killed by the resource manager"
	case ExitKilledAfterAppCompleted:
		return "killed after the application completed"
	case ExitKilledByContainerSched:
		return "killed by the container scheduler"
	case ExitKilledForExcessLogs:
		return "killed for writing too many logs"
	}
	return "exit status set by YARN"
}

// NotTheUsersFault reports exit statuses caused by the cluster rather than the program: a restart
// policy should not count them against the user.
func NotTheUsersFault(status int32) bool {
	switch status {
	case ExitAborted, ExitDisksFailed, ExitPreempted, ExitKilledByResourceManager, ExitKilledByContainerSched:
		return true
	}
	return false
}
