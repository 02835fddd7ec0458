#!/bin/sh
# test_run.sh - the main command driven the way a user drives it: every flag,
# every error path, checked by exit status, stderr and the files written.
. tests/cli/lib.sh

SYNTH=$BUILD/tools/synth
PNGINFO=$BUILD/tests/tools/pnginfo
B=$BGSUB_BIN

# A small synthetic sequence: 64x48, 40 frames.
SEQ=$WORK/seq
"$SYNTH" -o "$SEQ" --width 64 --height 48 --frames 40 --learn 10 --seed 7 > /dev/null 2>&1
if [ ! -f "$SEQ/input/in000040.png" ]; then
    fail "synthetic sequence" "$SYNTH did not write $SEQ/input/in000040.png"
    finish; exit
fi

count_masks() { ls "$1" 2>/dev/null | grep -c '^bin[0-9]*\.png$'; }

# --- help and version -------------------------------------------------------
run "$B" --help
if [ "$RC" -eq 0 ] && echo "$OUT" | grep -q -- '--alpha' && echo "$OUT" | grep -q 'Exit status'; then
    ok "--help lists options and exit statuses"; else fail "--help" "rc=$RC"; fi
missing=""
for p in components alpha bg-ratio lambda var-init var-min var-max weight-init learning-frames; do
    echo "$OUT" | grep -q -- "--$p " || missing="$missing $p"
done
[ -z "$missing" ] && ok "--help lists every model parameter" || fail "--help lists every model parameter" "missing:$missing"
run "$B" --version
echo "$OUT" | grep -Eq '^bgsub [0-9]+\.[0-9]+\.[0-9]+$' && [ "$RC" -eq 0 ] && ok "--version" || fail "--version" "$OUT"

# --- usage errors: exit 2, one line -----------------------------------------
expect_error "no arguments" 2 "no input" "$B"
expect_error "unknown option" 2 "unknown option '--nope'" "$B" --nope "$SEQ" -o "$WORK/x"
expect_error "missing -o" 2 "no output: give -o DIR" "$B" "$SEQ"
expect_error "option without value" 2 "needs a value" "$B" "$SEQ" -o
expect_error "alpha out of bounds" 2 "alpha must be between" "$B" --alpha 2 "$SEQ" -o "$WORK/x"
expect_error "alpha not a number" 2 "--alpha needs a number, not 'abc'" "$B" --alpha abc "$SEQ" -o "$WORK/x"
expect_error "components not whole" 2 "components must be a whole number" "$B" --components 2.5 "$SEQ" -o "$WORK/x"
expect_error "var-init below var-min" 2 "var-init .* must lie between" "$B" --var-init 4 --var-min 9 "$SEQ" -o "$WORK/x"
expect_error "frames 0" 2 "--frames needs a whole number" "$B" --frames 0 "$SEQ" -o "$WORK/x"
expect_error "bad mask pattern" 2 "mask-pattern" "$B" --mask-pattern 'x%s.png' "$SEQ" -o "$WORK/x"
expect_error "the same input twice" 2 "would both write to" "$B" "$SEQ" "$SEQ" -o "$WORK/x"
[ ! -e "$WORK/x" ] && ok "usage errors create no output" || fail "usage errors create no output" "$WORK/x exists"

# --- input errors: exit 3, one line naming the file -------------------------
expect_error "missing input" 3 "$WORK/none.mp4" "$B" "$WORK/none.mp4" -o "$WORK/x"
mkdir -p "$WORK/empty"
expect_error "folder without images" 3 "$WORK/empty" "$B" "$WORK/empty" -o "$WORK/x"
mkdir -p "$WORK/corrupt"
cp "$SEQ"/input/in00000[1-3].png "$WORK/corrupt/"
head -c 100 "$SEQ/input/in000004.png" > "$WORK/corrupt/in000004.png"
expect_error "truncated PNG in a sequence" 3 "in000004.png" "$B" "$WORK/corrupt" -o "$WORK/xc"
echo "not a video" > "$WORK/fake.mp4"
expect_error "file that is not a video" 3 "fake.mp4" "$B" "$WORK/fake.mp4" -o "$WORK/x"
expect_error "start frame past the end" 3 "past the last frame" "$B" --start-frame 100 "$SEQ" -o "$WORK/x"

