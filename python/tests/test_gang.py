"""The gang's pure parts: which engines share one application, the submit flags, the driver's Spark
conf and how the secret reaches Spark's JVM (the real cluster runs are in test_yarn.py)."""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path

import pytest

from orca_yarn import OrcaCompatWarning, resolve_init_args
from orca_yarn._argv import ray_cluster_args, script_args
from orca_yarn._gang import engine_args, engines, secret_submit_env, spark_conf


def test_the_gang_holds_what_the_program_asked_for():
    assert engines(resolve_init_args("yarn-client", num_nodes=2, init_ray_on_spark=True)) == ("ray", "spark")
    assert engines(resolve_init_args("yarn-client", num_nodes=2)) == ("spark",)  # Ray only on demand
    assert engines(resolve_init_args("yarn-client", runtime="ray", num_nodes=2)) == ()  # Ray alone
    assert engines(resolve_init_args("yarn-client", init_ray_on_spark=True, colocate_spark=False)) == ()
    with pytest.warns(OrcaCompatWarning, match="two YARN applications"):
        assert engines(resolve_init_args("yarn-client", num_nodes=2, init_ray_on_spark=True, num_ray_nodes=3)) == ()


def test_gang_flags_size_the_shares_not_the_container():
    cfg = resolve_init_args("yarn-client", num_nodes=2, cores=4, memory="10g", init_ray_on_spark=True,
                            extra_executor_memory_for_ray="3g")
    assert engine_args(cfg, ("ray", "spark")) == ["--engines", "ray,spark", "--spark-memory", "10240m",
                                                  "--ray-memory", "3072m"]
    args = ray_cluster_args(cfg, "auto", "orca-x", gang=("ray", "spark"))
    assert "--memory" not in args and args[args.index("--num-nodes") + 1] == "2"
    cluster = script_args(cfg, "auto", "orca-x", "train.py", [], gang=("spark",))
    assert cluster[cluster.index("--spark-driver-memory") + 1] == "1024m"
    assert "--ray-memory" not in cluster  # no Ray in a Spark-only gang


def test_spark_conf_keeps_the_gangs_sizes_and_warns():
    cfg = resolve_init_args("yarn-client", num_nodes=2, cores=4, memory="4g",
                            conf={"spark.executor.memory": "8g", "spark.sql.shuffle.partitions": "8"})
    with pytest.warns(OrcaCompatWarning, match="spark.executor.memory=8g is ignored"):
        conf = spark_conf(cfg, "orca-x", "spark://h:1", "/tmp/oy-1/bin/python3", archives=["hdfs:///a.tgz#a"])
    assert conf["spark.executor.memory"] == "4096m" and conf["spark.cores.max"] == "8"
    assert conf["spark.sql.shuffle.partitions"] == "8" and conf["spark.archives"] == "hdfs:///a.tgz#a"
    assert conf["spark.authenticate"] == "true" and "spark.authenticate.secret" not in conf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spark_conf(resolve_init_args("yarn-client", memory="4g"), "orca-x", "spark://h:1", "python3")


def test_the_secret_goes_to_a_private_properties_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    secret_file = tmp_path / "spark-secret"
    secret_file.write_text("abc123\n")
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", "--jars x.jar pyspark-shell")
    env = secret_submit_env(str(secret_file), tmp_path)
    props = tmp_path / "spark-auth.properties"
    assert env == {"PYSPARK_SUBMIT_ARGS": f"--properties-file {props} --load-spark-defaults --jars x.jar pyspark-shell"}
    assert stat.S_IMODE(os.stat(props).st_mode) == 0o600
    assert "spark.authenticate.secret=abc123" in props.read_text()
    (tmp_path / "empty").write_text("")
    with pytest.raises(RuntimeError, match="empty"):
        secret_submit_env(str(tmp_path / "empty"), tmp_path)
