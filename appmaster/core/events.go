package core

import (
	"time"

	"github.com/orca-yarn/orca-yarn/yarn"
)

// Event is something that happened outside the core: the drivers translate RM, NM, rendezvous,
// client and clock happenings into events and feed them to Core.Step one at a time.
type Event interface{ event() }

// Started is the first event: the AM registered with the RM.
type Started struct {
	// Now starts the core's clock; every deadline counts from the times events bring.
	Now time.Time
	// Registration carries the largest container the cluster grants and, for a second attempt,
	// the containers still running from the previous one.
	Registration yarn.Registration
}

// Allocated carries the containers one heartbeat brought.
type Allocated struct{ Containers []yarn.Container }

// Completed carries the containers one heartbeat reported as finished.
type Completed struct{ Statuses []yarn.ContainerStatus }

// Launched: the NodeManager accepted the start request of a Launch effect.
type Launched struct{ ContainerID yarn.ContainerID }

// LaunchFailed: the NodeManager refused (or could not be reached for) a Launch effect. The
// container never ran.
type LaunchFailed struct {
	ContainerID yarn.ContainerID
	Err         error
}

// MemberJoined: the launcher of a container registered with the rendezvous for a generation.
// Joins of an older generation than the current one are ignored.
type MemberJoined struct {
	Generation  int
	Rank        int
	ContainerID yarn.ContainerID
}

// Tick lets time pass; deadlines are checked against Now.
type Tick struct{ Now time.Time }

// StopRequested: someone asked the application to end (the client on the user's behalf, or an
// operator through the AM's API).
type StopRequested struct {
	// Reason names who asked ("the submitting client (SIGTERM)", "orca-yarn kill by alice").
	Reason string
	// Status is how the application ends: empty or FinalKilled (exit 5) for a kill. A client
	// whose driver ran on its side (ClientEnds) reports FinalSucceeded (exit 0) or FinalFailed
	// (exit 1).
	Status yarn.FinalStatus
}

// LeaseRenewed: the submitting client is still there.
type LeaseRenewed struct{ Now time.Time }

// HeadroomReport is the scheduler's view from the latest heartbeat, kept for diagnoses.
type HeadroomReport struct {
	Headroom     yarn.Resource
	ClusterNodes int
}

// RMError: a heartbeat failed. Fatal errors (the attempt is gone, the RM unreachable for too
// long: the driver decides) end the application.
type RMError struct {
	Err   error
	Fatal bool
}

func (Started) event()        {}
func (Allocated) event()      {}
func (Completed) event()      {}
func (Launched) event()       {}
func (LaunchFailed) event()   {}
func (MemberJoined) event()   {}
func (Tick) event()           {}
func (StopRequested) event()  {}
func (LeaseRenewed) event()   {}
func (HeadroomReport) event() {}
func (RMError) event()        {}
