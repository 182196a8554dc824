package amapi

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/barrier"
)

type planResult struct {
	plan barrier.Plan
	err  error
}

func joinHTTP(ctx context.Context, c *Client, m barrier.Member) <-chan planResult {
	ch := make(chan planResult, 1)
	go func() {
		p, err := c.Join(ctx, m)
		ch <- planResult{p, err}
	}()
	return ch
}

func member(rank int) barrier.Member {
	return barrier.Member{Rank: rank, Host: fmt.Sprintf("host%d", rank), ContainerID: fmt.Sprintf("container_%d", rank),
		Attrs: map[string]string{"rank": fmt.Sprint(rank)}}
}

func waitJoined(t *testing.T, env *testEnv, n int) {
	t.Helper()
	waitUntil(t, fmt.Sprintf("%d members joined", n), func() bool { return len(env.backend.Snapshot().Members) == n })
}

func TestJoinOverHTTPReleasesTogether(t *testing.T) {
	env := newTestEnv(t, 3)
	ctx := context.Background()
	var res []<-chan planResult
	for r := range 3 {
		res = append(res, joinHTTP(ctx, env.client, member(r)))
	}
	want := barrier.Plan{Generation: 1, WorldSize: 3, HeadHost: "host0",
		Members: []barrier.Member{member(0), member(1), member(2)}}
	for _, ch := range res {
		r := <-ch
		if r.err != nil || !reflect.DeepEqual(r.plan, want) {
			t.Fatalf("got %+v, %v\nwant %+v", r.plan, r.err, want)
		}
	}
}

func TestJoinOverHTTPGenerationChanged(t *testing.T) {
	env := newTestEnv(t, 3)
	ctx := context.Background()
	r0 := joinHTTP(ctx, env.client, member(0))
	r1 := joinHTTP(ctx, env.client, member(1))
	waitJoined(t, env, 2)
	env.backend.NewGeneration(3)
	for _, ch := range []<-chan planResult{r0, r1} {
		r := <-ch
		if !errors.Is(r.err, barrier.ErrGenerationChanged) || !strings.Contains(r.err.Error(), "POST /v1/join") {
			t.Fatalf("waiter got %v, want ErrGenerationChanged naming the endpoint", r.err)
		}
	}
	if n := env.count("/v1/join 409"); n != 2 {
		t.Fatalf("server answered 409 %d times, want 2", n)
	}
}

func TestJoinOverHTTPBadRankAndClosed(t *testing.T) {
	env := newTestEnv(t, 2)
	ctx := context.Background()
	if _, err := env.client.Join(ctx, barrier.Member{Rank: 7, ContainerID: "c"}); !errors.Is(err, barrier.ErrBadRank) {
		t.Fatalf("rank out of range: %v", err)
	}
	r0 := joinHTTP(ctx, env.client, member(0))
	waitJoined(t, env, 1)
	env.backend.Close()
	if r := <-r0; !errors.Is(r.err, barrier.ErrClosed) {
		t.Fatalf("waiter after close: %v", r.err)
	}
	if _, err := env.client.Join(ctx, member(1)); !errors.Is(err, barrier.ErrClosed) {
		t.Fatalf("join after close: %v", err)
	}
	if n := env.count("/v1/join 410"); n != 2 {
		t.Fatalf("410 answered %d times, want 2", n)
	}
}

// TestJoinRepolls: with a short long-poll interval the server answers 202 while the gang is
// incomplete, and the client posts again without its caller noticing.
func TestJoinRepolls(t *testing.T) {
	env := newTestEnv(t, 2, WithLongPoll(2*time.Millisecond))
	ctx := context.Background()
	r0 := joinHTTP(ctx, env.client, member(0))
	waitUntil(t, "three 202 answers", func() bool { return env.count("/v1/join 202") >= 3 })
	p1, err := env.client.Join(ctx, member(1))
	if err != nil {
		t.Fatal(err)
	}
	r := <-r0
	if r.err != nil || !reflect.DeepEqual(r.plan, p1) {
		t.Fatalf("rank 0 after re-polls: %+v, %v; want %+v", r.plan, r.err, p1)
	}
}

