"""Shared fixtures: an isolated HOME, the cluster gates, and a clean OrcaContext after every test.

Why an isolated HOME: ``ray.init`` in local mode writes ``~/.ray/auth_token`` (Ray >= 2.59), and
from then on every ``ray start --head`` of that user on the machine turns token auth on. Tests must
not change how other programs on a shared machine behave. Spark's jars zip keeps the real cache
(``XDG_CACHE_HOME``): it is 400+ MB and content-named, so sharing it is safe and fast.

Cluster gates: YARN tests need ``HADOOP_CONF_DIR`` (Spark on YARN) and, for the orca-yarn paths,
``ORCA_YARN_BIN``. Without them they skip with the reason, unless ``ORCA_REQUIRE_CLUSTER=1`` (what
``make test`` sets) or ``CI=true``: then a missing cluster is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakebin import Fake

_REAL_HOME = os.path.expanduser("~")
os.environ.setdefault("XDG_CACHE_HOME", os.path.join(_REAL_HOME, ".cache"))
_TEST_HOME = tempfile.mkdtemp(prefix="orca-py-home-")
os.environ["HOME"] = _TEST_HOME


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_TEST_HOME, ignore_errors=True)


def _must_have_cluster() -> bool:
    return os.environ.get("ORCA_REQUIRE_CLUSTER") == "1" or os.environ.get("CI") == "true"


def _missing(reason: str) -> None:
    if _must_have_cluster():
        pytest.fail(reason + " (ORCA_REQUIRE_CLUSTER=1: a missing cluster is a failure)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def hadoop_conf_dir() -> str:
    """The real cluster's client configuration, or skip/fail."""
    conf = os.environ.get("HADOOP_CONF_DIR", "")
    if not conf or not Path(conf, "core-site.xml").is_file():
        _missing("HADOOP_CONF_DIR is not set to a cluster's client configuration "
                 "(eval the last line of integration/cluster/cluster.sh up)")
    return conf


@pytest.fixture(scope="session")
def orca_yarn_bin(hadoop_conf_dir: str) -> str:
    """The real binary with the commands the Python API uses, or skip/fail."""
    path = os.environ.get("ORCA_YARN_BIN", "")
    if not path or not os.access(path, os.X_OK):
        _missing("ORCA_YARN_BIN is not set to an orca-yarn binary "
                 "(make build; export ORCA_YARN_BIN=$PWD/bin/orca-yarn)")
    for cmd in (["pack", "--help"], ["cache", "put", "--help"]):
        probe = subprocess.run([path, *cmd], capture_output=True, text=True, timeout=60)
        if probe.returncode != 0:
            _missing(f"{path} has no `{' '.join(cmd[:-1])}` command yet (the Go side of issue 6)")
    return path


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Fake:
    exe = tmp_path / "orca-yarn"
    exe.write_text(f"#!{sys.executable}\n" + (Path(__file__).resolve().parent / "fake_orca_yarn.py").read_text())
    exe.chmod(0o755)
    done = tmp_path / "done"
    done.mkdir()
    (tmp_path / "hadoop").mkdir()
    monkeypatch.setenv("ORCA_YARN_BIN", str(exe))
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "calls.jsonl"))
    monkeypatch.setenv("FAKE_DONE_DIR", str(done))
    monkeypatch.setenv("HADOOP_CONF_DIR", str(tmp_path / "hadoop"))
    return Fake(str(exe), tmp_path / "calls.jsonl", done)


@pytest.fixture(autouse=True)
def _clean_orca_context() -> Iterator[None]:
    """Every test starts and ends without a session and with the default settings."""
    from orca_yarn import OrcaContext, stop_orca_context

    yield
    stop_orca_context()
    OrcaContext.log_output = False
    OrcaContext.serialize_data_creator = False
    OrcaContext.barrier_mode = True
    OrcaContext.pandas_read_backend = "spark"
    OrcaContext.train_data_store = "DRAM"
