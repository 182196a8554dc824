package launcher

import (
	"context"
	"io"
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
)

// commandEnv is base with the rendezvous outcome set. A variable of the same name in base (the
// AM may already have put ORCA_YARN_RANK into the launch context) is replaced, not duplicated:
// with duplicates, which one a program sees depends on its libc.
func commandEnv(base []string, o *Options, plan barrier.Plan) []string {
	set := [][2]string{
		{EnvAppID, o.AppID},
		{EnvRole, o.Role},
		{EnvRank, strconv.Itoa(o.Rank)},
		{EnvWorldSize, strconv.Itoa(plan.WorldSize)},
		{EnvHeadHost, plan.HeadHost},
		{EnvGeneration, strconv.Itoa(plan.Generation)},
		{EnvLaunchID, o.LaunchID},
	}
	env := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		replaced := false
		for _, s := range set {
			replaced = replaced || name == s[0]
		}
		if !replaced {
			env = append(env, kv)
		}
	}
	for _, s := range set {
		env = append(env, s[0]+"="+s[1])
	}
	return env
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
