#!/bin/sh
# test_heatmap.sh - --heatmap FILE.png of the main command and of `bgsub
# events`: on a video where a box sweeps along one band of rows only, the
# picture is coloured in that band and gray (the background) elsewhere,
# is enlarged to 640 pixels across with the scale under the scene; bad
# names and existing files are refused before any work.
. tests/cli/lib.sh

B=$BGSUB_BIN
if [ ! -x "$B" ]; then
    skip "heatmap" "$B is not built yet (every check skipped)"
    finish; exit
fi
if ! command -v ffmpeg > /dev/null 2>&1; then
    skip "heatmap" "ffmpeg not installed, no test video (make deps installs them)"
    finish; exit
fi

# 160x120, 8 s at 25 frames/s: a gray field, and from 3 s on a 20x20 white
# box sweeping left to right and back along rows 50-69.
V=$WORK/sweep.mkv
if ! ffmpeg -nostdin -v error -y -f lavfi -i "color=c=gray:s=160x120:r=25:d=8" \
        -f lavfi -i "color=c=white:s=20x20:r=25:d=8" \
        -filter_complex "[0][1]overlay=x='70+65*sin(t*3)':y=50:enable='gte(t,3)'" \
        -c:v ffv1 "$V" 2> "$WORK/ffmpeg.err"; then
    skip "heatmap" "ffmpeg cannot make the test video: $(head -n 1 "$WORK/ffmpeg.err")"
    finish; exit
fi

# pixel PNG X Y: "R G B" of the picture's pixel (x, y).
pixel() {
    ffmpeg -nostdin -v error -i "$1" -vf "crop=1:1:$2:$3" -f rawvideo -pix_fmt rgb24 - |
        od -An -tu1 | awk '{ print $1, $2, $3 }'
}
size() { ffprobe -v error -show_entries stream=width,height -of csv=p=0 "$1" 2> /dev/null; }

# check NAME PNG: 640 wide (160 x 4), taller than the scene (480) for the
# scale; scene pixel (80, 60) in the band coloured (channels apart), (80,
# 20) and (80, 100) outside it gray (channels equal).
check() {
    name=$1 png=$2
    if [ ! -s "$png" ]; then
        fail "$name" "no picture written" "$ERR"
        return
    fi
    band=$(pixel "$png" 322 242) above=$(pixel "$png" 322 82) below=$(pixel "$png" 322 402)
    dims=$(size "$png")
    if printf '%s\n' "$band" | awk '{ hi = $1; lo = $1; for (i = 2; i <= 3; i++) { if ($i > hi) hi = $i; if ($i < lo) lo = $i } exit !(hi - lo > 40) }' &&
       printf '%s\n' "$above" | awk '{ exit !($1 == $2 && $2 == $3) }' &&
       printf '%s\n' "$below" | awk '{ exit !($1 == $2 && $2 == $3) }' &&
       { [ -z "$dims" ] || { [ "${dims%,*}" -eq 640 ] && [ "${dims#*,}" -gt 480 ]; }; }; then
        ok "$name"
    else
        fail "$name" "band $band, above $above, below $below (want colour, gray, gray); size $dims"
    fi
}

run "$B" -q "$V" --heatmap "$WORK/main.png"
if [ "$RC" -eq 0 ]; then check "main command: coloured where the box swept, gray elsewhere" "$WORK/main.png"
else fail "main command: coloured where the box swept, gray elsewhere" "status $RC" "$ERR"; fi

run "$B" events -q "$V" --heatmap "$WORK/events.png"
if [ "$RC" -eq 0 ]; then check "events: coloured where the box swept, gray elsewhere" "$WORK/events.png"
else fail "events: coloured where the box swept, gray elsewhere" "status $RC" "$ERR"; fi

# Without -v nothing says where it went but the summary.
run "$B" "$V" --heatmap "$WORK/summary.png"
printf '%s\n' "$ERR" | grep -q "heat map $WORK/summary.png" &&
    ok "the summary names the heat map" || fail "the summary names the heat map" "$ERR"

expect_error "main: --heatmap needs a .png name" 2 "heatmap.*\.png.*h\.jpg" \
    "$B" -q "$V" --heatmap "$WORK/h.jpg"
expect_error "events: --heatmap needs a .png name" 2 "heatmap.*\.png.*h\.jpg" \
    "$B" events -q "$V" --heatmap "$WORK/h.jpg"
before=$(cksum < "$WORK/events.png")
run "$B" events -q "$V" --heatmap "$WORK/events.png"
if [ "$RC" -eq 4 ] && [ "$(cksum < "$WORK/events.png")" = "$before" ] && [ -z "$OUT" ]; then
    ok "events: an existing heat map is kept without -f (status 4, before any work)"
else fail "events: an existing heat map is kept without -f (status 4, before any work)" "status $RC" "$ERR"; fi
run "$B" -q "$V" --heatmap "$WORK/main.png"
[ "$RC" -eq 4 ] && ok "main: an existing heat map is kept without -f (status 4)" ||
    fail "main: an existing heat map is kept without -f (status 4)" "status $RC" "$ERR"
run "$B" -q -f "$V" --heatmap "$WORK/main.png"
[ "$RC" -eq 0 ] && ok "main: -f replaces it" || fail "main: -f replaces it" "status $RC" "$ERR"

finish
