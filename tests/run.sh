#!/bin/sh
# Runs every unit-test program, every CLI test script and every Python test
# file (through tests/python/run.sh), several at once (TEST_JOBS at a time;
# default three times the cores: several scripts spend most of their time
# waiting on servers, windows and timeouts, and at twice the cores those
# left a core idle a third of the run), each into a log of its own; then
# prints, test by test in a fixed order, what is not an "ok" line, adds up their
# "RESULT passed=N failed=N skipped=N" lines and prints the closing line
# "N passed, N failed, N skipped". Exit status 1 if anything failed. Each
# run's times go to BUILD_DIR/test-times (NAME WALL_MS CPU_MS, CPU being
# the user and system time of the test and its children), and the next run
# starts the longest tests first.
# Usage: sh tests/run.sh [BUILD_DIR]    (TEST_JOBS=1 runs them one by one)
BUILD=${1:-build}
export BUILD
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top" || exit 2
BGSUB_BIN="$top/$BUILD/bgsub"
export BGSUB_BIN
# Scratch files under TMPDIR; when it is not set, in /dev/shm if that is a
# memory file system with 1 GB free (the suite holds some 250 MB of frames
# and masks at most, several tests at once), else /tmp: on a disk, creating
# and removing those files cost the kernel about 12 s of CPU a run, half
# the suite's system time.
scratch=${TMPDIR:-}
if [ -z "$scratch" ]; then
    scratch=/tmp
    shm_kb=$(df -Pk /dev/shm 2> /dev/null | awk 'NR == 2 && $1 == "tmpfs" { print $4 }')
    [ -n "$shm_kb" ] && [ "$shm_kb" -ge 1048576 ] && [ -w /dev/shm ] && scratch=/dev/shm
fi
TMPROOT=$(mktemp -d "$scratch/bgsub-tests.XXXXXX")
export TMPROOT
trap 'rm -rf "$TMPROOT"' EXIT INT TERM
# The scripts' helpers that run as python3 (JSON, sockets, PNG headers) run
# Debian's python3, PYTHON of the Makefile, as the Python tests do: a
# python3 found first in PATH may be a version manager's shim, a tree of
# shell processes at every call (some 60 ms of CPU each, over 100 calls a
# run).
py=${PYTHON:-/usr/bin/python3}
if [ -x "$py" ] && mkdir "$TMPROOT/bin" && ln -s "$py" "$TMPROOT/bin/python3"; then
    PATH="$TMPROOT/bin:$PATH"
    export PATH
fi
cores=$(nproc 2> /dev/null || echo 1)
jobs=${TEST_JOBS:-$((cores * 3))}

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
times > "$TMPROOT/$name.cpu" # (not in a pipe: a subshell has no children)
cpu=$(awk '"'"'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] } printf "%d", s * 1000 }'"'"' "$TMPROOT/$name.cpu")
echo "$name $((($(date +%s%N) - start) / 1000000)) $cpu" > "$TMPROOT/$name.ms"'
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
