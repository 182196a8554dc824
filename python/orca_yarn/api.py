"""``init_orca_context`` and ``stop_orca_context``: Orca's entry points over orca-yarn.

Why Orca's shape: it is what data scientists on Hadoop already write; the differences are in what
happens underneath (a cached env archive, a gang-started Ray cluster as its own YARN application,
Spark on the same archive, nothing left behind).
"""

from __future__ import annotations

import atexit
from typing import Any

from . import _modes
from ._resolve import resolve_init_args
from ._session import Session
from .context import OrcaContext


def init_orca_context(
    cluster_mode: str | None = None,
    runtime: str = "spark",
    cores: int | str | None = None,
    memory: str | int | None = None,
    num_nodes: int = 1,
    init_ray_on_spark: bool = False,
    **kwargs: Any,
) -> Any:
    """Start Spark and/or Ray as Orca's ``init_orca_context`` did; return the SparkContext (the Ray
    context for ``runtime="ray"``).

    Every argument of BigDL Orca 2.4 and Analytics Zoo is accepted (see python/README.md for what
    each maps to); ``resolve_init_args`` checks them without starting anything.

    - ``cluster_mode``: "local" (this machine), "yarn-client"/"yarn" (this process drives a Ray
      cluster and Spark executors on YARN), "yarn-cluster" (this script is re-run as the driver
      inside the cluster; the call does not return on the edge: the process exits with the
      application's exit code), "spark-submit"/"bigdl-submit" (the SparkContext spark-submit made),
      "standalone" (Spark at ``master``), None (local, or spark-submit when launched by it).
    - ``runtime``: "spark" starts Spark, and Ray too with ``init_ray_on_spark=True``; "ray" starts
      Ray only. The other engine starts when the program first asks for it
      (``OrcaContext.get_ray_context()``, ``OrcaContext.get_spark_context()``).
    - ``cores``, ``memory``: per node (Ray container vcores and YARN memory; Spark executor cores
      and heap). Local mode: Ray CPUs, Spark threads (``"*"`` or unset: every core) and the Spark
      driver heap. ``memory`` defaults to 4g (Orca: 2g): a Ray node needs about 1.5 GiB for Ray's
      own processes; too little is refused before anything is submitted.
    - ``num_nodes``: Ray nodes (YARN containers) and Spark executors.
    - orca-yarn's own keywords: ``env`` (a str: the Python env to ship, "auto", a path, an
      hdfs:// archive or "none"; a dict: Orca's environment variables for Ray), ``queue``, ``tags``,
      ``init_ray``/``init_spark`` (override what starts), ``colocate_spark``, ``spark.*`` settings.

    Calling it again with the same arguments returns the running context (re-running a notebook
    cell); with different ones it raises until ``stop_orca_context()`` is called.
    """
    cfg = resolve_init_args(cluster_mode, runtime, cores, memory, num_nodes, init_ray_on_spark, **kwargs)
    active = OrcaContext._session
    if active is not None and not active.stopped:
        if active.cfg == cfg:
            return active.ray_ctx if cfg.runtime == "ray" else active.spark_context
        raise RuntimeError("init_orca_context was already called with other arguments; call stop_orca_context() first")
    _register_atexit()
    session = Session(cfg=cfg, tag=_modes.new_tag(), barrier_mode=OrcaContext.barrier_mode,
                      log_output=lambda: OrcaContext.log_output)
    OrcaContext._session = session  # on-demand starts during start-up find it
    try:
        _modes.start(session)
    except BaseException:
        OrcaContext._session = None
        session.stop()
        raise
    return session.ray_ctx if cfg.runtime == "ray" else session.spark_context


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
