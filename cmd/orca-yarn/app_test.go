package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestVersionPrintsBuildVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"orca-yarn", "version"}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if got, want := out.String(), "orca-yarn "+version+"\n"; got != want {
		t.Fatalf("stdout %q, want %q", got, want)
	}
}

func TestHelpListsCommands(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"orca-yarn", "--help"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if !strings.Contains(out.String(), "version") {
		t.Fatalf("help does not list the version command:\n%s", out.String())
	}
}

func TestBadUsageExitsTwo(t *testing.T) {
	cases := [][]string{
		{"orca-yarn", "--no-such-flag"},
		{"orca-yarn", "--log-level", "loud", "version"},
	}
	for _, args := range cases {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitUsage, errOut.String())
		}
		if !strings.HasPrefix(errOut.String(), "orca-yarn: ") {
			t.Errorf("%v: stderr %q lacks the one-line error", args, errOut.String())
		}
	}
}

func TestClassifiedErrorKeepsItsCode(t *testing.T) {
	err := withExitCode(exitResources, errors.New("asked 64 GiB, max allocation is 16 GiB"))
	if got := exitCodeFor(err); got != exitResources {
		t.Fatalf("exit code %d, want %d", got, exitResources)
	}
	if withExitCode(exitCluster, nil) != nil {
		t.Fatal("withExitCode(nil) must stay nil")
	}
}
