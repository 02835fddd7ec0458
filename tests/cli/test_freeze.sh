#!/bin/sh
# test_freeze.sh - `--alpha 0` freezes a learnt model: over 50 more frames
# its background image stays byte for byte what it was, while the masks
# still follow what moves. The control run (the same frames, alpha as
# usual) changes the background, so the comparison can fail.
. tests/cli/lib.sh

B=$BGSUB_BIN
S=samples/sample.mp4
run "$B" -q "$S" --frames 150 --save-model "$WORK/m.bgsm" --background -o "$WORK/learn"
[ "$RC" -eq 0 ] && [ -f "$WORK/learn/background.png" ] && ok "learn 150 frames, save the model" ||
    { fail "learning run" "rc=$RC $ERR"; finish; exit 1; }

run "$B" -q "$S" --load-model "$WORK/m.bgsm" --alpha 0 --start-frame 151 --frames 50 \
    --background -o "$WORK/frozen"
[ "$RC" -eq 0 ] && cmp -s "$WORK/learn/background.png" "$WORK/frozen/background.png" &&
    ok "--alpha 0: the background image is unchanged over 50 frames" ||
    fail "--alpha 0 background" "rc=$RC $ERR"

# The masks still change from frame to frame, and are not blank.
distinct=$(for f in "$WORK"/frozen/bin*.png; do cksum < "$f"; done | sort -u | wc -l)
count=$(ls "$WORK"/frozen/bin*.png | wc -l)
[ "$count" -eq 50 ] && [ "$distinct" -ge 40 ] &&
    ok "--alpha 0: masks still change ($distinct distinct of $count)" ||
    fail "--alpha 0 masks" "$count masks, $distinct distinct"

run "$B" -q "$S" --load-model "$WORK/m.bgsm" --start-frame 151 --frames 50 \
    --background -o "$WORK/learning"
[ "$RC" -eq 0 ] && ! cmp -s "$WORK/learn/background.png" "$WORK/learning/background.png" &&
    ok "control: the same frames learnt change the background" ||
    fail "control run" "rc=$RC $ERR (background unchanged without --alpha 0)"

finish
