package barrier

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"
)

type joinResult struct {
	plan Plan
	err  error
}

// joinAsync starts a Join and returns where its result will arrive.
func joinAsync(ctx context.Context, g *Gang, m Member) <-chan joinResult {
	ch := make(chan joinResult, 1)
	go func() {
		p, err := g.Join(ctx, m)
		ch <- joinResult{p, err}
	}()
	return ch
}

// waitUntil waits for cond to hold; it is how the tests learn that goroutines reached the gang.
// It asserts nothing about time: the test's own deadline bounds it.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if deadline, ok := t.Deadline(); ok && time.Until(deadline) < time.Second {
			t.Fatalf("gave up waiting until %s", what)
		}
		runtime.Gosched()
		time.Sleep(100 * time.Microsecond)
	}
}

func member(rank int) Member {
	return Member{Rank: rank, Host: fmt.Sprintf("host%d", rank), ContainerID: fmt.Sprintf("c%d", rank)}
}

func waitJoined(t *testing.T, g *Gang, n int) {
	t.Helper()
	waitUntil(t, fmt.Sprintf("%d members joined", n), func() bool { return len(g.Snapshot().Members) == n })
}

func TestJoinReleasesAllTogether(t *testing.T) {
	g := NewGang(3)
	ctx := context.Background()
	m2 := member(2)
	m2.Attrs = map[string]string{"port": "6379"}
	r2 := joinAsync(ctx, g, m2)
	r1 := joinAsync(ctx, g, member(1))
	waitJoined(t, g, 2)
	if s := g.Snapshot(); s.Released {
		t.Fatalf("released with 2 of 3 members: %+v", s)
	}
	select {
	case r := <-r1:
		t.Fatalf("rank 1 returned before rank 0 joined: %+v", r)
	case r := <-r2:
		t.Fatalf("rank 2 returned before rank 0 joined: %+v", r)
	default:
	}
	p0, err := g.Join(ctx, member(0))
	if err != nil {
		t.Fatal(err)
	}
	want := Plan{Generation: 1, WorldSize: 3, HeadHost: "host0", Members: []Member{member(0), member(1), m2}}
	if !reflect.DeepEqual(p0, want) {
		t.Fatalf("plan\n got %+v\nwant %+v", p0, want)
	}
	for _, ch := range []<-chan joinResult{r1, r2} {
		r := <-ch
		if r.err != nil || !reflect.DeepEqual(r.plan, want) {
			t.Fatalf("got %+v, %v; want %+v", r.plan, r.err, want)
		}
	}
	if !g.Snapshot().Released {
		t.Fatal("snapshot not released")
	}
}

func TestJoinBadRank(t *testing.T) {
	ctx := context.Background()
	g := NewGang(2)
	held := joinAsync(ctx, g, member(0))
	waitJoined(t, g, 1)
	g.Leave(1) // leaving a rank nobody holds changes nothing
	gone := Member{Rank: 1, Host: "h", ContainerID: "gone"}
	for _, tc := range []struct {
		name string
		m    Member
	}{
		{"negative", Member{Rank: -1, ContainerID: "x"}},
		{"too large", Member{Rank: 2, ContainerID: "x"}},
		{"no container id", Member{Rank: 1}},
		{"held by another", Member{Rank: 0, Host: "other", ContainerID: "other"}},
		{"container holds another rank", Member{Rank: 1, Host: "host0", ContainerID: "c0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := g.Join(ctx, tc.m); !errors.Is(err, ErrBadRank) {
				t.Fatalf("got %v, want ErrBadRank", err)
			}
		})
	}
	// A container declared gone frees its rank and may not come back.
	goneRes := joinAsync(ctx, g, gone)
	waitJoined(t, g, 2)
	<-goneRes // the gang was complete, so it got a plan
	g.Leave(1)
	if _, err := g.Join(ctx, gone); !errors.Is(err, ErrBadRank) {
		t.Fatalf("zombie join: got %v, want ErrBadRank", err)
	}
	if r := <-held; r.err != nil {
		t.Fatal(r.err)
	}
}

