#!/bin/sh
# test_events.sh - `bgsub events`: motion events found on synthetic videos
# whose motion intervals are known (a red box moving over a still, noisy
# texture during chosen frames), padding, merging, min-duration, CSV and
# JSON, --extract (stream-copied clips checked with ffprobe and frame
# hashes) and the error paths.
. tests/cli/lib.sh

B=$BGSUB_BIN
if [ ! -x "$B" ]; then
    skip "events" "$B is not built yet (every check skipped)"
    finish; exit
fi
if ! command -v ffmpeg > /dev/null 2>&1 || ! command -v ffprobe > /dev/null 2>&1; then
    skip "events" "ffmpeg/ffprobe not installed, no test videos (make deps installs them)"
    finish; exit
fi

# make_video FILE SECONDS "A-B A-B ...": 160x120, 25 frames/s, H.264 with a
# keyframe every 10 frames exactly (-g 10, no scene-cut keyframes) and
# B-frames; a 20x20 red box (2.1% of the frame) moves across during frames
# A..B (0-based, inclusive) of each interval.
make_video() {
    enable=""
    for iv in $3; do
        enable="$enable${enable:+ + }between(n,${iv%-*},${iv#*-})"
    done
    ffmpeg -nostdin -v error -y \
        -f lavfi -i "nullsrc=s=160x120:r=25:d=$2,geq=lum='128+50*sin(X/3.5)*cos(Y/2.5)':cb=128:cr=128,noise=alls=6:allf=t" \
        -f lavfi -i "color=c=red:s=20x20:r=25:d=$2" \
        -filter_complex "[0][1]overlay=x='5+2*mod(n,60)':y=50:enable='$enable'" \
        -c:v libx264 -preset veryfast -g 10 -keyint_min 10 -sc_threshold 0 -bf 2 \
        -pix_fmt yuv420p "$1"
}

V=$WORK/motion.mp4
# Truth, 0-based: a 40-frame pass, a 2-frame blip, another 40-frame pass.
# As 1-based frames: 61-100, 151-152, 201-240 of 300.
if ! make_video "$V" 12 "60-99 150-151 200-239" 2> "$WORK/ffmpeg.err"; then
    skip "events" "ffmpeg cannot make the test video (libx264/lavfi missing?): $(head -n 1 "$WORK/ffmpeg.err")"
    finish; exit
fi

# rows CSV: "start-end start-end ..." from the report's start/end columns.
rows() { tail -n +2 "$1" | cut -d, -f2,3 | tr ',' '-' | tr '\n' ' ' | sed 's/ $//'; }

# match NAME CSV TOL "s-e s-e ...": the report has exactly these events, each
# start and end within TOL frames.
match() {
    name=$1 csv=$2 tol=$3 want=$4
    got=$(rows "$csv")
    set -- $got
    ngot=$#
    set -- $want
    if [ "$ngot" -ne $# ]; then
        fail "$name" "expected $# events ($want), got $ngot ($got)"
        return
    fi
    i=1 bad=""
    for w in $want; do
        g=$(echo "$got" | cut -d' ' -f$i)
        for pair in "${g%-*} ${w%-*}" "${g#*-} ${w#*-}"; do
            set -- $pair
            d=$(($1 - $2)); [ "$d" -lt 0 ] && d=$((-d))
            [ "$d" -le "$tol" ] || bad="$bad event $i: $g, expected $w;"
        done
        i=$((i + 1))
    done
    if [ -z "$bad" ]; then ok "$name"; else fail "$name" "$bad" "got: $got"; fi
}

# --- detection against the known intervals ---------------------------------
run "$B" events "$V" --pad-before 0 --pad-after 0 --min-duration 1 -q -o "$WORK/raw.csv"
[ "$RC" -eq 0 ] && [ -z "$ERR" ] && ok "events runs quietly (-q)" || fail "events runs" "rc=$RC" "$ERR"
match "no padding: every interval found within one frame" "$WORK/raw.csv" 1 "61-100 151-152 201-240"
# The box covers 4x the threshold in every frame it is drawn, so here the
# intervals are found exactly; this catches an off-by-one in the frame
# numbers or the padding that the one-frame tolerance would hide.
match "no padding: ... and here exactly" "$WORK/raw.csv" 0 "61-100 151-152 201-240"
head -n 1 "$WORK/raw.csv" | grep -qx 'event,start_frame,end_frame,start_time,end_time,duration,peak_foreground,clip_start_frame,clip_start_time' &&
    ok "CSV header" || fail "CSV header" "$(head -n 1 "$WORK/raw.csv")"
# Times from the time stamps: frame n (1-based) starts at (n-1)/25 s, the
# event ends where its last frame ends; the peak is about the box's 2.1%.
awk -F, 'NR > 1 { s = ($2 - 1) / 25; e = $3 / 25
    if ($4 - s > 0.0015 || s - $4 > 0.0015 || $5 - e > 0.0015 || e - $5 > 0.0015) bad = 1
    if ($6 - ($5 - $4) > 0.0015 || ($5 - $4) - $6 > 0.0015) bad = 1
    if ($7 < 0.015 || $7 > 0.03) bad = 1 }
    END { exit bad }' "$WORK/raw.csv" &&
    ok "times, duration and peak foreground agree with the frames" ||
    fail "times, duration and peak" "$(cat "$WORK/raw.csv")"

