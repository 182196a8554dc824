#!/usr/bin/env bash
# An Orca-style program (Spark, then Ray on it), num_nodes=2: init_orca_context -> both engines
# ready and YARN memory-seconds, one gang (the default) against two applications
# (colocate_spark=False), alternating, same cluster (bench/orca/engines.py). Markdown to stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${BENCH_ENGINES_RUNS:-3} MEMORY=${BENCH_ENGINES_MEMORY:-4g}
export PYTHONDONTWRITEBYTECODE=1 # a .pyc in the env would change its content key and repack it
eval "$(integration/cluster/cluster.sh up 2>/dev/null | grep '^export HADOOP_CONF_DIR=' | tail -n 1)"
make -s build >/dev/null
venv=$(bash scripts/install-python.sh 2>/dev/null | tail -n 1)
"$venv/bin/python" -m pip install --quiet --no-deps --force-reinstall ./python >&2
export ORCA_YARN_BIN=$PWD/bin/orca-yarn
cmd="bench/orca/engines.py --runs $RUNS --memory $MEMORY"
echo "70-orca-engines: python $cmd" >&2
json=$("$venv/bin/python" bench/orca/engines.py --runs "$RUNS" --memory "$MEMORY") || true
jq -e . >/dev/null 2>&1 <<<"$json" || json='{}'
echo "$json" >&2
q() { jq -r "$1 // empty" <<<"$json"; }
f1() { [ -n "$1" ] && printf '%.1f' "$1" || echo "–"; }
row() {
  local p=$1 name=$2
  local runs
  runs=$(jq -r --arg p "$p" '[.[$p].runs // [] | .[] | if .ready then (.ready * 10 | round / 10 | tostring) else "✗" end] | join(" / ")' <<<"$json")
  echo "| $name | $(q ".\"$p\".apps") | $(f1 "$(q ".\"$p\".median_ready")") s ($runs) | $(f1 "$(q ".\"$p\".median_memory_gb_s")") | $(f1 "$(q ".\"$p\".median_vcore_s")") | $(q ".\"$p\".failed") |"
}
ratio() { awk -v a="$(q ".gang.$1")" -v b="$(q ".\"two-apps\".$1")" 'BEGIN { if (a > 0 && b > 0) printf "%.2f×", a / b; else print "–" }'; }
cat <<MD
## Orca program (Spark, then Ray on it), num_nodes=2: one gang against two applications

\`init_orca_context("yarn-client", num_nodes=2, cores=2, memory="$MEMORY", init_ray_on_spark=True)\`, then a
Spark job on every executor and a Ray task ("ready"), then \`stop_orca_context()\`. The gang (the default)
runs Spark's standalone master and workers beside Ray's nodes in one YARN application; \`colocate_spark=False\`
is the earlier path: a Ray application, then Spark on YARN as a second one. YARN memory- and vcore-seconds are
the RM's, summed over the session's applications (the whole session: start, use, stop). Warm env cache and
localization (one untimed run of each first), then $RUNS rounds in alternating order.

| path | YARN apps | init → both ready, median (runs) | memory GB·s | vcore·s | failed |
|---|---|---|---|---|---|
$(row gang "one gang (default)")
$(row two-apps "two applications")

Gang / two applications: ready $(ratio median_ready), memory-seconds $(ratio median_memory_gb_s).
Command: \`bash bench/sections/70-orca-engines.sh\` (\`python $cmd\` with \`HADOOP_CONF_DIR\` of the local cluster).
MD
