#!/usr/bin/env bash
# python/run-tests.sh [PYTEST_ARGS...]: builds the orca-yarn wheel (which compiles the Go binary into
# it), installs it into the project's Python venv (scripts/install-python.sh, .cache/venv-py) and runs
# the Python tests against the *installed* package: the tests run from a copy outside the source
# tree, so `import orca_yarn` cannot pick up python/orca_yarn by accident.
#
# Local-mode tests always run (real Ray and PySpark). YARN tests need HADOOP_CONF_DIR (Spark on YARN)
# and ORCA_YARN_BIN (init_orca_context on YARN); without them they skip, unless ORCA_REQUIRE_CLUSTER=1.
# The log is kept in .cache/test-logs/python.log; the last line is "python: N passed, N failed, N skipped".
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=$("$repo/scripts/install-python.sh" | tail -n 1)
py=$venv/bin/python
dist=$repo/.cache/python-dist
logs=$repo/.cache/test-logs
mkdir -p "$logs"

rm -rf "$dist"
"$py" -m pip wheel --no-deps --quiet --wheel-dir "$dist" "$repo/python"
# Reinstall only a changed wheel: the installed package is part of the env that orca-yarn packs, and
# an unchanged env is reused from the HDFS cache instead of being packed and uploaded again.
wheel=$(ls "$dist"/orca_yarn-*.whl)
stamp=$venv/.orca-yarn-wheel
sum=$(sha256sum "$wheel" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ] || ! "$py" -c 'import orca_yarn' 2>/dev/null; then
  "$py" -m pip install --quiet --force-reinstall --no-deps "$wheel"
  echo "$sum" >"$stamp"
  echo "python: installed $(basename "$wheel") into $venv" >&2
else
  echo "python: $(basename "$wheel") unchanged in $venv" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/orca-py-tests.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r "$repo/python/tests" "$work/tests"
cp "$repo/python/pyproject.toml" "$work/"

cd "$work"
set +e
ORCA_TEST_INSTALLED=1 "$py" -m pytest -p no:cacheprovider -rs "$@" tests 2>&1 | tee "$logs/python.log"
rc=${PIPESTATUS[0]}
set -e
summary=$(tail -n 1 "$logs/python.log")
n() { local v; v=$(grep -oE "[0-9]+ $1" <<<"$summary" | head -n 1 | cut -d' ' -f1); echo "${v:-0}"; }
echo "python: $(n passed) passed, $(( $(n failed) + $(n error) )) failed, $(n skipped) skipped"
exit "$rc"
