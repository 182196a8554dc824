package barrier

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"sync"
)

// Gang is the rendezvous of one application. It is safe for concurrent use.
//
// A generation is one attempt of the whole gang: its members join, and the gang of that
// generation is released once every rank 0..WorldSize-1 joined. A registration outlives the
// Join call that made it (a cancelled or timed-out Join keeps the rank), so a transport that
// long-polls may call Join again for the same container as often as it likes. A rank belongs to
// one container per generation until that container is declared gone with Leave.
type Gang struct {
	mu     sync.Mutex
	closed bool
	gen    *generation
	// gone holds the containers declared gone, for the life of the gang: container ids are
	// never reused, so a join from one of them is a zombie and must not take a rank back.
	gone map[string]struct{}
}

// generation is the state of one attempt. Its channels are closed exactly once, under Gang.mu.
type generation struct {
	number    int
	worldSize int
	members   map[int]Member
	// vacated keeps, after the release, the last member of a rank declared gone until a new
	// container takes it, so a plan always has one member per rank.
	vacated  map[int]Member
	released bool
	// releasedCh is closed when every rank joined; done when the generation is over (a newer
	// generation started or the gang closed).
	releasedCh chan struct{}
	done       chan struct{}
}

// Snapshot is the state of the current generation, for status pages and logs.
type Snapshot struct {
	Generation int      `json:"generation"`
	WorldSize  int      `json:"world_size"`
	Released   bool     `json:"released"`
	Closed     bool     `json:"closed"`
	Members    []Member `json:"members"` // the members that joined, ordered by rank
}

// NewGang returns a gang whose first generation (number 1) waits for worldSize members.
// worldSize must be at least 1: the AM validates the spec before it gets here, so a smaller
// value is a programming error and panics.
func NewGang(worldSize int) *Gang {
	return &Gang{gen: newGeneration(1, worldSize), gone: map[string]struct{}{}}
}

func newGeneration(number, worldSize int) *generation {
	if worldSize < 1 {
		panic(fmt.Sprintf("barrier: world size %d, want at least 1", worldSize))
	}
	return &generation{
		number:     number,
		worldSize:  worldSize,
		members:    map[int]Member{},
		vacated:    map[int]Member{},
		releasedCh: make(chan struct{}),
		done:       make(chan struct{}),
	}
}

// Join registers m in the current generation and blocks until that generation is complete,
// then returns its Plan (the same for every member, copied so callers may modify it).
//
//   - A container joining again with its rank (a retried long poll) updates its host and
//     merges its attrs (new keys win); after the release it gets the plan at once.
//   - After the release, a new container may take a rank whose container was declared gone
//     (a restarted container): it gets the plan at once, with itself in it.
//   - ErrBadRank: the rank is outside [0, WorldSize), the container id is empty, the rank is
//     held by another live container, the container already holds another rank, or the
//     container was declared gone (also returned to a waiting Join whose rank was taken over).
//   - ErrGenerationChanged / ErrClosed: the generation ended or the gang closed, while waiting
//     or before.
//   - ctx's error when ctx ends first; the registration stays.
func (g *Gang) Join(ctx context.Context, m Member) (Plan, error) {
	g.mu.Lock()
	gen, err := g.register(m)
	if err != nil {
		g.mu.Unlock()
		return Plan{}, err
	}
	g.mu.Unlock()

	select {
	case <-gen.releasedCh:
	case <-gen.done:
	case <-ctx.Done():
		return Plan{}, ctx.Err()
	}
	// Decide under the lock, so a release that raced with a new generation or a Close gives
	// the same answer to every waiter.
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.currentErr(gen); err != nil {
		return Plan{}, err
	}
	if held := gen.members[m.Rank]; held.ContainerID != m.ContainerID {
		return Plan{}, fmt.Errorf("%w: rank %d was taken over by container %s", ErrBadRank, m.Rank, held.ContainerID)
	}
	return gen.plan(), nil
}

