#!/usr/bin/env bash
# gotest.sh NAME GO_TEST_ARGS...: runs `go test` with live output, keeps the log under
# .cache/test-logs/NAME.log and always ends with the suite's summary line
# ("NAME: N passed, N failed, N skipped"). Exits non-zero when go test failed or ran no test.
set -uo pipefail
name=$1
shift
mkdir -p .cache/test-logs
log=.cache/test-logs/$name.log
# -v so every test is counted; the console skips the per-test RUN/PASS chatter (the log keeps it).
go test -v "$@" 2>&1 | tee "$log" | grep --line-buffered -vE '^\s*(=== (RUN|PAUSE|CONT|NAME)|--- PASS)'
rc=${PIPESTATUS[0]}
passed=$(grep -cE '^\s*--- PASS' "$log")
failed=$(grep -cE '^\s*--- FAIL' "$log")
skipped=$(grep -cE '^\s*--- SKIP' "$log")
# A package that failed to build or panicked has no --- FAIL line of its own.
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=$(grep -cE '^FAIL\s' "$log"); fi
echo "$name: $passed passed, $failed failed, $skipped skipped"
if [ "$rc" -ne 0 ]; then exit "$rc"; fi
if [ "$passed" -eq 0 ]; then
  echo "$name: no test ran" >&2
  exit 1
fi