# --- output errors: exit 4 --------------------------------------------------
touch "$WORK/afile"
expect_error "output is a file" 4 "$WORK/afile" "$B" "$SEQ" -o "$WORK/afile"

# --- a normal run -----------------------------------------------------------
OUTD=$WORK/out
run "$B" -q "$SEQ" -o "$OUTD"
[ "$RC" -eq 0 ] && [ -z "$ERR" ] && ok "run exits 0, quiet" || fail "run" "rc=$RC" "$ERR"
n=$(count_masks "$OUTD")
[ "$n" -eq 40 ] && ok "one mask per frame" || fail "one mask per frame" "got $n masks"
[ -f "$OUTD/bin000001.png" ] && [ -f "$OUTD/bin000040.png" ] && ok "masks numbered from 1" || fail "masks numbered from 1" "$(ls "$OUTD" | head -3)"
info=$("$PNGINFO" "$OUTD/bin000030.png")
echo "$info" | grep -Eq '^64x48 channels=1 values=(0|255|0,255) ' && ok "mask is 8-bit gray 0/255" || fail "mask format" "$info"
ls -a "$OUTD" | grep -q '\.tmp' && fail "no temporary files left" "$(ls -a "$OUTD")" || ok "no temporary files left"

# Learning phase: with the default N (100) every mask of 40 frames is blank.
info=$("$PNGINFO" "$OUTD/bin000040.png")
echo "$info" | grep -q 'ones=0$' && ok "learning phase masks are background" || fail "learning phase" "$info"

# Existing masks are not overwritten without --force.
expect_error "existing masks refused" 4 "already exists.*--force" "$B" -q "$SEQ" -o "$OUTD"
expect_status "--force overwrites" 0 "$B" -q --force "$SEQ" -o "$OUTD"

# Determinism: two runs, byte-identical masks.
"$B" -q --learning-frames 5 "$SEQ" -o "$WORK/d1" > /dev/null 2>&1
"$B" -q --learning-frames 5 "$SEQ" -o "$WORK/d2" > /dev/null 2>&1
if [ "$(count_masks "$WORK/d1")" -eq 40 ] && diff -r "$WORK/d1" "$WORK/d2" > /dev/null; then
    ok "two runs give identical masks"; else fail "determinism" "outputs differ"; fi
# After learning, the masks find the synthetic objects: scored against the
# scene's exact ground truth (an all-foreground or all-background mask
# scores precision or recall near 0; this run measured F 0.69, precision
# 0.56: objects seen while it learnt leave ghosts for about a second).
"$B" eval --json "$SEQ" "$WORK/d1" > "$WORK/d1.json" 2> /dev/null
f=$(grep -o '"f_measure": [0-9.]*' "$WORK/d1.json" | cut -d' ' -f2)
p=$(grep -o '"precision": [0-9.]*' "$WORK/d1.json" | cut -d' ' -f2)
awk -v f="$f" -v p="$p" 'BEGIN { exit !(f >= 0.6 && p >= 0.5) }' &&
    ok "objects detected after learning (F $f, precision $p against the ground truth)" ||
    fail "objects detected after learning" "F=$f precision=$p"

# Start frame and frame count.
run "$B" -q --start-frame 5 --frames 3 "$SEQ" -o "$WORK/sf"
ls "$WORK/sf" | tr '\n' ' ' | grep -q '^bin000005.png bin000006.png bin000007.png $' \
    && ok "--start-frame/--frames" || fail "--start-frame/--frames" "$(ls "$WORK/sf" | tr '\n' ' ')"

# Mask pattern, gray, background images, printf-pattern input.
run "$B" -q --gray --mask-pattern 'm%03d.png' --background --background-every 10 \
    "$SEQ/input/in%06d.png" -o "$WORK/g"
[ "$RC" -eq 0 ] && [ -f "$WORK/g/m001.png" ] && [ -f "$WORK/g/m040.png" ] \
    && ok "--mask-pattern, --gray, pattern input" || fail "--mask-pattern/--gray" "rc=$RC $ERR"
