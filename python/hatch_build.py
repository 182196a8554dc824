"""Hatchling build hook: compile ``orca-yarn`` and put it into the wheel as ``orca_yarn/_bin/orca-yarn``.

Why a hook and not a checked-in binary: the wheel must carry the binary of *this* checkout. The hook
runs ``CGO_ENABLED=0 go build`` (static, so one wheel runs on any Linux of that architecture) into a
temporary directory and force-includes it, so the source tree stays clean. The wheel is then tagged
``py3-none-<platform>`` (any Python 3, this OS/architecture) instead of pure-Python.

- ``ORCA_YARN_PREBUILT_BIN=/path/orca-yarn`` copies a binary instead of building (e.g. after
  ``make build``, or on a machine without Go); its platform is assumed to be GOOS/GOARCH below.
- ``GOOS``/``GOARCH`` cross-compile, and the tag follows them.
- Editable installs get no binary: the package then finds ``bin/orca-yarn`` of the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

_PLATFORMS = {
    ("linux", "amd64"): "manylinux2014_x86_64",
    ("linux", "arm64"): "manylinux2014_aarch64",
    ("darwin", "amd64"): "macosx_11_0_x86_64",
    ("darwin", "arm64"): "macosx_11_0_arm64",
}


def _go_env(name: str) -> str:
    value = os.environ.get(name)
    if value:
        return value
    return subprocess.run(["go", "env", name], check=True, capture_output=True, text=True).stdout.strip()


def _git_version(repo: Path, fallback: str) -> str:
    try:
        out = subprocess.run(["git", "describe", "--tags", "--always", "--dirty"], cwd=repo,
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return fallback
    return out.stdout.strip() or fallback


class GoBinaryHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        self._tmp = Path(tempfile.mkdtemp(prefix="orca-yarn-wheel-"))
        out = self._tmp / "orca-yarn"
        prebuilt = os.environ.get("ORCA_YARN_PREBUILT_BIN", "").strip()
        if prebuilt:
            shutil.copyfile(prebuilt, out)
            goos, goarch = os.environ.get("GOOS", "linux"), os.environ.get("GOARCH", "amd64")
        else:
            repo = Path(self.root).resolve().parent
            if not (repo / "go.mod").is_file() or not (repo / "cmd" / "orca-yarn").is_dir():
                raise RuntimeError(f"{repo}: not the orca-yarn repository; build the wheel from the repo "
                                   "or set ORCA_YARN_PREBUILT_BIN")
            goos, goarch = _go_env("GOOS"), _go_env("GOARCH")
            ldflags = f"-s -w -X main.version={_git_version(repo, self.metadata.version)}"
            subprocess.run(["go", "build", "-trimpath", "-ldflags", ldflags, "-o", str(out), "./cmd/orca-yarn"],
                           cwd=repo, env={**os.environ, "CGO_ENABLED": "0"}, check=True)
        platform = _PLATFORMS.get((goos, goarch))
        if platform is None:
            raise RuntimeError(f"no wheel platform tag for GOOS={goos} GOARCH={goarch}")
        out.chmod(0o755)
        build_data["force_include"][str(out)] = "orca_yarn/_bin/orca-yarn"
        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{platform}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
