package yarn

import (
	"reflect"
	"testing"
)

func TestResourceProtoRoundTrip(t *testing.T) {
	for _, r := range []Resource{
		{MemoryMB: 1024, VCores: 1},
		{MemoryMB: 8192, VCores: 4, GPUs: 2},
		{MemoryMB: 512, VCores: 2, Other: map[string]int64{"example.com/fpga": 1}},
	} {
		if got := ResourceFromProto(r.Proto()); !reflect.DeepEqual(got, r) {
			t.Errorf("round trip %+v -> %+v", r, got)
		}
	}
	if n := len((Resource{MemoryMB: 1, VCores: 1}).Proto().GetResourceValueMap()); n != 0 {
		t.Errorf("memory/vcores must not be repeated in resource_value_map, got %d entries", n)
	}
}

func TestResourceFitsNamesTheShortfall(t *testing.T) {
	limit := Resource{MemoryMB: 16384, VCores: 8, GPUs: 2}
	cases := []struct {
		ask  Resource
		ok   bool
		want string
	}{
		{Resource{MemoryMB: 16384, VCores: 8, GPUs: 2}, true, ""},
		{Resource{MemoryMB: 65536, VCores: 1}, false, "memory 65536 MiB > 16384 MiB"},
		{Resource{MemoryMB: 1024, VCores: 9}, false, "vcores 9 > 8"},
		{Resource{MemoryMB: 1024, VCores: 1, GPUs: 4}, false, "yarn.io/gpu 4 > 2"},
		{Resource{MemoryMB: 1, VCores: 1, Other: map[string]int64{"x/y": 1}}, false, "x/y 1 > 0"},
	}
	for _, c := range cases {
		ok, why := c.ask.FitsIn(limit)
		if ok != c.ok || why != c.want {
			t.Errorf("%v in %v = %v %q, want %v %q", c.ask, limit, ok, why, c.ok, c.want)
		}
	}
}

func TestResourceString(t *testing.T) {
	if got := (Resource{MemoryMB: 2048, VCores: 1, GPUs: 1}).String(); got != "2048 MiB, 1 vcore, 1 GPU" {
		t.Errorf("String() = %q", got)
	}
	if got := (Resource{MemoryMB: 2048, VCores: 2}).String(); got != "2048 MiB, 2 vcores" {
		t.Errorf("String() = %q", got)
	}
}
