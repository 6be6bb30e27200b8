#!/usr/bin/env bash
# Runs a Catch2 test binary as two processes at once, split by source file, so a
# sanitizer build's single-threaded run uses both cores (make test-asan).
#
#   tools/run-test-shards.sh BINARY SPEC FILE...
#
# The first shard runs SPEC's tests from the named test files (test_simulate, ...),
# the second every other test SPEC selects: the second is the first's complement,
# so a test file added, renamed or removed is still run once. The named files
# only balance the two (they held half of the sanitizer run's time when chosen).
# Each shard's output is printed when both are done; the exit status fails if
# either shard failed.
set -uo pipefail
binary=$1 spec=$2
shift 2

first="" second="$spec"
for file in "$@"; do
  first+="${first:+,}[#$file]$spec"
  second+="~[#$file]"
done

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
"$binary" -# "$first" >"$logs/1" 2>&1 & one=$!
"$binary" -# "$second" >"$logs/2" 2>&1 & two=$!
wait $one; status_one=$?
wait $two; status_two=$?

echo "== shard 1: $first"; cat "$logs/1"
echo "== shard 2: $second"; cat "$logs/2"
[ $status_one -eq 0 ] && [ $status_two -eq 0 ]
