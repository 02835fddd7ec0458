#!/bin/sh
# test_synth.sh - the synthetic scene kinds (tools/synth --scene), the
# dataset builder (tools/scenes.sh) and the parameter sweep (tools/sweep.sh
# with tools/plot): each kind is deterministic and shows, in its pixels and
# its labels, the effect it claims; a tiny sweep writes the CSV rows and the
# plots it should.
. tests/cli/lib.sh

SYNTH=$BUILD/tools/synth
PIXSTAT=$BUILD/tests/tools/pixstat
PNGINFO=$BUILD/tests/tools/pnginfo
PLOT=$BUILD/tools/plot
B=$BGSUB_BIN
KINDS="street shadows light-switch waving noise"
SMALL="--width 96 --height 72 --frames 40 --learn 10 --seed 3"

# field FILE KEY N: the Nth value after KEY on its line of a scene.txt.
field() { awk -v k="$2" -v n="$3" '$1 == k { print $(n + 1) }' "$1"; }
# stat LINE NAME: the value of NAME=... in a pixstat line.
stat() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# between V LO HI: LO <= V <= HI for decimal numbers.
between() { awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v != "" && v + 0 >= lo + 0 && v + 0 <= hi + 0) }' && ok "$1 ($2 in $3..$4)" || fail "$1" "$2 not in $3..$4"; }
frame() { printf '%06d' "$1"; }
# same_files DIR1 DIR2 SUBDIR: every file of SUBDIR is byte-identical.
same_files() { diff -r "$1/$3" "$2/$3" > /dev/null 2>&1; }

# --- every kind generates, deterministically --------------------------------
for k in $KINDS; do
    run "$SYNTH" -o "$WORK/$k" $SMALL --scene "$k"
    n=$(ls "$WORK/$k/input" 2> /dev/null | wc -l)
    g=$(ls "$WORK/$k/groundtruth" 2> /dev/null | wc -l)
    if [ "$RC" -eq 0 ] && [ "$n" -eq 40 ] && [ "$g" -eq 40 ] &&
       [ "$(field "$WORK/$k/scene.txt" scene 1)" = "$k" ]; then
        ok "$k: 40 frames, 40 labels, scene.txt names it"
    else fail "$k generates" "rc=$RC frames=$n labels=$g" "$ERR"; fi
    "$SYNTH" -o "$WORK/$k-again" $SMALL --scene "$k" > /dev/null 2>&1
    if diff -r "$WORK/$k" "$WORK/$k-again" > /dev/null; then
        ok "$k: same seed, same bytes"
    else fail "$k: same seed, same bytes" "the second run differs"; fi
done
"$SYNTH" -o "$WORK/shadows-seed4" --width 96 --height 72 --frames 40 --learn 10 --seed 4 --scene shadows > /dev/null 2>&1
same_files "$WORK/shadows" "$WORK/shadows-seed4" input &&
    fail "another seed, other frames" "seeds 3 and 4 gave the same frames" ||
    ok "another seed, other frames"
"$SYNTH" -o "$WORK/plain" $SMALL > /dev/null 2>&1
diff -r "$WORK/plain" "$WORK/street" > /dev/null &&
    ok "--scene street is the default scene" || fail "--scene street" "differs from no --scene"

# Only the objects are labelled in light-switch, waving and noise: their
# labels are the street's, file for file.
for k in light-switch waving noise; do
    same_files "$WORK/street" "$WORK/$k" groundtruth &&
        ok "$k: labels are the street's" || fail "$k: labels" "differ from the street's"
done

# --- shadows ----------------------------------------------------------------
# Without camera noise, against the same scene without objects (same
# background and light), shadow pixels (50) are darker by the factor
# 0.4..0.8 (with the +-8% grain, and rounding), and static ones (0) are
# untouched.
"$SYNTH" -o "$WORK/sh0" $SMALL --scene shadows --noise 0 > /dev/null 2>&1
"$SYNTH" -o "$WORK/bg0" $SMALL --scene shadows --noise 0 --objects 0 > /dev/null 2>&1
shadow_frames=0
for t in 15 25 35; do
    f=$(frame $t)
    case $($PNGINFO "$WORK/sh0/groundtruth/gt$f.png") in *,50,*) shadow_frames=$((shadow_frames + 1)) ;; esac
done
[ "$shadow_frames" -ge 2 ] && ok "shadows: label 50 in $shadow_frames of 3 frames" ||
    fail "shadows: label 50" "only in $shadow_frames of frames 15, 25, 35"
