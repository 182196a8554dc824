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
from typing import TYPE_CHECKING, Any

from ._config import OrcaConfig
from ._spark import restore_env

if TYPE_CHECKING:
    from ._binary import OrcaYarn
    from ._logstream import ClusterOutput
    from ._ray import RayContext

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
    ray: RayContext | None = None
    app_ids: list[str] = field(default_factory=list)
    outputs: list[ClusterOutput] = field(default_factory=list)
    staging: list[Path] = field(default_factory=list)
    token_files: list[Path] = field(default_factory=list)  # Ray tokens orca-yarn wrote for this session
    stopped: bool = False

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

        if self.spark is not None:
            if not attempt("stop Spark", self.spark.stop) and self.spark_app_id and self.cli is not None:
                attempt(f"kill Spark application {self.spark_app_id}", self.cli.kill, self.spark_app_id)
            self.spark = None
            restore_env(self.spark_env)
        if self.ray is not None:
            attempt("disconnect Ray", self.ray.disconnect)
        for app_id in self.app_ids:
            if self.cli is not None and not attempt(f"kill {app_id}", self.cli.kill, app_id):
                log.error("the YARN application %s may still run: orca-yarn kill %s", app_id, app_id)
        for out in self.outputs:
            attempt(f"end the output of {out.app_id}", out.close)
        for token in self.token_files:
            attempt(f"remove {token}", _remove_token, token)
        for path in self.staging:
            attempt(f"remove {path}", _remove_tree, path)
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
