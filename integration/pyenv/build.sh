#!/usr/bin/env bash
# integration/pyenv/build.sh: builds (or reuses) the Python env fixtures that condapack is tested and
# benchmarked on, and prints, as its last lines, the exports a caller evals:
#
#   ORCA_FIXTURE_CONDA  a conda-style env at a long path (make_fixture.py: a CPython prefix with $ORIGIN
#                       RPATHs split into conda packages with conda-meta records and a package cache,
#                       noarch packages with console scripts, a gcc-built probe with the placeholder
#                       compiled in), plus ray, numpy and pyspark pip-installed from PyPI (unmanaged)
#   ORCA_FIXTURE_VENV   a `python -m venv` at a long path whose base interpreter lives outside it
#                       (pyenv, absolute RUNPATH), with numpy pip-installed
#   ORCA_FIXTURE_HIDE   colon-separated directories a relocation check must hide: every original path
#
# Needs: the pyenv CPython $ORCA_FIXTURE_PYTHON (default /root/.pyenv/versions/3.11.7), gcc, patchelf
# and, the first time only, PyPI (wheels are kept in .cache/pyenv-fixture/wheels). The fixtures live
# in .cache/pyenv-fixture/<key>/, key = hash of this recipe (both scripts, the pins, the source
# interpreter); a rebuild happens only when the recipe changes. Progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
SRC=${ORCA_FIXTURE_PYTHON:-/root/.pyenv/versions/3.11.7}
# Pins: Ray 2.60.0 is the newest Ray with a cp311 manylinux wheel on PyPI when this was written.
PINS=("ray==2.60.0" "numpy==2.4.6" "pyspark==4.3.0")
VENV_PINS=("numpy==2.4.6" "msgpack==1.2.4")
# Long prefixes (conda's 127-byte shebang limit is exceeded, pip writes its /bin/sh trampoline)
# that are still shorter than the 255-byte conda-build placeholder.
PREFIX_LEN=150
log() { echo "pyenv-fixture: $*" >&2; }

for tool in gcc patchelf; do
  command -v $tool >/dev/null || { log "$tool is missing: apt-get install -y $tool"; exit 1; }
done
[ -x "$SRC/bin/python3" ] || { log "no interpreter at $SRC (set ORCA_FIXTURE_PYTHON)"; exit 1; }

base=$repo/.cache/pyenv-fixture
mkdir -p "$base"
key=$( { cat "$here/make_fixture.py" "$here/build.sh"; echo "$SRC ${PINS[*]} ${VENV_PINS[*]} $PREFIX_LEN";
  stat -c '%s %Y' "$SRC/bin/python3"; } | sha256sum | cut -c1-12)
root=$base/$key

# long_path DIR NAME: DIR/<nested padding>/NAME, PREFIX_LEN characters in all.
long_path() {
  local p=$1/a-rather-long/directory/tree/like/a/shared/filesystem
  local pad=$((PREFIX_LEN - ${#p} - ${#2} - 2))
  [ $pad -ge 1 ] || { log "$1 is too long for a $PREFIX_LEN-character prefix"; exit 1; }
  printf '%s/%s/%s' "$p" "$(printf 'p%.0s' $(seq $pad))" "$2"
}
conda_env=$(long_path "$root/envs" env)
venv=$(long_path "$root/venvs" venv)

exec 9>"$base/.lock"
flock 9
if [ ! -f "$root/.done" ]; then
  rm -rf "$root"
  mkdir -p "$root"
  wheels=$base/wheels
  if ! ls "$wheels"/ray-2.60.0-*.whl "$wheels"/numpy-2.4.6-*.whl "$wheels"/pyspark-4.3.0-*.whl >/dev/null 2>&1; then
    log "downloading wheels into $wheels (once)"
    "$SRC/bin/python3" -m pip wheel -q -w "$wheels" "${PINS[@]}" "${VENV_PINS[@]}" >&2
  fi
  log "building the conda-style env at $conda_env"
  "$SRC/bin/python3" "$here/make_fixture.py" --src "$SRC" --prefix "$conda_env" --pkgs "$root/pkgs" \
    --work "$root/work" >&2
  log "pip install ${PINS[*]} into it"
  "$conda_env/bin/python" -m pip install -q --no-index --find-links "$wheels" --no-warn-script-location "${PINS[@]}" >&2
  log "building the venv at $venv"
  "$SRC/bin/python3" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --no-index --find-links "$wheels" "${VENV_PINS[@]}" >&2
  rm -rf "$root/work"
  touch "$root/.done"
  log "done: $(du -sh "$conda_env" | cut -f1) conda env, $(du -sh "$venv" | cut -f1) venv"
fi
flock -u 9

echo "export ORCA_FIXTURE_CONDA=$conda_env"
echo "export ORCA_FIXTURE_VENV=$venv"
echo "export ORCA_FIXTURE_HIDE=$root:$(dirname "$SRC")"
