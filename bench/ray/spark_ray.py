"""One run of Ray on Spark on YARN, timed: pyspark app start -> setup_ray_cluster returned.

Run with the project's Python env (scripts/install-python.sh: ray 2.60, pyspark 4.3) as a fresh
process per run (bench/ray/bench.py does), so the driver JVM's start-up counts, as it does for
a user's new notebook or script. The cluster is HADOOP_CONF_DIR's.

This is the living RayOnSpark: `ray.util.spark.setup_ray_cluster` (Ray 2.60 accepts
spark.master=yarn). The Spark app runs in client deploy mode with N executors of the benchmark's
container size, on orca-yarn's cached env archive (spark.archives=<hdfs env>#environment, the
executors' Python ./environment/bin/python), with Spark's jars from a zip on HDFS
(spark.yarn.archive) so that nothing large is uploaded per run. setup_ray_cluster starts the Ray
head on the driver (0 CPUs: Ray's default for a non-global cluster) and one Ray worker node per
executor (num_cpus_worker_node = the executor's cores), and returns once that many workers are
alive. Its own pacing is left at Ray's defaults (a fixed 20 s wait for the head, progress
polled every 3 s): that is what a user of the API gets.

Writes one JSON object to --result once Ray is ready (or on failure): epoch timestamps of the
milestones, the Spark app id, and "error" on failure. The Ray cluster and
Spark are then stopped before exiting, outside the timed part. (Ray's head prints to stdout, so the
result does not go there.)
"""
import argparse
import json
import os
import sys
import time


def main():
    t_start = time.time()
    p = argparse.ArgumentParser()
    p.add_argument("--env", required=True, help="hdfs:// path of the env archive")
    p.add_argument("--spark-archive", required=True, help="hdfs:// zip of Spark's jars")
    p.add_argument("--executors", type=int, default=3)
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--memory", type=int, default=3072, help="MiB per executor container")
    p.add_argument("--heap", type=int, default=1024, help="MiB of JVM heap inside --memory")
    p.add_argument("--ray-memory", type=int, default=1600 * 1000 * 1000)
    p.add_argument("--object-store", type=int, default=700 * 1000 * 1000)
    p.add_argument("--temp-root",
                   help="ray_temp_root_dir (Ray on Spark makes ray-<port>-<id> in it)")
    p.add_argument("--result", required=True, help="file to write the JSON result to")
    a = p.parse_args()

    out = {"t_start": t_start}
    # pyspark takes the executors' Python from this variable (SparkContext.pythonExec), not
    # from spark.pyspark.python, when the driver is a plain Python process; set both.
    os.environ["PYSPARK_PYTHON"] = "./environment/bin/python"
    # Ray on Spark sets up no Ray auth; Ray 2.59+ would turn token auth on by itself should a
    # token exist in ~/.ray, so say so explicitly for the head here and the workers (executors).
    os.environ["RAY_AUTH_MODE"] = "disabled"
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    import ray
    from pyspark.sql import SparkSession
    from ray.util.spark import setup_ray_cluster, shutdown_ray_cluster

    spark = None
    try:
        spark = (SparkSession.builder
                 .appName("ray-on-spark-bench")
                 .master("yarn")
                 .config("spark.submit.deployMode", "client")
                 .config("spark.executor.instances", str(a.executors))
                 .config("spark.executor.cores", str(a.cores))
                 .config("spark.executor.memory", "%dm" % a.heap)
                 .config("spark.executor.memoryOverhead", "%dm" % (a.memory - a.heap))
                 .config("spark.dynamicAllocation.enabled", "false")
                 .config("spark.archives", a.env + "#environment")
                 .config("spark.pyspark.python", "./environment/bin/python")
                 .config("spark.executorEnv.RAY_AUTH_MODE", "disabled")
                 # ray.util.spark runs `shutil.which("ray")`: the env's bin must be on PATH in
                 # the executors (and the driver's venv on the driver's, as when activated).
                 .config("spark.executorEnv.PATH", "./environment/bin:/usr/local/bin:/usr/bin:/bin")
                 .config("spark.yarn.archive", a.spark_archive)
                 # Spark 4.3's UI start-up can race with the YARN AM's proxy filter being added
                 # (ConcurrentModificationException in Jetty's ServletHandler.initialize, seen
                 # here under load): without the UI the session always starts, a little sooner.
                 .config("spark.ui.enabled", "false")
                 .getOrCreate())
        out["t_session"] = time.time()
        out["app_id"] = spark.sparkContext.applicationId
        address, _ = setup_ray_cluster(
            max_worker_nodes=a.executors,
            num_cpus_worker_node=a.cores,
            num_gpus_worker_node=0,
            memory_worker_node=a.ray_memory,
            object_store_memory_worker_node=a.object_store,
            ray_temp_root_dir=a.temp_root,
        )
        out["t_ray_ready"] = time.time()
        out["ray_address"] = address
        # setup_ray_cluster also returns when its workers stop making progress for 120 s, with
        # fewer than asked for: count them (untimed) so that such a run is not taken as ready.
        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
        alive = sum(1 for n in ray.nodes() if n["Alive"]) - 1  # the head is not a worker
        ray.shutdown()
        if alive < a.executors:
            raise RuntimeError("setup_ray_cluster returned with %d of %d Ray workers alive"
                               % (alive, a.executors))
    except Exception as e:
        out["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        with open(a.result, "w") as f:
            json.dump(out, f)
        try:
            shutdown_ray_cluster()
        except Exception as e:  # none was set up, or it failed half-way
            print("spark-ray: shutdown_ray_cluster: %s" % e, file=sys.stderr)
        if spark is not None:
            spark.stop()


if __name__ == "__main__":
    main()
