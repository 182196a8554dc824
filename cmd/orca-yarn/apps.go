package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/orca-yarn/orca-yarn/submitter"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
)

// Commands that look at or act on existing applications through the RM.

var (
	tagFlag    = &cli.StringFlag{Name: "tag", Usage: "select the application(s) by tag instead of by id"}
	outputFlag = &cli.StringFlag{Name: "output", Value: "text", Usage: "text or json"}
)

func connect(c *cli.Context) (*submitter.Cluster, error) {
	return submitter.Connect(c.Context, os.Getenv, logger(c), submitter.Login{
		Principal: c.String("principal"), Keytab: c.String("keytab"), ProxyUser: c.String("proxy-user"),
	})
}

func logger(c *cli.Context) *logrus.Entry {
	l := logrus.New()
	l.SetOutput(c.App.ErrWriter)
	if lv, err := logrus.ParseLevel(c.String("log-level")); err == nil {
		l.SetLevel(lv)
	}
	return logrus.NewEntry(l)
}

func selector(c *cli.Context) submitter.Selector {
	return submitter.Selector{ID: c.Args().First(), Tag: c.String("tag")}
}

// onCluster is the frame of the commands that ask the RM something: a checked --output (where
// the command has one), a connected cluster, and a one-minute deadline.
func onCluster(fn func(ctx context.Context, c *cli.Context, cl *submitter.Cluster) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		if c.String("output") != "" {
			if err := checkOutput(c); err != nil {
				return usageError(err)
			}
		}
		cl, err := connect(c)
		if err != nil {
			return err
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(c.Context, time.Minute)
		defer cancel()
		return fn(ctx, c, cl)
	}
}

func checkOutput(c *cli.Context) error {
	if o := c.String("output"); o != "text" && o != "json" {
		return fmt.Errorf("--output %q: want text or json", o)
	}
	return nil
}

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "show an application's state; exit code as the application's (0 running or succeeded)",
		ArgsUsage: "APP_ID | --tag TAG",
		Flags:     []cli.Flag{tagFlag, outputFlag},
		Action: onCluster(func(ctx context.Context, c *cli.Context, cl *submitter.Cluster) error {
			apps, err := cl.Resolve(ctx, selector(c), false)
			if err != nil {
				return err
			}
			if len(apps) == 0 {
				return fmt.Errorf("%w: no application tagged %s", submitter.ErrBadInput, c.String("tag"))
			}
			r := apps[0]
			if c.String("output") == "json" {
				err = submitter.ResultOf(r).PrintJSON(c.App.Writer)
			} else {
				err = submitter.PrintStatus(c.App.Writer, r)
			}
			if err != nil {
				return err
			}
			return submitter.ResultOf(r).ExitClass()
		}),
	}
}

func listCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list your orca-yarn applications",
		Flags: []cli.Flag{
			tagFlag, outputFlag,
			&cli.StringSliceFlag{Name: "state", Usage: "only these states (RUNNING, FINISHED, FAILED, KILLED, ACCEPTED, ...)"},
		},
		Action: onCluster(func(ctx context.Context, c *cli.Context, cl *submitter.Cluster) error {
			f := yarn.ApplicationFilter{Types: []string{submitter.ApplicationType}, Users: []string{cl.User}}
			if t := c.String("tag"); t != "" {
				f.Tags = []string{t}
			}
			for _, s := range c.StringSlice("state") {
				st := yarn.AppState(s)
				if !st.Known() {
					return usageError(fmt.Errorf("--state %s: want one of NEW, NEW_SAVING, SUBMITTED, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED", s))
				}
				f.States = append(f.States, st)
			}
			apps, err := cl.RM.Applications(ctx, f)
			if err != nil {
				return fmt.Errorf("%w: list applications: %w", submitter.ErrCluster, err)
			}
			return submitter.PrintReports(c.App.Writer, apps, c.String("output"))
		}),
	}
}

func killCommand() *cli.Command {
	return &cli.Command{
		Name:      "kill",
		Usage:     "kill a running application (every live one with --tag)",
		ArgsUsage: "APP_ID | --tag TAG",
		Flags:     []cli.Flag{tagFlag},
		Action: onCluster(func(ctx context.Context, c *cli.Context, cl *submitter.Cluster) error {
			apps, err := cl.Resolve(ctx, selector(c), false)
			if err != nil {
				return err
			}
			for _, r := range apps {
				if r.State.Terminal() {
					fmt.Fprintf(c.App.Writer, "%s already ended: %s/%s\n", r.ID, r.State, r.FinalStatus)
					continue
				}
				if err := cl.RM.Kill(ctx, r.ID, "killed with orca-yarn kill by "+cl.User); err != nil {
					return fmt.Errorf("%w: kill %s: %w", submitter.ErrCluster, r.ID, err)
				}
				// A killed AM gets no chance to remove the staging directory (with the app secret).
				if err := cl.CleanupStaging(ctx, r.ID); err != nil {
					logger(c).WithError(err).Warn("staging directory not removed")
				}
				fmt.Fprintf(c.App.Writer, "%s killed\n", r.ID)
			}
			return nil
		}),
	}
}
