package core

import (
	"errors"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/yarn"
)

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		250 * time.Millisecond:              "250ms",
		30 * time.Second:                    "30s",
		time.Minute:                         "1m",
		90 * time.Second:                    "1m30s",
		2*time.Hour + 1500*time.Millisecond: "2h0m2s",
		3 * time.Hour:                       "3h",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestRoomFor(t *testing.T) {
	ask := yarn.Resource{MemoryMB: 4096, VCores: 2, GPUs: 1}
	for _, tc := range []struct {
		headroom yarn.Resource
		want     int64
	}{
		{yarn.Resource{MemoryMB: 16384, VCores: 16, GPUs: 8}, 4},
		{yarn.Resource{MemoryMB: 16384, VCores: 3, GPUs: 8}, 1},
		{yarn.Resource{MemoryMB: 16384, VCores: 16, GPUs: 0}, 0},
		{yarn.Resource{MemoryMB: -1024, VCores: 16, GPUs: 8}, 0},
	} {
		if got := roomFor(tc.headroom, ask); got != tc.want {
			t.Errorf("roomFor(%s) = %d, want %d", tc.headroom, got, tc.want)
		}
	}
}

func TestFirstLine(t *testing.T) {
	for in, want := range map[string]string{
		"":              "",
		"  one line  ":  "one line",
		"first\nsecond": "first",
		"héhéhé":        "héh…",
		"Exception from container-launch.\nExit code: 3": "Exception from container-launch.",
	} {
		limit := 300
		if in == "héhéhé" {
			limit = 5 // inside the second é: the cut must not split it
		}
		if got := firstLine(in, limit); got != want {
			t.Errorf("firstLine(%q, %d) = %q, want %q", in, limit, got, want)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	c, err := New(Config{NumNodes: 2, Resource: yarn.Resource{MemoryMB: 1024, VCores: 1}, AllocationTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	got := c.cfg
	if got.JoinTimeout != DefaultJoinTimeout || got.RecoveryTimeout != DefaultRecoveryTimeout ||
		got.MaxLaunchFailures != DefaultMaxLaunchFailures || got.Completion != EveryRankExits ||
		got.AttemptNumber != 1 || got.Roles(1) != RoleCommand {
		t.Errorf("defaults not applied: %+v", got)
	}
	if _, err := New(Config{NumNodes: 2, Resource: yarn.Resource{MemoryMB: 1024, VCores: 1}, AllocationTimeout: time.Minute,
		Completion: ClientEnds + 1}); !errors.Is(err, ErrBadConfig) {
		t.Errorf("unknown completion: err = %v, want ErrBadConfig", err)
	}
}

func TestRayRoles(t *testing.T) {
	if RayRoles(0) != RoleHead || RayRoles(1) != RoleWorker || RayRoles(7) != RoleWorker {
		t.Error("rank 0 must be the head and every other rank a worker")
	}
}
