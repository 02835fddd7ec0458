#!/bin/sh
# test_io.sh - what goes in and out of bgsub beyond one input and PNG masks:
# several inputs, a video stream and raw frames on stdin, raw masks on stdout,
# the lossless mask video, the overlay video, blob lists; interrupts and
# errors. Every output is checked against the PNG masks of a plain run.
. tests/cli/lib.sh

SYNTH=$BUILD/tools/synth
RAWCHECK=$BUILD/tests/tools/rawcheck
B=$BGSUB_BIN
W=64 H=48 N=40
FRAME=$((W * H))

SEQ=$WORK/seq
"$SYNTH" -o "$SEQ" --width $W --height $H --frames $N --learn 10 --seed 7 > /dev/null 2>&1
if [ ! -f "$SEQ/input/in0000$N.png" ] || [ ! -x "$RAWCHECK" ]; then
    fail "material" "no synthetic sequence or no $RAWCHECK (make test builds it)"
    finish; exit
fi
have_ffmpeg() { command -v ffmpeg > /dev/null 2>&1; }
NO_FFMPEG="ffmpeg CLI not installed (make deps installs it)"
# A short learning phase, so that the masks hold foreground and blobs.
L="--learning-frames 10"
no_temp_files() { ! ls -a "$@" 2> /dev/null | grep -q '\.tmp\.'; }

# The reference: PNG masks of a plain run, and the same as raw bytes.
run "$B" -q $L "$SEQ" -o "$WORK/ref"
"$RAWCHECK" masks "$WORK/ref" $N > "$WORK/ref.raw"
if [ "$RC" -ne 0 ] || [ "$(wc -c < "$WORK/ref.raw")" -ne $((FRAME * N)) ]; then
    fail "reference run" "rc=$RC" "$ERR"; finish; exit
fi
fg=$("$RAWCHECK" count $W $H "$WORK/ref.raw" | awk '{ s += $2 } END { print s + 0 }')
[ "$fg" -gt 0 ] && ok "reference masks hold foreground ($fg pixels)" ||
    fail "reference masks hold foreground" "no 255 in any mask"

# --- -o -: raw masks on stdout ----------------------------------------------------
"$B" $L "$SEQ" -o - > "$WORK/stdout.raw" 2> "$WORK/stdout.err"; rc=$?
[ $rc -eq 0 ] && cmp -s "$WORK/stdout.raw" "$WORK/ref.raw" &&
    ok "-o -: stdout holds exactly the PNG masks' bytes, frame after frame" ||
    fail "-o - equals the PNG masks" "rc=$rc" "$(cat "$WORK/stdout.err")"
grep -q '^bgsub: 40 frames .*masks on stdout' "$WORK/stdout.err" &&
    ok "-o -: the summary goes to stderr" || fail "-o -: summary on stderr" "$(cat "$WORK/stdout.err")"
"$B" -v $L "$SEQ" -o - 2> "$WORK/v.err" | cmp -s - "$WORK/ref.raw" &&
    grep -q 'raw masks on stdout' "$WORK/v.err" && ok "-o - -v: the description goes to stderr" ||
    fail "-o - -v" "$(cat "$WORK/v.err")"
expect_error "-o - with --stats -" 2 "-o - and --stats - cannot both write to stdout" \
    "$B" "$SEQ" -o - --stats -
expect_error "-o - with --blobs -" 2 "cannot both write to stdout" "$B" "$SEQ" -o - --blobs -
expect_error "-o - with --background" 2 "need -o DIR" "$B" "$SEQ" -o - --background
{ "$B" -q $L "$SEQ" -o - 2> "$WORK/pipe.err"; echo $? > "$WORK/pipe.rc"; } | head -c 100 > /dev/null
[ "$(cat "$WORK/pipe.rc")" -eq 4 ] && [ "$(grep -c . "$WORK/pipe.err")" -eq 1 ] &&
    grep -q '^bgsub: stdout: cannot write the mask of frame' "$WORK/pipe.err" &&
    ok "-o - into a pipe closed early: status 4, one line" ||
    fail "-o - closed pipe" "rc=$(cat "$WORK/pipe.rc")" "$(cat "$WORK/pipe.err")"
