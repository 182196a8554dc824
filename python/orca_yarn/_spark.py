"""Spark next to Ray: the Spark conf for local and YARN modes, Spark's jars archive, the session.

Why these settings (research/ray-spark-in-yarn.md §4):
- The executors run the *same* packed env the Ray containers run: ``spark.archives=<hdfs env>#environment``
  is not re-uploaded (an hdfs:// archive is used in place) and ``spark.pyspark.python`` points into it.
- Without ``spark.yarn.archive`` Spark zips and uploads ``$SPARK_HOME/jars`` (~460 MB for pyspark 4.1)
  on every application. We zip it once per pyspark build, upload it once into orca-yarn's
  content-addressed cache and point ``spark.yarn.archive`` at it.
- Executors are sized from the same numbers as the Ray nodes and dynamic allocation is off: the
  user asked for num_nodes x cores, and many distributions turn dynamic allocation on by default.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ._config import OrcaConfig, memory_flag

ENV_ALIAS = "environment"
_MIN_OVERHEAD = 512 << 20


def executor_python(env_python: str = "") -> str:
    """The executors' interpreter inside the ``#environment`` alias.

    ``env_python`` from ``orca-yarn`` may carry its own alias first (``environment/bin/python``) or
    be relative to the archive root (``bin/python``); both map to ``./environment/bin/python``.
    """
    parts = [p for p in env_python.replace("\\", "/").split("/") if p and p != "."]
    if env_python.startswith("/") or ".." in parts:
        raise ValueError(f"env_python={env_python!r}: want a path relative to the env archive")
    if not parts:
        parts = ["bin", "python"]
    elif len(parts) >= 3 and parts[1] == "bin":
        parts = parts[1:]
    return "./" + "/".join([ENV_ALIAS, *parts])


def memory_overhead(memory: int) -> int:
    """Executor memoryOverhead: 20% of the heap, at least 512 MiB.

    Why above Spark's 10%/384 MiB: in PySpark the Python workers (pandas, Arrow batches) live in the
    overhead, one per task slot; 10% is the classic cause of YARN killing PySpark executors.
    """
    return max(_MIN_OVERHEAD, memory // 5)


def local_conf(cfg: OrcaConfig, app_name: str) -> dict[str, str]:
    """``local[cores]``: the driver JVM is the executor, so it gets ``memory``."""
    conf = {
        "spark.master": f"local[{cfg.cores}]",
        "spark.app.name": app_name,
        "spark.driver.memory": memory_flag(cfg.memory),
        "spark.pyspark.python": cfg.python_location or sys.executable,
        "spark.pyspark.driver.python": sys.executable,
    }
    add_libs(conf, cfg.extra_python_lib, cfg.jars)
    conf.update(cfg.spark_conf)
    return conf


def standalone_base(cfg: OrcaConfig, master: str, app_name: str, python: str) -> dict[str, str]:
    """A driver on a standalone master (a site's, or the gang's own): ``num_nodes`` executors of
    ``cores`` and ``memory``, one per worker, the executors running ``python``."""
    return {
        "spark.master": master,
        "spark.app.name": app_name,
        "spark.pyspark.python": python,
        "spark.pyspark.driver.python": sys.executable,
        "spark.executor.cores": str(cfg.cores),
        "spark.executor.memory": memory_flag(cfg.memory),
        "spark.cores.max": str(cfg.cores * cfg.num_nodes),
        "spark.driver.memory": memory_flag(cfg.driver_memory),
        "spark.driver.cores": str(cfg.driver_cores),
    }


def standalone_conf(cfg: OrcaConfig, app_name: str) -> dict[str, str]:
    """A Spark standalone master (``master="spark://..."``): executors sized as on YARN; the workers
    run ``python_location`` (or this interpreter's path), which must exist on every worker host."""
    conf = standalone_base(cfg, str(cfg.master), app_name, cfg.python_location or sys.executable)
    add_libs(conf, cfg.extra_python_lib, cfg.jars)
    conf.update(cfg.spark_conf)
    return conf


def add_libs(conf: dict[str, str], py_files: Sequence[str], jars: Sequence[str], archives: Sequence[str] = ()) -> None:
    if py_files:
        conf["spark.submit.pyFiles"] = ",".join(py_files)
    if jars:
        conf["spark.jars"] = ",".join(jars)
    if archives:
        conf["spark.archives"] = ",".join([*filter(None, [conf.get("spark.archives")]), *archives])


def yarn_conf(cfg: OrcaConfig, app_name: str, env_path: str, env_python: str = "",
              jars_archive: str | None = None, tags: tuple[str, ...] = (),
              py_files: Sequence[str] | None = None, archives: Sequence[str] | None = None) -> dict[str, str]:
    """Spark on YARN, client deploy mode (this process, or the head container, is the driver).

    ``env_path`` empty means env="none": no archive, executors run the hosts' ``python3``.
    ``py_files``/``archives`` default to the config's ``extra_python_lib``/``additional_archive``;
    a driver in a container passes their container-side names instead (``_shipping``).
    """
    if env_path and "://" not in env_path:
        raise ValueError(f"env_path={env_path!r}: want the hdfs:// URI of the packed env")
    conf = {
        "spark.master": "yarn",
        "spark.submit.deployMode": "client",
        "spark.app.name": app_name,
        "spark.pyspark.driver.python": sys.executable,
        "spark.executor.instances": str(cfg.num_nodes),
        "spark.executor.cores": str(cfg.cores),
        "spark.executor.memory": memory_flag(cfg.memory),
        "spark.executor.memoryOverhead": memory_flag(memory_overhead(cfg.memory)),
        "spark.driver.memory": memory_flag(cfg.driver_memory),
        "spark.driver.cores": str(cfg.driver_cores),
        "spark.dynamicAllocation.enabled": "false",
        # A driver that dies uncleanly must not leave the Spark app looking SUCCEEDED (Spark 3.3+).
        "spark.yarn.am.clientModeTreatDisconnectAsFailed": "true",
    }
    if env_path:
        conf["spark.archives"] = f"{env_path}#{ENV_ALIAS}"
        conf["spark.pyspark.python"] = executor_python(env_python)
    else:  # env="none": the NodeManagers' own interpreter, as the Ray containers use
        conf["spark.pyspark.python"] = "python3"
    if cfg.spark_yarn_archive or jars_archive:
        conf["spark.yarn.archive"] = str(cfg.spark_yarn_archive or jars_archive)
    if cfg.queue:
        conf["spark.yarn.queue"] = cfg.queue
    all_tags = [*cfg.tags, *tags]
    if all_tags:
        conf["spark.yarn.tags"] = ",".join(all_tags)
    add_libs(conf, cfg.extra_python_lib if py_files is None else py_files, cfg.jars,
          cfg.additional_archive if archives is None else archives)
    conf.update(cfg.spark_conf)
    return conf


def spark_home() -> Path:
    """$SPARK_HOME, or the pip-installed pyspark's own directory (it holds ``jars/``)."""
    from pyspark.find_spark_home import _find_spark_home

    return Path(_find_spark_home())


def jars_zip(home: Path, cache_dir: Path | None = None) -> Path:
    """Zip ``home/jars`` once into ``~/.cache/orca-yarn/spark-jars-<hash>.zip`` (jars at the root).

    The name hashes the jar names and sizes, cheap to compute and different for every Spark build;
    the content hash is orca-yarn's business when it uploads. Stored, not deflated: jars already are.
    Written to a temporary name and renamed, so concurrent drivers never see half a zip.
    """
    jars = home / "jars"
    entries = sorted(p for p in jars.iterdir() if p.is_file())
    if not entries:
        raise FileNotFoundError(f"{jars}: no Spark jars (is pyspark installed?)")
    h = hashlib.sha256()
    for p in entries:
        h.update(f"{p.name}\0{p.stat().st_size}\n".encode())
    cache = cache_dir or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "orca-yarn"
    out = cache / f"spark-jars-{h.hexdigest()[:16]}.zip"
    if out.is_file():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=out.name + ".", dir=cache)
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
            for p in entries:
                z.write(p, arcname=p.name)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def spark_yarn_archive(upload: Callable[[str], str], home: Path | None = None) -> str:
    """The hdfs:// URI for ``spark.yarn.archive``: the cached jars zip, uploaded by ``upload``."""
    return upload(str(jars_zip(home or spark_home())))


