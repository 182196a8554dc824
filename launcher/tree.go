package launcher

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// procStat is what the tree walk needs from /proc/<pid>/stat.
type procStat struct {
	Pid     int
	State   byte
	Ppid    int
	Pgrp    int
	Session int
	// Start is the start time in clock ticks since boot (field 22). With Pid it names one process
	// across pid reuse: a signal is only sent when the start time still matches the scan.
	Start uint64
}

var errBadStat = errors.New("launcher: malformed /proc stat")

// parseStat decodes one /proc/<pid>/stat line. The comm field is chosen by the process itself
// and may hold spaces, parentheses and newlines, so the fixed fields are taken after the last ')'.
func parseStat(b []byte) (procStat, error) {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 1 || end < open {
		return procStat{}, fmt.Errorf("%w: no comm", errBadStat)
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil || pid <= 0 {
		return procStat{}, fmt.Errorf("%w: pid", errBadStat)
	}
	// Fields after comm: state(3) ppid(4) pgrp(5) session(6) ... starttime(22).
	f := bytes.Fields(b[end+1:])
	const startIdx = 22 - 3
	if len(f) <= startIdx || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("%w: %d fields after comm", errBadStat, len(f))
	}
	s := procStat{Pid: pid, State: f[0][0]}
	ints := []*int{&s.Ppid, &s.Pgrp, &s.Session}
	for i, dst := range ints {
		v, err := strconv.Atoi(string(f[1+i]))
		if err != nil {
			return procStat{}, fmt.Errorf("%w: field %d", errBadStat, 4+i)
		}
		*dst = v
	}
	if s.Start, err = strconv.ParseUint(string(f[startIdx]), 10, 64); err != nil {
		return procStat{}, fmt.Errorf("%w: starttime", errBadStat)
	}
	return s, nil
}

// readStat reads one process; a process that vanished meanwhile is reported with os.ErrNotExist
// (ESRCH shows up when it exits between open and read).
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if errors.Is(err, syscall.ESRCH) {
		err = os.ErrNotExist
	}
	if err != nil {
		return procStat{}, err
	}
	return parseStat(b)
}

// scanProcs reads every process of the pid namespace. Processes that exit during the scan are
// simply missing from it.
func scanProcs() ([]procStat, error) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, fmt.Errorf("launcher: scan /proc: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("launcher: scan /proc: %w", err)
	}
	procs := make([]procStat, 0, len(names))
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue // not a process directory
		}
		s, err := readStat(pid)
		if err != nil {
			continue // gone, or not ours to read
		}
		procs = append(procs, s)
	}
	return procs, nil
}

// descendants picks out of procs every process below root by parent links, plus the members of
// process group pgrp inside session (0: none). Being a child subreaper, root inherits every
// orphan of its tree, so the parent links reach processes that left the group (setsid) too.
func descendants(procs []procStat, root, pgrp, session int) []procStat {
	children := make(map[int][]int, len(procs))
	byPid := make(map[int]procStat, len(procs))
	for _, p := range procs {
		children[p.Ppid] = append(children[p.Ppid], p.Pid)
		byPid[p.Pid] = p
	}
	seen := map[int]bool{root: true}
	var out []procStat
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			if !seen[c] {
				seen[c] = true
				out = append(out, byPid[c])
				queue = append(queue, c)
			}
		}
	}
	// The session check keeps a reused pgrp number of an unrelated process out: a group can only
	// be joined from inside its own session.
	for _, p := range procs {
		if pgrp > 0 && p.Pgrp == pgrp && p.Session == session && !seen[p.Pid] {
			seen[p.Pid] = true
			out = append(out, p)
		}
	}
	return out
}

// signalProc sends sig to p unless p's pid now names another process. A pidfd pins the process
// while its start time is checked, so a pid reused between scan and signal is never hit; kernels
// before 5.3 fall back to kill(2) after the same check.
func signalProc(p procStat, sig syscall.Signal) error {
	fd, err := unix.PidfdOpen(p.Pid, 0)
	switch {
	case errors.Is(err, syscall.ESRCH):
		return nil
	case errors.Is(err, syscall.ENOSYS):
		if !sameProcess(p) {
			return nil
		}
		return ignoreGone(syscall.Kill(p.Pid, sig))
	case err != nil:
		return fmt.Errorf("launcher: pidfd_open %d: %w", p.Pid, err)
	}
	defer unix.Close(fd)
	if !sameProcess(p) {
		return nil
	}
	return ignoreGone(unix.PidfdSendSignal(fd, sig, nil, 0))
}

func sameProcess(p procStat) bool {
	now, err := readStat(p.Pid)
	return err == nil && now.Start == p.Start
}

func ignoreGone(err error) error {
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