func TestRestartedContainerAfterRelease(t *testing.T) {
	ctx := context.Background()
	g := NewGang(2)
	r0 := joinAsync(ctx, g, member(0))
	if _, err := g.Join(ctx, member(1)); err != nil {
		t.Fatal(err)
	}
	<-r0
	// The container of rank 0 dies. Until it is replaced the plan still names it (one member
	// per rank), while the snapshot shows who is actually there.
	g.Leave(0)
	if p, err := g.Join(ctx, member(1)); err != nil || len(p.Members) != 2 || p.Members[0].ContainerID != "c0" {
		t.Fatalf("plan with rank 0 gone: %+v, %v", p, err)
	}
	if s := g.Snapshot(); len(s.Members) != 1 || s.Members[0].Rank != 1 {
		t.Fatalf("snapshot with rank 0 gone: %+v", s)
	}
	// Its replacement runs elsewhere and gets the plan at once.
	repl := Member{Rank: 0, Host: "newhost", ContainerID: "c0-bis"}
	p, err := g.Join(ctx, repl)
	if err != nil {
		t.Fatal(err)
	}
	if p.HeadHost != "newhost" || p.Members[0].ContainerID != "c0-bis" || p.Generation != 1 {
		t.Fatalf("plan after restart: %+v", p)
	}
	// The member that kept running sees the same plan when it joins again.
	p1, err := g.Join(ctx, member(1))
	if err != nil || !reflect.DeepEqual(p1, p) {
		t.Fatalf("rejoin: %+v, %v; want %+v", p1, err, p)
	}
}

