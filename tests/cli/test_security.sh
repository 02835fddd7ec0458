#!/bin/sh
# test_security.sh - the file policy against links, devices and planted
# names (io/output_file.h), and outputs that name one file twice. Every row
# makes its trap, runs bgsub the way a user would, then checks what is on
# disk afterwards, not only the exit status:
#  - an output that is a symbolic link stays a link: a link to a device or
#    FIFO is written through, a link to a regular file is resolved (the file
#    it leads to gets the output), a link that leads nowhere is refused;
#  - a link planted at a name a temporary file might take is never
#    followed: the file it leads to ("victim") is untouched;
#  - two outputs that would write one file are refused before any work,
#    with one line naming both and the file.
# All of these failed with bgsub before the file policy (see the README's
# bad-input table); /proc/self/fd/1 stands for /dev/stdout, whose
# replacement, as root, these checks must never risk.
. tests/cli/lib.sh

SYNTH=$BUILD/tools/synth
B=$BGSUB_BIN
SEQ=$WORK/seq
"$SYNTH" -o "$SEQ" --width 48 --height 32 --frames 24 --learn 6 --seed 3 > /dev/null 2>&1
if [ ! -f "$SEQ/input/in000024.png" ]; then
    fail "material" "no synthetic sequence ($SYNTH)"; finish; exit
fi
have_ffmpeg() { command -v ffmpeg > /dev/null 2>&1; }
# A video for events: the sequence encoded (20 frames/s, a keyframe every 5).
V=$WORK/seq.mp4
have_ffmpeg && ffmpeg -nostdin -v error -y -framerate 20 -i "$SEQ/input/in%06d.png" \
    -c:v libx264 -g 5 -pix_fmt yuv420p "$V" 2> /dev/null
Q="-q --learning-frames 6"
n=0
# A fresh folder per row, $D, with a victim file that nothing may touch.
fresh() {
    n=$((n + 1)); D=$WORK/r$n; mkdir -p "$D"
    echo "the user's own data" > "$D/victim"
}
victim_intact() { [ "$(cat "$D/victim")" = "the user's own data" ]; }
is_link() { [ -L "$1" ]; }

# check NAME CONDITION: ok if the shell condition holds, else fail with the
# run's exit status and stderr.
check() {
    if eval "$2"; then ok "$1"; else fail "$1" "exit $RC; condition: $2" "stderr: $ERR"; fi
}

# --- item 1: an output that is a link --------------------------------------
# L -> /proc/self/fd/1, stdout a regular file: the file is the destination.
fresh; ln -s /proc/self/fd/1 "$D/L"
"$B" $Q "$SEQ" --stats "$D/L" > "$D/f" 2> "$WORK/err"; RC=$?; ERR=$(cat "$WORK/err")
check "--stats to a link to stdout (a file): the link stays, the file holds the JSON" \
    '[ $RC -eq 0 ] && is_link "$D/L" && grep -q "\"frames\": 24" "$D/f"'
fresh; ln -s /proc/self/fd/1 "$D/L"
"$B" $Q "$SEQ" --stats-csv "$D/L" > "$D/f" 2> "$WORK/err"; RC=$?; ERR=$(cat "$WORK/err")
check "--stats-csv to a link to stdout: the link stays, the file holds the CSV" \
    '[ $RC -eq 0 ] && is_link "$D/L" && [ "$(head -n 1 "$D/f")" = "frame,foreground" ]'
fresh; ln -s /proc/self/fd/1 "$D/L"
"$B" $Q "$SEQ" --save-model "$D/L" > "$D/f" 2> "$WORK/err"; RC=$?; ERR=$(cat "$WORK/err")
check "--save-model to a link to stdout: the link stays, the file holds the model" \
    '[ $RC -eq 0 ] && is_link "$D/L" && [ -s "$D/f" ] &&
     "$B" -q --load-model "$D/f" "$SEQ" --stats-csv "$D/again.csv" 2> /dev/null'
fresh; ln -s /proc/self/fd/1 "$D/L"
"$B" events $Q "$SEQ" -o "$D/L" > "$D/f" 2> "$WORK/err"; RC=$?; ERR=$(cat "$WORK/err")
check "events -o to a link to stdout: the link stays, the file holds the events" \
    '[ $RC -eq 0 ] && is_link "$D/L" && head -n 1 "$D/f" | grep -q "^event,start_frame"'
