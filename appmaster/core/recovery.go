package core

import (
	"sort"

	"github.com/orca-yarn/orca-yarn/yarn"
)

// beginRecovery adopts the containers an earlier attempt left running. Their ranks are unknown
// until their launchers re-join the new AM's rendezvous.
func (c *Core) beginRecovery(ctrs []yarn.Container) {
	for _, ctr := range ctrs {
		c.adopted[ctr.ID] = ctr
		c.previous[ctr.ID] = true
	}
	c.phase = phaseRecovering
	c.deadline = c.now.Add(c.cfg.RecoveryTimeout)
	c.logf(Info, "attempt %d: %d container(s) survived the previous attempt; waiting up to %s for them to re-join",
		c.cfg.AttemptNumber, len(ctrs), human(c.cfg.RecoveryTimeout))
}

// recoveredJoin gives an adopted container back its rank.
func (c *Core) recoveredJoin(e MemberJoined) {
	ctr, ok := c.adopted[e.ContainerID]
	if !ok {
		if r, held := c.byID[e.ContainerID]; !held || r != e.Rank {
			c.logf(Warn, "ignored a join of %s as rank %d: not a container of this application", e.ContainerID, e.Rank)
		}
		return
	}
	s := &c.slots[e.Rank]
	if s.state != slotEmpty {
		c.logf(Warn, "ignored a join of %s as rank %d: %s already holds that rank", e.ContainerID, e.Rank, s.container.ID)
		return
	}
	delete(c.adopted, ctr.ID)
	*s = slot{state: slotJoined, container: ctr, confirmed: true, gen: c.gen, launches: 1}
	c.byID[ctr.ID] = e.Rank
	c.logf(Info, "recovered rank %d (%s)", e.Rank, where(ctr))
}

// endRecovery stops the survivors that did not re-join. If ranks are missing the gang restarts
// as a new generation; that is not charged to the user: why they died is unknown.
func (c *Core) endRecovery(timedOut bool) {
	strays := c.adoptedSorted()
	clear(c.adopted)
	if timedOut && len(strays) > 0 {
		c.logf(Warn, "%d surviving container(s) did not re-join within %s; stopping them", len(strays), human(c.cfg.RecoveryTimeout))
	}
	c.stopContainers(strays)
	c.phase = phaseDeciding
	missing := c.emptySlots()
	if missing == 0 {
		c.logf(Info, "recovered all %d ranks", c.world)
		return
	}
	c.logf(Info, "recovered %d of %d ranks; restarting the gang", c.world-missing, c.world)
	c.newGeneration()
}

func (c *Core) adoptedSorted() []yarn.Container {
	out := make([]yarn.Container, 0, len(c.adopted))
	for _, ctr := range c.adopted {
		out = append(out, ctr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID.String() < out[j].ID.String() })
	return out
}