def yarn_env(env_path: str) -> dict[str, str]:
    """Environment for the Spark JVM we launch: executors import pyspark from the env itself.

    Why: by default Spark on YARN uploads ``pyspark.zip`` and ``py4j-*.zip`` from the driver's
    SPARK_HOME to every application and puts them first on the executors' PYTHONPATH, so the
    executors run the driver's pyspark files over the env's python. ``PYSPARK_ARCHIVES_PATH`` with a
    ``local:`` entry replaces that (Spark's own YARN tests use it): the archive's site-packages, where
    the packed env's pyspark lives, and nothing is uploaded.
    """
    if not env_path:
        return {}
    site = f"./{ENV_ALIAS}/lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages"
    return {"PYSPARK_ARCHIVES_PATH": "local:" + site}


def start_session(conf: Mapping[str, str], env: Mapping[str, str] | None = None,
                  log_level: str = "WARN") -> tuple[Any, dict[str, str | None]]:
    """Create the SparkSession from ``conf``; return it and the environment values it replaced.

    ``$PYSPARK_PYTHON`` is set from ``spark.pyspark.python``: a SparkContext created inside a running
    Python (not by spark-submit) takes the executors' interpreter from that variable (pyspark
    ``core/context.py``: ``self.pythonExec``) and ignores the setting; without it the executors ran
    the hosts' ``python3``, not the packed env (seen on the real cluster). ``env`` adds variables for
    the JVM (``yarn_env``). The caller restores the returned values when the session stops.

    Refuses to adopt a SparkContext it did not create: ``getOrCreate`` would silently ignore every
    setting, leaving a local context pretending to be a YARN one.
    """
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    if SparkContext._active_spark_context is not None:  # noqa: SLF001 - pyspark's own singleton
        raise RuntimeError("a SparkContext is already running in this process; stop it before init_orca_context")
    wanted = dict(env or {})
    if "spark.pyspark.python" in conf:
        wanted["PYSPARK_PYTHON"] = conf["spark.pyspark.python"]
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    saved.update(_drop_dead_java_home())
    try:
        builder = SparkSession.builder
        for key, value in conf.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel(log_level)
    except BaseException:
        restore_env(saved)
        raise
    return spark, saved


