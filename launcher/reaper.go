package launcher

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// ErrLeftovers: processes of the tree were still there when the stop's context ended (stuck in
// uninterruptible sleep, or not ours to signal).
var ErrLeftovers = errors.New("launcher: processes left after stop")

// pollInterval is how often a stop looks at /proc while it waits for the tree to die. Short,
// because the NodeManager allows only ~250 ms between its SIGTERM and SIGKILL.
const pollInterval = 10 * time.Millisecond

// Reaper makes this process a child subreaper and reaps every child it gets: the commands it
// starts and every orphan of their trees. One loop calls wait4(-1), so it is the only place that
// learns exit statuses; a command's status is handed to its Process from there.
//
// At most one Reaper may live in a process, and nothing else in the process may start children
// through os/exec while it does: their Wait would race with the reaper for the exit status.
type Reaper struct {
	log     *logrus.Entry
	self    int
	session int // ours, which the command shares (it leaves only the process group)

	mu      sync.Mutex // held across fork and registration, so a fast exit finds its Process
	waiting map[int]*Process
	guard   int // the guard's pid (StartGuard): a child, but not part of any tree we stop

	sigchld   chan os.Signal
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// NewReaper marks the process a child subreaper (prctl PR_SET_CHILD_SUBREAPER) and starts the
// reaping loop. Close undoes both.
func NewReaper(log *logrus.Entry) (*Reaper, error) {
	if log == nil {
		log = discardLogger()
	}
	session, err := unix.Getsid(0)
	if err != nil {
		return nil, fmt.Errorf("launcher: getsid: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("launcher: become child subreaper: %w", err)
	}
	r := &Reaper{
		log:     log,
		self:    os.Getpid(),
		session: session,
		waiting: make(map[int]*Process),
		sigchld: make(chan os.Signal, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	signal.Notify(r.sigchld, syscall.SIGCHLD)
	go r.loop()
	return r, nil
}

// Close stops reaping and gives up the subreaper role. Call it once the tree is empty
// (StopAllDescendants); children left behind become zombies until this process exits.
func (r *Reaper) Close() error {
	var err error
	r.closeOnce.Do(func() {
		close(r.stop)
		<-r.done
		signal.Stop(r.sigchld)
		if perr := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0); perr != nil {
			err = fmt.Errorf("launcher: leave child subreaper role: %w", perr)
		}
	})
	return err
}

// loop reaps with WNOHANG and sleeps on SIGCHLD between rounds rather than blocking in wait4, so
// Close can end it. SIGCHLDs coalesce; a round reaps everything that exited, so none is missed.
func (r *Reaper) loop() {
	defer close(r.done)
	for {
		r.reapAll()
		select {
		case <-r.sigchld:
		case <-r.stop:
			return
		}
	}
}

func (r *Reaper) reapAll() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil || pid <= 0 {
			return // ECHILD: no children; 0: none has exited yet
		}
		r.mu.Lock()
		p := r.waiting[pid]
		delete(r.waiting, pid)
		r.mu.Unlock()
		if p == nil {
			r.log.WithFields(logrus.Fields{"pid": pid, "status": exitOf(ws).String()}).Debug("reaped orphan")
			continue
		}
		p.finish(exitOf(ws))
	}
}

// StopAllDescendants ends every process below this one, for the cleanup after a command exited
// by itself: daemons it left behind (double-forked, setsid) are killed too. See stopTree.
func (r *Reaper) StopAllDescendants(ctx context.Context, grace time.Duration) error {
	return r.stopTree(ctx, grace, 0, 0)
}

// stopTree sends SIGTERM (and SIGCONT, so stopped processes can act on it) to every descendant,
// waits up to grace for the tree to empty, then sends SIGKILL to whatever is left, again and again,
// until /proc shows no descendant: processes forked meanwhile are caught by the next round. The
// members of process group pgrp (in session) count as descendants too. Zombies count until reaped,
// which the loop does as soon as they become our children.
func (r *Reaper) stopTree(ctx context.Context, grace time.Duration, pgrp, session int) error {
	list := func() ([]procStat, error) {
		procs, err := scanProcs()
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		guard := r.guard
		r.mu.Unlock()
		return slices.DeleteFunc(descendants(procs, r.self, pgrp, session), func(p procStat) bool {
			return p.Pid == guard
		}), nil
	}
	procs, err := list()
	if err != nil || len(procs) == 0 {
		return err
	}
	warned := make(map[int]bool) // one warning per process, not one per round
	r.signalAll(procs, syscall.SIGTERM, warned)
	r.signalAll(procs, syscall.SIGCONT, warned)
	graceEnd := time.Now().Add(grace)
	for kill := false; ; {
		if err := sleepCtx(ctx, pollInterval); err != nil {
			return fmt.Errorf("%w: %d processes, e.g. pid %d: %w", ErrLeftovers, len(procs), procs[0].Pid, err)
		}
		if procs, err = list(); err != nil || len(procs) == 0 {
			return err
		}
		if !kill && !time.Now().Before(graceEnd) {
			kill = true
			r.log.WithField("processes", len(procs)).Debug("grace over, sending SIGKILL")
		}
		if kill {
			r.signalAll(procs, syscall.SIGKILL, warned)
		}
	}
}

func (r *Reaper) signalAll(procs []procStat, sig syscall.Signal, warned map[int]bool) {
	for _, p := range procs {
		if p.State == 'Z' {
			continue // already dead, waiting to be reaped
		}
		if err := signalProc(p, sig); err != nil && !warned[p.Pid] {
			warned[p.Pid] = true
			r.log.WithError(err).WithFields(logrus.Fields{"pid": p.Pid, "signal": sig.String()}).Warn("cannot signal process")
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