f=$(frame 25)
s=$($PIXSTAT "$WORK/sh0/input/in$f.png" "$WORK/bg0/input/in$f.png" "$WORK/sh0/groundtruth/gt$f.png" 50)
between "shadows: shadow pixels / background, median" "$(stat "$s" ratio_median)" 0.40 0.80
between "shadows: shadow pixels / background, 90th percentile" "$(stat "$s" ratio_p90)" 0.30 0.90
between "shadows: shadow pixels / background, 10th percentile" "$(stat "$s" ratio_p10)" 0.33 0.80
# Static (0) pixels may lie in a soft shadow's faint rim, darkened by less
# than the 10% that earns label 50 (up to 10.8% with the grain, plus
# rounding): none is darker than that.
s=$($PIXSTAT "$WORK/sh0/input/in$f.png" "$WORK/bg0/input/in$f.png" "$WORK/sh0/groundtruth/gt$f.png" 0)
between "shadows: static pixels / background, median" "$(stat "$s" ratio_median)" 1 1
between "shadows: static pixels / background, minimum" "$(stat "$s" ratio_min)" 0.86 1
# Object labels (255) are the street's: shadows add labels, never move them.
s=$($PIXSTAT "$WORK/shadows/groundtruth/gt$f.png" "$WORK/street/groundtruth/gt$f.png" "$WORK/shadows/groundtruth/gt$f.png" 255)
[ "$(stat "$s" n)" -gt 0 ] && [ "$(stat "$s" changed)" = "0.0000" ] &&
    ok "shadows: objects labelled as in the street" || fail "shadows: object labels" "$s"

# --- light switch -----------------------------------------------------------
L=$WORK/light-switch
s1=$(field "$L/scene.txt" switch_frames 1)
s2=$(field "$L/scene.txt" switch_frames 2)
if [ -z "$s1" ] || [ -z "$s2" ] || [ "$s1" -le 10 ] || [ "$s2" -le "$s1" ] || [ "$s2" -gt 40 ]; then
    fail "light-switch: switch_frames in scene.txt" "got '$s1' '$s2'"
else
    ok "light-switch: switches at frames $s1 and $s2, both scored"
    # ratio FRAME: median of frame / the frame before, over static pixels
    ratio() { stat "$($PIXSTAT "$L/input/in$(frame "$1").png" "$L/input/in$(frame $(($1 - 1))).png" \
                       "$L/groundtruth/gt$(frame "$1").png" 0)" ratio_median; }
    between "light-switch: frame $s1 / frame before" "$(ratio "$s1")" 0.5 0.7
    between "light-switch: frame $s2 / frame before" "$(ratio "$s2")" 1.45 1.9
    between "light-switch: frame $((s1 - 1)) / frame before (no switch)" "$(ratio $((s1 - 1)))" 0.97 1.03
    between "light-switch: frame $((s1 + 2)) / frame before (no switch)" "$(ratio $((s1 + 2)))" 0.97 1.03
fi

# --- waving -----------------------------------------------------------------
# Inside the tree's box, static-labelled pixels change a lot between frames
# half a sway (18 frames) apart; in the street (no tree) the same pixels
# hardly do.
box=$(awk '$1 == "waving_box" { print $2, $3, $4, $5 }' "$WORK/waving/scene.txt")
if [ "$(echo $box | wc -w)" -ne 4 ]; then
    fail "waving: waving_box in scene.txt" "got '$box'"
else
    a=$(frame 30) b=$(frame 12)
    w=$($PIXSTAT "$WORK/waving/input/in$a.png" "$WORK/waving/input/in$b.png" "$WORK/waving/groundtruth/gt$a.png" 0 $box)
    st=$($PIXSTAT "$WORK/street/input/in$a.png" "$WORK/street/input/in$b.png" "$WORK/street/groundtruth/gt$a.png" 0 $box)
    between "waving: static pixels in the box that change by > 25" "$(stat "$w" changed)" 0.1 1
    between "street: the same pixels, no tree" "$(stat "$st" changed)" 0 0.02
fi

# --- noise ------------------------------------------------------------------
f=$(frame 20)
s=$($PIXSTAT "$WORK/noise/input/in$f.png" "$WORK/street/input/in$f.png" "$WORK/street/groundtruth/gt$f.png" 0)
between "noise: sd of (noisy - street) over static pixels" "$(stat "$s" sd_diff)" 4 15
between "noise: salt-and-pepper share" "$(stat "$s" extreme)" 0.0005 0.01
[ "$(field "$WORK/noise/scene.txt" noise 1)" = 10 ] && ok "noise: sigma 10 by default" ||
    fail "noise: sigma" "scene.txt says $(field "$WORK/noise/scene.txt" noise 1)"

# --- bad arguments ----------------------------------------------------------
expect_error "synth --scene unknown" 2 "--scene: expected street, shadows" "$SYNTH" -o "$WORK/x" --scene fog
expect_error "scenes.sh unknown kind" 2 "unknown scene kind 'fog'" sh tools/scenes.sh --synth "$SYNTH" --kinds fog "$WORK/x"
expect_error "sweep.sh parameter without values" 2 "expected NAME=V1,V2" sh tools/sweep.sh --bgsub "$B" --plot "$PLOT" "$WORK/x" "alpha="
expect_error "plot: malformed point" 3 "pts.csv:2: y is not a number" sh -c "printf 'a,1,0.5\na,2,x\n' > '$WORK/pts.csv'; '$PLOT' -o '$WORK/p.png' '$WORK/pts.csv'"

# --- scenes.sh and a tiny sweep ----------------------------------------------
DS=$WORK/ds
run sh tools/scenes.sh --synth "$SYNTH" --size 64x48 --frames 24 --learn 8 --kinds street,shadows \
    --highway="$WORK/no-highway" "$DS"
