"""``resolve_init_args``: every argument BigDL Orca 2.4 and Analytics Zoo took, checked into an OrcaConfig.

Why a pure function of its own: real Orca programs must run with only their imports changed, so each
argument Orca accepted is honoured, mapped to what orca-yarn does instead, or (where it can have no
effect here) accepted with one ``OrcaCompatWarning``. That decision is made here, once, without
starting anything, touching the network or reading the cluster, so it can be checked over hundreds
of real call sites. A ValueError means the call cannot work; its one line says why and the fix.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Mapping
from typing import Any

from ._config import OrcaConfig, _positive_int, _str_list, memory_flag, parse_memory


class OrcaCompatWarning(UserWarning):
    """An Orca argument accepted for compatibility that changes nothing here."""


# Orca/Zoo arguments that Orca itself dropped without a word: programs still pass them.
_ORCA_IGNORED = ("num_executors", "conda_name", "py_files")
# Orca arguments for its own JVM side or Ray-on-Spark internals; orca-yarn has neither.
_NO_EFFECT = {
    "init_executor_gateway": "orca-yarn has no BigDL JVM gateway",
    "redirect_spark_log": "Spark's log goes where its log4j configuration sends it",
    "enable_numa_binding": "orca-yarn does not bind Spark's workers to NUMA nodes",
    "redis_port": "Ray 2 has no Redis; orca-yarn plans Ray's ports per container",
    "verbose": "orca-yarn prints Ray's start-up itself",
    "extra_params": "orca-yarn starts Ray's nodes with its own flags",
    "system_config": "orca-yarn starts Ray's nodes with its own flags",
    "container_image": "it is for Kubernetes; orca-yarn ships the Python env instead",
}
_SPARK_LOG_LEVELS = ("ALL", "DEBUG", "ERROR", "FATAL", "INFO", "OFF", "TRACE", "WARN")
_MODE_ALIASES = {"yarn": "yarn-client", "bigdl-submit": "spark-submit"}
_MODES = ("local", "yarn-client", "yarn-cluster", "spark-submit", "standalone")


def _warn(message: str) -> None:
    # stacklevel 4: the user's init_orca_context call, through init_orca_context and resolve.
    warnings.warn(message, OrcaCompatWarning, stacklevel=4)


def _launched_by_spark() -> bool:
    """spark-submit's PythonRunner hands the driver its gateway; or a SparkContext is already live.

    pyspark is looked at only if the program imported it already: resolving must not import it.
    """
    if os.environ.get("PYSPARK_GATEWAY_PORT"):
        return True
    pyspark = sys.modules.get("pyspark")
    sc_cls = getattr(pyspark, "SparkContext", None) if pyspark else None
    active = getattr(sc_cls, "_active_spark_context", None)
    if active is None:
        return False
    from .context import OrcaContext

    ours = OrcaContext._session
    return not (ours is not None and not ours.stopped and ours.spark_context is active)


def _cluster_mode(value: Any) -> str:
    if value is None:
        return "spark-submit" if _launched_by_spark() else "local"
    if not isinstance(value, str):
        raise ValueError(f"cluster_mode={value!r}: want one of {', '.join(_MODES)} or 'yarn'")
    mode = value.strip().lower()
    mode = _MODE_ALIASES.get(mode, mode)
    if mode.startswith("k8s"):
        raise ValueError(f"cluster_mode={value!r}: orca-yarn runs on Hadoop YARN, not Kubernetes; "
                         "use 'yarn-client' or 'yarn-cluster' (or 'local')")
    if mode not in _MODES:
        raise ValueError(f"cluster_mode={value!r}: want one of {', '.join(_MODES)} or 'yarn'")
    if mode != "spark-submit" and _launched_by_spark():
        _warn(f"cluster_mode={value!r} ignored: a SparkContext already exists (as in Orca, it is used)")
        return "spark-submit"
    return mode


def _cores(value: Any, mode: str, runtime: str) -> int:
    """Orca: unset means every local core in local Spark mode, else 2; ``"*"`` is every local core."""
    if value is None or value == 0:
        return (os.cpu_count() or 2) if mode == "local" and runtime == "spark" else 2
    if value == "*":
        if mode not in ("local", "spark-submit"):
            raise ValueError(f"cores='*' means every core of this machine; cluster_mode={mode!r} needs a number, "
                             "e.g. cores=4")
        return os.cpu_count() or 2
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return _positive_int("cores", value)


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, int)) or isinstance(value, int) and value not in (0, 1):
        raise ValueError(f"{name}={value!r}: want True or False")
    return bool(value)


def _opt_str(name: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise ValueError(f"{name}={value!r}: want a string")
    return os.fspath(value).strip() or None


def _opt_memory(name: str, value: Any) -> int | None:
    return None if value is None or value == "" else parse_memory(value, name)


def _spark_conf(conf: Any, out: dict[str, str]) -> None:
    """Orca's ``conf={...}`` (a dict or a SparkConf) and ``spark.*`` keywords, as strings."""
    if conf is None:
        return
    items = conf.getAll() if hasattr(conf, "getAll") else conf.items() if isinstance(conf, Mapping) else None
    if items is None:
        raise ValueError(f"conf={conf!r}: want a dict of Spark settings, e.g. {{'spark.executor.memoryOverhead': '1g'}}")
    for key, value in items:
        key = str(key)
        if key == "conf" and isinstance(value, Mapping):  # orca-yarn's **conf carrying Orca's conf={...}
            _spark_conf(value, out)
        elif not key.startswith("spark."):
            _warn(f"conf[{key!r}] ignored: Spark takes only 'spark.*' settings")
        elif value is not None:
            out[key] = str(value).lower() if isinstance(value, bool) else str(value)


