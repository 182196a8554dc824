package submitter

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/orca-yarn/orca-yarn/yarn"
)

// staticCluster answers pre-flight questions from fixed values (pure logic test; the real RM is
// exercised by the e2e tests).
type staticCluster struct {
	largest yarn.Resource
	root    yarn.QueueInfo
}

func (s staticCluster) NewApplication(context.Context) (yarn.ApplicationID, yarn.Resource, error) {
	return yarn.ApplicationID{ClusterTimestamp: 1, ID: 1}, s.largest, nil
}

func (s staticCluster) Queue(context.Context, string, bool) (yarn.QueueInfo, error) {
	return s.root, nil
}

func TestPreflight(t *testing.T) {
	cluster := staticCluster{
		largest: yarn.Resource{MemoryMB: 16384, VCores: 8, GPUs: 2},
		root: yarn.QueueInfo{Name: "root", Children: []yarn.QueueInfo{
			{Name: "default", Path: "root.default", State: "RUNNING"},
			{Name: "batch", Path: "root.batch", State: "RUNNING"},
			{Name: "old", Path: "root.old", State: "STOPPED"},
		}},
	}
	noGPU := cluster
	noGPU.largest.GPUs = 0
	base := Plan{Queue: "default", Container: yarn.Resource{MemoryMB: 1024, VCores: 1}, AM: yarn.Resource{MemoryMB: 256, VCores: 1}}
	cases := []struct {
		name    string
		cluster staticCluster
		edit    func(*Plan)
		class   error
		mention string
	}{
		{"fits", cluster, func(*Plan) {}, nil, ""},
		{"queue by path", cluster, func(p *Plan) { p.Queue = "root.batch" }, nil, ""},
		{"too much memory", cluster, func(p *Plan) { p.Container.MemoryMB = 65536 }, ErrResources, "memory 65536 MiB > 16384 MiB"},
		{"too many cores", cluster, func(p *Plan) { p.Container.VCores = 9 }, ErrResources, "vcores 9 > 8"},
		{"no GPUs declared", noGPU, func(p *Plan) { p.Container.GPUs = 1 }, ErrResources, "declares no yarn.io/gpu"},
		{"too many GPUs", cluster, func(p *Plan) { p.Container.GPUs = 4 }, ErrResources, "yarn.io/gpu 4 > 2"},
		{"unknown queue", cluster, func(p *Plan) { p.Queue = "gpu" }, ErrBadInput, "queues are: default, batch, old"},
		{"stopped queue", cluster, func(p *Plan) { p.Queue = "old" }, ErrBadInput, "is STOPPED"},
	}
	for _, c := range cases {
		p := base
		c.edit(&p)
		_, err := Preflight(context.Background(), c.cluster, p)
		if c.class == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.Is(err, c.class) || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: got %v, want %v mentioning %q", c.name, err, c.class, c.mention)
		}
	}
}
