package core

import (
	"errors"
	"fmt"

	"github.com/orca-yarn/orca-yarn/yarn"
)

// invariants follows a run from the outside, knowing only events and effects, and reports the
// first effect a driver could not safely execute.
type invariants struct {
	n        int
	gen      int
	finished bool
	// live containers: launched (or adopted) and not yet completed, stopped or released. The
	// value is the rank, -1 for a survivor of an earlier attempt.
	live      map[yarn.ContainerID]int
	allocated map[yarn.ContainerID]bool
	launched  map[yarn.ContainerID]bool
	previous  map[yarn.ContainerID]bool
	// order keeps launches in sequence, so that random choices among them are reproducible.
	order []yarn.ContainerID
}

func newInvariants(n int) *invariants {
	return &invariants{
		n:         n,
		live:      map[yarn.ContainerID]int{},
		allocated: map[yarn.ContainerID]bool{},
		launched:  map[yarn.ContainerID]bool{},
		previous:  map[yarn.ContainerID]bool{},
	}
}

func (v *invariants) adopt(id yarn.ContainerID) {
	v.live[id] = -1
	v.previous[id] = true
}

// someLive picks a live launched container and its rank.
func (v *invariants) someLive(ch chooser) (yarn.ContainerID, int, bool) {
	var ids []yarn.ContainerID
	for _, id := range v.order {
		if r, ok := v.live[id]; ok && r >= 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return yarn.ContainerID{}, 0, false
	}
	id := ids[ch.intn(len(ids))]
	return id, v.live[id], true
}

func (v *invariants) check(ev Event, effects []Effect) error {
	if v.finished {
		if len(effects) > 0 {
			return errors.New("effects after Finish")
		}
		return nil
	}
	switch e := ev.(type) {
	case Allocated:
		for _, ctr := range e.Containers {
			v.allocated[ctr.ID] = true
		}
	case Completed:
		for _, st := range e.Statuses {
			delete(v.live, st.ID)
		}
	}
	for i, e := range effects {
		if err := v.effect(e, i == len(effects)-1); err != nil {
			return fmt.Errorf("%s: %w", e, err)
		}
		if len(v.live) > v.n {
			return fmt.Errorf("%d live containers for %d nodes", len(v.live), v.n)
		}
	}
	return nil
}

func (v *invariants) effect(e Effect, last bool) error {
	switch e := e.(type) {
	case Launch:
		id := e.Container.ID
		switch {
		case !v.allocated[id]:
			return errors.New("launched a container the RM never allocated")
		case v.launched[id]:
			return errors.New("launched a container twice")
		case e.Rank < 0 || e.Rank >= v.n || e.WorldSize > v.n || e.Rank >= e.WorldSize:
			return errors.New("rank outside the world")
		case e.Generation != v.gen:
			return fmt.Errorf("launched for generation %d, current is %d", e.Generation, v.gen)
		}
		for other, r := range v.live {
			if r == e.Rank {
				return fmt.Errorf("rank %d is still held by live %s", r, other)
			}
		}
		v.launched[id] = true
		v.live[id] = e.Rank
		v.order = append(v.order, id)
	case StopContainer:
		delete(v.live, e.Container.ID)
	case Release:
		for _, id := range e.IDs {
			if v.previous[id] {
				return errors.New("released a container of an earlier attempt (the RM rejects that)")
			}
			delete(v.live, id)
		}
	case NewGeneration:
		if e.Generation <= v.gen || e.WorldSize < 1 || e.WorldSize > v.n {
			return fmt.Errorf("bad generation after %d", v.gen)
		}
		v.gen = e.Generation
	case SetAsk:
		if e.Ask.Count < 0 || int(e.Ask.Count) > v.n {
			return errors.New("ask outside 0..NumNodes")
		}
	case Finish:
		switch {
		case !last:
			return errors.New("effects after Finish in the same step")
		case len(v.live) > 0:
			return fmt.Errorf("%d containers left running", len(v.live))
		}
		v.finished = true
	}
	return nil
}