fresh; ln -s /proc/self/fd/1 "$D/L"; "$B" -q "$SEQ" -o "$D/masks"
"$B" eval "$SEQ" "$D/masks" --json="$D/L" > "$D/f" 2> "$WORK/err"; RC=$?; ERR=$(cat "$WORK/err")
check "eval --json= to a link to stdout: the link stays, the file holds the JSON" \
    '[ $RC -eq 0 ] && is_link "$D/L" && grep -q "\"f_measure\"" "$D/f"'
fresh; ln -s /proc/self/fd/1 "$D/L"
"$B" segment --force "$SEQ/input/in000001.png" -o "$D/L" > "$D/f" 2> "$WORK/err"; RC=$?; ERR=$(cat "$WORK/err")
check "segment -o to a link to stdout (--force): the link stays, the file is the PNG" \
    '[ $RC -eq 0 ] && is_link "$D/L" && [ "$(head -c 4 "$D/f" | tail -c 3)" = PNG ]'
fresh; ln -s /proc/self/fd/1 "$D/L"
"$B" segment --force "$SEQ/input/in000001.png" --plot "$D/L" > "$D/f" 2> "$WORK/err"; RC=$?; ERR=$(cat "$WORK/err")
check "segment --plot to a link to stdout (--force): the link stays, the file is the PNG" \
    '[ $RC -eq 0 ] && is_link "$D/L" && [ "$(head -c 4 "$D/f" | tail -c 3)" = PNG ]'