if have_ffmpeg; then
    "$B" -q $L "$SEQ" -o - |
        ffmpeg -nostdin -loglevel error -f rawvideo -pix_fmt gray -s ${W}x$H -i - -c:v ffv1 "$WORK/piped.mkv"
    ffmpeg -nostdin -loglevel error -i "$WORK/piped.mkv" -f rawvideo -pix_fmt gray - | cmp -s - "$WORK/ref.raw" &&
        ok "-o - piped into ffmpeg -f rawvideo -pix_fmt gray gives the masks" ||
        fail "-o - into ffmpeg" "$(ls -l "$WORK/piped.mkv" 2>&1)"
else skip "-o - into ffmpeg" "$NO_FFMPEG"; fi

# --- --mask-video: lossless --------------------------------------------------------
if have_ffmpeg; then
    exts="mkv avi nut"
    ffmpeg -nostdin -hide_banner -encoders 2> /dev/null | grep -q ' libx264 ' && exts="$exts mp4 mov"
    for ext in $exts; do
        run "$B" -q $L "$SEQ" --mask-video "$WORK/m.$ext"
        ffmpeg -nostdin -loglevel error -i "$WORK/m.$ext" -f rawvideo -pix_fmt gray - > "$WORK/m.raw"
        [ "$RC" -eq 0 ] && cmp -s "$WORK/m.raw" "$WORK/ref.raw" &&
            ok "--mask-video .$ext decodes to the PNG masks, every frame byte for byte" ||
            fail "--mask-video .$ext lossless" "rc=$RC $ERR" "$(cmp "$WORK/m.raw" "$WORK/ref.raw" 2>&1)"
    done
    codec=$(ffprobe -v error -select_streams v -show_entries stream=codec_name -of csv=p=0 "$WORK/m.mkv")
    [ "$codec" = ffv1 ] && ok ".mkv mask video is FFV1" || fail ".mkv mask video is FFV1" "codec $codec"
else skip "--mask-video decodes to the PNG masks" "$NO_FFMPEG"; fi
[ -f "$WORK/m.mkv" ] && [ ! -e "$WORK/bin000001.png" ] && no_temp_files "$WORK" &&
    ok "--mask-video without -o: the video only, no PNGs, no temporary files" ||
    fail "--mask-video without -o" "$(ls -a "$WORK")"
expect_error "--mask-video exists, no --force" 4 "m\.mkv: already exists \(use --force" \
    "$B" -q "$SEQ" --mask-video "$WORK/m.mkv"
expect_status "--mask-video exists, --force" 0 "$B" -q -f "$SEQ" --mask-video "$WORK/m.mkv"
expect_error "--mask-video .webm refused" 2 "^bgsub: --mask-video .*m\.webm: a lossless mask video must be" \
    "$B" "$SEQ" --mask-video "$WORK/m.webm"
expect_error "--mask-video without extension" 2 "cannot tell the video format" \
    "$B" "$SEQ" --mask-video "$WORK/m"
expect_error "--mask-video -" 2 "--mask-video needs a file name, not -" "$B" "$SEQ" --mask-video -
expect_error "--overlay-video .png" 2 "is an image name, not a video" "$B" "$SEQ" --overlay-video "$WORK/o.png"
touch "$WORK/afile"
expect_error "--mask-video in a folder that is a file" 4 "afile/m\.mkv: cannot create" \
    "$B" -q "$SEQ" -o "$WORK/unw" --mask-video "$WORK/afile/m.mkv"
expect_error "--overlay-video in a missing folder" 4 "nodir/o\.mp4: cannot create" \
    "$B" -q "$SEQ" --overlay-video "$WORK/nodir/o.mp4"
expect_error "--blobs in a missing folder" 4 "nodir/b\.csv: cannot create" \
    "$B" -q "$SEQ" --blobs "$WORK/nodir/b.csv"
[ ! -e "$WORK/unw/bin000001.png" ] && ok "an unwritable video is refused before any mask is written" ||
    fail "unwritable video refused first" "$(ls "$WORK/unw")"
# A file-size limit (SIGXFSZ ignored: writes then fail with EFBIG) stops the
# overlay video part way: status 4, one line, and no file, partial or temporary.
mkdir -p "$WORK/lim"
run sh -c "trap '' XFSZ; ulimit -f 8; exec \"\$0\" -q $L \"\$1\" -o \"\$2\" --overlay-video \"\$2/o.mp4\"" \
    "$B" "$SEQ" "$WORK/lim"