func TestWatchOverHTTP(t *testing.T) {
	env := newTestEnv(t, 1, WithLongPoll(2*time.Millisecond))
	ctx := context.Background()
	p, err := env.client.Join(ctx, member(0))
	if err != nil {
		t.Fatal(err)
	}
	watch := func(gen int) <-chan error {
		ch := make(chan error, 1)
		go func() { ch <- env.client.Watch(ctx, p.Epoch, gen) }()
		return ch
	}
	w := watch(p.Generation)
	waitUntil(t, "watch re-polled", func() bool { return env.count("/v1/watch 202") >= 2 })
	env.backend.NewGeneration(1)
	if err := <-w; !errors.Is(err, barrier.ErrGenerationChanged) || !strings.Contains(err.Error(), "GET /v1/watch") {
		t.Fatalf("watch after new generation: %v", err)
	}
	w = watch(2)
	env.backend.Close()
	if err := <-w; !errors.Is(err, barrier.ErrClosed) {
		t.Fatalf("watch after close: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := env.client.Watch(cctx, 0, 2); !errors.Is(err, context.Canceled) {
		t.Fatalf("watch with a cancelled ctx: %v", err)
	}
}

// TestJoinRetriesUntilTheAMAnswers: a launcher may start before the AM listens; Join retries
// connection errors until ctx ends and then says what it last saw.
func TestJoinRetriesUntilTheAMAnswers(t *testing.T) {
	env := newTestEnv(t, 1)
	proxy := newCutProxy(t, env.srv.Listener.Addr().String())
	c := NewClient(proxy.URL(), testSecret, nil)
	c.MinBackoff, c.MaxBackoff = time.Millisecond, 5*time.Millisecond
	proxy.setRefuse(true)
	res := joinHTTP(context.Background(), c, member(0))
	waitUntil(t, "three refused connections", func() bool { return proxy.refusedCount() >= 3 })
	proxy.setRefuse(false)
	if r := <-res; r.err != nil || r.plan.HeadHost != "host0" {
		t.Fatalf("join through a flaky network: %+v, %v", r.plan, r.err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewClient("http://127.0.0.1:1", testSecret, nil).Join(ctx, member(0)); !errors.Is(err, context.Canceled) {
		t.Fatalf("join of an absent AM with a cancelled ctx: %v", err)
	}
}

// TestWatchOfAnEarlierEpochSaysRejoin: a launcher that ran under the previous AM attempt is told
// to join again (keeping its command), not that its generation is over.
func TestWatchOfAnEarlierEpochSaysRejoin(t *testing.T) {
	env := newTestEnv(t, 1)
	env.backend.epoch = 2
	err := env.client.Watch(context.Background(), 1, 1)
	if !errors.Is(err, barrier.ErrRejoin) || errors.Is(err, barrier.ErrGenerationChanged) {
		t.Fatalf("watch of epoch 1 at an AM of epoch 2: %v", err)
	}
}

// TestClientFollowsAMovedAM: after transport errors the client asks Locate and continues at the
// address it returns, as launchers do when the AM restarted elsewhere.
func TestClientFollowsAMovedAM(t *testing.T) {
	env := newTestEnv(t, 1)
	dead := newCutProxy(t, env.srv.Listener.Addr().String())
	dead.setRefuse(true)
	c := NewClient(dead.URL(), testSecret, nil)
	c.MinBackoff, c.MaxBackoff = time.Millisecond, 5*time.Millisecond
	var lookups atomic.Int32
	c.Locate = func(context.Context) (string, error) {
		lookups.Add(1)
		return env.srv.URL, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := c.Join(ctx, member(0))
	if err != nil || p.HeadHost != "host0" {
		t.Fatalf("join after the AM moved: %+v, %v", p, err)
	}
	if n := lookups.Load(); n != 1 {
		t.Fatalf("Locate called %d times, want 1", n)
	}
	if got := dead.refusedCount(); got < relocateAfter {
		t.Fatalf("moved after %d refused connections, want at least %d", got, relocateAfter)
	}
}
