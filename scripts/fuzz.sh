#!/usr/bin/env bash
# fuzz.sh SECONDS: runs every Fuzz target of the module for SECONDS each (go test allows one target
# per run). `make fuzz` gives each 30 s or more; `make test` runs a short smoke of each.
set -euo pipefail
secs=${1:-30}
count=0
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "fuzz: $pkg $target (${secs}s)"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="${secs}s" "$pkg"
    count=$((count + 1))
  done
done
echo "fuzz: $count passed, 0 failed"
