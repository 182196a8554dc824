"""The cluster's output in the driver: ``orca-yarn attach APP_ID`` read by a thread.

Why always attached (even with ``log_output`` off): the attach process carries the parent-death
signal (``_procs``), and ``orca-yarn attach`` kills the application when it is signalled. So the
attach child is also the guard that takes the Ray cluster down when this Python process dies
without running ``stop_orca_context`` (SIGKILL, a crashed kernel). ``log_output`` only decides whether
lines are printed; the last lines are kept either way for error messages.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from typing import Protocol


class _Attacher(Protocol):
    def attach(self, app_id: str) -> subprocess.Popen[str]: ...


class ClusterOutput:
    """One application's live output; ``echo()`` is asked per line so the flag can change later."""

    def __init__(self, cli: _Attacher, app_id: str, echo: Callable[[], bool], keep: int = 200) -> None:
        self.app_id = app_id
        self._echo = echo
        self._tail: deque[str] = deque(maxlen=keep)
        self._proc = cli.attach(app_id)
        self._thread = threading.Thread(target=self._read, name=f"orca-yarn-attach-{app_id}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._tail.append(line)
            if self._echo():
                sys.stdout.write(line)
                sys.stdout.flush()
        self._proc.wait()

    def tail(self) -> list[str]:
        """The last lines seen (the cluster's last words when something failed)."""
        return list(self._tail)

    @property
    def exit_code(self) -> int | None:
        """attach's exit code once the application ended (design.md §3), else None."""
        return self._proc.poll()

    def close(self, timeout: float = 30.0) -> None:
        """Wait for attach to see the end of a killed application; terminate it if it does not."""
        self._thread.join(timeout)
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._thread.join(5)