if [ "$RC" -eq 0 ] && [ -f "$DS/synthetic/street/scene.txt" ] && [ -f "$DS/synthetic/shadows/scene.txt" ] &&
   [ ! -e "$DS/baseline/highway" ] && printf '%s' "$ERR" | grep -q "highway left out"; then
    ok "scenes.sh writes synthetic/street and synthetic/shadows, says highway is absent"
else fail "scenes.sh" "rc=$RC" "$ERR"; fi

# One at a time: the all-default run plus alpha's two values, on 2 sequences.
run sh tools/sweep.sh --bgsub "$B" --plot "$PLOT" -o "$WORK/sw" "$DS" alpha=0.005,0.05 learning-frames=8
CSV=$WORK/sw/sweep.csv
rows=$(tail -n +2 "$CSV" 2> /dev/null | wc -l)
scored=$(awk -F, 'NR > 1 && $3 ~ /^synthetic\/(street|shadows)$/ && $4 != "" && $4 >= 0 && $4 <= 1' "$CSV" 2> /dev/null | wc -l)
if [ "$RC" -eq 0 ] && [ "$(head -n 1 "$CSV")" = "alpha,learning-frames,sequence,f_measure,precision,recall,options" ] &&
   [ "$rows" -eq 6 ] && [ "$scored" -eq 6 ]; then
    ok "sweep: CSV header and 3 settings x 2 sequences, all scored"
else fail "sweep CSV" "rc=$RC rows=$rows scored=$scored" "$ERR" "$(cat "$CSV" 2> /dev/null)"; fi
for v in default 0.005 0.05; do
    n=$(awk -F, -v v="$v" 'NR > 1 && $1 == v && $2 == 8' "$CSV" 2> /dev/null | wc -l)
    [ "$n" -eq 2 ] && ok "sweep: alpha=$v run on both sequences" || fail "sweep rows for alpha=$v" "$n rows"
done
# The score in the CSV is what bgsub eval gives for that run.
"$B" -q --threads 1 --alpha 0.05 --learning-frames 8 "$DS/synthetic/shadows" -o "$WORK/check" > /dev/null 2>&1
want=$("$B" eval --json "$DS/synthetic/shadows" "$WORK/check" | grep -o '"f_measure": [0-9.]*' | cut -d' ' -f2)
got=$(awk -F, '$1 == "0.05" && $3 == "synthetic/shadows" { print $4 }' "$CSV")
[ -n "$want" ] && [ "$got" = "$want" ] && ok "sweep: F of a row equals bgsub eval's ($got)" ||
    fail "sweep: F of a row" "CSV $got, bgsub eval $want"
case $($PNGINFO "$WORK/sw/f_alpha.png" 2>&1) in
    800x480\ channels=3*) ok "sweep: f_alpha.png is an 800x480 RGB PNG" ;;
    *) fail "sweep: f_alpha.png" "$($PNGINFO "$WORK/sw/f_alpha.png" 2>&1)" ;;
esac
[ ! -e "$WORK/sw/f_learning-frames.png" ] && [ ! -e "$WORK/sw/work" ] &&
    ok "sweep: no plot for a fixed parameter, work folder removed" ||
    fail "sweep: leftovers" "$(ls "$WORK/sw")"

# --grid: the full product, 2 x 2 settings (on one sequence, to keep the
# test short); a run that fails (an option bgsub does not know) leaves
# empty scores and exit status 1.
rm -r "$DS/synthetic/shadows"
run sh tools/sweep.sh --bgsub "$B" --plot "$PLOT" -o "$WORK/grid" --grid "$DS" \
    alpha=0.005,0.05 lambda=2,3 learning-frames=8
rows=$(awk -F, 'NR > 1 && $5 != ""' "$WORK/grid/sweep.csv" 2> /dev/null | wc -l)
combos=$(awk -F, 'NR > 1 { print $1, $2 }' "$WORK/grid/sweep.csv" 2> /dev/null | sort -u | wc -l)
if [ "$RC" -eq 0 ] && [ "$rows" -eq 4 ] && [ "$combos" -eq 4 ] &&
   [ -f "$WORK/grid/f_alpha.png" ] && [ -f "$WORK/grid/f_lambda.png" ]; then
    ok "sweep --grid: 2 x 2 settings, a plot per parameter"
else fail "sweep --grid" "rc=$RC rows=$rows combos=$combos" "$ERR"; fi
run sh tools/sweep.sh --bgsub "$B" --plot "$PLOT" -o "$WORK/bad" "$DS" no-such-option=1,2 learning-frames=8
empty=$(awk -F, 'NR > 1 && $3 == "synthetic/street" && $4 == ""' "$WORK/bad/sweep.csv" 2> /dev/null | wc -l)
if [ "$RC" -eq 1 ] && [ "$empty" -eq 2 ] && printf '%s' "$ERR" | grep -q "no-such-option"; then
    ok "sweep: failed runs give empty scores, are named, exit status 1"
else fail "sweep with a failing option" "rc=$RC empty=$empty" "$ERR"; fi

finish
