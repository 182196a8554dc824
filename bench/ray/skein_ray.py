"""One run of Ray's documented Skein recipe, timed: submit -> Ray ready with 3 nodes.

Run with the venv of bench/skein/setup.sh (skein 0.8.2) and its exports; bench/ray/bench.py
starts it as a fresh process per run, so the Skein client's JVM driver start-up counts, as it
does for a user's new process.

The recipe (docs.ray.io "Deploying on YARN", ray-project/ray doc/yarn/ray-skein.yaml): a
`ray-head` service publishes its address in Skein's key-value store and runs
`ray start --head --port=6379 --block`; a `ray-worker` service (depends: [ray-head]) reads the
address and runs `ray start --address=HEAD:6379 --block`. Ready means the same for every tool
measured: the head polls `ray.nodes()` until 3 nodes are alive and then puts RAY_READY in the
key-value store, which this client waits on. What differs from the page, and why:

  * the env is orca-yarn's cached archive, given by its hdfs:// path as a PRIVATE archive
    resource: the NodeManagers then reuse the copy they already unpacked, as for orca-yarn;
  * `skein kv` runs from a small archive (skein, grpc, protobuf 3.20.3) on PYTHONPATH, because
    the env has Ray but not Skein, and Skein's generated code needs protobuf 3.x while Ray's
    needs a newer one (the recipe assumes one env with both);
  * the host address is the NodeManager's (NM_HOST), given to Ray as --node-ip-address: on this
    one-machine cluster `hostname -i` says 127.0.0.1 in every container;
  * each node's dashboard agent gets its own HTTP port (52365 + the container number): Ray's
    fixed default collides when two nodes share a host, which on this one-machine cluster is
    every node after the first, and each collision costs ~3.5 s of bind retries;
  * each node gets its own --temp-dir, /tmp/rsk-<app>-<container number>, not Ray's shared
    /tmp/ray: nodes starting together on one host in one temp dir race for the same socket
    names (a raylet then dies with "bind: Address already in use" and the application fails:
    about every other run on this cluster); it also lets the benchmark remove exactly what a
    run leaves behind (the recipe cleans nothing);
  * workers `kv get --wait` (the page omits --wait, which races with the head's put);
  * --num-cpus 2 and --memory/--object-store-memory inside the 3 GiB container;
  * no `ray stop` at the end: it kills every Ray process of the user on the host (other apps'
    too); killing the application ends the containers' process groups instead;
  * RAY_AUTH_MODE=disabled: the recipe has no auth, and Ray 2.59+ would turn token auth on by
    itself if a token happened to exist in ~/.ray.

Writes one JSON object to --result once Ray is ready (or on failure): epoch timestamps of the
milestones, the app id, and "error" on failure. The application is then killed (and awaited)
before exiting, outside the timed part.
"""
import argparse
import json
import os
import sys
import threading
import time

import skein

SKEIN = 'env PYTHONPATH="$PWD/skeinlib" ./environment/bin/python -m skein.cli'

PRELUDE = """set -eu
export RAY_AUTH_MODE=disabled RAY_USAGE_STATS_ENABLED=0
HOST_IP=$(getent hosts "$NM_HOST" | awk '{print $1; exit}')
AGENT_PORT=$((52365 + 10#${CONTAINER_ID##*_}))
TEMP_DIR=/tmp/rsk-${SKEIN_APPLICATION_ID#application_}-$((10#${CONTAINER_ID##*_}))
"""

# Ray's own wait_for_nodes (doc/yarn/example.py) counts ray.nodes(); dead nodes are filtered out.
WAIT_READY = r"""
import sys, time
import ray
addr, want = sys.argv[1], int(sys.argv[2])
while True:
    try:
        ray.init(address=addr, logging_level="ERROR", log_to_driver=False)
        break
    except Exception:
        time.sleep(0.2)
while sum(1 for n in ray.nodes() if n["Alive"]) < want:
    time.sleep(0.1)
print("%.3f" % time.time())
"""


def ray_flags(a):
    return ("--num-cpus=%d --memory=%d --object-store-memory=%d --node-ip-address=$HOST_IP "
            "--dashboard-agent-listen-port=$AGENT_PORT --temp-dir=$TEMP_DIR --disable-usage-stats"
            % (a.vcores, a.ray_memory, a.object_store))


