"""Child processes that die with us: every ``orca-yarn`` we start gets a parent-death signal.

Why: a notebook kernel or an Airflow task can be SIGKILLed; no atexit hook runs then. A child with
``PR_SET_PDEATHSIG`` still gets SIGTERM, and ``orca-yarn`` answers SIGTERM by killing the YARN
application it submitted or follows, so a dead driver does not leave a Ray cluster running.

Why a trampoline and not ``preexec_fn``: with ``preexec_fn`` CPython runs the ``os.register_at_fork``
child hooks in the forked child; in a driver that has Ray (gRPC threads) and ``filelock`` loaded,
those hooks crashed the child with a segfault on this project's machine. Instead the child is a
fresh ``python -I -S`` that sets the signal on itself and ``execv``s the binary (the signal survives
exec). It checks that its parent is still the one that started it, closing the race where the
parent died before ``prctl``.

The signal fires when the *thread* that started the child exits, so children are started from the
thread that calls ``init_orca_context`` (normally the main thread). Off Linux: no guard; atexit and
``stop_orca_context`` remain.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

# argv[1]: the pid of the parent that must be alive; argv[2:]: the program and its arguments.
_TRAMPOLINE = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(143)\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


def guarded(argv: Sequence[str]) -> list[str]:
    """``argv`` wrapped so that the program gets SIGTERM when this process dies (Linux)."""
    if not sys.platform.startswith("linux") or not sys.executable:
        return list(argv)
    return [sys.executable, "-I", "-S", "-c", _TRAMPOLINE, str(os.getpid()), *argv]
