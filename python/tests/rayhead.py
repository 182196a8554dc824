"""A real Ray head with token auth on loopback, started the way an orca-yarn head container starts it.

Why: the yarn-client path connects with Ray Client and a token file; this checks that seam against
real Ray without YARN. Every port is explicit and the temp dir is short and private (research §0),
so it never meets another Ray on the machine; teardown kills only processes whose command line names
that private temp dir (never ``ray stop``, which kills every Ray of the user on the host).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass
class RayHead:
    gcs_address: str
    client_address: str
    token_file: str
    temp_dir: str
    proc: subprocess.Popen

    def pids(self) -> list[int]:
        """Processes of this head: their command line names its private temp dir."""
        out = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if self.temp_dir.encode() in cmd:
                out.append(int(entry.name))
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # `ray start --block` stops its own children
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def start_head(cpus: int = 2) -> RayHead:
    tmp = tempfile.mkdtemp(prefix="orx-", dir="/tmp")
    token = Path(tmp, "token")
    token.write_text(secrets.token_hex(32))
    token.chmod(0o600)
    gcs, client, nm, om, agent, metrics, runtime_env, wmin = free_ports(8)
    # The client proxy's wait for its per-client server: Ray's 30 s is too short on a loaded host.
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token),
           "RAY_CLIENT_SERVER_CHECK_CHANNEL_TIMEOUT_S": "180"}
    ray_cli = str(Path(sys.executable).parent / "ray")
    argv = [ray_cli, "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={gcs}",
            f"--ray-client-server-port={client}", f"--node-manager-port={nm}", f"--object-manager-port={om}",
            f"--dashboard-agent-listen-port={agent}", f"--metrics-export-port={metrics}",
            f"--runtime-env-agent-port={runtime_env}", f"--min-worker-port={wmin}", f"--max-worker-port={wmin + 50}",
            "--include-dashboard=false", f"--num-cpus={cpus}", "--object-store-memory=100000000",
            f"--temp-dir={tmp}/t", "--disable-usage-stats"]
    log = open(Path(tmp, "start.log"), "wb")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    head = RayHead(f"127.0.0.1:{gcs}", f"ray://127.0.0.1:{client}", str(token), tmp, proc)
    end = time.monotonic() + 120
    while time.monotonic() < end:  # ready = the client server accepts connections
        if proc.poll() is not None:
            tail = Path(tmp, "start.log").read_text(errors="replace")[-3000:]
            head.stop()
            raise RuntimeError(f"ray start --head exited with {proc.returncode}:\n{tail}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", client)) == 0:
                return head
        time.sleep(0.2)
    head.stop()
    raise RuntimeError("ray head did not open its client port within 120 s")
