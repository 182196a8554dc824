"""Argument validation and the pure builders: config, submit argv, Spark conf, OrcaContext settings."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from orca_yarn import OrcaContext
from orca_yarn._argv import min_nodes_for, ray_cluster_args, script_args
from orca_yarn._config import make_config, memory_flag, parse_memory
from orca_yarn._spark import executor_python, jars_zip, local_conf, memory_overhead, yarn_conf

MiB, GiB = 1 << 20, 1 << 30


@pytest.mark.parametrize("value,want", [
    ("512m", 512 * MiB), ("8g", 8 * GiB), ("1.5g", 3 * GiB // 2), ("2GiB", 2 * GiB), ("2gb", 2 * GiB),
    (" 64M ", 64 * MiB), ("1t", 1 << 40), (1024, 1024 * MiB), ("100", 100 * MiB), ("2048k", 2 * MiB),
])
def test_parse_memory(value, want):
    assert parse_memory(value, "memory") == want


@pytest.mark.parametrize("value", ["", "eight", "8 gigs", "-1g", "512kb", 0, -5, True, "1x"])
def test_parse_memory_rejects(value):
    with pytest.raises(ValueError, match="memory="):
        parse_memory(value, "memory")


def test_memory_flag_is_whole_mib():
    assert memory_flag(3 * GiB // 2) == "1536m"


@pytest.mark.parametrize("kwargs,match", [
    ({"cluster_mode": "k8s-client"}, "Kubernetes"),
    ({"cluster_mode": "mesos"}, "cluster_mode"),
    ({"cluster_mode": "yarn-client", "cores": "*"}, "cores"),
    ({"cores": 2.5}, "cores"),
    ({"num_nodes": True}, "num_nodes"),
    ({"memory": "lots"}, "memory"),
    ({"env": " "}, "env"),
    ({"queue": ""}, "queue"),
    ({"tags": 5}, "tags"),
    ({"cluster_mode": "yarn-client", "memory": "1g", "object_store_memory": "1g"}, "object_store_memory"),
    ({"init_ray": False, "init_spark": False}, "nothing to start"),
    ({"conf": ["spark.a", "1"]}, "conf="),
])
def test_make_config_rejects(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_config(**kwargs)


def test_make_config_normalises():
    cfg = make_config("yarn-client", cores=4, memory="8g", num_nodes=3, extra_python_lib="a.py, b.zip",
                      tags=["x", "y"], object_store_memory="2g",
                      conf={"spark.a": 1, "conf": {"spark.b": True}, "spark.none": None})
    assert (cfg.cores, cfg.memory, cfg.num_nodes, cfg.object_store_memory) == (4, 8 * GiB, 3, 2 * GiB)
    assert cfg.extra_python_lib == ("a.py", "b.zip") and cfg.tags == ("x", "y")
    assert dict(cfg.spark_conf) == {"spark.a": "1", "spark.b": "true"}
    assert cfg.yarn and not make_config().yarn
    assert (cfg.init_ray, cfg.init_spark, cfg.num_ray_nodes, cfg.ray_node_cpu_cores) == (True, True, 3, 4)


@pytest.mark.parametrize("mode,n,want", [(True, 3, None), (False, 3, 1), (2, 3, 2), (3, 3, None)])
def test_min_nodes_for(mode, n, want):
    assert min_nodes_for(mode, n) == want


def test_min_nodes_for_rejects_more_than_asked():
    with pytest.raises(ValueError, match="barrier_mode"):
        min_nodes_for(4, 3)


def test_ray_cluster_args_follow_the_cli_contract():
    cfg = make_config("yarn-client", cores=4, memory="8g", num_nodes=3, object_store_memory="2g",
                      extra_python_lib=["a.py", "b.zip"], queue="batch", tags=["team-a"])
    args = ray_cluster_args(cfg, "auto", "orca-x", ("orca-session-1",), min_nodes=2)
    assert args == [
        "--detach", "--output", "json", "--name", "orca-x", "--num-nodes", "3", "--cores", "4",
        "--memory", "8192m", "--env", "auto", "--object-store-memory", "2048m", "--py-files", "a.py,b.zip",
        "--queue", "batch", "--tag", "team-a", "--tag", "orca-session-1", "--min-nodes", "2",
        "--deploy-mode", "client",
    ]


def test_script_args_put_the_script_last():
    cfg = make_config("yarn-cluster", num_nodes=2)
    args = script_args(cfg, "hdfs://nn/env.tgz", "orca-t", "train.py", ["--lr", "0.1"],
                       files=["/tmp/c.json"], archives=["/tmp/h.zip#conf"])
    assert args[-4:] == ["train.py", "--", "--lr", "0.1"]
    assert args[args.index("--deploy-mode") + 1] == "cluster"
    assert args[args.index("--files") + 1] == "/tmp/c.json" and args[args.index("--archives") + 1] == "/tmp/h.zip#conf"
    assert "--detach" not in args
    assert script_args(cfg, "auto", "n", "t.py", [])[-1] == "t.py"


@pytest.mark.parametrize("env_python,want", [
    ("", "./environment/bin/python"), ("bin/python", "./environment/bin/python"),
    ("environment/bin/python", "./environment/bin/python"), ("env/bin/python3.11", "./environment/bin/python3.11"),
    ("./bin/python", "./environment/bin/python"),
])
def test_executor_python(env_python, want):
    assert executor_python(env_python) == want


@pytest.mark.parametrize("bad", ["/opt/env/bin/python", "../bin/python"])
def test_executor_python_rejects_escapes(bad):
    with pytest.raises(ValueError):
        executor_python(bad)


def test_memory_overhead():
    assert memory_overhead(1 * GiB) == 512 * MiB
    assert memory_overhead(10 * GiB) == 2 * GiB


def test_yarn_conf():
    cfg = make_config("yarn-client", cores=4, memory="8g", num_nodes=3, queue="batch", tags="t1",
                      extra_python_lib=["lib.zip"], driver_memory="3g",
                      conf={"spark.executor.memoryOverhead": "4g", "spark.yarn.am.memory": "1g"})
    conf = yarn_conf(cfg, "app", "hdfs://nn:8020/c/env.tgz", "environment/bin/python",
                     "hdfs://nn:8020/c/jars.zip", ("s1",))
    assert conf["spark.master"] == "yarn" and conf["spark.submit.deployMode"] == "client"
    assert conf["spark.archives"] == "hdfs://nn:8020/c/env.tgz#environment"
    assert conf["spark.pyspark.python"] == "./environment/bin/python"
    assert conf["spark.pyspark.driver.python"] == sys.executable
    assert conf["spark.yarn.archive"] == "hdfs://nn:8020/c/jars.zip"
    executors = (conf["spark.executor.instances"], conf["spark.executor.cores"], conf["spark.executor.memory"])
    assert executors == ("3", "4", "8192m")
    assert conf["spark.executor.memoryOverhead"] == "4g"  # the user's value wins over ours
    assert conf["spark.yarn.am.memory"] == "1g" and conf["spark.driver.memory"] == "3072m"
    assert conf["spark.yarn.queue"] == "batch" and conf["spark.yarn.tags"] == "t1,s1"
    assert conf["spark.submit.pyFiles"] == "lib.zip" and conf["spark.dynamicAllocation.enabled"] == "false"


def test_yarn_conf_without_env_uses_the_hosts_python():
    conf = yarn_conf(make_config("yarn-client", env="none"), "app", "", "")
    assert "spark.archives" not in conf and conf["spark.pyspark.python"] == "python3"
    with pytest.raises(ValueError, match="env_path"):
        yarn_conf(make_config("yarn-client"), "app", "/local/env.tgz")


def test_local_conf():
    conf = local_conf(make_config(cores=3, memory="1g", conf={"spark.sql.shuffle.partitions": 4}), "app")
    assert conf["spark.master"] == "local[3]" and conf["spark.driver.memory"] == "1024m"
    assert conf["spark.sql.shuffle.partitions"] == "4"


def test_jars_zip_is_built_once_with_jars_at_the_root(tmp_path: Path):
    home = tmp_path / "spark"
    (home / "jars").mkdir(parents=True)
    for name in ("a.jar", "b.jar"):
        (home / "jars" / name).write_bytes(name.encode() * 100)
    first = jars_zip(home, tmp_path / "cache")
    assert first.name.startswith("spark-jars-") and sorted(zipfile.ZipFile(first).namelist()) == ["a.jar", "b.jar"]
    assert jars_zip(home, tmp_path / "cache") == first
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [first.name]  # no temporary left behind
    (home / "jars" / "c.jar").write_bytes(b"c")
    assert jars_zip(home, tmp_path / "cache") != first  # another Spark build, another name


@pytest.mark.parametrize("attr,bad", [
    ("log_output", "yes"), ("serialize_data_creator", 1), ("barrier_mode", 0), ("barrier_mode", "gang"),
    ("pandas_read_backend", "dask"), ("train_data_store", "DISK_0"), ("train_data_store", "SSD"),
])
def test_orca_context_settings_reject(attr, bad):
    before = getattr(OrcaContext, attr)
    with pytest.raises(ValueError, match=attr):
        setattr(OrcaContext, attr, bad)
    assert getattr(OrcaContext, attr) == before


def test_orca_context_settings_accept():
    OrcaContext.log_output = True
    OrcaContext.barrier_mode = 2
    OrcaContext.pandas_read_backend = "PANDAS"
    OrcaContext.train_data_store = "disk_2"
    assert (OrcaContext.log_output, OrcaContext.barrier_mode) == (True, 2)
    assert (OrcaContext.pandas_read_backend, OrcaContext.train_data_store) == ("pandas", "DISK_2")


def test_getters_without_a_session_explain_themselves():
    with pytest.raises(RuntimeError, match="init_orca_context"):
        OrcaContext.get_ray_context()
