package submitter

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseMiB(t *testing.T) {
	cases := map[string]int64{"1024": 1024, "512m": 512, "8g": 8192, "8G": 8192, "2gb": 2048, "1t": 1 << 20, "2048k": 2, "1536MiB": 1536}
	for in, want := range cases {
		got, err := ParseMiB(in)
		if err != nil || got != want {
			t.Errorf("ParseMiB(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "lots", "1.5g", "-1g", "8x"} {
		if _, err := ParseMiB(bad); err == nil {
			t.Errorf("ParseMiB(%q) accepted", bad)
		}
	}
}

func TestValidateNamesTheFlagAndTheFix(t *testing.T) {
	ok := Defaults()
	ok.Command = "hostname"
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults with a command: %v", err)
	}
	cases := []struct {
		edit func(*Options)
		want string
	}{
		{func(o *Options) { o.Command = "" }, "nothing to run"},
		{func(o *Options) { o.Script = "train.py" }, "use one"},
		{func(o *Options) { o.NumNodes = 0 }, "--num-nodes 0"},
		{func(o *Options) { o.MinNodes = 5; o.NumNodes = 3 }, "--min-nodes 5"},
		{func(o *Options) { o.Memory = "huge" }, "--memory"},
		{func(o *Options) { o.Memory = "32m" }, "below 64 MiB"},
		{func(o *Options) { o.AMMemory = "1.5g" }, "--am-memory"},
		{func(o *Options) { o.AllocTimeout = 0 }, "--allocation-timeout"},
		{func(o *Options) { o.Output = "yaml" }, "--output"},
		{func(o *Options) { o.IfTagged = "attach" }, "needs a --tag"},
		{func(o *Options) { o.Tags = []string{"a,b"} }, "--tag"},
		{func(o *Options) { o.MaxAttempts = 0; o.AllocTimeout = time.Minute }, "--max-attempts"},
	}
	for _, c := range cases {
		o := ok
		c.edit(&o)
		err := o.Validate()
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want ErrBadInput mentioning %q, got %v", c.want, err)
		}
	}
}