[ "$RC" -eq 4 ] && [ "$(echo "$ERR" | grep -c .)" -eq 1 ] && echo "$ERR" | grep -q "^bgsub: $WORK/lim/o\.mp4: cannot write: File too large" &&
    [ ! -e "$WORK/lim/o.mp4" ] && no_temp_files "$WORK/lim" &&
    ok "--overlay-video past a file-size limit: status 4, one line, no partial or temporary file" ||
    fail "--overlay-video size limit" "rc=$RC" "$ERR" "$(ls -a "$WORK/lim" | grep -v bin)"

# --- --blobs -----------------------------------------------------------------------
run "$B" -q $L "$SEQ" --blobs "$WORK/b.csv" --fps 10
head -n 1 "$WORK/b.csv" | grep -qx 'frame,time,id,x,y,width,height,area,cx,cy' && [ "$RC" -eq 0 ] &&
    ok "--blobs .csv: header line" || fail "--blobs .csv header" "rc=$RC $ERR" "$(head -n 2 "$WORK/b.csv")"
# Blob areas add up to the foreground of each mask (min area 1: every pixel is in one).
awk -F, 'NR > 1 { a[$1] += $8 } END { for (f in a) print f, a[f] }' "$WORK/b.csv" | sort -n > "$WORK/b.sum"
"$RAWCHECK" count $W $H "$WORK/ref.raw" | awk '$2 > 0' > "$WORK/ref.sum"
[ -s "$WORK/b.sum" ] && cmp -s "$WORK/b.sum" "$WORK/ref.sum" &&
    ok "--blobs: the areas of each frame add up to its foreground pixels" ||
    fail "--blobs areas add up" "$(diff "$WORK/b.sum" "$WORK/ref.sum" | head -5)"
bad=$(awk -F, -v w=$W -v h=$H 'NR > 1 && ($4 < 0 || $5 < 0 || $4 + $6 > w || $5 + $7 > h ||
          $8 > $6 * $7 || $9 < $4 || $9 > $4 + $6 - 1 || $10 < $5 || $10 > $5 + $7 - 1 ||
          $2 != sprintf("%.4f", ($1 - 1) / 10))' "$WORK/b.csv" | head -3)
[ -z "$bad" ] && ok "--blobs: boxes inside the frame, area and centroid inside the box, time (frame-1)/fps for files numbered from 1" ||
    fail "--blobs fields consistent" "$bad"
awk -F, 'NR > 1 { if ($1 != f) { f = $1; n = 0 } n++; if ($3 != n) exit 1 }' "$WORK/b.csv" &&
    ok "--blobs: ids count 1, 2, ... within each frame" || fail "--blobs ids" "$(head -5 "$WORK/b.csv")"
cut -d, -f3- "$WORK/b.csv" > "$WORK/b.fields"
# The time is the frame's place in the input over the rate, whatever the
# files' own numbers: a sequence numbered from 0, and one from 1460.
for first in 0 1460; do
    mkdir -p "$WORK/from$first"
    for i in $(seq 1 $N); do
        ln -s "$SEQ/input/$(printf in%06d.png $i)" "$WORK/from$first/$(printf in%06d.png $((first + i - 1)))"
    done
    run "$B" -q $L "$WORK/from$first" --blobs "$WORK/from$first.csv" --fps 10
    # Frame numbers are the files' own; the blobs those of the plain run.
    bad=$(awk -F, -v first=$first 'NR > 1 && $2 != sprintf("%.4f", ($1 - first) / 10)' \
              "$WORK/from$first.csv" | head -3)
    cut -d, -f3- "$WORK/from$first.csv" | cmp -s - "$WORK/b.fields" || bad="other blobs $bad"
    [ "$RC" -eq 0 ] && [ -z "$bad" ] && [ "$(sed -n 2p "$WORK/from$first.csv" | cut -d, -f1)" -ge $first ] &&
        ok "--blobs on a sequence numbered from $first: time (place in the input)/fps" ||
        fail "--blobs time, sequence from $first" "rc=$RC $ERR" "$bad"
