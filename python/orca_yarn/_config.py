"""The arguments of ``init_orca_context``, validated once into one frozen value.

Why one place: every later step (the ``orca-yarn`` command line, the Spark conf, ``ray.init``) reads
the same checked numbers, so a typo such as ``memory="8gb "`` fails before anything is packed,
uploaded or submitted, with the argument's name in the message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CLUSTER_MODES = ("local", "yarn-client", "yarn-cluster", "spark-submit", "standalone")

_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_UNIT = {"": 1 << 20, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_memory(value: str | int, what: str) -> int:
    """Return ``value`` in bytes; a bare number means MiB, as in Spark and YARN.

    Accepts ``"512m"``, ``"8g"``, ``"1.5g"``, ``"2GiB"``, ``1024`` (MiB). Raises ValueError naming
    ``what`` otherwise, because a silently misread size turns into a YARN pmem kill much later.
    """
    if isinstance(value, bool):
        raise ValueError(f"{what}={value!r}: want a size such as '2g' or '512m'")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"{what}={value!r}: must be positive")
        return value << 20
    m = _MEMORY.match(str(value))
    if not m:
        raise ValueError(f"{what}={value!r}: want a size such as '2g' or '512m'")
    n = float(m.group(1)) * _UNIT[m.group(2).lower()]
    if n < 1 << 20:
        raise ValueError(f"{what}={value!r}: below 1 MiB")
    return int(n)


def memory_flag(nbytes: int) -> str:
    """Format bytes as whole MiB (``"1536m"``): the one form Spark, YARN and orca-yarn all read."""
    return f"{max(1, nbytes >> 20)}m"


@dataclass(frozen=True)
class OrcaConfig:
    """Everything ``init_orca_context`` was asked for, already validated (``resolve_init_args``).

    Memory values are bytes. ``spark_conf`` holds the ``spark.*`` keys (``**kwargs`` or Orca's
    ``conf={...}``), applied last so the user can override any key we set.

    - ``cluster_mode``: "local", "yarn-client", "yarn-cluster", "spark-submit" (a SparkContext made
      by spark-submit/bigdl-submit, or already active) or "standalone" (Spark at ``master``).
    - ``runtime``: Orca's "spark" or "ray"; ``init_spark``/``init_ray`` are what starts at once,
      derived from it (and ``init_ray_on_spark``); the other engine starts on demand.
    - ``memory``: per node; a Ray node's YARN container is ``ray_node_memory`` (``memory`` plus
      ``extra_executor_memory_for_ray``, as Orca gave Ray the executor's overhead).
    - ``num_ray_nodes``, ``ray_node_cpu_cores``: the Ray cluster's shape (default: ``num_nodes``, ``cores``).
    - ``env``: the Python env shipped ("auto", a path, an hdfs:// archive, "none"); ``penv_archive``
      an env archive already packed (local path or hdfs://), used instead of packing.
    - ``ray_env``: environment variables for Ray's worker processes (Orca's ``env={...}``).
    - ``ray_init_args``: runtime="ray" keyword arguments passed on to ``ray.init`` (e.g. ``address``).
    - ``colocate_spark``: True = Spark runs inside the same YARN application's containers as Ray
      (wired in ``_modes``; until then a separate Spark-on-YARN application, as with False);
      False = a separate Spark-on-YARN application, for Spark-heavy jobs.
    """

    cluster_mode: str = "local"
    runtime: str = "spark"
    cores: int = 2
    memory: int = 4 << 30
    num_nodes: int = 1
    driver_cores: int = 1
    driver_memory: int = 1 << 30
    extra_python_lib: tuple[str, ...] = ()
    env: str = "auto"
    penv_archive: str | None = None
    additional_archive: tuple[str, ...] = ()
    queue: str | None = None
    tags: tuple[str, ...] = ()
    object_store_memory: int | None = None
    extra_executor_memory_for_ray: int | None = None
    include_webui: bool = False
    ray_env: Mapping[str, str] = field(default_factory=dict)
    num_ray_nodes: int = 1
    ray_node_cpu_cores: int = 2
    redis_password: str | None = None
    ray_init_args: Mapping[str, Any] = field(default_factory=dict)
    init_ray: bool = True
    init_spark: bool = True
    colocate_spark: bool = True
    jars: tuple[str, ...] = ()
    spark_log_level: str = "WARN"
    master: str | None = None
    python_location: str | None = None
    hadoop_conf: str | None = None
    hadoop_user_name: str | None = None
    spark_yarn_archive: str | None = None
    spark_conf: Mapping[str, str] = field(default_factory=dict)

    @property
    def yarn(self) -> bool:
        """True for both YARN modes: they need HADOOP_CONF_DIR and the binary."""
        return self.cluster_mode in ("yarn-client", "yarn-cluster")

    @property
    def ray_node_memory(self) -> int:
        """A Ray node's container memory: ``memory`` plus Orca's extra memory for Ray."""
        return self.memory + (self.extra_executor_memory_for_ray or 0)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}={value!r}: want a positive integer")
    return value


def _str_list(name: str, value: Any) -> tuple[str, ...]:
    """Orca took comma-separated strings; lists are clearer. Both are accepted."""
    if value is None:
        return ()
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value]
    else:
        raise ValueError(f"{name}={value!r}: want a list of strings or a comma-separated string")
    return tuple(v for v in items if v)


def make_config(
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
    conf: Mapping[str, Any] | None = None,
) -> OrcaConfig:
    """orca_yarn's first argument set (both engines by default), for tests and older callers."""
    from ._resolve import resolve_init_args

    return resolve_init_args(cluster_mode, cores=cores, memory=memory, num_nodes=num_nodes,
                             driver_cores=driver_cores, driver_memory=driver_memory,
                             extra_python_lib=extra_python_lib, env=env, queue=queue, tags=tags,
                             object_store_memory=object_store_memory, init_ray=init_ray,
                             init_spark=init_spark, conf=conf or {})
