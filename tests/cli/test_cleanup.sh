#!/bin/sh
# test_cleanup.sh - what happens to a frame after the mixture has classified
# it, end to end on the synthetic scene kinds (exact ground truth): shadow
# detection, re-learning after a sudden global change, the region of
# interest, and the checks on their options.
. tests/cli/lib.sh

SYNTH=$BUILD/tools/synth
PNGINFO=$BUILD/tests/tools/pnginfo
B=$BGSUB_BIN

at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
# f_of SEQ MASKS: the F-measure bgsub eval gives.
f_of() { "$B" eval "$1" "$2" | awk '/^f_measure/ { print $2 }'; }

# --- sudden global change ----------------------------------------------------
# The light-switch scene darkens the whole view at two known frames
# (scene.txt: switch_frames). Without re-learning the model reports most of
# the frame as foreground for hundreds of frames (F about 0.09 at 320x240);
# with it, the change is cleared and learnt again in a few frames. This is
# the fraction-of-frame rule (--relearn-fraction), off by default since the
# tile test of light changes (--illumination, tests/cli/test_scenes.sh)
# replaced it: both are turned here to the rule under test.
LS=$WORK/light
"$SYNTH" -o "$LS" --scene light-switch --width 160 --height 120 --frames 400 --seed 5 > /dev/null 2>&1
switches=$(sed -n 's/^switch_frames //p' "$LS/scene.txt")
OLD_RULE="--illumination 0 --relearn-fraction 0.7"
run "$B" "$LS" -o "$WORK/ls-on" --stats "$WORK/ls.json" $OLD_RULE
relearns=$(grep -o '"relearns": [0-9]*' "$WORK/ls.json" | cut -d' ' -f2)
nswitch=$(echo "$switches" | wc -w)
[ "$RC" -eq 0 ] && [ "${relearns:-0}" -ge 1 ] && [ "${relearns:-0}" -le "$nswitch" ] &&
    echo "$ERR" | grep -q "sudden global changes re-learnt" &&
    ok "light switch: $relearns of $nswitch switches re-learnt, said in the summary" ||
    fail "light switch re-learnt" "rc=$RC relearns=$relearns switches=$switches" "$ERR"
# The first switch frame's mask is blank (the change is not reported as objects).
first=$(echo "$switches" | cut -d' ' -f1)
info=$("$PNGINFO" "$WORK/ls-on/$(printf 'bin%06d.png' "$first")")
echo "$info" | grep -q 'ones=0$' && ok "light switch: the switch frame's mask is blank" ||
    fail "light switch frame mask" "frame $first: $info"
"$B" -q "$LS" -o "$WORK/ls-off" --relearn-fraction 0 --illumination 0
f_on=$(f_of "$LS" "$WORK/ls-on"); f_off=$(f_of "$LS" "$WORK/ls-off")
echo "light switch: F $f_on with re-learning, $f_off without"
at_least "$f_on" "$(awk -v b="$f_off" 'BEGIN { print b + 0.3 }')" &&
    ok "light switch: re-learning lifts F by 0.3 or more ($f_off -> $f_on)" ||
    fail "light switch: re-learning" "F $f_on with, $f_off without"

# --- shadows -----------------------------------------------------------------
SH=$WORK/shadows
"$SYNTH" -o "$SH" --scene shadows --width 160 --height 120 --frames 300 --seed 5 > /dev/null 2>&1
"$B" -q "$SH" -o "$WORK/sh-off" --shadows 0
"$B" -q "$SH" -o "$WORK/sh-on"
"$B" -q "$SH" -o "$WORK/sh-127" --shadow-value 127
f_on=$(f_of "$SH" "$WORK/sh-on"); f_off=$(f_of "$SH" "$WORK/sh-off")
echo "shadows: F $f_on with detection, $f_off without"
at_least "$f_on" "$(awk -v b="$f_off" 'BEGIN { print b + 0.03 }')" &&
    ok "shadows: detection lifts F ($f_off -> $f_on)" ||
    fail "shadows: detection" "F $f_on with, $f_off without"
with127=$("$PNGINFO" "$WORK"/sh-127/bin0002*.png | grep -cE 'values=([0-9]+,)*127(,| )')
[ "$with127" -gt 10 ] && ok "shadows: --shadow-value 127 marks shadow pixels ($with127 masks)" ||
    fail "shadows: --shadow-value" "$with127 masks of frames 200-299 hold 127"
# Where the 127s fall, against the scene's exact labels (frames 101-300):
# on the cast shadows (label 50), hardly ever on the objects (255).
# Measured: 17 % of the shadow pixels, 0 % of the object pixels (the texture
# test keeps shadows on this scene's plain ground foreground; the colour
# test alone marked 46 % and 0.1 %).
pairs=""
for m in "$WORK"/sh-127/bin000[1-3]*.png; do
    n=$(basename "$m" .png | sed 's/^bin//')
    [ "$n" -ge 101 ] && pairs="$pairs $m $SH/groundtruth/gt$n.png"
done
"$BUILD/tests/tools/crosscount" $pairs > "$WORK/cross.txt"
share() { # LABEL: the share of the label's pixels marked 127
    awk -v l="$1" -F '[= ]' '$2 == l { all += $6; if ($4 == 127) s += $6 } END { printf "%.4f", all ? s / all : 0 }' "$WORK/cross.txt"
}
on_shadow=$(share 50) on_object=$(share 255)
awk -v s="$on_shadow" -v o="$on_object" 'BEGIN { exit !(s >= 0.1 && o <= 0.005) }' &&
    ok "shadows: 127 marks the cast shadows ($on_shadow of them), not the objects ($on_object)" ||
    fail "shadows: where 127 falls" "shadow pixels $on_shadow (want >= 0.1), object pixels $on_object (want <= 0.005)"
