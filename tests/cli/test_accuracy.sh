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
# Why these bars: the scene holds a car that stops for up to 150 frames (6
# seconds at 25 frames/s) and stays labelled foreground while it waits. The
# plain Stauffer-Grimson update (--absorb-after 0) absorbs it after some 60
# frames, as the unit test absorbs_a_stopped_object_when_alpha_predicts
# checks: recall near 0.72, F 0.82 for seed 5. The default selective update
# keeps it foreground until 30 s (measured: recall 0.996, precision 0.973,
# F 0.985 for seed 5; F 0.956-0.959 for seeds 6 and 7). Precision is what
# the background handling decides (noise, drifting light, the three-valued
# pond). The bars sit below those with room for platform rounding, and far
# above what a broken model gets (all-foreground: F about 0.1; no median on
# this scene: F 0.33; the plain update: F 0.82).
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
    at_least "$f" 0.93 && ok "synthetic scene F-measure $f >= 0.93" || fail "synthetic F-measure" "F = $f < 0.93"
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

# --- ChangeDetection.net: highway, busStation, traffic ----------------------
# The bars of the accuracy issue (15), with default settings: highway 0.94
# (baseline; measured 0.957, 0.939 before the rules around the mixture),
# busStation 0.85 (shadow, people waiting; measured 0.885, was 0.670),
# traffic 0.80 (camera jitter; measured 0.850, was 0.655). docs/accuracy.md
# has the table with each rule turned off in turn.
for seq in highway:0.94 busStation:0.85 traffic:0.80; do
    name=${seq%:*} bar=${seq#*:}
    DIR=../shared/data/cdnet/$name
    if [ ! -d "$DIR/input" ]; then
        skip "$name F-measure" "$DIR not present (clean clone without ../shared)"
        continue
    fi
    run "$B" -q "$DIR" -o "$WORK/$name"
    if [ "$RC" -ne 0 ]; then
        fail "$name run" "rc=$RC $ERR"
        continue
    fi
    "$B" eval --json "$DIR" "$WORK/$name" > "$WORK/$name.json" 2> /dev/null
    f=$(json_field "$WORK/$name.json" f_measure)
    echo "$name: F-measure $f"
    at_least "$f" "$bar" && ok "$name F-measure $f >= $bar" || fail "$name F-measure" "F = $f < $bar"
done

finish
