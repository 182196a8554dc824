#!/usr/bin/env bash
# Submit -> Ray ready with N=3 and a warm env cache: orca-yarn against Ray's documented Skein recipe
# and Ray on Spark (ray.util.spark.setup_ray_cluster in a pyspark app on YARN), back to back on the
# local cluster, same container size, same env archive (bench/ray/bench.py; peers prepared by
# bench/ray/setup.sh). Only the markdown goes to stdout; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${BENCH_RAY_RUNS:-3}
NODES=3 CORES=2 MEMORY=3072
log() { echo "60-ray: $*" >&2; }
# Python run from the env must not write bytecode into it: orca-yarn's env cache key is the env's
# content, so a new .pyc would make the next orca-yarn run pack, upload and localize it again.
export PYTHONDONTWRITEBYTECODE=1

eval "$(integration/cluster/cluster.sh up 2>/dev/null | grep '^export HADOOP_CONF_DIR=' | tail -n 1)"
make -s build >/dev/null
venv=$(bash scripts/install-python.sh 2>/dev/null | tail -n 1)

tools=orca,skein,spark setup_err=""
if setup_out=$(bash bench/ray/setup.sh 2>/tmp/60-ray-setup.$$); then
  eval "$(grep '^export ' <<<"$setup_out")"
else
  setup_err="bench/ray/setup.sh failed: $(tail -n 3 /tmp/60-ray-setup.$$ | tr '\n' ' ')"
  tools=orca
fi
cat /tmp/60-ray-setup.$$ >&2; rm -f /tmp/60-ray-setup.$$

cmd="bench/ray/bench.py --orca-bin bin/orca-yarn --env \$VENV --nodes $NODES --cores $CORES --memory $MEMORY --runs $RUNS"
log "python $cmd"
json=$("$venv/bin/python" bench/ray/bench.py --orca-bin "$PWD/bin/orca-yarn" --env "$venv" --nodes $NODES \
  --cores $CORES --memory $MEMORY --runs "$RUNS" --tools "$tools") || true
jq -e . >/dev/null 2>&1 <<<"$json" || json='{"errors": ["bench.py printed no result"]}'
echo "$json" >&2 # the raw result, for whoever reads the progress

q() { jq -r "$1 // empty" <<<"$json"; }
sec() { [ -n "$1" ] && printf '%.1f s' "$1" || echo "–"; }
med() { sec "$(q ".$1.median_split.$2")"; }
runs() { # every run's total, in run order (failed runs as ✗)
  jq -r --arg t "$1" '[.[$t].runs // [] | .[] | if .total then (.total * 10 | round | "\(. / 10 | floor).\(. % 10)") else "✗" end] | join(" / ")' <<<"$json"
}
oy=$(q .orca.median_total) sk=$(q .skein.median_total) sp=$(q .spark.median_total)
faster="" faster_name=""
for pair in "skein:$sk" "spark:$sp"; do
  v=${pair#*:}
  [ -n "$v" ] || continue
  if [ -z "$faster" ] || awk -v a="$v" -v b="$faster" 'BEGIN {exit !(a < b)}'; then faster=$v faster_name=${pair%%:*}; fi
done
ratio="–"
[ -n "$oy" ] && [ -n "$faster" ] && ratio=$(awk -v a="$oy" -v b="$faster" 'BEGIN {printf "%.2f×", a / b}')
case $faster_name in skein) faster_name="the Skein recipe" ;; spark) faster_name="Ray on Spark" ;; esac
load=$(jq -r '[.orca, .skein, .spark | .runs // [] | .[] | .load1] | if length > 0 then "\(min * 10 | round / 10)–\(max * 10 | round / 10)" else "–" end' <<<"$json")
left=$(jq -r '[.orca, .skein, .spark | .leftover_processes // 0] | add' <<<"$json")

cat <<MD
## Submit → Ray ready (N=3, warm env cache): orca-yarn, Ray's Skein recipe, Ray on Spark

