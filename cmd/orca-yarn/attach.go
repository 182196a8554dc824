package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/submitter"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/urfave/cli/v2"
)

// follow streams a running application to the terminal and ends with its outcome: the same exit
// code whether this process submitted it or attached later. A signal kills the application.
func follow(ctx context.Context, c *cli.Context, cl *submitter.Cluster, id yarn.ApplicationID, secret security.Secret,
	output string, lease bool, interrupted func() os.Signal) error {
	res, err := cl.Follow(ctx, id, secret, submitter.FollowOptions{
		Stdout: c.App.Writer, Stderr: c.App.ErrWriter, Lease: lease, Progress: progressPrinter(c),
	})
	if err != nil {
		return killIfInterrupted(ctx, cl, id, interrupted, err)
	}
	if err := cl.CleanupStaging(ctx, id); err != nil {
		logger(c).WithError(err).Warn("staging directory not removed")
	}
	return printResult(c, res, output)
}

// killIfInterrupted: when a signal ended our wait, the application is killed (Airflow's
// SIGTERM must not leave it running) and the error says so; otherwise err is returned.
func killIfInterrupted(ctx context.Context, cl *submitter.Cluster, id yarn.ApplicationID, interrupted func() os.Signal, err error) error {
	sig := interrupted()
	if sig == nil {
		return err
	}
	killCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if kerr := cl.RM.Kill(killCtx, id, fmt.Sprintf("the submitting client got %s", sig)); kerr != nil {
		return fmt.Errorf("%w: %s received but killing %s failed: %w", submitter.ErrCluster, sig, id, kerr)
	}
	_ = cl.CleanupStaging(killCtx, id)
	return interruptedError(sig, fmt.Errorf("killed %s", id))
}

func printResult(c *cli.Context, res submitter.Result, output string) error {
	if output == "json" {
		if err := res.PrintJSON(c.App.Writer); err != nil {
			return err
		}
	} else if res.ExitCode > 0 {
		fmt.Fprintf(c.App.ErrWriter, "orca-yarn: %s ended %s/%s (exit %d): %s\n", res.AppID, res.State, res.FinalStatus, res.ExitCode, res.Diagnostics)
	}
	if err := res.ExitClass(); err != nil {
		// Already printed in full above; keep the returned error short.
		return exitOnly(err)
	}
	return nil
}

// report prints where a detached application is and returns at once.
func report(ctx context.Context, c *cli.Context, cl *submitter.Cluster, id yarn.ApplicationID, output string, _ bool) error {
	r, err := cl.RM.Report(ctx, id)
	if err != nil {
		return fmt.Errorf("%w: %s submitted, but its report failed: %w", submitter.ErrCluster, id, err)
	}
	res := submitter.ResultOf(r)
	if output == "json" {
		return res.PrintJSON(c.App.Writer)
	}
	fmt.Fprintf(c.App.Writer, "%s submitted (%s); follow it with: orca-yarn attach %s\n", id, r.State, id)
	return nil
}

// attachTagged handles --if-tagged: with a live application carrying the tag, attach to it (an
// Airflow retry must not submit twice) or fail. attached is false when there is none.
func attachTagged(ctx context.Context, c *cli.Context, cl *submitter.Cluster, o submitter.Options, interrupted func() os.Signal) (bool, error) {
	for _, tag := range o.Tags {
		apps, err := cl.Resolve(ctx, submitter.Selector{Tag: tag}, true)
		if err != nil {
			return false, err
		}
		if len(apps) == 0 {
			continue
		}
		if o.IfTagged == "fail" {
			return true, fmt.Errorf("%w: %s is already running with tag %s (--if-tagged fail)", submitter.ErrBadInput, apps[0].ID, tag)
		}
		fmt.Fprintf(c.App.ErrWriter, "orca-yarn: attaching to %s, already running with tag %s\n", apps[0].ID, tag)
		return true, attachTo(ctx, c, cl, apps[0].ID, o.Output, interrupted)
	}
	return false, nil
}

func attachTo(ctx context.Context, c *cli.Context, cl *submitter.Cluster, id yarn.ApplicationID, output string, interrupted func() os.Signal) error {
	r, err := cl.RM.Report(ctx, id)
	if err != nil {
		return fmt.Errorf("%w: %w", submitter.ErrCluster, err)
	}
	if r.State.Terminal() {
		return printResult(c, submitter.ResultOf(r), output)
	}
	secret, err := cl.ReadSecret(ctx, id)
	if err != nil {
		return err
	}
	return follow(ctx, c, cl, id, secret, output, true, interrupted)
}

func attachCommand() *cli.Command {
	return &cli.Command{
		Name:      "attach",
		Usage:     "follow a running application's output until it ends; exit with its exit code",
		ArgsUsage: "APP_ID | --tag TAG",
		Flags:     []cli.Flag{tagFlag, outputFlag},
		Action: func(c *cli.Context) error {
			if err := checkOutput(c); err != nil {
				return usageError(err)
			}
			ctx, interrupted := interruptContext(c.Context)
			cl, err := connect(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			apps, err := cl.Resolve(ctx, selector(c), c.String("tag") != "")
			if err != nil {
				return err
			}
			if len(apps) == 0 {
				return fmt.Errorf("%w: no live application tagged %s", submitter.ErrBadInput, c.String("tag"))
			}
			return attachTo(ctx, c, cl, apps[0].ID, c.String("output"), interrupted)
		},
	}
}

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "print an application's output: live from its AM while it runs, from HDFS once it ended",
		ArgsUsage: "APP_ID | --tag TAG",
		Flags: []cli.Flag{tagFlag, &cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep streaming until the application ends"},
			&cli.BoolFlag{Name: "all-files", Usage: "after the end: every file YARN kept, not only stdout and stderr"}},
		Action: func(c *cli.Context) error {
			ctx, _ := interruptContext(c.Context)
			cl, err := connect(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			apps, err := cl.Resolve(ctx, selector(c), false)
			if err != nil {
				return err
			}
			if len(apps) == 0 {
				return fmt.Errorf("%w: no application tagged %s", submitter.ErrBadInput, c.String("tag"))
			}
			err = cl.Logs(ctx, apps[0], c.Bool("follow"), c.Bool("all-files"), submitter.FollowOptions{Stdout: c.App.Writer, Stderr: c.App.ErrWriter})
			if ctx.Err() != nil {
				return nil // interrupted by the user: leave the application alone
			}
			return err
		},
	}
}
