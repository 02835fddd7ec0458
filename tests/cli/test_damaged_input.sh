#!/bin/sh
# test_damaged_input.sh - damaged and unusual input, checked by what ends up
# on disk and in the statistics, not only by the exit status:
#  - a video with bytes destroyed in its middle: by default the run stops
#    with status 3 naming the frame, the masks before it written; with
#    --on-error skip every mask still carries the number of the input frame
#    it comes from (a lost frame's number is skipped, not reused) and
#    skipped_frames counts what was lost;
#  - --on-error skip also passes over a broken first frame;
#  - an existing file named like a pattern (img%d.png) is that file;
#  - names with a colon are files, not protocols.
# The frames are drawn here: frame k holds a white 8x8 square at x = 6k
# (from frame 5 on) on a gray ground, so a mask's blob says which input
# frame it was made from, whatever the program numbered it.
. tests/cli/lib.sh

B=$BGSUB_BIN
MAKEIMG=$BUILD/tests/tools/makeimg
PNGINFO=$BUILD/tests/tools/pnginfo
W=$WORK
FRAMES=50

have_mpeg2() {
    command -v ffmpeg > /dev/null 2>&1 &&
        ffmpeg -hide_banner -encoders 2> /dev/null | grep -q ' mpeg2video '
}

# --- material ------------------------------------------------------------------
mkdir -p "$W/sq"
k=1
while [ $k -le $FRAMES ]; do
    f=$W/sq/$(printf 'in%06d.png' $k)
    if [ $k -ge 5 ]; then "$MAKEIMG" "$f" 320 48 96 $((6 * k)) 20 $((6 * k + 8)) 28 255
    else "$MAKEIMG" "$f" 320 48 96; fi
    k=$((k + 1))
done
if [ ! -f "$W/sq/in000050.png" ]; then
    fail "material" "$MAKEIMG did not draw the frames"; finish; exit
fi

# damage FILE OUT OFFSET COUNT SEED: a copy of FILE with COUNT bytes from
# OFFSET on replaced by pseudo-random ones (the same for the same SEED).
damage() {
    cp "$1" "$2"
    awk -v n="$4" -v seed="$5" 'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%c", int(rand() * 256) }' |
        LC_ALL=C dd of="$2" bs=1 seek="$3" conv=notrunc 2> /dev/null
}
# stat_of FILE KEY: a number of the --stats JSON.
stat_of() { grep -o "\"$2\": [0-9]*" "$1" | head -n 1 | sed 's/.*: //'; }
# aligned BLOBS MASKDIR: every blob lies where its frame number says (x of
# frame k is 6k), and every mask from frame 5 on but the 3 learning ones
# has its blob; prints what is wrong, nothing when all is well.
aligned() {
    masks=$(cd "$2" && ls bin*.png | sed 's/bin0*\([0-9]\)/\1/; s/\.png//' | awk '$1 >= 5' | wc -l)
    awk -F, -v masks="$masks" 'NR > 1 { n++; d = $4 - 6 * $1
                                         if (d < -1 || d > 1) print "frame " $1 " shows input frame " $4 / 6 }
                              END { if (n < masks - 3) print n " blobs for " masks " masks from frame 5 on" }' "$1"
}
# run_in DIR CMD...: run, from folder DIR.
run_in() {
    d=$1; shift
    (cd "$d" && "$@") > "$WORK/stdout" 2> "$WORK/stderr"
    RC=$?
    OUT=$(cat "$WORK/stdout"); ERR=$(cat "$WORK/stderr")
}

if have_mpeg2; then
    # Intra frames only, so a frame decodes right whatever was lost before it.
    ffmpeg -nostdin -v error -y -framerate 25 -i "$W/sq/in%06d.png" -c:v mpeg2video -q:v 2 -g 1 "$W/sq.ts"
    size=$(wc -c < "$W/sq.ts")
    damage "$W/sq.ts" "$W/mid.ts" $((size / 2)) 3000 1
    # The first frame's packet: where ffprobe finds it, else where ffmpeg's
    # muxer puts it (after the PAT, PMT and SDT packets).
    first=$(ffprobe -v error -select_streams v -show_entries packet=pos -of default=nw=1:nk=1 "$W/sq.ts" 2> /dev/null | head -n 1)
    damage "$W/sq.ts" "$W/first.ts" $((${first:-564} + 36)) 300 2
