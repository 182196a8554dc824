"""The Python side of the CLI contract against a stand-in binary (tests/fake_orca_yarn.py).

These run everywhere (no cluster): argv, result parsing, exit codes, the kill of a half-started
application, and the parent-death guard, with real child processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from orca_yarn import BinaryNotFound, CLIError, init_orca_context, locate_binary
from orca_yarn._binary import OrcaYarn, last_json_line
from orca_yarn._logstream import ClusterOutput
from tests.fakebin import Fake

HERE = Path(__file__).resolve().parent


def test_locate_binary_prefers_the_env_override(fake: Fake, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    assert locate_binary() == fake.path
    monkeypatch.setenv("ORCA_YARN_BIN", str(tmp_path / "missing"))
    with pytest.raises(BinaryNotFound, match="ORCA_YARN_BIN"):
        locate_binary()


@pytest.mark.parametrize("stdout,want", [
    ('noise\n{"a": 1}\n', {"a": 1}), ('{"a": 1}\n\n\n', {"a": 1}), ("not json\n", None), ("[1]\n", None), ("", None),
])
def test_last_json_line(stdout, want):
    assert last_json_line(stdout) == want


def test_pack_reads_the_result_and_relays_the_rest(fake: Fake, capsys: pytest.CaptureFixture[str]):
    res = OrcaYarn().pack("auto")
    assert res.path.endswith("1234abcd.tar.gz") and res.reused and res.size == 1000
    assert fake.argvs() == [["pack", "--env", "auto", "--upload", "--output", "json"]]
    out, err = capsys.readouterr()
    assert "env hash 1234abcd" in out and "1234abcd.tar.gz" not in out  # the result line is not echoed
    assert "packing env" in err


def test_cache_put(fake: Fake):
    assert OrcaYarn(echo=False).cache_put("/x/spark-jars-1.zip").endswith("/cache/spark-jars-1.zip")
    assert fake.argvs() == [["cache", "put", "--output", "json", "/x/spark-jars-1.zip"]]


def test_failed_submit_raises_with_the_exit_code(fake: Fake, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FAKE_SUBMIT", json.dumps({"state": "NOT_SUBMITTED", "exit_code": 4,
                                                  "diagnostics": "8 vcores per container > cluster max 4"}))
    monkeypatch.setenv("FAKE_SUBMIT_EXIT", "4")
    with pytest.raises(CLIError) as info:
        OrcaYarn(echo=False).submit(["--detach"])
    assert info.value.exit_code == 4 and "resources not obtainable" in str(info.value)
    assert "cluster max 4" in str(info.value)


def test_no_result_line_is_an_error(fake: Fake, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FAKE_RAW_SUBMIT", "panic: something")
    monkeypatch.setenv("FAKE_SUBMIT_EXIT", "2")
    with pytest.raises(CLIError, match="exit 2"):
        OrcaYarn(echo=False).submit([])


def test_yarn_client_kills_an_application_that_never_got_ready(fake: Fake, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FAKE_SUBMIT", json.dumps({"app_id": "application_1_0007", "state": "KILLED", "exit_code": 4,
                                                  "diagnostics": "allocation timeout"}))
    monkeypatch.setenv("FAKE_SUBMIT_EXIT", "4")
    with pytest.raises(CLIError, match="allocation timeout"):
        init_orca_context("yarn-client", num_nodes=3, cores=2, memory="1g", init_spark=False, tags="t")
    argvs = fake.argvs()
    submit = argvs[0]
    assert submit[:2] == ["submit", "--detach"] and submit[submit.index("--num-nodes") + 1] == "3"
    assert submit[submit.index("--deploy-mode") + 1] == "client"
    tags = [submit[i + 1] for i, a in enumerate(submit) if a == "--tag"]
    assert tags[0] == "t" and tags[1].startswith("orca-session-")
    assert argvs[-1] == ["kill", "application_1_0007"]


def test_yarn_client_without_hadoop_conf_fails_before_anything(fake: Fake, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HADOOP_CONF_DIR")
    monkeypatch.delenv("YARN_CONF_DIR", raising=False)
    with pytest.raises(RuntimeError, match="HADOOP_CONF_DIR"):
        init_orca_context("yarn-client", init_spark=False)
    assert fake.argvs() == []


def test_cluster_output_streams_and_ends_when_the_app_is_killed(fake: Fake, capsys: pytest.CaptureFixture[str]):
    cli = OrcaYarn(echo=False)
    out = ClusterOutput(cli, "application_1_0001", echo=lambda: True)
    fake.wait_for(lambda c: c.get("argv", [""])[0] == "attach", "attach call")
    cli.kill("application_1_0001")
    out.close()
    assert out.exit_code == 5
    assert "[head] hello from application_1_0001" in capsys.readouterr().out
    assert any("ended: KILLED" in line for line in out.tail())


def test_parent_death_signals_the_attach_guard(fake: Fake, tmp_path: Path):
    """SIGKILL the driver: its attach child gets SIGTERM (and a real orca-yarn then kills the app)."""
    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(HERE.parent)!r})
        from orca_yarn._binary import OrcaYarn
        from orca_yarn._logstream import ClusterOutput
        ClusterOutput(OrcaYarn(echo=False), "application_1_0042", echo=lambda: False)
        print("ready", flush=True)
        time.sleep(600)
    """))
    proc = subprocess.Popen([sys.executable, str(driver)], stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        fake.wait_for(lambda c: c.get("argv") == ["attach", "application_1_0042"], "attach call")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        event = fake.wait_for(lambda c: c.get("event") == "attach-signal", "SIGTERM at the attach child")
        assert event == {"event": "attach-signal", "signal": int(signal.SIGTERM), "app": "application_1_0042"}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
