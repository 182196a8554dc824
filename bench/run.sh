#!/usr/bin/env bash
# bench/run.sh: runs every benchmark section and rewrites docs/benchmarks.md with the results,
# the command that produced them and the machine they ran on. `make bench` calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/benchmarks.md
tmp=$(mktemp)
{
  echo "# Benchmarks"
  echo
  echo "Produced by \`make bench\` (bench/run.sh) on $(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM,"
  echo "$(. /etc/os-release && echo "$PRETTY_NAME"), $(go version | awk '{print $3}'), $(java -version 2>&1 | head -1)."
  echo "Every figure below comes from that one run; rerun \`make bench\` to refresh them all."
  for section in bench/sections/*.sh; do
    echo
    bash "$section"
  done
} >"$tmp"
mv "$tmp" "$out"
echo "bench: wrote $out"
