"""One ``init_orca_context`` ... ``stop_orca_context`` span and everything it must undo.

Why a ledger: setup can fail half way (Ray up, Spark refused), and stop can be reached from
``stop_orca_context``, atexit or an error path. Each resource is recorded the moment it exists, and
``stop`` undoes all of them in order, continuing past failures, exactly once.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._config import OrcaConfig
from ._spark import restore_env

if TYPE_CHECKING:
    from ._binary import OrcaYarn
    from ._logstream import ClusterOutput
    from ._ray import RayHandle
    from ._ray_context import OrcaRayContext

log = logging.getLogger("orca_yarn")


@dataclass
class Session:
    """The live parts of one session. ``app_ids`` are YARN applications this session must kill."""

    cfg: OrcaConfig
    tag: str
    cli: OrcaYarn | None = None
    spark: Any = None  # pyspark.sql.SparkSession
    spark_app_id: str = ""
    spark_env: dict[str, str | None] = field(default_factory=dict)  # replaced env values, restored at stop
    ray: RayHandle | None = None
    ray_app_id: str = ""  # the Ray YARN application (also in app_ids), ended by stop_ray
    last_ray: RayHandle | None = None  # after stop_ray: what the Ray context still reports (as Orca's did)
    app_ids: list[str] = field(default_factory=list)
    outputs: list[ClusterOutput] = field(default_factory=list)
    staging: list[Path] = field(default_factory=list)
    token_files: list[Path] = field(default_factory=list)  # Ray tokens orca-yarn wrote for this session
    saved_env: dict[str, str | None] = field(default_factory=dict)  # process env we changed, restored at stop
    links: list[Path] = field(default_factory=list)  # local mode's archive links in the working directory
    # How on-demand starts behave: the mode's dispatch key (_modes.mode_of), OrcaContext's settings,
    # and the env archive the Ray application ran on (Spark reuses it).
    mode: str = ""
    barrier_mode: bool | int = True
    log_output: Callable[[], bool] = lambda: False
    env_path: str = ""
    env_python: str = ""
    gang: Any = None  # the gang's SubmitResult (yarn-client): Ray asked for again reconnects to it
    ray_ctx: OrcaRayContext = field(init=False)
    stopped: bool = False

    def __post_init__(self) -> None:
        from ._ray_context import OrcaRayContext

        self.ray_ctx = OrcaRayContext._of(self)

    def ensure_ray(self) -> None:
        """Start Ray in this session's mode if it is not running (Orca's lazy Ray)."""
        if self.stopped:
            raise RuntimeError("this orca context was stopped: call init_orca_context again")
        if self.ray is None:
            from . import _modes

            _modes.start_ray(self)

    def ensure_spark(self) -> None:
        """Start Spark in this session's mode if it is not running (a runtime="ray" program asked)."""
        if self.stopped:
            raise RuntimeError("this orca context was stopped: call init_orca_context again")
        if self.spark is None:
            from . import _modes

            _modes.start_spark(self)

    def set_env(self, values: dict[str, str]) -> None:
        """Change the process environment for the session; ``stop`` puts the old values back."""
        import os

        for key, value in values.items():
            self.saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    @property
    def spark_context(self) -> Any:
        return None if self.spark is None else self.spark.sparkContext

    def stop(self) -> list[str]:
        """Stop Spark, disconnect Ray, kill the YARN apps, end the attach guards, remove the apps'
        local Ray token files and the local staging.

        Returns the problems met (also logged); an empty list means everything is gone. A second
        call does nothing.
        """
        if self.stopped:
            return []
        self.stopped = True
        problems: list[str] = []

        def attempt(what: str, fn: Any, *args: Any) -> bool:
            try:
                fn(*args)
                return True
            except Exception as exc:  # keep going: every later step still has to run
                problems.append(f"{what}: {exc}")
                log.error("stop_orca_context: %s failed: %s", what, exc)
                return False

        # Ray first: Ray on Spark lives in Spark's executors and needs the SparkContext to end its
        # nodes; stopped after Spark, its head and autoscaler stay and the program never exits.
        problems += self.stop_ray()
        if self.spark is not None:
            if not attempt("stop Spark", self.spark.stop) and self.spark_app_id and self.cli is not None:
                attempt(f"kill Spark application {self.spark_app_id}", self.cli.kill, self.spark_app_id)
            self.spark = None
            restore_env(self.spark_env)
        for app_id in self.app_ids:
            if self.cli is not None and not attempt(f"kill {app_id}", self.cli.kill, app_id):
                log.error("the YARN application %s may still run: orca-yarn kill %s", app_id, app_id)
        for out in self.outputs:
            attempt(f"end the output of {out.app_id}", out.close)
        for token in self.token_files:
            attempt(f"remove {token}", _remove_token, token)
        for path in self.staging:
            attempt(f"remove {path}", _remove_tree, path)
        for link in self.links:
            attempt(f"remove {link}", link.unlink, True)
        restore_env(self.saved_env)
        return problems

    def stop_ray(self) -> list[str]:
        """Disconnect Ray and kill the Ray YARN application with its output guard and token."""
        problems: list[str] = []
        ray, self.ray = self.ray, None
        self.last_ray = ray or self.last_ray
        steps: list[tuple[str, Any]] = []
        if ray is not None:
            steps.append(("disconnect Ray", ray.disconnect))
        app = self.ray_app_id
        if app and app in self.app_ids and self.cli is not None:
            self.app_ids.remove(app)
            steps.append((f"kill {app}", lambda: self.cli.kill(app)))  # type: ignore[union-attr]
        for out in [o for o in self.outputs if o.app_id == app]:
            self.outputs.remove(out)
            steps.append((f"end the output of {app}", out.close))
        if ray is not None and ray.token_file and app:
            token = Path(ray.token_file)
            if token in self.token_files:
                self.token_files.remove(token)
                steps.append((f"remove {token}", lambda: _remove_token(token)))
        for what, fn in steps:
            try:
                fn()
            except Exception as exc:  # keep going: every later step still has to run
                problems.append(f"{what}: {exc}")
                log.error("stop_orca_context: %s failed: %s", what, exc)
                if what.startswith("kill "):
                    log.error("the YARN application %s may still run: orca-yarn kill %s", app, app)
        self.ray_app_id = ""
        return problems


def _remove_tree(path: Path) -> None:
    """Local staging removal: a directory already gone is fine."""
    if path.exists():
        shutil.rmtree(path)


def _remove_token(path: Path) -> None:
    """The token of a killed application is useless and secret: remove it, and its app directory
    (``.../apps/<app_id>/``, where orca-yarn writes it) when nothing else is left there."""
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()
    except OSError:
        pass  # not empty (or already gone): leave it
