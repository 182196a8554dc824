#!/usr/bin/env bash
# orca-yarn pack against conda-pack on the ≥1 GB conda-style fixture (integration/pyenv/build.sh:
# CPython, conda-meta, noarch packages, ray, numpy and pyspark from PyPI), back to back, same gzip
# level, page cache warm (one untimed run of each first); the pack passes measured in-process
# (condapack.BenchmarkFixturePasses); the repack + upload of an unchanged env against the local
# cluster. Only the markdown goes to stdout; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${BENCH_PACK_RUNS:-3}
LEVEL=${BENCH_PACK_LEVEL:-1}
log() { echo "50-condapack: $*" >&2; }

eval "$(bash integration/pyenv/build.sh | grep '^export ')"
ENV=$ORCA_FIXTURE_CONDA
make -s build >/dev/null
BIN=${BENCH_ORCA_YARN:-$PWD/bin/orca-yarn} # another build of orca-yarn to measure, if set
if ! "$BIN" pack --help >/dev/null 2>&1; then
  printf '## orca-yarn pack against conda-pack\n\nNot measured: this build has no `orca-yarn pack` command.\n'
  exit 0
fi
# conda-pack 0.9.2 from PyPI, in the shared test venv (scripts/install-python.sh pins it).
venv=$(bash scripts/install-python.sh 2>/dev/null | tail -n 1)
CONDA_PACK=$venv/bin/conda-pack
"$CONDA_PACK" --version >/dev/null

out=$(mktemp -d /tmp/orca-bench-pack.XXXXXX)
trap 'rm -rf "$out"' EXIT
# measure CMD...: runs CMD with its stdout to $out/stdout and prints "wall_s peak_rss_mib rc cpu_s"
# (cpu: user + system time of the process and its children, steadier than wall on a shared machine).
measure() {
  python3 - "$@" <<'PY'
import os, resource, subprocess, sys, time
t = time.monotonic()
with open(os.environ["OUT"] + "/stdout", "wb") as f:
    rc = subprocess.call(sys.argv[1:], stdout=f, stderr=subprocess.DEVNULL)
wall = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %.0f %d %.3f" % (wall, ru.ru_maxrss / 1024, rc, ru.ru_utime + ru.ru_stime))
PY
}
export OUT=$out
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
maxof() { printf '%s\n' "$@" | sort -n | tail -n 1; }

