#!/usr/bin/env bash
# orca-yarn against Skein 0.8.2 on the same local cluster, back to back in one run: submit → all N
# containers running (N = 2, 8) and the AM's RSS with 50 containers. The cluster is restarted with
# 40 vcores per NodeManager and restored at the end: 50 containers of 1 vcore plus the AM must fit in
# one user's share of the default queue (75% capacity, user-limit-factor 1: 60 of 80 vcores; 32 per
# NodeManager would give 48).
# Only the markdown goes to stdout; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLUSTER=integration/cluster/cluster.sh
RUNS=${BENCH_SKEIN_RUNS:-3}
RSS_N=${BENCH_SKEIN_RSS_CONTAINERS:-50}
SETTLE=10
NM_VCORES=40
log() { echo "40-skein: $*" >&2; }

oy_app=""
cleanup() {
  [ -n "$oy_app" ] && bin/orca-yarn kill "$oy_app" >/dev/null 2>&1
  log "restoring the default cluster"
  $CLUSTER up >/dev/null 2>&1 || log "could not restore the default cluster"
}
trap cleanup EXIT

skein_err="" oy_rss_err=""
setup_out=$(bash bench/skein/setup.sh 2>/tmp/40-skein-setup.$$) || skein_err="setup failed: $(tail -n 5 /tmp/40-skein-setup.$$)"
cat /tmp/40-skein-setup.$$ >&2; rm -f /tmp/40-skein-setup.$$
[ -z "$skein_err" ] && eval "$setup_out"