fresh; ln -s /proc/self/fd/1 "$D/M.mkv"
"$B" $Q --force "$SEQ" --mask-video "$D/M.mkv" > "$D/g" 2> "$WORK/err"; RC=$?; ERR=$(cat "$WORK/err")
check "--mask-video to a link to stdout (--force): the link stays, the file is the video" \
    '[ $RC -eq 0 ] && is_link "$D/M.mkv" && [ -s "$D/g" ] &&
     { ! have_ffmpeg || [ "$(ffprobe -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$D/g")" = 24 ]; }'
fresh; ln -s /proc/self/fd/1 "$D/L.mkv"
"$B" $Q "$SEQ" --mask-video "$D/L.mkv" > "$D/f" 2> "$WORK/err"; RC=$?; ERR=$(cat "$WORK/err")
check "--mask-video to a link to an existing file, no --force: refused, the link and the file kept" \
    '[ $RC -eq 4 ] && is_link "$D/L.mkv" && echo "$ERR" | grep -q "L\.mkv: already exists"'
# A link to a regular file of another name: that file gets the output.
fresh; echo old > "$D/real.json"; ln -s real.json "$D/L"
run "$B" $Q "$SEQ" --stats "$D/L"
check "--stats to a link to a regular file: the link stays, the file it leads to is replaced" \
    '[ $RC -eq 0 ] && is_link "$D/L" && grep -q "\"frames\": 24" "$D/real.json"'
fresh; ln -s nowhere "$D/L"
run "$B" $Q "$SEQ" --stats "$D/L"
check "--stats to a link that leads nowhere: status 4, one line, the link kept" \
    '[ $RC -eq 4 ] && is_link "$D/L" && [ "$(echo "$ERR" | grep -c .)" -eq 1 ] &&
     echo "$ERR" | grep -q "L: is a link that leads nowhere"'
# Links to devices and FIFOs are written through.
fresh; ln -s /dev/null "$D/L"
run "$B" $Q "$SEQ" --stats "$D/L" --blobs "$D/b.csv" --save-model "$D/L2"
check "--stats to a link to /dev/null: written through, the link stays" \
    '[ $RC -eq 0 ] && is_link "$D/L" && [ "$(readlink "$D/L")" = /dev/null ]'
if mkfifo "$D/fifo" 2> /dev/null; then
    ln -s fifo "$D/LF"
    cat "$D/fifo" > "$D/from_fifo" & reader=$!
    run "$B" $Q "$SEQ" --stats-csv "$D/LF"
    wait $reader
    check "--stats-csv to a link to a FIFO: written through, the link and the FIFO stay" \
        '[ $RC -eq 0 ] && is_link "$D/LF" && [ -p "$D/fifo" ] && [ "$(wc -l < "$D/from_fifo")" -eq 25 ]'
else skip "--stats-csv to a link to a FIFO" "no mkfifo"; fi

# --- item 2: links planted at temporary names -------------------------------
fresh; mkdir "$D/d"
RC=0; sh -c 'for t in ".b.csv.tmp.$$" ".b.csv.tmp.$$.0" ".b.csv.tmp.$$.1"; do ln -s "$2" "$1/$t"; done
             exec "$3" -q --learning-frames 6 "$4" --blobs "$1/b.csv"' \
    sh "$D/d" "$D/victim" "$B" "$SEQ" 2> "$WORK/err" || RC=$?; ERR=$(cat "$WORK/err")
check "--blobs: links planted at its temporary names are not followed" \
    '[ $RC -eq 0 ] && victim_intact && head -n 1 "$D/d/b.csv" | grep -q "^frame,time,id"'
fresh; mkdir "$D/d"
RC=0; sh -c 'for t in ".m.mkv.tmp.$$" ".m.mkv.tmp.$$.0" ".m.mkv.tmp.$$.1" ".o.mp4.tmp.$$.0" ".o.mp4.tmp.$$.1"; do
                 ln -s "$2" "$1/$t"; done
             exec "$3" -q --learning-frames 6 "$4" --mask-video "$1/m.mkv" --overlay-video "$1/o.mp4"' \
    sh "$D/d" "$D/victim" "$B" "$SEQ" 2> "$WORK/err" || RC=$?; ERR=$(cat "$WORK/err")
check "--mask-video, --overlay-video: links planted at their temporary names are not followed" \
    '[ $RC -eq 0 ] && victim_intact && [ -s "$D/d/m.mkv" ] && [ -s "$D/d/o.mp4" ]'
fresh; mkdir "$D/d"
RC=0; sh -c 'for t in "s.json.tmp.$$" ".s.json.tmp.$$" ".s.json.tmp.$$.0"; do ln -s "$2" "$1/$t"; done
             exec "$3" -q --learning-frames 6 "$4" --stats "$1/s.json"' \
    sh "$D/d" "$D/victim" "$B" "$SEQ" 2> "$WORK/err" || RC=$?; ERR=$(cat "$WORK/err")
check "--stats: links planted at its temporary names neither followed nor in the way" \
    '[ $RC -eq 0 ] && victim_intact && grep -q "\"frames\": 24" "$D/d/s.json"'
fresh; mkdir "$D/d"
RC=0; sh -c 'for i in 1 2 3 4; do for t in ".bin00000$i.png.tmp.$$.$((i - 1))" ".bin00000$i.png.tmp.$$"; do
                 ln -s "$2" "$1/$t"; done; done
             exec "$3" -q --learning-frames 6 "$4" -o "$1"' \
    sh "$D/d" "$D/victim" "$B" "$SEQ" 2> "$WORK/err" || RC=$?; ERR=$(cat "$WORK/err")
check "mask PNGs: links planted at their temporary names are not followed" \
    '[ $RC -eq 0 ] && victim_intact && [ -s "$D/d/bin000024.png" ]'
if have_ffmpeg && [ -s "$V" ]; then
    fresh; mkdir "$D/clips"
    RC=0; sh -c 'for i in 1 2 3; do for t in "event_00$i.mp4.tmp.$$" ".event_00$i.mp4.tmp.$$"; do
                     ln -s "$2" "$1/$t"; done; done
                 exec "$3" events -q --learning-frames 6 --threshold 0 --min-duration 1 "$4" \
                     --extract "$1" -o "$1/../events.csv"' \
        sh "$D/clips" "$D/victim" "$B" "$V" 2> "$WORK/err" || RC=$?; ERR=$(cat "$WORK/err")
    check "events --extract: links planted at the clips' temporary names are not followed" \
        '[ $RC -eq 0 ] && victim_intact && [ -s "$D/clips/event_001.mp4" ]'
else skip "events --extract: planted links" "no ffmpeg to make the test video"; fi

# --- item 9: two outputs that would write one file --------------------------
# refused NAME ARGS...: status 2, one line naming the file, nothing written.
refused() {
    name=$1; shift
    run "$@"
    if [ "$RC" -eq 2 ] && [ "$(echo "$ERR" | grep -c .)" -eq 1 ] && victim_intact &&
       [ -z "$(ls "$D" | grep -v '^victim$' | grep -v '^keep')" ]; then
        ok "$name"
    else
        fail "$name" "exit $RC, expected 2, nothing written" "stderr: $ERR" "files: $(ls "$D")"
    fi
}
fresh; refused "--stats naming one of -o's masks" "$B" $Q "$SEQ" -o "$D/o" --stats "$D/o/bin000003.png"
echo "$ERR" | grep -q "o/bin000003\.png" && ok "  ... the message names the file" ||
    fail "the message names the file" "$ERR"
fresh; refused "--mask-video and --overlay-video on one file" \
    "$B" $Q "$SEQ" --mask-video "$D/v.mkv" --overlay-video "$D/./v.mkv"
fresh; refused "--stats and --stats-csv on one file" "$B" $Q "$SEQ" --stats "$D/x" --stats-csv "$D/x"
fresh; echo old > "$D/keep_x"; ln -s keep_x "$D/keep_link"
refused "--stats and --stats-csv on one file through a link" \
    "$B" $Q "$SEQ" --stats "$D/keep_link" --stats-csv "$D/keep_x"
fresh; refused "--save-model over a background image" \
    "$B" $Q "$SEQ" -o "$D/o" --background --save-model "$D/o/background.png"
fresh; refused "--mask-pattern that names the background images" \
    "$B" $Q "$SEQ" -o "$D/o" --background-every 5 --mask-pattern bg%06d.png
fresh; refused "--blobs over a mask of another spelling" \
    "$B" $Q "$SEQ" -o "$D/o" --blobs "$D/o/../o/bin000010.png.csv" --mask-pattern 'bin%06d.png.csv'
fresh; mkdir "$D/keep_masks"
for f in "$SEQ"/groundtruth/gt*.png; do cp "$f" "$D/keep_masks/bin${f##*/gt}"; done
refused "eval --json= naming one of the masks it scores" \
    "$B" eval "$SEQ" "$D/keep_masks" --json="$D/keep_masks/bin000001.png"
cmp -s "$SEQ/groundtruth/gt000001.png" "$D/keep_masks/bin000001.png" &&
    ok "  ... the mask is untouched" || fail "eval --json=: the mask is untouched"
fresh; refused "events -o naming one of its clips" \
    "$B" events $Q "$V" --extract "$D/c" -o "$D/c/event_002.mp4"
fresh; refused "segment --plot naming one of its masks" \
    "$B" segment "$SEQ/input" -o "$D/s" --plot "$D/s/bin000001.png"
fresh; run "$B" $Q "$SEQ" --stats /dev/null --stats-csv /dev/null --save-model /dev/null
check "outputs may share a device (/dev/null): status 0" '[ $RC -eq 0 ]'

# --- file names that are not UTF-8 in JSON ---------------------------------------
# Each JSON file must parse with a strict UTF-8 parser; the name's bad bytes
# become U+FFFD, as Python's errors="replace" makes them (the reference):
# a Latin-1 byte, a cut sequence, a UTF-16 surrogate and an overlong "/".
# json_name FILE KEY NAME: the KEY of FILE's top level (strictly parsed) is
# NAME with its bad bytes replaced.
json_name() {
    python3 - "$@" <<'EOF_PY'
import json, os, sys
path, key, name = sys.argv[1], sys.argv[2], os.fsencode(sys.argv[3])
with open(path, "rb") as f:
    data = json.loads(f.read().decode("utf-8", "strict"))
while isinstance(data, dict) and key not in data and len(data) == 1:
    data = next(iter(data.values()))
if isinstance(data, list):
    data = data[0]
sys.exit(0 if data[key] == name.decode("utf-8", "replace") else 1)
EOF_PY
}
if command -v python3 > /dev/null 2>&1; then
    fresh; N8="$D/$(printf 'seq-\351t\351-\342\202-\355\240\200-\300\257-ok\303\251')"
    mkdir -p "$N8" && cp -r "$SEQ/input" "$SEQ/groundtruth" "$N8/"
    run "$B" $Q "$N8/input" --stats "$D/s.json"
    check "--stats of an input whose name is not UTF-8: strict JSON, bad bytes as U+FFFD" \
        '[ $RC -eq 0 ] && json_name "$D/s.json" input "$N8/input"'
    run "$B" eval "$N8" "$N8/groundtruth" --mask-pattern 'gt%06d.png' --json="$D/e.json"
    check "eval --json of a sequence whose name is not UTF-8: strict JSON, bad bytes as U+FFFD" \
        '[ $RC -eq 0 ] && json_name "$D/e.json" sequence "$N8"'
else
    skip "file names that are not UTF-8 in JSON" "python3 is not installed (the reference parser)"
fi

finish
