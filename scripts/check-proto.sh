#!/usr/bin/env bash
# Fails (exit 1) when the checked-in yarnpb/*pb/*.pb.go files are not exactly
# what scripts/gen-proto.sh produces from yarnpb/**/*.proto. CI runs this.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

bash scripts/gen-proto.sh "$tmp"

list() { (cd "$1" && find yarnpb -path 'yarnpb/*pb/*.pb.go' -type f | LC_ALL=C sort); }

stale=()
while IFS= read -r f; do
  if [ ! -f "$root/$f" ]; then
    stale+=("$f (missing)")
  elif ! cmp -s "$tmp/$f" "$root/$f"; then
    stale+=("$f (differs)")
  fi
done < <(list "$tmp")
while IFS= read -r f; do
  [ -f "$tmp/$f" ] || stale+=("$f (no longer generated)")
done < <(list "$root")

if [ "${#stale[@]}" -ne 0 ]; then
  echo "check-proto: generated code is stale; run 'bash scripts/gen-proto.sh' and commit the result:" >&2
  printf '  %s\n' "${stale[@]}" >&2
  exit 1
fi
echo "check-proto: generated code is up to date"
