#!/bin/sh
# compare_outputs.sh OLD_BGSUB NEW_BGSUB [DATASET_DIR]
#
# Runs two bgsub programs on the same inputs with every output kind and says
# whether they wrote the same things: a check that a change of the program's
# structure changed no behaviour. Inputs: samples/sample.mp4 (and its ground
# truth samples/sample-gt), and the ChangeDetection.net highway sequence in
# DATASET_DIR/highway (default ../shared/data/cdnet; skipped when absent).
#
# Compared: mask PNGs, background images (--background, --background-every),
# --stats (less its timing fields), --stats-csv, --save-model, --blobs (CSV
# and JSON lines), --mask-video and --overlay-video decoded back to frames
# (ffmpeg -f framemd5), raw masks on stdout (-o -), several inputs at once,
# `bgsub events` (CSV, JSON, --extract clips decoded back), `bgsub segment`
# (an image and a video: masks, --json, --plot) and `bgsub eval` (one
# sequence and a dataset tree, the table and --json). Every file is compared
# byte for byte except the videos, whose decoded frames are.
#
# Prints one line per case and a closing "compare_outputs: N cases, M files:
# identical" (exit 0) or the differences (exit 1).
set -u
old_bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
new_bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
top=$(cd "$(dirname "$0")/.." && pwd)
data=${3:-$top/../shared/data/cdnet}
sample=$top/samples/sample.mp4
sample_gt=$top/samples/sample-gt
highway=$data/highway
work=$(mktemp -d "${TMPDIR:-/tmp}/compare_outputs.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cases=0 differ=0

# each NAME CMD...: runs CMD with bgsub as "$BGSUB", in old/NAME and new/NAME.
each() {
    name=$1; shift
    cases=$((cases + 1))
    for side in old new; do
        mkdir -p "$work/$side/$name"
        if [ $side = old ]; then bin=$old_bin; else bin=$new_bin; fi
        (cd "$work/$side/$name" && BGSUB=$bin sh -c "$*" > stdout.txt 2> stderr.txt
         echo "exit $?" > status.txt)
    done
    echo "case $name: old $(cat "$work/old/$name/status.txt"), new $(cat "$work/new/$name/status.txt")"
}

each sample_all '"$BGSUB" -q -j 2 "'"$sample"'" -o masks --background --background-every 50 \
    --stats stats.json --stats-csv stats.csv --save-model model.bgs --blobs blobs.csv \
    --mask-video masks.mkv --overlay-video overlay.mp4'
each sample_gray_jsonl '"$BGSUB" -q --gray --start-frame 20 --frames 150 "'"$sample"'" -o masks \
    --blobs blobs.jsonl --min-blob-area 20 --mask-video masks.mp4 --overlay-video overlay.mkv \
    --stats stats.json --mask-pattern m%04d.png --alpha 0.01 --lambda 2.5'
each sample_stdout '"$BGSUB" -q "'"$sample"'" -o - | md5sum > raw.md5; \
    "$BGSUB" -q --frames 40 "'"$sample"'" --stats - > stats.json; \
    "$BGSUB" -q --frames 40 "'"$sample"'" --blobs - > blobs.jsonl'
each sample_raw_in 'ffmpeg -v error -i "'"$sample"'" -frames:v 60 -f rawvideo -pix_fmt rgb24 - \
    | "$BGSUB" -q --raw 320x240:rgb24 --fps 25 -o masks --blobs blobs.csv --stats-csv fg.csv'
each sample_load_model '"$BGSUB" -q --frames 100 "'"$sample"'" --save-model m.bgs && \
    "$BGSUB" -q --start-frame 101 --load-model m.bgs "'"$sample"'" -o masks --save-model m2.bgs'
each several_inputs 'mkdir -p in && cp "'"$sample"'" in/a.mp4 && cp "'"$sample"'" in/b.mp4 && \
    "$BGSUB" -q --frames 60 in/a.mp4 in/b.mp4 -o out --stats s.json --blobs b.csv \
    --mask-video m.mkv; rm -rf in'
each events_csv '"$BGSUB" events -q "'"$sample"'" -o events.csv --extract clips'
each events_json '"$BGSUB" events -q --gray --threshold 1% --min-duration 5 --pad-before 0.5s \
    "'"$sample"'" -o events.json; "$BGSUB" events -q "'"$sample"'" --format json'
each segment_image 'ffmpeg -v error -i "'"$sample"'" -frames:v 1 frame.png && \
    "$BGSUB" segment frame.png -o mask.png --json --plot plot.png > fit.json && \
    "$BGSUB" segment --k auto frame.png -o labels.png --raw-labels --plot auto.png && \
    "$BGSUB" segment --method otsu frame.png -o otsu.png; rm -f frame.png'
each segment_video '"$BGSUB" segment "'"$sample"'" -o seg --json --plot plot.png > fits.json && \
    "$BGSUB" segment --shared-fit=sum --k 3 "'"$sample"'" -o shared --json > shared.json'
each eval_sample '"$BGSUB" -q "'"$sample"'" -o masks && \
    "$BGSUB" eval "'"$sample_gt"'" masks --json=eval.json > table.txt && \
    mkdir -p D/synthetic R/synthetic && ln -s "'"$sample_gt"'" D/synthetic/sample && \
    ln -s ../../masks R/synthetic/sample && "$BGSUB" eval D R --json=tree.json > tree.txt; \
    rm -f D/synthetic/sample R/synthetic/sample'
if [ -d "$highway/input" ]; then
    each highway_all '"$BGSUB" -q "'"$highway"'" -o masks --roi "'"$highway"'/ROI.bmp" \
        --background --background-every 500 --stats stats.json --stats-csv stats.csv \
        --blobs blobs.csv --mask-video masks.mkv --overlay-video overlay.mp4 --save-model m.bgs'
    each highway_eval '"$BGSUB" -q --gray "'"$highway"'" -o masks && \
        "$BGSUB" eval "'"$highway"'" masks --json=eval.json > table.txt'
    each highway_events '"$BGSUB" events -q "'"$highway"'/input/in%06d.jpg" -o events.json'
    each highway_segment '"$BGSUB" segment "'"$highway"'" -o seg > /dev/null; \
        "$BGSUB" segment "'"$highway"'/input/in000001.jpg" -o mask.png --plot plot.png --json > fit.json'
else
    echo "skip highway: $highway/input not found"
fi

# Normalise: timing fields out of the statistics, videos decoded to frames.
for f in $(find "$work/old" "$work/new" -type f \( -name '*.json' -o -name '*.mkv' \
           -o -name '*.mp4' \) | sort); do
    case $f in
    *.json)
        sed -i -e '/"seconds":/d' -e '/"frames_per_second":/d' \
               -e '/"model_frames_per_second":/d' "$f" ;;
    *)
        ffmpeg -v error -i "$f" -map 0:v -f framemd5 "$f.framemd5" 2>> "$f.decode-errors" \
            || echo "cannot decode $f" >> "$f.decode-errors"
        rm -f "$f" ;;
    esac
done
# The summary lines on stderr hold timings; the exit status and stdout do not.
find "$work/old" "$work/new" -name stderr.txt -delete

files=$(cd "$work/old" && find . -type f | wc -l)
if diff -r "$work/old" "$work/new" > "$work/diff.txt" 2>&1; then
    echo "compare_outputs: $cases cases, $files files: identical"
    exit 0
fi
head -40 "$work/diff.txt"
echo "compare_outputs: $cases cases, $files files: DIFFERENT (above)"
exit 1