env_bytes=$(find "$ENV" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f", s}')
env_files=$(find "$ENV" -type f | wc -l)
cp_cmd=("$CONDA_PACK" -p "$ENV" -o "$out/cp.tar.gz" --compress-level "$LEVEL" -j 2 --force -q)
oy_cmd=("$BIN" pack --env "$ENV" -o "$out/oy.tar.gz" --level "$LEVEL" --output json)

load=$(cut -d' ' -f1-3 /proc/loadavg)
log "warming the page cache"
"${cp_cmd[@]}" >/dev/null 2>&1 || { log "conda-pack failed on the fixture"; "${cp_cmd[@]}"; exit 1; }
"${oy_cmd[@]}" >/dev/null 2>&1
cp_wall=() cp_rss=() cp_cpu=() oy_wall=() oy_rss=() oy_cpu=() oy_json=()
for i in $(seq "$RUNS"); do
  log "run $i/$RUNS: conda-pack"
  read -r w r rc c < <(measure "${cp_cmd[@]}")
  [ "$rc" = 0 ] || { log "conda-pack exited $rc"; exit 1; }
  cp_wall+=("$w") cp_rss+=("$r") cp_cpu+=("$c")
  log "run $i/$RUNS: orca-yarn pack"
  read -r w r rc c < <(measure "${oy_cmd[@]}")
  [ "$rc" = 0 ] || { log "orca-yarn pack exited $rc"; exit 1; }
  oy_wall+=("$w") oy_rss+=("$r") oy_cpu+=("$c") oy_json+=("$(tail -n 1 "$out/stdout")")
done
cp_size=$(stat -c %s "$out/cp.tar.gz")
oy_size=$(stat -c %s "$out/oy.tar.gz")
cpw=$(median "${cp_wall[@]}") oyw=$(median "${oy_wall[@]}")
split=$(printf '%s\n' "${oy_json[@]}" | jq -rs 'sort_by(.read_ms + .compress_ms)[length/2|floor] |
  "walk \(.walk_ms) ms, read \(.read_ms) ms, compress \(.compress_ms) ms, write \(.write_ms) ms"')

log "in-process passes: go test -bench BenchmarkFixturePasses"
go_cmd="ORCA_BENCH_ENV=\$ORCA_FIXTURE_CONDA ORCA_BENCH_LEVEL=$LEVEL go test -run '^\$' -bench BenchmarkFixturePasses -benchtime ${RUNS}x -count 1 -timeout 30m ./condapack"
go_out=$(ORCA_BENCH_ENV=$ENV ORCA_BENCH_LEVEL=$LEVEL go test -run '^$' -bench BenchmarkFixturePasses -benchtime "${RUNS}x" -count 1 -timeout 30m ./condapack 2>&1) ||
  { echo "$go_out" >&2; exit 1; }
metric() { awk -v u="$1" '/^BenchmarkFixturePasses/ { for (i = 2; i <= NF; i++) if ($i == u) print $(i-1) }' <<<"$go_out"; }

# An unchanged env again: scan, find the archive in the HDFS env cache, nothing packed or sent.
reuse_note=""
reuse=()
if cluster=$(integration/cluster/cluster.sh up 2>/dev/null | grep '^export HADOOP_CONF_DIR=' | tail -n 1); then
  eval "$cluster"
  up_cmd=("$BIN" pack --env "$ENV" --upload --output json)
  log "filling the env cache: ${up_cmd[*]}"
  read -r first_w _ rc _ < <(measure "${up_cmd[@]}")
  [ "$rc" = 0 ] || { log "pack --upload exited $rc"; exit 1; }
  first_reused=$(tail -n 1 "$out/stdout" | jq -r .reused)
  for i in $(seq "$RUNS"); do
    read -r w _ rc _ < <(measure "${up_cmd[@]}")
    [ "$rc" = 0 ] && [ "$(tail -n 1 "$out/stdout" | jq -r .reused)" = true ] || { log "the second pack --upload did not reuse"; exit 1; }
    reuse+=("$w")
  done
else
  reuse_note="Not measured: the local cluster did not start."
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f×", a / b}'; }
mbs() { awk -v b="$env_bytes" -v s="$1" 'BEGIN {printf "%.0f MB/s", b / 1e6 / s}'; }
cat <<MD
## orca-yarn pack against conda-pack

The conda-style fixture of \`integration/pyenv/build.sh\`: $env_files files, $(awk -v b="$env_bytes" 'BEGIN {printf "%.2f GB", b/1e9}')
(CPython 3.11 split into conda packages, ray, numpy and pyspark pip-installed), at a 150-character prefix.
conda-pack $("$CONDA_PACK" --version | awk '{print $2}') from PyPI (\`conda-pack -p \$ENV -o OUT.tar.gz --compress-level $LEVEL -j 2 --force\`) and
\`orca-yarn pack --level $LEVEL\`, gzip level $LEVEL both, back to back, median of $RUNS runs each after one
untimed run of each (page cache warm). Wall, CPU time and peak RSS are the process's (\`getrusage\` of the
child); the load average when the runs started was $load (this machine is shared).

| measure | orca-yarn | conda-pack | orca-yarn vs conda-pack (goal) |
|---|---|---|---|
| pack, wall | $(printf '%.2f' "$oyw") s | $(printf '%.2f' "$cpw") s | $(ratio "$cpw" "$oyw") faster (≥ 4×) |
| throughput (env bytes / wall) | $(mbs "$oyw") | $(mbs "$cpw") | |
| CPU time, user + system | $(printf '%.2f' "$(median "${oy_cpu[@]}")") s | $(printf '%.2f' "$(median "${cp_cpu[@]}")") s | $(ratio "$(median "${cp_cpu[@]}")" "$(median "${oy_cpu[@]}")") less |
| archive | $((oy_size / 1000000)) MB | $((cp_size / 1000000)) MB | |
| peak RSS (max of $RUNS) | $(maxof "${oy_rss[@]}") MiB | $(maxof "${cp_rss[@]}") MiB | (≤ 200 MiB) |

orca-yarn's time split (median run): $split. The phases are the tar writer's waits; "write" is the
output file's writes and fsync, which overlap compression.

In one process (\`$go_cmd\`; best of $RUNS interleaved runs, with that run's CPU time):

| pass | wall | CPU (user + system) |
|---|---|---|
| read-only (the input side): scan + read + relocate + tar, no compression, to /dev/null | $(metric read-only-s) s | $(metric read-only-cpu-s) s |
| compress-only (the output side): the same tar stream from memory through the same parallel gzip to a synced file | $(metric compress-only-s) s | $(metric compress-only-cpu-s) s |
| pack: scan + read + relocate + tar + gzip to a synced file | $(metric pack-s) s | $(metric pack-cpu-s) s |
| pack / max(read-only, compress-only), wall | $(metric wall-over-max-pass) (goal ≤ 1.2) | |

What parallelism buys on this 2-core machine: compression takes most of the CPU (gzip level $LEVEL runs at
roughly 200-230 MB/s per core) and reading a warm page cache takes the rest (four syscalls and a copy per
file, $env_files files), so the two passes compete for the same two cores, and a pipeline cannot beat
about (compress CPU + read CPU) / 2 (the CPU column), some 1.2-1.3× the compress-only pass here; the ratio
comes closer to 1 when either side waits on a device instead (a cold cache, a slow disk). The parallel
gzip is what uses both cores; the parallel readers matter with a cold cache, where reads wait on latency. Go's
scheduler has no idle processor during a pack (GODEBUG=schedtrace): wall time above CPU / 2 is other
work on this shared machine, which moves every figure here by ±30 % between runs.
MD
if [ -n "$reuse_note" ]; then
  printf '\nUnchanged env, `orca-yarn pack --upload`: %s\n' "$reuse_note"
else
  cat <<MD

Unchanged env, second \`orca-yarn pack --env \$ENV --upload\` against the local cluster (scan the env, find
its archive in the HDFS env cache, nothing packed or uploaded; the whole process): median
$(printf '%.2f' "$(median "${reuse[@]}")") s of $RUNS (goal ≤ 1 s). The first run took $(printf '%.1f' "$first_w") s ($([ "$first_reused" = true ] &&
  echo "the cache already held this archive from an earlier run" || echo "it packed and uploaded the archive")).
MD
fi
