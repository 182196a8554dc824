package launcher

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// The scenarios of this file run inside the subreaper helper process (see helper_test.go).

func testExitCodes(t *testing.T) {
	r := newTestReaper(t)
	tests := []struct {
		command string
		want    Exit
	}{
		{"true", Exit{Code: 0}},
		{"exit 3", Exit{Code: 3}},
		{"kill -9 $$", Exit{Code: 137, Signal: syscall.SIGKILL}},
		{"kill -TERM $$", Exit{Code: 143, Signal: syscall.SIGTERM}},
		{"no-such-command-orca", Exit{Code: 127}},
	}
	for _, tc := range tests {
		p, err := r.Start(t.Context(), Spec{Command: tc.command, Env: os.Environ()})
		if err != nil {
			t.Fatal(err)
		}
		readOutput(t, p).rest(t)
		got, err := p.Wait(t.Context())
		if err != nil || got != tc.want {
			t.Errorf("%q: Wait = %v, %v; want %v", tc.command, got, err, tc.want)
		}
	}
	if _, err := r.Start(t.Context(), Spec{Command: "true", Dir: "/no/such/dir"}); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Start in a missing dir = %v, want ENOENT", err)
	}
}

// Stop reaches a process that left the command's group and session (as Ray workers do) and
// one that stayed, and returns only when /proc shows neither.
func testStopKillsSetsidAndBackground(t *testing.T) {
	r := newTestReaper(t)
	p, err := r.Start(t.Context(), Spec{Command: "setsid sleep 1000 & echo $!; sleep 1000 & echo $!; wait"})
	if err != nil {
		t.Fatal(err)
	}
	o := readOutput(t, p)
	escaped, stayed := o.pid(t), o.pid(t)
	eventually(t, "the setsid'd sleep has its own session", func() bool {
		s, err := readStat(escaped.Pid)
		return err == nil && s.Session == escaped.Pid && s.Pgrp != p.Pid()
	})
	if s, _ := readStat(stayed.Pid); s.Pgrp != p.Pid() {
		t.Fatalf("background sleep in group %d, want the command's %d", s.Pgrp, p.Pid())
	}

	// A long grace: the tree dies of SIGTERM, and Stop returns as soon as it is gone.
	exit, err := p.Stop(t.Context(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if exit.Signal != syscall.SIGTERM {
		t.Errorf("command ended with %v, want SIGTERM", exit)
	}
	for _, q := range []procStat{escaped, stayed} {
		if alive(q) {
			t.Errorf("pid %d survived Stop", q.Pid)
		}
	}
	noDescendants(t)
	o.rest(t) // every write end is closed
}

// A command that exits 0 but left a double-forked daemon behind: the daemon is re-parented to the
// launcher, and the final cleanup kills it.
func testFinalCleanupKillsDoubleFork(t *testing.T) {
	r := newTestReaper(t)
	p, err := r.Start(t.Context(), Spec{Command: "( ( sleep 1000 & echo $! ) & ); exit 0"})
	if err != nil {
		t.Fatal(err)
	}
	o := readOutput(t, p)
	daemon := o.pid(t)
	if exit, err := p.Wait(t.Context()); err != nil || exit != (Exit{}) {
		t.Fatalf("Wait = %v, %v; want exit 0", exit, err)
	}
	eventually(t, "the daemon is re-parented to the subreaper", func() bool {
		s, err := readStat(daemon.Pid)
		return err == nil && s.Ppid == os.Getpid()
	})
	if err := r.StopAllDescendants(t.Context(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if alive(daemon) {
		t.Errorf("daemon %d survived the final cleanup", daemon.Pid)
	}
	noDescendants(t)
	o.rest(t) // the daemon held stdout; now it is closed
}

// SIGTERM ignored by the command and its child (SIG_IGN is inherited through exec): SIGKILL
// follows the grace.
func testSigkillAfterGrace(t *testing.T) {
	r := newTestReaper(t)
	p, err := r.Start(t.Context(), Spec{Command: "trap '' TERM; sleep 1000 & echo $!; wait"})
	if err != nil {
		t.Fatal(err)
	}
	o := readOutput(t, p)
	child := o.pid(t)
	exit, err := p.Stop(t.Context(), 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if exit.Signal != syscall.SIGKILL || exit.Code != 137 {
		t.Errorf("command ended with %v, want SIGKILL (137)", exit)
	}
	if alive(child) {
		t.Errorf("pid %d survived", child.Pid)
	}
	noDescendants(t)
	o.rest(t)
}

// A command that keeps forking while it is killed: Stop repeats its rounds until /proc is empty.
func testStopCatchesForksDuringKill(t *testing.T) {
	r := newTestReaper(t)
	p, err := r.Start(t.Context(), Spec{Command: "trap '' TERM; echo $$; while :; do sleep 1000 & done"})
	if err != nil {
		t.Fatal(err)
	}
	o := readOutput(t, p)
	o.pid(t)
	exit, err := p.Stop(t.Context(), 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if exit.Signal != syscall.SIGKILL {
		t.Errorf("command ended with %v, want SIGKILL", exit)
	}
	noDescendants(t)
	o.rest(t)
}
