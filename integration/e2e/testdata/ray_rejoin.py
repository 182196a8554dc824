"""Waits for a node to die and for its replacement to join, then uses all three nodes."""
import time

import ray

ray.init()


def alive():
    return sum(1 for n in ray.nodes() if n["Alive"])


print("DRIVER-UP", alive(), flush=True)
deadline = time.time() + 300
while alive() == 3 and time.time() < deadline:
    time.sleep(0.5)
print("NODE-LOST", alive(), flush=True)
while alive() < 3 and time.time() < deadline:
    time.sleep(0.5)
assert alive() == 3, f"{alive()} nodes alive after the replacement"


@ray.remote(num_cpus=1)
def one():
    return 1


assert sum(ray.get([one.remote() for _ in range(30)])) == 30
print("RECOVERED", flush=True)
