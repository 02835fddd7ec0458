#!/bin/sh
# test_accuracy.sh - end to end: bgsub on a synthetic scene with exact ground
# truth, and on the ChangeDetection.net highway sequence when ../shared is
# there, each scored by `bgsub eval`.
. tests/cli/lib.sh

SYNTH=$BUILD/tools/synth
B=$BGSUB_BIN

# json_field FILE NAME: the number after "NAME": in a one-object JSON file.
json_field() { grep -o "\"$2\": [0-9.e+-]*" "$1" | head -n 1 | cut -d' ' -f2; }
# at_least A B: A >= B for decimal numbers.
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }

# --- synthetic scene ---------------------------------------------------------
# Seed 5 at 160x120, 300 frames, 100 learning frames, defaults throughout.
# Why these bars: the scene holds a car that stops for up to 150 frames and
# stays labelled foreground while it waits. A Stauffer-Grimson model with
# α = 0.005 absorbs a stopped object after some 60 frames, as the unit test
# absorbs_a_stopped_object_when_alpha_predicts checks, so a correct model must
# lose most of those pixels: recall sits near 0.7 and F near 0.8 with the
# default clean-up (measured 0.815 for seed 5; 0.74-0.77 over seeds 5-7
# before the clean-up). Precision is what the background handling decides
# (noise, drifting light, the three-valued pond), measured 0.94. The bars sit
# below those with room for platform rounding, and far above what a broken
# model gets (all-foreground: F about 0.1; no median on this scene: F 0.33).
SEQ=$WORK/syn
"$SYNTH" -o "$SEQ" --width 160 --height 120 --frames 300 --seed 5 > /dev/null 2>&1
run "$B" -q "$SEQ" -o "$WORK/syn-masks"
if [ "$RC" -ne 0 ]; then
    fail "synthetic scene run" "rc=$RC $ERR"
else
    "$B" eval --json "$SEQ" "$WORK/syn-masks" > "$WORK/syn.json"
    f=$(json_field "$WORK/syn.json" f_measure)
    p=$(json_field "$WORK/syn.json" precision)
    echo "synthetic scene: F-measure $f, precision $p"
    at_least "$f" 0.70 && ok "synthetic scene F-measure $f >= 0.70" || fail "synthetic F-measure" "F = $f < 0.70"
    at_least "$p" 0.90 && ok "synthetic scene precision $p >= 0.90" || fail "synthetic precision" "precision = $p < 0.90"
fi

# eval itself: the text form names every metric, the JSON form has every
# key, and masks equal to the ground truth score 1.
run "$B" eval "$SEQ" "$WORK/syn-masks"
text_missing=""
for k in recall specificity fpr fnr pwc precision f_measure; do
    printf '%s\n' "$OUT" | grep -q "^$k " || text_missing="$text_missing $k"
done
[ "$RC" -eq 0 ] && [ -z "$text_missing" ] && ok "eval prints every metric as text" ||
    fail "eval text output" "rc=$RC missing:$text_missing" "$OUT"
keys_missing=""
for k in recall specificity fpr fnr pwc precision f_measure tp fp tn fn; do
    grep -q "\"$k\":" "$WORK/syn.json" 2> /dev/null || keys_missing="$keys_missing $k"
done
[ -z "$keys_missing" ] && ok "eval --json has every metric and count" || fail "eval --json keys" "missing:$keys_missing"
mkdir -p "$WORK/perfect"
for g in "$SEQ"/groundtruth/gt*.png; do
    cp "$g" "$WORK/perfect/bin${g##*/gt}"
done
"$B" eval --json "$SEQ" "$WORK/perfect" > "$WORK/perfect.json"
f=$(json_field "$WORK/perfect.json" f_measure)
[ "$f" = "1.000000" ] && ok "ground truth scored as masks gives F = 1" || fail "perfect masks" "F = $f"
rm "$WORK/perfect/bin000150.png"
expect_error "eval: missing mask named" 3 "bin000150.png" "$B" eval "$SEQ" "$WORK/perfect"
expect_error "eval: missing sequence" 3 "nowhere" "$B" eval "$WORK/nowhere" "$WORK/perfect"
expect_error "eval: wrong arguments" 2 "SEQ_DIR and MASK_DIR" "$B" eval "$SEQ"

# --- ChangeDetection.net highway ---------------------------------------------
HW=../shared/data/cdnet/highway
if [ ! -d "$HW/input" ]; then
    skip "highway F-measure" "$HW not present (clean clone without ../shared)"
else
    run "$B" -q "$HW" -o "$WORK/hw"
    if [ "$RC" -ne 0 ]; then
        fail "highway run" "rc=$RC $ERR"
    else
        "$B" eval --json "$HW" "$WORK/hw" > "$WORK/hw.json"
        f=$(json_field "$WORK/hw.json" f_measure)
        echo "highway: F-measure $f"
        # The bar from the accuracy issue: 0.93 with default settings
        # (measured 0.940; the raw mixture without clean-up scores 0.833).
        at_least "$f" 0.93 && ok "highway F-measure $f >= 0.93" || fail "highway F-measure" "F = $f < 0.93"
    fi
fi

finish
