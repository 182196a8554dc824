package launcher

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
)

// EnvLaunchID marks every process a launcher started, down to the daemons that left its tree's
// process group and session: the environment is inherited where parent links and groups are not
// reliable once the launcher is gone.
const EnvLaunchID = "ORCA_YARN_LAUNCH_ID"

// guardReleased is what a launcher that ended normally tells its guard: the tree is already
// stopped, nothing to sweep.
const guardReleased = "released\n"

// Guard is the launcher's dead-man switch. The launcher stops its tree itself on every exit it
// lives through; only when it is SIGKILLed (by an operator or the OOM killer) do its command's
// descendants outlive it, since the NodeManager signals just the container's process group. The
// guard is a separate process in its own session, holding the read end of a pipe only the
// launcher can write: EOF without a release means the launcher died, and the guard then ends
// every process carrying the launch's EnvLaunchID.
type Guard struct {
	w    *os.File
	proc *Process
}

// StartGuard starts argv (the binary's hidden guard role, which calls RunGuard) under r, so its
// exit is reaped like any child's.
func (r *Reaper) StartGuard(argv []string) (*Guard, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("%w: empty guard command", ErrBadOptions)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("launcher: guard pipe: %w", err)
	}
	defer pr.Close()
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		pw.Close()
		return nil, fmt.Errorf("launcher: start guard: %w", err)
	}
	defer devnull.Close()
	attr := &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{pr.Fd(), devnull.Fd(), os.Stderr.Fd()},
		// Its own session: the NodeManager's SIGKILL to the container's group must not take the
		// guard along with the launcher it watches.
		Sys: &syscall.SysProcAttr{Setsid: true},
	}
	p := &Process{r: r, done: make(chan struct{})}
	r.mu.Lock()
	pid, err := syscall.ForkExec(argv[0], argv, attr)
	if err == nil {
		p.pid = pid
		r.waiting[pid] = p
		r.guard = pid
	}
	r.mu.Unlock()
	if err != nil {
		pw.Close()
		return nil, fmt.Errorf("launcher: start guard %s: %w", argv[0], err)
	}
	return &Guard{w: pw, proc: p}, nil
}

// Release tells the guard the launcher is ending normally and waits briefly for it to go.
func (g *Guard) Release() {
	_, _ = io.WriteString(g.w, guardReleased)
	g.w.Close()
	select {
	case <-g.proc.Done():
	case <-time.After(5 * time.Second):
	}
}

// RunGuard is the guard process: it waits for EOF on in and, unless the launcher released it
// first, stops every process whose environment holds EnvLaunchID=launchID: SIGTERM, grace, then
// SIGKILL rounds until none is left, ctx ends, or grace plus stopBudget passed.
func RunGuard(ctx context.Context, in io.Reader, launchID string, grace time.Duration, log *logrus.Entry) error {
	if launchID == "" {
		return fmt.Errorf("%w: no launch id for the guard", ErrBadOptions)
	}
	b, _ := io.ReadAll(bufio.NewReader(in))
	if strings.Contains(string(b), guardReleased) {
		return nil
	}
	log.Warn("the launcher died without stopping its command; ending the processes it started")
	ctx, cancel := context.WithTimeout(ctx, grace+stopBudget)
	defer cancel()
	return sweep(ctx, EnvLaunchID+"="+launchID, grace)
}

// randomID names one launch; 128 random bits, so no other launch on the host shares it.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b[:])
}

// sweep signals every process holding marker in its environment until none is left.
func sweep(ctx context.Context, marker string, grace time.Duration) error {
	self := os.Getpid()
	sig := syscall.SIGTERM
	killAt := time.Now().Add(grace)
	for {
		procs, err := marked(marker, self)
		if err != nil || len(procs) == 0 {
			return err
		}
		if !time.Now().Before(killAt) {
			sig = syscall.SIGKILL
		}
		for _, p := range procs {
			if p.State != 'Z' {
				_ = signalProc(p, sig)
				_ = signalProc(p, syscall.SIGCONT)
			}
		}
		if err := sleepCtx(ctx, 20*pollInterval); err != nil {
			return fmt.Errorf("%w: %d processes, e.g. pid %d: %w", ErrLeftovers, len(procs), procs[0].Pid, err)
		}
	}
}

// marked lists the live processes (zombies excluded: their parent reaps them) whose environment
// holds marker, except self.
func marked(marker string, self int) ([]procStat, error) {
	procs, err := scanProcs()
	if err != nil {
		return nil, err
	}
	want := []byte(marker)
	var out []procStat
	for _, p := range procs {
		if p.Pid == self || p.State == 'Z' {
			continue
		}
		env, err := os.ReadFile("/proc/" + strconv.Itoa(p.Pid) + "/environ")
		if err != nil {
			continue // gone, or not ours to read (then not ours to signal either)
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if bytes.Equal(kv, want) {
				out = append(out, p)
				break
			}
		}
	}
	return out, nil
}
