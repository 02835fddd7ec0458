#!/bin/sh
# mutate.sh - mutation testing: does the test suite fail when the code is
# wrong? Each mutation in tools/mutations.txt (a small, deliberate bug) is
# applied to a scratch copy of the source tree, the copy is rebuilt, and
# the tests are run; a mutation the tests catch is "killed", one they miss
# "survives". The working tree is never changed.
#
# Cheap first: a mutation of the library (src/lib, include) is tried
# against the unit tests alone, and only if they all pass against the whole
# `make test`; any other mutation goes straight to `make test`.
#
# Usage: sh tools/mutate.sh [--list FILE] [--only ID[,ID...]] [--keep]
#   --list FILE   mutations (default tools/mutations.txt; format below)
#   --only IDS    run just these mutations
#   --keep        keep the scratch tree (its path is printed)
# Output: one line per mutation ("killed by unit tests", "killed by make
# test", "SURVIVED", "not applied: ..."), then the score. Exit status 0 when
# every applied mutation was killed, 1 if any survived or did not apply
# (the code it names has changed: the list needs mending), 2 bad usage.
#
# Format of the list: a mutation starts with "@@ ID" and has, in order,
#   file: PATH           the file to change (relative to the top)
#   why: TEXT            what the bug breaks
#   - LINE               the original text, one "- " line per line
#   + LINE               the mutated text, one "+ " line per line (none: the
#                        original is deleted)
# The original must occur exactly once in the file. Lines starting with "#"
# and blank lines between mutations are ignored.
set -u

