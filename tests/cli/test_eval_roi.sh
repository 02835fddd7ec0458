#!/bin/sh
# test_eval_roi.sh - `bgsub eval` and its region of interest: a partial
# region is honoured (pixels outside do not count), a region larger than the
# frames (the benchmark's own traffic/ROI.bmp is 352x240 for 320x240 frames)
# is cut to its top-left part with one warning, a smaller one is refused,
# and --roi FILE overrides ROI.bmp.
#
# The expected scores are closed forms: the masks are the ground truth
# inside the region and all foreground outside it, so a scorer that uses
# exactly the region gets F = 1 and precision 1, and any other region
# (none, scaled, cut from the wrong side) counts false positives.
. tests/cli/lib.sh

B=$BGSUB_BIN
SYNTH=$BUILD/tools/synth
MAKEIMG=$BUILD/tests/tools/makeimg
SEQ=$WORK/syn
W=64 H=48 HALF=32
"$SYNTH" -o "$SEQ" --width $W --height $H --frames 12 --learn 2 > /dev/null 2>&1 ||
    { fail "synth" "could not make the test sequence"; finish; exit 1; }

# Masks: the ground truth on the left half (only its 255 is foreground to
# the scorer, so its other labels read as background), 255 on the right
# half, which the regions below leave out.
mkdir -p "$WORK/masks"
for g in "$SEQ"/groundtruth/gt*.png; do
    n=${g##*/gt}
    "$MAKEIMG" "$WORK/masks/bin$n" --from "$g" $HALF 0 $W $H 255 || exit 1
done

roi_wide=$WORK/wide.png       # 96 wide: left half in, then 32 extra columns in
"$MAKEIMG" "$roi_wide" 96 $H 0 0 0 $HALF $H 255 $W 0 96 $H 255
roi_exact=$WORK/exact.png
"$MAKEIMG" "$roi_exact" $W $H 0 0 0 $HALF $H 255
roi_small=$WORK/small.png
"$MAKEIMG" "$roi_small" 60 $H 255

field() { grep -o "\"$2\": [0-9.e+-]*" "$1" | head -n 1 | cut -d' ' -f2; }

# A partial region of exactly the frame's size, as ROI.bmp.
cp "$roi_exact" "$SEQ/ROI.bmp"
run "$B" eval --json "$SEQ" "$WORK/masks"
printf '%s\n' "$OUT" > "$WORK/exact.json"
[ "$RC" -eq 0 ] && [ "$(field "$WORK/exact.json" f_measure)" = "1.000000" ] &&
    [ "$(field "$WORK/exact.json" fp)" = "0" ] && [ -z "$ERR" ] &&
    ok "a partial ROI.bmp: the right half is not scored (F = 1, no false positive)" ||
    fail "partial ROI" "rc=$RC $ERR" "$OUT"
tp_exact=$(field "$WORK/exact.json" tp)

# No region at all: the right half's 255 are false positives.
rm "$SEQ/ROI.bmp"
run "$B" eval --json "$SEQ" "$WORK/masks"
printf '%s\n' "$OUT" > "$WORK/none.json"
fp_none=$(field "$WORK/none.json" fp)
[ "$RC" -eq 0 ] && [ "${fp_none:-0}" -gt 0 ] &&
    ok "without ROI.bmp the right half counts ($fp_none false positives)" ||
    fail "no ROI" "rc=$RC fp=$fp_none"

# A wider region: cut to its top-left 64x48, one warning naming the file
# and both sizes, the same scores as the exact region.
cp "$roi_wide" "$SEQ/ROI.bmp"
run "$B" eval --json "$SEQ" "$WORK/masks"
printf '%s\n' "$OUT" > "$WORK/wide.json"
lines=$(printf '%s\n' "$ERR" | grep -c .)
[ "$RC" -eq 0 ] && [ "$lines" -eq 1 ] &&
    printf '%s\n' "$ERR" | grep -q "warning: .*ROI.bmp: size 96x48, the ground truth's is 64x48: using its top-left 64x48" &&
    ok "a wider ROI.bmp is cut to the frames with one warning" ||
    fail "wider ROI warning" "rc=$RC lines=$lines" "$ERR"
[ "$(field "$WORK/wide.json" f_measure)" = "1.000000" ] &&
    [ "$(field "$WORK/wide.json" tp)" = "$tp_exact" ] && [ "$(field "$WORK/wide.json" fp)" = "0" ] &&
    ok "a wider ROI.bmp scores as its top-left part (F = 1, tp $tp_exact)" ||
    fail "wider ROI scores" "$(cat "$WORK/wide.json")"

# A narrower region cannot cover the frames: status 3, one line.
cp "$roi_small" "$SEQ/ROI.bmp"
expect_error "a narrower ROI.bmp is refused" 3 "ROI.bmp: size 60x48 is smaller than the ground truth's 64x48" \
    "$B" eval "$SEQ" "$WORK/masks"

# --roi FILE instead of ROI.bmp (the narrow one is still there).
run "$B" eval --json --roi "$roi_exact" "$SEQ" "$WORK/masks"
printf '%s\n' "$OUT" > "$WORK/opt.json"
[ "$RC" -eq 0 ] && [ "$(field "$WORK/opt.json" f_measure)" = "1.000000" ] && [ -z "$ERR" ] &&
    ok "--roi FILE overrides ROI.bmp" || fail "--roi FILE" "rc=$RC $ERR" "$OUT"
expect_error "--roi with a missing file" 3 "nowhere.png" "$B" eval --roi "$WORK/nowhere.png" "$SEQ" "$WORK/masks"
expect_error "--roi with an empty name" 2 "--roi needs a file name" "$B" eval --roi "" "$SEQ" "$WORK/masks"

# The real quirk, where ../shared is present: traffic scores with a warning.
TR=../shared/data/cdnet/traffic
if [ -f "$TR/ROI.bmp" ] && [ -f "$TR/groundtruth/gt000900.png" ]; then
    mkdir -p "$WORK/tr"
    for n in 000900 000901; do cp "$TR/groundtruth/gt$n.png" "$WORK/tr/bin$n.png"; done
    mkdir -p "$WORK/trseq"
    ln -s "$(cd "$TR" && pwd)/groundtruth" "$WORK/trseq/groundtruth"
    cp "$TR/ROI.bmp" "$WORK/trseq/ROI.bmp"
    echo "900 901" > "$WORK/trseq/temporalROI.txt"
    run "$B" eval "$WORK/trseq" "$WORK/tr"
    [ "$RC" -eq 0 ] && printf '%s\n' "$ERR" | grep -q "size 352x240, the ground truth's is 320x240" &&
        ok "traffic's 352x240 ROI.bmp is scored with a warning" ||
        fail "traffic ROI" "rc=$RC $ERR"
else
    skip "traffic's wider ROI.bmp" "$TR not present (clean clone without ../shared)"
fi

finish
