package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/orca-yarn/orca-yarn/amapi"
	"github.com/orca-yarn/orca-yarn/appmaster"
	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/launcher"
	"github.com/orca-yarn/orca-yarn/logline"
	"github.com/orca-yarn/orca-yarn/submitter"
	"github.com/orca-yarn/orca-yarn/yarn"
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
	wd, err := os.Getwd()
	if err != nil {
		return launcher.ExitLauncherFailed, err
	}
	spec, err := appspec.Load(filepath.Join(wd, appspec.FileName))
	if err != nil {
		return launcher.ExitLauncherFailed, err
	}
	creds, err := security.ReadFile(os.Getenv("HADOOP_TOKEN_FILE_LOCATION"))
	if err != nil {
		return launcher.ExitLauncherFailed, err
	}
	secret, ok := creds.Secret(appspec.SecretAlias)
	if !ok {
		return launcher.ExitLauncherFailed, fmt.Errorf("the application secret is missing from the container credentials")
	}
	rank, err := strconv.Atoi(os.Getenv(appspec.EnvRank))
	if err != nil {
		return launcher.ExitLauncherFailed, fmt.Errorf("%s: %w", appspec.EnvRank, err)
	}
	role, container := os.Getenv(appspec.EnvRole), os.Getenv("CONTAINER_ID")
	// amapi's default HTTP client ignores HTTP_PROXY: the AM is inside the cluster network.
	api := amapi.NewClient("http://"+os.Getenv(appspec.EnvAMAddress), secret, nil)
	api.Log = log
	if id, err := yarn.ParseApplicationID(spec.AppID); err == nil {
		api.Locate = locateAM(id, log)
	}
	shipper, err := api.NewLineShipper(ctx, amapi.ShipperOptions{
		Source: logline.Source{Role: role, Rank: rank, Container: container}, Log: log,
	})
	if err != nil {
		return launcher.ExitLauncherFailed, err
	}
	res, runErr := launcher.Run(ctx, launcher.Options{
		Command: spec.Command, Role: role, Rank: rank, AppID: spec.AppID, ContainerID: container,
		Host: os.Getenv("NM_HOST"), Dir: wd, BaseEnv: os.Environ(), LogDir: firstDir(os.Getenv("LOG_DIRS")),
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

// locateAM finds the application master after it restarted (a new attempt listens elsewhere) by
// asking the RM, with the NodeManager's Hadoop configuration and as the application's user.
func locateAM(id yarn.ApplicationID, log *logrus.Entry) func(context.Context) (string, error) {
	getenv := func(k string) string {
		if v := os.Getenv(k); v != "" || k != "HADOOP_USER_NAME" {
			return v
		}
		return os.Getenv("USER") // the NodeManager sets it to the application's user
	}
	return func(ctx context.Context) (string, error) {
		cl, err := submitter.Connect(getenv, log)
		if err != nil {
			return "", err
		}
		defer cl.Close()
		return cl.AMBaseURL(ctx, id)
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
