"""The Ray program of the e2e tests: work on every node, one actor per node, objects of 64 MB
moved between nodes. Prints RAY-OK and exits 0 only when all of it checked out."""
import sys

import numpy as np
import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

want = int(sys.argv[1])
exit_code = int(sys.argv[2]) if len(sys.argv) > 2 else 0
ray.init()
nodes = sorted(n["NodeID"] for n in ray.nodes() if n["Alive"])
assert len(nodes) == want, f"{len(nodes)} nodes alive, want {want}"


def on(node):
    return NodeAffinitySchedulingStrategy(node, soft=False)


@ray.remote(num_cpus=1)
def where():
    return ray.get_runtime_context().get_node_id()


ran = ray.get([where.options(scheduling_strategy=on(n)).remote() for n in nodes])
assert ran == nodes, f"tasks ran on {ran}, want {nodes}"


@ray.remote(num_cpus=0)
class Holder:
    def node(self):
        return ray.get_runtime_context().get_node_id()

    def make(self, mib):
        return np.ones(mib * 1024 * 1024 // 8)

    def total(self, arr):
        return float(arr.sum()), ray.get_runtime_context().get_node_id()


actors = [Holder.options(scheduling_strategy=on(n)).remote() for n in nodes]
assert ray.get([a.node.remote() for a in actors]) == nodes, "actors are not one per node"
for k, maker in enumerate(actors):
    obj = maker.make.remote(64)
    total, node = ray.get(actors[(k + 1) % len(actors)].total.remote(obj))
    assert total == 64 * 1024 * 1024 / 8 and node == nodes[(k + 1) % len(nodes)]
print(f"RAY-OK {len(nodes)} nodes", flush=True)
sys.exit(exit_code)
