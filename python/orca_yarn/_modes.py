"""How each cluster mode builds a Session: local, yarn-client, yarn-cluster (both sides of it).

- local: Ray and Spark on this machine; no binary, no Hadoop.
- yarn-client: this process is the driver. ``orca-yarn submit --detach`` starts a Ray-only YARN
  application and returns once Ray is ready; Ray Client connects; ``orca-yarn attach`` streams its
  output (and guards it); Spark starts its own YARN application on the same env archive.
- yarn-cluster, on the edge: the running script is submitted as the driver of a Ray application
  (``orca-yarn submit SCRIPT -- ARGS``, blocking), its output streamed, and this process exits with
  the application's exit code, an int (Orca exited with a CompletedProcess object: always 1).
- inside an orca-yarn driver (``in_driver_container``, whatever YARN mode was asked): the script is already
  the driver on the cluster, as after ``orca-yarn submit train.py`` from Airflow; it connects to the
  Ray it was started in and builds Spark on YARN from the context the edge shipped with ``--files``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from . import _argv, _ray, _spark
from ._binary import OrcaYarn
from ._config import OrcaConfig
from ._logstream import ClusterOutput
from ._results import CLIError
from ._session import Session

CONTEXT_FILE = "orca_yarn_context.json"
HADOOP_CONF_ALIAS = "orca_hadoop_conf"


def in_driver_container() -> bool:
    """True when orca-yarn started this process as the driver of a Ray application.

    ``ORCA_YARN_ROLE=driver`` (design.md §3) says so directly. The current launcher runs the driver
    in the head container with the container's role (``head``) plus ``RAY_ADDRESS``, so a driver is
    also recognised by ``RAY_ADDRESS`` together with the container's own ``ORCA_YARN_*`` variables.
    """
    role = os.environ.get("ORCA_YARN_ROLE", "")
    if role == "driver":
        return True
    return bool(os.environ.get("RAY_ADDRESS")) and (role == "head" or bool(os.environ.get("ORCA_YARN_APP_ID")))


def app_name() -> str:
    """``orca-<script>``, or ``orca-notebook`` under Jupyter (whose argv[0] is the kernel launcher)."""
    path = sys.argv[0] if sys.argv and sys.argv[0] else ""
    argv0 = os.path.basename(path)
    if not argv0 or "ipykernel" in argv0 or argv0 in ("-c", "-m"):
        return "orca-notebook"
    if argv0 == "__main__.py":  # python -m pkg: the package says more than __main__.py
        argv0 = os.path.basename(os.path.dirname(os.path.abspath(path))) or argv0
    return "orca-" + argv0


def new_tag() -> str:
    """A tag shared by every YARN application of one session: ``orca-yarn kill --tag`` finds them all."""
    return "orca-session-" + uuid.uuid4().hex[:12]


def require_hadoop_conf() -> None:
    if not (os.environ.get("HADOOP_CONF_DIR") or os.environ.get("YARN_CONF_DIR")):
        raise RuntimeError("the YARN modes need HADOOP_CONF_DIR (the cluster's client configuration directory)")


def start_local(cfg: OrcaConfig, session: Session) -> None:
    if cfg.init_ray:
        session.ray = _ray.start_local(cfg)
    if cfg.init_spark:
        session.spark, session.spark_env = _spark.start_session(_spark.local_conf(cfg, app_name()))


def env_to_ship(env: str) -> str:
    """``env="auto"`` means the env of *this* interpreter: the driver and the cluster must match.

    Why not leave "auto" to the binary: it looks at ``CONDA_PREFIX``/``VIRTUAL_ENV``, which are unset
    when a venv's python runs without activation (Jupyter kernels, Airflow tasks, cron). Here we
    know the interpreter: a venv (``sys.prefix != sys.base_prefix``) or a conda env (``conda-meta/``).
    A bare system Python is passed on as "auto" for the binary to judge.
    """
    if env != "auto":
        return env
    prefix = Path(sys.prefix)
    if sys.prefix != sys.base_prefix or (prefix / "conda-meta").is_dir():
        return str(prefix)
    return env


def _env_archive(cfg: OrcaConfig, cli: OrcaYarn) -> tuple[str, str]:
    """(hdfs URI, python inside it) of the env: given as hdfs://, packed, or none at all."""
    if cfg.env == "none":
        return "", ""
    if "://" in cfg.env:
        return cfg.env, "bin/python"
    return cli.pack(env_to_ship(cfg.env)).path, "bin/python"


def _spark_on_yarn(cfg: OrcaConfig, session: Session, cli: OrcaYarn, env_path: str, env_python: str) -> None:
    conf = _spark.yarn_conf(cfg, app_name(), env_path, env_python,
                            _spark.spark_yarn_archive(cli.cache_put), (session.tag,))
    session.spark, session.spark_env = _spark.start_session(conf, _spark.yarn_env(env_path))
    session.spark_app_id = session.spark.sparkContext.applicationId


