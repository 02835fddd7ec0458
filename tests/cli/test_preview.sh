#!/bin/sh
# test_preview.sh - `bgsub --show`, the live preview window: options, the
# no-display failure, and under Xvfb (xvfb-run) snapshots of the window whose
# panes are checked against the decoded frame, the masks written and the
# ground truth (tests/tools/panecheck.c), pacing, and keys sent with xdotool.
# The window tests skip with a message where xvfb-run is missing or Xvfb
# cannot start; the key tests also where xdotool is missing.
. tests/cli/lib.sh

B=$BGSUB_BIN
SYNTH=$BUILD/tools/synth
PNGINFO=$BUILD/tests/tools/pnginfo
PANECHECK=$BUILD/tests/tools/panecheck
SAMPLE=samples/sample.mp4
GT=samples/sample-gt/groundtruth

count_masks() { ls "$1" 2>/dev/null | grep -c '^bin[0-9]*\.png$'; }
now_ms() { date +%s%N | cut -c1-13; }
one_line() { [ "$(printf '%s\n' "$1" | grep -c .)" -eq 1 ]; }

# Every mask in folder $1 reads back (none half-written).
all_masks_complete() {
    "$PNGINFO" "$1"/bin*.png > /dev/null 2>&1
}

# --- help and usage (no display needed) -------------------------------------
run "$B" --help
missing=""
for w in --show --realtime --no-realtime '--snapshot-at N FILE' 'Keys:' 'space' 'Esc' \
         '5 --show cannot open a window' '/dev/video0'; do
    echo "$OUT" | grep -q -- "$w" || missing="$missing '$w'"
done
[ -z "$missing" ] && ok "--help lists the preview options, keys and exit status 5" \
    || fail "--help lists the preview options" "missing:$missing"

expect_error "--snapshot-at needs --show" 2 "--snapshot-at only works with --show" \
    "$B" --snapshot-at 5 "$WORK/s.png" "$SAMPLE" -o "$WORK/u"
expect_error "--realtime needs --show" 2 "only works with --show" "$B" --realtime "$SAMPLE" -o "$WORK/u"
expect_error "--snapshot-at without a file" 2 "needs a frame number and a file name" \
    "$B" --show "$SAMPLE" --snapshot-at 5
expect_error "--snapshot-at 0" 2 "--snapshot-at needs a whole number" \
    "$B" --show --snapshot-at 0 "$WORK/s.png" "$SAMPLE"
expect_error "--background needs -o with --show" 2 "need -o DIR" "$B" --show --background "$SAMPLE"
expect_error "no -o and no --show" 2 "no output: give -o DIR" "$B" "$SAMPLE"
[ ! -e "$WORK/u" ] && ok "usage errors create no output" || fail "usage errors create no output" "$WORK/u exists"

# --- no display: one line, exit 5, at once, nothing written -----------------
t0=$(now_ms)
run env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$B" --show "$SAMPLE" -o "$WORK/nd"
t1=$(now_ms)
if [ "$RC" -eq 5 ] && one_line "$ERR" && [ -z "$OUT" ] &&
   echo "$ERR" | grep -q '^bgsub: --show: cannot open a window: no display (DISPLAY is not set)$'; then
    ok "no DISPLAY: exit 5 with one line"
else
    fail "no DISPLAY: exit 5 with one line" "rc=$RC" "stderr: $ERR"
fi
[ $((t1 - t0)) -lt 2000 ] && ok "no DISPLAY: fails in $((t1 - t0)) ms" || fail "no DISPLAY: fails fast" "$((t1 - t0)) ms"
[ ! -e "$WORK/nd" ] && ok "no DISPLAY: no output folder created" || fail "no DISPLAY: no output" "$WORK/nd exists"

