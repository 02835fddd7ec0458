#!/bin/sh
# Runs every unit-test program, every CLI test script and every Python test
# file (through tests/python/run.sh), several at once (TEST_JOBS at a time;
# default twice the cores, as most scripts wait on files and child processes
# as much as they compute), each into a log of its own; then prints, test by
# test in a fixed order, what is not an "ok" line, adds up their
# "RESULT passed=N failed=N skipped=N" lines and prints the closing line
# "N passed, N failed, N skipped". Exit status 1 if anything failed. Each
# run's times go to BUILD_DIR/test-times, and the next run starts the
# longest tests first.
# Usage: sh tests/run.sh [BUILD_DIR]    (TEST_JOBS=1 runs them one by one)
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
cores=$(nproc 2> /dev/null || echo 1)
jobs=${TEST_JOBS:-$((cores * 2))}

tests=""
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] && [ -f "$t" ] && tests="$tests $t"
done
for t in tests/cli/test_*.sh tests/python/test_*.py; do
    [ -f "$t" ] && tests="$tests $t"
done
# Longest first: by the last run's times, else CLI scripts (by size) first.
times=$BUILD/test-times
# A test's name for its files: unit.NAME or cli.NAME (both kinds may share
# a NAME).
key() {
    case $1 in
        *.sh) echo "cli.$(basename "$1" .sh)" ;;
        *.py) echo "py.$(basename "$1" .py)" ;;
        *) echo "unit.$(basename "$1")" ;;
    esac
}
for t in $tests; do
    name=$(key "$t")
    ms=$( [ -f "$times" ] && awk -v n="$name" '$1 == n { print $2 }' "$times")
    [ -n "$ms" ] || case $t in *.sh|*.py) ms=$(wc -c < "$t") ;; *) ms=0 ;; esac
    echo "$ms $t"
done | sort -rn | cut -d' ' -f2 > "$TMPROOT/order"

# One test: its log, its exit status and its time in milliseconds.
one='t=$1; start=$(date +%s%N)
case $t in *.sh) name=cli.$(basename "$t" .sh) ;; *.py) name=py.$(basename "$t" .py) ;;
           *) name=unit.$(basename "$t") ;; esac
case $t in *.sh) sh "$t" ;; *.py) sh tests/python/run.sh "$t" ;; *) "$t" ;; esac > "$TMPROOT/$name.log" 2>&1
echo $? > "$TMPROOT/$name.rc"
echo "$name $((($(date +%s%N) - start) / 1000000))" > "$TMPROOT/$name.ms"'
xargs -P "$jobs" -n 1 sh -c "$one" sh < "$TMPROOT/order"
cat "$TMPROOT"/*.ms > "$times" 2> /dev/null

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
for t in $tests; do
    name=$(key "$t")
    case $t in *.py) shown="python $(basename "$t" .py)" ;; *) shown=$(basename "$t" .sh) ;; esac
    echo "== $shown"
    log="$TMPROOT/$name.log"
    [ -f "$log" ] || : > "$log"
    grep -v '^ok ' "$log" | grep -v '^RESULT' || true
    tally "$shown" "$log" "$(cat "$TMPROOT/$name.rc" 2> /dev/null || echo 1)"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
