"""The cluster and this host as bench/ray/bench.py needs them: the ResourceManager's REST API
(application reports, the user's headroom in a queue, killing an application), JSON over HTTP
without proxies (the AM's status behind the RM's proxy too), and this machine's processes and
load. Standard library only.
"""
import getpass
import json
import os
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from datetime import datetime


def log(*args):
    print("ray-bench:", *args, file=sys.stderr, flush=True)


def site_value(conf_dir, name, default=None):
    path = os.path.join(conf_dir, "yarn-site.xml")
    for p in ET.parse(path).getroot().iter("property"):
        if p.findtext("name") == name:
            return p.findtext("value")
    return default


def rm_web(conf_dir):
    addr = site_value(conf_dir, "yarn.resourcemanager.webapp.address")
    if not addr:
        addr = site_value(conf_dir, "yarn.resourcemanager.hostname", "localhost") + ":8088"
    return "http://" + addr


def get_json(url, timeout=10):
    # The RM and the AM behind its proxy are on the cluster network: never through a proxy.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as r:
        return json.load(r)


def rm_app(web, app_id):
    return get_json("%s/ws/v1/cluster/apps/%s" % (web, app_id))["app"]


def wait_finished(web, app_id, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if rm_app(web, app_id)["state"] in ("FINISHED", "FAILED", "KILLED"):
            return
        time.sleep(0.3)
    raise TimeoutError("%s still not finished after %ds" % (app_id, timeout))


def kill_app(web, app_id, user):
    """Kills an application through the RM's REST API (simple auth: the user in the query)."""
    req = urllib.request.Request(
        "%s/ws/v1/cluster/apps/%s/state?user.name=%s" % (web, app_id, user),
        data=b'{"state": "KILLED"}', method="PUT", headers={"Content-Type": "application/json"})
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10).close()


def headroom(web, queue, user):
    """What user may still take in queue now: (MiB, vcores), the lesser of the cluster's free
    resources and the user's limit in the queue (CapacityScheduler) minus what the user holds."""
    m = get_json(web + "/ws/v1/cluster/metrics")["clusterMetrics"]
    free = [m["availableMB"], m["availableVirtualCores"]]
    info = get_json(web + "/ws/v1/cluster/scheduler")["scheduler"]["schedulerInfo"]
    queues = info.get("queues", {})
    for q in queues.get("queue", []):
        if q.get("queueName") != queue:
            continue
        share = min(q["absoluteCapacity"] * q.get("userLimitFactor", 1),
                    q["absoluteMaxCapacity"]) / 100
        limit, used = [m["totalMB"] * share, m["totalVirtualCores"] * share], [0, 0]
        for u in (q.get("users") or {}).get("user", []):
            if u["username"] == user:
                limit = [u["userResourceLimit"]["memory"], u["userResourceLimit"]["vCores"]]
                used = [u["resourcesUsed"]["memory"], u["resourcesUsed"]["vCores"]]
        free = [min(f, l - x) for f, l, x in zip(free, limit, used)]
    return free


def wait_headroom(web, need, max_wait):
    """Waits (up to max_wait s) until a run's containers fit next to what others hold: the cluster
    is shared, and a run that gets only part of its containers measures the other work, not the
    tool. Returns the seconds waited, or None when it never fitted (the run goes ahead anyway)."""
    user = getpass.getuser()
    t = time.monotonic()
    said = False
    while True:
        mb, vcores = headroom(web, "default", user)
        if mb >= need[0] and vcores >= need[1]:
            return time.monotonic() - t
        if not said:
            log("waiting for %d MiB, %d vcores of headroom (now %d MiB, %d vcores)"
                % (need[0], need[1], mb, vcores))
            said = True
        if time.monotonic() - t > max_wait:
            return None
        time.sleep(2)


def epoch(iso):
    """RFC 3339 with nanoseconds (Go's time.Time JSON) to epoch seconds."""
    head, _, frac = iso.rstrip("Z").partition(".")
    t = datetime.fromisoformat(head + "+00:00").timestamp()
    return t + (float("0." + frac) if frac else 0.0)


def run_processes(app_id, marker=None):
    """Pids of live processes of one application: those whose environment has a CONTAINER_ID of
    the app (YARN sets it in the container; Ray's processes inherit it), or, for processes
    outside any container (Ray on Spark's head on the driver), whose command line has marker."""
    want = ("_%s_" % app_id[len("application_"):]).encode()
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():
            continue
        try:
            if marker:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    if marker.encode() in f.read():
                        pids.append(int(pid))
                        continue
            with open("/proc/%s/environ" % pid, "rb") as f:
                for kv in f.read().split(b"\0"):
                    if kv.startswith(b"CONTAINER_ID=container_") and want in kv:
                        pids.append(int(pid))
                        break
        except OSError:
            pass
    return pids


def leftovers(app_id, marker=None, grace=30):
    """Waits up to grace seconds for the run's processes to end; kills (by pid) and counts those
    still there, so that they neither compete with the next run nor stay behind."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not run_processes(app_id, marker):
            return 0
        time.sleep(0.5)
    pids = run_processes(app_id, marker)
    for pid in pids:
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    return len(pids)


def wait_quiet(max_load, max_wait):
    """Waits (up to max_wait s) until the 1-minute load average is at most max_load: other work
    on this machine, or the previous run's teardown, should not weigh on one tool's run more
    than on another's. Returns the seconds waited."""
    t = time.monotonic()
    if os.getloadavg()[0] > max_load:
        log("waiting for a load average of %.1f (now %.1f)" % (max_load, os.getloadavg()[0]))
    while os.getloadavg()[0] > max_load and time.monotonic() - t < max_wait:
        time.sleep(2)
    return time.monotonic() - t
