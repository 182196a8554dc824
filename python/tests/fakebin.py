"""The stand-in binary's handle for tests: where it logs, what it was called with."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Fake:
    path: str
    log: Path
    done: Path

    def calls(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def argvs(self) -> list[list[str]]:
        return [c["argv"] for c in self.calls() if "argv" in c]

    def wait_for(self, pred, what: str, deadline: float = 60.0) -> dict:
        """Wait for an event from a child process; the deadline only bounds a hang, it asserts nothing."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            for c in self.calls():
                if pred(c):
                    return c
            time.sleep(0.05)
        pytest.fail(f"no {what} in {self.calls()}")
