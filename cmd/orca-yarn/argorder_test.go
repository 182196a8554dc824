package main

import (
	"io"
	"slices"
	"strings"
	"testing"
)

func TestFlagsFirstMovesFlagsBeforeArguments(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	cases := []struct{ in, want []string }{
		{[]string{"orca-yarn", "status", "application_1_0001", "--output", "json"},
			[]string{"orca-yarn", "status", "--output", "json", "application_1_0001"}},
		{[]string{"orca-yarn", "--log-level", "debug", "cache", "put", "jars.zip", "--output=json"},
			[]string{"orca-yarn", "--log-level", "debug", "cache", "put", "--output=json", "jars.zip"}},
		{[]string{"orca-yarn", "kill", "application_1_0001", "--tag", "nightly"},
			[]string{"orca-yarn", "kill", "--tag", "nightly", "application_1_0001"}},
		// submit: what follows SCRIPT.py is the script's
		{[]string{"orca-yarn", "submit", "train.py", "--epochs", "5"},
			[]string{"orca-yarn", "submit", "train.py", "--epochs", "5"}},
		// after --, nothing is a flag
		{[]string{"orca-yarn", "logs", "app", "--", "--output"},
			[]string{"orca-yarn", "logs", "app", "--", "--output"}},
		{[]string{"orca-yarn", "no-such-command", "x", "--y"},
			[]string{"orca-yarn", "no-such-command", "x", "--y"}},
		{[]string{"orca-yarn"}, []string{"orca-yarn"}},
	}
	for _, c := range cases {
		if got := flagsFirst(app, c.in); !slices.Equal(got, c.want) {
			t.Errorf("flagsFirst(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// The flag after the FILE is parsed: the bad --output value is reported, not silently ignored.
func TestFlagAfterArgumentIsParsed(t *testing.T) {
	t.Setenv("HADOOP_CONF_DIR", t.TempDir())
	var stderr strings.Builder
	code := run([]string{"orca-yarn", "status", "application_1_0001", "--output", "yaml"}, io.Discard, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), `--output "yaml"`) {
		t.Fatalf("exit %d, stderr %q: --output yaml after the APP_ID was not read", code, stderr.String())
	}
}
