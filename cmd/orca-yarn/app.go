package main

import (
	"fmt"
	"io"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
)

// Exit codes are part of the CLI contract (design.md §3); only this package decides them.
const (
	exitOK            = 0
	exitAppFailed     = 1
	exitUsage         = 2
	exitCluster       = 3
	exitResources     = 4
	exitKilledByOther = 5
	exitSIGINT        = 130
	exitSIGTERM       = 143
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:      "orca-yarn",
		Usage:     "run a Python program (Ray, Spark, or any command) on a YARN cluster",
		Version:   version,
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error", EnvVars: []string{"ORCA_YARN_LOG_LEVEL"}},
		},
		Before: func(c *cli.Context) error {
			if _, err := logrus.ParseLevel(c.String("log-level")); err != nil {
				return usageError(fmt.Errorf("--log-level %q: want debug, info, warn or error", c.String("log-level")))
			}
			return nil
		},
		Commands: []*cli.Command{
			versionCommand(),
			statusCommand(),
			listCommand(),
			killCommand(),
			submitCommand(),
			attachCommand(),
			logsCommand(),
			packCommand(),
			cacheCommand(),
			gcCommand(),
			amCommand(),
			launchCommand(),
			launchGuardCommand(),
			rayNodeCommand(),
		},
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {}, // run() maps errors to exit codes
	}
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version of this binary",
		Action: func(c *cli.Context) error {
			_, err := fmt.Fprintf(c.App.Writer, "orca-yarn %s\n", version)
			return err
		},
	}
}

// usageError marks errors caused by how the command was called (exit 2).
func usageError(err error) error { return withExitCode(exitUsage, err) }

// run executes the CLI and maps the outcome to a documented exit code.
func run(args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.Run(flagsFirst(app, args))
	if err == nil {
		return exitOK
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(stderr, "orca-yarn: %s\n", msg)
	}
	return exitCodeFor(err)
}
