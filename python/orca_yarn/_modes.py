"""How each cluster mode starts its engines: local, yarn-client, yarn-cluster (both sides), spark-submit,
standalone. One ``start_<mode>`` per mode, and per mode one function for Ray and one for Spark, so
an engine the program did not ask for at first starts the same way later (``start_ray``,
``start_spark``: Orca's lazy Ray, and Spark for a runtime="ray" program that asks for it).

- local: Ray and Spark on this machine; no binary, no Hadoop.
- yarn-client: this process is the driver. ``orca-yarn submit --detach`` starts one YARN application
  whose containers run the engines asked for (``_gang``: Spark's workers and Ray's nodes side by
  side) and returns once they are ready; Ray Client connects, Spark's driver attaches to the gang's
  master; ``orca-yarn attach`` streams its output (and guards it). With ``colocate_spark=False`` (or
  an engine asked for later) Ray is a Ray-only application and Spark its own Spark-on-YARN one.
- yarn-cluster, on the edge: the running script is submitted as the driver of a Ray application
  (``orca-yarn submit SCRIPT -- ARGS``, blocking), its output streamed, and this process exits with
  the application's exit code, an int (Orca exited with a CompletedProcess object: always 1).
- inside an orca-yarn driver (``in_driver_container``, whatever YARN mode was asked): the script is already
  the driver on the cluster, as after ``orca-yarn submit train.py`` from Airflow; it connects to the
  Ray it was started in and builds Spark on YARN from the context the edge shipped with ``--files``.
- spark-submit: the SparkContext spark-submit made; Ray in its executors (``_ray_on_spark``) for a
  YARN or standalone master, on this machine for a local one.
- standalone: Spark at ``master``; Ray, which orca-yarn cannot start on a standalone cluster, on this machine.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from . import _argv, _gang, _ray, _ray_on_spark, _shipping, _spark
from ._binary import OrcaYarn
from ._config import OrcaConfig
from ._logstream import ClusterOutput
from ._resolve import OrcaCompatWarning
from ._results import CLIError, SubmitResult
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


def require_hadoop_conf(session: Session) -> None:
    """Orca's ``hadoop_conf`` and ``hadoop_user_name`` become the process's HADOOP_CONF_DIR and
    HADOOP_USER_NAME for the session (the binary and Spark's JVM read them), as Orca set them."""
    cfg = session.cfg
    if cfg.hadoop_conf:
        session.set_env({"HADOOP_CONF_DIR": cfg.hadoop_conf})
    if cfg.hadoop_user_name:
        session.set_env({"HADOOP_USER_NAME": cfg.hadoop_user_name})
    if not (os.environ.get("HADOOP_CONF_DIR") or os.environ.get("YARN_CONF_DIR")):
        raise RuntimeError("the YARN modes need HADOOP_CONF_DIR (the cluster's client configuration directory) "
                           "or hadoop_conf=...")


def _cli(session: Session) -> OrcaYarn:
    if session.cli is None:
        session.cli = OrcaYarn()
    return session.cli


def mode_of(cfg: OrcaConfig) -> str:
    """The dispatch key: the cluster mode, or "in-container" for a driver orca-yarn started."""
    return "in-container" if cfg.yarn and in_driver_container() else cfg.cluster_mode


def start(session: Session) -> None:
    """Start what ``session.cfg`` asks for at once, in its mode."""
    session.mode = mode_of(session.cfg)
    if session.mode == "yarn-cluster":
        submit_self(session)
    if session.mode == "yarn-client" and _gang.engines(session.cfg):
        gang_yarn_client(session)
        return
    if session.cfg.init_spark and session.mode == "spark-submit":
        start_spark(session)  # first: where Ray goes depends on spark-submit's master
    if session.cfg.init_ray:
        start_ray(session)
    if session.cfg.init_spark:
        session.ensure_spark()


def start_ray(session: Session) -> None:
    _ENGINES[session.mode][0](session)


def start_spark(session: Session) -> None:
    _ENGINES[session.mode][1](session)


# local ---------------------------------------------------------------------------------------------

def _local_libs(session: Session) -> None:
    """extra_python_lib and additional_archive on this machine, once per session."""
    if session.staging:
        return
    staging = Path(tempfile.mkdtemp(prefix="orca-yarn-local-"))
    session.staging.append(staging)
    session.set_env(_shipping.local_python_path(session.cfg))
    session.links += _shipping.link_local_archives(session.cfg, staging)


def ray_local(session: Session) -> None:
    _local_libs(session)
    session.ray = _ray.start_local(session.cfg)


def spark_local(session: Session) -> None:
    _local_libs(session)
    cfg = session.cfg
    session.spark, session.spark_env = _spark.start_session(_spark.local_conf(cfg, app_name()),
                                                            log_level=cfg.spark_log_level)


# yarn-client ---------------------------------------------------------------------------------------

def _submit_detached(session: Session, args: list[str], what: str) -> SubmitResult:
    """``submit --detach``: the application is recorded (to kill at stop) the moment it exists."""
    cli = _cli(session)
    try:
        res = cli.submit(args, what)
    except CLIError as exc:
        if exc.result.get("app_id"):  # submitted but never ready: it is ours to kill
            session.app_ids.append(str(exc.result["app_id"]))
        raise
    session.app_ids.append(res.app_id)
    if res.ray_token_file:
        session.token_files.append(Path(res.ray_token_file))
    session.outputs.append(ClusterOutput(cli, res.app_id, session.log_output))
    session.env_path, session.env_python = res.env_path, res.env_python
    return res


def _connect_ray(session: Session, res: SubmitResult) -> None:
    res.require_ray()
    session.ray = _ray.connect_cluster("yarn-client", res.app_id, res.ray_client_address, res.ray_address,
                                       res.ray_token_file, res.tracking_url, _ray.runtime_env(session.cfg),
                                       str(res.raw.get("dashboard_url") or ""))


def _private_dir(session: Session) -> Path:
    """A 0700 directory of this session on this machine, removed at stop."""
    staging = Path(tempfile.mkdtemp(prefix="orca-yarn-session-"))
    session.staging.append(staging)
    return staging


def _start_gang_spark(session: Session, conf: dict[str, str], secret_file: str) -> None:
    extra_conf, env = _gang.secret_delivery(secret_file, _private_dir(session))
    session.spark, session.spark_env = _spark.start_session({**conf, **extra_conf}, env, session.cfg.spark_log_level)


def gang_yarn_client(session: Session) -> None:
    """One YARN application for the engines asked for at init; Ray Client and Spark attach to it.
    Its Ray is not the session's ``ray_app_id``: stopping Ray alone must not end Spark's workers."""
    cfg = session.cfg
    require_hadoop_conf(session)
    gang = _gang.engines(cfg)
    args = _argv.ray_cluster_args(cfg, _shipping.env_for_ray(cfg, _cli(session)), app_name(), (session.tag,),
                                  _argv.min_nodes_for(session.barrier_mode, cfg.num_nodes), gang)
    res = _submit_detached(session, args, "submit (" + " and ".join(gang) + ")")
    spark = _gang.from_result(dict(res.raw))
    if spark is None:
        raise CLIError("submit", res.exit_code, f"the gang {res.app_id} reported no Spark master: {dict(res.raw)}", res.raw)
    master, secret_file, python = spark
    session.token_files.append(Path(secret_file))
    if "ray" in gang:
        session.gang = res
        _connect_ray(session, res)
    conf = _gang.spark_conf(cfg, app_name(), master, python, archives=_shipping.spark_archives(cfg))
    _start_gang_spark(session, conf, secret_file)


def ray_yarn_client(session: Session) -> None:
    """A Ray-only YARN application, returned once Ray is ready; this process joins with Ray Client."""
    cfg = session.cfg
    if session.gang is not None and session.gang.app_id in session.app_ids:
        _connect_ray(session, session.gang)  # Ray of the gang, asked for again after stop()
        return
    require_hadoop_conf(session)
    args = _argv.ray_cluster_args(cfg, _shipping.env_for_ray(cfg, _cli(session)), app_name(), (session.tag,),
                                  _argv.min_nodes_for(session.barrier_mode, cfg.num_ray_nodes))
    res = _submit_detached(session, args, "submit (Ray cluster)")
    session.ray_app_id = res.app_id
    _connect_ray(session, res)


def spark_yarn_client(session: Session) -> None:
    """Spark on YARN on the Ray application's env archive (packed here if Ray is not running)."""
    cfg = session.cfg
    require_hadoop_conf(session)
    cli = _cli(session)
    if not session.env_path and cfg.env != "none":
        session.env_path, session.env_python = _shipping.env_archive(cfg, cli)
    jars = None if cfg.spark_yarn_archive else _spark.spark_yarn_archive(cli.cache_put)
    conf = _spark.yarn_conf(cfg, app_name(), session.env_path, session.env_python, jars, (session.tag,))
    session.spark, session.spark_env = _spark.start_session(conf, _spark.yarn_env(session.env_path),
                                                            cfg.spark_log_level)
    session.spark_app_id = session.spark.sparkContext.applicationId


# yarn-cluster, the edge side -----------------------------------------------------------------------

def _zip_hadoop_conf(dest: Path) -> Path:
    """The edge's Hadoop client configuration as a zip, for Spark inside the head container."""
    src = Path(os.environ.get("HADOOP_CONF_DIR") or os.environ["YARN_CONF_DIR"])
    out = dest / f"{HADOOP_CONF_ALIAS}.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(src.iterdir()):
            if p.is_file():
                z.write(p, arcname=p.name)
    return out


def _driver_context(session: Session, cli: OrcaYarn) -> dict:
    """What the driver in the head container needs for Spark, with container-side names only:
    the env archive and Spark's jars on HDFS, the libs where ``--py-files`` puts them, the
    archives through orca-yarn's HDFS cache (the head has them unpacked, Spark's executors need the file)."""
    cfg = session.cfg
    env_path, env_python = _shipping.env_archive(cfg, cli)
    on_yarn = cfg.init_spark and not _gang.engines(cfg)  # a gang's Spark needs no jars on HDFS
    jars = cfg.spark_yarn_archive or (_spark.spark_yarn_archive(cli.cache_put) if on_yarn else None)
    return {"env_path": env_path, "env_python": env_python, "spark_yarn_archive": jars, "tag": session.tag,
            "py_files": _shipping.container_py_files(cfg.extra_python_lib),
            "archives": _shipping.spark_archives(cfg, cli.cache_put)}


def submit_self(session: Session) -> NoReturn:
    """yarn-cluster from the edge: run this very script as the driver on the cluster, then exit."""
    cfg = session.cfg
    require_hadoop_conf(session)
    script = sys.argv[0] if sys.argv else ""
    if not script.endswith(".py") or not os.path.isfile(script):
        raise RuntimeError("cluster_mode='yarn-cluster' re-runs the calling script on the cluster; "
                           f"{script!r} is not a .py file (from a notebook, use 'yarn-client')")
    cli = _cli(session)
    staging = Path(tempfile.mkdtemp(prefix="orca-yarn-"))
    session.staging.append(staging)
    # Always: Spark may be asked for later by a runtime="ray" program. The binary's env cache makes
    # submit's own pack of the same env a lookup, not a second upload.
    ctx_file = staging / CONTEXT_FILE
    ctx_file.write_text(json.dumps(_driver_context(session, cli)))
    files = [str(ctx_file)]
    archives = [f"{_zip_hadoop_conf(staging)}#{HADOOP_CONF_ALIAS}"]
    gang = _gang.engines(cfg)
    nodes = cfg.num_nodes if gang else cfg.num_ray_nodes
    args = _argv.script_args(cfg, _shipping.env_for_ray(cfg, cli), app_name(), script, sys.argv[1:],
                             (session.tag,), _argv.min_nodes_for(session.barrier_mode, nodes),
                             files, archives, gang)
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


# yarn-cluster, the driver in the head container ----------------------------------------------------

def ray_in_container(session: Session) -> None:
    """The gang's Ray; in a Spark-only gang (Ray asked for after init), Ray in the gang's executors."""
    if not os.environ.get("RAY_ADDRESS") and _gang.from_container_env() is not None:
        session.ensure_spark()
        session.ray = _ray_on_spark.start(session.cfg, session.spark, "yarn-cluster")
        return
    session.ray = _ray.connect_in_container(_ray.runtime_env(session.cfg))


def spark_in_container(session: Session) -> None:
    """Spark on YARN from the context the edge shipped; a driver submitted without one (orca-yarn
    submit from Airflow) uses ORCA_YARN_ENV_PATH and the edge-side names it was given."""
    cfg = session.cfg
    ctx_path = Path(CONTEXT_FILE)
    context = json.loads(ctx_path.read_text()) if ctx_path.is_file() else {}
    gang = _gang.from_container_env()
    if gang is not None:  # the gang's own Spark, in the containers beside this driver
        master, secret_file, python = gang
        conf = _gang.spark_conf(cfg, app_name(), master, python, context.get("py_files"), context.get("archives") or ())
        _start_gang_spark(session, conf, secret_file)
        return
    conf_dir = Path(HADOOP_CONF_ALIAS)
    if conf_dir.is_dir():
        session.set_env({"HADOOP_CONF_DIR": str(conf_dir.resolve())})
    require_hadoop_conf(session)
    env_path = context.get("env_path") or os.environ.get("ORCA_YARN_ENV_PATH", "")
    if not env_path and cfg.env != "none":
        raise RuntimeError(f"no {CONTEXT_FILE} and no ORCA_YARN_ENV_PATH: cannot tell Spark which env archive to use")
    conf = _spark.yarn_conf(cfg, app_name(), env_path, context.get("env_python", "bin/python"),
                            context.get("spark_yarn_archive"), (context.get("tag") or session.tag,),
                            context.get("py_files"), context.get("archives"))
    session.spark, session.spark_env = _spark.start_session(conf, _spark.yarn_env(env_path), cfg.spark_log_level)
    session.spark_app_id = session.spark.sparkContext.applicationId


# spark-submit and standalone -----------------------------------------------------------------------

def spark_submitted(session: Session) -> None:
    """The SparkContext spark-submit (bigdl-submit) made: its settings are the command line's."""
    session.spark = _spark.adopt_session(session.cfg.spark_log_level)


def ray_beside_submitted_spark(session: Session) -> None:
    """Ray for spark-submit's Spark: in its executors (Ray on Spark, as Orca's RayOnSpark) for a YARN
    or standalone master; on this machine for a local master."""
    master = session.spark.sparkContext.master if session.spark is not None else "local"
    if master.startswith(("yarn", "spark://")):
        session.ray = _ray_on_spark.start(session.cfg, session.spark, "spark-submit")
    else:
        ray_local(session)


def spark_standalone(session: Session) -> None:
    cfg = session.cfg
    session.spark, session.spark_env = _spark.start_session(_spark.standalone_conf(cfg, app_name()),
                                                            log_level=cfg.spark_log_level)


def ray_beside_standalone(session: Session) -> None:
    warnings.warn("cluster_mode='standalone': Ray runs on this machine (orca-yarn starts Ray on YARN, "
                  "not on a standalone cluster)", OrcaCompatWarning, stacklevel=3)
    ray_local(session)


def _not_here(session: Session) -> None:
    raise RuntimeError("yarn-cluster on the edge runs nothing here: the script runs again on the cluster")


# Per mode: (start Ray, start Spark).
_ENGINES: dict[str, tuple[Callable[[Session], None], Callable[[Session], None]]] = {
    "local": (ray_local, spark_local),
    "yarn-client": (ray_yarn_client, spark_yarn_client),
    "yarn-cluster": (_not_here, _not_here),
    "in-container": (ray_in_container, spark_in_container),
    "spark-submit": (ray_beside_submitted_spark, spark_submitted),
    "standalone": (ray_beside_standalone, spark_standalone),
}
