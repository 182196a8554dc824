"""resolve_init_args over Orca 2.4 / Analytics Zoo call shapes, and the pure shipping helpers."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from orca_yarn import OrcaCompatWarning, resolve_init_args
from orca_yarn._argv import ray_cluster_args
from orca_yarn._shipping import container_py_files, link_local_archives, spark_archives
from orca_yarn._spark import yarn_conf

GiB = 1 << 30


def _quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", OrcaCompatWarning)
        return resolve_init_args(*args, **kwargs)


def test_orca_yarn_client_call_maps_every_argument():
    cfg = _quiet(cluster_mode="yarn", cores=4, memory="10g", num_nodes=3, init_ray_on_spark=True,
                 driver_cores=2, driver_memory="3g", extra_executor_memory_for_ray="6g",
                 object_store_memory="4g", include_webui=True, env={"OMP_NUM_THREADS": "4"},
                 additional_archive="data.tgz#data", penv_archive="hdfs:///envs/e.tar.gz",
                 hadoop_user_name="etl", jars="a.jar,b.jar", spark_log_level="info",
                 conf={"spark.speculation": False}, **{"spark.sql.shuffle.partitions": 8})
    assert (cfg.cluster_mode, cfg.runtime, cfg.init_ray, cfg.init_spark) == ("yarn-client", "spark", True, True)
    assert cfg.ray_node_memory == 16 * GiB and cfg.object_store_memory == 4 * GiB
    assert (cfg.num_ray_nodes, cfg.ray_node_cpu_cores, cfg.driver_cores) == (3, 4, 2)
    assert dict(cfg.ray_env) == {"OMP_NUM_THREADS": "4"} and cfg.env == "auto"
    assert cfg.jars == ("a.jar", "b.jar") and cfg.spark_log_level == "INFO"
    assert dict(cfg.spark_conf) == {"spark.speculation": "false", "spark.sql.shuffle.partitions": "8"}
    args = ray_cluster_args(cfg, cfg.penv_archive, "n")
    assert args[args.index("--memory") + 1] == "16384m" and "--dashboard" in args
    assert args[args.index("--archives") + 1] == "data.tgz#data"


@pytest.mark.parametrize("call,want", [
    (dict(), ("local", False, True)),
    (dict(cluster_mode="local", runtime="ray"), ("local", True, False)),
    (dict(cluster_mode="yarn-cluster", init_ray_on_spark=True), ("yarn-cluster", True, True)),
    (dict(cluster_mode="bigdl-submit"), ("spark-submit", False, True)),
    (dict(cluster_mode="standalone", master="spark://m:7077"), ("standalone", False, True)),
    (dict(cluster_mode="local", init_spark=False), ("local", True, False)),  # orca-yarn's own switch
])
def test_what_starts_follows_orca(call, want):
    cfg = _quiet(**call)
    assert (cfg.cluster_mode, cfg.init_ray, cfg.init_spark) == want


def test_cores_star_and_default_in_local_mode():
    import os

    assert _quiet(cluster_mode="local", cores="*").cores == (os.cpu_count() or 2)
    assert _quiet(cluster_mode="yarn-client").cores == 2


@pytest.mark.parametrize("name", ["num_executors", "conda_name", "py_files",
                                  "init_executor_gateway", "redis_port", "enable_numa_binding", "made_up"])
def test_ignored_arguments_warn_once_and_do_not_raise(name):
    with pytest.warns(OrcaCompatWarning, match=name) as seen:
        resolve_init_args("yarn-client", cores=2, **{name: 1})
    assert len(seen) == 1


def test_standalone_without_master_is_local_with_a_warning():
    with pytest.warns(OrcaCompatWarning, match="standalone"):
        cfg = resolve_init_args("standalone", cores=2, num_nodes=2)
    assert (cfg.cluster_mode, cfg.cores) == ("local", 4)


def test_runtime_ray_passes_the_rest_to_ray_init():
    cfg = _quiet(runtime="ray", address="ray://h:10001", namespace="ns", object_store_memory="1g")
    assert dict(cfg.ray_init_args) == {"address": "ray://h:10001", "namespace": "ns"}
    assert cfg.object_store_memory == GiB


def test_spark_submit_drops_conf_like_orca():
    with pytest.warns(OrcaCompatWarning, match="conf ignored"):
        cfg = resolve_init_args("spark-submit", conf={"spark.a": "1"})
    assert dict(cfg.spark_conf) == {}


@pytest.mark.parametrize("call,match", [
    (dict(cluster_mode="k8s-cluster"), "Kubernetes"),
    (dict(runtime=4), "runtime"),
    (dict(cluster_mode="yarn", cores="*"), "cores"),
    (dict(cluster_mode="standalone", master="yarn"), "spark://"),
    (dict(env=5), "env="),
    (dict(additional_archive="x.tgz#a/b"), "additional_archive"),
    (dict(spark_log_level="LOUD"), "spark_log_level"),
    (dict(cluster_mode="yarn", memory="1g", extra_executor_memory_for_ray="1g", object_store_memory="2g"),
     "object_store_memory"),
])
def test_calls_that_cannot_work_raise_one_line(call, match):
    with pytest.raises(ValueError, match=match) as err:
        resolve_init_args(**call)
    assert "\n" not in str(err.value)


def test_container_side_names_mirror_orca_yarn_py_files(tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    libs = [str(tmp_path / "a.py"), str(tmp_path / "b.zip"), str(tmp_path / "pkg"), "c.egg"]
    assert container_py_files(libs) == ["__pyfiles__/a.py", "b.zip", "pkg.zip", "c.egg"]


def test_spark_archives_upload_local_ones_only(tmp_path: Path):
    local = tmp_path / "data.tgz"
    local.write_bytes(b"x")
    cfg = _quiet("yarn-client", additional_archive=[f"{local}#d", "hdfs:///x/m.zip"])
    assert spark_archives(cfg, lambda p: "hdfs:///cache/" + Path(p).name) == ["hdfs:///cache/data.tgz#d",
                                                                              "hdfs:///x/m.zip#m.zip"]
    with pytest.raises(ValueError, match="local archives only"):
        ray_cluster_args(cfg, "auto", "n")
    conf = yarn_conf(cfg, "app", "hdfs:///e.tgz", "bin/python", None, (), ["__pyfiles__/a.py"],
                     ["hdfs:///cache/data.tgz#d"])
    assert conf["spark.archives"] == "hdfs:///e.tgz#environment,hdfs:///cache/data.tgz#d"
    assert conf["spark.submit.pyFiles"] == "__pyfiles__/a.py"


def test_local_archives_are_linked_in_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import tarfile

    src = tmp_path / "src"
    src.mkdir()
    (src / "f.txt").write_text("hi")
    archive = tmp_path / "data.tgz"
    with tarfile.open(archive, "w:gz") as t:
        t.add(src / "f.txt", arcname="f.txt")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    links = link_local_archives(_quiet(additional_archive=f"{archive}#data"), tmp_path / "staging")
    assert links == [work / "data"] and (work / "data" / "f.txt").read_text() == "hi"


def test_extra_memory_for_ray_is_zoos_name_for_the_extra_memory():
    """Analytics Zoo's Chronos docs size the object store for it: 5g store, 10g extra."""
    cfg = resolve_init_args(cluster_mode="yarn-client", num_nodes=2, cores=2, extra_memory_for_ray="10g",
                            object_store_memory="5g")
    assert cfg.extra_executor_memory_for_ray == 10 << 30 and cfg.object_store_memory == 5 << 30