done
run "$B" -q $L "$SEQ" --blobs "$WORK/b20.csv" --min-blob-area 20 --fps 10
awk -F, 'NR > 1 && $8 >= 20 { print $1, $4, $5, $6, $7, $8 }' "$WORK/b.csv" > "$WORK/b20.want"
awk -F, 'NR > 1 { print $1, $4, $5, $6, $7, $8 }' "$WORK/b20.csv" > "$WORK/b20.got"
[ -s "$WORK/b20.got" ] && cmp -s "$WORK/b20.want" "$WORK/b20.got" &&
    ok "--min-blob-area 20 keeps exactly the blobs of 20 pixels or more" ||
    fail "--min-blob-area" "$(diff "$WORK/b20.want" "$WORK/b20.got" | head -5)"
run "$B" -q $L "$SEQ" --blobs "$WORK/b.jsonl" --fps 10
# The keys in the CSV's order, then the values alone give the CSV lines.
keys=$(sed -n 's/^{"frame": [0-9]*, "time": [0-9.]*, "id": [0-9]*, "x": [0-9]*, "y": [0-9]*, "width": [0-9]*, "height": [0-9]*, "area": [0-9]*, "cx": [0-9.]*, "cy": [0-9.]*}$/ok/p' "$WORK/b.jsonl" | wc -l)
sed -e 's/"[a-z]*": //g' -e 's/[{} ]//g' "$WORK/b.jsonl" > "$WORK/b.fromjson"
[ "$keys" -eq "$(wc -l < "$WORK/b.jsonl")" ] && tail -n +2 "$WORK/b.csv" | cmp -s - "$WORK/b.fromjson" &&
    ok "--blobs .jsonl: one JSON object a line, the same blobs as the CSV" ||
    fail "--blobs .jsonl" "$(head -2 "$WORK/b.jsonl")"
"$B" -q $L "$SEQ" --blobs - > "$WORK/b.stdout"
grep -q '"time": null' "$WORK/b.stdout" && [ "$(wc -l < "$WORK/b.stdout")" -eq "$(wc -l < "$WORK/b.jsonl")" ] &&
    ok "--blobs -: JSON lines on stdout, time null without a frame rate" ||
    fail "--blobs -" "$(head -2 "$WORK/b.stdout")"
# A FIFO (or a device) is written in place: renaming a file over it would
# replace it.
if mkfifo "$WORK/fifo.csv" 2> /dev/null; then
    cat "$WORK/fifo.csv" > "$WORK/fifo.out" &
    reader=$!
    run "$B" -q $L "$SEQ" --blobs "$WORK/fifo.csv" --fps 10
    # Should bgsub not have opened it, this open (read-write: it does not
    # block) and close give the reader its end of file.
    exec 4<> "$WORK/fifo.csv"; exec 4>&-
    wait $reader
    [ "$RC" -eq 0 ] && [ -p "$WORK/fifo.csv" ] && cmp -s "$WORK/fifo.out" "$WORK/b.csv" &&
        ok "--blobs into a FIFO: written in place, the FIFO stays a FIFO" ||
        fail "--blobs into a FIFO" "rc=$RC $ERR" "$(ls -l "$WORK/fifo.csv")"
else skip "--blobs into a FIFO" "mkfifo failed"; fi
expect_error "--blobs .txt refused" 2 "--blobs .*b\.txt: the name must end in" "$B" "$SEQ" --blobs "$WORK/b.txt"
expect_error "--min-blob-area 0" 2 "--min-blob-area needs a whole number >= 1" \
    "$B" "$SEQ" --blobs "$WORK/x.csv" --min-blob-area 0

