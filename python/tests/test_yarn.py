"""The YARN modes on the real cluster.

- Spark on YARN (needs HADOOP_CONF_DIR only): the Spark half of yarn-client with this package's
  settings. The env archive here is a *wrapper env*: ``bin/python`` execs this test's interpreter,
  which works because the NodeManagers run on this machine. It checks what the settings do (the
  archive is localized under ``#environment`` and the executors run its python, Spark's jars are not
  uploaded again); packing a real env is orca-yarn's job and is covered by the tests below.
- init_orca_context in yarn-client and yarn-cluster (needs ORCA_YARN_BIN too): Ray on 3 YARN
  containers, Spark next to it on the same packed env, a CSV from HDFS handed to Ray.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest

from orca_yarn import OrcaContext, init_orca_context, stop_orca_context
from orca_yarn._config import make_config
from orca_yarn._spark import restore_env, spark_yarn_archive, start_session, yarn_conf, yarn_env
from tests.webhdfs import WebHDFS

CSV = "k,v\na,1\nb,2\na,3\nc,4\n"
WANT = {"a": 4, "b": 2, "c": 4}


@pytest.fixture(scope="module")
def hdfs(hadoop_conf_dir: str) -> WebHDFS:
    return WebHDFS(hadoop_conf_dir)


@pytest.fixture(scope="module")
def test_dir(hdfs: WebHDFS) -> str:
    d = f"/user/{hdfs.user}/orca-py-test"
    hdfs.mkdirs(d)
    return d


@pytest.fixture(scope="module")
def csv_uri(hdfs: WebHDFS, test_dir: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    local = tmp_path_factory.mktemp("csv") / "kv.csv"
    local.write_text(CSV)
    return hdfs.put(local, f"{test_dir}/kv.csv")


def _wrapper_env(tmp: Path) -> Path:
    """A tar.gz whose bin/python execs this interpreter (NodeManagers share this machine)."""
    script = f'#!/bin/sh\nexec {sys.executable} "$@"\n'.encode()
    out = tmp / f"wrapper-env-{hashlib.sha256(script).hexdigest()[:12]}.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        info = tarfile.TarInfo("bin/python")
        info.size, info.mode = len(script), 0o755
        tar.addfile(info, io.BytesIO(script))
    return out


def _grouped(rows) -> dict[str, int]:
    return {r["k"]: int(r["total"]) for r in rows}


def test_spark_on_yarn_uses_the_env_archive_and_the_cached_jars(hdfs: WebHDFS, test_dir: str, csv_uri: str,
                                                                tmp_path: Path):
    from pyspark.sql import functions as F

    wrapper = _wrapper_env(tmp_path)
    env_uri = hdfs.put(wrapper, f"{test_dir}/{wrapper.name}")
    jars_uri = spark_yarn_archive(lambda p: hdfs.put(p, f"{test_dir}/{Path(p).name}", overwrite=False))
    cfg = make_config("yarn-client", cores=1, memory="512m", num_nodes=2, driver_memory="512m",
                      tags=["orca-py-test"], conf={"spark.ui.enabled": "false"})
    conf = yarn_conf(cfg, "orca-py-spark-test", env_uri, "bin/python", jars_uri, ("orca-py-spark",))
    spark, saved = start_session(conf, yarn_env(env_uri))
    try:
        sc = spark.sparkContext
        app_id = sc.applicationId
        staged = hdfs.list(f"/user/{hdfs.user}/.sparkStaging/{app_id}")
        assert not [n for n in staged if n.startswith("__spark_libs__")], staged  # jars came from the cache
        assert not [n for n in staged if n.endswith(".tar.gz")], staged  # the env was not uploaded again
        assert not [n for n in staged if n == "pyspark.zip" or n.startswith("py4j")], staged  # pyspark: the env's

        df = spark.read.option("header", True).csv(csv_uri)
        got = _grouped(df.groupBy("k").agg(F.sum(F.col("v").cast("int")).alias("total")).collect())
        assert got == WANT

        def where(_: int) -> tuple[str, str, str]:
            import os as o
            import sys as s

            import pyspark as p
            return s.executable, o.path.realpath("environment"), p.__file__

        seen = sc.parallelize(range(4), 4).map(where).collect()
        assert {exe for exe, _, _ in seen} == {sys.executable}  # the archive's bin/python ran
        assert all("/container_" in env for _, env, _ in seen)  # localized into the executors' containers
        assert not [f for _, _, f in seen if "pyspark.zip" in f], seen
    finally:
        spark.stop()
        restore_env(saved)


def test_init_orca_context_yarn_client(orca_yarn_bin: str, hdfs: WebHDFS, csv_uri: str):
    import numpy as np
    import ray
    from pyspark.sql import functions as F
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    OrcaContext.log_output = True
    # Ray nodes of 2 GiB (orca-yarn keeps 640 MiB of a node for Ray's own processes); Spark's
    # executors smaller through a spark.* setting, which wins over the sizes derived from memory.
    # colocate_spark=False: Spark as its own Spark-on-YARN application (the gang is tested below).
    sc = init_orca_context("yarn-client", num_nodes=3, cores=1, memory="2g", object_store_memory="400m",
                           driver_memory="512m", tags="orca-py-test", colocate_spark=False,
                           **{"spark.executor.memory": "512m"})
    from orca_yarn import OrcaRayContext

    assert not OrcaRayContext.get(initialize=False).initialized  # Orca: Ray only when asked for
    ctx = OrcaContext.get_ray_context()  # starts the Ray YARN application now
    app_id = ctx.app_id
    try:
        assert ctx.num_nodes == 3 and app_id.startswith("application_")
        info = ctx.address_info  # through Ray Client: the head's values
        assert info["redis_address"] == info["gcs_address"] == ctx.gcs_address
        assert info["node_ip_address"] == ctx.gcs_address.rpartition(":")[0] and info["raylet_socket_name"]
        nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"]]

        @ray.remote(num_cpus=1)
        class Holder:
            def node(self) -> str:
                return ray.get_runtime_context().get_node_id()

            def make(self, mib: int):
                return np.ones(mib << 20, dtype=np.uint8)

            def total(self, arr) -> int:
                return int(arr.sum())

        actors = [Holder.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n, soft=False)).remote()
                  for n in nodes]
        assert sorted(ray.get([a.node.remote() for a in actors])) == sorted(nodes)  # one actor per node
        big = actors[0].make.remote(64)  # 64 MiB made on one node, read on another
        assert ray.get(actors[1].total.remote(big)) == 64 << 20
        for a in actors:  # they hold every CPU of the cluster; the task below needs one
            ray.kill(a)

        spark = OrcaContext.get_spark_session()
        assert sc.getConf().get("spark.archives").endswith("#environment")
        rows = spark.read.option("header", True).csv(csv_uri).groupBy("k").agg(
            F.sum(F.col("v").cast("int")).alias("total")).collect()
        assert ray.get(ray.remote(lambda d: sum(d.values())).remote(_grouped(rows))) == sum(WANT.values())
    finally:
        stop_orca_context()
    assert not os.path.exists(ctx.token_file)
    status = subprocess.run([orca_yarn_bin, "status", "--output", "json", app_id], capture_output=True, text=True)
    assert json.loads(status.stdout.strip().splitlines()[-1])["state"] in ("KILLED", "FINISHED")


def _apps_tagged(hdfs: WebHDFS, tag: str) -> list[dict]:
    """The RM's record of every application with ``tag`` (its REST API, beside the NameNode's)."""
    import urllib.request

    url = f"{hdfs.rm_web}/ws/v1/cluster/apps?applicationTags={tag}"
    with urllib.request.urlopen(url, timeout=10) as resp:
        return (json.load(resp).get("apps") or {}).get("app") or []


def _read_or_empty(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # the process ended meanwhile
        return b""


def _processes_of(app_id: str) -> list[str]:
    """Processes on this machine (the NodeManagers run here) that belong to the application."""
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if app_id.encode() in cmdline or f"ORCA_YARN_APP_ID={app_id}".encode() in environ:
            out.append(f"{pid}: {cmdline.replace(bytes(1), b' ').decode(errors='replace')[:200]}")
    return out


def test_spark_and_ray_share_one_gang_yarn_client(orca_yarn_bin: str, hdfs: WebHDFS, csv_uri: str):
    """Orca's shape (Spark program, Ray on it): one YARN application whose containers run both
    engines; Spark's executors are inside it; YARN holds the gang and the AM, nothing else; stop
    leaves no process of it, Spark's JVMs included."""
    import time

    import ray
    from pyspark.sql import functions as F

    sc = init_orca_context("yarn-client", num_nodes=2, cores=2, memory="1g", init_ray_on_spark=True,
                           driver_memory="512m", tags="orca-py-test")
    session = OrcaContext._session
    assert session is not None
    try:
        apps = _apps_tagged(hdfs, session.tag)
        assert len(apps) == 1, apps  # one application for both engines
        app_id = apps[0]["id"]
        assert sc.master.startswith("spark://")
        rows = sc.parallelize(range(16), 16).map(
            lambda _: (os.environ.get("ORCA_YARN_APP_ID"), os.environ.get("CONTAINER_ID"))).distinct().collect()
        assert {a for a, _ in rows} == {app_id} and len({c for _, c in rows}) == 2, rows
        spark = OrcaContext.get_spark_session()
        counted = spark.read.option("header", True).csv(csv_uri).groupBy("k").agg(
            F.sum(F.col("v").cast("int")).alias("total")).collect()
        secret_file = next(p for p in session.token_files if p.name == "spark-secret")
        secret = secret_file.read_text().strip().encode()
        assert secret and oct(secret_file.stat().st_mode & 0o777) == "0o600"
        on_cmdlines = [pid for pid in filter(str.isdigit, os.listdir("/proc"))
                       if secret in _read_or_empty(Path(f"/proc/{pid}/cmdline"))]
        assert not on_cmdlines, f"the Spark secret is on the command line of {on_cmdlines}"
        ray_ctx = OrcaContext.get_ray_context()
        assert ray_ctx.num_ray_nodes == 2 and ray_ctx.app_id == app_id
        assert ray.get(ray.remote(lambda d: sum(d.values())).remote(_grouped(counted))) == sum(WANT.values())
        ray_ctx.stop()  # Orca's stop/init of Ray: back to the gang's Ray, no second application
        assert not ray_ctx.initialized
        ray_ctx.init()
        assert ray.get(ray.remote(lambda: 2).remote()) == 2 and len(_apps_tagged(hdfs, session.tag)) == 1
        allocated_mb = int(_apps_tagged(hdfs, session.tag)[0]["allocatedMB"])
        # Two containers of 1g executor + 512m overhead + Spark's two daemons (448m each) + Ray's
        # default share (about 2.1g), the AM, each rounded up by at most 1 GiB (the scheduler's
        # allocation step on real clusters; 128 MiB here). The
        # two-application path held a Spark AM and two executor containers on top.
        assert allocated_mb <= 2 * 5120 + 1024, allocated_mb
    finally:
        stop_orca_context()
    deadline = time.monotonic() + 30  # the NodeManagers' own clean-up after the kill
    while _processes_of(app_id) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _processes_of(app_id), _processes_of(app_id)


