#!/usr/bin/env bash
# gotest.sh NAME GO_TEST_ARGS...: runs `go test` with live output, keeps the log under
# .cache/test-logs/NAME.log and always ends with the suite's summary line
# ("NAME: N passed, N failed, N skipped"). Exits non-zero when go test failed or ran no test.
set -uo pipefail
name=$1
shift
mkdir -p .cache/test-logs
log=.cache/test-logs/$name.log
go test "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(grep -cE '^\s*--- PASS' "$log")
failed=$(grep -cE '^\s*--- FAIL' "$log")
skipped=$(grep -cE '^\s*--- SKIP' "$log")
# Without -v go test prints no per-test lines: count packages instead.
if [ $((passed + failed + skipped)) -eq 0 ]; then
  passed=$(grep -cE '^ok ' "$log")
  failed=$(grep -cE '^(FAIL|---)\s' "$log")
fi
echo "$name: $passed passed, $failed failed, $skipped skipped"
if [ "$rc" -ne 0 ]; then exit "$rc"; fi
if [ "$passed" -eq 0 ]; then
  echo "$name: no test ran" >&2
  exit 1
fi
