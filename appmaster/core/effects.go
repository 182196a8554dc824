package core

import (
	"fmt"
	"strings"
	"time"

	"github.com/orca-yarn/orca-yarn/yarn"
)

// Effect is something the drivers must do. Each prints as one line (the transcript format, also
// handy in debug logs).
type Effect interface {
	fmt.Stringer
	effect()
}

// SetAsk sets the absolute number of containers wanted under the gang's key (0 cancels).
type SetAsk struct{ Ask yarn.Ask }

// Release gives containers back to the RM: allocations the core does not need, and containers it
// stopped. Never containers of an earlier attempt (the RM rejects those).
type Release struct{ IDs []yarn.ContainerID }

// Launch starts the launcher for a rank in an allocated container.
type Launch struct {
	Container  yarn.Container
	Rank       int
	Role       string
	Generation int
	WorldSize  int
	// Restart counts the containers this rank had before this one (0 for the first).
	Restart int
}

// StopContainer asks the container's NodeManager to stop it.
type StopContainer struct{ Container yarn.Container }

// MemberGone: the container holding Rank ended or was lost and must never take a rank again
// (barrier.Gang.Leave). It comes before any replacement for the rank is launched, and before the
// NewGeneration it may cause.
type MemberGone struct {
	Rank      int
	Container yarn.Container
}

// NewGeneration (re)opens the rendezvous: every member must join Generation, of WorldSize ranks.
// Generation 1 comes with Started and creates the rendezvous (barrier.NewGang); each later one
// is barrier.Gang.NewGeneration, whose number it matches.
type NewGeneration struct {
	Generation int
	WorldSize  int
}

// Finish ends the application: unregister with the RM with Status and Diagnostics, then exit.
// ExitCode is what the submitting client should exit with. It is emitted exactly once.
type Finish struct {
	Status      yarn.FinalStatus
	ExitCode    int
	Diagnostics string
}

// HeartbeatInterval sets the RM heartbeat period.
type HeartbeatInterval struct{ Interval time.Duration }

// Level is a log level of a Log effect.
type Level int

const (
	Info Level = iota
	Warn
)

func (l Level) String() string {
	if l == Warn {
		return "warn"
	}
	return "info"
}

// Log is a decision worth telling the operator about.
type Log struct {
	Level Level
	Msg   string
}

func (SetAsk) effect()            {}
func (Release) effect()           {}
func (Launch) effect()            {}
func (StopContainer) effect()     {}
func (MemberGone) effect()        {}
func (NewGeneration) effect()     {}
func (Finish) effect()            {}
func (HeartbeatInterval) effect() {}
func (Log) effect()               {}

func (e SetAsk) String() string {
	s := fmt.Sprintf("set-ask count=%d resource=%s priority=%d id=%d",
		e.Ask.Count, compactResource(e.Ask.Capability), e.Ask.Key.Priority, e.Ask.Key.AllocationRequestID)
	if e.Ask.NodeLabel != "" {
		s += " label=" + e.Ask.NodeLabel
	}
	return s
}

func (e Release) String() string {
	ids := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		ids[i] = id.String()
	}
	return "release " + strings.Join(ids, " ")
}

func (e Launch) String() string {
	return fmt.Sprintf("launch rank=%d role=%s gen=%d world=%d restart=%d %s",
		e.Rank, e.Role, e.Generation, e.WorldSize, e.Restart, where(e.Container))
}

func (e StopContainer) String() string { return "stop " + where(e.Container) }

func (e MemberGone) String() string {
	return fmt.Sprintf("member-gone rank=%d %s", e.Rank, where(e.Container))
}

func (e NewGeneration) String() string {
	return fmt.Sprintf("new-generation gen=%d world=%d", e.Generation, e.WorldSize)
}

func (e Finish) String() string {
	return fmt.Sprintf("finish %s exit=%d %q", e.Status, e.ExitCode, e.Diagnostics)
}

func (e HeartbeatInterval) String() string { return "heartbeat " + e.Interval.String() }

func (e Log) String() string { return fmt.Sprintf("log %s: %s", e.Level, e.Msg) }

// where names a container the way users look for it: its id and its host.
func where(c yarn.Container) string {
	if c.Node.Host == "" {
		return c.ID.String()
	}
	return c.ID.String() + " on " + c.Node.Host
}

// compactResource prints 1024MiB/1vcore[/1gpu]: one token, for the transcript lines.
func compactResource(r yarn.Resource) string {
	s := fmt.Sprintf("%dMiB/%dvcore", r.MemoryMB, r.VCores)
	if r.GPUs > 0 {
		s += fmt.Sprintf("/%dgpu", r.GPUs)
	}
	return s
}

// human prints a duration the way a diagnosis should: 1m, 90s → 1m30s, 250ms.
func human(d time.Duration) string {
	if d >= time.Second {
		d = d.Round(time.Second)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