# --- --overlay-video ---------------------------------------------------------------
if have_ffmpeg; then
    run "$B" -q $L "$SEQ" --overlay-video "$WORK/o.mp4" --blobs "$WORK/ob.csv" --fps 10
    info=$(ffprobe -v error -select_streams v -count_frames \
        -show_entries stream=codec_name,width,height,r_frame_rate,nb_read_frames -of csv=p=0 "$WORK/o.mp4")
    case $info in
    h264,$W,$H,10/1,$N|mpeg4,$W,$H,10/1,$N) ok "--overlay-video: $N frames of ${W}x$H at the input's 10 frames/s ($info)";;
    *) fail "--overlay-video stream" "rc=$RC $ERR" "$info";;
    esac
    ffmpeg -nostdin -loglevel error -i "$SEQ/input/in%06d.png" -f rawvideo -pix_fmt rgb24 - > "$WORK/in.rgb"
    ffmpeg -nostdin -loglevel error -i "$WORK/o.mp4" -f rawvideo -pix_fmt rgb24 - > "$WORK/o.rgb"
    set -- $("$RAWCHECK" overlay $W $H "$WORK/in.rgb" "$WORK/ref.raw" "$WORK/ob.csv" "$WORK/o.rgb")
    # Lossy (and the scene is noisy), so not equal: but where the drawing
    # differs from the input (tint, boxes), the video is far closer to the
    # drawing than to the input.
    awk -v n="$1" -v e="$2" -v i="$3" 'BEGIN { exit !(n > 100 && e > 25 && e > i + 10) }' &&
        ok "--overlay-video: the input with the foreground tinted and blobs boxed ($1 pixels changed: $2 dB to the drawing, $3 dB to the input)" ||
        fail "--overlay-video content" "$1 pixels changed: PSNR to the drawing $2 dB, to the input $3 dB"
else skip "--overlay-video" "$NO_FFMPEG"; fi

# --- stdin: a container stream, raw frames -----------------------------------------
if have_ffmpeg; then
    ffmpeg -nostdin -loglevel error -i "$SEQ/input/in%06d.png" -c:v ffv1 -f matroska - |
        "$B" -q $L - -o "$WORK/stdin" 2> "$WORK/stdin.err"
    "$RAWCHECK" masks "$WORK/stdin" $N 2> /dev/null | cmp -s - "$WORK/ref.raw" &&
        ok "- reads a Matroska stream on stdin: the same masks as the files" ||
        fail "- (container on stdin)" "$(cat "$WORK/stdin.err")"
    ffmpeg -nostdin -loglevel error -i "$SEQ/input/in%06d.png" -f rawvideo -pix_fmt rgb24 - > "$WORK/in.rgb"
    ffmpeg -nostdin -loglevel error -i "$SEQ/input/in%06d.png" -f rawvideo -pix_fmt gray - > "$WORK/in.gray"
else skip "- (container on stdin)" "$NO_FFMPEG"; fi
expect_error "- with empty stdin" 3 "^bgsub: stdin: cannot open" "$B" - -o "$WORK/x" < /dev/null
if [ -s "$WORK/in.rgb" ]; then
    "$B" -q $L --raw ${W}x$H:rgb24 -o - < "$WORK/in.rgb" | cmp -s - "$WORK/ref.raw" &&
        ok "--raw rgb24 on stdin (no INPUT): the same masks as the image files" ||
        fail "--raw rgb24 stdin" ""
    cat "$WORK/in.rgb" | "$B" -q $L --raw ${W}x$H:rgb24 - -o "$WORK/rawdir" &&
        "$RAWCHECK" masks "$WORK/rawdir" $N | cmp -s - "$WORK/ref.raw" &&
        ok "--raw rgb24 from a pipe with - and -o DIR" || fail "--raw from a pipe" ""
    "$B" -q $L --raw ${W}x$H:rgb24 "$WORK/in.rgb" -o - | cmp -s - "$WORK/ref.raw" &&
        ok "--raw reads a file too" || fail "--raw file" ""
    "$B" -q $L --gray "$SEQ" -o - > "$WORK/gray.ref"
    "$B" -q $L --gray --raw ${W}x$H:rgb24 -o - < "$WORK/in.rgb" | cmp -s - "$WORK/gray.ref" &&
        ok "--raw rgb24 --gray: the same gray as the image loader's" || fail "--raw rgb24 --gray" ""
    # Gray frames: the same bytes as gray PNGs of them.
    mkdir -p "$WORK/gpng"
    ffmpeg -nostdin -loglevel error -f rawvideo -pix_fmt gray -s ${W}x$H -i "$WORK/in.gray" "$WORK/gpng/in%06d.png"
    "$B" -q $L --gray "$WORK/gpng" -o - > "$WORK/gpng.raw"
    "$B" -q $L --gray --raw ${W}x$H:gray -o - < "$WORK/in.gray" | cmp -s - "$WORK/gpng.raw" &&
        ok "--raw gray: the same masks as gray PNGs of the frames" || fail "--raw gray" ""
    "$B" -q $L --raw ${W}x$H:gray -o - < "$WORK/in.gray" > "$WORK/g3.raw" &&
        [ "$(wc -c < "$WORK/g3.raw")" -eq $((FRAME * N)) ] &&
        ok "--raw gray into a colour model" || fail "--raw gray colour model" ""
    # A cut-off last frame: an error naming stdin and the bytes, whole frames kept.
    cut=$((FRAME * 3 * 12 + 1000))
    head -c $cut "$WORK/in.rgb" > "$WORK/cut.rgb"
    expect_error "--raw: a last frame cut short" 3 \
        "^bgsub: stdin: truncated raw frame 13: 1000 of 9216 bytes \(64 x 48 rgb24 frames\)$" \
        "$B" -q $L --raw ${W}x$H:rgb24 -o "$WORK/cut" < "$WORK/cut.rgb"
    n=$(ls "$WORK/cut" | grep -c '^bin.*\.png$')
    head -c $((FRAME * 12)) "$WORK/ref.raw" > "$WORK/ref12"
    "$RAWCHECK" masks "$WORK/cut" 12 | cmp -s - "$WORK/ref12" &&
        [ "$n" -eq 12 ] && no_temp_files "$WORK/cut" &&
        ok "--raw cut short: the 12 whole frames' masks are written, complete" ||
        fail "--raw cut short keeps the masks" "$n masks"
    expect_error "--raw: a file cut short is named" 3 "cut\.rgb: truncated raw frame 13" \
        "$B" -q $L --raw ${W}x$H:rgb24 "$WORK/cut.rgb" -o "$WORK/cut2"
    expect_error "--raw: a frame size that does not divide the input" 3 "stdin: truncated raw frame" \
        "$B" -q --raw 50x50:rgb24 -o "$WORK/x50" < "$WORK/in.rgb"
