"""orca-yarn's example Ray program: one task per node, and an estimate of pi across the cluster.

Run it with `make demo`, or: orca-yarn submit --num-nodes 3 --cores 2 --memory 3g examples/ray_on_yarn.py
"""
import random
import socket

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

ray.init()  # RAY_ADDRESS and the auth token come from orca-yarn
nodes = [n for n in ray.nodes() if n["Alive"]]
print(f"Ray cluster on YARN: {len(nodes)} nodes, {ray.cluster_resources()['CPU']:.0f} CPUs")


@ray.remote
def hello():
    ctx = ray.get_runtime_context()
    return f"hello from node {ctx.get_node_id()[:8]} on {socket.gethostname()}"


for n in nodes:
    strategy = NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)
    print(ray.get(hello.options(scheduling_strategy=strategy).remote()))


@ray.remote
def darts(n):
    rng = random.Random()
    return sum(rng.random() ** 2 + rng.random() ** 2 <= 1 for _ in range(n))


per_task, tasks = 200_000, 4 * len(nodes)
hits = sum(ray.get([darts.remote(per_task) for _ in range(tasks)]))
print(f"pi is about {4 * hits / (per_task * tasks):.4f}")
