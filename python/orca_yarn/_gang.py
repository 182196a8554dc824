"""Spark and Ray in one gang: one YARN application whose containers each run a Ray node and a Spark
worker (Spark's own standalone master on the head), which this process, or the driver in the head
container, attaches to.

Why one application: Orca ran Ray inside Spark's executors, so a program sized ``num_nodes=2,
memory="10g"`` asked YARN for two executors. Two applications (a Ray gang and Spark on YARN) ask
for twice that, and Spark's executors then wait for room beside the Ray containers. In one gang,
each container holds the executor's heap (``memory``), its overhead and Spark's daemons, plus Ray's
share (``extra_executor_memory_for_ray``, else Ray's minimum with some room; the binary sizes it).

Which engines the gang holds is decided at ``init_orca_context``: those the program asked for. An
engine asked for later (Orca's lazy Ray in a Spark program) starts as its own YARN application, as
with ``colocate_spark=False``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._config import OrcaConfig, memory_flag
from ._resolve import OrcaCompatWarning
from ._spark import add_libs, standalone_base

# What the launcher gives a driver in the head container (launcher/rayrole).
ENV_MASTER = "ORCA_YARN_SPARK_MASTER"
ENV_SECRET_FILE = "ORCA_YARN_SPARK_SECRET_FILE"
ENV_PYTHON = "ORCA_YARN_SPARK_PYTHON"


def engines(cfg: OrcaConfig) -> tuple[str, ...]:
    """The engines one gang holds for ``cfg``, or () for separate applications.

    A gang has one shape: Ray nodes of another count or size than Spark's executors
    (``num_ray_nodes``, ``ray_node_cpu_cores``) cannot share its containers.
    """
    if not cfg.colocate_spark or not cfg.init_spark:
        return ()
    if not cfg.init_ray:
        return ("spark",)
    if (cfg.num_ray_nodes, cfg.ray_node_cpu_cores) != (cfg.num_nodes, cfg.cores):
        warnings.warn(f"num_ray_nodes={cfg.num_ray_nodes}, ray_node_cpu_cores={cfg.ray_node_cpu_cores} differ from "
                      f"num_nodes={cfg.num_nodes}, cores={cfg.cores}: Ray and Spark run as two YARN applications",
                      OrcaCompatWarning, stacklevel=4)
        return ()
    return ("ray", "spark")


def engine_args(cfg: OrcaConfig, gang: Sequence[str]) -> list[str]:
    """``orca-yarn submit`` flags of a gang: its engines and Spark's and Ray's shares of each
    container (no ``--memory``: the binary sizes the container from the shares)."""
    args = ["--engines", ",".join(gang), "--spark-memory", memory_flag(cfg.memory)]
    if "ray" in gang and cfg.extra_executor_memory_for_ray:
        args += ["--ray-memory", memory_flag(cfg.extra_executor_memory_for_ray)]
    return args


# What the gang's containers were sized for: a program's own value would ask the Workers for an
# executor they cannot give (the first job then waits forever) or leave cores unused.
_SIZED_BY_GANG = ("spark.executor.memory", "spark.executor.cores", "spark.cores.max")


def spark_conf(cfg: OrcaConfig, app_name: str, master: str, python: str,
               py_files: Sequence[str] | None = None, archives: Sequence[str] = ()) -> dict[str, str]:
    """The driver's conf for the gang's Spark: one executor per container with all its cores and
    ``memory``, the first job held until every executor registered, and the executors running the
    env's interpreter (an absolute path in the containers). The secret is not here: see
    ``secret_submit_env``."""
    conf = standalone_base(cfg, master, app_name, python)
    conf["spark.authenticate"] = "true"
    conf["spark.scheduler.minRegisteredResourcesRatio"] = "1.0"
    # archives: executors start in work directories of their own, not where YARN unpacked them.
    add_libs(conf, cfg.extra_python_lib if py_files is None else py_files, cfg.jars, archives)
    for key in _SIZED_BY_GANG:
        if key in cfg.spark_conf and cfg.spark_conf[key] != conf[key]:
            warnings.warn(f"{key}={cfg.spark_conf[key]} is ignored: the gang's containers are sized from "
                          f"memory and cores ({conf[key]}); change those instead", OrcaCompatWarning, stacklevel=4)
    conf.update({k: v for k, v in cfg.spark_conf.items() if k not in _SIZED_BY_GANG})
    return conf


def secret_delivery(secret_file: str, staging: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(conf, environment) that hand the gang's secret to the driver's JVM without a command line.

    A JVM this process started before (an earlier session, a stopped SparkContext) is reused by
    pyspark and reads no launch arguments any more: the secret then goes into the conf, which
    reaches that JVM over py4j. Otherwise it goes into the new JVM's properties file.
    """
    from pyspark import SparkContext

    if SparkContext._gateway is not None:  # noqa: SLF001 - pyspark's own singleton
        return {"spark.authenticate.secret": read_secret(secret_file)}, {}
    if "--properties-file" in os.environ.get("PYSPARK_SUBMIT_ARGS", "").split():
        warnings.warn("PYSPARK_SUBMIT_ARGS names its own --properties-file: the gang's Spark secret goes to the "
                      "driver JVM as --conf, readable in its command line by other users of this host",
                      OrcaCompatWarning, stacklevel=4)
        return {"spark.authenticate.secret": read_secret(secret_file)}, {}
    return {}, secret_submit_env(secret_file, staging)


def secret_submit_env(secret_file: str, staging: Path) -> dict[str, str]:
    """The environment that hands the gang's secret to a new driver JVM through a 0600 properties
    file in ``staging``.

    Why not ``builder.config("spark.authenticate.secret", ...)`` there: pyspark starts the driver JVM
    with every setting as ``--conf k=v`` on its command line, which every user of the host can read
    in /proc (seen on PySpark 4.3). ``PYSPARK_SUBMIT_ARGS`` carries only the file's path; arguments
    the user put there are kept after it.
    """
    props = staging / "spark-auth.properties"
    fd = os.open(props, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"spark.authenticate=true\nspark.authenticate.secret={read_secret(secret_file)}\n")
    user = os.environ.get("PYSPARK_SUBMIT_ARGS", "").strip() or "pyspark-shell"
    # --load-spark-defaults: the site's spark-defaults.conf still applies beneath the file (Spark >= 4).
    return {"PYSPARK_SUBMIT_ARGS": f"--properties-file {props} --load-spark-defaults {user}"}


def read_secret(path: str) -> str:
    """The gang's Spark secret from the 0600 file the binary (or the launcher) wrote."""
    try:
        secret = Path(path).read_text().strip()
    except OSError as exc:
        raise RuntimeError(f"cannot read the Spark secret file {path}: {exc}") from exc
    if not secret:
        raise RuntimeError(f"the Spark secret file {path} is empty")
    return secret


def from_result(raw: dict[str, Any]) -> tuple[str, str, str] | None:
    """(master, secret file, executors' python) from ``submit --detach`` JSON, or None without
    Spark (or without the secret file, which the gang's Spark cannot be used without)."""
    master = str(raw.get("spark_master") or "")
    if not master or not raw.get("spark_secret_file"):
        return None
    return master, str(raw.get("spark_secret_file") or ""), str(raw.get("container_python") or "python3")


def from_container_env() -> tuple[str, str, str] | None:
    """The same, for the driver in the head container (the launcher's environment)."""
    master = os.environ.get(ENV_MASTER, "")
    if not master:
        return None
    return master, os.environ.get(ENV_SECRET_FILE, ""), os.environ.get(ENV_PYTHON, "python3")