else skip "--raw" "$NO_FFMPEG"; fi
expect_error "--raw: empty stdin" 3 "^bgsub: stdin: no raw frames" "$B" --raw 8x8:gray -o "$WORK/x" < /dev/null
expect_error "--raw without a size" 2 "^bgsub: --raw 64x48: expected WxH:gray or WxH:rgb24" "$B" --raw 64x48 -o "$WORK/x"
expect_error "--raw with an unknown format" 2 "unknown pixel format 'yuv420p'" "$B" --raw 64x48:yuv420p -o "$WORK/x"
expect_error "--raw 0x48" 2 "--raw 0x48:gray: expected" "$B" --raw 0x48:gray -o "$WORK/x"
expect_error "--raw too large" 2 "larger than" "$B" --raw 100000x100000:gray -o "$WORK/x"
expect_error "--raw of a folder" 3 "is a folder" "$B" --raw 8x8:gray "$SEQ" -o "$WORK/x"
expect_error "stdin twice" 2 "stdin \(-\) can be an input only once" "$B" - - -o "$WORK/x"
expect_error "--fps 0" 2 "--fps needs a number from 0.001 to 1000" "$B" --fps 0 "$SEQ" -o "$WORK/x"
[ ! -e "$WORK/x" ] && ok "input and usage errors create no output folder" || fail "no output folder" "$(ls "$WORK/x")"

# --- several inputs ------------------------------------------------------------------
cp -R "$SEQ" "$WORK/seq2"
mkdir -p "$WORK/clips"
cp -R "$SEQ" "$WORK/clips/seq3"
run "$B" $L "$SEQ" "$WORK/seq2" "$WORK/clips/seq3/input/in%06d.png" -o "$WORK/multi" \
    --stats run.json --blobs blobs.csv --save-model m.bgm
all=1
for d in seq seq2 seq3; do
    "$RAWCHECK" masks "$WORK/multi/$d" $N 2> /dev/null | cmp -s - "$WORK/ref.raw" || all=0
    [ -f "$WORK/multi/$d/run.json" ] && [ -f "$WORK/multi/$d/blobs.csv" ] && [ -f "$WORK/multi/$d/m.bgm" ] || all=0
done
[ "$RC" -eq 0 ] && [ $all -eq 1 ] &&
    ok "several inputs: each in DIR/NAME with its own model (masks as a single run), stats, blobs, model" ||
    fail "several inputs" "rc=$RC $ERR" "$(find "$WORK/multi" -maxdepth 2 ! -name 'bin*' | sort)"