info=$("$PNGINFO" "$WORK/g/background.png")
echo "$info" | grep -q '^64x48 channels=1' && ok "--background writes gray background.png" || fail "--background" "$info"
n=$(ls "$WORK/g" | grep -c '^bg0000[0-9]*\.png$')
[ "$n" -eq 4 ] && ok "--background-every 10 writes 4 images" || fail "--background-every" "$n images"
run "$B" -q --background "$SEQ" -o "$WORK/c"
info=$("$PNGINFO" "$WORK/c/background.png")
echo "$info" | grep -q '^64x48 channels=3' && ok "colour background.png" || fail "colour background" "$info"
# ... and it is the scene's background: over the pixels the ground truth
# calls static in the last frame, the background image and the frame agree
# (median ratio near 1, few pixels more than 25 levels apart: the pond
# ripples and the light drifts). Measured: median 1.006, changed 0.043.
st=$("$BUILD/tests/tools/pixstat" "$WORK/c/background.png" "$SEQ/input/in000040.png"      "$SEQ/groundtruth/gt000040.png" 0)
echo "$st" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
    END { exit !(v["ratio_median"] > 0.97 && v["ratio_median"] < 1.03 && v["changed"] < 0.1) }' &&
    ok "background.png matches the static pixels of the scene ($st)" ||
    fail "background.png is not the scene's background" "$st"

# Summary line on stderr when not quiet.
run "$B" --learning-frames 5 "$SEQ" -o "$WORK/s"
echo "$ERR" | grep -Eq '^bgsub: 40 frames \(5 learning\) 64x48 .* frames/s' \
    && ok "summary line" || fail "summary line" "$ERR"

# --- threads, writers, bad frames, checkpoints ------------------------------
expect_error "threads out of range" 2 "--threads needs a whole number" "$B" -j 999 "$SEQ" -o "$WORK/x"
# Default threads: one per core, but one below 1280x720 (the decoder and the
# writers keep the other cores busy); -j N is taken as given. The expected
# counts come from the online cores as getconf counts them (what the library
# asks of sysconf; nproc would count only this process's allowed cores).
cores=$(getconf _NPROCESSORS_ONLN 2> /dev/null || echo 1)
threads_of() { printf '%s\n' "$ERR" | sed -n 's/^bgsub: model: .*, \([0-9]*\) threads\{0,1\}, .*/\1/p'; }
run "$B" -v --learning-frames 5 "$SEQ" -o "$WORK/j_default"
[ "$RC" -eq 0 ] && [ "$(threads_of)" = 1 ] &&
    ok "64x48 frames, no -j: one model thread" || fail "64x48 default threads" "rc=$RC threads '$(threads_of)'" "$ERR"
run "$B" -v -j 2 --learning-frames 5 "$SEQ" -o "$WORK/j_two"
[ "$RC" -eq 0 ] && [ "$(threads_of)" = 2 ] &&
    ok "64x48 frames, -j 2: two model threads" || fail "64x48 -j 2" "rc=$RC threads '$(threads_of)'" "$ERR"
"$SYNTH" -o "$WORK/hd" --width 1280 --height 720 --frames 3 --learn 1 --seed 3 > /dev/null 2>&1
run "$B" -v --learning-frames 1 "$WORK/hd" -o "$WORK/j_hd"
[ "$RC" -eq 0 ] && [ "$(threads_of)" = "$cores" ] &&
    ok "1280x720 frames, no -j: one model thread per core ($cores)" ||
    fail "1280x720 default threads" "rc=$RC threads '$(threads_of)', cores $cores" "$ERR"
expect_error "writers out of range" 2 "--writers needs a whole number" "$B" --writers 0 "$SEQ" -o "$WORK/x"
expect_error "on-error bad value" 2 "--on-error takes skip or stop" "$B" --on-error maybe "$SEQ" -o "$WORK/x"
"$B" -q -j 1 --learning-frames 5 "$SEQ" -o "$WORK/j1" > /dev/null 2>&1
"$B" -q -j 3 --writers 3 --learning-frames 5 "$SEQ" -o "$WORK/j3" > /dev/null 2>&1
if [ "$(count_masks "$WORK/j3")" -eq 40 ] && diff -r "$WORK/j1" "$WORK/j3" > /dev/null; then
    ok "-j 1 and -j 3 --writers 3 give identical masks"; else fail "-j / --writers" "outputs differ"; fi

