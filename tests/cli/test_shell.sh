#!/bin/sh
# test_shell.sh - bgsub from a shell: the progress line on a terminal (a
# pseudo-terminal made by script(1)), none when stderr is not a terminal,
# -v, and the --stats / --stats-csv files a script reads.
. tests/cli/lib.sh

SYNTH=$BUILD/tools/synth
B=$BGSUB_BIN
ESC=$(printf '\033')
CR=$(printf '\r')

# A small synthetic sequence: 64x48, 40 frames.
SEQ=$WORK/seq
"$SYNTH" -o "$SEQ" --width 64 --height 48 --frames 40 --learn 10 --seed 3 > /dev/null 2>&1
if [ ! -f "$SEQ/input/in000040.png" ]; then
    fail "synthetic sequence" "$SYNTH did not write $SEQ/input/in000040.png"
    finish; exit
fi

# The progress line is drawn every 0.1 s, so its input must take longer than
# that: the sample (300 frames, a third of a second here), and for several
# draws the sample looped five times (1500 frames), made with the ffmpeg
# program where it is installed. RAW is the sample as a raw H.264 stream,
# whose length is unknown.
SAMPLE=samples/sample.mp4
LONG=$SAMPLE LONG_N=300 RAW=""
if command -v ffmpeg > /dev/null &&
   ffmpeg -loglevel error -nostdin -stream_loop 4 -i "$SAMPLE" -c copy -y "$WORK/loop.mp4" &&
   ffmpeg -loglevel error -nostdin -i "$SAMPLE" -c copy -f h264 -y "$WORK/sample.h264"; then
    LONG=$WORK/loop.mp4 LONG_N=1500 RAW=$WORK/sample.h264
fi

# in_terminal FILE CMD: run the shell command CMD with stdin, stdout and
# stderr on a pseudo-terminal; everything it wrote goes to FILE.
in_terminal() {
    out=$1; shift
    script -qfec "$*" /dev/null < /dev/null > "$out" 2>&1
}

# --- the progress line ---------------------------------------------------------
if ! command -v script > /dev/null; then
    skip "progress line on a terminal" "script(1) is not installed (bsdutils)"
else
    in_terminal "$WORK/tty.txt" "'$B' -j 1 '$LONG' -o '$WORK/p1'"; rc=$?
    # Drawn as CR, the line, erase-to-end-of-line; erased before the summary.
    draws=$(tr '\r' '\n' < "$WORK/tty.txt" |
            grep -cE "^bgsub: [0-9]+/$LONG_N frames \([0-9]+%\), [0-9]+\.[0-9] frames/s, ETA [0-9]+:[0-9]{2}$ESC\[K")
    if [ "$rc" -eq 0 ] && [ "$draws" -ge 1 ]; then
        ok "progress: frames done/total, %, frames/s, ETA ($draws draws)"
    else fail "progress line on a terminal" "rc=$rc draws=$draws" "$(cat -v "$WORK/tty.txt" | head -c 600)"; fi
    # At most about ten draws a second: the run's seconds are in the summary.
    secs=$(sed -n 's/.* in \([0-9.]*\) s: .*/\1/p' "$WORK/tty.txt")
    awk -v d="$draws" -v s="$secs" 'BEGIN { exit !(s != "" && d <= 10 * s + 2) }' &&
        ok "progress: at most ~10 draws a second ($draws in $secs s)" ||
        fail "progress: at most ~10 draws a second" "$draws draws in '$secs' s"
    grep -qF "${CR}${ESC}[Kbgsub: $LONG_N frames (" "$WORK/tty.txt" &&
        ok "progress: erased before the summary line" ||
        fail "progress: erased before the summary line" "$(tail -c 300 "$WORK/tty.txt" | cat -v)"

    # While the model learns, the line says why the masks are blank.
    in_terminal "$WORK/tty5.txt" "'$B' -j 1 --learning-frames $((LONG_N - 10)) '$LONG' -o '$WORK/p5'"
    tr '\r' '\n' < "$WORK/tty5.txt" |
        grep -qE "^bgsub: [0-9]+/$LONG_N frames .*; learning the background: the first $((LONG_N - 10)) masks are blank$ESC\[K" &&
        ok "progress: the learning phase is named while it lasts" ||
        fail "progress: learning phase" "$(cat -v "$WORK/tty5.txt" | head -c 400)"

    if [ -n "$RAW" ]; then
        in_terminal "$WORK/tty2.txt" "'$B' -j 1 '$RAW' -o '$WORK/p2'"
        tr '\r' '\n' < "$WORK/tty2.txt" | grep -qE "^bgsub: [0-9]+ frames, [0-9]+\.[0-9] frames/s$ESC\[K" &&
            ok "progress: unknown length shows frames and frames/s" ||
            fail "progress: unknown length" "$(cat -v "$WORK/tty2.txt" | head -c 400)"
    else
        skip "progress: unknown length" "ffmpeg is not installed (it makes the raw H.264 input)"
    fi

    in_terminal "$WORK/tty3.txt" "'$B' -q -j 1 '$SAMPLE' -o '$WORK/p3'"; rc=$?
    [ "$rc" -eq 0 ] && [ ! -s "$WORK/tty3.txt" ] && ok "progress: none with --quiet" ||
        fail "progress: none with --quiet" "rc=$rc" "$(cat -v "$WORK/tty3.txt" | head -c 300)"
