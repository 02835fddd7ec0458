#!/bin/sh
# accuracy.sh - bgsub's accuracy in one table (`make accuracy`): every real
# sequence found under the CDnet folder and every synthetic scene kind, each
# run with the same options and scored by `bgsub eval` (F-measure, precision,
# recall), then the mean of the real sequences and of the synthetic kinds.
# The synthetic kinds also get what they are there to show
# (build/tools/scenecheck): how long a person who stands still stays
# foreground, how soon a ghost goes, the largest mask once the sun is out,
# the recall of an object covering 75% of the view, how soon a switched
# light is re-learnt.
#
#   sh tools/accuracy.sh [options] [-- BGSUB_OPTIONS...]
#   --build DIR     the build folder (default build, or $BUILD)
#   --data DIR      the CDnet sequences: every DIR/NAME/ with input/ and
#                   groundtruth/ (default ../shared/data/cdnet beside the
#                   repository); absent: said, and only synthetic scenes
#   --work DIR      scenes and masks (default BUILD/accuracy); scenes are
#                   made once per size, frames and seed, and kept
#   --size WxH      synthetic frame size (default 320x240)
#   --frames N      synthetic frames (default 600; "stop" gets 500 more for
#                   its 30 seconds of standing)
#   --learn N       synthetic frames before the scored ones (default 100)
#   --seed S        synthetic scene seed (default 1)
#   --kinds LIST    synthetic kinds, comma-separated (default all), or none
#   --real LIST     real sequences, comma-separated names (default all
#                   found), or none
# Options after -- go to every bgsub run (e.g. -- --shadows 0).
# Exit status: 0 done, 1 a run or a score failed, 2 bad arguments.
set -u

die() { echo "accuracy.sh: $1" >&2; exit "${2:-2}"; }

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=${BUILD:-build}
DATA=$top/../shared/data/cdnet
WORK= SIZE=320x240 FRAMES=600 SEED=1 LEARN=100
KINDS=street,shadows,light-switch,waving,noise,stop,ghost,sun,large-object,jitter
REAL=all

while [ $# -gt 0 ]; do
    case $1 in
        --build|--data|--work|--size|--frames|--learn|--seed|--kinds|--real)
            [ $# -ge 2 ] || die "$1 needs a value"
            case $1 in
                --build) BUILD=$2 ;; --data) DATA=$2 ;; --work) WORK=$2 ;;
                --size) SIZE=$2 ;; --frames) FRAMES=$2 ;; --seed) SEED=$2 ;;
                --learn) LEARN=$2 ;;
                --kinds) KINDS=$2 ;; --real) REAL=$2 ;;
            esac
            shift 2 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
B=$BUILD/bgsub SYNTH=$BUILD/tools/synth CHECK=$BUILD/tools/scenecheck
for tool in "$B" "$SYNTH" "$CHECK"; do
    [ -x "$tool" ] || die "$tool: not found (run make first)" 1