die() { echo "mutate.sh: $1" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
LIST=$top/tools/mutations.txt ONLY="" KEEP=0
while [ $# -gt 0 ]; do
    case $1 in
        --list) [ $# -ge 2 ] || die "--list needs a file"; LIST=$2; shift 2 ;;
        --only) [ $# -ge 2 ] || die "--only needs mutation ids"; ONLY=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
[ -f "$LIST" ] || die "$LIST: no such file"
command -v perl > /dev/null || die "perl is needed to apply the mutations"

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/bgsub-mutate.XXXXXX") || die "cannot make a scratch folder"
[ "$KEEP" -eq 1 ] || trap 'rm -rf "$SCRATCH"' EXIT INT TERM
TREE=$SCRATCH/tree
mkdir -p "$TREE"
# The tree as it is now (uncommitted changes included), without builds.
(cd "$top" && tar cf - --exclude='./build*' --exclude=./.git --exclude=./demo-output .) |
    (cd "$TREE" && tar xf -) || die "cannot copy the tree"
# ../shared beside the copy, as beside the checkout (tests that need the
# real sequences find them; without it they skip as on a clean clone).
[ -d "$top/../shared" ] && ln -s "$top/../shared" "$SCRATCH/shared"
LOG=$SCRATCH/logs
mkdir -p "$LOG"

echo "mutate: building the unmutated copy in $SCRATCH"
if ! (cd "$TREE" && make -s -j2 all > "$LOG/base-build.log" 2>&1 &&
      make -s -j2 $(cd "$TREE" && ls tests/unit/test_*.c | sed 's|tests/unit/\(.*\)\.c|build/tests/\1|') \
        > "$LOG/base-tests.log" 2>&1); then
    tail -20 "$LOG/base-build.log" "$LOG/base-tests.log" >&2
    die "the unmutated tree does not build"
fi

# unit_tests: every unit-test program passes.
unit_tests() {
    for t in "$TREE"/build/tests/test_*; do
        [ -x "$t" ] || continue
        (cd "$TREE" && "$t") > "$1.unit" 2>&1 || return 1
    done
    return 0
}

killed=0 survived=0 broken=0 total=0
# run_one ID FILE WHY ORIG MUT
run_one() {
    id=$1 file=$2 why=$3
    total=$((total + 1))
    log=$LOG/$id
    target=$TREE/$file
    if [ ! -f "$target" ]; then
        echo "not applied: $id: $file does not exist"; broken=$((broken + 1)); return
    fi
    cp "$target" "$SCRATCH/original"
    ORIG=$4 MUT=$5 perl -0pi -e '
        BEGIN { $o = $ENV{ORIG}; $m = $ENV{MUT}; $n = 0 }
        $n = () = /\Q$o\E/g; s/\Q$o\E/$m/ if $n == 1;
        END { exit($n == 1 ? 0 : 3) }' "$target"
    if [ $? -ne 0 ]; then
        cp "$SCRATCH/original" "$target"
        echo "not applied: $id: the original text is not in $file exactly once"
        broken=$((broken + 1)); return
    fi
    verdict=""
    if ! (cd "$TREE" && make -s -j2 all $(ls tests/unit/test_*.c | sed 's|tests/unit/\(.*\)\.c|build/tests/\1|')) > "$log.build" 2>&1; then
        verdict="killed by the build"
    elif case $file in src/lib/*|include/*) true ;; *) false ;; esac && ! unit_tests "$log"; then
        verdict="killed by unit tests"
    elif ! (cd "$TREE" && make test) > "$log.test" 2>&1; then
        verdict="killed by make test ($(grep -c '^FAIL' "$log.test") failing checks)"
    fi
    cp "$SCRATCH/original" "$target"
    touch "$target" # the next build recompiles it
    if [ -n "$verdict" ]; then
        killed=$((killed + 1)); echo "killed:   $id: $verdict"
    else
        survived=$((survived + 1)); echo "SURVIVED: $id: $why ($file)"
    fi
}

# Parse the list and run each selected mutation.
awk '
    function flush() {
        if (id != "") printf "%s\034%s\034%s\034%s\034%s\035", id, file, why, orig, mut
        id = ""; file = ""; why = ""; orig = ""; mut = ""; no = 0; nm = 0
    }
    /^@@ / { flush(); id = substr($0, 4); next }
    /^file: / { file = substr($0, 7); next }
    /^why: / { why = substr($0, 6); next }
    /^- / || /^-$/ { orig = (no++ ? orig "\n" : "") substr($0, 3); next }
    /^\+ / || /^\+$/ { mut = (nm++ ? mut "\n" : "") substr($0, 3); next }
    END { flush() }' "$LIST" > "$SCRATCH/parsed"

# Records are separated by \035 and fields by \034 (neither occurs in code);
# a field may hold several lines, so each field is read with RS \035 too.
n=$(tr -cd '\035' < "$SCRATCH/parsed" | wc -c)
i=0
while [ $i -lt "$n" ]; do
    i=$((i + 1))
    rec=$(awk -v RS='\035' -v k="$i" 'NR == k { printf "%s", $0 }' "$SCRATCH/parsed")
    id=$(printf '%s' "$rec" | awk -v RS='\035' -F '\034' '{ printf "%s", $1 }')
    if [ -n "$ONLY" ] && ! printf ',%s,' "$ONLY" | grep -qF ",$id,"; then continue; fi
    file=$(printf '%s' "$rec" | awk -v RS='\035' -F '\034' '{ printf "%s", $2 }')
    why=$(printf '%s' "$rec" | awk -v RS='\035' -F '\034' '{ printf "%s", $3 }')
    orig=$(printf '%s' "$rec" | awk -v RS='\035' -F '\034' '{ printf "%s", $4 }')
    mut=$(printf '%s' "$rec" | awk -v RS='\035' -F '\034' '{ printf "%s", $5 }')
    run_one "$id" "$file" "$why" "$orig" "$mut"
done

applied=$((killed + survived))
score=0
[ "$applied" -gt 0 ] && score=$(awk -v k="$killed" -v a="$applied" 'BEGIN { printf "%.1f", 100 * k / a }')
echo "mutation score: $killed of $applied killed ($score %), $survived survived, $broken not applied"
[ "$KEEP" -eq 1 ] && echo "scratch tree kept: $SCRATCH"
[ "$survived" -eq 0 ] && [ "$broken" -eq 0 ]
