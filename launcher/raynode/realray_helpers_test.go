package raynode_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/orca-yarn/orca-yarn/launcher"
	"github.com/orca-yarn/orca-yarn/launcher/raynode"
)

// The driver in the head container: tasks pinned to each node, and an object made on one node
// and read on the other, then it holds (so its own socket can be checked) until goFile exists.
const driverScript = `
import json, os, sys, time
import numpy as np
import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy as On

ray.init()
nodes = sorted(n["NodeID"] for n in ray.nodes() if n["Alive"])

@ray.remote(num_cpus=1)
def where():
    return ray.get_runtime_context().get_node_id()

@ray.remote(num_cpus=1)
def make():
    return np.ones(20 * 1024 * 1024 // 8)

@ray.remote(num_cpus=1)
def total(a):
    return float(a.sum()), ray.get_runtime_context().get_node_id()

ran = sorted(set(ray.get([where.options(scheduling_strategy=On(n, soft=False)).remote() for n in nodes for _ in range(2)], timeout=180)))
big = make.options(scheduling_strategy=On(nodes[0], soft=False)).remote()
moved = ray.get(total.options(scheduling_strategy=On(nodes[1], soft=False)).remote(big), timeout=180)
print("RESULT", json.dumps({"nodes": len(nodes), "ran_on": len(ran), "moved": moved}), flush=True)
assert len(nodes) == 2 and ran == nodes and moved == (20 * 1024 * 1024 // 8, nodes[1]), (nodes, ran, moved)
print("HOLDING", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
`

// The driver outside the cluster: Ray Client, ray://head:port from RAY_ADDRESS, with the token.
const clientScript = `
import ray
ray.init()

@ray.remote
def square(x):
    return x * x

assert ray.get([square.remote(i) for i in range(8)], timeout=120) == [i * i for i in range(8)]
print("CLIENT OK, Ray", ray.__version__, flush=True)
`

type running struct {
	name  string
	p     *launcher.Process
	lines chan string // stdout lines, while someone listens; the rest goes to the report only
}

func (h *helper) startNode(name string, n raynode.Node) *launcher.Process {
	cmd, err := n.Command()
	if err != nil {
		h.t.Fatal(err)
	}
	return h.start(h.t.Context(), name, cmd.Shell(), cmd.Environ(h.env)).p
}

func (h *helper) startPython(ctx context.Context, name string, env []string, script string, args ...string) *running {
	c := raynode.Command{Argv: append([]string{filepath.Join(h.venv, "bin", "python"), "-c", script}, args...)}
	return h.start(ctx, name, c.Shell(), env)
}

func (h *helper) start(ctx context.Context, name, command string, env []string) *running {
	p, err := h.reaper.Start(ctx, launcher.Spec{Command: command, Env: env})
	if err != nil {
		h.t.Fatalf("start %s: %v", name, err)
	}
	r := &running{name: name, p: p, lines: make(chan string, 1024)}
	for _, f := range []*os.File{p.Stdout(), p.Stderr()} {
		stdout := f == p.Stdout()
		go func() {
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				h.mu.Lock()
				h.out.WriteString(name + ": " + sc.Text() + "\n")
				h.mu.Unlock()
				if stdout {
					select {
					case r.lines <- sc.Text():
					default:
					}
				}
			}
		}()
	}
	return r
}

// waitLine reads r's stdout until a line contains want, r exits or ctx ends.
func (h *helper) waitLine(ctx context.Context, r *running, want string) bool {
	for {
		select {
		case l := <-r.lines:
			if strings.Contains(l, want) {
				return true
			}
		case <-r.p.Done():
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func (h *helper) mustExit0(ctx context.Context, r *running) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	exit, err := r.p.Wait(ctx)
	if err != nil || exit.Code != 0 {
		h.t.Errorf("%s: %v %v", r.name, exit, err)
	}
}

func syscallKill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }
