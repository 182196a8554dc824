"""Find the ``orca-yarn`` binary and run it: the Python API's only way to reach YARN.

Why a binary and not a Python YARN client: the Go binary already speaks Hadoop RPC, packs and caches
the env, runs the AM and streams logs; this module only builds argument vectors and reads the
``--output json`` result line (the last line of stdout, design.md §3). Everything else the binary
prints is relayed to this process's stdout/stderr, so progress shows in a notebook.

Every child is started with a parent-death signal (SIGTERM on Linux, see ``_procs``): if this Python
process dies, even by SIGKILL, ``orca-yarn`` gets SIGTERM and, by its own contract, kills the
application it submitted or follows. That keeps a crashed notebook kernel from leaking a Ray cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from ._procs import guarded
from ._results import CLIError, PackResult, SubmitResult

BIN_ENV = "ORCA_YARN_BIN"
_PACKAGED = Path(__file__).resolve().parent / "_bin" / "orca-yarn"
# An editable install or a plain checkout: python/orca_yarn/ sits two floors below the repo root,
# where `make build` writes bin/orca-yarn.
_CHECKOUT = Path(__file__).resolve().parents[2] / "bin" / "orca-yarn"


class BinaryNotFound(FileNotFoundError):
    """No usable ``orca-yarn``: the YARN modes cannot run (local mode never needs it)."""


def locate_binary() -> str:
    """Return the path of the ``orca-yarn`` to run.

    Order: ``$ORCA_YARN_BIN`` (an explicit choice must exist, never silently fall through), the
    binary inside the installed wheel, ``bin/orca-yarn`` of a source checkout, then ``PATH``.
    """
    explicit = os.environ.get(BIN_ENV, "").strip()
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise BinaryNotFound(f"{BIN_ENV}={explicit}: not an executable file")
        return explicit
    for candidate in (_PACKAGED, _CHECKOUT):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("orca-yarn")
    if found:
        return found
    raise BinaryNotFound(
        "orca-yarn binary not found: install the orca-yarn wheel built from the repo "
        f"(python/run-tests.sh builds one), run `make build`, or set {BIN_ENV}"
    )


def last_json_line(stdout: str) -> dict[str, Any] | None:
    """The result object of ``--output json``: the last non-empty stdout line, if it is JSON."""
    for line in reversed(stdout.splitlines()):
        if line.strip():
            try:
                value = json.loads(line)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _pump(src: IO[str], sink: Callable[[str], None]) -> None:
    for line in src:
        sink(line)


class OrcaYarn:
    """One ``orca-yarn`` executable and the commands the Python API needs from it."""

    def __init__(self, path: str | None = None, echo: bool = True) -> None:
        """``echo`` relays the binary's progress (stderr) and non-result stdout lines to ours."""
        self.path = path or locate_binary()
        self.echo = echo

    def run_json(self, args: Sequence[str], what: str) -> dict[str, Any]:
        """Run ``orca-yarn ARGS`` to the end; return its JSON result or raise CLIError."""
        argv = [self.path, *args]
        proc = subprocess.Popen(guarded(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                bufsize=1, stdin=subprocess.DEVNULL)
        assert proc.stdout is not None and proc.stderr is not None
        err_lines: list[str] = []

        def on_err(line: str) -> None:
            err_lines.append(line)
            del err_lines[:-50]  # keep the tail for the error message
            if self.echo:
                sys.stderr.write(line)
                sys.stderr.flush()

        relay = threading.Thread(target=_pump, args=(proc.stderr, on_err), daemon=True)
        relay.start()
        out_lines: list[str] = []
        pending: str | None = None
        for line in proc.stdout:
            # Hold one line back: only the last one is the result and must not be echoed.
            if pending is not None and self.echo:
                sys.stdout.write(pending)
                sys.stdout.flush()
            pending = line
            out_lines.append(line)
            del out_lines[:-2]
        code = proc.wait()
        relay.join()
        result = last_json_line("".join(out_lines))
        if result is None:
            if pending is not None and self.echo:
                sys.stdout.write(pending)
            raise CLIError(what, code, "".join(err_lines[-10:]).strip() or "no JSON result line on stdout")
        if code != 0:
            detail = result.get("diagnostics") or result.get("error") or "".join(err_lines[-10:]).strip()
            raise CLIError(what, code, str(detail), result)
        return result

    def pack(self, env: str) -> PackResult:
        """Pack ``env`` (auto, a path) into the content-addressed HDFS cache; reuse it if there."""
        return PackResult.from_json(self.run_json(["pack", "--env", env, "--upload", "--output", "json"], "pack"))

    def cache_put(self, path: str) -> str:
        """Upload one local file into the content-addressed HDFS cache; return its hdfs:// URI."""
        # Flags before FILE: urfave/cli stops parsing flags at the first argument.
        res = self.run_json(["cache", "put", "--output", "json", path], "cache put")
        uri = res.get("path")
        if not isinstance(uri, str) or not uri:
            raise CLIError("cache put", 0, f"result has no 'path': {res}", res)
        return uri

    def submit(self, args: Sequence[str], what: str = "submit") -> SubmitResult:
        """Run a prepared ``submit`` argument list (see ``_argv``) and parse its result."""
        return SubmitResult.from_json(self.run_json(["submit", *args], what))

    def kill(self, app_id: str) -> None:
        """Kill an application; an application that already ended is not an error."""
        proc = subprocess.run(guarded([self.path, "kill", app_id]), capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=120)
        if proc.returncode != 0:
            raise CLIError("kill " + app_id, proc.returncode, proc.stderr.strip())

    def attach(self, app_id: str) -> subprocess.Popen[str]:
        """Start ``orca-yarn attach APP_ID``: the application's output, merged, until it ends."""
        return subprocess.Popen(guarded([self.path, "attach", app_id]), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1, stdin=subprocess.DEVNULL)

    def run_streaming(self, args: Sequence[str], what: str) -> SubmitResult:
        """Like ``submit`` but always echoing: a blocking yarn-cluster run shows its output live."""
        saved, self.echo = self.echo, True
        try:
            return self.submit(args, what)
        finally:
            self.echo = saved
