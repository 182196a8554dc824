#!/usr/bin/env bash
# Our RPC stack against the real RM of the local cluster (started or reused).
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(integration/cluster/cluster.sh up 2>/dev/null | grep '^export HADOOP_CONF_DIR=' | tail -n 1)"
cmd="go test -tags integration -run '^\$' -bench . -benchtime 3x -count 1 ./bench/rpc"
out=$(eval "$cmd" 2>&1) || { echo "$out" >&2; exit 1; }
metric() { # metric BENCHMARK UNIT: the value reported for UNIT on the benchmark's line
  awk -v b="$1" -v u="$2" '$1 ~ "^"b { for (i = 2; i <= NF; i++) if ($i == u) print $(i-1) }' <<<"$out"
}
cat <<MD
## Hadoop RPC against the real ResourceManager

\`$cmd\` (3 iterations each: the allocate percentiles are means over 3 applications, the call rate is over all 3 rounds).
The allocate figures are measured inside an AM container by \`integration/testam\` (bench mode: 500
back-to-back empty allocate calls over its DIGEST-MD5 connection to the RM scheduler, 8030).

| measure | value |
|---|---|
| allocate round trip, p50 | $(metric BenchmarkAllocateRoundTrip p50-ms) ms |
| allocate round trip, p99 | $(metric BenchmarkAllocateRoundTrip p99-ms) ms |
| one connection, 32 concurrent callers, getClusterMetrics | $(metric BenchmarkOneConnection32Callers calls/s) calls/s |
MD