def start_yarn_client(cfg: OrcaConfig, session: Session, barrier_mode: bool | int,
                      log_output: Callable[[], bool]) -> None:
    """``log_output`` is a zero-argument callable: asked per line, so it can be switched later."""
    require_hadoop_conf()
    cli = session.cli = OrcaYarn()
    env_path, env_python = "", ""
    if cfg.init_ray:
        args = _argv.ray_cluster_args(cfg, env_to_ship(cfg.env), app_name(), (session.tag,),
                                      _argv.min_nodes_for(barrier_mode, cfg.num_nodes))
        try:
            res = cli.submit(args, "submit (Ray cluster)")
        except CLIError as exc:
            if exc.result.get("app_id"):  # submitted but never ready: it is ours to kill
                session.app_ids.append(str(exc.result["app_id"]))
            raise
        session.app_ids.append(res.app_id)
        if res.ray_token_file:
            session.token_files.append(Path(res.ray_token_file))
        res.require_ray()
        session.outputs.append(ClusterOutput(cli, res.app_id, log_output))
        session.ray = _ray.connect_cluster("yarn-client", res.app_id, res.ray_client_address, res.ray_address,
                                           res.ray_token_file, res.tracking_url)
        env_path, env_python = res.env_path, res.env_python
    if cfg.init_spark:
        if not env_path:
            env_path, env_python = _env_archive(cfg, cli)
        _spark_on_yarn(cfg, session, cli, env_path, env_python)


def _zip_hadoop_conf(dest: Path) -> Path:
    """The edge's Hadoop client configuration as a zip, for Spark inside the head container."""
    src = Path(os.environ.get("HADOOP_CONF_DIR") or os.environ["YARN_CONF_DIR"])
    out = dest / f"{HADOOP_CONF_ALIAS}.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(src.iterdir()):
            if p.is_file():
                z.write(p, arcname=p.name)
    return out


def submit_self(cfg: OrcaConfig, session: Session, barrier_mode: bool | int) -> NoReturn:
    """yarn-cluster from the edge: run this very script as the driver on the cluster, then exit."""
    require_hadoop_conf()
    script = sys.argv[0] if sys.argv else ""
    if not script.endswith(".py") or not os.path.isfile(script):
        raise RuntimeError("cluster_mode='yarn-cluster' re-runs the calling script on the cluster; "
                           f"{script!r} is not a .py file (from a notebook, use 'yarn-client')")
    cli = session.cli = OrcaYarn()
    staging = Path(tempfile.mkdtemp(prefix="orca-yarn-"))
    session.staging.append(staging)
    files: list[str] = []
    archives: list[str] = []
    env = env_to_ship(cfg.env)
    if cfg.init_spark:
        # The binary's env cache makes submit's own pack of the same env a lookup, not a second upload.
        env_path, env_python = _env_archive(cfg, cli)
        context = {"env_path": env_path, "env_python": env_python,
                   "spark_yarn_archive": _spark.spark_yarn_archive(cli.cache_put), "tag": session.tag}
        ctx_file = staging / CONTEXT_FILE
        ctx_file.write_text(json.dumps(context))
        files.append(str(ctx_file))
        archives.append(f"{_zip_hadoop_conf(staging)}#{HADOOP_CONF_ALIAS}")
    args = _argv.script_args(cfg, env, app_name(), script, sys.argv[1:], (session.tag,),
                             _argv.min_nodes_for(barrier_mode, cfg.num_nodes), files, archives)
    try:
        code = cli.run_streaming(args, "submit (yarn-cluster)").exit_code
    except CLIError as exc:
        code = exc.exit_code or 1
        print(f"orca-yarn: {exc}", file=sys.stderr)
    except KeyboardInterrupt:  # orca-yarn got the same SIGINT and kills the application itself
        code = 130
    finally:
        session.stop()
    sys.exit(code)


def start_in_container(cfg: OrcaConfig, session: Session) -> None:
    """The driver inside the cluster: reuse its Ray; Spark on YARN from the shipped context."""
    if cfg.init_ray:
        session.ray = _ray.connect_in_container()
    if not cfg.init_spark:
        return
    ctx_path = Path(CONTEXT_FILE)
    context = json.loads(ctx_path.read_text()) if ctx_path.is_file() else {}
    conf_dir = Path(HADOOP_CONF_ALIAS)
    if conf_dir.is_dir():
        os.environ["HADOOP_CONF_DIR"] = str(conf_dir.resolve())
    require_hadoop_conf()
    env_path = context.get("env_path") or os.environ.get("ORCA_YARN_ENV_PATH", "")
    if not env_path and cfg.env != "none":
        raise RuntimeError(f"no {CONTEXT_FILE} and no ORCA_YARN_ENV_PATH: cannot tell Spark which env archive to use")
    conf = _spark.yarn_conf(cfg, app_name(), env_path, context.get("env_python", "bin/python"),
                            context.get("spark_yarn_archive"), (context.get("tag") or session.tag,))
    session.spark, session.spark_env = _spark.start_session(conf, _spark.yarn_env(env_path))
    session.spark_app_id = session.spark.sparkContext.applicationId

