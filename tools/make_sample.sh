#!/bin/sh
# make_sample.sh - rebuilds the bundled sample from tools/synth:
#   samples/sample.mp4             the input frames as H.264 (yuv420p, 25 fps)
#   samples/sample-gt/groundtruth/ gt000001.png ... (0 / 170 / 255 labels)
#   samples/sample-gt/ROI.bmp      whole frame
#   samples/sample-gt/temporalROI.txt
# The scene is fixed by the options below; synth output is deterministic, the
# MP4 is byte-identical for a given FFmpeg/x264 version (bitexact flags, no
# x264 version SEI), but another version may encode slightly differently.
# Usage: sh tools/make_sample.sh [BUILD_DIR]   (after `make`)
set -eu

BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

SYNTH="$BUILD/tools/synth"
SEED=1
FRAMES=300
LEARN=100
MAX_MP4_BYTES=2000000   # the sample lives in git: keep it small
CRF=18

die() { echo "make_sample: $*" >&2; exit 1; }

[ -x "$SYNTH" ] || die "$SYNTH not found; run 'make BUILD=$BUILD' first"
command -v ffmpeg > /dev/null 2>&1 || die "ffmpeg not found (make deps installs it)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bgsub-sample.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

"$SYNTH" -o "$tmp/seq" --width 320 --height 240 --frames "$FRAMES" \
    --learn "$LEARN" --seed "$SEED" > /dev/null

# Lower the quality step by step until the file fits (crf 18 normally does).
# -bitexact and dropping SEI NAL units (type 6, where x264 writes its version
# and settings) keep the bytes independent of when and where this runs.
encode() {
    ffmpeg -nostdin -loglevel error -y -framerate 25 \
        -i "$tmp/seq/input/in%06d.png" \
        -c:v libx264 -preset slow -crf "$1" -pix_fmt yuv420p \
        -bsf:v filter_units=remove_types=6 \
        -fflags +bitexact -flags:v +bitexact -map_metadata -1 \
        -movflags +faststart "$tmp/sample.mp4"
}
while :; do
    encode "$CRF"
    size=$(wc -c < "$tmp/sample.mp4")
    [ "$size" -lt "$MAX_MP4_BYTES" ] && break
    [ "$CRF" -ge 28 ] && die "sample.mp4 is $size bytes even at crf $CRF"
    CRF=$((CRF + 2))
done

# Replace the old sample only once the new one is complete.
mkdir -p samples
rm -rf samples/sample-gt.new
mkdir samples/sample-gt.new
cp -R "$tmp/seq/groundtruth" samples/sample-gt.new/
cp "$tmp/seq/ROI.bmp" "$tmp/seq/temporalROI.txt" samples/sample-gt.new/
rm -rf samples/sample-gt
mv samples/sample-gt.new samples/sample-gt
mv "$tmp/sample.mp4" samples/sample.mp4

gt_bytes=$(cat samples/sample-gt/groundtruth/*.png | wc -c)
echo "make_sample: samples/sample.mp4 $size bytes (crf $CRF)," \
     "samples/sample-gt/groundtruth $gt_bytes bytes in $FRAMES files"
