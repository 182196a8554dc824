package core

import (
	"fmt"
	"strings"

	"github.com/orca-yarn/orca-yarn/yarn"
)

// allocated fills empty ranks with new containers, lowest rank first, and launches each at once
// (the barrier holds the user's work until the gang is complete). What fills no rank is surplus.
func (c *Core) allocated(ctrs []yarn.Container) {
	var surplus []yarn.ContainerID
	for _, ctr := range ctrs {
		if ctr.Priority == AskPriority && ctr.AllocationRequestID == 0 && c.asked > 0 {
			c.asked--
		}
		if _, dup := c.byID[ctr.ID]; dup || c.gone[ctr.ID] || c.previous[ctr.ID] {
			continue
		}
		r := c.firstEmpty()
		if c.phase == phaseRecovering || r < 0 {
			c.gone[ctr.ID] = true
			surplus = append(surplus, ctr.ID)
			continue
		}
		c.launch(r, ctr)
	}
	if len(surplus) > 0 {
		c.logf(Info, "releasing %d surplus container(s)", len(surplus))
		c.emit(Release{IDs: surplus})
	}
}

func (c *Core) launch(rank int, ctr yarn.Container) {
	s := &c.slots[rank]
	*s = slot{state: slotLaunched, container: ctr, gen: c.gen, launches: s.launches + 1}
	c.byID[ctr.ID] = rank
	c.emit(Launch{
		Container:  ctr,
		Rank:       rank,
		Role:       c.cfg.Roles(rank),
		Generation: c.gen,
		WorldSize:  c.world,
		Restart:    s.launches - 1,
	})
}

// launchFailed gives the container back and asks for another. A NodeManager refusing starts is
// the cluster's problem, not the user's, so it has its own small budget.
func (c *Core) launchFailed(e LaunchFailed) {
	r, ok := c.byID[e.ContainerID]
	// Only a launch of this attempt that the NodeManager did not confirm can fail.
	if !ok || c.slots[r].state != slotLaunched || c.slots[r].confirmed || c.previous[e.ContainerID] {
		return
	}
	s := &c.slots[r]
	ctr := s.container
	delete(c.byID, ctr.ID)
	c.gone[ctr.ID] = true
	s.state = slotEmpty
	c.emit(Release{IDs: []yarn.ContainerID{ctr.ID}})
	msg := "unknown error"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	c.launchFailures++
	if c.launchFailures > c.cfg.MaxLaunchFailures {
		c.finish(yarn.FinalFailed, ExitClusterError, fmt.Sprintf(
			"could not start containers: rank %d (%s): %s; %d launch failures", r, where(ctr), msg, c.launchFailures))
		return
	}
	c.logf(Warn, "rank %d (%s) could not be started: %s; asking for another container", r, where(ctr), msg)
}

func (c *Core) memberJoined(e MemberJoined) {
	if e.Generation != c.gen {
		return
	}
	if e.Rank < 0 || e.Rank >= c.world {
		c.logf(Warn, "ignored a join of %s as rank %d: the world has %d ranks", e.ContainerID, e.Rank, c.world)
		return
	}
	if c.phase == phaseRecovering {
		c.recoveredJoin(e)
		return
	}
	s := &c.slots[e.Rank]
	if (s.state != slotLaunched && s.state != slotJoined) || s.container.ID != e.ContainerID {
		c.logf(Warn, "ignored a join of %s as rank %d: that rank belongs to another container", e.ContainerID, e.Rank)
		return
	}
	s.state = slotJoined
	s.confirmed = true
	s.gen = c.gen
}

// newGeneration restarts the rendezvous: live members must join again and ranks whose work was
// done must run again, since the gang's work restarts as a whole.
func (c *Core) newGeneration() {
	c.gen++
	for r := range c.slots {
		switch s := &c.slots[r]; s.state {
		case slotJoined:
			s.state = slotLaunched
		case slotExited:
			s.state = slotEmpty
		}
	}
	c.emit(NewGeneration{Generation: c.gen, WorldSize: c.world})
	// Leave the current wait, so that settle starts the next one with a fresh deadline.
	c.phase = phaseDeciding
}