[ ! -e "$WORK/multi/bin000001.png" ] && ok "several inputs: nothing straight in DIR" || fail "several inputs: DIR" ""
echo "$ERR" | grep -q '^bgsub: 3 inputs: 3 done, 0 failed$' && [ "$(echo "$ERR" | grep -c 'masks in')" -eq 3 ] &&
    ok "several inputs: a summary line per input and one for the run" || fail "several inputs summary" "$ERR"
grep -q "\"input\": \"$WORK/seq2\"" "$WORK/multi/seq2/run.json" &&
    ok "several inputs: each --stats file is about its own input" || fail "per-input stats" "$(head -3 "$WORK/multi/seq2/run.json")"
run "$B" -q $L "$SEQ" "$WORK/none.mp4" "$WORK/seq2" -o "$WORK/multi2"
[ "$RC" -eq 7 ] && [ "$(echo "$ERR" | grep -c .)" -eq 1 ] && echo "$ERR" | grep -q "none.mp4" &&
    [ -f "$WORK/multi2/seq/bin0000$N.png" ] && [ -f "$WORK/multi2/seq2/bin0000$N.png" ] &&
    ok "several inputs: a failing input is reported, the others run, status 7 (some failed)" ||
    fail "several inputs with a failure" "rc=$RC" "$ERR"
run "$B" -q $L "$WORK/none.mp4" "$WORK/none2.mp4" -o "$WORK/multi2b"
[ "$RC" -eq 3 ] && ok "several inputs, all failed: the first failure's status (3)" ||
    fail "several inputs, all failed" "rc=$RC" "$ERR"
run "$B" $L "$SEQ" "$WORK/none.mp4" "$WORK/seq2" -o "$WORK/multi3" --on-error stop
echo "$ERR" | grep -q '^bgsub: 3 inputs: 1 done, 1 failed (.*none\.mp4), 1 not run$' && [ "$RC" -eq 7 ] &&
    [ ! -e "$WORK/multi3/seq2" ] && ok "several inputs with --on-error stop: the run stops at the failure" ||
    fail "several inputs --on-error stop" "rc=$RC" "$ERR"
# Names: "." is the folder's real name, - is "stdin".
if have_ffmpeg; then
    ( cd "$WORK/seq2" && ffmpeg -nostdin -loglevel error -i "$SEQ/input/in%06d.png" -c:v ffv1 -f nut - |
        "$B" -q $L . - -o "$WORK/names" ) 2> "$WORK/names.err"
    [ -f "$WORK/names/seq2/bin0000$N.png" ] &&
        "$RAWCHECK" masks "$WORK/names/stdin" $N 2> /dev/null | cmp -s - "$WORK/ref.raw" &&
        ok "several inputs: . is named after its folder, - (a stream on stdin) is stdin" ||
        fail "several inputs: names of . and -" "$(cat "$WORK/names.err")" "$(ls "$WORK/names" 2>&1)"
else skip "several inputs: names of . and -" "$NO_FFMPEG"; fi
expect_error "same base name twice" 2 "seq/ and .*clips/seq.* would both write to .*samename/seq" \
    "$B" "$WORK/seq/" "$WORK/clips/seq" -o "$WORK/samename"
cp -R "$SEQ" "$WORK/clips/seq"
expect_error "same base name, other extension" 2 "would both write to .*/a;" \
    "$B" "$WORK/a.mp4" "$WORK/clips/a.mkv" -o "$WORK/samename"
[ ! -e "$WORK/samename" ] && ok "same base names: refused before any work" || fail "same base name" "$(ls "$WORK/samename")"
expect_error "several inputs need -o DIR" 2 "several inputs need -o DIR" "$B" "$SEQ" "$WORK/seq2" --mask-video m.mkv
expect_error "several inputs with -o -" 2 "several inputs need -o DIR" "$B" "$SEQ" "$WORK/seq2" -o -
expect_error "several inputs: --stats with a folder" 2 "--stats takes a file name without a folder" \
    "$B" "$SEQ" "$WORK/seq2" -o "$WORK/m4" --stats "$WORK/run.json"
expect_error "several inputs: --stats -" 2 "--stats takes a file name without a folder" \
    "$B" "$SEQ" "$WORK/seq2" -o "$WORK/m4" --stats -