# A DISPLAY that no X server answers: same, with SDL's reason.
if [ ! -e /tmp/.X11-unix/X917 ]; then
    t0=$(now_ms)
    run env -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER DISPLAY=:917 "$B" --show "$SAMPLE" -o "$WORK/nd"
    t1=$(now_ms)
    if [ "$RC" -eq 5 ] && one_line "$ERR" && echo "$ERR" | grep -q '^bgsub: --show: cannot open a window: .*DISPLAY=:917' &&
       [ $((t1 - t0)) -lt 2000 ] && [ ! -e "$WORK/nd" ]; then
        ok "dead DISPLAY: exit 5 with one line in $((t1 - t0)) ms"
    else
        fail "dead DISPLAY: exit 5 with one line, fast" "rc=$RC $((t1 - t0)) ms" "stderr: $ERR"
    fi
fi

# SDL2 is loaded only for --show: the program does not need it to start.
# Where a private mount namespace can be had (root, unshare), SDL2's library
# is hidden behind an empty file: --show fails with one line naming it, exit
# 5, nothing written; a run on files works as before.
sdl=$(ldconfig -p 2> /dev/null | sed -n 's/^[[:space:]]*libSDL2-2\.0\.so\.0 .*=> //p' | head -n 1)
if command -v readelf > /dev/null && readelf -d "$B" 2> /dev/null | grep -q 'NEEDED.*libSDL2'; then
    fail "SDL2 is not linked" "$(readelf -d "$B" | grep NEEDED)"
else
    ok "SDL2 is not linked: loaded when a window opens"
fi
if [ -n "$sdl" ] && unshare -m true 2> /dev/null; then
    run unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$(readlink -f "$sdl")" \
        env -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER DISPLAY=:917 "$B" --show "$SAMPLE" -o "$WORK/nosdl"
    if [ "$RC" -eq 5 ] && one_line "$ERR" && [ ! -e "$WORK/nosdl" ] &&
       echo "$ERR" | grep -q '^bgsub: --show: cannot open a window: SDL2 cannot be loaded (.*libSDL2-2\.0\.so\.0'; then
        ok "without SDL2's library: --show fails with one line, exit 5"
    else
        fail "without SDL2's library: --show fails with one line, exit 5" "rc=$RC" "stderr: $ERR"
    fi
    run unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$(readlink -f "$sdl")" \
        "$B" -q --frames 5 "$SAMPLE" -o "$WORK/nosdl-files"
    [ "$RC" -eq 0 ] && [ "$(count_masks "$WORK/nosdl-files")" -eq 5 ] &&
        ok "without SDL2's library: a run on a video works" ||
        fail "without SDL2's library: a run on a video works" "rc=$RC" "$ERR"
else
    skip "without SDL2's library" "no private mount namespace here (unshare -m needs root)"
fi

# --- under Xvfb ---------------------------------------------------------------
# xvfb SIZE CMD...: run CMD on a fresh virtual screen of SIZE (WxH), 24 bits.
# Its status is CMD's: xvfb-run exits with 5 of its own when removing its
# temporary folder fails after CMD has finished (seen when the machine is
# busy), which says nothing of CMD.
xvfb() {
    size=$1; shift
    rcfile=$WORK/xvfb.rc
    rm -f "$rcfile"
    env -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER xvfb-run -a -s "-screen 0 ${size}x24" \
        sh -c '"$@"; echo $? > "$0"' "$rcfile" "$@"
    outer=$?
    [ -s "$rcfile" ] && return "$(cat "$rcfile")"
    return $outer
}
if ! command -v xvfb-run > /dev/null 2>&1; then
    skip "preview under Xvfb" "xvfb-run is not installed (Debian: apt-get install xvfb xauth)"
    finish; exit
fi
if ! xvfb 640x480 sh -c 'test -n "$DISPLAY"' > "$WORK/xvfb.log" 2>&1; then
    skip "preview under Xvfb" "Xvfb cannot start here: $(head -n 1 "$WORK/xvfb.log")"
    finish; exit
fi

# panes NAME SNAPSHOT PANECHECK-ARGS...: the snapshot's panes hold what they should.
panes() {
    name=$1; shift
    if "$PANECHECK" "$@" > "$WORK/panecheck.out" 2>&1; then
        ok "$name: $(grep '^groundtruth' "$WORK/panecheck.out" | sed 's/ (.*//')"
    else
        fail "$name" "$PANECHECK $*" "$(cat "$WORK/panecheck.out")"
    fi
}