fi
if [ ! -s "$W/sq.ts" ]; then
    for t in "damaged video: stops naming the frame" "damaged video, --on-error skip: numbers kept" \
             "damaged first video frame, --on-error skip"; do
        skip "$t" "ffmpeg with the mpeg2video encoder is not installed"
    done
else
    # --- item 3: a video damaged in the middle --------------------------------------
    run "$B" -q --learning-frames 3 "$W/mid.ts" -o "$W/mid-stop"
    n=$(printf '%s\n' "$ERR" | sed -n 's/.*: frames* \([0-9]*\).* \(damaged\|lost\).*/\1/p')
    want=$( [ -n "$n" ] && k=1 && while [ $k -lt "$n" ]; do printf 'bin%06d.png ' $k; k=$((k + 1)); done)
    got=$(cd "$W/mid-stop" 2> /dev/null && ls | tr '\n' ' ')
    if [ "$RC" -eq 3 ] && [ -n "$n" ] && [ "$(printf '%s\n' "$ERR" | grep -c .)" -eq 1 ] &&
       printf '%s\n' "$ERR" | grep -q "^bgsub: $W/mid\.ts: frame" && [ "$got" = "$want" ]; then
        ok "damaged video: status 3 naming frame $n, masks 1..$((n - 1)) written"
    else
        fail "damaged video: stops naming the frame" "exit $RC, expected 3" "stderr: $ERR" "masks: $got"
    fi

    run "$B" -q --on-error skip --learning-frames 3 --min-blob-area 30 "$W/mid.ts" \
        -o "$W/mid-skip" --blobs "$W/mid.csv" --stats "$W/mid.json"
    frames=$(stat_of "$W/mid.json" frames) skipped=$(stat_of "$W/mid.json" skipped_frames)
    wrong=$( [ -f "$W/mid.csv" ] && aligned "$W/mid.csv" "$W/mid-skip")
    count=$(ls "$W/mid-skip" 2> /dev/null | wc -l)
    if [ "$RC" -eq 0 ] && [ -z "$ERR" ] && [ "${skipped:-0}" -gt 0 ] &&
       [ $((frames + skipped)) -eq $FRAMES ] && [ "$count" -eq "$frames" ] && [ -z "$wrong" ]; then
        ok "damaged video, --on-error skip: $skipped frames counted as skipped, every mask named after its input frame"
    else
        fail "damaged video, --on-error skip: numbers kept" "exit $RC; frames=$frames skipped=$skipped masks=$count" \
             "stderr: $ERR" "$wrong"
    fi

    # --- item 11: the first frame damaged --------------------------------------------
    run "$B" -q --on-error skip --learning-frames 3 --min-blob-area 30 "$W/first.ts" \
        -o "$W/first-skip" --blobs "$W/first.csv" --stats "$W/first.json"
    frames=$(stat_of "$W/first.json" frames) skipped=$(stat_of "$W/first.json" skipped_frames)
    wrong=$( [ -f "$W/first.csv" ] && aligned "$W/first.csv" "$W/first-skip")
    if [ "$RC" -eq 0 ] && [ "${skipped:-0}" -gt 0 ] && [ ! -f "$W/first-skip/bin000001.png" ] &&
       [ $((frames + skipped)) -eq $FRAMES ] && [ -z "$wrong" ]; then
        ok "damaged first video frame, --on-error skip: passed over ($skipped skipped), numbers kept"
    else
        fail "damaged first video frame, --on-error skip" "exit $RC; frames=$frames skipped=$skipped" \
             "stderr: $ERR" "$wrong" "masks: $(ls "$W/first-skip" 2> /dev/null | head -n 3 | tr '\n' ' ')"
    fi
    expect_error "damaged first video frame, by default: status 3 naming frame 1" 3 \
        "$W/first\.ts: frames? 1 (to [0-9]+ )?(is|are) (lost|damaged)" "$B" -q --learning-frames 3 "$W/first.ts" -o "$W/first-stop2"
