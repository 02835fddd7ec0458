#!/bin/sh
# test_mask_numbers.sh - masks are named after the input's own frame
# numbers: an image sequence's file numbers (a ChangeDetection.net excerpt
# that starts at in001460.jpg gives bin001460.png, one that starts at
# in000000 gives bin000000.png), a video's frames from 1; --renumber numbers
# a sequence 1, 2, 3... instead; names without increasing numbers fall back
# to positions. The expected names are built here from the file names.
. tests/cli/lib.sh

B=$BGSUB_BIN
SYNTH=$BUILD/tools/synth
SEQ=$WORK/syn
"$SYNTH" -o "$SEQ" --width 64 --height 48 --frames 12 --learn 2 > /dev/null 2>&1 ||
    { fail "synth" "could not make the test sequence"; finish; exit 1; }

# copy_as DIR FIRST: the 12 synthetic frames as DIR/in%06d.png numbered
# from FIRST.
copy_as() {
    mkdir -p "$1"
    i=0
    for f in "$SEQ"/input/in*.png; do
        cp "$f" "$1/$(printf 'in%06d.png' $(($2 + i)))"
        i=$((i + 1))
    done
}

# names DIR: the mask names in DIR, one line.
names() { (cd "$1" && ls bin*.png 2> /dev/null | tr '\n' ' '); }
# expected FIRST COUNT: "binFIRST.png ... " as ls lists them.
expected() { i=0; while [ $i -lt "$2" ]; do printf 'bin%06d.png ' $(($1 + i)); i=$((i + 1)); done; }

# A folder that starts at 1460: the masks carry the same numbers, so
# `bgsub eval` finds bin001460.png for gt001460.png.
copy_as "$WORK/from1460" 1460
run "$B" -q --learning-frames 2 "$WORK/from1460" -o "$WORK/m1460"
[ "$RC" -eq 0 ] && [ "$(names "$WORK/m1460")" = "$(expected 1460 12)" ] &&
    ok "a folder from in001460.png gives bin001460.png .. bin001471.png" ||
    fail "folder from 1460" "rc=$RC $ERR" "got: $(names "$WORK/m1460")"

# The same with --renumber: 1..12.
run "$B" -q --renumber --learning-frames 2 "$WORK/from1460" -o "$WORK/m1460r"
[ "$RC" -eq 0 ] && [ "$(names "$WORK/m1460r")" = "$(expected 1 12)" ] &&
    ok "--renumber gives bin000001.png .. bin000012.png" ||
    fail "--renumber" "rc=$RC $ERR" "got: $(names "$WORK/m1460r")"

# The masks are the same pictures whatever their names.
same=1
i=0
while [ $i -lt 12 ]; do
    cmp -s "$WORK/m1460/$(printf 'bin%06d.png' $((1460 + i)))" \
           "$WORK/m1460r/$(printf 'bin%06d.png' $((1 + i)))" || same=0
    i=$((i + 1))
done
[ $same -eq 1 ] && ok "renumbered masks are the same files in the same order" ||
    fail "renumbered masks differ from the numbered ones"

# A sequence that starts at 0, as a folder and as a pattern: bin000000.png.
copy_as "$WORK/from0" 0
run "$B" -q --learning-frames 2 "$WORK/from0" -o "$WORK/m0"
[ "$RC" -eq 0 ] && [ "$(names "$WORK/m0")" = "$(expected 0 12)" ] &&
    ok "a folder from in000000.png gives bin000000.png .. bin000011.png" ||
    fail "folder from 0" "rc=$RC $ERR" "got: $(names "$WORK/m0")"
run "$B" -q --learning-frames 2 "$WORK/from0/in%06d.png" -o "$WORK/m0p"
[ "$RC" -eq 0 ] && [ "$(names "$WORK/m0p")" = "$(expected 0 12)" ] &&
    ok "a pattern from index 0 gives bin000000.png .. bin000011.png" ||
    fail "pattern from 0" "rc=$RC $ERR" "got: $(names "$WORK/m0p")"

# --start-frame counts positions from 1: the third file is in001462.png.
run "$B" -q --learning-frames 0 --start-frame 3 --frames 2 "$WORK/from1460" -o "$WORK/mstart"
[ "$RC" -eq 0 ] && [ "$(names "$WORK/mstart")" = "$(expected 1462 2)" ] &&
    ok "--start-frame 3 --frames 2 on the 1460 folder gives bin001462, bin001463" ||
    fail "--start-frame with file numbers" "rc=$RC $ERR" "got: $(names "$WORK/mstart")"

# Names without numbers, or numbers that do not increase, fall back to
# positions from 1 (no two frames may share a mask).
mkdir -p "$WORK/words" "$WORK/dups"
for n in alpha beta gamma; do cp "$SEQ/input/in000001.png" "$WORK/words/$n.png"; done
cp "$SEQ/input/in000001.png" "$WORK/dups/a7.png"
cp "$SEQ/input/in000002.png" "$WORK/dups/b7.png"
cp "$SEQ/input/in000003.png" "$WORK/dups/c7.png"
run "$B" -q --learning-frames 0 "$WORK/words" -o "$WORK/mwords"
r1=$RC
run "$B" -q --learning-frames 0 "$WORK/dups" -o "$WORK/mdups"
[ "$r1" -eq 0 ] && [ "$RC" -eq 0 ] && [ "$(names "$WORK/mwords")" = "$(expected 1 3)" ] &&
    [ "$(names "$WORK/mdups")" = "$(expected 1 3)" ] &&
    ok "names without (increasing) numbers are numbered 1, 2, 3" ||
    fail "fallback numbering" "words: $(names "$WORK/mwords")" "dups: $(names "$WORK/mdups")"

# End to end: a ChangeDetection.net-style excerpt that starts at 1460 is
# scored by bgsub eval without renaming (masks equal to the ground truth
# score F = 1 only if every mask lines up with its ground truth).
EX=$WORK/excerpt
mkdir -p "$EX/input" "$EX/groundtruth"
i=0
for f in "$SEQ"/input/in*.png; do
    n=$(basename "$f" .png | sed 's/^in//')
    cp "$f" "$EX/input/$(printf 'in%06d.png' $((1460 + i)))"
    cp "$SEQ/groundtruth/gt$n.png" "$EX/groundtruth/$(printf 'gt%06d.png' $((1460 + i)))"
    i=$((i + 1))
done
echo "1462 1471" > "$EX/temporalROI.txt"
run "$B" -q --learning-frames 2 "$EX" -o "$WORK/mex"
run "$B" eval "$EX" "$WORK/mex"
[ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q '^frames  *1462-1471 (10 scored)' &&
    ok "bgsub eval scores the excerpt's masks by their own numbers" ||
    fail "eval of an excerpt from 1460" "rc=$RC $ERR" "$OUT"

# A video counts its frames from 1 (the sample's first 3 frames).
run "$B" -q --learning-frames 0 --frames 3 samples/sample.mp4 -o "$WORK/mvid"
[ "$RC" -eq 0 ] && [ "$(names "$WORK/mvid")" = "$(expected 1 3)" ] &&
    ok "a video's masks are numbered from 1" ||
    fail "video numbering" "rc=$RC $ERR" "got: $(names "$WORK/mvid")"

finish