run "$B" events "$V" --pad-before 0 --pad-after 0 -q -o "$WORK/def.csv"
match "default --min-duration (0.2s = 5 frames) drops the 2-frame blip" "$WORK/def.csv" 1 "61-100 201-240"
run "$B" events "$V" --pad-before 0 --pad-after 0 --min-duration 3 -q -o "$WORK/m3.csv"
match "--min-duration 3 frames drops it too" "$WORK/m3.csv" 1 "61-100 201-240"
run "$B" events "$V" --pad-before 0 --pad-after 0 --min-duration 2 -q -o "$WORK/m2.csv"
match "--min-duration 2 keeps it" "$WORK/m2.csv" 1 "61-100 151-152 201-240"

# Padding: 1 s = 25 frames before, 2 s = 50 after (one frame plus padding).
run "$B" events "$V" --pad-before 1s --pad-after 2s -q -o "$WORK/pad.csv"
match "padding widens each event" "$WORK/pad.csv" 1 "36-150 176-290"
# Exactly: the true intervals (found exactly above) widened by 25 and 50
# frames: 61-100 and 201-240 become 36-150 and 176-290.
match "padded = true interval - 25 frames .. + 50 frames, exactly" "$WORK/pad.csv" 0 "36-150 176-290"
# Events that touch merge; one frame apart they stay two. 50 frames each
# side: 11-150 and 151-290 touch. 49 before: 12-150 and 152-290 do not.
run "$B" events "$V" --pad-before 50 --pad-after 50 -q -o "$WORK/touch.csv"
match "padded events that touch (11-150, 151-290) merge into one" "$WORK/touch.csv" 0 "11-290"
run "$B" events "$V" --pad-before 49 --pad-after 50 -q -o "$WORK/apart.csv"
match "padded events one frame apart (12-150, 152-290) stay two" "$WORK/apart.csv" 0 "12-150 152-290"
run "$B" events "$V" --pad-before 25 --pad-after 50 -q -o "$WORK/padf.csv"
cmp -s "$WORK/pad.csv" "$WORK/padf.csv" && ok "padding in frames (25) equals seconds (1s)" ||
    fail "padding in frames equals seconds" "$(rows "$WORK/pad.csv") vs $(rows "$WORK/padf.csv")"
# 4 s after the first pass reaches past the start of the second (padded):
# one event, its end clamped to the last frame, its start to the first.
run "$B" events "$V" --pad-before 5s --pad-after 4s -q -o "$WORK/merge.csv"
match "overlapping padded events merge; padding is clamped to the video" "$WORK/merge.csv" 0 "1-300"
run "$B" events "$V" --pad-before 2s --pad-after 3s -q -o "$WORK/merge2.csv"
match "padded 11-175 and 151-300 merge into one event" "$WORK/merge2.csv" 1 "11-300"

run "$B" events "$V" --threshold 5% -q -o "$WORK/high.csv"
[ "$RC" -eq 0 ] && [ "$(wc -l < "$WORK/high.csv")" -eq 1 ] && ok "a threshold above the box's 2.1% finds nothing (header only, status 0)" ||
    fail "threshold 5%" "rc=$RC" "$(cat "$WORK/high.csv")"
run "$B" events "$V" --threshold 1.5% --pad-before 0 --pad-after 0 -q -o "$WORK/pct.csv"
match "--threshold 1.5% (a percentage) keeps the box" "$WORK/pct.csv" 1 "61-100 201-240"

