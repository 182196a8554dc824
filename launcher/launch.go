package launcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/barrier"
	"github.com/orca-yarn/orca-yarn/logline"
)

// Coordinator is the container's link to the AM's rendezvous; the amapi client implements it.
type Coordinator interface {
	// Join registers the member and blocks until the gang of the current generation is complete.
	Join(ctx context.Context, m barrier.Member) (barrier.Plan, error)
	// Watch blocks while generation (of the plan's epoch) is the current one. It returns
	// barrier.ErrGenerationChanged when the AM started a newer one, barrier.ErrRejoin when a
	// restarted AM wants the member to join again while its command runs on,
	// barrier.ErrClosed when the application is over, or ctx's error.
	Watch(ctx context.Context, epoch, generation int) error
}

// DefaultGrace is how long a stopping tree gets between SIGTERM and SIGKILL. The NodeManager
// itself sends SIGKILL yarn.nodemanager.sleep-delay-before-sigkill.ms (250 ms by default) after
// its SIGTERM to the launcher, and it signals only the container's process group, which the
// command has left: the launcher must finish its own SIGKILL round well inside that window.
const DefaultGrace = 100 * time.Millisecond

const (
	// stopBudget bounds a stop after its grace: only a process in uninterruptible sleep or one we
	// may not signal outlives SIGKILL that long.
	stopBudget = 30 * time.Second
	// drainBudget bounds waiting for the pipes' EOF once the tree is gone. EOF is then immediate
	// unless a write end escaped the tree (fd passing) or the sink is stuck.
	drainBudget = 5 * time.Second
)

// Errors of Run besides those of its collaborators.
var (
	// ErrStopped: ctx ended (SIGTERM from the NodeManager) and the command was stopped.
	ErrStopped = errors.New("launcher: stopped")
	// ErrBadOptions: Options are incomplete.
	ErrBadOptions = errors.New("launcher: bad options")
	errWatchEnded = errors.New("watch ended without a reason")
)

// Names of the raw copies of the command's output in LOG_DIR, which YARN aggregates after the
// container ends (`orca-yarn logs` reads them from there).
const (
	StdoutFile = "stdout"
	StderrFile = "stderr"
)

// Options of Run: who this container is, what it runs and its collaborators.
type Options struct {
	Command     string // run with /bin/bash -c
	Role        string // head, worker, driver, command
	Rank        int
	AppID       string
	ContainerID string
	Host        string            // published to the gang as this member's host
	Attrs       map[string]string // published to the gang (never secrets: plans are logged)
	Dir         string            // working directory of the command
	BaseEnv     []string          // the container's environment; Run adds the ORCA_YARN_* variables
	LogDir      string            // YARN's LOG_DIR; empty: no raw copies
	Coordinator Coordinator
	Sink        LineSink
	Grace       time.Duration // SIGTERM to SIGKILL; 0: DefaultGrace
	Logger      *logrus.Entry
	// LaunchID marks the command's processes (EnvLaunchID); empty: Run makes a random one.
	LaunchID string
	// Guard, when set, gives the argv of the guard process for a launch id (see Guard): the
	// binary's hidden role that calls RunGuard. nil: no guard (tests of the launcher itself).
	Guard func(launchID string) []string
}

// ExitLauncherFailed is Result.ExitCode when no command exit can stand for the run: the launcher
// failed before starting one (bad options, join refused, stopped while waiting for the gang, the
// command could not be started) or could not tell how it ended. 125 is the code container tools
// use for "the wrapper failed, not the command".
const ExitLauncherFailed = 125

// Result is how the command's last run ended. ExitCode is also the launcher's own exit code: the
// command's exit status, 128+Signal when a signal killed it, or ExitLauncherFailed.
type Result struct {
	ExitCode   int
	Signal     syscall.Signal
	Generation int
}

// Run is the `launch` subcommand: join the rendezvous, run the command with the plan in its
// environment, and leave nothing behind. When the AM starts a new generation the tree is stopped
// and the container joins again; when ctx ends (SIGTERM) or the application is closed, the tree
// is stopped and Run returns. Once the command exits by itself, whatever it left running is
// killed and its output flushed to the sink before Run returns.
//
// err reports what went wrong around the command (ErrStopped, barrier.ErrClosed, ErrLinesLost,
// ErrLeftovers, a failed join). Result is always usable as the exit code: with an error it still
// holds the command's exit if one ran to its end, else ExitLauncherFailed.
//
// Run makes this process a child subreaper for its duration (see Reaper).
func Run(ctx context.Context, o Options) (Result, error) {
	failed := Result{ExitCode: ExitLauncherFailed}
	if err := o.validate(); err != nil {
		return failed, err
	}
	l := &launch{o: &o, log: o.Logger, grace: o.Grace}
	if l.log == nil {
		l.log = discardLogger()
	}
	l.log = l.log.WithFields(logrus.Fields{"role": o.Role, "rank": o.Rank})
	if l.grace == 0 {
		l.grace = DefaultGrace
	}
	var err error
	if l.stdoutTee, l.stderrTee, err = openTees(o.LogDir); err != nil {
		return failed, err
	}
	defer closeAll(l.stdoutTee, l.stderrTee)
	if l.reaper, err = NewReaper(l.log); err != nil {
		return failed, err
	}
	defer func() {
		if err := l.reaper.Close(); err != nil {
			l.log.WithError(err).Warn("closing reaper")
		}
	}()
	if o.LaunchID == "" {
		o.LaunchID = randomID()
	}
	if o.Guard != nil {
		g, err := l.reaper.StartGuard(o.Guard(o.LaunchID))
		if err != nil {
			return failed, err
		}
		defer g.Release()
	}
	l.out = NewOutput(logline.Source{Role: o.Role, Rank: o.Rank, Container: o.ContainerID}, o.Sink)

	l.me = barrier.Member{Rank: o.Rank, Host: o.Host, ContainerID: o.ContainerID, Attrs: o.Attrs}
	for {
		plan, err := o.Coordinator.Join(ctx, l.me)
		switch {
		case ctx.Err() != nil:
			return failed, fmt.Errorf("%w while joining the rendezvous: %w", ErrStopped, context.Cause(ctx))
		case errors.Is(err, barrier.ErrGenerationChanged):
			continue // a newer generation began while we waited: join that one
		case err != nil:
			return failed, fmt.Errorf("launcher: join rendezvous as rank %d: %w", o.Rank, err)
		}
		failed.Generation = plan.Generation
		res, restart, err := l.runGeneration(ctx, plan)
		if !restart {
			return res, err
		}
	}
}