# 1. The sample at 1:1 (a screen wide enough for four 320-pixel panes). Frame
# 120 is 20 frames after learning, with a car and a pedestrian moving; the
# model's own masks score precision 0.87 and recall 0.98 there (the pond's
# ripples give most false positives). The mask pane must equal the mask file
# exactly, and score at least 0.75 / 0.9 against the ground truth: a pane
# showing anything else (another frame, the input, a shifted or blank mask)
# falls far below that.
run xvfb 1600x900 "$B" --show --no-realtime --snapshot-at 120 "$WORK/shot.png" \
    --frames 125 --background-every 120 "$SAMPLE" -o "$WORK/pv"
if [ "$RC" -eq 0 ] && [ "$(count_masks "$WORK/pv")" -eq 125 ] && [ -f "$WORK/shot.png" ] &&
   echo "$ERR" | grep -q "snapshot of frame 120 saved to $WORK/shot.png" &&
   echo "$ERR" | grep -Eq '^bgsub: 125 frames .* masks in '; then
    ok "--show -o: exit 0, 125 masks, snapshot, summary"
else
    fail "--show -o run" "rc=$RC masks=$(count_masks "$WORK/pv")" "stderr: $ERR"
fi
panes "sample 1:1, panes match frame, mask, background, ground truth" \
    "$WORK/shot.png" "$SAMPLE" 120 --mask "$WORK/pv/bin000120.png" \
    --background "$WORK/pv/bg000120.png" --gt "$GT/gt000120.png" \
    --min-precision 0.75 --min-recall 0.9
grep -q 'shown at 320x240' "$WORK/panecheck.out" && ok "sample shown at 1:1" \
    || fail "sample shown at 1:1" "$(head -n 1 "$WORK/panecheck.out")"

# 2. The same on a screen too small for 1:1: the window shrinks to fit and the
# panes scale down.
run xvfb 1280x720 "$B" --show --no-realtime --snapshot-at 120 "$WORK/small.png" \
    --frames 120 "$SAMPLE" -o "$WORK/pv-small"
[ "$RC" -eq 0 ] && [ -f "$WORK/small.png" ] && ok "--show on a small screen" || fail "--show on a small screen" "rc=$RC $ERR"
panes "sample scaled down, panes match" "$WORK/small.png" "$SAMPLE" 120 \
    --mask "$WORK/pv-small/bin000120.png" --gt "$GT/gt000120.png" \
    --min-precision 0.75 --min-recall 0.9
head -n 1 "$WORK/panecheck.out" | grep -Eq 'shown at (2[0-9][0-9]|1[0-9][0-9])x' \
    && ok "panes scaled down: $(head -n 1 "$WORK/panecheck.out" | sed 's/.*shown/shown/')" \
    || fail "panes scaled down" "$(head -n 1 "$WORK/panecheck.out")"

# 3. A small gray synthetic sequence (exact ground truth, no codec), zoomed
# up, without -o. 80x60 frames are coarse, so the model scores lower here
# (precision 0.80, recall 0.60 at frame 50): thresholds 0.6 / 0.5. Objects
# are a few pixels wide at this size, which the default 5x5 median erodes
# (recall 0.46 over the sequence, 0.59 with 3x3): the panes are under test
# here, not the defaults, so the 3x3 median is used.
"$SYNTH" -o "$WORK/syn" --width 80 --height 60 --frames 60 --learn 30 --gray --seed 5 > /dev/null 2>&1
run xvfb 1280x720 "$B" --show --no-realtime --gray --learning-frames 30 --median 3 \
    --snapshot-at 50 "$WORK/gray.png" "$WORK/syn"
if [ "$RC" -eq 0 ] && [ -f "$WORK/gray.png" ] && echo "$ERR" | grep -q 'no masks written'; then
    ok "--show without -o: exit 0, no masks written"
else
    fail "--show without -o" "rc=$RC" "stderr: $ERR"
fi
panes "gray synthetic zoomed up, panes match" "$WORK/gray.png" "$WORK/syn" 50 --gray \
    --gt "$WORK/syn/groundtruth/gt000050.png" --min-precision 0.6 --min-recall 0.5
