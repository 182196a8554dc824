"""``OrcaContext.serialize_data_creator``: a node-local file lock around data creators.

Why: several Ray workers on one host that each download or unpack the same data set into the same
place corrupt it; Orca's estimators took a ``FileLock`` on ``<tmp>/.orcadata.lock`` around
``data_creator(config, batch_size)`` when the flag was on. Here the same lock is a plain
``fcntl.flock`` (no extra dependency; released by the kernel if the holder dies).

The flag is a driver-side setting, and Ray workers are other processes: ``wrap_data_creator`` reads
it on the driver and bakes the decision into the returned function, which is what travels to the
workers. The lock file is per user and lives in ``/tmp`` (not ``$TMPDIR``, which YARN may set per
container), so every container of that user on one host shares it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def lock_path(name: str = "orcadata") -> str:
    """``/tmp/.<name>-<uid>.lock``: node-local, shared by all of one user's processes on the host."""
    return os.path.join("/tmp", f".{name}-{os.getuid()}.lock")


@contextmanager
def data_creator_lock(path: str | None = None) -> Iterator[None]:
    """Hold the node-wide exclusive lock for the ``with`` block (blocks until it is free)."""
    fd = os.open(path or lock_path(), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the flock


class LockedCreator:
    """``fn`` run under ``data_creator_lock``; a class, not a closure, so that it pickles.

    Why not ``functools.wraps`` on a closure: the copied ``__qualname__`` makes pickle and
    cloudpickle ship the wrapper *by reference to the original function*, so a Ray worker would get
    the unlocked creator back, silently.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.__wrapped__ = fn
        self.__doc__ = getattr(fn, "__doc__", None)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with data_creator_lock():
            return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"LockedCreator({self.fn!r})"


def wrap_data_creator(creator: F, serialize: bool | None = None) -> F:
    """Return ``creator``, locked if ``serialize`` (default: ``OrcaContext.serialize_data_creator`` now).

    Call this on the driver and ship the result to the workers (a Ray task or actor argument).
    """
    if serialize is None:
        from .context import OrcaContext

        serialize = OrcaContext.serialize_data_creator
    if not serialize:
        return creator
    return LockedCreator(creator)  # type: ignore[return-value]