# A broken frame in the middle: stop (default) or skip it, keeping numbers.
mkdir -p "$WORK/bad"
cp "$SEQ"/input/in0000[0-3]*.png "$WORK/bad/"
head -c 200 "$SEQ/input/in000012.png" > "$WORK/bad/in000012.png"
expect_error "--on-error stop: a broken frame stops" 3 "in000012.png" "$B" -q "$WORK/bad" -o "$WORK/bad-stop"
run "$B" --on-error skip --learning-frames 5 "$WORK/bad" -o "$WORK/bad-skip"
if [ "$RC" -eq 0 ] && [ "$(count_masks "$WORK/bad-skip")" -eq 38 ] && [ ! -f "$WORK/bad-skip/bin000012.png" ] \
   && [ -f "$WORK/bad-skip/bin000013.png" ] && echo "$ERR" | grep -q '1 undecodable frames skipped'; then
    ok "--on-error skip: frame 12 skipped, numbering kept, reported"
else
    fail "--on-error skip" "rc=$RC masks=$(count_masks "$WORK/bad-skip")" "$ERR"
fi

# Checkpoints: 20 frames, save, resume from frame 21 = one uninterrupted run.
"$B" -q --learning-frames 5 "$SEQ" -o "$WORK/whole" > /dev/null 2>&1
run "$B" -q --learning-frames 5 --frames 20 --save-model "$WORK/m.bgm" "$SEQ" -o "$WORK/part1"
run2_rc=$RC
run "$B" -q --load-model "$WORK/m.bgm" --start-frame 21 "$SEQ" -o "$WORK/part2"
same=1
for n in $(seq 21 40); do
    f=$(printf 'bin%06d.png' "$n")
    cmp -s "$WORK/whole/$f" "$WORK/part2/$f" || same=0
done
if [ "$run2_rc" -eq 0 ] && [ "$RC" -eq 0 ] && [ "$same" -eq 1 ] && [ "$(count_masks "$WORK/part2")" -eq 20 ]; then
    ok "resuming from --save-model gives the masks of an uninterrupted run"
else
    fail "checkpoint resume" "rc=$run2_rc/$RC same=$same" "$ERR"
fi
ls "$WORK" | grep -q 'm.bgm.tmp' && fail "checkpoint temp file left" || ok "no checkpoint temp file left"
cp "$WORK/m.bgm" "$WORK/damaged.bgm"
printf 'XXXX' | dd of="$WORK/damaged.bgm" bs=1 seek=200 conv=notrunc 2> /dev/null
expect_error "--load-model damaged" 3 "damaged.bgm: model checkpoint is damaged" "$B" --load-model "$WORK/damaged.bgm" "$SEQ" -o "$WORK/x"
head -c 50 "$WORK/m.bgm" > "$WORK/short.bgm"
expect_error "--load-model truncated" 3 "short.bgm" "$B" --load-model "$WORK/short.bgm" "$SEQ" -o "$WORK/x"
expect_error "--load-model not a model" 3 "not a bgsub model checkpoint" "$B" --load-model "$SEQ/input/in000001.png" "$SEQ" -o "$WORK/x"
expect_error "--load-model missing" 3 "nomodel.bgm: cannot open" "$B" --load-model "$WORK/nomodel.bgm" "$SEQ" -o "$WORK/x"
expect_error "--load-model for gray on colour" 3 "model is for 64x48 frames with 3 channel" "$B" --gray --load-model "$WORK/m.bgm" "$SEQ" -o "$WORK/x"
expect_error "--load-model with another K" 2 "components cannot change" "$B" --components 4 --load-model "$WORK/m.bgm" "$SEQ" -o "$WORK/x"

# A closed pipe: statistics to a reader that has gone. No crash (SIGPIPE is
# ignored), one line, status 4, and every mask still complete.
sh -c '"$0" -q --stats - --learning-frames 5 "$1" -o "$2" 2> "$3"; echo $? > "$3.rc"' \
    "$B" "$SEQ" "$WORK/pipe" "$WORK/pipe.err" | true