eval "$(ORCA_NM_VCORES=$NM_VCORES $CLUSTER up 2>/dev/null | grep '^export HADOOP_CONF_DIR=' | tail -n 1)"
make -s build >/dev/null
export ORCA_YARN_BIN=$PWD/bin/orca-yarn
RM=http://master.orca.test:8088
vcores=$(curl -fsS "$RM/ws/v1/cluster/metrics" | jq -r '.clusterMetrics.totalVirtualCores')
hadoop=$(curl -fsS "$RM/ws/v1/cluster/info" | jq -r '.clusterInfo.hadoopVersion')
# What one user may hold in the default queue: its capacity times the user-limit factor, at most its
# maximum capacity. Should that be too small (the cluster did not take the vcores), measure the AM with
# as many containers as fit, and say so, rather than wait for containers that are never granted.
budget=$(curl -fsS "$RM/ws/v1/cluster/scheduler" | jq -r --argjson v "$vcores" '.scheduler.schedulerInfo.queues.queue[]
  | select(.queueName == "default") | [.absoluteCapacity * .userLimitFactor, .absoluteMaxCapacity] | min | . * $v / 100 | floor')
rss_fits=1 rss_note=""
if [ "$budget" -lt $((RSS_N + 1)) ]; then
  rss_note="After \`ORCA_NM_VCORES=$NM_VCORES $CLUSTER up\` the cluster had $vcores vcores, of which one user may hold
$budget in the default queue, so $RSS_N containers of 1 vcore plus the AM could not fit: the AM RSS row uses
$((budget - 1)) containers instead. (A healthy running cluster is reused, and the vcore count is not among
the settings that make cluster.sh restart it.)"
  RSS_N=$((budget - 1))
  [ "$RSS_N" -ge 1 ] || rss_fits=0
  log "$rss_note"
fi

# orca-yarn: submit → all running, the definition of bench/submit (the N-th rank's first line).
go_cmd="go test -tags integration -run '^\$' -bench 'BenchmarkSubmitToAllRunning' -benchtime ${RUNS}x -count 1 -timeout 30m ./bench/submit"
log "orca-yarn: $go_cmd"
go_out=$(eval "$go_cmd" 2>&1) || { echo "$go_out" >&2; log "orca-yarn submit benchmark failed"; }
metric() { awk -v b="$1" -v u="$2" 'index($1, b) == 1 { for (i = 2; i <= NF; i++) if ($i == u) print $(i-1) }' <<<"$go_out"; }
oy2=$(metric BenchmarkSubmitToAllRunning/nodes=2 s-to-all-running)
oy8=$(metric BenchmarkSubmitToAllRunning/nodes=8 s-to-all-running)

# Skein: the same sizes and runs, then its AM with RSS_N containers.
py_cmd="bench/skein/bench.py --sizes 2,8 --runs $RUNS --rss-containers $([ $rss_fits = 1 ] && echo "$RSS_N" || echo 0) --settle $SETTLE"
skein_json='{}'
if [ -z "$skein_err" ]; then
  log "skein: python $py_cmd"
  if out=$("$SKEIN_PYTHON" $py_cmd 2>/tmp/40-skein-py.$$) && jq -e . >/dev/null 2>&1 <<<"$out"; then
    skein_json=$out
    skein_err=$(jq -r '.errors | join("; ")' <<<"$skein_json")
  else
    skein_err="bench.py failed: $(grep -E 'Error|Exception' /tmp/40-skein-py.$$ | tail -n 3 | tr '\n' ' ')"
  fi
  grep -vE '^[0-9/]+ [0-9:]+ (INFO|WARN) ' /tmp/40-skein-py.$$ >&2 || true
  rm -f /tmp/40-skein-py.$$
fi
sk() { jq -r "$1 // empty" <<<"$skein_json"; }
sk2=$(sk '.submit_to_all_running_s["2"].mean') sk8=$(sk '.submit_to_all_running_s["8"].mean')
skrss=$(sk '.am_rss_mib')

# orca-yarn AM RSS: detached submit, wait until the AM reports every rank joined, settle, sample.
oy_cmd="bin/orca-yarn submit --detach --num-nodes $RSS_N --memory 128m --command 'sleep 120'"
oyrss=""
if [ $rss_fits = 1 ]; then
  log "orca-yarn: $oy_cmd"
  oy_app=$(eval "$oy_cmd" 2>/dev/null | grep -o 'application_[0-9_]*' | head -n 1) || true
  if [ -z "$oy_app" ]; then
    oy_rss_err="submit printed no application id"
  else
    deadline=$((SECONDS + 300)) up=0
    while [ $SECONDS -lt $deadline ]; do
      up=$(curl -fsS --max-time 5 "$RM/proxy/$oy_app/v1/status" 2>/dev/null |
        jq -r '[.containers // [] | .[] | select(.state == "running" or .state == "joined")] | length' 2>/dev/null || echo 0)
      [ "$up" -ge "$RSS_N" ] && break
      sleep 0.5
    done
    if [ "$up" -ge "$RSS_N" ]; then
      sleep $SETTLE
      oyrss=$("${SKEIN_PYTHON:-python3}" bench/skein/bench.py --am-rss-of "$oy_app" --comm orca-yarn 2>&1) ||
        { oy_rss_err="$oyrss"; oyrss=""; }
    else
      oy_rss_err="only $up of $RSS_N ranks running after 300 s"
    fi
    bin/orca-yarn kill "$oy_app" >/dev/null 2>&1 || true
    oy_app=""
  fi
fi

num() { [ -n "$1" ] && printf '%.2f' "$1" || echo "not measured"; }
rss() { [ -n "$1" ] && printf '%.0f MiB' "$1" || echo "not measured"; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f×", a / b}' || echo "–"; }
cat <<MD
## orca-yarn against Skein on the same cluster

Both tools measured back to back in one run on the local cluster (Hadoop $hadoop, two NodeManagers,
$vcores vcores in all), Skein $(sk .skein_version) from PyPI with
protobuf 3.20.3 on $(java -version 2>&1 | head -1 | tr -d '"'). Containers of 256 MiB, 1 vcore;
means of $RUNS runs after one warm-up run.

- orca-yarn, submit → all running: from starting \`orca-yarn submit --num-nodes N --memory 256m
  --command 'echo up'\` to the N-th rank's first output line at the client (\`$go_cmd\`).
- Skein, submit → all running: from a fresh \`skein.Client()\` (its Java driver's start-up
  included, as for a user's new process) through \`submit_and_connect\` to \`get_containers(states=['RUNNING'])\`
  listing all N, polled every 50 ms; service script \`echo up; sleep 20\`, 256 MiB, 1 vcore
  (\`bench/skein/bench.py --sizes 2,8 --runs $RUNS\`). Skein calls a container RUNNING once its
  NodeManager started it, slightly before the command's first line: the comparison favours Skein.
- AM RSS: $RSS_N containers running \`sleep 120\` (128 MiB each), the AM process's VmRSS $SETTLE s after all
  are running: Skein's AM JVM (\`bench/skein/bench.py --rss-containers $RSS_N\`) and the \`orca-yarn am\`
  process (\`$oy_cmd\`, all ranks joined per the AM's \`/v1/status\`), found by \`CONTAINER_ID=…_000001\`.

| measure | orca-yarn | Skein | orca-yarn / Skein (goal) |
|---|---|---|---|
| submit → all 2 containers running | $(num "$oy2") s | $(num "$sk2") s | $(ratio "$oy2" "$sk2") (≤ 0.5×) |
| submit → all 8 containers running | $(num "$oy8") s | $(num "$sk8") s | $(ratio "$oy8" "$sk8") (≤ 0.5×) |
| AM RSS with $RSS_N containers | $(rss "$oyrss") | $(rss "$skrss") | $(ratio "$oyrss" "$skrss") (≤ 0.2×) |
MD
[ -n "$rss_note" ] && printf '\n%s\n' "$rss_note"
[ -n "$skein_err" ] && printf '\nSkein errors in this run: %s\n' "$skein_err"
[ -n "$oy_rss_err" ] && printf '\norca-yarn AM RSS not measured: %s\n' "$oy_rss_err"
exit 0
