#!/bin/sh
# test_events_clips.sh - `bgsub events --extract --clip-mode encode`: clips
# cut at the exact padded frames of their events on a video with a keyframe
# every 250 frames (where a cut by stream copy starts up to 10 s early and
# overlaps the clip before), checked by decoding each clip: every frame of
# the test video carries its own number in a strip of black and white
# cells. Also --roi, --scale, the progress line on a terminal and the
# error paths.
. tests/cli/lib.sh

B=$BGSUB_BIN
if [ ! -x "$B" ]; then
    skip "events clips" "$B is not built yet (every check skipped)"
    finish; exit
fi
if ! command -v ffmpeg > /dev/null 2>&1; then
    skip "events clips" "ffmpeg not installed, no test video (make deps installs them)"
    finish; exit
fi

# 320x240, 25 frames/s, 34 s, H.264 with keyframes at frames 0, 250, 500
# and 750 only. A 40x40 white box moves over a gray field during 12-16 s
# and 21-30 s (frames 300-400 and 525-750, 0-based, inclusive); the top
# left 40x4 pixels hold the frame number in ten 4-pixel cells, bit k in
# cell k (white = 1): at most 160 pixels, 0.2% of the frame, below the
# motion threshold.
V=$WORK/keyframes250.mp4
if ! ffmpeg -nostdin -v error -y -f lavfi -i "color=c=gray:s=320x240:r=25:d=34" \
        -f lavfi -i "color=c=black:s=40x4:r=25:d=34" \
        -f lavfi -i "color=c=white:s=40x40:r=25:d=34" \
        -filter_complex "[1]geq=lum='255*mod(floor(N/pow(2,floor(X/4))),2)':cb=128:cr=128[code];[0][2]overlay=x='20+mod(t,5)*40':y=100:enable='between(t,12,16)+between(t,21,30)'[mv];[mv][code]overlay=0:0" \
        -c:v libx264 -preset veryfast -crf 18 -g 250 -keyint_min 250 -sc_threshold 0 \
        -pix_fmt yuv420p "$V" 2> "$WORK/ffmpeg.err"; then
    skip "events clips" "ffmpeg cannot make the test video (libx264/lavfi missing?): $(head -n 1 "$WORK/ffmpeg.err")"
    finish; exit
fi

# codes FILE: the frame number of every frame of a video, one a line, read
# from its cells (the middle pixel of each, thresholded at 128).
codes() {
    ffmpeg -nostdin -v error -i "$1" -vf format=gray,crop=40:1:0:2 -f rawvideo - |
        od -An -v -tu1 -w40 |
        awk '{ n = 0; for (k = 0; k < 10; k++) if ($(4 * k + 3) > 128) n += 2 ^ k; print n }'
}

# The truth, 0-based: motion in frames 300-400 and 525-750; the default
# padding is 1.5 s before (38 frames, rounded up) and 2 s after (50):
# events 262-450 and 487-800. The model may see the box a frame late or
# early, so the report is allowed 2 frames either way.
run "$B" events -q "$V" --extract "$WORK/clips" --clip-mode encode -o "$WORK/enc.csv"
if [ "$RC" -ne 0 ]; then
    fail "--clip-mode encode" "exit status $RC" "$ERR"
    finish; exit
fi
# Rows: first last (0-based, padded) clip_start clip.
tail -n +2 "$WORK/enc.csv" | awk -F, '{ gsub(/"/, "", $10); print $2 - 1, $3 - 1, $8 - 1, $10 }' > "$WORK/rows"
if [ "$(wc -l < "$WORK/rows")" -eq 2 ] &&
   awk 'function near(a, b) { return a - b <= 2 && b - a <= 2 }
        NR == 1 && !(near($1, 262) && near($2, 450)) { exit 1 }
        NR == 2 && !(near($1, 487) && near($2, 800)) { exit 1 }' "$WORK/rows"; then
    ok "encode: two events at the padded bounds of the drawn motion"
else
    fail "encode: two events at the padded bounds of the drawn motion" \
        "expected 262-450 and 487-800 (0-based), got:" "$(cat "$WORK/rows")"
fi
if awk '$3 != $1 { exit 1 }' "$WORK/rows"; then
    ok "encode: clip_start_frame is the event's first frame"
else
    fail "encode: clip_start_frame is the event's first frame" "$(cat "$WORK/rows")"
