package launcher

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// shell runs every command, as YARN's own launch scripts do.
const shell = "/bin/bash"

// Spec is one command to run in a container.
type Spec struct {
	Command string   // given to `/bin/bash -c`
	Dir     string   // working directory; empty: the launcher's
	Env     []string // the whole environment, KEY=VALUE
}

// Exit is how a command ended. Code follows the shell's convention: the exit status, or 128+n
// when signal n killed the process (then Signal is n).
type Exit struct {
	Code   int
	Signal syscall.Signal
}

func exitOf(ws syscall.WaitStatus) Exit {
	if ws.Signaled() {
		return Exit{Code: 128 + int(ws.Signal()), Signal: ws.Signal()}
	}
	return Exit{Code: ws.ExitStatus()}
}

func (e Exit) String() string {
	if e.Signal != 0 {
		return fmt.Sprintf("killed by %s (%d)", unix.SignalName(e.Signal), e.Code)
	}
	return fmt.Sprintf("exit %d", e.Code)
}

// Process is a running command: the bash started by Start, leader of its own process group.
type Process struct {
	r              *Reaper
	pid            int
	stdout, stderr *os.File
	done           chan struct{}
	exit           Exit // set before done is closed
}

// Start runs spec's command under the reaper: `/bin/bash -c COMMAND` in its own process group,
// stdin from /dev/null, stdout and stderr on pipes whose read ends the caller drains and closes
// (Stdout, Stderr). Its exit status arrives through the reaper's loop (Wait, Done).
//
// The child also gets SIGKILL should the launcher die first (PR_SET_PDEATHSIG): the NodeManager
// signals only the container's own process group, which the command has left.
func (r *Reaper) Start(ctx context.Context, spec Spec) (*Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("launcher: start command: %w", err)
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, fmt.Errorf("launcher: start command: %w", err)
	}
	defer devnull.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("launcher: start command: stdout pipe: %w", err)
	}
	defer outW.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		return nil, fmt.Errorf("launcher: start command: stderr pipe: %w", err)
	}
	defer errW.Close()

	attr := &syscall.ProcAttr{
		Dir:   spec.Dir,
		Env:   spec.Env,
		Files: []uintptr{devnull.Fd(), outW.Fd(), errW.Fd()},
		Sys:   &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL},
	}
	p := &Process{r: r, stdout: outR, stderr: errR, done: make(chan struct{})}

	// Pdeathsig follows the forking thread, not the process: pin the goroutine to its thread for
	// the fork. Unlocking returns the thread to the pool, where Go keeps it alive.
	runtime.LockOSThread()
	r.mu.Lock()
	pid, err := syscall.ForkExec(shell, []string{shell, "-c", spec.Command}, attr)
	if err == nil {
		p.pid = pid
		r.waiting[pid] = p
	}
	r.mu.Unlock()
	runtime.UnlockOSThread()
	if err != nil {
		outR.Close()
		errR.Close()
		return nil, fmt.Errorf("launcher: start command in %q: %w", spec.Dir, err)
	}
	return p, nil
}

// Pid is the process id of the command's bash, also its process group id.
func (p *Process) Pid() int { return p.pid }

// Stdout is the read end of the command's stdout; the caller drains it to EOF and closes it.
func (p *Process) Stdout() *os.File { return p.stdout }

// Stderr is the read end of the command's stderr; the caller drains it to EOF and closes it.
func (p *Process) Stderr() *os.File { return p.stderr }

// Done is closed when the command's own process has exited and was reaped. Its descendants may
// still run: see Stop and Reaper.StopAllDescendants.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait returns how the command exited, once it has.
func (p *Process) Wait(ctx context.Context) (Exit, error) {
	select {
	case <-p.done:
		return p.exit, nil
	case <-ctx.Done():
		return Exit{}, fmt.Errorf("launcher: wait for pid %d: %w", p.pid, ctx.Err())
	}
}

// Stop ends the command and every process below the launcher, including those that left the
// command's process group: SIGTERM, up to grace to exit, then SIGKILL until none is left. It
// returns once /proc shows no descendant, with the command's exit. ctx bounds the whole stop;
// when it ends first the error wraps ErrLeftovers, and Exit is the command's if it did exit,
// else Code -1.
func (p *Process) Stop(ctx context.Context, grace time.Duration) (Exit, error) {
	if err := p.r.stopTree(ctx, grace, p.pid, p.r.session); err != nil {
		exit := Exit{Code: -1}
		select {
		case <-p.done:
			exit = p.exit
		default:
		}
		return exit, fmt.Errorf("launcher: stop pid %d: %w", p.pid, err)
	}
	return p.Wait(ctx)
}

func (p *Process) finish(e Exit) {
	p.exit = e
	close(p.done)
}