def spec(a):
    head = PRELUDE + """
%(skein)s kv put current --key=RAY_HEAD_ADDRESS --value="$HOST_IP"
./environment/bin/ray start --head --port=%(port)d %(flags)s --block &
ready=$(./environment/bin/python -c '%(wait)s' "$HOST_IP:%(port)d" %(n)d)
%(skein)s kv put current --key=RAY_READY --value="$ready"
wait
""" % dict(skein=SKEIN, port=a.port, flags=ray_flags(a), wait=WAIT_READY, n=a.nodes)
    worker = PRELUDE + """
RAY_HEAD_ADDRESS=$(%(skein)s kv get current --key=RAY_HEAD_ADDRESS --wait)
exec ./environment/bin/ray start --address="$RAY_HEAD_ADDRESS:%(port)d" %(flags)s --block
""" % dict(skein=SKEIN, port=a.port, flags=ray_flags(a))
    files = {
        "environment": skein.File(source=a.env, type="archive", visibility="private"),
        "skeinlib": skein.File(source=a.skeinlib, type="archive", visibility="private"),
    }
    res = skein.Resources(memory=a.memory, vcores=a.vcores)
    # The AM is a JVM started by Skein's own launch command; JDK_JAVA_OPTIONS is the only way to
    # hand it the JDK 17 module options without patching Skein (as in bench/skein/bench.py).
    master = skein.Master(env={"JDK_JAVA_OPTIONS": os.environ.get("SKEIN_AM_JAVA_OPTIONS", "")})
    return skein.ApplicationSpec(
        name="ray-skein-bench",
        master=master,
        services={
            "ray-head": skein.Service(instances=1, resources=res, files=files, script=head),
            "ray-worker": skein.Service(instances=a.nodes - 1, resources=res, files=files,
                                        script=worker, depends=["ray-head"]),
        })


def wait_ready(client, app, timeout):
    """The head's RAY_READY value. kv.wait blocks without a deadline (and forever if the head
    died), so it runs in a thread while this one watches the clock and the application."""
    got = {}

    def waiter():
        try:
            got["value"] = app.kv.wait("RAY_READY")
        except Exception as e:
            got["error"] = e
    t = threading.Thread(target=waiter, daemon=True)
    t.start()
    deadline = time.monotonic() + timeout
    while True:
        t.join(0.5)
        if "value" in got:
            return got["value"].decode()
        # The watch also breaks when the application ends: say why it ended, then.
        report = client.application_report(app.id)
        if str(report.state) in ("FINISHED", "FAILED", "KILLED"):
            raise RuntimeError("application %s ended %s before Ray was ready: %s" % (
                app.id, report.final_status, report.diagnostics.strip()))
        if "error" in got:
            raise got["error"]
        if time.monotonic() > deadline:
            raise TimeoutError("Ray not ready after %ds" % timeout)


def finish(client, app_id):
    """Kill the app and wait until YARN calls it finished, so the next run has the cluster."""
    try:
        client.kill_application(app_id)
    except Exception as e:  # already gone is fine
        print("skein-ray: kill %s: %s" % (app_id, e), file=sys.stderr)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if str(client.application_report(app_id).state) in ("FINISHED", "FAILED", "KILLED"):
            return
        time.sleep(0.2)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--env", required=True, help="hdfs:// path of the env archive")
    p.add_argument("--skeinlib", required=True, help="hdfs:// path of the skein CLI archive")
    p.add_argument("--nodes", type=int, default=3)
    p.add_argument("--vcores", type=int, default=2)
    p.add_argument("--memory", type=int, default=3072, help="MiB per container")
    p.add_argument("--ray-memory", type=int, default=1600 * 1000 * 1000)
    p.add_argument("--object-store", type=int, default=700 * 1000 * 1000)
    p.add_argument("--port", type=int, default=6379)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--result", required=True, help="file to write the JSON result to")
    a = p.parse_args()

    out = {"t_start": time.time()}
    client = skein.Client()
    out["t_client"] = time.time()
    app_id = None
    try:
        app = client.submit_and_connect(spec(a))
        app_id = out["app_id"] = app.id
        out["t_submitted"] = time.time()
        ready = wait_ready(client, app, a.timeout)
        out["t_ready_seen"] = time.time()
        out["t_ray_ready"] = float(ready)
        report = client.application_report(app_id)
        out["t_rm_started"] = report.start_time.timestamp()
        starts = {c.id: c.start_time.timestamp() for c in app.get_containers()
                  if c.start_time is not None}
        out["t_containers"] = sorted(starts.values())
    except Exception as e:
        out["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        with open(a.result, "w") as f:
            json.dump(out, f)
        if app_id:
            finish(client, app_id)
        client.close()


if __name__ == "__main__":
    main()
