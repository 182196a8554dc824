package launcher

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/barrier"
	"github.com/orca-yarn/orca-yarn/logline"
)

// The scenarios of this file run inside the subreaper helper process (see helper_test.go).

// fakeCoordinator is the AM's rendezvous in memory: Join releases at once with the current
// generation; Watch blocks until the test advances, closes or breaks it.
type fakeCoordinator struct {
	mu      sync.Mutex
	gen     int
	epoch   int           // a new epoch tells watchers of the old one to re-join
	changed chan struct{} // closed and replaced on every event
	end     error         // what Watch returns once set (ErrClosed, or a failure)
	joinErr error
	hold    bool   // Join waits for ctx, as with a gang that never completes
	onJoin  func() // called by Join before it answers
	joins   []barrier.Member
}

func newFakeCoordinator() *fakeCoordinator {
	return &fakeCoordinator{gen: 1, changed: make(chan struct{})}
}

func (f *fakeCoordinator) Join(ctx context.Context, m barrier.Member) (barrier.Plan, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.joins = append(f.joins, m)
	if f.onJoin != nil {
		f.onJoin()
	}
	if f.hold {
		<-ctx.Done()
		return barrier.Plan{}, ctx.Err()
	}
	if f.joinErr != nil {
		return barrier.Plan{}, f.joinErr
	}
	return barrier.Plan{Epoch: f.epoch, Generation: f.gen, WorldSize: 3, HeadHost: "head-host", Members: []barrier.Member{m}}, nil
}