func (o *Options) validate() error {
	switch {
	case o.Command == "":
		return fmt.Errorf("%w: no command", ErrBadOptions)
	case o.Role == "":
		return fmt.Errorf("%w: no role", ErrBadOptions)
	case o.Rank < 0:
		return fmt.Errorf("%w: rank %d", ErrBadOptions, o.Rank)
	case o.Coordinator == nil || o.Sink == nil:
		return fmt.Errorf("%w: coordinator and sink are required", ErrBadOptions)
	case o.Grace < 0:
		return fmt.Errorf("%w: grace %v", ErrBadOptions, o.Grace)
	}
	return nil
}

// launch is the state of one Run.
type launch struct {
	o                    *Options
	me                   barrier.Member
	log                  *logrus.Entry
	grace                time.Duration
	reaper               *Reaper
	out                  *Output
	stdoutTee, stderrTee io.Writer // nil without LOG_DIR
}

// runGeneration runs the command of one generation and stops its whole tree, whatever ended it.
// restart says the AM started a newer generation and the container must join again.
func (l *launch) runGeneration(ctx context.Context, plan barrier.Plan) (res Result, restart bool, err error) {
	log := l.log.WithField("generation", plan.Generation)
	res = Result{ExitCode: ExitLauncherFailed, Generation: plan.Generation}
	planFile, err := writePlan(l.o.Dir, plan)
	if err != nil {
		return res, false, err
	}
	defer os.Remove(planFile)
	p, err := l.reaper.Start(ctx, Spec{Command: l.o.Command, Dir: l.o.Dir, Env: commandEnv(l.o.BaseEnv, l.o, plan, planFile)})
	if err != nil {
		return res, false, err
	}
	log.WithFields(logrus.Fields{
		"pid": p.Pid(), "world_size": plan.WorldSize, "head_host": plan.HeadHost,
	}).Info("command started")
	pumped := l.pump(p)

	restart, why := l.await(ctx, p, plan, log)

	// The stop runs on even when ctx is what ended the run: that is exactly when it must happen.
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.grace+stopBudget)
	defer cancel()
	exit, stopErr := p.Stop(stopCtx, l.grace)
	pumpErr := l.drain(p, pumped)
	if exit.Code >= 0 {
		res.ExitCode, res.Signal = exit.Code, exit.Signal
	}
	log.WithField("exit", exit.String()).Info("command ended")
	if restart && stopErr == nil {
		if err := errors.Join(pumpErr, l.out.Err()); err != nil {
			log.WithError(err).Warn("output of the stopped generation")
		}
		return res, true, nil
	}
	return res, false, errors.Join(why, stopErr, pumpErr, l.out.Err())
}

// pump drains both pipes of p into the Output; the channel yields their joined errors once both
// reached EOF. Each pump closes its pipe when done.
func (l *launch) pump(p *Process) <-chan error {
	errs := make(chan error, 2)
	for _, s := range []struct {
		f      *os.File
		stream logline.Stream
		tee    io.Writer
	}{{p.Stdout(), logline.Stdout, l.stdoutTee}, {p.Stderr(), logline.Stderr, l.stderrTee}} {
		go func() {
			err := l.out.Pump(s.f, s.stream, s.tee)
			s.f.Close()
			errs <- err
		}()
	}
	done := make(chan error, 1)
	go func() { done <- errors.Join(<-errs, <-errs) }()
	return done
}

// drain waits for the pumps after the tree is gone. If a write end outlived the tree, reading
// stops at a deadline; if the sink itself is stuck, Run gives up on it rather than hang.
func (l *launch) drain(p *Process, pumped <-chan error) error {
	t := time.NewTimer(drainBudget)
	defer t.Stop()
	select {
	case err := <-pumped:
		return err
	case <-t.C:
	}
	l.log.Warn("command output still open after its processes ended; closing it")
	past := time.Unix(1, 0)
	_ = p.Stdout().SetReadDeadline(past)
	_ = p.Stderr().SetReadDeadline(past)
	t.Reset(drainBudget)
	select {
	case err := <-pumped:
		return err
	case <-t.C:
		return fmt.Errorf("%w: the sink did not take the last lines", ErrLinesLost)
	}
}

// openTees opens (appending: a restarted command adds to them) the raw copies in logDir.
func openTees(logDir string) (stdout, stderr io.Writer, err error) {
	if logDir == "" {
		return nil, nil, nil
	}
	open := func(name string) (*os.File, error) {
		f, err := os.OpenFile(filepath.Join(logDir, name), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("launcher: open log file: %w", err)
		}
		return f, nil
	}
	out, err := open(StdoutFile)
	if err != nil {
		return nil, nil, err
	}
	errf, err := open(StderrFile)
	if err != nil {
		out.Close()
		return nil, nil, err
	}
	return out, errf, nil
}

func closeAll(ws ...io.Writer) {
	for _, w := range ws {
		if c, ok := w.(io.Closer); ok {
			c.Close()
		}
	}
}
