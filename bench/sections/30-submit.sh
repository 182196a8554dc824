#!/usr/bin/env bash
# The product path with the real binary on the local cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(integration/cluster/cluster.sh up 2>/dev/null | grep '^export HADOOP_CONF_DIR=' | tail -n 1)"
make -s build >/dev/null
export ORCA_YARN_BIN=$PWD/bin/orca-yarn
cmd="go test -tags integration -run '^\$' -bench . -benchtime 3x -count 1 -timeout 30m ./bench/submit"
out=$(eval "$cmd" 2>&1) || { echo "$out" >&2; exit 1; }
metric() { awk -v b="$1" -v u="$2" 'index($1, b) == 1 { for (i = 2; i <= NF; i++) if ($i == u) print $(i-1) }' <<<"$out"; }
cat <<MD
## orca-yarn submit on the local cluster

\`$cmd\` (3 runs each; means). Containers of 256 MiB, 1 vcore; two NodeManagers on one 2-core
machine. The Skein and Spark-on-YARN columns of the issue are not measured yet.

| measure | value |
|---|---|
| submit → all 2 containers running the command | $(metric BenchmarkSubmitToAllRunning/nodes=2 s-to-all-running) s |
| submit → all 8 containers running the command | $(metric BenchmarkSubmitToAllRunning/nodes=8 s-to-all-running) s |
| one container printing 10k lines/s for 3 s: lines lost | $(metric BenchmarkOutputLines lines-lost) |
| container line → client latency, p50 / p99 | $(metric BenchmarkOutputLines p50-ms) / $(metric BenchmarkOutputLines p99-ms) ms (goal p99 ≤ 500) |
MD
