"""serialize_data_creator: real processes contend for the node-local lock."""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

from orca_yarn import OrcaContext, wrap_data_creator
from orca_yarn.locks import data_creator_lock, lock_path


def _creator(journal: str, name: str) -> str:
    with open(journal, "a") as f:
        f.write(f"start {name}\n")
        f.flush()
        time.sleep(0.2)  # widen the window in which an unlocked creator would interleave
        f.write(f"end {name}\n")
    return name


def _run(fn, journal: str, name: str) -> None:
    fn(journal, name)


def test_locked_creators_never_overlap(tmp_path: Path):
    OrcaContext.serialize_data_creator = True
    locked = wrap_data_creator(_creator)  # the flag is read here, on the "driver"
    OrcaContext.serialize_data_creator = False  # workers never see the driver's setting
    journal = str(tmp_path / "journal")
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_run, args=(locked, journal, f"w{i}")) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0] * 4
    lines = Path(journal).read_text().split("\n")[:-1]
    assert len(lines) == 8
    for i in range(0, 8, 2):  # every start is followed by its own end
        assert lines[i].split()[0] == "start" and lines[i + 1] == "end " + lines[i].split()[1]


def test_unserialized_creator_is_returned_unchanged():
    assert wrap_data_creator(_creator) is _creator
    assert wrap_data_creator(_creator, serialize=False) is _creator
    assert wrap_data_creator(_creator, serialize=True) is not _creator


def test_lock_is_per_user_in_tmp(tmp_path: Path):
    assert lock_path().startswith("/tmp/.orcadata-")
    with data_creator_lock(str(tmp_path / "l")):
        assert (tmp_path / "l").exists()


def test_locked_creator_survives_cloudpickle_as_a_locked_creator():
    """Ray ships functions with cloudpickle; the lock must travel with the creator."""
    from ray import cloudpickle

    from orca_yarn.locks import LockedCreator

    back = cloudpickle.loads(cloudpickle.dumps(wrap_data_creator(_creator, serialize=True)))
    assert isinstance(back, LockedCreator) and back.fn is _creator
