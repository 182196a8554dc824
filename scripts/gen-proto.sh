#!/usr/bin/env bash
# Regenerates the Go code in yarnpb/ from our own .proto subset.
#
#   bash scripts/gen-proto.sh            # write into the work tree
#   bash scripts/gen-proto.sh OUT_DIR    # write into OUT_DIR instead (same layout)
#
# Pinned tools, so the output is byte-for-byte reproducible:
#   protoc         Debian 12 package protobuf-compiler 3.21.12 (installed here if missing)
#   protoc-gen-go  the `tool` directive in go.mod (google.golang.org/protobuf v1.36.12)
set -euo pipefail

PROTOC_WANT="libprotoc 3.21.12"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root}"
cd "$root"

if ! command -v protoc >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "gen-proto: protoc not found; install Debian 12's protobuf-compiler ($PROTOC_WANT)" >&2
    exit 1
  fi
  echo "gen-proto: installing protobuf-compiler with apt-get" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >&2
fi

have="$(protoc --version)"
if [ "$have" != "$PROTOC_WANT" ]; then
  echo "gen-proto: protoc is '$have' but the generated code is pinned to '$PROTOC_WANT'" >&2
  echo "gen-proto: (Debian 12 package protobuf-compiler); refusing to generate" >&2
  exit 1
fi

plugin="$(go tool -n protoc-gen-go)"

module="github.com/orca-yarn/orca-yarn"

# Each .proto's go_package decides its output dir (module= strips the module
# path), e.g. yarnpb/common/security.proto -> yarnpb/commonpb/security.pb.go.
for d in commonpb yarnpb; do
  mkdir -p "$out/yarnpb/$d"
  rm -f "$out/yarnpb/$d"/*.pb.go
done

# Sorted, explicit file list so the result never depends on glob order.
mapfile -t files < <(cd yarnpb && find . -name '*.proto' -printf '%P\n' | LC_ALL=C sort)
(cd yarnpb && protoc -I . \
  --plugin=protoc-gen-go="$plugin" \
  --go_out="$out" --go_opt=module="$module" \
  "${files[@]}")
