# lib.sh - helpers for the CLI tests (sourced). Each test script calls the
# check_* functions and ends with `finish`, which prints the RESULT line.
# Environment from tests/run.sh: BGSUB_BIN, BUILD, TMPROOT.
: "${BUILD:=build}"
: "${BGSUB_BIN:=$(pwd)/$BUILD/bgsub}"
T_PASSED=0 T_FAILED=0 T_SKIPPED=0
WORK=$(mktemp -d "${TMPROOT:-/tmp}/cli.XXXXXX")

ok()   { T_PASSED=$((T_PASSED + 1)); echo "ok   $1"; }
fail() { T_FAILED=$((T_FAILED + 1)); echo "FAIL $1"; shift; for l in "$@"; do echo "  $l"; done; }
skip() { T_SKIPPED=$((T_SKIPPED + 1)); echo "skip $1: $2"; }

# run CMD...: runs with stdout/stderr captured into $OUT / $ERR and status $RC.
run() {
    "$@" > "$WORK/stdout" 2> "$WORK/stderr"
    RC=$?
    OUT=$(cat "$WORK/stdout"); ERR=$(cat "$WORK/stderr")
}

# expect_status NAME STATUS CMD... : the command exits with STATUS.
expect_status() {
    name=$1 want=$2; shift 2
    run "$@"
    if [ "$RC" -eq "$want" ]; then ok "$name"; else
        fail "$name" "exit status $RC, expected $want" "stderr: $ERR"; fi
}

# expect_error NAME STATUS REGEX CMD... : exits with STATUS, prints exactly one
# line on stderr, matching REGEX (grep -E), and nothing on stdout.
expect_error() {
    name=$1 want=$2 re=$3; shift 3
    run "$@"
    lines=$(printf '%s\n' "$ERR" | grep -c .)
    if [ "$RC" -ne "$want" ]; then
        fail "$name" "exit status $RC, expected $want" "stderr: $ERR"
    elif [ "$lines" -ne 1 ]; then
        fail "$name" "expected one line on stderr, got $lines:" "$ERR"
    elif ! printf '%s\n' "$ERR" | grep -Eq -- "$re"; then
        fail "$name" "stderr does not match /$re/:" "$ERR"
    else ok "$name"; fi
}

finish() {
    echo "RESULT passed=$T_PASSED failed=$T_FAILED skipped=$T_SKIPPED"
    rm -rf "$WORK"
    [ "$T_FAILED" -eq 0 ]
}
