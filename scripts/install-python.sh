#!/usr/bin/env bash
# install-python.sh: creates (or reuses) the Python venv that the Ray/Spark tests and helpers use,
# at .cache/venv-py, with the pinned packages below. Idempotent and quick when the venv is already
# at these pins (a stamp file holds the hash of the pin list and the interpreter). Progress goes to
# stderr; the last line of stdout is the venv's path.
#
#   ORCA_VENV_PY=DIR   use another venv directory
#   PIP's own cache (~/.cache/pip, or PIP_CACHE_DIR) is used, so a re-create is fast.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${ORCA_VENV_PY:-$repo/.cache/venv-py}

# Exact pins. ray 2.60.0 is the newest 2.x with a cp311 manylinux wheel; pyspark 4.x needs Java 17;
# pandas stays on 2.x because pyspark 4.3 warns that it does not fully support pandas 3.
pins=(
  'ray[default]==2.60.0'
  'pyspark==4.3.0'
  'numpy==2.4.6'
  'pandas==2.3.3'
  'pyarrow==26.0.1'
  'pytest==9.2.0'
  'conda-pack==0.9.2'
)

log() { echo "install-python: $*" >&2; }

base=/root/.pyenv/versions/3.11.7/bin/python
if [ ! -x "$base" ]; then
  base=$(command -v python3 || true)
fi
if [ -z "$base" ]; then
  log "no python3 found (wanted /root/.pyenv/versions/3.11.7/bin/python)"
  exit 1
fi

want=$( { "$base" -c 'import sys; print(sys.version)'; printf '%s\n' "${pins[@]}"; } | sha256sum | cut -d' ' -f1)
stamp=$venv/.orca-pins
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "$venv"
  exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
  log "creating $venv from $base"
  mkdir -p "$(dirname "$venv")"
  "$base" -m venv "$venv" >&2
fi
log "installing ${pins[*]}"
"$venv/bin/python" -m pip install -q --upgrade pip >&2
"$venv/bin/python" -m pip install -q "${pins[@]}" >&2
"$venv/bin/python" -c 'import ray, pyspark, numpy, pandas, pyarrow, pytest, conda_pack' >&2
echo "$want" >"$stamp"
log "ready"
echo "$venv"
