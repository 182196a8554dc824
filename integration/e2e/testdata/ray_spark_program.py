"""Ray and Spark of one gang, used by one driver: the e2e test of --engines ray,spark.

Argv: NODES [ENGINES]. In the head container (cluster deploy mode) the launcher gives the driver
RAY_ADDRESS and ORCA_YARN_SPARK_MASTER/_SECRET_FILE/_PYTHON; from the edge the test passes the
addresses of `submit --detach` in the same variables. Prints ENGINES-OK with what each engine saw.
"""

import os
import socket
import sys

nodes = int(sys.argv[1])
engines = (sys.argv[2] if len(sys.argv) > 2 else "ray,spark").split(",")
seen = {}

if "spark" in engines:
    from pyspark.sql import SparkSession

    with open(os.environ["ORCA_YARN_SPARK_SECRET_FILE"]) as f:
        secret = f.read().strip()
    spark = (SparkSession.builder.master(os.environ["ORCA_YARN_SPARK_MASTER"])
             .config("spark.authenticate", "true").config("spark.authenticate.secret", secret)
             .config("spark.executor.memory", os.environ.get("SPARK_EXECUTOR_MEMORY", "1g"))
             .config("spark.pyspark.python", os.environ["ORCA_YARN_SPARK_PYTHON"])
             # One executor per container, each with all of the container's cores, and the first
             # job waits until every one has registered.
             .config("spark.executor.cores", os.environ.get("SPARK_EXECUTOR_CORES", "2"))
             .config("spark.cores.max", str(nodes * int(os.environ.get("SPARK_EXECUTOR_CORES", "2"))))
             .config("spark.scheduler.minRegisteredResourcesRatio", "1.0")
             .config("spark.ui.enabled", "false").getOrCreate())
    sc = spark.sparkContext
    rows = sc.parallelize(range(4 * nodes), 4 * nodes).map(
        lambda _: (os.environ.get("CONTAINER_ID", "?"), os.environ.get("ORCA_YARN_APP_ID", "?"))).distinct().collect()
    containers = {c for c, _ in rows}
    apps = {a for _, a in rows}
    total = spark.range(1000).selectExpr("sum(id) AS s").collect()[0]["s"]
    assert total == 499500, total
    seen["spark_containers"] = len(containers)
    seen["spark_apps"] = ",".join(sorted(apps))
    spark.stop()

if "ray" in engines:
    import ray

    ray.init()

    @ray.remote(num_cpus=1)
    def where():
        return os.environ.get("CONTAINER_ID", socket.gethostname())

    seen["ray_nodes"] = sum(1 for n in ray.nodes() if n["Alive"])
    seen["ray_containers"] = len(set(ray.get([where.remote() for _ in range(8 * nodes)])))
    ray.shutdown()

print("ENGINES-OK " + " ".join(f"{k}={v}" for k, v in sorted(seen.items())), flush=True)
