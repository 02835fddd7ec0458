#!/bin/sh
# demo.sh - `make demo`: run bgsub on the bundled sample video, score the
# masks against the sample's ground truth, and say where everything is.
set -e
BUILD=${1:-build}
OUT=demo-output
rm -rf "$OUT"
echo "== bgsub samples/sample.mp4 -o $OUT/masks"
"$BUILD/bgsub" --force --background samples/sample.mp4 -o "$OUT/masks"
echo "== bgsub eval samples/sample-gt $OUT/masks"
"$BUILD/bgsub" eval samples/sample-gt "$OUT/masks"
echo "Masks: $OUT/masks/bin*.png; final background image: $OUT/masks/background.png"