# Only the first intervals changed: a keyframe every 10 frames, so the clip
# of an event starting at frame s starts at the last frame 10k+1 <= s.
awk -F, 'NR > 1 { k = $8; if (k > $2 || ($8 - 1) % 10 != 0 || $2 - k >= 10) bad = 1 } END { exit bad }' "$WORK/pad.csv" &&
    ok "clip_start_frame is the last keyframe at or before the start" ||
    fail "clip_start_frame" "$(cat "$WORK/pad.csv")"

# --- the learning phase ------------------------------------------------------
E=$WORK/early.mp4
make_video "$E" 4 "10-29" 2> /dev/null
run "$B" events "$E" --pad-before 0 --pad-after 0 -q -o "$WORK/early.csv"
[ "$RC" -eq 0 ] && [ "$(wc -l < "$WORK/early.csv")" -eq 1 ] &&
    ok "motion inside the learning phase (default 50 frames) is no event" ||
    fail "learning phase" "rc=$RC" "$(cat "$WORK/early.csv")"
run "$B" events "$E" --pad-before 0 --pad-after 0 --learning-frames 5 -q -o "$WORK/early5.csv"
match "--learning-frames 5 finds it" "$WORK/early5.csv" 1 "11-30"

# --- formats -------------------------------------------------------------------
if command -v python3 > /dev/null 2>&1; then
    run "$B" events "$V" --pad-before 1s --pad-after 2s -q -o "$WORK/pad.json"
    run python3 - "$WORK/pad.json" "$WORK/pad.csv" <<'EOF'
import csv, json, sys
d = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
s = d["settings"]
assert s["pad_before_frames"] == 25 and s["pad_after_frames"] == 50, s
assert s["min_duration_frames"] == 5 and s["threshold"] == 0.005, s
assert s["model"]["learning-frames"] == 50, s
assert d["frames"] == 300 and d["fps"] == 25 and d["times_from"] == "timestamps", d
assert len(d["events"]) == len(rows) == 2
for e, r in zip(d["events"], rows):
    for k, v in r.items():
        assert abs(float(e[k]) - float(v)) < 1e-9, (k, e[k], v)
print("ok")
EOF
    [ "$RC" -eq 0 ] && ok "-o FILE.json writes JSON: parses, settings and events match the CSV" ||
        fail "JSON report" "$OUT" "$ERR"
    run "$B" events "$V" --threshold 5% --format json -q
    printf '%s\n' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["events"] == []' &&
        ok "--format json on stdout, no events: an empty list" || fail "empty JSON" "$OUT"
else
    skip "JSON report" "python3 not installed"
fi

# --- an image sequence: same events, times from --fps ---------------------------
mkdir -p "$WORK/seq"
# Stored PNG (zlib level 0, no filter): the same pixels, written and read
# several times faster.
ffmpeg -nostdin -v error -i "$V" -compression_level 0 -pred none "$WORK/seq/f%04d.png"
run "$B" events "$WORK/seq" --pad-before 0 --pad-after 0 -o "$WORK/seq.csv"
match "an image sequence of the same frames gives the same events" "$WORK/seq.csv" 1 "61-100 201-240"
printf '%s\n' "$ERR" | grep -q "has no frame rate; times assume 25 frames/s" &&
    ok "an image sequence: the note says times assume 25 frames/s" || fail "sequence note" "$ERR"
run "$B" events "$WORK/seq" --pad-before 0 --pad-after 0 --fps 10 -q -o "$WORK/seq10.csv"
awk -F, 'NR == 2 { exit !($4 == sprintf("%.3f", ($2 - 1) / 10)) }' "$WORK/seq10.csv" &&
    ok "--fps 10 times the sequence at 10 frames/s" || fail "--fps" "$(cat "$WORK/seq10.csv")"

# --- --extract -------------------------------------------------------------------
# framehashes FILE: the hash of each decoded video frame of FILE, one a line.
framehashes() { ffmpeg -nostdin -v error -i "$1" -map 0:v:0 -f framemd5 - | grep -v '^#' | awk -F, '{print $6}'; }
# nth N FILE: line N (0-based) of FILE.
nth() { sed -n "$(($1 + 1))p" "$2"; }
framehashes "$V" > "$WORK/input.md5"
C=$WORK/clips
run "$B" events "$V" --pad-before 1s --pad-after 2s --extract "$C" -o "$WORK/ex.csv"
nclips=$(ls "$C" | wc -l)
[ "$RC" -eq 0 ] && [ "$nclips" -eq 2 ] && [ -f "$C/event_001.mp4" ] && [ -f "$C/event_002.mp4" ] &&
    ok "--extract writes one clip per event, with the input's extension" ||
    fail "--extract" "rc=$RC, $nclips files: $(ls "$C")" "$ERR"