if have_ffmpeg; then
    run "$B" -q $L "$SEQ" "$WORK/seq2" -o "$WORK/multi5" --mask-video masks.mkv
    ffmpeg -nostdin -loglevel error -i "$WORK/multi5/seq2/masks.mkv" -f rawvideo -pix_fmt gray - | cmp -s - "$WORK/ref.raw" &&
        ok "several inputs: a mask video in each input's folder" || fail "several inputs mask video" "$ERR"
fi

# --- SIGINT: videos finished with the frames done -------------------------------------
if have_ffmpeg && [ -s "$WORK/in.rgb" ] && mkfifo "$WORK/fifo" 2> /dev/null; then
    "$B" $L --raw ${W}x$H:rgb24 --fps 10 -o "$WORK/int" --mask-video "$WORK/int.mkv" \
        --overlay-video "$WORK/int.mp4" --blobs "$WORK/int.csv" < "$WORK/fifo" 2> "$WORK/int.err" &
    pid=$!
    exec 3> "$WORK/fifo"
    # In a subshell: should bgsub be gone, SIGPIPE ends that, not the test.
    ( head -c $((FRAME * 3 * 15)) "$WORK/in.rgb" >&3 ) 2> /dev/null
    # The writer stays open: bgsub waits for frame 16 when it is interrupted.
    i=0; while [ ! -f "$WORK/int/bin000015.png" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    kill -INT $pid; wait $pid; rc=$?
    exec 3>&-
    ffmpeg -nostdin -loglevel error -i "$WORK/int.mkv" -f rawvideo -pix_fmt gray - > "$WORK/int.raw"
    frames=$(ffprobe -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$WORK/int.mp4")
    head -c $((FRAME * 15)) "$WORK/ref.raw" | cmp -s - "$WORK/int.raw"
    ok_videos=$?
    [ $rc -eq 130 ] && [ $ok_videos -eq 0 ] && [ "$frames" = 15 ] && grep -q '(interrupted)' "$WORK/int.err" &&
        [ -s "$WORK/int.csv" ] && no_temp_files "$WORK" &&
        ok "SIGINT: status 130, mask and overlay videos finished with the 15 frames done, blobs kept" ||
        fail "SIGINT finishes the videos" "rc=$rc overlay frames=$frames" "$(cat "$WORK/int.err")"
else skip "SIGINT finishes the videos" "no ffmpeg or no mkfifo"; fi

# --- SIGINT while a container stream on a pipe has stalled ------------------------
# The whole sample is written into a FIFO whose writer then stays open, so
# bgsub's reader thread blocks in read() for more: the interrupt must still
# end the run at once, with status 130 and the masks of the frames done.
if mkfifo "$WORK/fifo2" 2> /dev/null; then
    "$B" - -o "$WORK/stall" < "$WORK/fifo2" 2> "$WORK/stall.err" &
    pid=$!
    exec 4> "$WORK/fifo2"
    ( cat samples/sample.mp4 >&4 ) 2> /dev/null
    i=0; while [ ! -f "$WORK/stall/bin000250.png" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    sleep 0.5 # the decoder now waits for the rest of the stream
    kill -INT $pid
    # A watchdog: bgsub must be gone within 5 s.
    i=0; while kill -0 $pid 2> /dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if kill -0 $pid 2> /dev/null; then
        kill -KILL $pid; wait $pid
        fail "SIGINT on a stalled pipe" "bgsub still running 5 s after SIGINT"
    else
        wait $pid; rc=$?
        n=$(ls "$WORK/stall" | grep -c '^bin[0-9]*\.png$')
        [ $rc -eq 130 ] && [ "$n" -ge 250 ] && grep -q '(interrupted)' "$WORK/stall.err" &&
            no_temp_files "$WORK/stall" &&
            ok "SIGINT on a stalled pipe: status 130 within 5 s, $n masks kept" ||
            fail "SIGINT on a stalled pipe" "rc=$rc, $n masks" "$(cat "$WORK/stall.err")"
    fi
    exec 4>&-
else skip "SIGINT on a stalled pipe" "no mkfifo"; fi

no_temp_files "$WORK" "$WORK"/* && ok "no temporary files left anywhere" || fail "temporary files" "$(ls -a "$WORK")"
finish
