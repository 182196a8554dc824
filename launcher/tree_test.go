package launcher

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

// statLine builds a /proc/<pid>/stat line with 52 fields as Linux 6 writes them.
func statLine(pid, comm, state string, ppid, pgrp, session, start string) string {
	f := []string{pid, "(" + comm + ")", state, ppid, pgrp, session}
	for i := len(f) + 1; i <= 52; i++ {
		switch i {
		case 22:
			f = append(f, start)
		default:
			f = append(f, "0")
		}
	}
	return strings.Join(f, " ") + "\n"
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name string
		line string
		want procStat
		err  bool
	}{
		{"plain", statLine("42", "sleep", "S", "1", "42", "7", "12345"),
			procStat{Pid: 42, State: 'S', Ppid: 1, Pgrp: 42, Session: 7, Start: 12345}, false},
		{"comm with spaces and parens", statLine("43", "a) b (c) S 9 9 9", "Z", "2", "3", "4", "5"),
			procStat{Pid: 43, State: 'Z', Ppid: 2, Pgrp: 3, Session: 4, Start: 5}, false},
		{"comm with newline", statLine("44", "x\ny", "R", "0", "0", "0", "18446744073709551615"),
			procStat{Pid: 44, State: 'R', Start: 1<<64 - 1}, false},
		{"empty comm", statLine("45", "", "S", "1", "1", "1", "1"),
			procStat{Pid: 45, State: 'S', Ppid: 1, Pgrp: 1, Session: 1, Start: 1}, false},
		{"truncated", "46 (sleep) S 1 46 7 0 -1\n", procStat{}, true},
		{"no comm", "47 sleep S 1 47 7\n", procStat{}, true},
		{"bad pid", statLine("x", "sleep", "S", "1", "1", "1", "1"), procStat{}, true},
		{"zero pid", statLine("0", "sleep", "S", "1", "1", "1", "1"), procStat{}, true},
		{"bad ppid", statLine("48", "sleep", "S", "p", "1", "1", "1"), procStat{}, true},
		{"bad start", statLine("49", "sleep", "S", "1", "1", "1", "-1"), procStat{}, true},
		{"long state", statLine("50", "sleep", "SS", "1", "1", "1", "1"), procStat{}, true},
		{"empty", "", procStat{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStat([]byte(tc.line))
			if tc.err {
				if !errors.Is(err, errBadStat) {
					t.Fatalf("parseStat = %+v, %v; want errBadStat", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseStat = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte(statLine("42", "sleep", "S", "1", "42", "7", "12345")))
	f.Add([]byte(statLine("43", ") (", "Z", "2", "3", "4", "5")))
	f.Add([]byte("1 (a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseStat(b)
		if err == nil && s.Pid <= 0 {
			t.Fatalf("accepted pid %d", s.Pid)
		}
	})
}

func TestDescendants(t *testing.T) {
	// 100 is the launcher (session 100). 200 its command (group 200), 201 a child in the group,
	// 300 a worker that called setsid and was re-parented to 100, 301 its child. 400 and 401 are
	// unrelated; 401 happens to have pgrp 200 but sits in another session.
	procs := []procStat{
		{Pid: 1, Ppid: 0, Pgrp: 1, Session: 1},
		{Pid: 100, Ppid: 1, Pgrp: 100, Session: 100},
		{Pid: 200, Ppid: 100, Pgrp: 200, Session: 100},
		{Pid: 201, Ppid: 200, Pgrp: 200, Session: 100},
		{Pid: 300, Ppid: 100, Pgrp: 300, Session: 300},
		{Pid: 301, Ppid: 300, Pgrp: 300, Session: 300},
		{Pid: 400, Ppid: 1, Pgrp: 400, Session: 400},
		{Pid: 401, Ppid: 400, Pgrp: 200, Session: 400},
		{Pid: 500, Ppid: 1, Pgrp: 200, Session: 100}, // joined the command's group from outside
	}
	tests := []struct {
		name                string
		root, pgrp, session int
		want                []int
	}{
		{"whole tree", 100, 0, 0, []int{200, 201, 300, 301}},
		{"tree and group", 100, 200, 100, []int{200, 201, 300, 301, 500}},
		{"subtree", 300, 0, 0, []int{301}},
		{"leaf", 301, 0, 0, nil},
		{"unknown root", 999, 0, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			for _, p := range descendants(procs, tc.root, tc.pgrp, tc.session) {
				got = append(got, p.Pid)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("descendants = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestScanProcsSeesSelf(t *testing.T) {
	procs, err := scanProcs()
	if err != nil {
		t.Fatal(err)
	}
	self, err := readStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(procs, func(p procStat) bool { return p.Pid == self.Pid })
	if i < 0 || procs[i].Start != self.Start || procs[i].Ppid != os.Getppid() {
		t.Fatalf("scan of %d processes lacks this one (%+v)", len(procs), self)
	}
}