def _ray_env(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError(f"env={value!r}: want a dict of environment variables for Ray, or a str naming the Python env")
    return {str(k): str(v) for k, v in value.items() if v is not None}


def _archives(value: Any) -> tuple[str, ...]:
    """``additional_archive``: comma-separated or a list of ``PATH[#ALIAS]``, as Spark's --archives."""
    out = _str_list("additional_archive", value)
    for spec in out:
        path, _, alias = spec.partition("#")
        if not path or ("#" in spec and not re.fullmatch(r"[A-Za-z0-9._-]+", alias)):
            raise ValueError(f"additional_archive={spec!r}: want PATH or PATH#ALIAS (ALIAS a plain directory name)")
    return out


def resolve_init_args(cluster_mode: str | None = None, runtime: str = "spark", cores: int | str | None = None,
                      memory: str | int | None = None, num_nodes: int = 1, init_ray_on_spark: bool = False,
                      **kwargs: Any) -> OrcaConfig:
    """Check ``init_orca_context``'s arguments (Orca 2.4's, Analytics Zoo's and orca-yarn's own).

    Pure: starts nothing, no network, no cluster. Returns the OrcaConfig ``init_orca_context``
    runs; raises ValueError (one line: why, and the fix) only for a call that cannot work; warns
    with ``OrcaCompatWarning`` for each argument accepted without effect.
    """
    kw = dict(kwargs)

    def take(name: str, default: Any = None) -> Any:
        return kw.pop(name, default)

    if not isinstance(runtime, str) or runtime.strip().lower() not in ("spark", "ray"):
        raise ValueError(f"runtime={runtime!r}: want 'spark' or 'ray' (an Analytics Zoo call passing cores "
                         "second? name it: cores=...)")
    runtime = runtime.strip().lower()
    mode = _cluster_mode(cluster_mode)

    for name in _ORCA_IGNORED:
        if name in kw:
            take(name)
            _warn(f"{name} ignored: Orca ignored it too")
    for name, why in _NO_EFFECT.items():
        if name in kw:
            take(name)
            _warn(f"{name} has no effect: {why}")

    init_ray = runtime == "ray" or _bool("init_ray_on_spark", init_ray_on_spark)
    init_spark = runtime == "spark"
    alias_ray, alias_spark = take("init_ray"), take("init_spark")
    if alias_ray is not None or alias_spark is not None:
        # orca-yarn's own switches: the one not given keeps orca-yarn's old default, True
        init_ray = _bool("init_ray", True if alias_ray is None else alias_ray)
        init_spark = _bool("init_spark", True if alias_spark is None else alias_spark)
    if not init_ray and not init_spark:
        raise ValueError("init_ray=False and init_spark=False: nothing to start")

    cores_n = _cores(cores, mode, runtime)
    nodes = _positive_int("num_nodes", 1 if num_nodes is None else num_nodes)
    if mode == "local" and nodes > 1:
        _warn(f"num_nodes={nodes} ignored: local mode runs on this machine (as in Orca)")
    master = _opt_str("master", take("master"))
    if mode == "standalone":
        if master is None:
            _warn("cluster_mode='standalone' without master: Spark runs local[num_nodes*cores] on this machine")
            mode, cores_n = "local", cores_n * nodes
        elif not master.startswith("spark://"):
            raise ValueError(f"master={master!r}: a standalone master is 'spark://host:port'")

    env_arg = take("env", "auto")
    ray_env: dict[str, str] = {}
    if env_arg is None:
        env_arg = "auto"
    elif not isinstance(env_arg, str):
        ray_env, env_arg = _ray_env(env_arg), "auto"
    if not env_arg.strip():
        raise ValueError(f"env={env_arg!r}: want 'auto', 'none', a path to a conda env/venv, or an hdfs:// archive")

    queue = take("queue")
    if queue is not None and (not isinstance(queue, str) or not queue.strip()):
        raise ValueError(f"queue={queue!r}: want a queue name")
    log_level = str(take("spark_log_level", "WARN")).strip().upper()
    if log_level not in _SPARK_LOG_LEVELS:
        raise ValueError(f"spark_log_level={log_level!r}: want one of {', '.join(_SPARK_LOG_LEVELS)}")

    spark_conf: dict[str, str] = {}
    conf = take("conf")
    if conf is not None and mode == "spark-submit":
        _warn("conf ignored: with spark-submit the Spark settings come from its command line (as in Orca)")
    else:
        _spark_conf(conf, spark_conf)
    for key in [k for k in kw if k.startswith("spark.")]:
        _spark_conf({key: take(key)}, spark_conf)

    mem = parse_memory("4g" if memory is None else memory, "memory")
    password = take("redis_password", take("password"))
    cfg = OrcaConfig(
        cluster_mode=mode, runtime=runtime, cores=cores_n, memory=mem, num_nodes=nodes,
        driver_cores=_positive_int("driver_cores", take("driver_cores", 1)),
        driver_memory=parse_memory(take("driver_memory", "1g"), "driver_memory"),
        extra_python_lib=_str_list("extra_python_lib", take("extra_python_lib")),
        env=env_arg.strip(),
        penv_archive=_opt_str("penv_archive", take("penv_archive")),
        additional_archive=_archives(take("additional_archive")),
        queue=queue.strip() if queue else None,
        tags=_str_list("tags", take("tags")),
        object_store_memory=_opt_memory("object_store_memory", take("object_store_memory")),
        # Analytics Zoo's older name (its Chronos docs still pass it with an object store sized for it).
        extra_executor_memory_for_ray=_opt_memory("extra_executor_memory_for_ray",
                                                  take("extra_executor_memory_for_ray", take("extra_memory_for_ray"))),
        include_webui=_bool("include_webui", take("include_webui", False)),
        ray_env=ray_env,
        num_ray_nodes=_positive_int("num_ray_nodes", take("num_ray_nodes") or nodes),
        ray_node_cpu_cores=_cores(take("ray_node_cpu_cores") or cores_n, mode, runtime),
        redis_password=None if password is None else str(password),
        init_ray=init_ray, init_spark=init_spark,
        colocate_spark=_bool("colocate_spark", take("colocate_spark", True)),
        jars=_str_list("jars", take("jars")),
        spark_log_level=log_level,
        master=master,
        python_location=_opt_str("python_location", take("python_location")),
        hadoop_conf=_opt_str("hadoop_conf", take("hadoop_conf")),
        hadoop_user_name=_opt_str("hadoop_user_name", take("hadoop_user_name")),
        spark_yarn_archive=_opt_str("spark_yarn_archive", take("spark_yarn_archive")),
        spark_conf=spark_conf,
        ray_init_args=_ray_init_args(kw, runtime),
    )
    _check_sizes(cfg)
    return cfg


def _ray_init_args(rest: dict[str, Any], runtime: str) -> dict[str, Any]:
    """What is left: ``ray.init`` keywords for runtime="ray" (Orca passed them on); else ignored."""
    if runtime == "ray":
        return rest
    for name in rest:
        _warn(f"{name} ignored: init_orca_context(runtime='spark') does not know it (Orca ignored it too)")
    return {}


def _check_sizes(cfg: OrcaConfig) -> None:
    osm = cfg.object_store_memory
    if osm is not None and cfg.yarn and osm >= cfg.ray_node_memory:
        raise ValueError(
            f"object_store_memory ({memory_flag(osm)}) must be below memory ({memory_flag(cfg.ray_node_memory)}"
            " with extra_executor_memory_for_ray): the object store lives inside each node's YARN container"
        )