fi
# Each clip decoded: its first and last frames within one frame of the
# event's, every frame in between once and in order; clips apart.
bad="" prev_last=-1 n=0
while read -r first last start clip; do
    n=$((n + 1))
    codes "$clip" > "$WORK/codes.$n"
    got_first=$(head -n 1 "$WORK/codes.$n") got_last=$(tail -n 1 "$WORK/codes.$n")
    count=$(wc -l < "$WORK/codes.$n")
    d1=$((got_first - first)) d2=$((got_last - last))
    if [ -z "$got_first" ] || [ ${d1#-} -gt 1 ] || [ ${d2#-} -gt 1 ]; then
        bad="$bad clip $n: frames $got_first-$got_last, event $first-$last;"
    fi
    if ! awk 'NR > 1 && $1 != prev + 1 { exit 1 } { prev = $1 }' "$WORK/codes.$n"; then
        bad="$bad clip $n: frames not consecutive;"
    fi
    if [ "$count" -ne $((got_last - got_first + 1)) ]; then
        bad="$bad clip $n: $count frames for $got_first-$got_last;"
    fi
    if [ -n "$got_first" ] && [ "$got_first" -le "$prev_last" ]; then
        bad="$bad clip $n starts at $got_first, inside the clip before (to $prev_last);"
    fi
    prev_last=${got_last:-$prev_last}
done < "$WORK/rows"
if [ "$n" -eq 2 ] && [ -z "$bad" ]; then
    ok "encode: each decoded clip runs from its event's first to last frame, clips apart"
else
    fail "encode: each decoded clip runs from its event's first to last frame, clips apart" \
        "$n clips;$bad"
fi
if [ -z "$(ffprobe -v error -select_streams v -show_entries stream=codec_name -of csv=p=0 "$WORK/clips/event_001.mp4" 2> /dev/null | grep h264)" ]; then
    if command -v ffprobe > /dev/null 2>&1; then
        fail "encode: the clips are H.264" \
            "$(ffprobe -v error -show_entries stream=codec_name "$WORK/clips/event_001.mp4" 2>&1)"
    else skip "encode: the clips are H.264" "no ffprobe"; fi
else ok "encode: the clips are H.264"; fi

# --boxes: yellow outlines around what moved, in the encoded clips only.
# At frame 350 (14 s) the white box is at x 180..219, y 100..139: count the
# yellow pixels (R, G > 150, B < 110; the field is gray, the box white) in
# a window 20 pixels wider each way, in the clip with --boxes and in the
# one without; and none in the clip's first frame (262, before the motion).
# yellow CLIP INDEX: yellow pixels of frame INDEX (0-based) of CLIP.
yellow() {
    ffmpeg -nostdin -v error -i "$1" -vf "select=eq(n\,$2),crop=80:80:160:80,format=rgb24" \
        -frames:v 1 -f rawvideo - | od -An -v -tu1 -w3 |
        awk '$1 > 150 && $2 > 150 && $3 < 110 { n++ } END { print n + 0 }'
}
first1=$(head -n 1 "$WORK/rows" | cut -d' ' -f1)
run "$B" events -q "$V" --extract "$WORK/boxed" --clip-mode encode --boxes -o "$WORK/boxed.csv"
if [ "$RC" -eq 0 ] && [ -n "$first1" ] && [ -f "$WORK/boxed/event_001.mp4" ]; then
    in_box=$(yellow "$WORK/boxed/event_001.mp4" $((350 - first1)))
    plain=$(yellow "$WORK/clips/event_001.mp4" $((350 - first1)))
    before=$(ffmpeg -nostdin -v error -i "$WORK/boxed/event_001.mp4" -vf format=rgb24 \
        -frames:v 1 -f rawvideo - | od -An -v -tu1 -w3 |
        awk '$1 > 150 && $2 > 150 && $3 < 110 { n++ } END { print n + 0 }')
    if [ "$in_box" -ge 100 ] && [ "$plain" -eq 0 ] && [ "$before" -eq 0 ] &&
       codes "$WORK/boxed/event_001.mp4" | cmp -s - "$WORK/codes.1"; then
        ok "--boxes: a yellow outline around the moving box ($in_box pixels), the same frames"
    else
        fail "--boxes: a yellow outline around the moving box" \
            "yellow pixels at frame 350: $in_box with --boxes (want >= 100), $plain without" \
            "(want 0); $before in the clip's first frame (want 0); same frames: $(codes "$WORK/boxed/event_001.mp4" | cmp - "$WORK/codes.1" 2>&1)"
    fi
else
    fail "--boxes" "status $RC" "$ERR"
fi
expect_error "--boxes without --clip-mode encode: refused" 2 "--boxes .*--clip-mode encode" \
    "$B" events "$V" --extract "$WORK/nobox" --boxes

# The default stays copy: clip 2 starts at the keyframe at frame 250,
# before the end of clip 1, and a note says so.
run "$B" events "$V" --extract "$WORK/copy" -o "$WORK/copy.csv"
start2=$(sed -n 3p "$WORK/copy.csv" | cut -d, -f8)
if [ "$RC" -eq 0 ] && [ "$start2" = 251 ] &&
   printf '%s\n' "$ERR" | grep -q 'note: clip 2 starts at the keyframe at frame 251, inside clip 1'; then
    ok "copy (the default): clips start at keyframes, an overlap is noted"
else
    fail "copy (the default): clips start at keyframes, an overlap is noted" \
        "status $RC, clip_start_frame of event 2: $start2" "$ERR"
fi

expect_error "--clip-mode takes copy or encode" 2 "clip-mode.*copy or encode.*'fast'" \
    "$B" events "$V" --extract "$WORK/x" --clip-mode fast
expect_error "encode: an existing clip is refused without --force" 4 "event_001.mp4" \
    "$B" events -q "$V" --extract "$WORK/clips" --clip-mode encode -o "$WORK/again.csv"

# --roi: a region without the box's rows (90-149 black) has no event; a
# region of those rows only (320x60 = 19200 pixels) sees the 1600-pixel
# box as 1600/19200 = 8.3% of it.
if ffmpeg -nostdin -v error -y -f lavfi -i "color=c=white:s=320x240" \
        -vf "drawbox=x=0:y=90:w=320:h=60:color=black:t=fill" -frames:v 1 "$WORK/nobox.png" &&
   ffmpeg -nostdin -v error -y -f lavfi -i "color=c=black:s=320x240" \
        -vf "drawbox=x=0:y=90:w=320:h=60:color=white:t=fill" -frames:v 1 "$WORK/box.png"; then
    run "$B" events -q "$V" --roi "$WORK/nobox.png"
    if [ "$RC" -eq 0 ] && [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ]; then
        ok "--roi: no event where the region leaves out the motion"
    else
        fail "--roi: no event where the region leaves out the motion" "status $RC" "$OUT" "$ERR"
    fi
    run "$B" events -q "$V" --roi "$WORK/box.png"
    peaks=$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f7 | tr '\n' ' ')
    if [ "$RC" -eq 0 ] && [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 3 ] &&
       printf '%s\n' "$OUT" | tail -n +2 | awk -F, '$7 < 0.078 || $7 > 0.088 { exit 1 }'; then
        ok "--roi: the events inside it, the threshold a share of the region"
    else
        fail "--roi: the events inside it, the threshold a share of the region" \
            "status $RC, peaks $peaks (expected about 0.083)" "$OUT" "$ERR"
    fi
    ffmpeg -nostdin -v error -y -f lavfi -i "color=c=white:s=160x120" -frames:v 1 "$WORK/small.png"
    expect_error "--roi of another size" 3 "small.png.*160x120.*320x240" \
        "$B" events -q "$V" --roi "$WORK/small.png"
else
    skip "--roi" "ffmpeg cannot write PNG images"
fi

# --scale 2: the model sees 160x120 frames (4 times fewer pixels); the
# events are those of the drawing all the same, and --roi is made smaller
# with the frames.
run "$B" events "$V" --scale 2 --format json
if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q '"width": 160,' &&
   printf '%s\n' "$OUT" | grep -q '"scale": 2,' &&
   printf '%s\n' "$OUT" | grep -o '"start_frame": [0-9]*, "end_frame": [0-9]*' |
   awk '{ gsub(/,/, ""); f = $2 - 1; l = $4 - 1 }
        function near(a, b) { return a - b <= 2 && b - a <= 2 }
        NR == 1 { ok1 = near(f, 262) && near(l, 450) } NR == 2 { ok2 = near(f, 487) && near(l, 800) }
        END { exit !(NR == 2 && ok1 && ok2) }'; then
    ok "--scale 2: the model on 160x120, the same events"
else
    fail "--scale 2: the model on 160x120, the same events" "status $RC" "$OUT" "$ERR"
fi
if [ -f "$WORK/box.png" ]; then
    run "$B" events -q "$V" --scale 2 --roi "$WORK/box.png"
    if [ "$RC" -eq 0 ] && [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 3 ] &&
       printf '%s\n' "$OUT" | tail -n +2 | awk -F, '$7 < 0.078 || $7 > 0.088 { exit 1 }'; then
        ok "--scale 2 --roi: the region made smaller with the frames"
    else
        fail "--scale 2 --roi: the region made smaller with the frames" "status $RC" "$OUT" "$ERR"
    fi
fi
expect_error "--scale takes 1 to 16" 2 "scale.*1.*16.*'0'" "$B" events "$V" --scale 0

# Several inputs, one after the other: one report with an input column,
# each input's clips in DIR/NAME and heat map in FILE-NAME.png; a missing
# input is reported, the others still run, status 7.
cp "$V" "$WORK/second.mp4"
run "$B" events "$V" "$WORK/second.mp4" "$WORK/missing.mp4" --extract "$WORK/multi" \
    --clip-mode encode --heatmap "$WORK/heat.png" -o "$WORK/multi.csv"
inputs=$(tail -n +2 "$WORK/multi.csv" | cut -d, -f1 | sort | uniq -c | awk '{ printf "%s %s;", $1, $2 }')
want="2 \"$V\";2 \"$WORK/second.mp4\";"
if [ "$RC" -eq 7 ] && [ "$(head -n 1 "$WORK/multi.csv" | cut -d, -f1)" = input ] &&
   [ "$inputs" = "$want" ] &&
   [ -s "$WORK/multi/keyframes250/event_002.mp4" ] && [ -s "$WORK/multi/second/event_002.mp4" ] &&
   [ -s "$WORK/heat-keyframes250.png" ] && [ -s "$WORK/heat-second.png" ] &&
   printf '%s\n' "$ERR" | grep -q 'missing.mp4' &&
   printf '%s\n' "$ERR" | grep -q '3 inputs: 2 done, 1 failed'; then
    ok "several inputs: one report, clips and heat maps by input, a missing one: status 7"
else
    fail "several inputs: one report, clips and heat maps by input, a missing one: status 7" \
        "status $RC, inputs: $inputs (want $want)" "$ERR" "$(ls -R "$WORK/multi" 2>&1 | head -n 8)"
fi
# The second input's clips are cut as exactly as the first's.
got=$(codes "$WORK/multi/second/event_002.mp4" | sed -n '1p;$p' | tr '\n' ' ')
want=$(sed -n 2p "$WORK/rows" | awk '{ print $1, $2 }')
if [ "$got" = "$want " ]; then ok "several inputs: the second input's clip at its event's frames"
else fail "several inputs: the second input's clip at its event's frames" "frames $got, want $want"; fi
run "$B" events -q "$V" "$WORK/second.mp4" --format json
if command -v python3 > /dev/null 2>&1; then
    n=$(printf '%s\n' "$OUT" | python3 -c 'import json, sys; print(sum(len(i["events"]) for i in json.load(sys.stdin)["inputs"]))' 2>&1)
    [ "$n" = 4 ] && ok "several inputs: the JSON report holds both" ||
        fail "several inputs: the JSON report holds both" "$n"
else skip "several inputs: the JSON report holds both" "no python3 to read JSON"; fi
mkdir -p "$WORK/other"
cp "$V" "$WORK/other/keyframes250.mp4"
expect_error "several inputs with one name for their clips are refused" 2 "keyframes250" \
    "$B" events -q "$V" "$WORK/other/keyframes250.mp4" --extract "$WORK/same"

# The progress line, on a terminal (script gives one).
if command -v script > /dev/null 2>&1; then
    script -qec "'$B' events '$V' --extract '$WORK/prog' --clip-mode encode -o '$WORK/prog.csv'" \
        /dev/null > "$WORK/tty" 2>&1 < /dev/null
    if grep -q 'bgsub: events: [0-9]*/850 frames ([0-9]*%)' "$WORK/tty" &&
       grep -q 'bgsub: events: clip [12]/2, frame [0-9]*/850' "$WORK/tty"; then
        ok "progress line on a terminal: frames read, then clips cut"
    else
        fail "progress line on a terminal: frames read, then clips cut" "$(tr '\r' '\n' < "$WORK/tty" | head -n 5)"
    fi
    run "$B" events "$V" -o "$WORK/p2.csv"
    if printf '%s\n' "$ERR" | grep -q 'bgsub: events: [0-9]*/'; then
        fail "no progress line when stderr is not a terminal" "$ERR"
    else ok "no progress line when stderr is not a terminal"; fi
else
    skip "progress line" "no script command to give a terminal"
fi

finish
