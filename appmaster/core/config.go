package core

import (
	"errors"
	"fmt"
	"time"

	"github.com/orca-yarn/orca-yarn/yarn"
)

// ErrBadConfig is returned by New when the configuration cannot describe an application.
var ErrBadConfig = errors.New("appmaster core: bad config")

// Exit codes of the CLI contract (design.md §3) that the AM decides.
const (
	ExitSucceeded    = 0
	ExitAppFailed    = 1
	ExitClusterError = 3
	ExitNoResources  = 4
	ExitKilled       = 5
)

// Roles the launcher understands (ORCA_YARN_ROLE).
const (
	RoleCommand = "command"
	RoleHead    = "head"
	RoleWorker  = "worker"
)

// CommandRoles gives every rank the command role (--command mode).
func CommandRoles(int) string { return RoleCommand }

// RayRoles makes rank 0 the Ray head and every other rank a worker.
func RayRoles(rank int) string {
	if rank == 0 {
		return RoleHead
	}
	return RoleWorker
}

// Completion says when an application whose gang is running is done.
type Completion int

const (
	// EveryRankExits (--command): the application succeeded once every rank exited 0.
	EveryRankExits Completion = iota + 1
	// RankZeroExits (Ray, driver in the cluster): rank 0 runs the driver; its exit ends the
	// application and the other ranks are stopped. Another rank exiting, even with 0, is a
	// failure: Ray nodes do not leave a running cluster on their own.
	RankZeroExits
	// ClientEnds (Ray, driver on the client): the application runs until the client ends it with
	// StopRequested; any rank exiting before that is a failure.
	ClientEnds
)

func (c Completion) String() string {
	switch c {
	case EveryRankExits:
		return "every-rank-exits"
	case RankZeroExits:
		return "rank-zero-exits"
	case ClientEnds:
		return "client-ends"
	}
	return fmt.Sprintf("Completion(%d)", int(c))
}

// Defaults for the waits the submit command has no flag for.
const (
	DefaultJoinTimeout       = 10 * time.Minute
	DefaultRecoveryTimeout   = 2 * time.Minute
	DefaultMaxLaunchFailures = 3
	// AskPriority is the priority of the gang's one request line.
	AskPriority int32 = 1
	// FastHeartbeat is the RM heartbeat interval for the first FastFor of asking for or
	// recovering containers (a gang on an idle cluster comes within a few heartbeats);
	// PendingHeartbeat after that, when the queue is busy and a heartbeat ten times a second
	// would only load the RM; SteadyHeartbeat once nothing is pending (the RM only reports
	// completions then).
	FastHeartbeat    = 100 * time.Millisecond
	FastFor          = 5 * time.Second
	PendingHeartbeat = time.Second
	SteadyHeartbeat  = 3 * time.Second
)

// Config is what the submit asked for, plus the attempt number the AM got from its environment.
type Config struct {
	// NumNodes is the gang size N (--num-nodes).
	NumNodes int
	// MinNodes > 0 makes the start elastic (--min-nodes): at the allocation timeout the
	// application goes on with what it has if that is at least MinNodes. 0 means all-or-nothing.
	MinNodes int
	// Resource is the size of every container.
	Resource yarn.Resource
	// NodeLabel restricts the containers to nodes with that label (--node-label); "" for any.
	NodeLabel string
	// AllocationTimeout bounds each allocation round (--allocation-timeout).
	AllocationTimeout time.Duration
	// JoinTimeout bounds the wait for launched containers to join the rendezvous; it covers
	// localization of the env. 0 means DefaultJoinTimeout.
	JoinTimeout time.Duration
	// RecoveryTimeout bounds how long a second attempt waits for surviving containers to re-join.
	// 0 means DefaultRecoveryTimeout.
	RecoveryTimeout time.Duration
	// MaxRestarts is the number of gang restarts the user's failures may cause (--max-restarts).
	MaxRestarts int
	// MaxLaunchFailures is how many times NodeManagers may refuse to start a container before
	// the application fails with a cluster error. 0 means DefaultMaxLaunchFailures.
	MaxLaunchFailures int
	// LeaseTimeout > 0: the submitting client must renew its lease at least this often or the
	// application is killed (blocking submits). 0: no lease (--detach).
	LeaseTimeout time.Duration
	// Completion says when the application is done; the zero value means EveryRankExits.
	Completion Completion
	// Roles maps a rank to the launcher's role; nil means CommandRoles.
	Roles func(rank int) string
	// ReplaceWorkers: a rank other than 0 that fails or is lost is replaced on its own and its
	// new container joins the running generation (a Ray worker rejoins the head); only rank 0
	// restarts the gang. Each replacement after a failure counts against MaxRestarts.
	ReplaceWorkers bool
	// AttemptNumber is this AM's attempt (1 for the first).
	AttemptNumber int
}

// withDefaults validates c and fills in the documented defaults.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.NumNodes < 1:
		return c, fmt.Errorf("%w: %d nodes: want at least 1", ErrBadConfig, c.NumNodes)
	case c.MinNodes < 0 || c.MinNodes > c.NumNodes:
		return c, fmt.Errorf("%w: min nodes %d: want 0 (all-or-nothing) or 1..%d", ErrBadConfig, c.MinNodes, c.NumNodes)
	case c.Resource.MemoryMB <= 0 || c.Resource.VCores <= 0:
		return c, fmt.Errorf("%w: container size %s: want memory and vcores above 0", ErrBadConfig, c.Resource)
	case c.AllocationTimeout <= 0:
		return c, fmt.Errorf("%w: allocation timeout %s: want above 0", ErrBadConfig, c.AllocationTimeout)
	case c.MaxRestarts < 0:
		return c, fmt.Errorf("%w: max restarts %d: want 0 or more", ErrBadConfig, c.MaxRestarts)
	case c.JoinTimeout < 0 || c.RecoveryTimeout < 0 || c.LeaseTimeout < 0 || c.MaxLaunchFailures < 0:
		return c, fmt.Errorf("%w: negative timeout or budget", ErrBadConfig)
	case c.Completion < 0 || c.Completion > ClientEnds:
		return c, fmt.Errorf("%w: unknown completion %s", ErrBadConfig, c.Completion)
	}
	if c.JoinTimeout == 0 {
		c.JoinTimeout = DefaultJoinTimeout
	}
	if c.RecoveryTimeout == 0 {
		c.RecoveryTimeout = DefaultRecoveryTimeout
	}
	if c.MaxLaunchFailures == 0 {
		c.MaxLaunchFailures = DefaultMaxLaunchFailures
	}
	if c.Completion == 0 {
		c.Completion = EveryRankExits
	}
	if c.Roles == nil {
		c.Roles = CommandRoles
	}
	if c.AttemptNumber < 1 {
		c.AttemptNumber = 1
	}
	return c, nil
}
