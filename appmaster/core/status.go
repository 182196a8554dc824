package core

import "github.com/orca-yarn/orca-yarn/yarn"

// Snapshot is the core's state for the AM's status endpoint and for tests.
type Snapshot struct {
	// Phase is starting, recovering, allocating, joining, running or finished.
	Phase      string
	Generation int
	WorldSize  int
	// Restarts is how many gang restarts the user's failures caused so far.
	Restarts int
	Ranks    []RankState
	// Final is set once the application finished.
	Final *Finish
}

// RankState is one rank of the gang.
type RankState struct {
	Rank int
	// State is empty, launched, joined or exited.
	State     string
	Container yarn.ContainerID
	Host      string
	// Containers counts the containers this rank has had.
	Containers int
}

// Snapshot returns the current state; call it from the goroutine that owns the core.
func (c *Core) Snapshot() Snapshot {
	s := Snapshot{Phase: c.phase.String(), Generation: c.gen, WorldSize: c.world, Restarts: c.restarts}
	for r := range c.world {
		sl := c.slots[r]
		rs := RankState{Rank: r, State: sl.state.String(), Containers: sl.launches}
		if sl.state != slotEmpty {
			rs.Container, rs.Host = sl.container.ID, sl.container.Node.Host
		}
		s.Ranks = append(s.Ranks, rs)
	}
	if c.final != nil {
		f := *c.final
		s.Final = &f
	}
	return s
}