// register validates m and records it in the current generation, releasing the gang if m
// completes it. It returns the generation m joined. g.mu is held.
func (g *Gang) register(m Member) (*generation, error) {
	if g.closed {
		return nil, ErrClosed
	}
	gen := g.gen
	switch {
	case m.Rank < 0 || m.Rank >= gen.worldSize:
		return nil, fmt.Errorf("%w: rank %d outside world size %d", ErrBadRank, m.Rank, gen.worldSize)
	case m.ContainerID == "":
		return nil, fmt.Errorf("%w: empty container id", ErrBadRank)
	}
	if _, ok := g.gone[m.ContainerID]; ok {
		return nil, fmt.Errorf("%w: container %s was declared gone", ErrBadRank, m.ContainerID)
	}
	old, held := gen.members[m.Rank]
	if held && old.ContainerID != m.ContainerID {
		return nil, fmt.Errorf("%w: rank %d is held by container %s", ErrBadRank, m.Rank, old.ContainerID)
	}
	if !held {
		for r, o := range gen.members {
			if o.ContainerID == m.ContainerID {
				return nil, fmt.Errorf("%w: container %s already holds rank %d", ErrBadRank, m.ContainerID, r)
			}
		}
	}
	joined := copyMember(m)
	if held && len(old.Attrs) > 0 {
		merged := maps.Clone(old.Attrs)
		maps.Copy(merged, m.Attrs)
		joined.Attrs = merged
	}
	gen.members[m.Rank] = joined
	delete(gen.vacated, m.Rank)
	if !gen.released && len(gen.members) == gen.worldSize {
		gen.released = true
		close(gen.releasedCh)
	}
	return gen, nil
}

// currentErr says why gen is no longer the live generation, or nil. g.mu is held.
func (g *Gang) currentErr(gen *generation) error {
	if g.closed {
		return ErrClosed
	}
	if gen != g.gen {
		return ErrGenerationChanged
	}
	return nil
}

// Leave declares the container holding rank in the current generation gone (it exited or was
// lost). Its rank becomes free for another container; a gang not yet released now waits for
// that replacement, a released one keeps the gone member in its plan until it is replaced.
// A rank nobody holds, or a closed gang, is left as it is.
func (g *Gang) Leave(rank int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	m, ok := g.gen.members[rank]
	if !ok {
		return
	}
	g.gone[m.ContainerID] = struct{}{}
	delete(g.gen.members, rank)
	if g.gen.released {
		g.gen.vacated[rank] = m
	}
}

// NewGeneration ends the current generation and starts the next one with worldSize ranks (at
// least 1, see NewGang). Members waiting in Join and watchers of the old generation get
// ErrGenerationChanged at once; every rank is free again. It returns the new generation's
// number; on a closed gang it changes nothing and returns the last number.
func (g *Gang) NewGeneration(worldSize int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return g.gen.number
	}
	next := newGeneration(g.gen.number+1, worldSize)
	close(g.gen.done)
	g.gen = next
	return next.number
}

// Watch blocks until the given generation is over and says why: ErrGenerationChanged (a newer
// generation started; also at once for any number other than the current one) or ErrClosed
// (the gang closed, which wins over a generation change). It returns ctx's error if ctx ends
// first. Launchers watch the generation of their plan to stop their command on a restart.
func (g *Gang) Watch(ctx context.Context, generation int) error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return ErrClosed
	}
	gen := g.gen
	g.mu.Unlock()
	if gen.number != generation {
		return ErrGenerationChanged
	}
	select {
	case <-gen.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.currentErr(gen)
}

// Close ends the gang for good: waiters and watchers get ErrClosed, and so does every later
// Join and Watch. Close is idempotent.
func (g *Gang) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	g.closed = true
	close(g.gen.done)
}

// Snapshot returns a copy of the current generation's state.
func (g *Gang) Snapshot() Snapshot {
	g.mu.Lock()
	defer g.mu.Unlock()
	return Snapshot{
		Generation: g.gen.number,
		WorldSize:  g.gen.worldSize,
		Released:   g.gen.released,
		Closed:     g.closed,
		Members:    g.gen.sortedMembers(),
	}
}

// plan builds the plan of a released generation from its members as they are now, so a
// restarted container's new host is in it. g.mu is held.
func (gen *generation) plan() Plan {
	p := Plan{Generation: gen.number, WorldSize: gen.worldSize, Members: make([]Member, 0, gen.worldSize)}
	for r := range gen.worldSize {
		m, ok := gen.members[r]
		if !ok {
			m = gen.vacated[r]
		}
		p.Members = append(p.Members, copyMember(m))
	}
	p.HeadHost = p.Members[0].Host
	return p
}

func (gen *generation) sortedMembers() []Member {
	out := make([]Member, 0, len(gen.members))
	for _, m := range gen.members {
		out = append(out, copyMember(m))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rank < out[j].Rank })
	return out
}

// copyMember copies the Attrs map so neither the caller nor the gang sees the other's edits.
func copyMember(m Member) Member {
	m.Attrs = maps.Clone(m.Attrs)
	return m
}
