"""Submit -> Ray ready with N nodes, warm env cache: orca-yarn, Ray's Skein recipe and Ray on
Spark, back to back on one cluster (bench/sections/60-ray.sh runs this and renders the result).

Run with the project's Python env (it has ray, for reading node start times from the GCS) and
the exports of bench/ray/setup.sh. Every run is a fresh process of the tool, timed from just
before it is started until the tool says Ray is ready:

  orca-yarn  `orca-yarn submit --deploy-mode client --detach --output json` with no SCRIPT
             returns once the AM reports N nodes alive in Ray's GCS; the end is its exit.
  skein      bench/ray/skein_ray.py: the head puts RAY_READY in Skein's key-value store once
             ray.nodes() shows N alive; the end is when the client has read it.
  spark      bench/ray/spark_ray.py: the end is setup_ray_cluster's return.

One untimed warm-up run of each tool first (the NodeManagers localize the env, skeinlib and the
Spark jars for their cache, JVMs and Python warm their page cache), then rounds of one run of each
tool, rotating which goes first, until every tool has --runs successful runs (a failed run is
repeated, up to --extra times per tool). The machine and the cluster are shared with other work,
so each run starts only once the cluster has room for all its containers (the user's headroom in
the default queue) and the load average has settled (--quiet-load, waited for at most
--quiet-wait s); the rotation spreads what remains over all tools alike. Every application is
killed and awaited before the next run starts, and each run's leftover Ray processes are counted.

The split of each run comes from absolute timestamps (all on this machine's clock): the RM's
application start, the orca-yarn AM's status timeline (/v1/status through the RM proxy), the
raylets' start times in the GCS, Skein's container start times, the tools' own marks. Prints one
JSON object on stdout; progress goes to stderr.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from cluster import (epoch, get_json, kill_app, leftovers, log, rm_app, rm_web, wait_finished,
                     wait_headroom, wait_quiet)

HERE = os.path.dirname(os.path.abspath(__file__))
# The names this benchmark's applications are submitted under (orca-yarn's --name, skein_ray.py,
# spark_ray.py): what kill_apps_since may kill.
BENCH_APP_NAMES = ("ray-bench-orca", "ray-skein-bench", "ray-on-spark-bench")


class Bench:
    def __init__(self, a):
        self.a = a
        self.web = rm_web(os.environ["HADOOP_CONF_DIR"])
        self.env_path = None

    # ---- orca-yarn ------------------------------------------------------------------------
    def orca(self):
        a = self.a
        cmd = [a.orca_bin, "submit", "--deploy-mode", "client", "--detach", "--output", "json",
               "--name", "ray-bench-orca", "--num-nodes", str(a.nodes), "--cores", str(a.cores),
               "--memory", "%dm" % a.memory, "--env", a.env]
        t0 = time.time()
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=a.timeout)
        except subprocess.TimeoutExpired:
            self.kill_apps_since(t0)
            raise
        t_end = time.time()
        try:  # --output json: the last line of stdout is the result
            res = json.loads(p.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            res = {}
        app_id = res.get("app_id")
        run = {"t0": t0, "app_id": app_id}
        try:
            if p.returncode != 0 or not res.get("ray_address"):
                raise RuntimeError("submit exited %d: %s" % (
                    p.returncode, res.get("diagnostics") or p.stderr.strip()[-300:]))
            self.env_path = run["env_path"] = res["env_path"]
            status = get_json("%s/proxy/%s/v1/status" % (self.web, app_id))
            tl = {k: epoch(v) for k, v in status.get("timeline", {}).items()}
            started = rm_app(self.web, app_id)["startedTime"] / 1000
            head, workers = self.node_starts(res["ray_address"], res["ray_token_file"])
            am_up = min(tl[k] for k in ("starting", "allocating") if k in tl)
            run["split"] = {
                "submit": started - t0,
                "am_start": am_up - started,
                "allocation": tl["joining"] - am_up,
                "localization": tl["running"] - tl["joining"],
                "ray_start": head - tl["running"],
                "join": tl["ray_ready"] - head,
                "client": t_end - tl["ray_ready"],
            }
            run["last_worker_start"] = max(workers) - head if workers else None
            run["total"] = t_end - t0
        except Exception as e:
            run["error"] = "%s: %s" % (type(e).__name__, e)
        finally:
            if app_id:
                subprocess.run([a.orca_bin, "kill", app_id], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=60)
                wait_finished(self.web, app_id)
                run["leftover_processes"] = leftovers(app_id)
        return run

    def node_starts(self, address, token_file):
        """The raylets' start times from the GCS (with the app's token): head, [workers]."""
        code = ("import json\nfrom ray._raylet import GcsClient\n"
                "c = GcsClient(address=%r)\n"
                "print(json.dumps([[n.is_head_node, n.start_time_ms / 1000]\n"
                "    for n in c.get_all_node_info(timeout=10).values() if n.state == 0]))\n"
                % address)
        env = dict(os.environ, RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=token_file)
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60).stdout
        nodes = json.loads(out)
        head = [t for is_head, t in nodes if is_head]
        if len(head) != 1 or len(nodes) != self.a.nodes:
            raise RuntimeError("GCS lists %d alive nodes, %d heads" % (len(nodes), len(head)))
        return head[0], [t for is_head, t in nodes if not is_head]

    # ---- the peers --------------------------------------------------------------------------
    def peer(self, cmd):
        """Runs one peer script: it writes the JSON of its marks to --result once Ray is ready
        (the marks carry their own times), then tears its application down and exits. Its
        output goes to stderr with the rest of the progress."""
        fd, result = tempfile.mkstemp(prefix="ray-bench-", suffix=".json")
        os.close(fd)
        try:
            t0 = time.time()
            p = subprocess.Popen(cmd + ["--result", result], stdout=sys.stderr)
            try:
                # The scripts have their own deadlines; this one is for a script that hangs.
                p.wait(timeout=self.a.timeout + 120)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                self.kill_apps_since(t0)
            with open(result) as f:
                text = f.read()
            if not text:
                raise RuntimeError("%s wrote no result (exit %s)"
                                   % (os.path.basename(cmd[1]), p.returncode))
            marks = json.loads(text)
        finally:
            os.unlink(result)
        marks["t0"] = t0
        return marks

    def kill_apps_since(self, t0):
        """After a tool's process had to be killed: kills, through the RM's REST API, the live
        applications of this benchmark submitted since t0 (they would hold containers)."""
        apps = get_json("%s/ws/v1/cluster/apps?states=NEW,NEW_SAVING,SUBMITTED,ACCEPTED,RUNNING"
                        % self.web).get("apps") or {}
        for app in apps.get("app", []):
            if app["name"] in BENCH_APP_NAMES and app["startedTime"] / 1000 >= t0 - 1:
                log("killing %s (%s), left by a killed process" % (app["id"], app["name"]))
                kill_app(self.web, app["id"], app["user"])
                wait_finished(self.web, app["id"])

    def skein(self):
        a = self.a
        m = self.peer([a.skein_python, os.path.join(HERE, "skein_ray.py"), "--env", self.env_path,
                       "--skeinlib", a.skeinlib, "--nodes", str(a.nodes), "--vcores", str(a.cores),
                       "--memory", str(a.memory), "--timeout", str(a.timeout)])
        run = {"t0": m["t0"], "app_id": m.get("app_id")}
        if "error" in m:
            run["error"] = m["error"]
        else:
            c = m["t_containers"]
            run["split"] = {
                "client": m["t_client"] - m["t0"],
                "submit": m["t_rm_started"] - m["t_client"],
                "first_container": c[0] - m["t_rm_started"],
                "all_containers": c[-1] - c[0],
                "ray_ready": m["t_ray_ready"] - c[-1],
                "seen": m["t_ready_seen"] - m["t_ray_ready"],
            }
            run["total"] = m["t_ready_seen"] - m["t0"]
        if run["app_id"]:
            run["leftover_processes"] = leftovers(run["app_id"])
            # skein_ray.py's per-node temp dirs: /tmp/rsk-<app>-<container number>.
            prefix = "rsk-%s-" % run["app_id"][len("application_"):]
            mine = ["/tmp/" + d for d in os.listdir("/tmp") if d.startswith(prefix)]
            subprocess.run(["rm", "-rf"] + mine)
        return run

    def spark(self):
        a = self.a
        # Ray on Spark's temp dirs go under a root of this run's own (ray_temp_root_dir), so
        # that its processes can be found by path and what it leaves (a .lock file even after
        # a clean shutdown) removed, without touching anyone else's. Short: socket paths in it
        # must stay within 107 bytes.
        root = tempfile.mkdtemp(prefix="rsp", dir="/tmp")
        try:
            m = self.peer([sys.executable, os.path.join(HERE, "spark_ray.py"),
                           "--env", self.env_path, "--spark-archive", a.spark_archive,
                           "--executors", str(a.nodes), "--cores", str(a.cores),
                           "--memory", str(a.memory), "--temp-root", root])
            run = {"t0": m["t0"], "app_id": m.get("app_id")}
            if "error" in m:
                run["error"] = m["error"]
            else:
                started = rm_app(self.web, m["app_id"])["startedTime"] / 1000
                run["split"] = {
                    "submit": started - m["t0"],
                    "session": m["t_session"] - started,
                    "setup_ray_cluster": m["t_ray_ready"] - m["t_session"],
                }
                run["total"] = m["t_ray_ready"] - m["t0"]
            if run["app_id"]:
                wait_finished(self.web, run["app_id"])
                # The head runs on the driver, outside any container: found by the root.
                run["leftover_processes"] = leftovers(run["app_id"], root + "/")
        finally:
            subprocess.run(["rm", "-rf", root])
        return run


def summary(runs):
    ok = [r for r in runs if "total" in r]
    out = {"runs": runs, "ok": len(ok)}
    if ok:
        out["median_total"] = statistics.median(r["total"] for r in ok)
        out["median_split"] = {k: statistics.median(r["split"][k] for r in ok)
                               for k in ok[0]["split"]}
        out["leftover_processes"] = sum(r.get("leftover_processes", 0) for r in runs)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--orca-bin", required=True)
    p.add_argument("--env", required=True, help="the Python env (a venv) for orca-yarn --env")
    p.add_argument("--skein-python", default=os.environ.get("SKEIN_PYTHON"))
    p.add_argument("--skeinlib", default=os.environ.get("RAY_BENCH_SKEINLIB"))
    p.add_argument("--spark-archive", default=os.environ.get("RAY_BENCH_SPARK_ARCHIVE"))
    p.add_argument("--nodes", type=int, default=3)
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--memory", type=int, default=3072, help="MiB per container")
    p.add_argument("--runs", type=int, default=3, help="successful timed runs wanted per tool")
    p.add_argument("--extra", type=int, default=2, help="failed runs tolerated per tool")
    p.add_argument("--tools", default="orca,skein,spark")
    p.add_argument("--timeout", type=int, default=600)
    p.add_argument("--max-wait", type=int, default=900,
                   help="longest wait for the cluster to have room for a run, seconds")
    p.add_argument("--quiet-load", type=float, default=2.0 * os.cpu_count(),
                   help="start a run once the 1-minute load average is at most this")
    p.add_argument("--quiet-wait", type=int, default=120,
                   help="longest wait for that load, seconds")
    a = p.parse_args()
    # Python started from the env (the Spark driver, Ray's head on it, the GCS query) must not
    # write bytecode into it: orca-yarn's env cache key is the env's content, and a new .pyc
    # would make the next orca-yarn run pack, upload and localize the env again, cold.
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    b = Bench(a)
    tools = [t for t in a.tools.split(",") if t]
    runs = {t: [] for t in tools}
    errors = []

    # What a run holds at most: an AM (Spark's: 512 MiB + 384 MiB overhead, rounded up to 1 GiB)
    # and N containers.
    need = (1024 + a.nodes * a.memory, 1 + a.nodes * a.cores)

    def one(tool, timed):
        waited = wait_headroom(b.web, need, a.max_wait)
        if waited is None:
            log("no headroom after %d s: running anyway" % a.max_wait)
        wait_quiet(a.quiet_load, a.quiet_wait)
        load = os.getloadavg()[0]
        log("%s %s (load %.1f)" % (tool, "run" if timed else "warm-up", load))
        try:
            r = getattr(b, tool)()
        except Exception as e:
            r = {"error": "%s: %s" % (type(e).__name__, e)}
        r["load1"] = load
        r["headroom_wait"] = waited
        if "error" in r:
            log("%s: %s" % (tool, r["error"]))
            errors.append("%s%s: %s" % (tool, "" if timed else " (warm-up)", r["error"]))
        else:
            split = {k: round(v, 2) for k, v in r["split"].items()}
            log("%s: %.2f s %s" % (tool, r["total"], json.dumps(split)))
        if timed:
            runs[tool].append(r)
        return r

    # orca-yarn goes first: its run fills the env cache (if needed) and names the env's path.
    one("orca", False)
    if b.env_path is None:
        json.dump({"errors": errors + ["no env path from orca-yarn: peers not run"]}, sys.stdout)
        print()
        return
    for t in tools:
        if t != "orca":
            one(t, False)

    def wanted(t):
        ok = sum(1 for r in runs[t] if "total" in r)
        return ok < a.runs and len(runs[t]) - ok <= a.extra

    # Rounds of one run of each tool still short of its successful runs (a failed run is
    # repeated, up to --extra of them), the first tool rotating from round to round.
    i = 0
    while any(wanted(t) for t in tools):
        k = i % len(tools)
        for t in tools[k:] + tools[:k]:
            if wanted(t):
                one(t, True)
        i += 1
    # The env's path is its content hash: a second path means the env changed during the run
    # (so that orca-yarn packed, uploaded and localized it again, cold).
    paths = sorted(set(r["env_path"] for r in runs.get("orca", []) if r.get("env_path")))
    out = {"env_path": b.env_path, "env_paths": paths, "nodes": a.nodes, "cores": a.cores,
           "memory_mib": a.memory, "runs_wanted": a.runs, "quiet_load": a.quiet_load,
           "errors": errors}
    for t in tools:
        out[t] = summary(runs[t])
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
