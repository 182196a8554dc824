package appmaster

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/orca-yarn/orca-yarn/amapi"
	"github.com/orca-yarn/orca-yarn/appmaster/core"
	"github.com/orca-yarn/orca-yarn/barrier"
	"github.com/orca-yarn/orca-yarn/loghub"
	"github.com/orca-yarn/orca-yarn/logline"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/sirupsen/logrus"
)

// backend serves the AM's HTTP API (amapi) from the running AM: the rendezvous, the output hub,
// the status page and the client's controls. Handlers run on their own goroutines; everything
// that changes the AM's decisions goes to the loop as an event.
type backend struct{ a *am }

var _ amapi.Backend = backend{}

// errNoGang: a launcher joined before the first generation was opened (it cannot, as the core
// opens it on start), or after the application ended.
var errNoGang = errors.New("the rendezvous is not open")

func (b backend) Join(ctx context.Context, m barrier.Member) (barrier.Plan, error) {
	g := b.a.currentGang()
	if g == nil {
		return barrier.Plan{}, errNoGang
	}
	id, err := yarn.ParseContainerID(m.ContainerID)
	if err != nil {
		return barrier.Plan{}, fmt.Errorf("%w: %w", barrier.ErrBadRank, err)
	}
	// The core learns of the member when it registers, not when the gang is released: that is
	// what lets it tell a slow gang from a dead container.
	b.a.post(ctx, core.MemberJoined{Generation: g.Snapshot().Generation, Rank: m.Rank, ContainerID: id})
	plan, err := g.Join(ctx, m)
	plan.Epoch = b.epoch()
	return plan, err
}

// Watch tells a launcher that ran under an earlier attempt of this AM to join again: its
// command keeps running, and this attempt's recovery adopts it.
func (b backend) Watch(ctx context.Context, epoch, generation int) error {
	g := b.a.currentGang()
	if g == nil {
		return barrier.ErrClosed
	}
	if epoch != 0 && epoch != b.epoch() {
		return barrier.ErrRejoin
	}
	return g.Watch(ctx, generation)
}

// epoch is the application attempt: each AM attempt numbers its generations from 1.
func (b backend) epoch() int { return int(b.a.id.Attempt.Attempt) }

func (b backend) AppendLines(lines []logline.Line) error { return b.a.hub.Append(lines...) }

func (b backend) LastSeq(container string) uint64 { return b.a.hub.LastSeq(container) }

func (b backend) FollowLines(ctx context.Context, from amapi.Cursor, follow bool, fn func(amapi.Cursor, logline.Line) error) error {
	return b.a.hub.Follow(ctx, loghub.Cursor(from), follow, func(next loghub.Cursor, l logline.Line) error {
		return fn(amapi.Cursor(next), l)
	})
}

func (b backend) Status() amapi.Status {
	a := b.a
	a.mu.Lock()
	snap, started, ready := a.snapshot, a.started, a.ready
	timeline := maps.Clone(a.timeline)
	a.mu.Unlock()
	st := amapi.Status{
		AppID: a.spec.AppID, State: snap.Phase, Generation: snap.Generation, WorldSize: snap.WorldSize,
		Started: started, Timeline: timeline,
	}
	if ready != nil && ready.Generation == snap.Generation {
		r := *ready
		st.Ray = &r
	}
	roles := a.coreConfig().Roles
	if snap.Final != nil {
		st.Diagnostics = snap.Final.Diagnostics
	}
	for _, r := range snap.Ranks {
		cs := amapi.ContainerStatus{Rank: r.Rank, Role: roles(r.Rank), Host: r.Host, State: r.State, Restarts: max(r.Containers-1, 0)}
		if r.Container != (yarn.ContainerID{}) {
			cs.ContainerID = r.Container.String()
		}
		st.Containers = append(st.Containers, cs)
	}
	return st
}

// Stop and RenewLease hand their event over within a bound: after the application finished
// nobody reads events any more, and a client's request must not hang on that.
func (b backend) Stop(reason string, outcome amapi.Outcome) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	status := yarn.FinalKilled
	switch outcome {
	case amapi.OutcomeSucceeded:
		status = yarn.FinalSucceeded
	case amapi.OutcomeFailed:
		status = yarn.FinalFailed
	}
	b.a.post(ctx, core.StopRequested{Reason: reason, Status: status})
}

// Ready keeps the head's report for the status (the client waits for it); a report of an older
// generation than the current one is stale and not shown.
func (b backend) Ready(info amapi.ReadyInfo) {
	b.a.mu.Lock()
	defer b.a.mu.Unlock()
	b.a.ready = &info
	b.a.markTimeline("ray_ready")
	b.a.log.WithFields(logrus.Fields{"nodes": info.Nodes, "gcs": info.GCSAddress, "generation": info.Generation}).Info("Ray is ready")
}

func (b backend) RenewLease() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b.a.post(ctx, core.LeaseRenewed{Now: time.Now()})
}