fi

"$B" -j 1 "$SAMPLE" -o "$WORK/p4" > "$WORK/out.txt" 2> "$WORK/err.txt"; rc=$?
lines=$(wc -l < "$WORK/err.txt")
if [ "$rc" -eq 0 ] && [ "$lines" -eq 1 ] && ! grep -q "[$CR$ESC]" "$WORK/err.txt" &&
   grep -q '^bgsub: .* frames/s' "$WORK/err.txt"; then
    ok "no progress line when stderr is not a terminal"
else fail "no progress line when stderr is not a terminal" "rc=$rc lines=$lines" "$(cat -v "$WORK/err.txt" | head -c 300)"; fi

# --- -v ------------------------------------------------------------------------
run "$B" -v --frames 5 "$SAMPLE" -o "$WORK/v1"
echo "$ERR" | grep -qE '^bgsub: input .*: video, 320x240, 25\.00 frames/s, 5 frames to process$' &&
    echo "$ERR" | grep -qE '^bgsub: model: colour, 3 components, kernel (scalar|avx2|avx512), [0-9]+ threads?, 32 bytes/pixel' &&
    echo "$ERR" | grep -q '^bgsub: output: masks ' && [ "$RC" -eq 0 ] &&
    ok "-v: input kind and rate, kernel, threads, bytes/pixel" || fail "-v" "rc=$RC" "$ERR"
run "$B" --verbose -j 1 --gray "$SEQ" -o "$WORK/v2"
echo "$ERR" | grep -qE '^bgsub: input .*: folder of images, 64x48, no frame rate, 40 frames to process$' &&
    echo "$ERR" | grep -qE '^bgsub: model: gray, .* 1 thread, 20 bytes/pixel' &&
    ok "--verbose on an image folder, gray, one thread" || fail "--verbose on an image folder" "$ERR"
run "$B" -v -j 1 --gray --frames 3 "$SEQ" -o "$WORK/v4/"
echo "$ERR" | grep -qxF "bgsub: output: masks $WORK/v4/bin%06d.png, 1 writer thread" &&
    ! echo "$ERR" | grep -q '//' && [ -f "$WORK/v4/bin000001.png" ] &&
    ok "-v with -o DIR/: the mask pattern without a double slash" || fail "-v with -o DIR/" "$ERR"
run "$B" -v -q "$SEQ" -o "$WORK/v3"
[ "$RC" -eq 0 ] && [ -z "$ERR" ] && ok "-q wins over -v" || fail "-q wins over -v" "$ERR"

# --- --stats ------------------------------------------------------------------
# json_array KEY FILE: the elements of the one-line array KEY, one a line.
json_array() { sed -n "s/^  \"$1\": \[\(.*\)\],*$/\1/p" "$2" | tr ',' '\n' | sed 's/ //g' | grep -c .; }
J=$WORK/stats.json
run "$B" -q --start-frame 3 --frames 25 --learning-frames 10 "$SEQ" -o "$WORK/s1" --stats "$J"
[ "$RC" -eq 0 ] && [ -z "$OUT" ] && [ -f "$J" ] && ok "--stats FILE writes the file, nothing on stdout" ||
    fail "--stats FILE" "rc=$RC" "$ERR"