func TestRejoinAfterCancelKeepsRegistration(t *testing.T) {
	g := NewGang(2)
	ctx, cancel := context.WithCancel(context.Background())
	res := joinAsync(ctx, g, Member{Rank: 0, Host: "h0", ContainerID: "c0", Attrs: map[string]string{"a": "1", "b": "1"}})
	waitJoined(t, g, 1)
	cancel()
	if r := <-res; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("cancelled join: %v", r.err)
	}
	// The gang completes without rank 0 joining again: a long-poll timeout loses nothing.
	if _, err := g.Join(context.Background(), member(1)); err != nil {
		t.Fatal(err)
	}
	p, err := g.Join(context.Background(), Member{Rank: 0, Host: "h0b", ContainerID: "c0", Attrs: map[string]string{"b": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "1", "b": "2"}
	if got := p.Members[0]; got.Host != "h0b" || !reflect.DeepEqual(got.Attrs, want) {
		t.Fatalf("rank 0 after rejoin: %+v, want host h0b attrs %v", got, want)
	}
}

func TestNewGenerationWhileWaiting(t *testing.T) {
	ctx := context.Background()
	g := NewGang(3)
	r0 := joinAsync(ctx, g, member(0))
	r1 := joinAsync(ctx, g, member(1))
	waitJoined(t, g, 2)
	if n := g.NewGeneration(2); n != 2 {
		t.Fatalf("new generation number %d, want 2", n)
	}
	for _, ch := range []<-chan joinResult{r0, r1} {
		if r := <-ch; !errors.Is(r.err, ErrGenerationChanged) {
			t.Fatalf("waiter got %+v, want ErrGenerationChanged", r)
		}
	}
	if s := g.Snapshot(); s.Generation != 2 || s.WorldSize != 2 || len(s.Members) != 0 || s.Released {
		t.Fatalf("snapshot of the new generation: %+v", s)
	}
	// Everybody joins again; the same containers may take the same ranks.
	r0 = joinAsync(ctx, g, member(0))
	p, err := g.Join(ctx, member(1))
	if err != nil || p.Generation != 2 || p.WorldSize != 2 || len(p.Members) != 2 {
		t.Fatalf("generation 2 plan %+v, %v", p, err)
	}
	if r := <-r0; r.err != nil {
		t.Fatal(r.err)
	}
}

func TestWatch(t *testing.T) {
	ctx := context.Background()
	g := NewGang(1)
	p, err := g.Join(ctx, member(0))
	if err != nil {
		t.Fatal(err)
	}
	watch := func(gen int) <-chan error {
		ch := make(chan error, 1)
		go func() { ch <- g.Watch(ctx, gen) }()
		return ch
	}
	w := watch(p.Generation)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := g.Watch(cctx, p.Generation); !errors.Is(err, context.Canceled) {
		t.Fatalf("watch with cancelled ctx: %v", err)
	}
	if err := g.Watch(ctx, p.Generation+5); !errors.Is(err, ErrGenerationChanged) {
		t.Fatalf("watch of an unknown generation: %v", err)
	}
	select {
	case err := <-w:
		t.Fatalf("watch returned during its generation: %v", err)
	default:
	}
	g.NewGeneration(1)
	if err := <-w; !errors.Is(err, ErrGenerationChanged) {
		t.Fatalf("watch after new generation: %v", err)
	}
	if err := g.Watch(ctx, p.Generation); !errors.Is(err, ErrGenerationChanged) {
		t.Fatalf("watch of an old generation: %v", err)
	}
	w2 := watch(2)
	g.Close()
	if err := <-w2; !errors.Is(err, ErrClosed) {
		t.Fatalf("watch after close: %v", err)
	}
	if err := g.Watch(ctx, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("watch of an old generation after close: %v", err)
	}
}

func TestClose(t *testing.T) {
	ctx := context.Background()
	g := NewGang(2)
	r0 := joinAsync(ctx, g, member(0))
	waitJoined(t, g, 1)
	g.Close()
	g.Close()
	if r := <-r0; !errors.Is(r.err, ErrClosed) {
		t.Fatalf("waiter after close: %+v", r)
	}
	if _, err := g.Join(ctx, member(1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("join after close: %v", err)
	}
	if n := g.NewGeneration(3); n != 1 {
		t.Fatalf("new generation on a closed gang: %d", n)
	}
	g.Leave(0)
	if s := g.Snapshot(); !s.Closed || len(s.Members) != 1 {
		t.Fatalf("snapshot after close: %+v", s)
	}
}

func TestLeaveWhileWaiting(t *testing.T) {
	ctx := context.Background()
	g := NewGang(2)
	r0 := joinAsync(ctx, g, member(0))
	waitJoined(t, g, 1)
	g.Leave(0)
	repl := Member{Rank: 0, Host: "h", ContainerID: "c0-bis"}
	r0b := joinAsync(ctx, g, repl)
	if _, err := g.Join(ctx, member(1)); err != nil {
		t.Fatal(err)
	}
	if r := <-r0b; r.err != nil || r.plan.Members[0].ContainerID != "c0-bis" {
		t.Fatalf("replacement: %+v", r)
	}
	// The old waiter learns that its rank went to another container.
	if r := <-r0; !errors.Is(r.err, ErrBadRank) {
		t.Fatalf("old waiter: %+v", r)
	}
}

func TestPlansAreCopies(t *testing.T) {
	g := NewGang(1)
	m := Member{Rank: 0, Host: "h", ContainerID: "c", Attrs: map[string]string{"k": "v"}}
	p, err := g.Join(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	m.Attrs["k"] = "caller"
	p.Members[0].Attrs["k"] = "plan"
	s := g.Snapshot()
	s.Members[0].Attrs["k"] = "snapshot"
	if got := g.Snapshot().Members[0].Attrs["k"]; got != "v" {
		t.Fatalf("gang state changed through a copy: %q", got)
	}
}

func TestNewGangPanicsOnEmptyWorld(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewGang(0) did not panic")
		}
	}()
	NewGang(0)
}

// TestConcurrentGenerations runs many joiners against generation changes; -race checks the
// locking, and every successful join must return a complete plan of its generation.
func TestConcurrentGenerations(t *testing.T) {
	const world = 8
	g := NewGang(world)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, world)
	for r := range world {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := member(r)
			for {
				p, err := g.Join(ctx, m)
				switch {
				case errors.Is(err, ErrGenerationChanged):
					continue
				case errors.Is(err, ErrClosed):
					return
				case err != nil:
					errs <- err
					return
				}
				if len(p.Members) != p.WorldSize || p.Members[r].ContainerID != m.ContainerID {
					errs <- fmt.Errorf("incomplete plan %+v", p)
					return
				}
				if err := g.Watch(ctx, p.Generation); errors.Is(err, ErrClosed) {
					return
				}
			}
		}()
	}
	for range 50 {
		g.NewGeneration(world)
	}
	g.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
