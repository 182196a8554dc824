package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// progressPrinter shows start-up progress: one rewritten line on a terminal, nothing otherwise
// (log files and Airflow get the plain log lines instead).
func progressPrinter(c *cli.Context) func(string) {
	f, ok := c.App.ErrWriter.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return func(s string) { fmt.Fprintf(f, "\r\033[K%s", s) }
}
