"""An Orca-style program (Spark, then Ray on it) on num_nodes=2: init_orca_context -> both engines
ready, and what YARN held for it (memory-seconds, peak allocation), one gang against two
applications (colocate_spark=False), rounds of one run each in alternating order, same cluster.

Prints one JSON object: per path, every run's seconds to ready, its YARN memory-seconds and
vcore-seconds summed over the session's applications, their count, and the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

PROGRAM = """
import json, sys, time
t0 = time.monotonic()
import ray
from orca_yarn import OrcaContext, init_orca_context, stop_orca_context
sc = init_orca_context("yarn-client", num_nodes=2, cores=2, memory=sys.argv[1], init_ray_on_spark=True,
                       colocate_spark=sys.argv[2] == "gang", tags=sys.argv[3])
# Ready means used: a Spark job on every executor, then a Ray task.
assert sc.parallelize(range(8), 8).map(lambda x: x).count() == 8
assert ray.get(ray.remote(lambda: 1).remote()) == 1
ready = time.monotonic() - t0
stop_orca_context()
print(json.dumps({"ready": ready, "total": time.monotonic() - t0}))
"""


def rm_web(conf_dir: str) -> str:
    props = {p.findtext("name"): p.findtext("value") for p in ET.parse(Path(conf_dir, "yarn-site.xml")).getroot().iter("property")}
    return "http://" + (props.get("yarn.resourcemanager.webapp.address") or props.get("yarn.resourcemanager.hostname", "localhost") + ":8088")


def apps_tagged(rm: str, tag: str) -> list[dict]:
    with urllib.request.urlopen(f"{rm}/ws/v1/cluster/apps?applicationTags={tag}", timeout=10) as resp:
        return (json.load(resp).get("apps") or {}).get("app") or []


def run_once(python: str, path: str, memory: str, rm: str) -> dict:
    tag = "bench-engines-" + uuid.uuid4().hex[:8]
    out = subprocess.run([python, "-c", PROGRAM, memory, path, tag], capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        return {"error": (out.stderr or out.stdout)[-800:]}
    res = json.loads(out.stdout.strip().splitlines()[-1])
    apps: list[dict] = []
    for _ in range(60):  # the RM finalizes memory-seconds when the application ends
        apps = apps_tagged(rm, tag)
        if apps and all(a["state"] in ("FINISHED", "KILLED", "FAILED") for a in apps):
            break
        time.sleep(1)
    res.update(apps=len(apps), memory_gb_s=sum(a.get("memorySeconds", 0) for a in apps) / 1024,
               vcore_s=sum(a.get("vcoreSeconds", 0) for a in apps), load1=os.getloadavg()[0])
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--memory", default="4g")
    args = ap.parse_args()
    rm = rm_web(os.environ["HADOOP_CONF_DIR"])
    result: dict = {"memory": args.memory, "gang": {"runs": []}, "two-apps": {"runs": []}}
    for path in ("gang", "two-apps"):  # untimed warm-up: env cache, jars zip, localization
        run_once(sys.executable, path, args.memory, rm)
    for i in range(args.runs):
        order = ("gang", "two-apps") if i % 2 == 0 else ("two-apps", "gang")
        for path in order:
            r = run_once(sys.executable, path, args.memory, rm)
            print(f"engines: {path} run {i + 1}: {r}", file=sys.stderr)
            result[path]["runs"].append(r)
    for path in ("gang", "two-apps"):
        ok = [r for r in result[path]["runs"] if "error" not in r]
        if ok:
            for key in ("ready", "memory_gb_s", "vcore_s"):
                result[path]["median_" + key] = statistics.median(r[key] for r in ok)
            result[path]["apps"] = max(r["apps"] for r in ok)
        result[path]["failed"] = len(result[path]["runs"]) - len(ok)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