def adopt_session(log_level: str = "WARN") -> Any:
    """The SparkContext spark-submit (or the program) made, as a SparkSession: its settings stand."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    sc = SparkContext.getOrCreate()
    sc.setLogLevel(log_level)
    return SparkSession(sc) if SparkSession.getActiveSession() is None else SparkSession.getActiveSession()


def _drop_dead_java_home() -> dict[str, str | None]:
    """Unset a JAVA_HOME without ``bin/java`` for the JVM's start, with a warning; return what to restore.

    Why: BigDL's Colab notebooks set ``os.environ["JAVA_HOME"] = "/usr/lib/jvm/java-8-openjdk-amd64"``
    in their set-up cell; off Colab that directory does not exist and Spark cannot start, while the
    ``java`` on PATH (which Spark falls back to) would run it.
    """
    home = os.environ.get("JAVA_HOME")
    if not home or os.path.isfile(os.path.join(home, "bin", "java")):
        return {}
    import warnings

    warnings.warn(f"JAVA_HOME={home} has no bin/java: Spark starts with the java on PATH instead", stacklevel=4)
    del os.environ["JAVA_HOME"]
    return {"JAVA_HOME": home}


def restore_env(saved: Mapping[str, str | None]) -> None:
    """Put back the environment values ``start_session`` replaced."""
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
