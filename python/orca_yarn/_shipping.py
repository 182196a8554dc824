"""What a session ships to the containers (env, Python libs, archives) and the names they get there.

Why one module: ``extra_python_lib``, ``penv_archive`` and ``additional_archive`` must work in
every mode, and in yarn-cluster the driver runs in the head container, where the edge node's paths
mean nothing. The edge ships each file once (``--py-files``/``--archives`` for the Ray containers,
orca-yarn's HDFS cache for Spark) and hands the driver the container-side names.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from ._config import OrcaConfig

PY_FILES_DIR = "__pyfiles__"  # orca-yarn's directory for --py-files .py files (submitter/stage)


class _Packer(Protocol):
    def pack(self, env: str): ...  # -> PackResult
    def cache_put(self, path: str) -> str: ...


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


def env_for_ray(cfg: OrcaConfig, cli: _Packer) -> str:
    """``--env`` of the Ray application: ``penv_archive`` (a local one put in the HDFS cache first)
    instead of packing, else the env named by ``env``.

    The Ray containers need an archive ``orca-yarn pack --upload`` made (its .orca-pack.json says
    where the env goes and which python it has); a plain conda-pack archive serves Spark only.
    """
    if cfg.penv_archive:
        return cfg.penv_archive if "://" in cfg.penv_archive else cli.cache_put(_existing(cfg.penv_archive, "penv_archive"))
    return env_to_ship(cfg.env)


def env_archive(cfg: OrcaConfig, cli: _Packer) -> tuple[str, str]:
    """(hdfs URI, python inside it) of the env for Spark: penv_archive, an hdfs:// env, packed, or none."""
    if cfg.penv_archive or "://" in cfg.env:
        return env_for_ray(cfg, cli), "bin/python"
    if cfg.env == "none":
        return "", ""
    return cli.pack(env_to_ship(cfg.env)).path, "bin/python"


def _existing(path: str, what: str) -> str:
    if not os.path.exists(path):
        raise FileNotFoundError(f"{what}={path!r}: no such file on this machine; give an existing path or an hdfs:// URI")
    return path


def split_archive(spec: str) -> tuple[str, str]:
    """``PATH#ALIAS`` -> (PATH, ALIAS); no alias: the file name, as YARN and Spark name it."""
    path, _, alias = spec.partition("#")
    return path, alias or os.path.basename(path.rstrip("/"))


def ray_archives(cfg: OrcaConfig) -> list[str]:
    """``--archives`` for the Ray containers: local files only (orca-yarn uploads them itself)."""
    for spec in cfg.additional_archive:
        if "://" in split_archive(spec)[0]:
            raise ValueError(f"additional_archive={spec!r}: the Ray containers take local archives only "
                             "(orca-yarn --archives); copy it to this machine first")
    return list(cfg.additional_archive)


def spark_archives(cfg: OrcaConfig, upload: Callable[[str], str] | None = None) -> list[str]:
    """``spark.archives`` entries: remote ones as they are; local ones uploaded by ``upload`` when it
    is given (for a driver that will not see this machine's files), else left for Spark to upload."""
    out = []
    for spec in cfg.additional_archive:
        path, alias = split_archive(spec)
        if upload is not None and "://" not in path:
            path = upload(_existing(path, "additional_archive"))
        out.append(f"{path}#{alias}")
    return out


def container_py_files(libs: Sequence[str]) -> list[str]:
    """Where orca-yarn's ``--py-files`` put each lib in a container's working directory.

    Mirrors submitter/stage planPyFiles: a .py file goes into ``__pyfiles__/``, a .zip or .egg keeps
    its name, a directory is zipped as ``<name>.zip``.
    """
    out = []
    for lib in libs:
        base = os.path.basename(lib.rstrip("/"))
        if os.path.isdir(lib):
            out.append(base + ".zip")
        elif base.lower().endswith(".py"):
            out.append(f"{PY_FILES_DIR}/{base}")
        else:
            out.append(base)
    return out


def link_local_archives(cfg: OrcaConfig, staging: Path) -> list[Path]:
    """Local mode: unpack each ``additional_archive`` once and link ``ALIAS`` in the working directory,
    so the program finds ``ALIAS/...`` where a YARN container has it. An existing ``ALIAS`` is kept
    (it is the user's), so nothing of theirs is replaced. Returns the links made (removed at stop)."""
    links = []
    for spec in cfg.additional_archive:
        path, alias = split_archive(spec)
        if "://" in path:
            raise ValueError(f"additional_archive={spec!r}: local mode unpacks local archives only; "
                             "copy it to this machine first")
        link = Path.cwd() / alias
        if link.exists() or link.is_symlink():
            continue
        dest = staging / alias
        fmt = "zip" if path.lower().endswith(".jar") else None
        shutil.unpack_archive(_existing(path, "additional_archive"), dest, fmt)
        link.symlink_to(dest, target_is_directory=True)
        links.append(link)
    return links


def local_python_path(cfg: OrcaConfig) -> dict[str, str]:
    """Local mode: ``extra_python_lib`` on PYTHONPATH, which the local Ray's workers inherit."""
    if not cfg.extra_python_lib:
        return {}
    def entry(lib: str) -> str:
        # a .py file or a package directory is imported by its own name: its parent goes on the path
        p = os.path.abspath(lib)
        if lib.lower().endswith(".py") or os.path.isfile(os.path.join(p, "__init__.py")):
            return os.path.dirname(p)
        return p

    entries = [entry(p) for p in cfg.extra_python_lib]
    old = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": os.pathsep.join([*dict.fromkeys(entries), *([old] if old else [])])}