done
echo "$SIZE" | grep -Eq '^[0-9]+x[0-9]+$' || die "--size: expected WxH, got '$SIZE'"
case $FRAMES in ''|*[!0-9]*) die "--frames: expected a number, got '$FRAMES'" ;; esac
case $LEARN in ''|*[!0-9]*) die "--learn: expected a number, got '$LEARN'" ;; esac
[ -n "$WORK" ] || WORK=$BUILD/accuracy
mkdir -p "$WORK" || die "cannot create $WORK" 1
W=${SIZE%x*} H=${SIZE#*x}

# json_field FILE NAME: the number after "NAME": in bgsub eval's JSON.
json_field() { grep -o "\"$2\": [0-9.e+-]*" "$1" | head -n 1 | cut -d' ' -f2; }
# check_field FILE KEY: the values after KEY in scenecheck's output.
check_field() { awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$1"; }

status=0
rows=$WORK/rows.txt
: > "$rows"

# score NAME SEQ OUT GROUP: run bgsub on SEQ into OUT (with the options
# after --), score it and add a row (GROUP real or synthetic).
score() {
    name=$1 seq=$2 out=$3 group=$4
    rm -rf "$out"
    if ! "$B" -q --force ${BGSUB_OPTS:-} "$seq" -o "$out" > "$out.log" 2>&1; then
        echo "accuracy.sh: $name: bgsub failed: $(tail -n 1 "$out.log")" >&2
        status=1
        return 1
    fi
    if ! "$B" eval --json "$seq" "$out" > "$out.json" 2> "$out.err"; then
        echo "accuracy.sh: $name: eval failed: $(tail -n 1 "$out.err")" >&2
        status=1
        return 1
    fi
    printf '%s %s %s %s %s\n' "$group" "$name" "$(json_field "$out.json" f_measure)" \
        "$(json_field "$out.json" precision)" "$(json_field "$out.json" recall)" >> "$rows"
    return 0
}
BGSUB_OPTS="$*"

# --- real sequences ----------------------------------------------------------
if [ "$REAL" = none ]; then
    echo "accuracy.sh: real sequences left out (--real none)"
elif [ ! -d "$DATA" ]; then
    echo "accuracy.sh: $DATA: absent; real sequences skipped (synthetic scenes only)"
else
    found=0
    for seq in "$DATA"/*/; do
        seq=${seq%/}
        name=$(basename "$seq")
        [ -d "$seq/input" ] && [ -d "$seq/groundtruth" ] || continue
        if [ "$REAL" != all ] && ! echo ",$REAL," | grep -q ",$name,"; then continue; fi
        found=$((found + 1))
        score "cdnet/$name" "$seq" "$WORK/real-$name" real
    done
    [ "$found" -gt 0 ] || echo "accuracy.sh: no sequence folder under $DATA; real sequences skipped"
fi

# --- synthetic kinds ---------------------------------------------------------
notes=$WORK/notes.txt
: > "$notes"
for kind in $(echo "$KINDS" | tr ',' ' '); do
    [ "$kind" = none ] && break
    frames=$FRAMES
    [ "$kind" = stop ] && frames=$((FRAMES + 500))
    seq=$WORK/scenes/$kind-${W}x$H-$frames-$LEARN-$SEED
    if [ ! -f "$seq/scene.txt" ]; then
        rm -rf "$seq.tmp"
        if ! nice "$SYNTH" -o "$seq.tmp" --scene "$kind" --width "$W" --height "$H" \
                --frames "$frames" --learn "$LEARN" --seed "$SEED" > "$WORK/synth.log" 2>&1; then
            echo "accuracy.sh: $kind: synth failed: $(tail -n 1 "$WORK/synth.log")" >&2
            rm -rf "$seq.tmp"
            status=1
            continue
        fi
        mv "$seq.tmp" "$seq"
    fi
    out=$WORK/syn-$kind
    score "synthetic/$kind" "$seq" "$out" synthetic || continue
    "$CHECK" "$seq" "$out" > "$out.check" 2>&1 || { status=1; continue; }
    note=
    case $kind in
        stop) note="held $(check_field "$out.check" held_seconds) s of $(check_field "$out.check" stand_seconds) s standing" ;;
        ghost) note="ghost gone after $(check_field "$out.check" ghost_seconds) s" ;;
        sun) note="largest mask after the rise $(awk -v f="$(check_field "$out.check" max_foreground_after)" 'BEGIN { printf "%.2f %%", 100 * f }')" ;;
        large-object) note="recall in view $(check_field "$out.check" recall_in_view) (worst frame $(check_field "$out.check" min_frame_recall))" ;;
        light-switch) note="re-learnt after $(check_field "$out.check" relearn_seconds | sed 's/ / s, /g') s" ;;
    esac
    [ -n "$note" ] && printf 'synthetic/%s %s\n' "$kind" "$note" >> "$notes"
done

# --- the table ---------------------------------------------------------------
echo
printf '%s, options: %s\n' "$("$B" --version 2>/dev/null | head -n 1)" "${BGSUB_OPTS:-(defaults)}"
printf '%-24s %9s %9s %9s  %s\n' sequence F precision recall ""
for group in real synthetic; do
    awk -v g="$group" -v notes="$notes" '
        BEGIN { while ((getline line < notes) > 0) { split(line, a, " "); n = a[1];
                sub(/^[^ ]+ /, "", line); note[n] = line } }
        $1 == g { printf "%-24s %9.4f %9.4f %9.4f  %s\n", $2, $3, $4, $5, note[$2];
                  f += $3; p += $4; r += $5; k++ }
        END { if (k) printf "%-24s %9.4f %9.4f %9.4f\n", "mean (" g ", " k ")", f / k, p / k, r / k }
    ' "$rows"
done
exit "$status"
