package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/orca-yarn/orca-yarn/submitter"
	"github.com/orca-yarn/orca-yarn/submitter/cachegc"
	"github.com/urfave/cli/v2"
)

// gcCommand collects what the user's orca-yarn keeps on HDFS and nothing needs: envs, builds of
// this binary and `cache put` files unused for a while, staging directories of ended
// applications, dead uploads, and this machine's Ray token directories of ended applications.
func gcCommand() *cli.Command {
	return &cli.Command{
		Name:  "gc",
		Usage: "remove cached envs, binaries and files not used lately, and what ended applications left",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "unused-for", Value: "30d", Usage: "remove cached entries not used for `AGE` (30d, 36h) that no live application names"},
			&cli.BoolFlag{Name: "dry-run", Usage: "list what would be removed and remove nothing"},
			&cli.BoolFlag{Name: "include-public", Usage: "also remove --public-env archives (other users' applications may use them)"},
			outputFlag,
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError(fmt.Errorf("gc takes no arguments (got %q)", c.Args().First()))
			}
			if err := checkOutput(c); err != nil {
				return usageError(err)
			}
			age, err := cachegc.ParseAge(c.String("unused-for"))
			if err != nil {
				return usageError(fmt.Errorf("--unused-for %w", err))
			}
			cl, err := connect(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			ctx, cancel := context.WithTimeout(c.Context, 10*time.Minute)
			defer cancel()
			rep, err := cl.GC(ctx, submitter.GCOptions{UnusedFor: age, DryRun: c.Bool("dry-run"), IncludePublic: c.Bool("include-public")})
			if err != nil && len(rep.Entries)+len(rep.Staging)+len(rep.Local) == 0 {
				return err
			}
			if perr := printGC(c, rep); perr != nil && err == nil {
				err = perr
			}
			return err
		},
	}
}

func printGC(c *cli.Context, rep submitter.GCReport) error {
	if c.String("output") == "json" {
		return json.NewEncoder(c.App.Writer).Encode(rep)
	}
	verb := "removed"
	if rep.DryRun {
		verb = "would remove"
	}
	tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
	for _, it := range rep.Entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", it.Path, human(it.Bytes), it.Why)
	}
	for _, d := range rep.Staging {
		fmt.Fprintf(tw, "%s\t\tstaging of an ended application\n", d)
	}
	for _, d := range rep.Local {
		fmt.Fprintf(tw, "%s\t\tthis machine's files of an ended application\n", d)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(c.App.Writer, "%s %d cached entries (%s), %d staging directories, %d local directories; kept what %d live applications use\n",
		verb, len(rep.Entries), human(rep.Bytes), len(rep.Staging), len(rep.Local), rep.LiveApps)
	return err
}
