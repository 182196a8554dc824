"""cluster_mode="local" with the real Ray and PySpark: what a notebook on a laptop does."""

from __future__ import annotations

import os
import sys

import pytest

from orca_yarn import OrcaContext, init_orca_context, stop_orca_context


def test_local_ray_and_spark_work_together_and_stop_cleanly():
    import numpy as np
    import ray

    sc = init_orca_context(cores=2, memory="1g", object_store_memory="256m")

    assert sc.master == "local[2]"
    assert OrcaContext.get_spark_context() is sc
    spark = OrcaContext.get_spark_session()
    ctx = OrcaContext.get_ray_context()
    assert (ctx.cluster_mode, ctx.app_id, ctx.num_nodes) == ("local", None, 1)
    assert ray.cluster_resources()["CPU"] == 2
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
    assert init_orca_context(cores=2, memory="1g", object_store_memory="256m") is sc
    with pytest.raises(RuntimeError, match="stop_orca_context"):
        init_orca_context(cores=1)

    stop_orca_context()
    stop_orca_context()

    from pyspark import SparkContext

    assert not ray.is_initialized()
    assert SparkContext._active_spark_context is None
    with pytest.raises(RuntimeError, match="init_orca_context"):
        OrcaContext.get_ray_context()


def test_local_ray_only_and_spark_only():
    import ray

    assert init_orca_context(cores=1, memory="512m", init_spark=False) is None
    assert ray.get(ray.remote(lambda: "ray only").remote()) == "ray only"
    with pytest.raises(RuntimeError, match="SparkContext"):
        OrcaContext.get_spark_context()
    stop_orca_context()

    sc = init_orca_context(cores=1, memory="512m", init_ray=False, **{"spark.sql.shuffle.partitions": "3"})
    assert not ray.is_initialized()
    assert sc.getConf().get("spark.sql.shuffle.partitions") == "3"
    assert sc.parallelize(range(10), 2).sum() == 45


def test_local_refuses_a_spark_context_it_did_not_create():
    from pyspark import SparkContext

    foreign = SparkContext("local[1]", "foreign")
    try:
        with pytest.raises(RuntimeError, match="already running"):
            init_orca_context(cores=1, memory="512m", init_ray=False)
    finally:
        foreign.stop()
