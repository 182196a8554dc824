"""The installed wheel carries a working orca-yarn binary and finds it without ORCA_YARN_BIN."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from orca_yarn import locate_binary


@pytest.mark.skipif(os.environ.get("ORCA_TEST_INSTALLED") != "1",
                    reason="checks the installed wheel; python/run-tests.sh runs it against one")
def test_installed_wheel_carries_a_working_binary(monkeypatch: pytest.MonkeyPatch):
    import orca_yarn

    monkeypatch.delenv("ORCA_YARN_BIN", raising=False)
    packaged = Path(orca_yarn.__file__).parent / "_bin" / "orca-yarn"
    assert "site-packages" in str(packaged)
    assert locate_binary() == str(packaged)
    out = subprocess.run([str(packaged), "version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("orca-yarn ")