// allocationTimedOut ends the gang's allocation round: all-or-nothing fails, elastic goes on
// with the ranks it has, if enough.
func (c *Core) allocationTimedOut() {
	got := c.world - c.emptySlots()
	if c.cfg.MinNodes > 0 {
		// Ranks are fixed in the launched containers' environment, so only a prefix 0..k-1 of
		// filled ranks can form the smaller world; ranks after a hole are stopped.
		k := 0
		for k < c.world && c.slots[k].state != slotEmpty {
			k++
		}
		if k >= c.cfg.MinNodes {
			var drop []yarn.Container
			for r := k; r < c.world; r++ {
				if s := &c.slots[r]; s.state != slotEmpty {
					delete(c.byID, s.container.ID)
					if s.state != slotExited {
						drop = append(drop, s.container)
					}
					s.state = slotEmpty
				}
			}
			c.logf(Info, "elastic start: got %d of %d containers in %s; going on with %d (--min-nodes %d)",
				got, c.world, human(c.cfg.AllocationTimeout), k, c.cfg.MinNodes)
			c.stopContainers(drop)
			c.world = k
			c.newGeneration()
			return
		}
	}
	c.finish(yarn.FinalFailed, ExitNoResources, c.allocationDiagnosis(got))
}

// allocationDiagnosis says what was asked, what came, and why more could not come.
func (c *Core) allocationDiagnosis(got int) string {
	r := c.cfg.Resource
	var b strings.Builder
	fmt.Fprintf(&b, "allocation timeout: asked %d × %s", c.world, r)
	if c.cfg.NodeLabel != "" {
		fmt.Fprintf(&b, " on node label %q", c.cfg.NodeLabel)
	}
	fmt.Fprintf(&b, "; got %d in %s", got, human(c.now.Sub(c.roundStart)))
	if c.cfg.MinNodes > 0 {
		fmt.Fprintf(&b, " (--min-nodes %d)", c.cfg.MinNodes)
	}
	if c.headroom == nil {
		b.WriteString("; the ResourceManager reported no headroom")
		return b.String()
	}
	h := c.headroom.Headroom
	b.WriteString("; queue ")
	if c.queue != "" {
		b.WriteString(c.queue + " ")
	}
	room := roomFor(h, r)
	fmt.Fprintf(&b, "headroom %s (room for %d more); %d cluster nodes", h, room, c.headroom.ClusterNodes)
	if room < int64(c.world-got) {
		// Users read "headroom" as the cluster's free room; in the CapacityScheduler it is their
		// own share, which user-limit-factor caps even on an idle cluster.
		b.WriteString("; headroom is the least of your user limit in the queue (capacity × user-limit-factor), " +
			"the queue's maximum-capacity and the cluster's free room, so it can be short on an idle cluster: " +
			"ask for fewer or smaller containers, or use another queue")
	}
	return b.String()
}

// roomFor is how many more containers of size r fit in the headroom h.
func roomFor(h, r yarn.Resource) int64 {
	n := h.MemoryMB / r.MemoryMB
	n = min(n, int64(h.VCores/r.VCores))
	if r.GPUs > 0 {
		n = min(n, h.GPUs/r.GPUs)
	}
	return max(n, 0)
}

func (c *Core) joinTimedOut() {
	var missing []string
	for r := range c.world {
		s := &c.slots[r]
		if s.state != slotLaunched {
			continue
		}
		m := fmt.Sprintf("rank %d (%s", r, where(s.container))
		if !s.confirmed {
			m += ", the NodeManager never confirmed the launch"
		}
		missing = append(missing, m+")")
	}
	c.finish(yarn.FinalFailed, ExitClusterError, fmt.Sprintf(
		"not every container joined the rendezvous of generation %d within %s: %s",
		c.gen, human(c.cfg.JoinTimeout), strings.Join(missing, ", ")))
}

func (c *Core) firstEmpty() int {
	for r := range c.world {
		if c.slots[r].state == slotEmpty {
			return r
		}
	}
	return -1
}

func (c *Core) emptySlots() int {
	n := 0
	for r := range c.world {
		if c.slots[r].state == slotEmpty {
			n++
		}
	}
	return n
}

// allJoined: every rank joined the current generation, or already did its work.
func (c *Core) allJoined() bool {
	for r := range c.world {
		if st := c.slots[r].state; st != slotJoined && st != slotExited {
			return false
		}
	}
	return true
}
