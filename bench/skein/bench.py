"""Skein side of the orca-yarn vs Skein comparison (bench/sections/40-skein.sh runs it).

Run with the venv made by bench/skein/setup.sh and its exports. Measures, on the cluster named by
HADOOP_CONF_DIR:
  * submit -> all N containers RUNNING: from just before skein.Client() (a fresh client per run, so
    the JVM driver's start-up counts, as for a user's fresh process) until get_containers reports N
    containers RUNNING, polled every 50 ms. One discarded warm-up run per N, like `go test -bench`.
  * the AM's RSS with K containers running `sleep 120`, sampled 10 s after all K are RUNNING.
  --am-rss-of APP --comm NAME prints the RSS of any app's AM process (the orca-yarn side uses it).
Prints one JSON object on stdout; progress goes to stderr.
"""
import argparse
import json
import os
import re
import sys
import time

import skein

POLL = 0.05


def log(*args):
    print("skein-bench:", *args, file=sys.stderr, flush=True)


def spec(name, n, memory, script):
    # The AM is a JVM started by Skein's own launch command; JDK_JAVA_OPTIONS is the only way to
    # hand it the JDK 17 module options without patching Skein.
    master_env = {"JDK_JAVA_OPTIONS": os.environ.get("SKEIN_AM_JAVA_OPTIONS", "")}
    return skein.ApplicationSpec(
        name=name,
        master=skein.Master(env=master_env),
        services={"w": skein.Service(instances=n,
                                     resources=skein.Resources(memory=memory, vcores=1),
                                     script=script)})


def wait_running(app, n, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(app.get_containers(states=["RUNNING"])) >= n:
            return
        time.sleep(POLL)
    raise TimeoutError("%d containers not RUNNING after %ds" % (n, timeout))


def finish(client, app_id):
    """Kill the app and wait until YARN calls it finished, so the next run starts on a free cluster."""
    try:
        client.kill_application(app_id)
    except Exception as e:  # already gone is fine
        log("kill", app_id, e)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if str(client.application_report(app_id).state) in ("FINISHED", "FAILED", "KILLED"):
            return
        time.sleep(0.2)


def submit_to_running(n, timeout):
    t0 = time.monotonic()
    client = skein.Client()
    try:
        app = client.submit_and_connect(spec("skein-bench-submit-%d" % n, n, 256, "echo up; sleep 20"))
        wait_running(app, n, timeout)
        elapsed = time.monotonic() - t0
        finish(client, app.id)
        return elapsed
    finally:
        client.close()


def am_pid(app_id, comm="java"):
    """The AM process on this machine: the process named comm (java for Skein's JVM) whose
    CONTAINER_ID is the app's _000001 (any attempt); its launch shells share the id but not the name."""
    ident = app_id[len("application_"):]
    want = re.compile(r"^container_(e\d+_)?%s_\d+_000001$" % re.escape(ident))
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/comm" % pid) as f:
                if f.read().strip() != comm:
                    continue
            with open("/proc/%s/environ" % pid, "rb") as f:
                env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        except OSError:
            continue
        if want.match(env.get(b"CONTAINER_ID", b"").decode()):
            return int(pid)
    return None


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS for pid %d" % pid)


def am_rss(k, timeout, settle):
    client = skein.Client()
    try:
        app = client.submit_and_connect(spec("skein-bench-rss-%d" % k, k, 128, "sleep 120"))
        try:
            wait_running(app, k, timeout)
            time.sleep(settle)
            pid = am_pid(app.id)
            if pid is None:
                raise RuntimeError("no AM JVM of %s found on this machine" % app.id)
            return rss_mib(pid)
        finally:
            finish(client, app.id)
    finally:
        client.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="2,8")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--rss-containers", type=int, default=50)
    p.add_argument("--settle", type=float, default=10)
    p.add_argument("--timeout", type=int, default=300)
    p.add_argument("--am-rss-of", metavar="APP_ID", help="only print the RSS (MiB) of that app's AM")
    p.add_argument("--comm", default="java", help="process name of the AM for --am-rss-of")
    a = p.parse_args()
    if a.am_rss_of:
        pid = am_pid(a.am_rss_of, a.comm)
        if pid is None:
            sys.exit("no %s AM process of %s on this machine" % (a.comm, a.am_rss_of))
        print("%.1f" % rss_mib(pid))
        return
    out = {"skein_version": skein.__version__, "submit_to_all_running_s": {}, "errors": []}
    for n in [int(s) for s in a.sizes.split(",") if s]:
        try:
            log("N=%d warm-up" % n)
            submit_to_running(n, a.timeout)
            runs = []
            for i in range(a.runs):
                runs.append(submit_to_running(n, a.timeout))
                log("N=%d run %d: %.2f s" % (n, i + 1, runs[-1]))
            out["submit_to_all_running_s"][str(n)] = {"runs": runs, "mean": sum(runs) / len(runs)}
        except Exception as e:
            out["errors"].append("submit N=%d: %s: %s" % (n, type(e).__name__, e))
    if a.rss_containers > 0:
        try:
            log("AM RSS with %d containers" % a.rss_containers)
            out["am_rss_mib"] = am_rss(a.rss_containers, a.timeout, a.settle)
            out["am_rss_containers"] = a.rss_containers
        except Exception as e:
            out["errors"].append("AM RSS: %s: %s" % (type(e).__name__, e))
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
