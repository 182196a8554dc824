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

CLUSTER_MODES = ("local", "yarn-client", "yarn-cluster")

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
    """Everything ``init_orca_context`` was asked for, already validated.

    Memory values are bytes. ``spark_conf`` holds the ``spark.*`` keys passed through ``**conf``
    (or Orca's ``conf={...}``), applied last so the user can override any key we set.
    """

    cluster_mode: str = "local"
    cores: int = 2
    memory: int = 4 << 30
    num_nodes: int = 1
    driver_cores: int = 1
    driver_memory: int = 1 << 30
    extra_python_lib: tuple[str, ...] = ()
    env: str = "auto"
    queue: str | None = None
    tags: tuple[str, ...] = ()
    object_store_memory: int | None = None
    init_ray: bool = True
    init_spark: bool = True
    spark_conf: Mapping[str, str] = field(default_factory=dict)

    @property
    def yarn(self) -> bool:
        """True for both YARN modes: they need HADOOP_CONF_DIR and the binary."""
        return self.cluster_mode != "local"


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


def _spark_conf(conf: Mapping[str, Any]) -> dict[str, str]:
    """Split ``**conf`` into Spark keys; anything else is an error, not silently dropped.

    Orca users passed ``conf={"spark.x": ...}``; that nested form is merged too.
    """
    out: dict[str, str] = {}
    for key, value in conf.items():
        if key == "conf" and isinstance(value, Mapping):
            out.update(_spark_conf(value))
            continue
        if not key.startswith("spark."):
            raise ValueError(
                f"unknown argument {key!r}: extra keyword arguments must be Spark settings "
                "('spark.*'), e.g. **{'spark.executor.memoryOverhead': '1g'}"
            )
        if value is None:
            continue
        out[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


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
    """Validate the public arguments; raise ValueError naming the first bad one."""
    if cluster_mode not in CLUSTER_MODES:
        raise ValueError(f"cluster_mode={cluster_mode!r}: want one of {', '.join(CLUSTER_MODES)}")
    if not isinstance(env, str) or not env.strip():
        raise ValueError(f"env={env!r}: want 'auto', 'none', a path to a conda env/venv, or an hdfs:// archive")
    if queue is not None and (not isinstance(queue, str) or not queue.strip()):
        raise ValueError(f"queue={queue!r}: want a queue name")
    osm = None if object_store_memory is None else parse_memory(object_store_memory, "object_store_memory")
    cfg = OrcaConfig(
        cluster_mode=cluster_mode,
        cores=_positive_int("cores", cores),
        memory=parse_memory(memory, "memory"),
        num_nodes=_positive_int("num_nodes", num_nodes),
        driver_cores=_positive_int("driver_cores", driver_cores),
        driver_memory=parse_memory(driver_memory, "driver_memory"),
        extra_python_lib=_str_list("extra_python_lib", extra_python_lib),
        env=env.strip(),
        queue=queue.strip() if queue else None,
        tags=_str_list("tags", tags),
        object_store_memory=osm,
        init_ray=bool(init_ray),
        init_spark=bool(init_spark),
        spark_conf=_spark_conf(conf or {}),
    )
    if osm is not None and cfg.yarn and osm >= cfg.memory:
        raise ValueError(
            f"object_store_memory ({memory_flag(osm)}) must be below memory ({memory_flag(cfg.memory)}): "
            "the object store lives inside each node's YARN container"
        )
    if not cfg.init_ray and not cfg.init_spark:
        raise ValueError("init_ray=False and init_spark=False: nothing to start")
    return cfg
