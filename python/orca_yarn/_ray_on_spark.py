"""Ray on a Spark cluster orca-yarn did not start Ray in: Ray's own ``ray.util.spark.setup_ray_cluster``.

Where: ``cluster_mode="spark-submit"`` (``spark-submit --master yarn`` or a ``spark://`` master made
the SparkContext, and Ray must run on its executors, as Orca's RayOnSpark did), and a Spark-only
gang whose driver in the head container asks for Ray later (Ray then runs in the gang's executors,
inside the same YARN containers).

How: Ray's head runs beside this driver; each Ray worker node is a long Spark task holding one
executor's cores (``num_cpus_worker_node``); Ray's shutdown cancels that Spark job, and Spark's
task kill ends the nodes. Ray 2.60 accepts ``yarn``, ``spark://`` and ``local[...]`` masters.

Sizes: Ray's default takes the host's memory as if the executor had it alone (7 GB of logical
memory and a 3 GB object store in a 3 GB YARN container, seen here), so each node gets Ray's share
of the executor's container instead: ``extra_executor_memory_for_ray``, else the executor's
``spark.executor.memoryOverhead``, 30% of it for the object store.

Executors must find ``ray`` on their PATH (Ray's node wrapper runs ``shutil.which("ray")``):
spark-submit with ``--conf spark.executorEnv.PATH=./environment/bin:/usr/bin:/bin`` for a packed env.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any


from . import _ray
from ._config import OrcaConfig
from ._resolve import OrcaCompatWarning


@dataclass(frozen=True)
class RayOnSparkHandle(_ray.RayHandle):
    """A Ray cluster that lives in the Spark application's executors: disconnecting also ends it."""

    def disconnect(self) -> None:
        from ray.util.spark import shutdown_ray_cluster

        try:
            super().disconnect()
        finally:
            shutdown_ray_cluster()


def worker_shape(cfg: OrcaConfig, conf: Any) -> tuple[int, int]:
    """(Ray worker nodes, CPUs each) from the Spark application's executors: one Ray node per
    executor; the config's Ray shape where Spark's conf does not say.

    A Ray node holds its CPUs as Spark task slots for as long as it lives, so it takes all but one
    of the executor's cores: Spark's own jobs keep a slot per executor (with all of them, the
    program's next Spark job waits forever, seen here). One-core executors have no slot to spare.
    """
    nodes = int(conf.get("spark.executor.instances", str(cfg.num_ray_nodes)) or cfg.num_ray_nodes)
    cores = int(conf.get("spark.executor.cores", str(cfg.ray_node_cpu_cores)) or cfg.ray_node_cpu_cores)
    if cores < 2:
        warnings.warn("Ray on Spark with one-core executors: Ray's nodes hold every Spark task slot, so Spark "
                      "jobs wait until Ray stops; give executors at least 2 cores", OrcaCompatWarning, stacklevel=3)
        return max(nodes, 1), 1
    return max(nodes, 1), cores - 1


_MIB = 1 << 20
_RAY_PROCESSES = 512 * _MIB  # a Ray worker node's own processes (raylet, agents), not for tasks


def node_memory(cfg: OrcaConfig, conf: Any) -> tuple[int, int]:
    """(--memory, --object-store-memory) of each Ray worker node, in bytes (see the module doc)."""
    from ._config import parse_memory

    share = cfg.extra_executor_memory_for_ray
    if not share:
        overhead = conf.get("spark.executor.memoryOverhead", None)
        share = parse_memory(overhead, "spark.executor.memoryOverhead") if overhead else 1 << 30
    store = cfg.object_store_memory or max(int(share * 0.3), 80 * _MIB)
    return max(share - store - _RAY_PROCESSES, 256 * _MIB), store


def start(cfg: OrcaConfig, spark: Any, cluster_mode: str) -> RayOnSparkHandle:
    """Start Ray's nodes in ``spark``'s executors and connect this process to them."""
    import ray
    from ray.util.spark import setup_ray_cluster, shutdown_ray_cluster

    sc = spark.sparkContext
    nodes, cores = worker_shape(cfg, sc.getConf())
    memory, store = node_memory(cfg, sc.getConf())
    kwargs: dict[str, Any] = {"max_worker_nodes": nodes, "min_worker_nodes": nodes, "num_cpus_worker_node": cores,
                              "num_gpus_worker_node": 0, "memory_worker_node": memory,
                              "object_store_memory_worker_node": store}
    address, _ = setup_ray_cluster(**kwargs)
    try:
        info = ray.init(address=address, runtime_env=_ray.runtime_env(cfg))
        raw = dict(getattr(info, "address_info", {}) or {})
        return RayOnSparkHandle(cluster_mode=cluster_mode, address=address, gcs_address=address,
                                num_nodes=_ray.alive_nodes(), app_id=sc.applicationId,
                                address_info=_ray.address_info_of(raw, address))
    except BaseException:
        if ray.is_initialized():
            ray.shutdown()
        shutdown_ray_cluster()
        raise