missing=""
for key in input output width height channels first_frame frames learning_frames skipped_frames \
           interrupted seconds frames_per_second model_frames_per_second mean_foreground kernel \
           threads bytes_per_pixel params frame_numbers foreground; do
    grep -q "^  \"$key\": " "$J" || missing="$missing $key"
done
[ -z "$missing" ] && ok "--stats: every key" || fail "--stats: every key" "missing:$missing"
missing=""
for p in components alpha bg-ratio lambda var-init var-min var-max weight-init learning-frames \
         shadows shadow-value shadow-min-brightness shadow-max-brightness shadow-chroma \
         median open close fill-holes min-area relearn-fraction relearn-frames; do
    grep -q "\"$p\": [0-9]" "$J" || missing="$missing $p"
done
[ -z "$missing" ] && ok "--stats: every parameter by name" || fail "--stats: every parameter" "missing:$missing"
n=$(json_array foreground "$J"); m=$(json_array frame_numbers "$J")
[ "$n" -eq 25 ] && [ "$m" -eq 25 ] && grep -q '^  "frames": 25,$' "$J" &&
    ok "--stats: per-frame arrays of 25 for 25 frames" || fail "--stats: per-frame arrays" "foreground $n, frame_numbers $m"
grep -q '^  "frame_numbers": \[3, 4, .* 27\],$' "$J" && grep -q '^  "first_frame": 3,$' "$J" &&
    grep -qE '"learning-frames": 10[,}]' "$J" && grep -q '^  "learning_frames": 10,$' "$J" &&
    grep -q '^  "interrupted": false,$' "$J" &&
    ok "--stats: frame numbers from --start-frame, parameters used" || fail "--stats: values" "$(head -c 800 "$J")"
if command -v python3 > /dev/null; then
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert len(d["foreground"]) == d["frames"]' "$J" &&
        ok "--stats: valid JSON (python3)" || fail "--stats: valid JSON"
else skip "--stats: valid JSON" "python3 is not installed"; fi
ls -a "$WORK" | grep -q 'stats\.json\.tmp' && fail "--stats: no temporary file left" || ok "--stats: no temporary file left"

run "$B" -q "$SEQ" -o "$WORK/s2" --stats -
echo "$OUT" | head -n 1 | grep -qx '{' && echo "$OUT" | grep -q '^  "frames": 40,$' &&
    [ "$(echo "$OUT" > "$WORK/so.json"; json_array foreground "$WORK/so.json")" -eq 40 ] &&
    ok "--stats - prints the JSON on stdout" || fail "--stats -" "rc=$RC" "$(echo "$OUT" | head -c 300)"
run "$B" "$SEQ" -o "$WORK/s3" --stats -
[ "$RC" -eq 0 ] && [ "$(echo "$ERR" | wc -l)" -eq 1 ] && echo "$ERR" | grep -q '^bgsub: 40 frames' &&
    ok "--stats -: the summary stays on stderr" || fail "--stats -: summary on stderr" "$ERR"

# --- --stats-csv ---------------------------------------------------------------
C=$WORK/stats.csv
run "$B" -q --frames 30 "$SEQ" -o "$WORK/c1" --stats-csv "$C"
lines=$(wc -l < "$C")
data=$(grep -cE '^[0-9]+,[01]\.[0-9]{6}$' "$C")
[ "$RC" -eq 0 ] && [ "$(head -n 1 "$C")" = "frame,foreground" ] && [ "$lines" -eq 31 ] && [ "$data" -eq 30 ] &&
    ok "--stats-csv: a header and one line per frame (30)" || fail "--stats-csv" "rc=$RC lines=$lines data=$data"
[ "$(sed -n 2p "$C" | cut -d, -f1)" = 1 ] && [ "$(tail -n 1 "$C" | cut -d, -f1)" = 30 ] &&
    ok "--stats-csv: frames numbered from 1" || fail "--stats-csv: numbering" "$(head -n 3 "$C")"
run "$B" -q --frames 30 "$SEQ" -o "$WORK/c2" --stats-csv - --stats "$WORK/both.json"
[ "$RC" -eq 0 ] && [ "$(echo "$OUT" | wc -l)" -eq 31 ] && [ "$(json_array foreground "$WORK/both.json")" -eq 30 ] &&
    ok "--stats-csv - and --stats FILE together" || fail "--stats-csv - with --stats" "rc=$RC" "$ERR"
