package core

import (
	"fmt"
	"time"

	"github.com/orca-yarn/orca-yarn/yarn"
)

type phase int

const (
	// phaseDeciding: before Started, and for a moment while the next wait is chosen.
	phaseDeciding phase = iota
	phaseRecovering
	phaseGathering
	phaseJoining
	phaseRunning
	phaseDone
)

func (p phase) String() string {
	return [...]string{"starting", "recovering", "allocating", "joining", "running", "finished"}[p]
}

type slotState int

const (
	slotEmpty    slotState = iota
	slotLaunched           // a live container holds the rank; it has not joined the current generation
	slotJoined             // it joined the current generation
	slotExited             // it exited 0 and the rank's work is done (EveryRankExits)
)

func (s slotState) String() string {
	return [...]string{"empty", "launched", "joined", "exited"}[s]
}

// slot is one rank of the gang.
type slot struct {
	state     slotState
	container yarn.Container
	// confirmed: the NodeManager accepted the launch (or the container survived an attempt).
	confirmed bool
	// gen is the generation the container was launched in or last joined: the generation its
	// failure is charged to.
	gen int
	// launches counts the containers this rank has had.
	launches int
}

// Core is the AM's state machine. It is not safe for concurrent use: one goroutine owns it.
type Core struct {
	cfg     Config
	started bool
	phase   phase
	now     time.Time
	// deadline of the current wait (recovering, gathering, joining); zero while running.
	deadline time.Time
	// roundStart is when the current allocation round began, for the diagnosis.
	roundStart time.Time
	leaseSeen  time.Time

	gen   int
	world int
	slots []slot
	byID  map[yarn.ContainerID]int
	// adopted holds containers of an earlier attempt whose rank is not known yet.
	adopted map[yarn.ContainerID]yarn.Container
	// previous marks every container of an earlier attempt: the RM refuses to release those.
	previous map[yarn.ContainerID]bool
	// gone holds containers that ended or that the core released or stopped: their
	// completions are expected, and they are never used again (the RM may repeat itself).
	gone map[yarn.ContainerID]bool

	// asked mirrors what the RM believes is outstanding under the gang's key: it drops by one
	// with every container allocated under the key, as on the RM's side.
	asked     int32
	heartbeat time.Duration
	// fastSince is when the current stretch of asking or recovering began (zero: none).
	fastSince time.Time

	queue          string
	restarts       int
	charged        map[int]bool
	launchFailures int
	headroom       *HeadroomReport

	final *Finish
	out   []Effect
}

// New returns a core for cfg, or ErrBadConfig.
func New(cfg Config) (*Core, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Core{
		cfg:      cfg,
		world:    cfg.NumNodes,
		slots:    make([]slot, cfg.NumNodes),
		byID:     map[yarn.ContainerID]int{},
		adopted:  map[yarn.ContainerID]yarn.Container{},
		previous: map[yarn.ContainerID]bool{},
		gone:     map[yarn.ContainerID]bool{},
		charged:  map[int]bool{},
	}, nil
}

// Finished reports whether the Finish effect was emitted, and returns it.
func (c *Core) Finished() (Finish, bool) {
	if c.final == nil {
		return Finish{}, false
	}
	return *c.final, true
}

// Step applies one event and returns the effects to execute, in order. After Finish it returns
// nothing, whatever the event.
func (c *Core) Step(e Event) []Effect {
	if c.phase == phaseDone {
		return nil
	}
	c.out = nil
	switch e := e.(type) {
	case Started:
		c.advance(e.Now)
		c.start(e.Registration)
	case Tick:
		c.advance(e.Now)
		c.checkDeadlines()
	case LeaseRenewed:
		c.advance(e.Now)
		if e.Now.After(c.leaseSeen) {
			c.leaseSeen = e.Now
		}
	case StopRequested:
		c.stopRequested(e)
	case RMError:
		c.rmError(e)
	case HeadroomReport:
		c.headroom = &e
	default:
		if !c.started {
			c.logf(Warn, "ignored %T: the AM has not registered yet", e)
			break
		}
		c.stepStarted(e)
	}
	if c.started && c.phase != phaseDone {
		c.settle()
	}
	out := c.out
	c.out = nil
	return out
}

func (c *Core) stepStarted(e Event) {
	switch e := e.(type) {
	case Allocated:
		c.allocated(e.Containers)
	case Launched:
		if r, ok := c.byID[e.ContainerID]; ok {
			c.slots[r].confirmed = true
		}
	case LaunchFailed:
		c.launchFailed(e)
	case MemberJoined:
		c.memberJoined(e)
	case Completed:
		c.completed(e.Statuses)
	}
}

func (c *Core) advance(now time.Time) {
	if now.After(c.now) {
		c.now = now
	}
}

func (c *Core) start(reg yarn.Registration) {
	if c.started {
		c.logf(Warn, "ignored a second Started event")
		return
	}
	c.started = true
	c.leaseSeen = c.now
	c.queue = reg.Queue
	// A zero maximum means the RM did not say; the submitter checked it already anyway.
	if largest := reg.MaxCapability; largest.MemoryMB > 0 {
		if ok, why := c.cfg.Resource.FitsIn(largest); !ok {
			c.finish(yarn.FinalFailed, ExitNoResources, fmt.Sprintf(
				"each container asks %s, more than the largest container this cluster grants (%s): %s",
				c.cfg.Resource, largest, why))
			return
		}
	}
	c.gen = 1
	c.emit(NewGeneration{Generation: c.gen, WorldSize: c.world})
	if len(reg.PreviousContainers) > 0 {
		c.beginRecovery(reg.PreviousContainers)
		return
	}
	if c.cfg.AttemptNumber > 1 {
		c.logf(Info, "attempt %d: no container survived the previous attempt; starting the gang over", c.cfg.AttemptNumber)
	}
}

