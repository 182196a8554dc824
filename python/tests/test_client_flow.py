"""yarn-client end to end minus YARN: the stand-in binary reports a *real* token-auth Ray head.

What is real: Ray (a ``ray start --head`` with token auth and explicit ports), Ray Client with the
token file, the attach guard process, the stop order. What is stood in: the binary (it cannot start
containers here). The same flow against YARN is in test_yarn.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from orca_yarn import OrcaContext, init_orca_context, stop_orca_context
from tests.fakebin import Fake
from tests.rayhead import RayHead, start_head


@pytest.fixture
def ray_head() -> Iterator[RayHead]:
    head = start_head()
    yield head
    head.stop()
    assert head.pids() == []


def test_yarn_client_connects_with_the_token_and_stops_everything(
        fake: Fake, ray_head: RayHead, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    import ray

    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    monkeypatch.delenv("RAY_AUTH_TOKEN_PATH", raising=False)
    monkeypatch.setenv("FAKE_SUBMIT", json.dumps({
        "app_id": "application_1_0009", "state": "RUNNING", "final_status": "UNDEFINED", "exit_code": 0,
        "tracking_url": "http://rm/proxy/application_1_0009/", "diagnostics": "",
        "ray_address": ray_head.gcs_address, "ray_client_address": ray_head.client_address,
        "ray_token_file": ray_head.token_file,
        "env_path": "hdfs://nn:8020/user/u/.orca-yarn/envs/1234abcd.tar.gz", "env_python": "environment/bin/python",
    }))
    OrcaContext.log_output = True
    OrcaContext.barrier_mode = False

    sc = init_orca_context("yarn-client", num_nodes=1, cores=2, memory="1g", init_spark=False)

    assert sc is None
    ctx = OrcaContext.get_ray_context()
    assert (ctx.app_id, ctx.address, ctx.num_nodes) == ("application_1_0009", ray_head.client_address, 1)
    assert os.environ["RAY_AUTH_TOKEN_PATH"] == ray_head.token_file
    assert ray.get([ray.remote(lambda x: x * x).remote(i) for i in range(4)]) == [0, 1, 4, 9]
    submit = fake.argvs()[0]
    assert submit[submit.index("--min-nodes") + 1] == "1"  # barrier_mode=False: elastic
    fake.wait_for(lambda c: c.get("argv") == ["attach", "application_1_0009"], "attach guard")

    stop_orca_context()
    stop_orca_context()  # a second call is a no-op

    assert not ray.is_initialized()
    assert "RAY_AUTH_TOKEN_PATH" not in os.environ and "RAY_AUTH_MODE" not in os.environ
    assert fake.argvs().count(["kill", "application_1_0009"]) == 1
    assert not os.path.exists(ray_head.token_file)  # the killed application's secret is gone
    assert "[head] hello from application_1_0009" in capsys.readouterr().out
