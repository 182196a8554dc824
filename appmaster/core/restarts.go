package core

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/orca-yarn/orca-yarn/yarn"
)

type verdict int

const (
	// rankDone: the rank's work is done (exit 0 under EveryRankExits).
	rankDone verdict = iota
	// appDone: the application succeeded (rank 0 exited 0 under RankZeroExits).
	appDone
	// lostNotCounted: the member is gone through no fault of the user's program.
	lostNotCounted
	// failed: the user's program failed; it counts against the restart budget.
	failed
)

// classify decides what a container's end means for its rank, with the cause in words.
func (c *Core) classify(rank int, st yarn.ContainerStatus) (verdict, string) {
	cause := yarn.ExitCause(st.ExitStatus)
	switch {
	case st.ExitStatus == yarn.ExitKilledByAppMaster || st.ExitStatus == yarn.ExitKilledAfterAppCompleted:
		// Stopped by an AM (an earlier attempt, or a stop the driver did on its own): never the
		// user's doing.
		return lostNotCounted, cause
	case yarn.NotTheUsersFault(st.ExitStatus):
		return lostNotCounted, cause
	case st.ExitStatus == yarn.ExitKilledExceededPMem || st.ExitStatus == yarn.ExitKilledExceededVMem:
		return failed, fmt.Sprintf("%s of %d MiB (raise --memory)", cause, c.cfg.Resource.MemoryMB)
	case st.ExitStatus != yarn.ExitSuccess:
		return failed, cause
	}
	switch {
	case c.cfg.Completion == EveryRankExits:
		return rankDone, cause
	case c.cfg.Completion == RankZeroExits && rank == 0:
		return appDone, cause
	}
	return failed, "exited 0 while the application was still running"
}

// completed handles finished containers: work done, members lost, failures against the budget.
// One batch restarts the gang at most once.
func (c *Core) completed(statuses []yarn.ContainerStatus) {
	restart := false
	for _, st := range statuses {
		if c.gone[st.ID] {
			continue
		}
		c.gone[st.ID] = true
		if ctr, ok := c.adopted[st.ID]; ok {
			delete(c.adopted, st.ID)
			c.logf(Warn, "%s of the previous attempt ended before re-joining: %s", where(ctr), yarn.ExitCause(st.ExitStatus))
			continue
		}
		r, ok := c.byID[st.ID]
		if !ok {
			continue
		}
		delete(c.byID, st.ID)
		s := &c.slots[r]
		wasJoined := s.state == slotJoined
		v, cause := c.classify(r, st)
		switch v {
		case rankDone:
			s.state = slotExited
			c.logf(Info, "rank %d (%s) exited 0", r, where(s.container))
			continue
		case appDone:
			s.state = slotExited
			c.finish(yarn.FinalSucceeded, ExitSucceeded, fmt.Sprintf("the driver (rank 0, %s) exited 0", where(s.container)))
			return
		case failed:
			// A replaced worker is its own restart: its failure is not a consequence of another
			// in the same generation.
			charge := func() (bool, bool) { return c.charge(s.gen) }
			if c.cfg.ReplaceWorkers && r != 0 && wasJoined {
				charge = c.chargeAlone
			}
			fresh, ok := charge()
			if !ok {
				c.finish(yarn.FinalFailed, ExitAppFailed, c.failureDiagnosis(r, s.container, cause, st.Diagnostics))
				return
			}
			if fresh {
				c.logf(Warn, "rank %d (%s) failed: %s; restart %d of %d (--max-restarts)",
					r, where(s.container), cause, c.restarts, c.cfg.MaxRestarts)
			} else {
				c.logf(Warn, "rank %d (%s) failed: %s; counted with the failure of generation %d",
					r, where(s.container), cause, s.gen)
			}
		case lostNotCounted:
			c.logf(Warn, "rank %d (%s) lost: %s; not counted as a failure", r, where(s.container), cause)
		}
		c.emit(MemberGone{Rank: r, Container: s.container})
		s.state = slotEmpty
		s.confirmed = false
		// A member that joined the current generation is registered in the rendezvous: the gang
		// must restart. One that never joined is simply replaced, and so is a joined worker when
		// workers rejoin a running generation (ReplaceWorkers).
		if wasJoined && c.cfg.ReplaceWorkers && r != 0 {
			c.logf(Info, "replacing rank %d; its new container joins generation %d", r, c.gen)
			continue
		}
		restart = restart || wasJoined
	}
	if restart && c.phase != phaseRecovering {
		c.newGeneration()
	}
	if c.cfg.Completion == EveryRankExits && c.allExited() {
		c.finish(yarn.FinalSucceeded, ExitSucceeded, fmt.Sprintf("all %d ranks exited 0", c.world))
	}
}

// chargeAlone counts one failure against the budget, whatever its generation.
func (c *Core) chargeAlone() (fresh, ok bool) {
	if c.restarts >= c.cfg.MaxRestarts {
		return false, false
	}
	c.restarts++
	return true, true
}

// charge counts a failure of a container of generation gen against the budget, once per
// generation: the failures that follow the first in the same generation are its consequences.
// fresh reports a newly counted restart; ok is false when the budget is spent.
func (c *Core) charge(gen int) (fresh, ok bool) {
	if c.charged[gen] {
		return false, true
	}
	if c.restarts >= c.cfg.MaxRestarts {
		return false, false
	}
	c.restarts++
	c.charged[gen] = true
	return true, true
}

func (c *Core) failureDiagnosis(rank int, ctr yarn.Container, cause, yarnDiag string) string {
	msg := fmt.Sprintf("rank %d (%s, host %s) failed: %s", rank, ctr.ID, ctr.Node.Host, cause)
	if c.restarts > 0 {
		msg += ", after " + plural(c.restarts, "restart")
	} else {
		msg += ", with no restart allowed"
	}
	msg += fmt.Sprintf(" (--max-restarts %d)", c.cfg.MaxRestarts)
	if d := firstLine(yarnDiag, 300); d != "" {
		msg += "; YARN: " + d
	}
	return msg
}

func (c *Core) allExited() bool {
	for r := range c.world {
		if c.slots[r].state != slotExited {
			return false
		}
	}
	return true
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// firstLine keeps a diagnosis short: YARN's diagnostics can carry whole stack traces.
func firstLine(s string, limit int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if len(s) > limit {
		for limit > 0 && !utf8.RuneStart(s[limit]) {
			limit--
		}
		s = s[:limit] + "…"
	}
	return s
}