func (f *fakeCoordinator) Watch(ctx context.Context, epoch, generation int) error {
	for {
		f.mu.Lock()
		end, gen, current, changed := f.end, f.gen, f.epoch, f.changed
		f.mu.Unlock()
		switch {
		case end != nil:
			return end
		case epoch != current:
			return barrier.ErrRejoin
		case gen != generation:
			return barrier.ErrGenerationChanged
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (f *fakeCoordinator) event(change func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change()
	close(f.changed)
	f.changed = make(chan struct{})
}

// run starts Run in the background; wait returns its outcome.
type runResult struct {
	res  Result
	err  error
	done chan struct{}
}

func startRun(ctx context.Context, o Options) *runResult {
	r := &runResult{done: make(chan struct{})}
	go func() {
		r.res, r.err = Run(ctx, o)
		close(r.done)
	}()
	return r
}

func (r *runResult) wait() (Result, error) {
	<-r.done
	return r.res, r.err
}

// next returns the next shipped line, failing if Run ended first.
func next(t *testing.T, sink *recSink, r *runResult) logline.Line {
	t.Helper()
	select {
	case l := <-sink.ch:
		return l
	case <-r.done:
		select {
		case l := <-sink.ch:
			return l
		default:
			t.Fatalf("Run ended before the line came: %+v, %v", r.res, r.err)
			return logline.Line{}
		}
	}
}

func learnFrom(t *testing.T, l logline.Line, prefix string) procStat {
	t.Helper()
	var pid int
	if _, err := fmt.Sscanf(l.Text, prefix+"%d", &pid); err != nil {
		t.Fatalf("line %q: %v", l.Text, err)
	}
	return learn(t, pid)
}

func baseOptions(sink LineSink, coord Coordinator) Options {
	return Options{
		Role: "command", Rank: 2, AppID: "application_1_0001", ContainerID: "container_1_0001_01_000003",
		Host: "node-b", BaseEnv: []string{"PATH=" + os.Getenv("PATH")}, Coordinator: coord, Sink: sink,
		Grace: time.Minute, // each scenario's tree dies of SIGTERM or on its own
	}
}

func testRunOutput(t *testing.T) {
	dir := t.TempDir()
	sink := &recSink{}
	o := baseOptions(sink, newFakeCoordinator())
	o.LogDir = dir
	o.Command = `echo out1; echo err1 >&2; echo out2; head -c 307200 /dev/zero | tr '\0' x; echo; printf partial`
	res, err := Run(t.Context(), o)
	if err != nil || res != (Result{Generation: 1}) {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	long := strings.Repeat("x", 307200)
	pieces := []string{long[:65536], long[:65536], long[:65536], long[:65536], long[:307200-4*65536]}
	want := append(append([]string{"out1", "out2"}, pieces...), "partial")
	if got := sink.texts(logline.Stdout); !slices.Equal(got, want) {
		t.Errorf("stdout lines %.60q, want %.60q", got, want)
	}
	if got := sink.texts(logline.Stderr); !slices.Equal(got, []string{"err1"}) {
		t.Errorf("stderr lines %q", got)
	}
	sink.checkSeq(t)
	src := logline.Source{Role: "command", Rank: 2, Container: "container_1_0001_01_000003"}
	for _, l := range sink.lines {
		if l.Source != src {
			t.Fatalf("line %d from %+v, want %+v", l.Seq, l.Source, src)
		}
	}
	for name, want := range map[string]string{StdoutFile: "out1\nout2\n" + long + "\npartial", StderrFile: "err1\n"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("%s holds %d bytes (%v), want the %d raw bytes", name, len(b), err, len(want))
		}
	}
}

// The AM starts generation 2 while generation 1 runs: the command's tree is stopped, the
// container joins again and the command runs anew with ORCA_YARN_GENERATION=2. Seq goes on.
func testRunGenerationChange(t *testing.T) {
	sink := &recSink{ch: make(chan logline.Line, 100)}
	coord := newFakeCoordinator()
	o := baseOptions(sink, coord)
	o.Role = "worker"
	o.BaseEnv = append(o.BaseEnv, "KEEP=kept", "ORCA_YARN_RANK=99")
	o.Command = `echo "gen=$ORCA_YARN_GENERATION rank=$ORCA_YARN_RANK world=$ORCA_YARN_WORLD_SIZE` +
		` head=$ORCA_YARN_HEAD_HOST app=$ORCA_YARN_APP_ID role=$ORCA_YARN_ROLE keep=$KEEP"; echo "pid=$$";` +
		` if [ "$ORCA_YARN_GENERATION" = 1 ]; then exec sleep 1000; fi`
	run := startRun(t.Context(), o)
	next(t, sink, run)
	first := learnFrom(t, next(t, sink, run), "pid=")
	coord.event(func() { coord.gen = 2 })
	res, err := run.wait()
	if err != nil || res != (Result{Generation: 2}) {
		t.Fatalf("Run = %+v, %v; want generation 2, exit 0", res, err)
	}
	if alive(first) {
		t.Errorf("generation 1's process %d survived the restart", first.Pid)
	}
	texts := sink.texts("")
	env := "rank=2 world=3 head=head-host app=application_1_0001 role=worker keep=kept"
	if len(texts) != 4 || texts[0] != "gen=1 "+env || texts[2] != "gen=2 "+env || !strings.HasPrefix(texts[3], "pid=") {
		t.Errorf("lines %q", texts)
	}
	sink.checkSeq(t)
	me := barrier.Member{Rank: 2, Host: "node-b", ContainerID: "container_1_0001_01_000003"}
	if len(coord.joins) != 2 || !equalMember(coord.joins[0], me) || !equalMember(coord.joins[1], me) {
		t.Errorf("joins %+v, want twice %+v", coord.joins, me)
	}
}

// A restarted AM (new epoch): the launcher joins it again and the command runs on, once.
func testRunRejoin(t *testing.T) {
	sink := &recSink{ch: make(chan logline.Line, 100)}
	coord := newFakeCoordinator()
	coord.epoch = 1
	o := baseOptions(sink, coord)
	gate := filepath.Join(t.TempDir(), "go")
	o.Command = `echo "pid=$$"; while [ ! -e ` + gate + ` ]; do sleep 0.02; done; echo "done"`
	run := startRun(t.Context(), o)
	learnFrom(t, next(t, sink, run), "pid=")
	coord.event(func() { coord.epoch = 2 })
	waitFor(t, "the re-join", func() bool {
		coord.mu.Lock()
		defer coord.mu.Unlock()
		return len(coord.joins) == 2
	})
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := run.wait()
	if err != nil || res != (Result{Generation: 1}) {
		t.Fatalf("Run = %+v, %v; want exit 0 of the one command", res, err)
	}
	if texts := sink.texts(""); len(texts) != 2 || texts[1] != "done" {
		t.Errorf("lines %q: the command must have run once, through the AM restart", texts)
	}
}

func equalMember(a, b barrier.Member) bool {
	return a.Rank == b.Rank && a.Host == b.Host && a.ContainerID == b.ContainerID
}

// SIGTERM to the launcher (ctx cancelled): the command gets SIGTERM, its trap's output still
// reaches the sink, and its own exit code is the result.
func testRunCancelled(t *testing.T) {
	sink := &recSink{ch: make(chan logline.Line, 100)}
	o := baseOptions(sink, newFakeCoordinator())
	o.Command = `trap 'echo got TERM; exit 7' TERM; sleep 1000 & echo "pid=$!"; wait`
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	run := startRun(ctx, o)
	child := learnFrom(t, next(t, sink, run), "pid=")
	cancel()
	res, err := run.wait()
	if !errors.Is(err, ErrStopped) || !errors.Is(err, context.Canceled) {
		t.Errorf("Run error = %v, want ErrStopped and context.Canceled", err)
	}
	if res != (Result{ExitCode: 7, Generation: 1}) {
		t.Errorf("Run = %+v, want the trap's exit 7", res)
	}
	if alive(child) {
		t.Errorf("pid %d survived", child.Pid)
	}
	if texts := sink.texts(""); texts[len(texts)-1] != "got TERM" {
		t.Errorf("lines %q: the trap's output is missing", texts)
	}
	noDescendants(t)
}

// The command exits 0 but leaves a daemon holding its stdout: Run kills the daemon, sees the
// pipes close and returns.
func testRunKillsLeftoverDaemon(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "flag")
	sink := &recSink{ch: make(chan logline.Line, 100)}
	o := baseOptions(sink, newFakeCoordinator())
	o.BaseEnv = append(o.BaseEnv, "FLAG="+flag)
	o.Command = `( ( sleep 1000 & echo "pid=$!" ) & ); while [ ! -e "$FLAG" ]; do sleep 0.01; done; echo done`
	run := startRun(t.Context(), o)
	daemon := learnFrom(t, next(t, sink, run), "pid=")
	if err := os.WriteFile(flag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := run.wait()
	if err != nil || res != (Result{Generation: 1}) {
		t.Fatalf("Run = %+v, %v; want exit 0", res, err)
	}
	if alive(daemon) {
		t.Errorf("daemon %d survived", daemon.Pid)
	}
	if texts := sink.texts(""); texts[len(texts)-1] != "done" {
		t.Errorf("lines %q", texts)
	}
	noDescendants(t)
}

// The application is closed, or watching fails, while the command runs: the tree is stopped and
// Run says why.
func testRunApplicationClosed(t *testing.T) {
	errLost := errors.New("connection to the AM lost")
	for _, end := range []error{barrier.ErrClosed, errLost} {
		sink := &recSink{ch: make(chan logline.Line, 100)}
		coord := newFakeCoordinator()
		o := baseOptions(sink, coord)
		o.Command = `echo "pid=$$"; exec sleep 1000`
		run := startRun(t.Context(), o)
		cmd := learnFrom(t, next(t, sink, run), "pid=")
		coord.event(func() { coord.end = end })
		res, err := run.wait()
		if !errors.Is(err, end) {
			t.Errorf("Run error = %v, want %v", err, end)
		}
		if res != (Result{ExitCode: 143, Signal: syscall.SIGTERM, Generation: 1}) {
			t.Errorf("Run = %+v, want the command stopped by SIGTERM", res)
		}
		if alive(cmd) {
			t.Errorf("pid %d survived", cmd.Pid)
		}
	}
	noDescendants(t)
}

// Without a command exit, Run's result is ExitLauncherFailed and the error says why.
func testRunFailsBeforeCommand(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*fakeCoordinator, *Options)
		want  error
		gen   int
	}{
		{"join refused", func(c *fakeCoordinator, _ *Options) {
			c.joinErr = fmt.Errorf("rank 2 of 2: %w", barrier.ErrBadRank)
		}, barrier.ErrBadRank, 0},
		{"stopped while joining", func(c *fakeCoordinator, _ *Options) { c.hold = true }, ErrStopped, 0},
		{"cannot start", func(_ *fakeCoordinator, o *Options) { o.Dir = "/no/such/dir" }, syscall.ENOENT, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &recSink{}
			coord := newFakeCoordinator()
			o := baseOptions(sink, coord)
			o.Command = "echo never"
			tc.setup(coord, &o)
			ctx, cancel := context.WithCancel(t.Context())
			if coord.hold {
				coord.onJoin = cancel // SIGTERM arrives while the gang is incomplete
			}
			defer cancel()
			res, err := Run(ctx, o)
			if !errors.Is(err, tc.want) || res != (Result{ExitCode: ExitLauncherFailed, Generation: tc.gen}) {
				t.Fatalf("Run = %+v, %v; want %v and ExitLauncherFailed", res, err, tc.want)
			}
			if len(sink.lines) != 0 {
				t.Fatalf("the command ran: %q", sink.texts(""))
			}
		})
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