sleep 0.5 # the reader is gone at once; bgsub writes its statistics at the end
pipe_rc=$(cat "$WORK/pipe.err.rc" 2> /dev/null || echo none)
if [ "$pipe_rc" = 4 ] && grep -q 'Broken pipe' "$WORK/pipe.err" && [ "$(count_masks "$WORK/pipe")" -eq 40 ]; then
    ok "--stats - into a closed pipe: status 4, one line, masks complete"
else
    fail "closed pipe" "rc=$pipe_rc masks=$(count_masks "$WORK/pipe")" "$(cat "$WORK/pipe.err")"
fi

# --- video input ------------------------------------------------------------
if command -v ffmpeg > /dev/null 2>&1; then
    ffmpeg -loglevel error -y -framerate 10 -i "$SEQ/input/in%06d.png" -c:v mjpeg -q:v 3 "$WORK/v.avi"
    ffmpeg -loglevel error -y -framerate 10 -i "$SEQ/input/in%06d.png" -c:v libx264 -pix_fmt yuv420p "$WORK/v.mkv" 2> /dev/null \
        || ffmpeg -loglevel error -y -framerate 10 -i "$SEQ/input/in%06d.png" -c:v ffv1 "$WORK/v.mkv"
    for v in v.avi v.mkv; do
        run "$B" -q "$WORK/$v" -o "$WORK/out-$v"
        n=$(count_masks "$WORK/out-$v")
        [ "$RC" -eq 0 ] && [ "$n" -eq 40 ] && ok "video input $v" || fail "video input $v" "rc=$RC masks=$n $ERR"
    done
    head -c 3000 "$WORK/v.avi" > "$WORK/trunc.avi"
    run "$B" -q "$WORK/trunc.avi" -o "$WORK/out-trunc"
    [ "$RC" -eq 0 ] || [ "$RC" -eq 3 ] && ok "truncated video: no crash (rc=$RC)" || fail "truncated video" "rc=$RC $ERR"
else
    skip "video input" "ffmpeg CLI not installed (make deps installs it)"
fi
if [ -f samples/sample.mp4 ]; then
    run "$B" -q --frames 20 samples/sample.mp4 -o "$WORK/sample"
    [ "$RC" -eq 0 ] && [ "$(count_masks "$WORK/sample")" -eq 20 ] && ok "bundled sample video" || fail "bundled sample video" "rc=$RC $ERR"
else
    fail "bundled sample video" "samples/sample.mp4 is missing"
fi

# --- interruption -----------------------------------------------------------
# A long sequence made of links to the synthetic frames (3000 frames), so the
# run is still going when the signal comes; the signal is sent once masks
# appear.
# (One python3 process makes them in a second; a shell loop takes ten.)
mkdir -p "$WORK/long"
if ! python3 -c 'import os, sys
for i in range(1, 3001):
    os.symlink("%s/in%06d.png" % (sys.argv[1], (i - 1) % 40 + 1), "%s/in%06d.png" % (sys.argv[2], i))' \
        "$SEQ/input" "$WORK/long" 2> /dev/null; then
    i=1
    while [ $i -le 3000 ]; do
        src=$(( (i - 1) % 40 + 1 ))
        ln -sf "$SEQ/input/$(printf 'in%06d.png' $src)" "$WORK/long/$(printf 'in%06d.png' $i)"
        i=$((i + 1))
    done
fi
"$B" -q "$WORK/long" -o "$WORK/int" 2> "$WORK/int.err" &
pid=$!
tries=0
while [ ! -f "$WORK/int/bin000020.png" ] && [ $tries -lt 200 ]; do sleep 0.05; tries=$((tries + 1)); done
kill -INT $pid 2> /dev/null
wait $pid
rc=$?
n=$(count_masks "$WORK/int")
if [ "$rc" -eq 130 ] && [ "$n" -gt 0 ] && [ "$n" -lt 3000 ]; then
    bad=$("$PNGINFO" "$WORK"/int/bin*.png 2>&1 > /dev/null | grep -c .)
    last=$(printf 'bin%06d.png' "$n")
    if [ "$bad" -eq 0 ] && [ -f "$WORK/int/$last" ]; then
        ok "SIGINT: exit 130, $n complete masks, none missing"
    else
        fail "SIGINT" "$bad unreadable masks, or $last missing"
    fi
