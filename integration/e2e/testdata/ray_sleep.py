import time

import ray

ray.init()
print("DRIVER-UP", flush=True)
time.sleep(600)