def test_init_orca_context_yarn_cluster_exits_with_the_drivers_code(orca_yarn_bin: str, csv_uri: str, tmp_path: Path):
    script = tmp_path / "driver.py"
    script.write_text(textwrap.dedent("""
        import sys
        import ray
        from orca_yarn import OrcaContext, init_orca_context, stop_orca_context
        sc = init_orca_context(cluster_mode="yarn-cluster", num_nodes=2, cores=1, memory="1g", init_ray_on_spark=True,
                               driver_memory="512m", tags="orca-py-test")
        print("NODES", OrcaContext.get_ray_context().num_nodes)
        rows = OrcaContext.get_spark_session().read.option("header", True).csv(sys.argv[1]).collect()
        print("ROWS", ray.get(ray.remote(lambda n: n).remote(len(rows))))
        stop_orca_context()
        sys.exit(int(sys.argv[2]))
    """))
    env = {**os.environ, "ORCA_YARN_BIN": orca_yarn_bin}
    ok = subprocess.run([sys.executable, str(script), csv_uri, "0"], capture_output=True, text=True, env=env,
                        timeout=900)
    assert ok.returncode == 0, ok.stdout[-3000:] + ok.stderr[-3000:]
    assert "NODES 2" in ok.stdout and "ROWS 4" in ok.stdout
    failed = subprocess.run([sys.executable, str(script), csv_uri, "3"], capture_output=True, text=True, env=env,
                            timeout=900)
    assert failed.returncode == 1, failed.stdout[-3000:] + failed.stderr[-3000:]  # design.md §3: the app failed



