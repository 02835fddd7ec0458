#!/bin/sh
# Runs every unit-test program, every CLI test script and every Python test
# file (tests/python/run.sh), adds up their
# "RESULT passed=N failed=N skipped=N" lines and prints the closing line
# "N passed, N failed, N skipped". Exit status 1 if anything failed.
# Usage: sh tests/run.sh [BUILD_DIR]
BUILD=${1:-build}
export BUILD
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top" || exit 2
BGSUB_BIN="$top/$BUILD/bgsub"
export BGSUB_BIN
TMPROOT=$(mktemp -d "${TMPDIR:-/tmp}/bgsub-tests.XXXXXX")
export TMPROOT
trap 'rm -rf "$TMPROOT"' EXIT INT TERM

passed=0 failed=0 skipped=0
tally() { # $1 = name, $2 = log file, $3 = exit status
    line=$(grep '^RESULT ' "$2" | tail -n 1)
    if [ -z "$line" ]; then
        echo "FAIL $1: no RESULT line (exit status $3)"
        failed=$((failed + 1))
        return
    fi
    p=$(echo "$line" | sed 's/.*passed=\([0-9]*\).*/\1/')
    f=$(echo "$line" | sed 's/.*failed=\([0-9]*\).*/\1/')
    s=$(echo "$line" | sed 's/.*skipped=\([0-9]*\).*/\1/')
    if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    echo "== $name"
    log="$TMPROOT/$name.log"
    "$t" > "$log" 2>&1; rc=$?
    grep -v '^ok ' "$log" | grep -v '^RESULT' || true
    tally "$name" "$log" "$rc"
done
for t in tests/cli/test_*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    echo "== $name"
    log="$TMPROOT/$name.log"
    sh "$t" > "$log" 2>&1; rc=$?
    grep -v '^ok ' "$log" | grep -v '^RESULT' || true
    tally "$name" "$log" "$rc"
done
# Python tests (Debian's python3 and the module in $BUILD/python; each file
# skips, saying why, where they are missing).
for t in tests/python/test_*.py; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .py)
    echo "== python $name"
    log="$TMPROOT/py-$name.log"
    sh tests/python/run.sh "$t" > "$log" 2>&1; rc=$?
    grep -v '^ok ' "$log" | grep -v '^RESULT' || true
    tally "$name" "$log" "$rc"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
