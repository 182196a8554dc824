"""Real Orca programs, unchanged but for their import lines, run on orca_yarn.

The programs (``orca_programs/*.py``, Apache-2.0, vendored by ``orca_programs/vendor.py``; upstream
repository, commit, path and license in ``orca_programs/MANIFEST.json``):

- ``ray_parameter_server``: BigDL's Ray quick-start notebook (``python/orca/colab-notebook/quickstart/
  ray_parameter_server.ipynb``): Ray on Spark, a parameter-server actor and two worker tasks.
- ``zoo_ray_parameter_server``: the same quick-start as Analytics Zoo shipped it (``from zoo.orca``).
- ``ncf_process_spark_dataframe``: BigDL's NCF tutorial, the Spark DataFrame preparation step
  (StringIndexer, MinMaxScaler, a Python UDF for negative sampling, joins, parquet out); its input,
  MovieLens-1M, is made up here: a few users, movies and ratings in the same ``::`` format.

What is checked:

(a) each file differs from upstream only in import statements: the sha256 of the file with its
    import statements removed equals the manifest's (computed from upstream the same way, after
    the notebook's recorded ``!``/``%`` lines were dropped);
(b) each runs in local mode as a subprocess of this venv's python, exits 0 and prints what it
    should;
(c) on the real cluster, each program runs the way it already takes its mode. The two notebooks
    hard-code ``cluster_mode = "local"``: they run locally only. The NCF step calls
    ``init_orca_context()`` with no mode, which in Orca (and orca_yarn) means "the SparkContext
    spark-submit made, if launched by it": it runs under ``spark-submit --master yarn`` in client
    and in cluster deploy mode, reading its input from and writing its output to HDFS.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import orca_yarn

PROGRAMS = Path(__file__).resolve().parent / "orca_programs"
MANIFEST: dict[str, dict] = json.loads((PROGRAMS / "MANIFEST.json").read_text())
TIMEOUT = 420

_spec = importlib.util.spec_from_file_location("orca_programs_vendor", PROGRAMS / "vendor.py")
assert _spec is not None and _spec.loader is not None
vendor = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vendor)

# name -> (extra argv, a regex one line of its stdout must match)
LOCAL_RUNS = {
    "ray_parameter_server": ([], r"^\[\s*[0-9.e+-]+(\s+[0-9.e+-]+)*"),  # print(ray.get(ps.get_parameters.remote()))
    "zoo_ray_parameter_server": ([], r"^\[\s*[0-9.e+-]+(\s+[0-9.e+-]+)*"),
    "ncf_process_spark_dataframe": ([], r"^Loading data\.\.\.$"),
}
LOCAL_ONLY = {"ray_parameter_server": 'hard-codes cluster_mode = "local"',
              "zoo_ray_parameter_server": 'hard-codes cluster_mode = "local"'}


def test_manifest_lists_every_program() -> None:
    on_disk = {p.stem for p in PROGRAMS.glob("*.py")} - {"vendor"}
    assert on_disk == set(MANIFEST) == set(LOCAL_RUNS)
    assert 3 <= len(MANIFEST) <= 5


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_program_differs_from_upstream_only_in_imports(name: str) -> None:
    entry = MANIFEST[name]
    ours = (PROGRAMS / entry["file"]).read_text()
    assert vendor.sha256_without_imports(ours) == entry["sha256_without_imports"], \
        f"{entry['file']} changed outside its import lines (upstream {entry['upstream']})"
    # the import lines: orca_yarn where upstream had the Orca package, nothing of BigDL or Zoo left
    imports = [ln for i, ln in enumerate(ours.splitlines()) if i in vendor.import_lines(ours)]
    assert not [ln for ln in imports if re.search(r"\b(bigdl|zoo)\b", ln)], imports
    assert sorted(new for _, new in entry["imports_changed"]) == sorted(ln for ln in imports if "orca_yarn" in ln)
    assert entry["license"] == "Apache-2.0"
    assert "Licensed under the Apache License, Version 2.0" in ours  # the header it carries, kept


def test_import_stripping_sees_a_changed_line() -> None:
    """(a) can fail: a change outside the imports changes the hash, a change inside does not."""
    src = "import os\nfrom bigdl.orca import init_orca_context\nx = 1\n"
    renamed, changed = vendor.rename_imports(src)
    assert changed == [["from bigdl.orca import init_orca_context", "from orca_yarn import init_orca_context"]]
    assert vendor.sha256_without_imports(renamed) == vendor.sha256_without_imports(src)
    assert vendor.sha256_without_imports(renamed.replace("x = 1", "x = 2")) != vendor.sha256_without_imports(src)
    assert vendor.sha256_without_imports(src) == hashlib.sha256(b"x = 1\n").hexdigest()


def _movielens(root: Path, users: int = 24, items: int = 40, per_user: int = 8) -> Path:
    """A tiny MovieLens-1M: ratings.dat, users.dat, movies.dat with ``::`` separators."""
    rnd = random.Random(7)
    d = root / "ml-1m"
    d.mkdir(parents=True, exist_ok=True)
    genres = ["Comedy", "Drama", "Action|Thriller", "Animation|Children's", "Romance"]
    (d / "movies.dat").write_text("".join(f"{i}::Movie {i} ({1990 + i % 20})::{genres[i % len(genres)]}\n"
                                          for i in range(1, items + 1)))
    (d / "users.dat").write_text("".join(f"{u}::{'MF'[u % 2]}::{[1, 18, 25, 35, 45, 50, 56][u % 7]}::{u % 21}::"
                                         f"{10000 + 37 * u}\n" for u in range(1, users + 1)))
    rows = []
    for u in range(1, users + 1):
        for i in rnd.sample(range(1, items + 1), per_user):  # few per user: negative sampling finds others
            rows.append(f"{u}::{i}::{rnd.randint(1, 5)}::{978300000 + len(rows)}\n")
    (d / "ratings.dat").write_text("".join(rows))
    return d


def _env() -> dict[str, str]:
    """This process's environment (its isolated HOME), with the orca_yarn the tests import first on the path."""
    env = dict(os.environ)
    pkg_root = str(Path(orca_yarn.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_root, env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a program in its own process group; on a timeout, end that group (its JVM and Ray too)."""
    proc = subprocess.Popen(argv, cwd=cwd, env=env or _env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{argv} did not end within {TIMEOUT}s\n--- stdout (end)\n{out[-3000:]}\n"
                    f"--- stderr (end)\n{err[-5000:]}")
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def _explain(p: subprocess.CompletedProcess[str]) -> str:
    return f"exit {p.returncode}\n--- stdout (end)\n{p.stdout[-3000:]}\n--- stderr (end)\n{p.stderr[-5000:]}"


@pytest.mark.parametrize("name", sorted(LOCAL_RUNS))
def test_program_runs_locally(name: str, tmp_path: Path) -> None:
    argv, expect = LOCAL_RUNS[name]
    if name == "ncf_process_spark_dataframe":
        _movielens(tmp_path)
    # local means this machine: relative paths are local files, not the cluster's HDFS home
    env = {k: v for k, v in _env().items() if k not in ("HADOOP_CONF_DIR", "YARN_CONF_DIR")}
    p = _run([sys.executable, str(PROGRAMS / MANIFEST[name]["file"]), *argv], tmp_path, env)
    assert p.returncode == 0, _explain(p)
    assert any(re.search(expect, ln) for ln in p.stdout.splitlines()), _explain(p)
    if name == "ncf_process_spark_dataframe":
        for out in ("train_processed.parquet", "test_processed.parquet"):
            assert (tmp_path / out / "_SUCCESS").is_file(), _explain(p)
            assert list((tmp_path / out).glob("part-*.parquet")), out


# --- the cluster ---------------------------------------------------------------------------------

def _hdfs(hadoop_conf_dir: str):
    from tests.webhdfs import WebHDFS

    return WebHDFS(hadoop_conf_dir)


def _hdfs_delete(hdfs, path: str) -> None:
    req = urllib.request.Request(hdfs._url(path, "DELETE", recursive="true"), method="DELETE")
    try:
        urllib.request.urlopen(req, timeout=30).close()
    except urllib.error.HTTPError as e:
        if e.code != 404:
            raise


@pytest.mark.parametrize("deploy_mode", ["client", "cluster"])
def test_ncf_spark_step_on_yarn_via_spark_submit(deploy_mode: str, hadoop_conf_dir: str,
                                                 tmp_path: Path) -> None:
    """``init_orca_context()`` under ``spark-submit --master yarn``: Orca's None means spark-submit's context.

    Relative paths are the HDFS home directory's, as for the tutorial's users: the input goes to
    ``~/ml-1m`` on HDFS, the output comes back as ``~/train_processed.parquet``.
    """
    import pyspark

    from orca_yarn._spark import spark_yarn_archive

    hdfs = _hdfs(hadoop_conf_dir)
    home = f"/user/{hdfs.user}"
    hdfs.mkdirs(f"{home}/ml-1m")
    for f in sorted(_movielens(tmp_path / "input").iterdir()):
        hdfs.put(f, f"{home}/ml-1m/{f.name}")
    outputs = [f"{home}/train_processed.parquet", f"{home}/test_processed.parquet"]
    for out in outputs:
        _hdfs_delete(hdfs, out)
    jars = spark_yarn_archive(lambda p: hdfs.put(p, f"{home}/orca-py-test/{Path(p).name}", overwrite=False))

    env = _env()
    env["HADOOP_USER_NAME"] = hdfs.user
    pypath = env["PYTHONPATH"]
    submit = str(Path(pyspark.__file__).resolve().parent / "bin" / "spark-submit")
    argv = [submit, "--master", "yarn", "--deploy-mode", deploy_mode,
            "--name", f"orca-program-ncf-{deploy_mode}",
            "--num-executors", "2", "--executor-cores", "1", "--executor-memory", "512m",
            "--driver-memory", "512m",
            # the NodeManagers share this machine: the containers run this venv's python
            "--conf", f"spark.pyspark.python={sys.executable}",
            "--conf", f"spark.pyspark.driver.python={sys.executable}",
            "--conf", f"spark.yarn.archive={jars}",
            "--conf", f"spark.yarn.appMasterEnv.PYTHONPATH={pypath}",
            "--conf", f"spark.executorEnv.PYTHONPATH={pypath}",
            "--conf", "spark.yarn.tags=orca-py-test",
            str(PROGRAMS / MANIFEST["ncf_process_spark_dataframe"]["file"])]
    p = _run(argv, tmp_path, env)
    assert p.returncode == 0, _explain(p)
    if deploy_mode == "client":  # in cluster mode the driver's stdout is in the container's log
        assert "Loading data..." in p.stdout.splitlines(), _explain(p)
    for out in outputs:
        names = hdfs.list(out)
        assert "_SUCCESS" in names and any(n.endswith(".parquet") for n in names), (out, names, _explain(p))
    assert "application_" in p.stderr + p.stdout, _explain(p)  # it went through YARN
    for out in outputs:
        _hdfs_delete(hdfs, out)


@pytest.mark.parametrize("name", sorted(LOCAL_ONLY))
def test_local_only_programs_are_documented(name: str) -> None:
    """A program that hard-codes its mode runs locally only; the reason must still be true."""
    text = (PROGRAMS / MANIFEST[name]["file"]).read_text()
    assert 'cluster_mode = "local"' in text, LOCAL_ONLY[name]