def test_a_sigkilled_driver_leaves_no_ray_cluster(orca_yarn_bin: str, tmp_path: Path):
    """No atexit runs on SIGKILL: the attach guard's parent-death signal must end the application."""
    import signal
    import time

    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent("""
        import time
        from orca_yarn import OrcaContext, init_orca_context
        init_orca_context("yarn-client", num_nodes=2, cores=1, memory="2g", init_spark=False, tags="orca-py-test")
        print("APP", OrcaContext.get_ray_context().app_id, flush=True)
        time.sleep(600)
    """))
    env = {**os.environ, "ORCA_YARN_BIN": orca_yarn_bin}
    proc = subprocess.Popen([sys.executable, str(driver)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env)
    try:
        assert proc.stdout is not None
        app_id = ""
        for line in proc.stdout:
            if line.startswith("APP "):
                app_id = line.split()[1]
                break
        assert app_id.startswith("application_"), "the driver never got its Ray cluster"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = ""
        end = time.monotonic() + 120  # bounds a hang; the assertion is on the state, not the time
        while time.monotonic() < end and state not in ("KILLED", "FINISHED", "FAILED"):
            out = subprocess.run([orca_yarn_bin, "status", "--output", "json", app_id], capture_output=True, text=True)
            state = json.loads(out.stdout.strip().splitlines()[-1])["state"]
            time.sleep(1)
        assert state == "KILLED"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_spark_submit_program_gets_ray_on_its_executors(hadoop_conf_dir: str, hdfs: WebHDFS, tmp_path: Path):
    """cluster_mode="spark-submit" under ``spark-submit --master yarn``: Ray's nodes run in that
    application's executors (Ray on Spark), Spark keeps a task slot per executor for its own jobs,
    and stop leaves no process of the application."""
    import time

    venv_bin = Path(sys.executable).parent
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent("""
        import ray
        from orca_yarn import OrcaContext, init_orca_context, stop_orca_context
        sc = init_orca_context(cluster_mode="spark-submit", init_ray_on_spark=True)
        print("APP", sc.applicationId, flush=True)
        print("RAYNODES", sum(1 for n in ray.nodes() if n["Alive"]), flush=True)
        print("RAYSUM", sum(ray.get([ray.remote(lambda x: x * 2).remote(i) for i in range(10)])), flush=True)
        print("SPARKSUM", sc.parallelize(range(10)).sum(), flush=True)
        stop_orca_context()
    """))
    tag = "orca-py-test-ss-" + str(int(time.time()))
    # A HOME of its own: local-mode tests leave ~/.ray/auth_token, which turns token auth on for
    # Ray's head here but not for its nodes in the executors (their HOME is the NodeManager's).
    home = tmp_path / "home"
    home.mkdir()
    # Ray's token auth pinned off: Ray on Spark does not hand a token to its nodes, and earlier tests
    # of this process leave Ray's auth state behind (seen: the head then refused to start).
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("RAY_")},
           "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}", "HADOOP_CONF_DIR": hadoop_conf_dir,
           "HOME": str(home), "RAY_AUTH_MODE": "disabled"}
    cmd = [str(venv_bin / "spark-submit"), "--master", "yarn", "--num-executors", "2", "--executor-cores", "2",
           "--executor-memory", "1g", "--conf", "spark.executor.memoryOverhead=2g",
           # The executors run this venv's python (the NodeManagers share this machine) and need `ray` on PATH.
           "--conf", f"spark.pyspark.python={sys.executable}",
           "--conf", f"spark.executorEnv.PATH={venv_bin}:/usr/bin:/bin",
           "--conf", "spark.ui.enabled=false", "--conf", f"spark.yarn.tags={tag}", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    for want in ("RAYNODES 3", "RAYSUM 90", "SPARKSUM 45"):  # Ray's head here + a node per executor
        assert want in out.stdout, out.stdout[-3000:] + out.stderr[-3000:]
    app_id = next(line.split()[1] for line in out.stdout.splitlines() if line.startswith("APP "))
    deadline = time.monotonic() + 30
    while _processes_of(app_id) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _processes_of(app_id), _processes_of(app_id)
