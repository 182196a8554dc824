"""Typed views of the ``orca-yarn --output json`` result lines, and the error a failed command raises.

Why typed: the JSON is a contract between two languages; reading it in one place with defaults and
checks means a renamed or missing field fails here, naming the field, not as a KeyError deep in Spark
setup. Unknown fields are kept in ``raw`` so newer binaries do not break older packages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# design.md §3: what each exit code of the binary means, for error messages.
EXIT_MEANINGS = {
    1: "the application failed",
    2: "bad usage, config or input",
    3: "cluster, HDFS, auth or submission error",
    4: "resources not obtainable",
    5: "killed by someone else",
    130: "interrupted (SIGINT); the application was killed",
    143: "terminated (SIGTERM); the application was killed",
}


class CLIError(RuntimeError):
    """An ``orca-yarn`` command failed. ``exit_code`` follows design.md §3; ``result`` is its JSON."""

    def __init__(self, command: str, exit_code: int, diagnostics: str, result: Mapping[str, Any] | None = None):
        self.command = command
        self.exit_code = exit_code
        self.diagnostics = diagnostics
        self.result = dict(result or {})
        meaning = EXIT_MEANINGS.get(exit_code, "")
        super().__init__(
            f"orca-yarn {command} failed (exit {exit_code}{': ' + meaning if meaning else ''}): {diagnostics}"
        )


def _str(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class PackResult:
    """``orca-yarn pack --upload --output json``: where the env archive is in the HDFS cache."""

    hash: str
    path: str
    size: int
    reused: bool
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> PackResult:
        path = _str(raw, "path")
        if "://" not in path:
            raise CLIError("pack", 0, f"result 'path' is not a URI: {path!r}", raw)
        return cls(hash=_str(raw, "hash"), path=path, size=int(raw.get("size") or 0),
                   reused=bool(raw.get("reused")), raw=dict(raw))


@dataclass(frozen=True)
class SubmitResult:
    """``orca-yarn submit --output json``: the application and, for Ray apps, how to reach Ray.

    ``ray_token_file`` is a path to a 0600 file; the token itself never passes through here.
    ``env_python`` is the interpreter's path relative to the container's working directory when the
    archive is localized under its alias (e.g. ``environment/bin/python``).
    """

    app_id: str
    state: str
    final_status: str
    exit_code: int
    tracking_url: str = ""
    diagnostics: str = ""
    ray_address: str = ""
    ray_client_address: str = ""
    ray_token_file: str = ""
    env_path: str = ""
    env_python: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> SubmitResult:
        try:
            code = int(raw.get("exit_code", 0))
        except (TypeError, ValueError):
            raise CLIError("submit", 0, f"result 'exit_code' is not a number: {raw.get('exit_code')!r}", raw) from None
        return cls(
            app_id=_str(raw, "app_id"), state=_str(raw, "state"), final_status=_str(raw, "final_status"),
            exit_code=code, tracking_url=_str(raw, "tracking_url"), diagnostics=_str(raw, "diagnostics"),
            ray_address=_str(raw, "ray_address"), ray_client_address=_str(raw, "ray_client_address"),
            ray_token_file=_str(raw, "ray_token_file"), env_path=_str(raw, "env_path"),
            env_python=_str(raw, "env_python"), raw=dict(raw),
        )

    def require_ray(self) -> None:
        """A detached Ray cluster must come back with an app id and a way to reach Ray."""
        missing = [k for k in ("app_id",) if not getattr(self, k)]
        if not (self.ray_client_address or self.ray_address):
            missing.append("ray_client_address or ray_address")
        if missing:
            raise CLIError("submit", self.exit_code, f"result lacks {', '.join(missing)}: {dict(self.raw)}", self.raw)
