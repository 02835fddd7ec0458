#!/bin/sh
# scenes.sh - builds a small benchmark tree of synthetic scenes with exact
# ground truth, laid out like ChangeDetection.net (CATEGORY/SEQUENCE/):
#
#   DATASET/synthetic/street/        the plain street (tools/synth.c)
#   DATASET/synthetic/shadows/       + cast shadows (labelled 50)
#   DATASET/synthetic/light-switch/  + two abrupt light changes
#   DATASET/synthetic/waving/        + a swaying tree (background)
#   DATASET/synthetic/noise/         + a noisy camera
#   DATASET/synthetic/stop/          + a person who stands still 30 s
#   DATASET/synthetic/ghost/         + a car parked from the start leaves
#   DATASET/synthetic/sun/           + the sun comes out on half the view
#   DATASET/synthetic/large-object/  + a box covering 75% of the view
#   DATASET/synthetic/jitter/        + a camera shaking by up to 2 pixels
#   DATASET/baseline/highway         with --highway: a link to CDnet's highway
#
# Each sequence holds input/, groundtruth/, ROI.bmp, temporalROI.txt and
# scene.txt (see `synth --help`). A sequence is written to a temporary
# folder and then moved into place, so a tree never mixes frames of two
# runs. tools/sweep.sh scores parameter settings on such a tree.
#
# Usage: sh tools/scenes.sh [options] DATASET
#   --size WxH      frame size (default 320x240)
#   --frames N      frames per sequence (default 600: bgsub learns at the
#                   rate max(alpha, 1/n) at frame n, so a scene of n frames
#                   cannot tell apart alphas below 1/n)
#   --learn N       learning frames, not scored (default 100)
#   --seed S        scene seed (default 1)
#   --kinds LIST    comma-separated scene kinds (default: the first five;
#                   "all" for all ten)
#   --highway       also link ../shared/data/cdnet/highway (beside the
#                   repository) as DATASET/baseline/highway; --highway=DIR
#                   links DIR instead. Skipped with a note if it is absent.
#   --jobs N        scenes generated at once (default 2)
#   --synth PATH    the generator (default $BUILD/tools/synth, BUILD=build)
# Exit status: 0 done, 1 a scene could not be written, 2 bad arguments.
set -u

die() { echo "scenes.sh: $1" >&2; exit "${2:-2}"; }

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
SYNTH=$top/${BUILD:-build}/tools/synth
SIZE=320x240 FRAMES=600 LEARN=100 SEED=1 JOBS=2
KINDS=street,shadows,light-switch,waving,noise
HIGHWAY= DATASET=

while [ $# -gt 0 ]; do
    case $1 in
        --size|--frames|--learn|--seed|--kinds|--jobs|--synth)
            [ $# -ge 2 ] || die "$1 needs a value"
            case $1 in
                --size) SIZE=$2 ;; --frames) FRAMES=$2 ;; --learn) LEARN=$2 ;;
                --seed) SEED=$2 ;; --kinds) KINDS=$2 ;; --jobs) JOBS=$2 ;;
                --synth) SYNTH=$2 ;;
            esac
            shift 2 ;;
        --highway) HIGHWAY=$top/../shared/data/cdnet/highway; shift ;;
        --highway=*) HIGHWAY=${1#--highway=}; shift ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) [ -z "$DATASET" ] || die "only one DATASET folder, got '$DATASET' and '$1'"
           DATASET=$1; shift ;;
    esac
done
[ -n "$DATASET" ] || die "no DATASET folder given (see --help)"
echo "$SIZE" | grep -Eq '^[0-9]+x[0-9]+$' || die "--size: expected WxH, got '$SIZE'"
case $JOBS in ''|*[!0-9]*|0) die "--jobs: expected a positive integer, got '$JOBS'" ;; esac
[ -x "$SYNTH" ] || die "$SYNTH: not found (run make first, or give --synth)" 1
W=${SIZE%x*} H=${SIZE#*x}

[ "$KINDS" = all ] && KINDS=street,shadows,light-switch,waving,noise,stop,ghost,sun,large-object,jitter
for kind in $(echo "$KINDS" | tr ',' ' '); do
    case $kind in street|shadows|light-switch|waving|noise|stop|ghost|sun|large-object|jitter) ;;
        *) die "--kinds: unknown scene kind '$kind' (street, shadows, light-switch, waving, noise, stop, ghost, sun, large-object, jitter)" ;;
    esac
done
mkdir -p "$DATASET/synthetic" || die "cannot create $DATASET/synthetic" 1

# One scene: generated beside its final place, then swapped in.
gen_one() {
    dest=$DATASET/synthetic/$1 tmp=$DATASET/synthetic/.$1.tmp
    rm -rf "$tmp"
    if nice "$SYNTH" -o "$tmp" --scene "$1" --width "$W" --height "$H" \
           --frames "$FRAMES" --learn "$LEARN" --seed "$SEED" > "$tmp.log" 2>&1; then
        rm -rf "$dest" && mv "$tmp" "$dest" && rm -f "$tmp.log" && echo "scenes.sh: $dest"
    else
        echo "scenes.sh: $1: $(tail -n 1 "$tmp.log")" >&2
        rm -rf "$tmp" "$tmp.log"
        : > "$DATASET/synthetic/.$1.failed"
    fi
}

# At most JOBS generators at once: start a batch, wait for it. (A bare
# `wait` gives no job's status, so a failed one leaves a marker file.)
status=0 running=0
for kind in $(echo "$KINDS" | tr ',' ' '); do
    rm -f "$DATASET/synthetic/.$kind.failed"
    gen_one "$kind" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait
        running=0
    fi
done
wait
for kind in $(echo "$KINDS" | tr ',' ' '); do
    if [ -e "$DATASET/synthetic/.$kind.failed" ]; then
        rm -f "$DATASET/synthetic/.$kind.failed"
        status=1
    fi
done

if [ -n "$HIGHWAY" ]; then
    if [ -d "$HIGHWAY/input" ] && [ -d "$HIGHWAY/groundtruth" ]; then
        mkdir -p "$DATASET/baseline" && rm -f "$DATASET/baseline/highway" &&
            ln -s "$(cd "$HIGHWAY" && pwd)" "$DATASET/baseline/highway" &&
            echo "scenes.sh: $DATASET/baseline/highway -> $HIGHWAY" || status=1
    else
        echo "scenes.sh: $HIGHWAY: not a CDnet sequence folder; highway left out" >&2
    fi
fi
[ "$status" -eq 0 ] || echo "scenes.sh: some scenes were not written" >&2
exit "$status"