fi

# --- item 11: a sequence whose first image is broken ------------------------------------
mkdir -p "$W/brk"
cp "$W"/sq/in00000[1-6].png "$W/brk/"
head -c 40 "$W/sq/in000001.png" > "$W/brk/in000001.png"
run "$B" -q --on-error skip --learning-frames 3 "$W/brk" -o "$W/brk-out" --stats "$W/brk.json"
got=$(cd "$W/brk-out" 2> /dev/null && ls bin*.png | tr '\n' ' ')
if [ "$RC" -eq 0 ] && [ -z "$ERR" ] && [ "$(stat_of "$W/brk.json" skipped_frames)" = 1 ] &&
   [ "$got" = "bin000002.png bin000003.png bin000004.png bin000005.png bin000006.png " ]; then
    ok "broken first image, --on-error skip: passed over, masks 2..6, skipped_frames 1"
else
    fail "broken first image, --on-error skip" "exit $RC" "stderr: $ERR" "masks: $got"
fi
mkdir -p "$W/allbrk"
for i in 1 2 3; do head -c 40 "$W/sq/in000001.png" > "$W/allbrk/in00000$i.png"; done
expect_error "every image broken, --on-error skip: status 3, the last one named" 3 \
    "$W/allbrk/in000003\.png: bad PNG" "$B" -q --on-error skip "$W/allbrk" -o "$W/allbrk-out"

# --- item 13: an existing file named like a pattern ------------------------------------
# img%d.png is 320x48; img1.png and img2.png, which the pattern would read,
# are 32x32: one 320x48 mask means the file itself was read.
mkdir -p "$W/lit"
cp "$W/sq/in000009.png" "$W/lit/img%d.png"
"$MAKEIMG" "$W/lit/img1.png" 32 32 0
"$MAKEIMG" "$W/lit/img2.png" 32 32 0
run "$B" -q "$W/lit/img%d.png" -o "$W/lit-out"
info=$("$PNGINFO" "$W"/lit-out/bin*.png 2> /dev/null | cut -d' ' -f1 | tr '\n' ' ')
[ "$RC" -eq 0 ] && [ "$info" = "320x48 " ] &&
    ok "an existing file named img%d.png is read as that file, not as a pattern" ||
    fail "file named like a pattern" "exit $RC" "stderr: $ERR" "masks: $info"
# ... and a name with a % that is no file is still a pattern.
run "$B" -q "$W/lit/img%d.png.none" -o "$W/lit-none"
[ "$RC" -eq 3 ] && printf '%s\n' "$ERR" | grep -q "no file matches" &&
    ok "a pattern that is no file is still a pattern" ||
    fail "a pattern that is no file" "exit $RC" "stderr: $ERR"

# --- item 8: names with a colon ------------------------------------------------------------
# Relative names, as a user types them: "ab:cd.ts" would be protocol "ab".
if [ -s "$W/sq.ts" ]; then
    cp "$W/sq.ts" "$W/ab:cd.ts"
    run_in "$W" "$B" -q --learning-frames 3 ab:cd.ts -o colon-out
    [ "$RC" -eq 0 ] && [ "$(ls "$W/colon-out" | wc -l)" -eq $FRAMES ] &&
        ok "an input named ab:cd.ts is a file, not protocol ab" ||
        fail "input with a colon" "exit $RC" "stderr: $ERR"
    run_in "$W" "$B" events -q --learning-frames 3 --threshold 0.001 ab:cd.ts \
        --extract ab:cd -o colon.csv
    [ "$RC" -eq 0 ] && [ -s "$W/ab:cd/event_001.ts" ] && grep -q '"ab:cd/event_001.ts"' "$W/colon.csv" &&
        ok "events ab:cd.ts --extract ab:cd: the clips are cut" ||
        fail "events --extract ab:cd" "exit $RC" "stderr: $ERR" "$(cat "$W/colon.csv" 2> /dev/null)"
else
    skip "input with a colon" "ffmpeg with the mpeg2video encoder is not installed"
    skip "events --extract ab:cd" "ffmpeg with the mpeg2video encoder is not installed"
fi

finish
