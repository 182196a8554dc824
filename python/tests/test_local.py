"""cluster_mode="local" with the real Ray and PySpark: what a notebook on a laptop does."""

from __future__ import annotations

import os
import sys

import pytest

from orca_yarn import OrcaContext, init_orca_context, stop_orca_context


def test_local_ray_and_spark_work_together_and_stop_cleanly():
    import numpy as np
    import ray

    sc = init_orca_context(cluster_mode="local", cores=2, memory="1g", object_store_memory="256m",
                           init_ray_on_spark=True, env={"ORCA_TEST_VAR": "from-env"})

    assert sc.master == "local[2]"
    assert OrcaContext.get_spark_context() is sc
    spark = OrcaContext.get_spark_session()
    ctx = OrcaContext.get_ray_context()
    assert (ctx.cluster_mode, ctx.app_id, ctx.num_nodes) == ("local", None, 1)
    assert ray.cluster_resources()["CPU"] == 2
    assert ctx.initialized and ctx.is_local and ctx.num_ray_nodes == 1 and ctx.ray_node_cpu_cores == 2
    info = ctx.address_info
    assert info["redis_address"] == info["gcs_address"] == ctx.redis_address and ":" in ctx.redis_address
    assert info["object_store_address"] and info["raylet_socket_name"] and info["node_ip_address"]
    assert ray.get(ray.remote(lambda: os.environ.get("ORCA_TEST_VAR")).remote()) == "from-env"
    assert os.environ["PYSPARK_PYTHON"] == sys.executable

    # Spark computes, Ray consumes: the hand-off the YARN test does through HDFS.
    rows = spark.range(0, 1000).selectExpr("id % 10 AS k", "id AS v").groupBy("k").sum("v").collect()
    sums = {r["k"]: r["sum(v)"] for r in rows}

    @ray.remote
    def total(parts: dict) -> int:
        return sum(parts.values())

    assert ray.get(total.remote(sums)) == sum(range(1000))
    big = ray.put(np.ones(8 << 20, dtype=np.uint8))  # 8 MiB through the object store
    assert ray.get(ray.remote(lambda a: int(a.sum())).remote(big)) == 8 << 20

    # Re-running the same cell returns the same context; other arguments are refused.
    assert init_orca_context(cluster_mode="local", cores=2, memory="1g", object_store_memory="256m",
                             init_ray_on_spark=True, env={"ORCA_TEST_VAR": "from-env"}) is sc
    with pytest.raises(RuntimeError, match="stop_orca_context"):
        init_orca_context(cores=1)

    stop_orca_context()
    stop_orca_context()

    from pyspark import SparkContext

    assert not ray.is_initialized()
    assert SparkContext._active_spark_context is None
    with pytest.raises(RuntimeError, match="init_orca_context"):
        OrcaContext.get_ray_context()


def test_local_engines_follow_runtime_and_start_on_demand():
    import ray
    from pyspark import SparkContext

    from orca_yarn import OrcaRayContext

    # runtime="spark" without init_ray_on_spark: Spark only, Ray when the program asks for it.
    sc = init_orca_context(cluster_mode="local", cores=1, memory="512m")
    assert sc.master == "local[1]" and not ray.is_initialized()
    assert not OrcaRayContext.get(initialize=False).initialized
    assert OrcaContext.get_sql_context().range(3).count() == 3
    ctx = OrcaContext.get_ray_context()
    assert ctx.initialized and ray.get(ray.remote(lambda: "lazy").remote()) == "lazy"
    ctx.stop()
    assert not ray.is_initialized() and not ctx.initialized
    assert ctx.init()["gcs_address"] and ray.is_initialized()  # init() starts it again
    stop_orca_context()
    assert not ray.is_initialized() and SparkContext._active_spark_context is None

    # runtime="ray": Ray only, returned; Spark when the program asks for it.
    ray_ctx = init_orca_context(runtime="ray", cores=1, memory="512m")
    assert isinstance(ray_ctx, OrcaRayContext) and ray_ctx.initialized
    assert SparkContext._active_spark_context is None
    assert OrcaContext.get_spark_context().parallelize(range(10), 2).sum() == 45


def test_local_ray_only_and_spark_only():
    import ray

    assert init_orca_context(cores=1, memory="512m", init_spark=False) is None
    assert ray.get(ray.remote(lambda: "ray only").remote()) == "ray only"
    from pyspark import SparkContext

    assert SparkContext._active_spark_context is None  # not asked for: not started
    stop_orca_context()

    sc = init_orca_context(cores=1, memory="512m", init_ray=False, **{"spark.sql.shuffle.partitions": "3"})
    assert not ray.is_initialized()
    assert sc.getConf().get("spark.sql.shuffle.partitions") == "3"
    assert sc.parallelize(range(10), 2).sum() == 45


def test_local_uses_an_active_spark_context_as_orca_did():
    from pyspark import SparkContext

    from orca_yarn import OrcaCompatWarning

    foreign = SparkContext("local[1]", "foreign")
    try:
        with pytest.warns(OrcaCompatWarning, match="SparkContext already exists"):
            sc = init_orca_context(cluster_mode="local", cores=1, memory="512m")
        assert sc is foreign
    finally:
        stop_orca_context()
        foreign.stop()
