package launcher

import (
	"context"
	"errors"
	"slices"
	"syscall"
	"testing"

	"github.com/orca-yarn/orca-yarn/barrier"
)

func TestCommandEnv(t *testing.T) {
	o := &Options{AppID: "application_1_0002", Role: "worker", Rank: 3, LaunchID: "f00d"}
	plan := barrier.Plan{Generation: 2, WorldSize: 4, HeadHost: "node-a"}
	base := []string{"PATH=/env/bin", "ORCA_YARN_RANK=99", "ORCA_YARN_RANKING=keep", "NOVALUE", "HOME=/h"}
	got := commandEnv(base, o, plan, "/w/plan.json")
	want := []string{
		"PATH=/env/bin", "ORCA_YARN_RANKING=keep", "NOVALUE", "HOME=/h",
		"ORCA_YARN_APP_ID=application_1_0002", "ORCA_YARN_ROLE=worker", "ORCA_YARN_RANK=3",
		"ORCA_YARN_WORLD_SIZE=4", "ORCA_YARN_HEAD_HOST=node-a", "ORCA_YARN_GENERATION=2",
		"ORCA_YARN_LAUNCH_ID=f00d", "ORCA_YARN_PLAN_FILE=/w/plan.json",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("commandEnv =\n%q\nwant\n%q", got, want)
	}
	if base[1] != "ORCA_YARN_RANK=99" {
		t.Fatal("commandEnv changed its input")
	}
}

type nopCoordinator struct{}

func (nopCoordinator) Join(context.Context, barrier.Member) (barrier.Plan, error) {
	return barrier.Plan{}, nil
}
func (nopCoordinator) Watch(context.Context, int, int) error { return nil }

func TestRunRejectsBadOptions(t *testing.T) {
	good := Options{Command: "true", Role: "command", Coordinator: nopCoordinator{}, Sink: &recSink{}}
	tests := []struct {
		name   string
		change func(*Options)
	}{
		{"no command", func(o *Options) { o.Command = "" }},
		{"no role", func(o *Options) { o.Role = "" }},
		{"negative rank", func(o *Options) { o.Rank = -1 }},
		{"no coordinator", func(o *Options) { o.Coordinator = nil }},
		{"no sink", func(o *Options) { o.Sink = nil }},
		{"negative grace", func(o *Options) { o.Grace = -1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			tc.change(&o)
			// Validation comes before anything else, so this test process never becomes a subreaper.
			if res, err := Run(t.Context(), o); !errors.Is(err, ErrBadOptions) || res.ExitCode != ExitLauncherFailed {
				t.Fatalf("Run = %+v, %v; want ErrBadOptions and ExitLauncherFailed", res, err)
			}
		})
	}
	if err := good.validate(); err != nil {
		t.Fatalf("good options rejected: %v", err)
	}
}

func TestExitOf(t *testing.T) {
	tests := []struct {
		ws   syscall.WaitStatus // as wait4 encodes it
		want Exit
		str  string
	}{
		{0, Exit{Code: 0}, "exit 0"},
		{3 << 8, Exit{Code: 3}, "exit 3"},
		{255 << 8, Exit{Code: 255}, "exit 255"},
		{9, Exit{Code: 137, Signal: syscall.SIGKILL}, "killed by SIGKILL (137)"},
		{15 | 0x80, Exit{Code: 143, Signal: syscall.SIGTERM}, "killed by SIGTERM (143)"}, // core flag
	}
	for _, tc := range tests {
		got := exitOf(tc.ws)
		if got != tc.want || got.String() != tc.str {
			t.Errorf("exitOf(%#x) = %+v %q, want %+v %q", int(tc.ws), got, got, tc.want, tc.str)
		}
	}
}

func TestPlanFileRoundTrip(t *testing.T) {
	plan := barrier.Plan{Epoch: 2, Generation: 3, WorldSize: 2, HeadHost: "h0", Members: []barrier.Member{
		{Rank: 0, Host: "h0", ContainerID: "c0", Attrs: map[string]string{"gcs_port": "6380"}},
		{Rank: 1, Host: "h1", ContainerID: "c1"},
	}}
	path, err := writePlan(t.TempDir(), plan)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadPlan(path)
	if err != nil || got.Members[0].Attrs["gcs_port"] != "6380" || got.Generation != 3 || len(got.Members) != 2 {
		t.Fatalf("ReadPlan = %+v, %v", got, err)
	}
	if _, err := ReadPlan(path + ".missing"); err == nil {
		t.Fatal("ReadPlan of a missing file succeeded")
	}
}
