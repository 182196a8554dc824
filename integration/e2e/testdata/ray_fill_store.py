"""Fills the object store past its size (Ray spills to disk) while keeping every object alive:
YARN's memory check must not kill the node for it."""
import numpy as np
import ray

ray.init()
store = ray.available_resources()["object_store_memory"]
refs = [ray.put(np.ones(32 * 1024 * 1024 // 8)) for _ in range(int(2 * store // (32 * 1024 * 1024)) + 1)]
assert all(float(ray.get(r).sum()) == 32 * 1024 * 1024 / 8 for r in refs[::8])
print(f"STORE-OK {len(refs)} objects of 32 MiB in a {store / 2**20:.0f} MiB store", flush=True)