head -n 1 "$WORK/panecheck.out" | grep -q 'shown at 240x180' && ok "small frames zoomed 3x" \
    || fail "small frames zoomed 3x" "$(head -n 1 "$WORK/panecheck.out")"

# 4. --realtime is the default: 50 frames of a 25 frames/s video take 2 s.
t0=$(now_ms)
run xvfb 1600x900 "$B" --show -q --frames 50 "$SAMPLE"
t1=$(now_ms)
[ "$RC" -eq 0 ] && [ $((t1 - t0)) -ge 1900 ] && ok "realtime: 50 frames at 25/s in $((t1 - t0)) ms" \
    || fail "realtime pacing" "rc=$RC, $((t1 - t0)) ms for 50 frames at 25/s" "$ERR"

# A snapshot frame after the end is reported, not fatal.
run xvfb 1600x900 "$B" --show --no-realtime --frames 5 --snapshot-at 9 "$WORK/never.png" "$SAMPLE"
[ "$RC" -eq 0 ] && [ ! -e "$WORK/never.png" ] && echo "$ERR" | grep -q 'snapshot-at 9: the run ended at frame 5' \
    && ok "--snapshot-at after the last frame: warning" || fail "--snapshot-at after the end" "rc=$RC $ERR"
run xvfb 1600x900 "$B" --show --no-realtime --frames 5 --snapshot-at 2 "$WORK/no/such/dir.png" "$SAMPLE"
[ "$RC" -eq 4 ] && ok "--snapshot-at to an unwritable path: exit 4" || fail "--snapshot-at unwritable" "rc=$RC $ERR"

# --- keys, sent with xdotool ---------------------------------------------------
if ! command -v xdotool > /dev/null 2>&1; then
    skip "preview keys" "xdotool is not installed (Debian: apt-get install xdotool)"
    finish; exit
fi
# A script run inside xvfb-run: starts bgsub, waits for its window, sends
# keys, and writes what it saw to $WORK/keys.result as "name=value" lines.
cat > "$WORK/keys.sh" << 'EOF'
W=$1; B=$2; SAMPLE=$3
start() { # start OUTDIR: bgsub in the background, $wid its window
    "$B" --show "$SAMPLE" -o "$1" --stats "$1.json" 2> "$1.err" &
    pid=$!
    # Watchdog: SIGTERM (a clean stop, status 130) if the keys never land.
    ( trap 'kill $s; exit' TERM; sleep 40 & s=$!; wait $s && kill -TERM $pid ) > /dev/null 2>&1 &
    dog=$!
    wid=$(timeout 15 xdotool search --sync --onlyvisible --name '^bgsub - ' 2> /dev/null | head -n 1)
}
finish_run() { # wait for bgsub, $rc its status; call off the watchdog
    wait $pid; rc=$?
    kill $dog 2> /dev/null
}
key() { xdotool key --window "$wid" "$@" 2> /dev/null; }
n() { ls "$1" | grep -c '^bin'; }

# Pause, step, snapshot, parameter keys, layout, then q.
start "$W/keys"
sleep 1
key space; sleep 0.6; n1=$(n "$W/keys")
sleep 0.8; n2=$(n "$W/keys")
key Right; sleep 0.8; n3=$(n "$W/keys")
key s; sleep 0.5
# b changes the layout: a second snapshot of the same (paused) frame differs.
key b; sleep 0.4; key s; sleep 0.5
key b b b; sleep 0.3
# alpha x 1.25 x 1.25 / 1.25 = 0.00625; lambda + 0.1 - 0.1 + 0.1 = 2.6; f
# freezes (alpha 0) and f thaws back to 0.00625, not to the default.
key plus plus minus bracketright bracketleft bracketright f; sleep 0.3
key f; sleep 0.5
# Parameters reach the model with the next frame: step one.
key Right; sleep 0.8; n4=$(n "$W/keys")
key q
finish_run
echo "window=$wid paused_n1=$n1 paused_n2=$n2 stepped_n3=$n3 stepped_n4=$n4 q_rc=$rc" > "$W/keys.result"

# f alone: the model ends frozen.
start "$W/frozen"
sleep 1; key f; sleep 0.5; key q
finish_run

