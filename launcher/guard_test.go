package launcher

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// startMarked starts a small tree carrying the launch marker: a child, a grandchild and a daemon
// in its own session, the way Ray's processes sit under a launcher.
func startMarked(t *testing.T, id string) {
	t.Helper()
	cmd := exec.Command("/bin/bash", "-c", `sleep 1000 & setsid sleep 1000 & trap '' TERM; sleep 1000; wait`)
	cmd.Env = append(os.Environ(), EnvLaunchID+"="+id)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait() }()
	t.Cleanup(func() { _ = sweep(context.Background(), EnvLaunchID+"="+id, 0) })
	waitFor(t, "the tree to start", func() bool {
		procs, err := marked(EnvLaunchID+"="+id, os.Getpid())
		return err == nil && len(procs) >= 4
	})
}

// The launcher died (EOF without release): the guard ends every marked process, also the one in
// its own session and the one that ignores SIGTERM.
func TestGuardSweepsAfterTheLauncherDied(t *testing.T) {
	id := randomID()
	startMarked(t, id)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := RunGuard(ctx, strings.NewReader(""), id, 50*time.Millisecond, discardLogger()); err != nil {
		t.Fatal(err)
	}
	procs, err := marked(EnvLaunchID+"="+id, os.Getpid())
	if err != nil || len(procs) != 0 {
		t.Fatalf("after the sweep: %d marked processes (%v), e.g. %+v", len(procs), err, procs)
	}
}

// A released guard leaves everything alone: the launcher stopped its tree itself.
func TestReleasedGuardSweepsNothing(t *testing.T) {
	id := randomID()
	startMarked(t, id)
	if err := RunGuard(t.Context(), strings.NewReader(guardReleased), id, 0, discardLogger()); err != nil {
		t.Fatal(err)
	}
	if procs, _ := marked(EnvLaunchID+"="+id, os.Getpid()); len(procs) < 4 {
		t.Fatalf("a released guard killed processes: %d left, want 4", len(procs))
	}
}

func TestGuardNeedsALaunchID(t *testing.T) {
	if err := RunGuard(t.Context(), strings.NewReader(""), "", 0, discardLogger()); err == nil {
		t.Fatal("RunGuard without a launch id succeeded")
	}
}
