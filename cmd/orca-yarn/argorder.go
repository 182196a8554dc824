package main

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// urfave/cli v2 stops reading flags at the first positional argument, so `status APP --output
// json` would silently print text. flagsFirst moves a command's flags (with their values) before
// its positional arguments, which is what users type after the APP_ID or FILE. Commands whose
// arguments belong to someone else are left alone: submit's SCRIPT.py takes its own flags, and
// the hidden container roles are called by us.
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	i := 1 + flagSpan(app.Flags, args[1:]) // global flags
	if i >= len(args) {
		return args
	}
	leaf := app.Command(args[i])
	for i++; leaf != nil && len(leaf.Subcommands) > 0 && i < len(args); i++ {
		leaf = leaf.Command(args[i])
	}
	if leaf == nil || len(leaf.Subcommands) > 0 || leaf.Hidden || leaf.SkipFlagParsing || leaf.Name == "submit" {
		return args
	}
	var flags, positional []string
	rest := args[i:]
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		if a == "--" {
			positional = append(positional, rest[j:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		n := 1
		if takesValue(leaf.Flags, a) && j+1 < len(rest) {
			n = 2
		}
		flags = append(flags, rest[j:j+n]...)
		j += n - 1
	}
	out := append([]string{}, args[:i]...)
	out = append(out, flags...)
	return append(out, positional...)
}

// flagSpan counts the leading arguments that are flags of set (with their values).
func flagSpan(set []cli.Flag, args []string) int {
	n := 0
	for n < len(args) && strings.HasPrefix(args[n], "-") && args[n] != "-" && args[n] != "--" {
		if takesValue(set, args[n]) {
			n++
		}
		n++
	}
	return min(n, len(args))
}

// takesValue: arg is `--name` or `-name` of a flag in set that takes a value (as the flag says
// itself), without an `=value`.
func takesValue(set []cli.Flag, arg string) bool {
	name := strings.TrimLeft(arg, "-")
	if strings.Contains(name, "=") {
		return false
	}
	for _, f := range set {
		if slices.Contains(f.Names(), name) {
			d, ok := f.(cli.DocGenerationFlag)
			return ok && d.TakesValue()
		}
	}
	return false
}