elif [ "$rc" -eq 0 ] && [ "$n" -eq 3000 ]; then
    skip "SIGINT" "the run finished before the signal"
else
    fail "SIGINT" "rc=$rc masks=$n" "$(cat "$WORK/int.err")"
fi

# SIGHUP (the terminal closed) is an interrupt like SIGINT and SIGTERM:
# status 130, the statistics and the model written, no temporary file left
# (by default SIGHUP killed the process: none of them, a .tmp file behind).
"$B" -q "$WORK/long" -o "$WORK/hup" --stats "$WORK/hup.json" --save-model "$WORK/hup.bgm" \
    2> "$WORK/hup.err" &
pid=$!
tries=0
while [ ! -f "$WORK/hup/bin000020.png" ] && [ $tries -lt 200 ]; do sleep 0.05; tries=$((tries + 1)); done
kill -HUP $pid 2> /dev/null
wait $pid
rc=$?
n=$(count_masks "$WORK/hup")
tmp=$(find "$WORK/hup" "$WORK" -maxdepth 1 -name '*.tmp*' | head -n 3)
frames=$(grep -o '"frames": [0-9]*' "$WORK/hup.json" 2> /dev/null | sed 's/.*: //')
if [ "$rc" -eq 130 ] && [ -s "$WORK/hup.bgm" ] && [ "$frames" = "$n" ] && [ "$n" -lt 3000 ] &&
   grep -q '"interrupted": true' "$WORK/hup.json" && [ -z "$tmp" ]; then
    ok "SIGHUP: exit 130, $n masks, statistics of $frames frames and the model written, no .tmp"
elif [ "$rc" -eq 0 ] && [ "$n" -eq 3000 ]; then
    skip "SIGHUP" "the run finished before the signal"
else
    fail "SIGHUP" "rc=$rc masks=$n frames=${frames:-none} model=$(wc -c < "$WORK/hup.bgm" 2> /dev/null)" \
         "temporary files: $tmp" "$(cat "$WORK/hup.err")"
fi

# SIGINT while --start-frame passes over frames (raw frames from a FIFO
# whose writer has stalled after 10 of them): an interrupt, 130, not "past
# the last frame" (3).
mkfifo "$WORK/sf.fifo"
exec 5<> "$WORK/sf.fifo"
head -c $((32 * 32 * 10)) /dev/zero >&5
"$B" -q --raw 32x32:gray --start-frame 100 "$WORK/sf.fifo" -o "$WORK/sf" 2> "$WORK/sf.err" &
pid=$!
sleep 0.5
kill -INT $pid 2> /dev/null
wait $pid
rc=$?
exec 5>&-
if [ "$rc" -eq 130 ] && grep -q 'interrupted' "$WORK/sf.err" && [ "$(grep -c . "$WORK/sf.err")" -eq 1 ]; then
    ok "SIGINT while --start-frame skips: exit 130, one line saying so"
else
    fail "SIGINT while --start-frame skips" "rc=$rc, expected 130" "$(cat "$WORK/sf.err")"
fi

# Any output is an output: --stats-csv alone (no -o) counts foreground.
run "$B" -q --learning-frames 5 --stats-csv "$WORK/only.csv" "$SEQ"
lines=$(wc -l < "$WORK/only.csv" 2> /dev/null)
frames=$(ls "$SEQ"/input/*.png | wc -l)
[ "$RC" -eq 0 ] && [ "${lines:-0}" -eq $((frames + 1)) ] &&
    ok "--stats-csv alone is an output ($lines lines for $frames frames)" ||
    fail "--stats-csv alone" "rc=$RC lines=$lines $ERR"

# The summary says why the first masks are blank.
run "$B" --learning-frames 7 "$SEQ" -o "$WORK/summary"
printf '%s\n' "$ERR" | grep -q "the first 7 masks are blank: the model was learning the background" &&
    ok "the summary names the learning phase" || fail "summary learning note" "$ERR"

finish
