package yarn

import (
	"fmt"
	"sort"
	"strings"

	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

// GPUResourceName is YARN's resource type for GPUs (declared in resource-types.xml).
const GPUResourceName = "yarn.io/gpu"

// Resource is an amount of cluster resources: a container size, a node's capacity, headroom.
type Resource struct {
	MemoryMB int64
	VCores   int32
	GPUs     int64
	// Other countable resource types by name (e.g. "example.com/fpga"); nil when there are none.
	Other map[string]int64
}

// Proto converts to the wire record. Like Java's ResourcePBImpl, memory and vcores travel in
// their own fields and only the further types go into resource_value_map.
func (r Resource) Proto() *yarnpb.ResourceProto {
	p := &yarnpb.ResourceProto{Memory: proto.Int64(r.MemoryMB), VirtualCores: proto.Int32(r.VCores)}
	if r.GPUs > 0 {
		p.ResourceValueMap = append(p.ResourceValueMap, resourceInfo(GPUResourceName, r.GPUs))
	}
	for _, name := range sortedKeys(r.Other) {
		p.ResourceValueMap = append(p.ResourceValueMap, resourceInfo(name, r.Other[name]))
	}
	return p
}

func resourceInfo(name string, value int64) *yarnpb.ResourceInformationProto {
	return &yarnpb.ResourceInformationProto{Key: proto.String(name), Value: proto.Int64(value)}
}

// ResourceFromProto converts from the wire record.
func ResourceFromProto(p *yarnpb.ResourceProto) Resource {
	r := Resource{MemoryMB: p.GetMemory(), VCores: p.GetVirtualCores()}
	for _, info := range p.GetResourceValueMap() {
		switch info.GetKey() {
		case "memory-mb", "memory":
			r.MemoryMB = info.GetValue()
		case "vcores":
			r.VCores = int32(info.GetValue())
		case GPUResourceName:
			r.GPUs = info.GetValue()
		default:
			if r.Other == nil {
				r.Other = map[string]int64{}
			}
			r.Other[info.GetKey()] = info.GetValue()
		}
	}
	return r
}

// Has reports whether the resource type name is present (with any value) in r: used to tell
// "the cluster declares no GPUs" from "no GPU is free".
func (r Resource) Has(name string) bool {
	if name == GPUResourceName {
		return r.GPUs > 0
	}
	_, ok := r.Other[name]
	return ok
}

// FitsIn reports whether every amount of r is at most the one in limit, naming the first that is not.
func (r Resource) FitsIn(limit Resource) (bool, string) {
	switch {
	case r.MemoryMB > limit.MemoryMB:
		return false, fmt.Sprintf("memory %d MiB > %d MiB", r.MemoryMB, limit.MemoryMB)
	case r.VCores > limit.VCores:
		return false, fmt.Sprintf("vcores %d > %d", r.VCores, limit.VCores)
	case r.GPUs > limit.GPUs:
		return false, fmt.Sprintf("%s %d > %d", GPUResourceName, r.GPUs, limit.GPUs)
	}
	for _, name := range sortedKeys(r.Other) {
		if r.Other[name] > limit.Other[name] {
			return false, fmt.Sprintf("%s %d > %d", name, r.Other[name], limit.Other[name])
		}
	}
	return true, ""
}

// String is the human form used in plans and error messages: "2048 MiB, 2 vcores, 1 GPU".
func (r Resource) String() string {
	parts := []string{fmt.Sprintf("%d MiB", r.MemoryMB), plural(int64(r.VCores), "vcore")}
	if r.GPUs > 0 {
		parts = append(parts, plural(r.GPUs, "GPU"))
	}
	for _, name := range sortedKeys(r.Other) {
		parts = append(parts, fmt.Sprintf("%d %s", r.Other[name], name))
	}
	return strings.Join(parts, ", ")
}

func plural(n int64, unit string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", unit)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