// settle moves to the wait the slots call for, then brings the ask and the heartbeat in line.
func (c *Core) settle() {
	if c.phase == phaseRecovering && len(c.adopted) == 0 {
		c.endRecovery(false)
	}
	if c.phase == phaseDone {
		return
	}
	if c.phase != phaseRecovering {
		next := phaseRunning
		switch {
		case c.emptySlots() > 0:
			next = phaseGathering
		case !c.allJoined():
			next = phaseJoining
		}
		if next != c.phase {
			c.enter(next)
		}
	}
	c.syncAsk()
	c.syncHeartbeat()
}

func (c *Core) enter(p phase) {
	c.phase = p
	switch p {
	case phaseGathering:
		c.roundStart = c.now
		c.deadline = c.now.Add(c.cfg.AllocationTimeout)
	case phaseJoining:
		c.deadline = c.now.Add(c.cfg.JoinTimeout)
		c.logf(Info, "%s launched; waiting up to %s for every rank to join generation %d",
			plural(c.world, "container"), human(c.cfg.JoinTimeout), c.gen)
	case phaseRunning:
		c.deadline = time.Time{}
		c.logf(Info, "the gang of %d is complete (generation %d)", c.world, c.gen)
	}
}

func (c *Core) syncAsk() {
	want := int32(0)
	if c.phase == phaseGathering {
		want = int32(c.emptySlots())
	}
	if want == c.asked {
		return
	}
	c.asked = want
	c.emit(SetAsk{Ask: c.ask(want)})
}

func (c *Core) ask(count int32) yarn.Ask {
	return yarn.Ask{
		Key:        yarn.AskKey{Priority: AskPriority},
		Capability: c.cfg.Resource,
		NodeLabel:  c.cfg.NodeLabel,
		Count:      count,
	}
}

func (c *Core) syncHeartbeat() {
	want := SteadyHeartbeat
	if c.asked > 0 || c.phase == phaseRecovering {
		if c.fastSince.IsZero() {
			c.fastSince = c.now
		}
		want = FastHeartbeat
		if c.now.Sub(c.fastSince) >= FastFor {
			want = PendingHeartbeat
		}
	} else {
		c.fastSince = time.Time{}
	}
	if want != c.heartbeat {
		c.heartbeat = want
		c.emit(HeartbeatInterval{Interval: want})
	}
}

func (c *Core) checkDeadlines() {
	if !c.started {
		return
	}
	if c.cfg.LeaseTimeout > 0 && c.now.Sub(c.leaseSeen) >= c.cfg.LeaseTimeout {
		c.finish(yarn.FinalKilled, ExitKilled, fmt.Sprintf(
			"the submitting client went away (no lease renewal for %s)", human(c.cfg.LeaseTimeout)))
		return
	}
	if c.deadline.IsZero() || c.now.Before(c.deadline) {
		return
	}
	switch c.phase {
	case phaseRecovering:
		c.endRecovery(true)
	case phaseGathering:
		c.allocationTimedOut()
	case phaseJoining:
		c.joinTimedOut()
	}
}

func (c *Core) stopRequested(e StopRequested) {
	switch e.Status {
	case yarn.FinalSucceeded:
		c.finish(yarn.FinalSucceeded, ExitSucceeded, "the client ended the application: "+e.Reason)
	case yarn.FinalFailed:
		c.finish(yarn.FinalFailed, ExitAppFailed, "the client reported a failure: "+e.Reason)
	default:
		reason := e.Reason
		if reason == "" {
			reason = "request"
		}
		c.finish(yarn.FinalKilled, ExitKilled, "stopped by "+reason)
	}
}

func (c *Core) rmError(e RMError) {
	msg := "unknown error"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if !e.Fatal {
		c.logf(Warn, "heartbeat to the ResourceManager failed: %s", msg)
		return
	}
	c.finish(yarn.FinalFailed, ExitClusterError, "lost the ResourceManager: "+msg)
}

// finish cancels the ask, stops every live container and emits the one Finish.
func (c *Core) finish(status yarn.FinalStatus, code int, diagnostics string) {
	if c.asked > 0 {
		c.asked = 0
		c.emit(SetAsk{Ask: c.ask(0)})
	}
	var live []yarn.Container
	for r := range c.slots {
		if s := &c.slots[r]; s.state == slotLaunched || s.state == slotJoined {
			live = append(live, s.container)
		}
	}
	live = append(live, c.adoptedSorted()...)
	c.stopContainers(live)
	f := Finish{Status: status, ExitCode: code, Diagnostics: diagnostics}
	c.final = &f
	c.emit(f)
	c.phase = phaseDone
	c.deadline = time.Time{}
}

// stopContainers stops live containers at their NodeManagers and releases them at the RM (so
// the RM reclaims them even if a NodeManager cannot be reached), except those of an earlier
// attempt, which the RM would refuse.
func (c *Core) stopContainers(ctrs []yarn.Container) {
	var release []yarn.ContainerID
	for _, ctr := range ctrs {
		c.gone[ctr.ID] = true
		c.emit(StopContainer{Container: ctr})
		if !c.previous[ctr.ID] {
			release = append(release, ctr.ID)
		}
	}
	if len(release) > 0 {
		c.emit(Release{IDs: release})
	}
}

func (c *Core) emit(e Effect) { c.out = append(c.out, e) }

func (c *Core) logf(level Level, format string, args ...any) {
	c.emit(Log{Level: level, Msg: fmt.Sprintf(format, args...)})
}
