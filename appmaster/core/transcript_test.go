package core

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/yarn"
)

// The transcripts in testdata/*.txt are a line format of our own, after etcd raft's datadriven
// tests: a command line (an event, in the harness's words), a "----" line, then the effects the
// core answered with, one per line, up to a blank line. "#" lines are comments. Run
//
//	go test ./appmaster/core -run TestTranscripts -rewrite
//
// to regenerate the expected effects, then read the diff.
var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of testdata/*.txt")

func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts in testdata: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) { runTranscript(t, file) })
	}
}

func runTranscript(t *testing.T, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	h := &harness{ctrs: map[string]yarn.Container{}, now: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	var out []string
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			out = append(out, line)
			continue
		}
		if i+1 >= len(lines) || lines[i+1] != "----" {
			t.Fatalf("%s:%d: a command must be followed by a ---- line", file, i+1)
		}
		cmdLine := i + 1
		var want []string
		for i += 2; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			want = append(want, lines[i])
		}
		i-- // the blank line (if any) is kept as it is
		got, err := h.run(line)
		if err != nil {
			t.Fatalf("%s:%d: %s: %v", file, cmdLine, line, err)
		}
		if len(got) == 0 {
			got = []string{"(none)"}
		}
		out = append(out, line, "----")
		out = append(out, got...)
		if !*rewrite && strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:%d: %s\n--- got\n%s\n--- want\n%s", file, cmdLine, line,
				strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if *rewrite {
		if err := os.WriteFile(file, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// harness turns transcript commands into events. Containers are named c<seq>@<host> at first
// mention and by c<seq> after; the clock starts at a fixed instant and moves with tick.
type harness struct {
	core    *Core
	cfg     Config
	now     time.Time
	attempt int
	ctrs    map[string]yarn.Container
	gen     int // the latest NewGeneration the core emitted
}

func (h *harness) run(line string) ([]string, error) {
	words, err := tokenize(line)
	if err != nil {
		return nil, err
	}
	cmd, args := words[0].key, words[1:]
	if cmd != "start" && h.core == nil {
		return nil, errors.New("start first")
	}
	var ev Event
	switch cmd {
	case "start":
		return h.start(args)
	case "state":
		return h.state(), nil
	case "allocate":
		var ctrs []yarn.Container
		for _, a := range args {
			ctr, err := h.container(a.key, h.attempt)
			if err != nil {
				return nil, err
			}
			ctrs = append(ctrs, ctr)
		}
		ev = Allocated{Containers: ctrs}
	case "launched", "launch-failed":
		ctr, err := h.container(first(args), h.attempt)
		if err != nil {
			return nil, err
		}
		ev = Launched{ContainerID: ctr.ID}
		if cmd == "launch-failed" {
			ev = LaunchFailed{ContainerID: ctr.ID, Err: errors.New(value(args, "err", "connection refused"))}
		}
	case "joined":
		ctr, err := h.container(first(args), h.attempt)
		if err != nil {
			return nil, err
		}
		rank, err1 := strconv.Atoi(value(args, "rank", "-1"))
		gen, err2 := strconv.Atoi(value(args, "gen", strconv.Itoa(h.gen)))
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		ev = MemberJoined{Generation: gen, Rank: rank, ContainerID: ctr.ID}
	case "complete":
		var sts []yarn.ContainerStatus
		for _, a := range args {
			if a.key == "diag" {
				continue
			}
			ctr, err := h.container(a.key, h.attempt)
			if err != nil {
				return nil, err
			}
			code, err := strconv.ParseInt(a.val, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("exit status of %s: %w", a.key, err)
			}
			sts = append(sts, yarn.ContainerStatus{ID: ctr.ID, State: yarn.ContainerComplete,
				ExitStatus: int32(code), Diagnostics: value(args, "diag", "")})
		}
		ev = Completed{Statuses: sts}
	case "tick":
		d, err := time.ParseDuration(first(args))
		if err != nil {
			return nil, err
		}
		h.now = h.now.Add(d)
		ev = Tick{Now: h.now}
	case "renew":
		ev = LeaseRenewed{Now: h.now}
	case "stop":
		ev = StopRequested{Reason: value(args, "reason", "the user"), Status: yarn.FinalStatus(value(args, "status", ""))}
	case "headroom":
		mem, err1 := strconv.ParseInt(value(args, "memory", "0"), 10, 64)
		vc, err2 := strconv.Atoi(value(args, "vcores", "0"))
		nodes, err3 := strconv.Atoi(value(args, "nodes", "0"))
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, err
		}
		ev = HeadroomReport{Headroom: yarn.Resource{MemoryMB: mem, VCores: int32(vc)}, ClusterNodes: nodes}
	case "rm-error":
		ev = RMError{Err: errors.New(value(args, "err", "connection refused")), Fatal: has(args, "fatal")}
	default:
		return nil, fmt.Errorf("unknown command %q", cmd)
	}
	return h.step(ev), nil
}

func (h *harness) start(args []arg) ([]string, error) {
	num := func(key, def string) int {
		n, err := strconv.Atoi(value(args, key, def))
		if err != nil {
			panic(fmt.Sprintf("%s: %v", key, err))
		}
		return n
	}
	dur := func(key, def string) time.Duration {
		d, err := time.ParseDuration(value(args, key, def))
		if err != nil {
			panic(fmt.Sprintf("%s: %v", key, err))
		}
		return d
	}
	cfg := Config{
		NumNodes:          num("nodes", "3"),
		MinNodes:          num("min-nodes", "0"),
		Resource:          yarn.Resource{MemoryMB: int64(num("memory", "1024")), VCores: int32(num("vcores", "1"))},
		NodeLabel:         value(args, "label", ""),
		AllocationTimeout: dur("timeout", "60s"),
		JoinTimeout:       dur("join-timeout", "0s"),
		RecoveryTimeout:   dur("recovery-timeout", "0s"),
		MaxRestarts:       num("max-restarts", "0"),
		MaxLaunchFailures: num("max-launch-failures", "0"),
		LeaseTimeout:      dur("lease", "0s"),
		AttemptNumber:     num("attempt", "1"),
	}
	switch value(args, "mode", "command") {
	case "command":
		cfg.Completion, cfg.Roles = EveryRankExits, CommandRoles
	case "ray":
		cfg.Completion, cfg.Roles, cfg.ReplaceWorkers = RankZeroExits, RayRoles, true
	case "ray-client":
		cfg.Completion, cfg.Roles, cfg.ReplaceWorkers = ClientEnds, RayRoles, true
	default:
		return nil, fmt.Errorf("unknown mode %q", value(args, "mode", ""))
	}
	c, err := New(cfg)
	if err != nil {
		return []string{"error: " + err.Error()}, nil
	}
	h.core, h.cfg, h.attempt, h.gen = c, cfg, cfg.AttemptNumber, 0
	h.ctrs = map[string]yarn.Container{}
	if value(args, "registered", "yes") == "no" {
		return nil, nil
	}
	reg := yarn.Registration{Queue: value(args, "queue", ""), MaxCapability: yarn.Resource{
		MemoryMB: int64(num("max-memory", "8192")), VCores: int32(num("max-vcores", "8"))}}
	if prev := value(args, "previous", ""); prev != "" {
		for _, name := range strings.Split(prev, ",") {
			ctr, err := h.container(name, h.attempt-1)
			if err != nil {
				return nil, err
			}
			reg.PreviousContainers = append(reg.PreviousContainers, ctr)
		}
	}
	return h.step(Started{Now: h.now, Registration: reg}), nil
}

func (h *harness) step(ev Event) []string {
	var out []string
	for _, e := range h.core.Step(ev) {
		if g, ok := e.(NewGeneration); ok {
			h.gen = g.Generation
		}
		out = append(out, e.String())
	}
	return out
}

func (h *harness) state() []string {
	s := h.core.Snapshot()
	out := []string{fmt.Sprintf("phase=%s gen=%d world=%d restarts=%d", s.Phase, s.Generation, s.WorldSize, s.Restarts)}
	for _, r := range s.Ranks {
		line := fmt.Sprintf("rank %d: %s", r.Rank, r.State)
		if r.State != "empty" {
			line += fmt.Sprintf(" %s on %s", r.Container, r.Host)
		}
		out = append(out, line+fmt.Sprintf(" (containers: %d)", r.Containers))
	}
	return out
}

// container resolves c<seq>[@host]: the host is needed at first mention only.
func (h *harness) container(spec string, attempt int) (yarn.Container, error) {
	name, host, _ := strings.Cut(spec, "@")
	if ctr, ok := h.ctrs[name]; ok {
		return ctr, nil
	}
	seq, err := strconv.ParseInt(strings.TrimPrefix(name, "c"), 10, 64)
	if err != nil || !strings.HasPrefix(name, "c") || host == "" {
		return yarn.Container{}, fmt.Errorf("container %q: want c<seq>@<host> at first mention", spec)
	}
	ctr := yarn.Container{
		ID: yarn.ContainerID{
			Attempt:  yarn.AttemptID{App: yarn.ApplicationID{ClusterTimestamp: 1, ID: 1}, Attempt: int32(attempt)},
			Sequence: seq,
		},
		Node:            yarn.NodeID{Host: host, Port: 8041},
		NodeHTTPAddress: host + ":8042",
		Resource:        h.cfg.Resource,
		Priority:        AskPriority,
	}
	h.ctrs[name] = ctr
	return ctr, nil
}

type arg struct{ key, val string }

// tokenize splits on spaces; key="quoted value" keeps its spaces.
func tokenize(line string) ([]arg, error) {
	var words []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(line); i++ {
		switch ch := line[i]; {
		case ch == '"':
			quoted = !quoted
			cur.WriteByte(ch)
		case ch == '\\' && quoted && i+1 < len(line):
			cur.WriteByte(ch)
			cur.WriteByte(line[i+1])
			i++
		case ch == ' ' && !quoted:
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(ch)
		}
	}
	if quoted {
		return nil, errors.New("unterminated quote")
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	args := make([]arg, len(words))
	for i, w := range words {
		k, v, _ := strings.Cut(w, "=")
		if strings.HasPrefix(v, `"`) {
			u, err := strconv.Unquote(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", w, err)
			}
			v = u
		}
		args[i] = arg{key: k, val: v}
	}
	return args, nil
}

func first(args []arg) string {
	if len(args) == 0 {
		return ""
	}
	return args[0].key
}

func value(args []arg, key, def string) string {
	for _, a := range args {
		if a.key == key {
			return a.val
		}
	}
	return def
}

func has(args []arg, key string) bool {
	for _, a := range args {
		if a.key == key {
			return true
		}
	}
	return false
}
