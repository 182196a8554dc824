package raynode_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// What the real-Ray test reads from /proc: process trees by parent links, and the sockets they
// listen on, from /proc/net/{tcp,tcp6,udp,udp6} joined with each process's fds.

type proc struct {
	pid, ppid int
	start     uint64 // clock ticks since boot: with pid, names one process across pid reuse
	comm      string
}

func readProc(pid int) (proc, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return proc{}, false
	}
	open, end := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
	if open < 0 || end < open {
		return proc{}, false
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 20 {
		return proc{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	start, _ := strconv.ParseUint(f[19], 10, 64)
	return proc{pid: pid, ppid: ppid, start: start, comm: string(b[open+1 : end])}, true
}

func allProcs() []proc {
	names, _ := filepath.Glob("/proc/[0-9]*")
	var out []proc
	for _, n := range names {
		pid, err := strconv.Atoi(filepath.Base(n))
		if err != nil {
			continue
		}
		if p, ok := readProc(pid); ok {
			out = append(out, p)
		}
	}
	return out
}

// tree is root and every process below it.
func tree(root int) []proc {
	procs := allProcs()
	in := map[int]bool{root: true}
	for changed := true; changed; {
		changed = false
		for _, p := range procs {
			if !in[p.pid] && in[p.ppid] {
				in[p.pid], changed = true, true
			}
		}
	}
	var out []proc
	for _, p := range procs {
		if in[p.pid] {
			out = append(out, p)
		}
	}
	return out
}

// stillRunning says whether p (pid and start time) is still there and not a zombie.
func stillRunning(p proc) bool {
	now, ok := readProc(p.pid)
	if !ok || now.start != p.start {
		return false
	}
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/stat")
	s := string(b)
	return !strings.HasPrefix(strings.Fields(s[strings.LastIndexByte(s, ')')+1:])[0], "Z")
}

type socket struct {
	proto string // tcp (listening) or udp (bound)
	port  int
	pid   int
	comm  string
}

func (s socket) String() string {
	return fmt.Sprintf("%s/%d by pid %d (%s)", s.proto, s.port, s.pid, s.comm)
}

// sockets lists the listening TCP sockets and all UDP sockets that procs hold.
func sockets(procs []proc) ([]socket, error) {
	owner := map[string]proc{} // socket inode -> process
	for _, p := range procs {
		fds, _ := filepath.Glob("/proc/" + strconv.Itoa(p.pid) + "/fd/*")
		for _, fd := range fds {
			l, err := os.Readlink(fd)
			if err == nil && strings.HasPrefix(l, "socket:[") {
				owner[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = p
			}
		}
	}
	var out []socket
	for _, file := range []string{"tcp", "tcp6", "udp", "udp6"} {
		f, err := os.Open("/proc/net/" + file)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 {
				continue
			}
			p, ours := owner[fields[9]]
			if !ours {
				continue
			}
			proto := strings.TrimSuffix(file, "6")
			if proto == "tcp" && fields[3] != "0A" { // only listeners
				continue
			}
			_, portHex, _ := strings.Cut(fields[1], ":")
			port, err := strconv.ParseUint(portHex, 16, 16)
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("/proc/net/%s: %q", file, fields[1])
			}
			out = append(out, socket{proto: proto, port: int(port), pid: p.pid, comm: p.comm})
		}
		f.Close()
	}
	return out, nil
}

// below is every process under root, without root.
func below(root int) []proc {
	var out []proc
	for _, p := range tree(root) {
		if p.pid != root {
			out = append(out, p)
		}
	}
	return out
}