tail -n +2 "$WORK/ex.csv" | cut -d, -f10 | tr '\n' ' ' | grep -qx "\"$C/event_001.mp4\" \"$C/event_002.mp4\" " &&
    ok "the report names each clip" || fail "clip column" "$(cat "$WORK/ex.csv")"
tail -n +2 "$WORK/ex.csv" > "$WORK/ex.rows"
# (fd 3: ffmpeg and ffprobe read stdin)
while IFS=, read -r n s e st et d p k kt clip <&3; do
    f=$C/event_00$n.mp4
    frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$f")
    want=$((e - k + 1))
    # B-frames: up to two reference frames after the end come along.
    [ "$frames" -ge "$want" ] && [ "$frames" -le $((want + 2)) ] &&
        ok "clip $n: $frames frames cover frames $k..$e" || fail "clip $n frame count" "$frames, want $want..$((want + 2))"
    key=$(ffprobe -v error -select_streams v:0 -show_frames -read_intervals '%+#1' -show_entries frame=key_frame -of csv=p=0 "$f" | head -n 1)
    [ "$key" = 1 ] && ok "clip $n starts with a keyframe" || fail "clip $n first frame" "key_frame=$key"
    framehashes "$f" > "$WORK/clip.md5"
    [ "$(nth 0 "$WORK/clip.md5")" = "$(nth $((k - 1)) "$WORK/input.md5")" ] &&
        ok "clip $n: its first frame is input frame $k (clip_start_frame)" || fail "clip $n first frame content"
    [ "$(nth $((e - k)) "$WORK/clip.md5")" = "$(nth $((e - 1)) "$WORK/input.md5")" ] &&
        ok "clip $n: input frame $e (the event's end) is in it, in place" || fail "clip $n last frame content"
done 3< "$WORK/ex.rows"
ls -a "$C" | grep -q tmp && fail "no temporary files left" "$(ls -a "$C")" || ok "no temporary files left in the clip folder"

expect_error "existing clips are refused without --force" 4 "event_001\.mp4: already exists \(use --force" \
    "$B" events "$V" --pad-before 1s --pad-after 2s --extract "$C" -q
expect_status "--force overwrites them" 0 "$B" events "$V" --pad-before 1s --pad-after 2s --extract "$C" --force -q

# Audio rides along, cut to the same span.
ffmpeg -nostdin -v error -y -i "$V" -f lavfi -i "sine=f=440:d=12" -map 0:v -map 1:a -c:v copy -c:a aac -shortest "$WORK/av.mp4" 2> /dev/null
run "$B" events "$WORK/av.mp4" --pad-before 1s --pad-after 2s --extract "$WORK/avclips" -q -o "$WORK/av.csv"
streams=$(ffprobe -v error -show_entries stream=codec_type -of csv=p=0 "$WORK/avclips/event_001.mp4" | sort | tr '\n' ' ')
adur=$(ffprobe -v error -select_streams a -show_entries stream=duration -of csv=p=0 "$WORK/avclips/event_001.mp4")
span=$(awk -F, 'NR == 2 { print $5 - $9 }' "$WORK/av.csv")
# AAC packets are 1024 samples (23 ms at 44.1 kHz): the cut is that coarse.
awk -v a="$adur" -v s="$span" 'BEGIN { exit !(a > s - 0.1 && a < s + 0.1) }' && [ "$streams" = "audio video " ] &&
    ok "a clip keeps the audio of its span (${span}s)" || fail "clip audio" "streams: $streams, audio ${adur}s, span ${span}s"

