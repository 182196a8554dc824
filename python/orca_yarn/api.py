"""``init_orca_context`` and ``stop_orca_context``: Orca's entry points over orca-yarn.

Why Orca's shape: it is what data scientists on Hadoop already write; the differences are in what
happens underneath (a cached env archive, a gang-started Ray cluster as its own YARN application,
Spark on the same archive, nothing left behind).
"""

from __future__ import annotations

import atexit
from typing import Any

from . import _modes
from ._config import make_config
from ._session import Session
from .context import OrcaContext


def init_orca_context(
    cluster_mode: str = "local",
    cores: int = 2,
    memory: str | int = "4g",
    num_nodes: int = 1,
    driver_cores: int = 1,
    driver_memory: str | int = "1g",
    extra_python_lib: str | list[str] | None = None,
    env: str = "auto",
    queue: str | None = None,
    tags: str | list[str] | None = None,
    object_store_memory: str | int | None = None,
    init_ray: bool = True,
    init_spark: bool = True,
    **conf: Any,
) -> Any:
    """Start Ray and/or Spark for ``cluster_mode``; return the SparkContext (None without Spark).

    - ``cluster_mode``: "local" (this machine: ``ray.init(num_cpus=cores)`` and ``local[cores]``,
      ``num_nodes`` ignored), "yarn-client" (this process drives a Ray cluster and Spark executors
      on YARN) or "yarn-cluster" (this script is re-run as the driver inside the cluster; the call
      does not return on the edge: the process exits with the application's exit code).
    - ``cores``, ``memory``: per node (Ray container vcores and YARN memory; Spark executor cores
      and heap, plus a memoryOverhead of max(512m, 20%)). Local mode: Ray CPUs, Spark threads and
      the Spark driver heap. A Ray node needs about 1.5 GiB for Ray's own processes before its
      tasks get any (and yarn-cluster keeps 512 MiB of the head's for the driver); too little is
      refused before anything is submitted.
    - ``num_nodes``: Ray nodes (YARN containers) and Spark executors.
    - ``driver_cores``, ``driver_memory``: the Spark driver.
    - ``extra_python_lib``: .py/.zip/.egg files or dirs (list or comma-separated) put on the Ray
      nodes' and Spark executors' PYTHONPATH.
    - ``env``: the Python env shipped to the cluster: "auto" (the active conda env or venv),
      a path, an ``hdfs://`` archive already packed, or "none" (the hosts' own Python).
    - ``queue``, ``tags``: YARN queue and application tags (both the Ray and the Spark application;
      each session also adds its own ``orca-session-<id>`` tag).
    - ``object_store_memory``: Ray's object store per node, inside ``memory``.
    - ``init_ray``, ``init_spark``: which of the two to start.
    - ``**conf``: ``spark.*`` settings, applied last (Orca's ``conf={...}`` dict works too).

    Calling it again with the same arguments returns the running context (re-running a notebook
    cell); with different ones it raises until ``stop_orca_context()`` is called.
    """
    cfg = make_config(cluster_mode, cores, memory, num_nodes, driver_cores, driver_memory, extra_python_lib,
                      env, queue, tags, object_store_memory, init_ray, init_spark, conf)
    active = OrcaContext._session
    if active is not None and not active.stopped:
        if active.cfg == cfg:
            return active.spark_context
        raise RuntimeError("init_orca_context was already called with other arguments; call stop_orca_context() first")
    _register_atexit()
    session = Session(cfg=cfg, tag=_modes.new_tag())
    try:
        if cfg.yarn and _modes.in_driver_container():
            _modes.start_in_container(cfg, session)
        elif cfg.cluster_mode == "local":
            _modes.start_local(cfg, session)
        elif cfg.cluster_mode == "yarn-client":
            _modes.start_yarn_client(cfg, session, OrcaContext.barrier_mode, lambda: OrcaContext.log_output)
        else:
            _modes.submit_self(cfg, session, OrcaContext.barrier_mode)
    except BaseException:
        session.stop()
        raise
    OrcaContext._session = session
    return session.spark_context


def stop_orca_context() -> None:
    """Stop Spark, disconnect Ray, kill this session's YARN applications, remove local staging.

    Safe to call twice and registered with atexit. Problems are logged (the application ids to kill
    by hand included), not raised, so that it can always run to the end.
    """
    session = OrcaContext._session
    if session is None:
        return
    OrcaContext._session = None
    session.stop()


def _register_atexit() -> None:
    """Once per process; the latch lives on the singleton (no module state)."""
    if not OrcaContext._atexit_registered:
        atexit.register(stop_orca_context)
        OrcaContext._atexit_registered = True
