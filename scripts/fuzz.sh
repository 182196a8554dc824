#!/usr/bin/env bash
# fuzz.sh BUDGET: runs every Fuzz target of the module (go test allows one target per run) for
# BUDGET each: a duration ("30s": `make fuzz`) or an input count ("3000x": the smoke in `make test`).
# The smoke counts inputs rather than seconds: on a loaded 2-core machine a 3 s budget can run out
# while go is still replaying the seed corpus, which it reports as a failure.
set -euo pipefail
budget=${1:-30s}
count=0
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "fuzz: $pkg $target ($budget)"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$budget" -fuzzminimizetime=5s "$pkg"
    count=$((count + 1))
  done
done
echo "fuzz: $count passed, 0 failed"
