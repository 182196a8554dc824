package launcher

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/barrier"
)

// The variables a command finds in its environment (design §3, "Inside a container").
const (
	EnvAppID      = "ORCA_YARN_APP_ID"
	EnvRole       = "ORCA_YARN_ROLE"
	EnvRank       = "ORCA_YARN_RANK"
	EnvWorldSize  = "ORCA_YARN_WORLD_SIZE"
	EnvHeadHost   = "ORCA_YARN_HEAD_HOST"
	EnvGeneration = "ORCA_YARN_GENERATION"
	// EnvPlanFile names a JSON file with the generation's barrier.Plan: every member's host and
	// the attributes it published (e.g. a Ray node's port plan). Plans hold no secrets.
	EnvPlanFile = "ORCA_YARN_PLAN_FILE"
)

// commandEnv is base with the rendezvous outcome set (the AM may already have put
// ORCA_YARN_RANK into the launch context: MergeEnv replaces it).
func commandEnv(base []string, o *Options, plan barrier.Plan, planFile string) []string {
	return MergeEnv(base, []string{
		EnvAppID + "=" + o.AppID,
		EnvRole + "=" + o.Role,
		EnvRank + "=" + strconv.Itoa(o.Rank),
		EnvWorldSize + "=" + strconv.Itoa(plan.WorldSize),
		EnvHeadHost + "=" + plan.HeadHost,
		EnvGeneration + "=" + strconv.Itoa(plan.Generation),
		EnvLaunchID + "=" + o.LaunchID,
		EnvPlanFile + "=" + planFile,
	}, nil)
}

// MergeEnv is base (NAME=value entries) with every variable named in set or unset removed, then
// set appended: a variable is replaced, never duplicated, since with duplicates which one a
// program sees depends on its libc. base is not changed.
func MergeEnv(base, set, unset []string) []string {
	drop := make(map[string]bool, len(set)+len(unset))
	for _, kv := range set {
		name, _, _ := strings.Cut(kv, "=")
		drop[name] = true
	}
	for _, name := range unset {
		drop[name] = true
	}
	out := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		if name, _, _ := strings.Cut(kv, "="); !drop[name] {
			out = append(out, kv)
		}
	}
	return append(out, set...)
}

// SignalContext is cancelled on the first SIGTERM or SIGINT to the launcher: the NodeManager's
// SIGTERM when YARN stops the container, or ^C when run by hand. Run then stops the tree. The
// NodeManager follows with SIGKILL after yarn.nodemanager.sleep-delay-before-sigkill.ms (250 ms by
// default), which is why DefaultGrace is short.
func SignalContext(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, syscall.SIGTERM, syscall.SIGINT)
}

func discardLogger() *logrus.Entry {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return logrus.NewEntry(l)
}

// writePlan stores plan where the command finds it (EnvPlanFile): a new file in dir (the
// temporary directory when dir is empty), written whole before the command starts; the caller
// removes it when the generation is over.
func writePlan(dir string, plan barrier.Plan) (string, error) {
	b, err := json.Marshal(plan)
	if err != nil {
		return "", fmt.Errorf("launcher: plan: %w", err)
	}
	f, err := os.CreateTemp(dir, ".orca-yarn-plan-"+strconv.Itoa(plan.Generation)+"-*.json")
	if err != nil {
		return "", fmt.Errorf("launcher: plan: %w", err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("launcher: plan: %w", err)
	}
	return f.Name(), nil
}

// ReadPlan reads the plan a launcher wrote for its command (the role programs use it).
func ReadPlan(path string) (barrier.Plan, error) {
	var p barrier.Plan
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &p)
	}
	if err != nil {
		return p, fmt.Errorf("launcher: read plan %s: %w", path, err)
	}
	return p, nil
}
