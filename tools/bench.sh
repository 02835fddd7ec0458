#!/bin/sh
# bench.sh - `make bench`: model throughput on frames in memory (tools/bench.c),
# mask clean-up and blobs (tools/bench_postproc.c), mask PNG encoding
# (tools/bench_maskpng.c) and the whole command on the bundled sample.
set -e
BUILD=${1:-build}
"$BUILD/tools/bench" samples/sample.mp4
"$BUILD/tools/bench" --gray samples/sample.mp4
"$BUILD/tools/bench_postproc"
"$BUILD/tools/bench_maskpng"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$BUILD/bgsub" samples/sample.mp4 -o "$OUT"
