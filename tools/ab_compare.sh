#!/bin/sh
# ab_compare.sh - the model of two versions of libbgsub side by side in one
# process: the speed change a commit makes, measured on a noisy machine.
#
#   sh tools/ab_compare.sh OLD [NEW] [-- VIDEO [FRAMES [REPEAT]]]
#
# OLD and NEW are git revisions; NEW defaults to the working tree (its
# uncommitted changes included). VIDEO defaults to samples/sample.mp4;
# FRAMES (120) frames are decoded into memory; REPEAT (7) runs of each
# version on 1 and 2 threads take turns (tools/ab/ab_compare.c says why).
# Needs a built tree (make) for the I/O library, git, and binutils (nm,
# objcopy). Builds in a temporary folder, removed at the end.
set -eu
BUILD=${BUILD:-build}
usage() { echo "usage: sh tools/ab_compare.sh OLD [NEW] [-- VIDEO [FRAMES [REPEAT]]]" >&2; exit 2; }
[ $# -ge 1 ] || usage
OLD=$1; shift
NEW=""
if [ $# -ge 1 ] && [ "$1" != "--" ]; then NEW=$1; shift; fi
if [ $# -ge 1 ]; then [ "$1" = "--" ] || usage; shift; fi
[ $# -ge 1 ] || set -- samples/sample.mp4
for f in "$BUILD/libbgsub_io.a" tools/ab/ab_compare.c; do
    [ -f "$f" ] || { echo "ab_compare: $f: not found (run make first)" >&2; exit 1; }
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# build_version NAME REV: TMP/NAME.a, the library of REV ("" = working
# tree), every global symbol it defines renamed NAME_...
build_version() {
    mkdir -p "$TMP/$1"
    if [ -z "$2" ]; then
        tar -cf - Makefile src include | tar -xf - -C "$TMP/$1"
    else
        git archive "$2" Makefile src include | tar -xf - -C "$TMP/$1" ||
            { echo "ab_compare: $2: not a revision of this repository" >&2; exit 1; }
    fi
    make -s -C "$TMP/$1" -j2 BUILD=b b/libbgsub.a > "$TMP/$1.log" 2>&1 ||
        { echo "ab_compare: building the library of ${2:-the working tree} failed:" >&2; tail -5 "$TMP/$1.log" >&2; exit 1; }
    nm -g --defined-only "$TMP/$1/b/libbgsub.a" | awk -v p="$1_" 'NF == 3 { print $3, p $3 }' | sort -u > "$TMP/$1.map"
    objcopy --redefine-syms="$TMP/$1.map" "$TMP/$1/b/libbgsub.a" "$TMP/$1.a"
}
build_version old "$OLD"
build_version new "$NEW"
cc -O2 -std=c11 -Iinclude -Isrc -D_GNU_SOURCE -o "$TMP/ab_compare" tools/ab/ab_compare.c \
    "$BUILD/libbgsub_io.a" "$TMP/old.a" "$TMP/new.a" \
    $(pkg-config --libs libpng zlib libjpeg libavformat libavcodec libswscale libavutil) -lpthread -lm
echo "old: $OLD  new: ${NEW:-working tree}"
"$TMP/ab_compare" "$@"