# The CSV and the JSON agree, frame by frame.
sed 1d "$C" | cut -d, -f2 > "$WORK/csv.fg"
sed -n 's/^  "foreground": \[\(.*\)\]$/\1/p' "$WORK/both.json" | tr ',' '\n' | sed 's/ //g' > "$WORK/json.fg"
cmp -s "$WORK/csv.fg" "$WORK/json.fg" && ok "--stats-csv and --stats agree" || fail "--stats-csv and --stats agree"

# --- errors and interruption ---------------------------------------------------
expect_error "--stats and --stats-csv both on stdout" 2 "cannot both write to stdout" \
    "$B" "$SEQ" -o "$WORK/e1" --stats - --stats-csv -
expect_error "--stats without a name" 2 "--stats needs a file name" "$B" "$SEQ" -o "$WORK/e2" --stats ''
expect_error "--stats into a missing folder" 4 "$WORK/none/s.json" \
    "$B" -q "$SEQ" -o "$WORK/e3" --stats "$WORK/none/s.json"
[ -f "$WORK/e3/bin000040.png" ] && ok "masks are kept when --stats fails" || fail "masks are kept when --stats fails"

"$B" -j 1 "$LONG" -o "$WORK/i1" --stats "$WORK/int.json" --stats-csv "$WORK/int.csv" 2> "$WORK/int.err" &
pid=$!
# The signal once masks appear: before its handler is set, bgsub (started in
# the background by a shell without job control) ignores SIGINT.
tries=0
while [ ! -f "$WORK/i1/bin000020.png" ] && [ $tries -lt 200 ]; do sleep 0.05; tries=$((tries + 1)); done
kill -INT "$pid" 2> /dev/null
wait "$pid"; rc=$?
if [ "$rc" -eq 0 ]; then
    skip "--stats when interrupted" "the run ended before the signal"
else
    frames=$(sed -n 's/^  "frames": \([0-9]*\),$/\1/p' "$WORK/int.json")
    if [ "$rc" -eq 130 ] && grep -q '^  "interrupted": true,$' "$WORK/int.json" &&
       [ "$(json_array foreground "$WORK/int.json")" -eq "$frames" ] &&
       [ "$(wc -l < "$WORK/int.csv")" -eq $((frames + 1)) ]; then
        ok "--stats and --stats-csv written when interrupted ($frames frames)"
    else fail "--stats when interrupted" "rc=$rc frames=$frames" "$(cat "$WORK/int.err")"; fi
fi

# --- devices and FIFOs are written to, never replaced ----------------------
# Every output is written to a temporary file and renamed into place; a rename
# over a device would replace it (as root, /dev/null itself). A private copy
# of the null device (root only: mknod) and a FIFO stand in for the real ones.
if mknod "$WORK/null" c 1 3 2> /dev/null; then
    "$B" -q "$SEQ" -o "$WORK/dev1" --frames 12 --stats "$WORK/null" --stats-csv "$WORK/null" \
        --save-model "$WORK/null" 2> "$WORK/dev.err"; rc=$?
    "$B" segment "$SEQ/input/in000001.png" -o "$WORK/null" 2>> "$WORK/dev.err"; rc2=$?
    if [ "$rc" -eq 0 ] && [ "$rc2" -eq 0 ] && [ -c "$WORK/null" ] &&
       [ -z "$(ls "$WORK" | grep 'null.*tmp')" ]; then
        ok "--stats, --save-model, segment -o to a device: still a device, no temporary files"
    else fail "outputs to a device" "rc=$rc rc2=$rc2 $(ls -l "$WORK/null")" "$(cat "$WORK/dev.err")"; fi
else
    skip "outputs to a device" "mknod needs root"
fi
mkfifo "$WORK/fifo"
cat "$WORK/fifo" > "$WORK/fifo.out" &
reader=$!
"$B" -q "$SEQ" -o "$WORK/dev2" --frames 12 --stats "$WORK/fifo" 2> "$WORK/fifo.err"; rc=$?
wait "$reader"
[ "$rc" -eq 0 ] && [ -p "$WORK/fifo" ] && grep -q '"frames": 12' "$WORK/fifo.out" &&
    ok "--stats to a FIFO: written through it, FIFO kept" ||
    fail "--stats to a FIFO" "rc=$rc" "$(cat "$WORK/fifo.err")"

finish