# Escape while playing.
start "$W/esc"
sleep 1; key Escape
finish_run
echo "esc_rc=$rc esc_n=$(n "$W/esc")" >> "$W/keys.result"

# SIGINT while paused: the pause loop must notice.
start "$W/int"
sleep 1; key space; sleep 0.5
kill -INT $pid
finish_run
echo "int_rc=$rc" >> "$W/keys.result"
EOF
xvfb 1600x900 sh "$WORK/keys.sh" "$WORK" "$B" "$SAMPLE" > "$WORK/keys.log" 2>&1
res=$(cat "$WORK/keys.result" 2> /dev/null)
val() { echo "$res" | tr ' ' '\n' | sed -n "s/^$1=//p" | tail -n 1; }
if [ -z "$(val window)" ]; then
    skip "preview keys" "xdotool found no bgsub window under Xvfb: $(head -n 3 "$WORK/keys.log")"
    finish; exit
fi
n1=$(val paused_n1) n2=$(val paused_n2) n3=$(val stepped_n3)
[ "$n1" -gt 0 ] && [ "$n1" -eq "$n2" ] && ok "space pauses ($n1 masks, no more while paused)" \
    || fail "space pauses" "$res"
[ "$n3" -eq $((n2 + 1)) ] && ok "Right steps exactly one frame while paused" || fail "Right steps one frame" "$res"
shot=$(printf '%s/keys/preview%06d.png' "$WORK" "$n3")
info=$("$PNGINFO" "$shot" 2>&1)
echo "$info" | grep -q '^1300x292 channels=3' && ok "s saves a snapshot of the window to the output folder" \
    || fail "s saves a snapshot" "$shot: $info" "$(ls "$WORK/keys" | grep -v '^bin')"
shot2=$(printf '%s/keys/preview%06d-2.png' "$WORK" "$n3")
[ -f "$shot2" ] && ! cmp -s "$shot" "$shot2" && ok "b changes the layout (two snapshots of frame $n3 differ)" ||
    fail "b changes the layout" "$(ls "$WORK/keys" | grep -v '^bin')"
param() { grep -o "\"$2\": [0-9.e+-]*" "$1" | head -n 1 | cut -d' ' -f2; }
a=$(param "$WORK/keys.json" alpha) l=$(param "$WORK/keys.json" lambda)
awk -v a="$a" -v l="$l" 'BEGIN { exit !(a > 0.006249 && a < 0.006251 && l > 2.5999 && l < 2.6001) }' &&
    ok "+ + - set alpha 0.00625, ] [ ] lambda 2.6, f f froze and thawed to 0.00625" ||
    fail "parameter keys" "alpha $a (want 0.00625), lambda $l (want 2.6)"
a=$(param "$WORK/frozen.json" alpha)
[ "$a" = 0 ] && ok "f freezes the model (alpha 0 at the end)" || fail "f freezes" "alpha $a"
n4=$(val stepped_n4)
if [ "$(val q_rc)" -eq 0 ] && [ "$n4" -eq $((n3 + 1)) ] &&
   grep -Eq "^bgsub: $n4 frames .* masks in $WORK/keys(;.*)?$" "$WORK/keys.err" &&
   [ "$(count_masks "$WORK/keys")" -eq "$n4" ] && all_masks_complete "$WORK/keys"; then
    ok "q: exit 0, summary printed, $n4 complete masks"
else
    fail "q ends the run cleanly" "$res" "$(cat "$WORK/keys.err")"
fi
[ "$(val esc_rc)" -eq 0 ] && [ "$(val esc_n)" -gt 0 ] && [ "$(val esc_n)" -lt 300 ] && all_masks_complete "$WORK/esc" \
    && ok "Esc: exit 0 after $(val esc_n) frames" || fail "Esc ends the run" "$res" "$(cat "$WORK/esc.err")"
[ "$(val int_rc)" -eq 130 ] && grep -q '(interrupted)' "$WORK/int.err" \
    && ok "SIGINT while paused: exit 130, summary" || fail "SIGINT while paused" "$res" "$(cat "$WORK/int.err")"

finish