The three measured back to back in one run on the local cluster (two NodeManagers on this one machine),
each with $NODES containers of $CORES vcores and $MEMORY MiB (Ray nodes of $CORES CPUs), all from the same env
archive: the one orca-yarn's env cache keeps on HDFS (\`$(q .env_path | sed 's#^hdfs://[^/]*##')\`), which the
NodeManagers had already unpacked. One untimed warm-up run of each tool first, then rounds of one run of
each tool (the first tool rotating) until each has $RUNS successful runs; medians. Each run is a new process
of the tool, timed from its start until Ray is ready. Section script: \`bench/sections/60-ray.sh\`
(\`$cmd\`; peers set up by \`bench/ray/setup.sh\`).

- **orca-yarn**: \`orca-yarn submit --deploy-mode client --detach --output json --num-nodes $NODES --cores $CORES
  --memory ${MEMORY}m --env \$VENV\` (no script), which returns once the AM reports $NODES nodes alive in Ray's GCS.
- **Skein recipe** (Skein $(${SKEIN_PYTHON:-false} -c 'import skein; print(skein.__version__)' 2>/dev/null || echo "–"), Ray's "Deploying on YARN" page): a \`ray-head\` service
  publishes its address in Skein's key-value store and runs \`ray start --head --port=6379 --block\`; a
  \`ray-worker\` service ($((NODES - 1)) instances, \`depends: [ray-head]\`) reads it and runs \`ray start
  --address=HEAD:6379 --block\`. Ready: the head puts a key once \`ray.nodes()\` shows $NODES alive; the client
  (a fresh \`skein.Client()\`, its Java driver's start included) waits on it (\`bench/ray/skein_ray.py\`).
- **Ray on Spark** (pyspark $("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)'), Ray $("$venv/bin/python" -c 'import ray; print(ray.__version__)')): a Python process creates a SparkSession with
  spark.master=yarn, client deploy mode, $NODES executors, \`spark.archives=<the env>#environment\`,
  \`spark.pyspark.python=./environment/bin/python\`, Spark's jars from a zip on HDFS (\`spark.yarn.archive\`), then
  calls \`setup_ray_cluster(max_worker_nodes=$NODES, num_cpus_worker_node=$CORES, num_gpus_worker_node=0)\`;
  ready is its return with $NODES workers alive (\`bench/ray/spark_ray.py\`). Its head runs on the driver
  with 0 CPUs (Ray's default), so its $NODES worker nodes in the executors match the others' $NODES containers.

| measure | orca-yarn | Skein recipe | Ray on Spark |
|---|---|---|---|
| submit → Ray ready, median | $(sec "$oy") | $(sec "$sk") | $(sec "$sp") |
| every timed run, in order (s; ✗ failed) | $(runs orca) | $(runs skein) | $(runs spark) |

orca-yarn / the faster peer ($faster_name): **$ratio** (goal ≤ 0.5×).

Where the time goes (medians of each phase over the successful runs, so they need not add up to the
median total):

| orca-yarn phase | ends when | median |
|---|---|---|
| submit | the RM accepted the application (its start time): CLI start, env-cache lookup on HDFS, staging, submit | $(med orca submit) |
| AM start | the AM registered with the RM (status timeline \`allocating\`): AM container allocated, localized, started | $(med orca am_start) |
| allocation | all $NODES containers allocated and launched (\`joining\`) | $(med orca allocation) |
| localization | every launcher joined the rendezvous (\`running\`): warm localization, launcher start, barrier | $(med orca localization) |
| Ray start | the head's raylet started (its start time in the GCS): \`ray start\` imports, GCS, raylet | $(med orca ray_start) |
| join | the head saw $NODES nodes alive and told the AM (\`ray_ready\`); the workers' raylets started $(sec "$(jq -r '[.orca.runs // [] | .[] | .last_worker_start // empty] | sort | if length > 0 then .[length / 2 | floor] else empty end' <<<"$json")") after the head's | $(med orca join) |
| client | the client saw it and exited | $(med orca client) |

| Skein recipe phase | ends when | median |
|---|---|---|
| client | \`skein.Client()\` returned (its Java driver started) | $(med skein client) |
| submit | the RM accepted the application | $(med skein submit) |
| head container | the head's container started: AM JVM start, allocation, launch | $(med skein first_container) |
| worker containers | the last worker's container started (they are asked for only once the head runs: \`depends\`) | $(med skein all_containers) |
| Ray ready | the head's \`ray.nodes()\` showed $NODES alive | $(med skein ray_ready) |
| seen | the client read the key (\`skein kv put\` in the head, the client's wait) | $(med skein seen) |

| Ray on Spark phase | ends when | median |
|---|---|---|
| submit | the RM accepted the application: Python, pyspark, the driver JVM, SparkContext, YARN client | $(med spark submit) |
| session | \`getOrCreate()\` returned: Spark's AM up, the $NODES executors registered | $(med spark session) |
| setup_ray_cluster | returned: a probe job, the head on the driver and a fixed 20 s wait for it, workers started as Spark jobs (one at a time per host: a 10 s file lock), progress polled every 3 s | $(med spark setup_ray_cluster) |

The machine ($(nproc) cores) and the cluster are shared with other work, so each run started only once the
cluster had room for all its containers and the 1-minute load average was at most $(q .quiet_load) (or 2 minutes
had passed); load at the start of the timed runs: $load. Failed runs are repeated (up to 2 per tool) and
listed below. Ray processes of an application still alive 30 s after it ended (then killed): $left.

What the peers run differs from their documentation only where this one-machine cluster, the shared
env or Spark 4.3 requires it, each time in the peer's favour or neutral:
- Skein recipe: \`skein kv\` comes from a small archive of skein, grpc and protobuf 3.20.3 on PYTHONPATH
  (the env has Ray but not Skein, and Skein's generated code needs protobuf 3.x); the node address is the
  NodeManager's (\`hostname -i\` is 127.0.0.1 here); each node gets its own dashboard-agent port (Ray's
  fixed 52365 collides between nodes on one host: ~3.5 s of bind retries) and its own \`--temp-dir\` (nodes
  starting together on one host in Ray's shared /tmp/ray race for socket names, and a raylet dies with
  "bind: Address already in use": about every other run here); workers \`kv get --wait\` (the page races
  without it); no \`ray stop\` (it kills every Ray process of the user on the host).
- Ray on Spark: the env's \`bin\` is on the executors' PATH (it runs \`shutil.which("ray")\`) and
  \`PYSPARK_PYTHON\` is in the driver's environment (pyspark takes the executors' Python from it, not from
  \`spark.pyspark.python\`, when the driver is a plain Python process); the Spark UI is off (its start-up races
  with the YARN proxy filter under load: ConcurrentModificationException in Jetty). Its pacing (the 20 s wait,
  the 10 s per-host lock, 3 s polls) is Ray's default: that is what its users get.
- Both peers run with \`RAY_AUTH_MODE=disabled\` (their recipes have no auth); orca-yarn runs with token auth.
MD
errs=$(jq -r '.errors // [] | join("; ")' <<<"$json")
paths=$(jq -r '.env_paths // [] | length' <<<"$json")
[ "$paths" -gt 1 ] && printf '\nThe env changed during this run (%s archives): orca-yarn runs after the change packed, uploaded and localized it cold.\n' "$paths"
[ -n "$setup_err" ] && printf '\nPeers not measured: %s\n' "$setup_err"
[ -n "$errs" ] && printf '\nErrors in this run: %s\n' "$errs"
exit 0
