package core

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/yarn"
)

// TestRandomRuns drives cores with random (often nonsensical) event sequences and checks the
// invariants every driver relies on: at most one Finish and nothing after it, every Launch uses a
// fresh allocated container for a free rank, never more live containers than NumNodes, nothing
// of an earlier attempt released through the RM, nothing left running at Finish, and no wait
// without an end: with only time passing, the core reaches running or finished.
func TestRandomRuns(t *testing.T) {
	for seed := range uint64(1000) {
		ch := &randChooser{r: rand.New(rand.NewPCG(seed, 7)), left: 80}
		if err := randomRun(ch); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

// FuzzRandomRuns is TestRandomRuns with the fuzzer choosing.
func FuzzRandomRuns(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{3, 2, 1, 0, 1, 2, 0, 0, 0, 4, 4, 4, 5, 5, 7, 7, 10, 10, 10, 10})
	f.Add([]byte("allocate, join, complete, restart, finish: the bytes are only choices"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := randomRun(&byteChooser{data: data}); err != nil {
			t.Fatal(err)
		}
	})
}

// chooser makes the choices of a random run.
type chooser interface {
	intn(n int) int
	done() bool
}

type randChooser struct {
	r    *rand.Rand
	left int
}

func (c *randChooser) intn(n int) int { return c.r.IntN(n) }
func (c *randChooser) done() bool     { c.left--; return c.left < 0 }

type byteChooser struct{ data []byte }

func (c *byteChooser) intn(n int) int {
	if len(c.data) == 0 {
		return 0
	}
	b := c.data[0]
	c.data = c.data[1:]
	return int(b) % n
}
func (c *byteChooser) done() bool { return len(c.data) == 0 }

var exitStatuses = []int32{0, 1, 3, 137, yarn.ExitAborted, yarn.ExitPreempted, yarn.ExitDisksFailed,
	yarn.ExitKilledByAppMaster, yarn.ExitKilledExceededPMem, yarn.ExitKilledAfterAppCompleted}

func randomRun(ch chooser) error {
	n := 1 + ch.intn(4)
	cfg := Config{
		NumNodes:          n,
		MinNodes:          ch.intn(n + 1),
		Resource:          yarn.Resource{MemoryMB: 1024, VCores: 1},
		AllocationTimeout: time.Minute,
		JoinTimeout:       5 * time.Minute,
		RecoveryTimeout:   time.Minute,
		MaxRestarts:       ch.intn(3),
		LeaseTimeout:      []time.Duration{0, 30 * time.Second}[ch.intn(2)],
		Completion:        Completion(1 + ch.intn(3)),
		Roles:             RayRoles,
		AttemptNumber:     1 + ch.intn(2),
	}
	c, err := New(cfg)
	if err != nil {
		return err
	}
	w := &world{core: c, inv: newInvariants(n), now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), attempt: cfg.AttemptNumber}
	reg := yarn.Registration{MaxCapability: yarn.Resource{MemoryMB: 8192, VCores: 8}}
	if cfg.AttemptNumber > 1 {
		for range ch.intn(n + 1) {
			ctr := w.container(ch, cfg.AttemptNumber-1)
			reg.PreviousContainers = append(reg.PreviousContainers, ctr)
			w.inv.adopt(ctr.ID)
		}
	}
	if err := w.step(Started{Now: w.now, Registration: reg}); err != nil {
		return err
	}
	for !ch.done() {
		if err := w.step(w.randomEvent(ch)); err != nil {
			return err
		}
	}
	// Only time passes now: every wait must end.
	for range 10 {
		w.now = w.now.Add(10 * time.Minute)
		if err := w.step(Tick{Now: w.now}); err != nil {
			return err
		}
	}
	if p := c.Snapshot().Phase; p != "running" && p != "finished" {
		return fmt.Errorf("still %s after 100 minutes of ticks", p)
	}
	return nil
}

// world is the random run's side of the conversation: containers it made up, time, history.
type world struct {
	core    *Core
	inv     *invariants
	now     time.Time
	attempt int
	seq     int64
	known   []yarn.Container
	history []string
}

func (w *world) container(ch chooser, attempt int) yarn.Container {
	w.seq++
	ctr := yarn.Container{
		ID: yarn.ContainerID{
			Attempt:  yarn.AttemptID{App: yarn.ApplicationID{ClusterTimestamp: 1, ID: 1}, Attempt: int32(attempt)},
			Sequence: w.seq,
		},
		Node:     yarn.NodeID{Host: fmt.Sprintf("nm%d", 1+ch.intn(4)), Port: 8041},
		Resource: yarn.Resource{MemoryMB: 1024, VCores: 1},
		Priority: AskPriority,
	}
	w.known = append(w.known, ctr)
	return ctr
}

func (w *world) pick(ch chooser) yarn.Container {
	if len(w.known) == 0 {
		return w.container(ch, w.attempt)
	}
	return w.known[ch.intn(len(w.known))]
}

func (w *world) randomEvent(ch chooser) Event {
	switch ch.intn(16) {
	case 0, 1, 2:
		var ctrs []yarn.Container
		for range 1 + ch.intn(3) {
			ctrs = append(ctrs, w.container(ch, w.attempt))
		}
		return Allocated{Containers: ctrs}
	case 3:
		return Allocated{Containers: []yarn.Container{w.pick(ch)}}
	case 4, 5, 6:
		// Mostly a plausible join: a launched container with its own rank, current generation.
		if id, rank, ok := w.inv.someLive(ch); ok {
			return MemberJoined{Generation: w.inv.gen, Rank: rank, ContainerID: id}
		}
		return MemberJoined{Generation: w.inv.gen, Rank: ch.intn(4), ContainerID: w.pick(ch).ID}
	case 7:
		return MemberJoined{Generation: w.inv.gen - ch.intn(2), Rank: ch.intn(6) - 1, ContainerID: w.pick(ch).ID}
	case 8, 9:
		return Completed{Statuses: []yarn.ContainerStatus{{
			ID: w.pick(ch).ID, State: yarn.ContainerComplete, ExitStatus: exitStatuses[ch.intn(len(exitStatuses))]}}}
	case 10:
		return Launched{ContainerID: w.pick(ch).ID}
	case 11:
		return LaunchFailed{ContainerID: w.pick(ch).ID, Err: errors.New("refused")}
	case 12:
		return LeaseRenewed{Now: w.now}
	case 13:
		switch ch.intn(12) {
		case 0:
			return StopRequested{Reason: "test"}
		case 1:
			return RMError{Err: errors.New("gone"), Fatal: true}
		case 2:
			return RMError{Err: errors.New("blip")}
		}
		return HeadroomReport{Headroom: yarn.Resource{MemoryMB: int64(ch.intn(4096)), VCores: int32(ch.intn(8))}, ClusterNodes: ch.intn(5)}
	}
	w.now = w.now.Add(time.Duration(ch.intn(90)) * time.Second)
	return Tick{Now: w.now}
}

func (w *world) step(ev Event) error {
	w.history = append(w.history, fmt.Sprintf("%T%+v", ev, ev))
	effects := w.core.Step(ev)
	for _, e := range effects {
		w.history = append(w.history, "  "+e.String())
	}
	if err := w.inv.check(ev, effects); err != nil {
		start := max(0, len(w.history)-40)
		return fmt.Errorf("%w\nlast steps:\n%s", err, joinLines(w.history[start:]))
	}
	return nil
}

func joinLines(lines []string) string {
	out := ""
	for _, l := range lines {
		out += l + "\n"
	}
	return out
}
