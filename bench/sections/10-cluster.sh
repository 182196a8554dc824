#!/usr/bin/env bash
# The local test cluster: start time with and without the Maven download, and the daemons' memory.
# Runs on its own ORCA_CLUSTER_HOME and stops the default cluster while it runs (same addresses),
# restarting it afterwards if it was up.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLUSTER=integration/cluster/cluster.sh
RUNS=${BENCH_CLUSTER_RUNS:-3}
was_up=0
$CLUSTER status >/dev/null 2>&1 && was_up=1
$CLUSTER down >/dev/null 2>&1 || true
export ORCA_CLUSTER_HOME=/tmp/orca-bench-cluster

start_secs() { # prints the wall seconds of one `up` from an empty cluster home
  rm -rf "$ORCA_CLUSTER_HOME"
  local t0 t1
  t0=$(date +%s.%N)
  $CLUSTER up >/dev/null 2>&1
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}'
}

rss_mib() { # total RSS of the daemons, MiB
  local pids
  pids=$(cat "$ORCA_CLUSTER_HOME"/pids/*.pid | paste -sd,)
  ps -o rss= -p "$pids" | awk '{s+=$1} END {printf "%.0f", s/1024}'
}

warm=()
rss=()
for _ in $(seq "$RUNS"); do
  warm+=("$(start_secs)")
  sleep 5 # let the daemons settle after start-up before measuring memory
  rss+=("$(rss_mib)")
  $CLUSTER down >/dev/null 2>&1
done

# Cold: a new jar cache and an empty Maven repository, so every artifact is downloaded.
export ORCA_HADOOP_LIB_DIR=/tmp/orca-bench-lib ORCA_MAVEN_REPO=/tmp/orca-bench-m2
rm -rf "$ORCA_HADOOP_LIB_DIR" "$ORCA_MAVEN_REPO"
cold=$(start_secs)
jar_mb=$(du -sm "$ORCA_HADOOP_LIB_DIR" | cut -f1)
$CLUSTER down >/dev/null 2>&1
rm -rf "$ORCA_HADOOP_LIB_DIR" "$ORCA_MAVEN_REPO" "$ORCA_CLUSTER_HOME"
unset ORCA_HADOOP_LIB_DIR ORCA_MAVEN_REPO ORCA_CLUSTER_HOME
[ $was_up = 1 ] && $CLUSTER up >/dev/null 2>&1

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cat <<MD
## Local test cluster (\`make cluster-up\`, Hadoop ${ORCA_HADOOP_VERSION:-3.4.3})

NameNode, DataNode, ResourceManager and two NodeManagers as separate JVMs, from an empty cluster
home (NameNode format included) until HDFS is out of safe mode and both NodeManagers are RUNNING.
Section script: \`bench/sections/10-cluster.sh\` ($RUNS warm runs, 1 cold run).

| measure | value |
|---|---|
| start, jars cached (median of $RUNS: $(printf '%.1f s ' "${warm[@]}")) | $(printf '%.1f' "$(median "${warm[@]}")") s |
| start, cold: empty Maven repository, $jar_mb MB of jars downloaded | $(printf '%.1f' "$cold") s |
| total RSS of the 5 daemons, 5 s after ready (median of $RUNS) | $(median "${rss[@]}") MiB (goal < 3072) |
MD
