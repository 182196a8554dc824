package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/orca-yarn/orca-yarn/amapi"
	"github.com/orca-yarn/orca-yarn/appmaster"
	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/condapack"
	"github.com/orca-yarn/orca-yarn/launcher"
	"github.com/orca-yarn/orca-yarn/logline"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
)

// The two internal roles the binary plays inside YARN containers (hidden from --help).

func amCommand() *cli.Command {
	return &cli.Command{
		Name:   "am",
		Usage:  "run as the application master (inside the AM container)",
		Hidden: true,
		Action: func(c *cli.Context) error {
			ctx, stop := launcher.SignalContext(c.Context)
			defer stop()
			wd, err := os.Getwd()
			if err != nil {
				return withExitCode(exitCluster, err)
			}
			if err := appmaster.Run(ctx, appmaster.Options{Getenv: os.Getenv, WorkDir: wd, Log: logger(c)}); err != nil {
				return withExitCode(exitCluster, err)
			}
			return nil
		},
	}
}

func launchCommand() *cli.Command {
	return &cli.Command{
		Name:   "launch",
		Usage:  "run the application's command in this container after the rendezvous (inside a container)",
		Hidden: true,
		Action: func(c *cli.Context) error {
			ctx, stop := launcher.SignalContext(c.Context)
			defer stop()
			code, err := runLaunch(ctx, c)
			if err != nil {
				logger(c).WithError(err).Error("launch failed")
			}
			if code != 0 {
				return withExitCode(code, fmt.Errorf("the command exited %d", code))
			}
			return nil
		},
	}
}

// runLaunch wires the launcher to the AM's API with the secret from the container credentials.
func runLaunch(ctx context.Context, c *cli.Context) (int, error) {
	log := logger(c)
	ic, err := loadContainer(log)
	if err != nil {
		return launcher.ExitLauncherFailed, err
	}
	spec, api, rank, role, container := ic.spec, ic.api, ic.rank, ic.role, ic.container
	if spec.PyEnv != nil {
		// condapack's contract: the env's fixed destination leads to its localized copy before
		// anything from the env runs.
		if _, err := condapack.LinkDest(filepath.Join(ic.wd, spec.PyEnv.Alias)); err != nil {
			return launcher.ExitLauncherFailed, err
		}
	}
	env, err := commandTokensEnv(ic, os.Environ())
	if err != nil {
		return launcher.ExitLauncherFailed, err
	}
	followCtx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	go followCommandTokens(followCtx, ic, log)
	attrs := map[string]string(nil)
	if spec.PyEnv != nil {
		env = withPathFirst(env, spec.PyEnv.Link+"/bin")
	}
	if spec.Mode == appspec.ModeRay {
		prep, err := prepareRayNode(ctx, ic)
		if err != nil {
			return launcher.ExitLauncherFailed, err
		}
		defer prep.cleanup(log)
		env, attrs = append(env, prep.env...), prep.attrs
	}
	shipper, err := api.NewLineShipper(ctx, amapi.ShipperOptions{
		Source: logline.Source{Role: role, Rank: rank, Container: container}, Log: log,
	})
	if err != nil {
		return launcher.ExitLauncherFailed, err
	}
	res, runErr := launcher.Run(ctx, launcher.Options{
		Command: spec.Command, Role: role, Rank: rank, AppID: spec.AppID, ContainerID: container,
		Host: os.Getenv("NM_HOST"), Attrs: attrs, Dir: ic.wd, BaseEnv: env, LogDir: firstDir(os.Getenv("LOG_DIRS")),
		Coordinator: api, Sink: shipSink{ctx: ctx, s: shipper}, Logger: log, Guard: guardArgv(log),
	})
	// Flush what the command printed even when we are being stopped: the NM's SIGKILL comes soon,
	// so bound the wait.
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := shipper.Close(flushCtx); err != nil {
		log.WithError(err).Warn("some output lines may not have reached the application master")
	}
	return res.ExitCode, runErr
}

// withPathFirst puts dir at the front of PATH in env.
func withPathFirst(env []string, dir string) []string {
	out := make([]string, 0, len(env)+1)
	path := "/usr/local/bin:/usr/bin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PATH="+dir+":"+path)
}

// guardArgv starts this same binary as the launch's guard (see launcher.Guard); without a path
// to ourselves the launch goes on unguarded.
func guardArgv(log *logrus.Entry) func(string) []string {
	exe, err := os.Executable()
	if err != nil {
		log.WithError(err).Warn("no guard for this launch: cannot find the orca-yarn binary")
		return nil
	}
	return func(id string) []string { return []string{exe, "launch-guard", "--launch-id", id} }
}

func launchGuardCommand() *cli.Command {
	return &cli.Command{
		Name:   "launch-guard",
		Usage:  "end a launch's processes if its launcher dies (inside a container)",
		Hidden: true,
		Flags:  []cli.Flag{&cli.StringFlag{Name: "launch-id", Required: true}},
		Action: func(c *cli.Context) error {
			// The guard outlives the container's process group on purpose; it must not die of
			// the signals meant for it.
			signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
			return launcher.RunGuard(c.Context, os.Stdin, c.String("launch-id"), time.Second, logger(c))
		},
	}
}

// shipSink adapts the AM client's shipper (which numbers lines itself) to the launcher.
type shipSink struct {
	ctx context.Context
	s   *amapi.LineShipper
}

// Ship keeps shipping after a stop signal: what the command prints while it shuts down matters
// most, and the NodeManager's SIGKILL bounds the wait anyway.
func (s shipSink) Ship(l logline.Line) error { return s.s.Ship(context.WithoutCancel(s.ctx), l) }

func firstDir(list string) string {
	first, _, _ := strings.Cut(list, ",")
	return first
}