# Other containers: an MJPEG AVI (every frame a keyframe) cuts exactly.
ffmpeg -nostdin -v error -y -i "$V" -c:v mjpeg -q:v 4 "$WORK/m.avi"
run "$B" events "$WORK/m.avi" --pad-before 1s --pad-after 2s --extract "$WORK/aviclips" -o "$WORK/avi.csv"
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$WORK/aviclips/event_002.avi" 2> /dev/null)
want=$(awk -F, 'NR == 3 { print $3 - $2 + 1 }' "$WORK/avi.csv")
[ "$RC" -eq 0 ] && [ -n "$want" ] && [ "$frames" = "$want" ] && awk -F, 'NR > 1 && $8 != $2 { bad = 1 } END { exit bad }' "$WORK/avi.csv" &&
    ok "an all-keyframe AVI is cut at the event's own frames ($want frames)" ||
    fail "AVI clip" "rc=$RC frames=$frames want=$want" "$(cat "$WORK/avi.csv")"

# --- errors: one line, the right status ------------------------------------
expect_error "missing input" 3 "nope\.mp4: cannot open" "$B" events "$WORK/nope.mp4"
head -c 5000 /dev/urandom > "$WORK/junk.mp4"
expect_error "a file that is not a video" 3 "junk\.mp4" "$B" events "$WORK/junk.mp4"
expect_error "no input" 2 "no input given" "$B" events
expect_error "two inputs with one name, clips asked for" 2 "motion\.mp4 and .*motion\.mp4" "$B" events "$V" "$V" --extract "$WORK/twice"
expect_error "--threshold abc" 2 "--threshold needs a fraction" "$B" events "$V" --threshold abc
expect_error "--threshold 1" 2 "--threshold needs a fraction" "$B" events "$V" --threshold 1
expect_error "--threshold -0.1" 2 "--threshold needs a fraction" "$B" events "$V" --threshold -0.1
expect_error "--pad-before 1.5 (frames must be whole)" 2 "--pad-before needs frames \(12\) or seconds \(1\.5s\)" "$B" events "$V" --pad-before 1.5
expect_error "--pad-after -1" 2 "--pad-after needs frames" "$B" events "$V" --pad-after -1
expect_error "--min-duration xs" 2 "--min-duration needs frames" "$B" events "$V" --min-duration xs
expect_error "--format xml" 2 "--format takes csv or json" "$B" events "$V" --format xml
expect_error "--fps 0" 2 "--fps needs a frame rate" "$B" events "$V" --fps 0
expect_error "--alpha 7 (model parameter out of bounds)" 2 "--alpha" "$B" events "$V" --alpha 7
expect_error "unknown option" 2 "unknown option '--bogus'" "$B" events "$V" --bogus
expect_error "--extract of an image sequence" 2 "--extract: .*seq is not a video file" "$B" events "$WORK/seq" --extract "$WORK/x" -q
touch "$WORK/plainfile"
expect_error "--extract folder that cannot be made" 4 "plainfile/clips: cannot create folder" "$B" events "$V" --extract "$WORK/plainfile/clips"
expect_error "-o in a missing folder" 4 "missing/ev\.csv: cannot create" "$B" events "$V" -q -o "$WORK/missing/ev.csv"
[ ! -e "$WORK/missing" ] && ok "... and nothing is created" || fail "-o missing folder left something"

# --- help ----------------------------------------------------------------------
run "$B" events --help
[ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q -- '--pad-before D' && printf '%s\n' "$OUT" | grep -q -- '--learning-frames N' &&
    ok "events --help lists its options and the model parameters" || fail "events --help" "rc=$RC"

# SIGINT while the input has stalled: the sample written into a FIFO whose
# writer stays open; events must stop at once with status 130.
if mkfifo "$WORK/stall.fifo" 2> /dev/null; then
    "$B" events "$WORK/stall.fifo" > "$WORK/stall.csv" 2> "$WORK/stall.err" &
    pid=$!
    exec 4> "$WORK/stall.fifo"
    ( cat samples/sample.mp4 >&4 ) 2> /dev/null
    sleep 2 # all frames but the decoder's last ones are analysed by then
    kill -INT $pid
    i=0; while kill -0 $pid 2> /dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if kill -0 $pid 2> /dev/null; then
        kill -KILL $pid; wait $pid
        fail "events: SIGINT on a stalled pipe" "still running 5 s after SIGINT"
    else
        wait $pid; rc=$?
        [ $rc -eq 130 ] && grep -q 'interrupted' "$WORK/stall.err" &&
            ok "events: SIGINT on a stalled pipe ends it within 5 s, status 130" ||
            fail "events: SIGINT on a stalled pipe" "rc=$rc" "$(cat "$WORK/stall.err")"
    fi
    exec 4>&-
else skip "events: SIGINT on a stalled pipe" "no mkfifo"; fi

finish
