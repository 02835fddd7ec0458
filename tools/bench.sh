#!/bin/sh
# bench.sh - `make bench`: model throughput on frames in memory (tools/bench.c),
# mask clean-up and blobs (tools/bench_postproc.c), mask PNG encoding
# (tools/bench_maskpng.c), and the whole command against the decoder's own
# speed (`bgsub bench VIDEO`: bgsub and `ffmpeg ... -f null -` in turns, on two
# threads) at 320x240 (the bundled sample) and at 1920x1080 (BENCH_VIDEO, or
# the sample scaled up with ffmpeg once and kept in BUILD/bench/).
set -e
BUILD=${1:-build}
"$BUILD/tools/bench" samples/sample.mp4
"$BUILD/tools/bench" --gray samples/sample.mp4
"$BUILD/tools/bench_postproc"
"$BUILD/tools/bench_maskpng"
"$BUILD/bgsub" bench --frames 2 --repeat 3 -j 2 samples/sample.mp4
HD=${BENCH_VIDEO:-$BUILD/bench/sample-1920x1080.mp4}
if [ ! -f "$HD" ]; then
    if ! command -v ffmpeg > /dev/null 2>&1; then
        echo "bench.sh: ffmpeg is not installed: no 1080p video for the whole command"
        exit 0
    fi
    mkdir -p "$(dirname "$HD")"
    ffmpeg -nostdin -loglevel error -y -i samples/sample.mp4 -vf scale=1920:1080 \
        -c:v libx264 -preset fast -pix_fmt yuv420p "$HD.part.mp4"
    mv "$HD.part.mp4" "$HD"
fi
"$BUILD/bgsub" bench --frames 2 --repeat 3 -j 2 "$HD"