# Shadow value 0 (the default) and 127 differ only where the mask is 127.
cmp -s "$WORK/sh-on/bin000250.png" "$WORK/sh-127/bin000250.png" &&
    fail "shadows: value changes the mask" "same bytes" || ok "shadows: the shadow value is written"
gray_shadow=$("$B" -q --gray "$SH" -o "$WORK/sh-gray" --shadows 1 --shadow-value 127 --frames 250 &&
              "$PNGINFO" "$WORK/sh-gray/bin000250.png")
if echo "$gray_shadow" | grep -q 'values=' && ! echo "$gray_shadow" | grep -qE 'values=([0-9]+,)*127(,|$| )'; then
    ok "shadows: no shadow test on gray input"
else fail "shadows: gray input" "frame 250: $gray_shadow"; fi

# --- region of interest ------------------------------------------------------
# ROI images made by hand: 8-bit gray PNGs, left half black / all black.
make_roi() { # FILE W H MODE(half|none|all)
    python3 - "$@" <<'EOF'
import struct, sys, zlib
path, w, h, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
row = bytes(0 if mode == "none" or (mode == "half" and x < w // 2) else 255 for x in range(w))
raw = b"".join(b"\0" + row for _ in range(h))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(path, "wb").write(png)
EOF
}
if ! command -v python3 > /dev/null || ! command -v ffmpeg > /dev/null; then
    skip "region of interest" "python3 and ffmpeg are needed to make and crop images"
else
    ST=$WORK/street
    "$SYNTH" -o "$ST" --width 160 --height 120 --frames 200 --seed 5 > /dev/null 2>&1
    make_roi "$WORK/half.png" 160 120 half
    make_roi "$WORK/none.png" 160 120 none
    make_roi "$WORK/all.png" 160 120 all
    make_roi "$WORK/small.png" 80 60 all
    "$B" -q "$ST" -o "$WORK/roi-no"
    "$B" -q "$ST" -o "$WORK/roi-all" --roi "$WORK/all.png"
    "$B" -q "$ST" -o "$WORK/roi-half" --roi "$WORK/half.png"
    "$B" -q "$ST" -o "$WORK/roi-none" --roi "$WORK/none.png"
    diff -r "$WORK/roi-no" "$WORK/roi-all" > /dev/null && ok "roi: all white = no ROI" ||
        fail "roi: all white" "masks differ from a run without --roi"
    nonblank=$("$PNGINFO" "$WORK"/roi-none/*.png | grep -vc 'ones=0$')
    [ "$nonblank" -eq 0 ] && ok "roi: all black gives blank masks" ||
        fail "roi: all black" "$nonblank masks with foreground"
    left=0 right=0
    for f in 120 150 180; do
        m=$(printf 'bin%06d.png' $f)
        ffmpeg -loglevel error -nostdin -y -i "$WORK/roi-half/$m" -vf crop=80:120:0:0 "$WORK/l.png"
        ffmpeg -loglevel error -nostdin -y -i "$WORK/roi-half/$m" -vf crop=80:120:80:0 "$WORK/r.png"
        left=$((left + $("$PNGINFO" "$WORK/l.png" | sed 's/.*ones=//')))
        right=$((right + $("$PNGINFO" "$WORK/r.png" | sed 's/.*ones=//')))
    done
    [ "$left" -eq 0 ] && [ "$right" -gt 0 ] &&
        ok "roi: nothing outside (left 0 px), objects inside ($right px)" ||
        fail "roi: half" "left $left px, right $right px"
    expect_error "roi: another size" 3 "small.png: region of interest is 80x60, the frames are 160x120" \
        "$B" -q "$ST" -o "$WORK/roi-bad" --roi "$WORK/small.png"
    expect_error "roi: missing file" 3 "nowhere.png" "$B" -q "$ST" -o "$WORK/roi-bad2" --roi "$WORK/nowhere.png"
fi

# --- option checks -----------------------------------------------------------
ST1=$WORK/one
"$SYNTH" -o "$ST1" --width 64 --height 48 --frames 3 --seed 1 > /dev/null 2>&1
expect_error "median 4 refused" 2 "median must be 0, 3 or 5" "$B" "$ST1" -o "$WORK/x1" --median 4
expect_error "close radius 6 refused" 2 "close must be between 0 and 5" "$B" "$ST1" -o "$WORK/x2" --close 6
expect_error "min-area above 1 refused" 2 "min-area must be between 0 and 1" "$B" "$ST1" -o "$WORK/x3" --min-area 150
expect_error "shadow bounds crossed" 2 "shadow-min-brightness .* must not exceed" \
    "$B" "$ST1" -o "$WORK/x4" --shadow-min-brightness 0.9 --shadow-max-brightness 0.5
expect_error "shadow value 255 refused" 2 "shadow-value must be between 0 and 254" \
    "$B" "$ST1" -o "$WORK/x5" --shadow-value 255
[ ! -e "$WORK/x1" ] && [ ! -e "$WORK/x4" ] && ok "refused options create nothing" ||
    fail "refused options create nothing" "$(ls -d "$WORK"/x* 2>/dev/null)"

finish
