package submitter

import (
	"context"
	"fmt"
	"github.com/orca-yarn/orca-yarn/hadoop/tokens"
	"strings"

	"github.com/orca-yarn/orca-yarn/yarn"
)

// clusterInfo is what pre-flight needs from the RM.
type clusterInfo interface {
	NewApplication(ctx context.Context) (yarn.ApplicationID, yarn.Resource, error)
	Queue(ctx context.Context, name string, recursive bool) (yarn.QueueInfo, error)
}

// Preflight checks the plan against the cluster before anything is created, and returns the
// application id reserved for the submission (an unsubmitted id leaves nothing behind in YARN).
func Preflight(ctx context.Context, rm clusterInfo, p Plan) (yarn.ApplicationID, error) {
	id, largest, err := rm.NewApplication(ctx)
	if err != nil {
		return yarn.ApplicationID{}, classify(ErrCluster, fmt.Errorf("ask the ResourceManager for an application id: %w", tokens.Classify(err)))
	}
	if p.Container.GPUs > 0 && !largest.Has(yarn.GPUResourceName) {
		return id, classify(ErrResources, fmt.Errorf(
			"--gpus %d: this cluster declares no %s resource (largest container: %s); drop --gpus or use a GPU cluster",
			p.Container.GPUs, yarn.GPUResourceName, largest))
	}
	if ok, why := p.Container.FitsIn(largest); !ok {
		return id, classify(ErrResources, fmt.Errorf(
			"each container asks %s, above the cluster's largest container %s (%s; yarn.scheduler.maximum-allocation-*): ask for less per container and use more --num-nodes",
			p.Container, largest, why))
	}
	if ok, why := p.AM.FitsIn(largest); !ok {
		return id, classify(ErrResources, fmt.Errorf("--am-memory: the application master asks %s, above the largest container %s (%s)", p.AM, largest, why))
	}
	root, err := rm.Queue(ctx, "root", true)
	if err != nil {
		return id, classify(ErrCluster, fmt.Errorf("list the scheduler's queues: %w", err))
	}
	var names []string
	for _, q := range root.Leaves() {
		if q.Name == p.Queue || q.Path == p.Queue {
			if q.State != "" && q.State != "RUNNING" {
				return id, classify(ErrBadInput, fmt.Errorf("--queue %s is %s and accepts no applications; pick another queue", p.Queue, q.State))
			}
			return id, nil
		}
		names = append(names, q.Name)
	}
	return id, classify(ErrBadInput, fmt.Errorf("--queue %s does not exist; this cluster's queues are: %s", p.Queue, strings.Join(names, ", ")))
}
