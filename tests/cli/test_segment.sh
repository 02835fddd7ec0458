#!/bin/sh
# test_segment.sh - `bgsub segment` driven the way a user drives it: the
# options, every error path (exit status, one line on stderr naming the
# file), the masks, --json, --plot and image sequences.
. tests/cli/lib.sh

B=$BGSUB_BIN
PNGINFO=$BUILD/tests/tools/pnginfo
SYNTH=$BUILD/tools/synth

if [ ! -x "$B" ]; then
    skip "segment" "$B is not built yet (every check skipped)"
    finish; exit
fi

# write_bmp FILE W H SPLIT: a 24-bit gray BMP (W a multiple of 4), dark
# (40..60) left of column SPLIT, bright (180..200) from it on. Pure shell:
# the tests need no image tool.
le32() {
    for s in 0 8 16 24; do
        b=$(( ($1 >> s) & 255 ))
        printf "\\$((b / 64))$((b / 8 % 8))$((b % 8))"
    done
}
le16() {
    for s in 0 8; do
        b=$(( ($1 >> s) & 255 ))
        printf "\\$((b / 64))$((b / 8 % 8))$((b % 8))"
    done
}
write_bmp() {
    f=$1 w=$2 h=$3 split=$4
    {
        printf 'BM'; le32 $((54 + w * h * 3)); le32 0; le32 54
        le32 40; le32 "$w"; le32 "$h"; le16 1; le16 24; le32 0
        le32 $((w * h * 3)); le32 2835; le32 2835; le32 0; le32 0
        y=0
        while [ "$y" -lt "$h" ]; do
            row="" x=0
            while [ "$x" -lt "$w" ]; do
                if [ "$x" -lt "$split" ]; then v=$((40 + (x * 7 + y * 13) % 21))
                else v=$((180 + (x * 5 + y * 11) % 21)); fi
                o="\\$((v / 64))$((v / 8 % 8))$((v % 8))"
                row="$row$o$o$o"
                x=$((x + 1))
            done
            printf "$row"
            y=$((y + 1))
        done
    } > "$f"
}

IMG=$WORK/two.bmp
write_bmp "$IMG" 48 32 40 # 8 x 32 = 256 bright pixels
# info FILE: pnginfo's line, or "" if the helper is not built.
info() { [ -x "$PNGINFO" ] && "$PNGINFO" "$1" 2>&1; }
have_pnginfo() { [ -x "$PNGINFO" ]; }

# --- help -------------------------------------------------------------------
run "$B" segment --help
if [ "$RC" -eq 0 ] && echo "$OUT" | grep -q -- '--k N|auto' &&
   echo "$OUT" | grep -q -- '--shared-fit' && echo "$OUT" | grep -q 'Exit status'; then
    ok "--help lists options and exit statuses"
else fail "--help" "rc=$RC" "$OUT"; fi

# --- usage errors: exit 2, one line, nothing written ------------------------
O=$WORK/out.png
expect_error "no input" 2 "no input" "$B" segment
expect_error "no output at all" 2 "no output" "$B" segment "$IMG"
expect_error "unknown option" 2 "unknown option '--nope'" "$B" segment --nope "$IMG" -o "$O"
expect_error "option without value" 2 "needs a value" "$B" segment "$IMG" -o
expect_error "--k 0" 2 "--k needs a whole number in 1..8 or 'auto', not '0'" "$B" segment --k 0 "$IMG" -o "$O"
expect_error "--k 9" 2 "--k needs a whole number" "$B" segment --k 9 "$IMG" -o "$O"
expect_error "--k abc" 2 "not 'abc'" "$B" segment --k abc "$IMG" -o "$O"
expect_error "--k 2.5" 2 "not '2.5'" "$B" segment --k 2.5 "$IMG" -o "$O"
expect_error "--kmax 0" 2 "--kmax needs a whole number in 1..8" "$B" segment --k auto --kmax 0 "$IMG" -o "$O"
expect_error "--method bad" 2 "--method needs 'gmm' or 'otsu', not 'kmeans'" "$B" segment --method kmeans "$IMG" -o "$O"
expect_error "otsu with --k 3" 2 "otsu.*--k" "$B" segment --method otsu --k 3 "$IMG" -o "$O"
expect_error "otsu with --k auto" 2 "otsu.*auto" "$B" segment --k auto --method otsu "$IMG" -o "$O"
expect_error "--tol negative" 2 "--tol needs a number in 0..1" "$B" segment --tol -1 "$IMG" -o "$O"
expect_error "--var-floor 0" 2 "--var-floor needs a number" "$B" segment --var-floor 0 "$IMG" -o "$O"
expect_error "--restarts 0" 2 "--restarts needs a whole number in 1..100" "$B" segment --restarts 0 "$IMG" -o "$O"
expect_error "--max-iter too big" 2 "--max-iter needs a whole number in 1..1000" "$B" segment --max-iter 5000 "$IMG" -o "$O"
expect_error "--seed negative" 2 "--seed needs a whole number" "$B" segment --seed -3 "$IMG" -o "$O"
expect_error "--shared-fit=bad" 2 "--shared-fit needs 'first' or 'sum'" "$B" segment --shared-fit=bad "$IMG" -o "$O"
expect_error "two inputs" 2 "one input at a time" "$B" segment "$IMG" "$IMG" -o "$O"
expect_error "plot over the output" 2 "same file" "$B" segment "$IMG" -o "$O" --plot "$O"
[ ! -e "$O" ] && ok "usage errors write nothing" || fail "usage errors write nothing" "$O exists"

# --- input errors: exit 3, naming the file ----------------------------------
expect_error "missing file" 3 "$WORK/none.png" "$B" segment "$WORK/none.png" -o "$O"
printf '\211PNG\r\n\032\nthis is not a png' > "$WORK/bad.png"
expect_error "corrupt PNG" 3 "$WORK/bad.png" "$B" segment "$WORK/bad.png" -o "$O"
mkdir -p "$WORK/empty"
expect_error "folder without images" 3 "$WORK/empty" "$B" segment "$WORK/empty" -o "$WORK/seqout"

# --- a two-class image -------------------------------------------------------
run "$B" segment "$IMG" -o "$O"
if [ "$RC" -eq 0 ] && [ -z "$ERR" ] && [ -s "$O" ]; then ok "segment an image"
else fail "segment an image" "rc=$RC" "$ERR"; fi
if have_pnginfo; then
    i=$(info "$O")
    [ "$i" = "48x32 channels=1 values=0,255 ones=256" ] && ok "mask: bright class is 255, exactly" ||
        fail "mask: bright class is 255, exactly" "$i"
else skip "mask content" "$PNGINFO not built"; fi

# Existing output: refused without --force (and left as it was), kept with it.
cp "$O" "$WORK/before.png"
expect_error "existing output without --force" 4 "$O: already exists \(use --force to overwrite\)" \
    "$B" segment --k 3 "$IMG" -o "$O"
cmp -s "$O" "$WORK/before.png" && ok "refused output left untouched" || fail "refused output left untouched"
expect_status "--force overwrites" 0 "$B" segment --raw-labels "$IMG" -o "$O" --force
if have_pnginfo; then
    # The new file, not the old one: labels 0 and 1 where the old mask held
    # 0 and 255.
    i=$(info "$O")
    [ "$i" = "48x32 channels=1 values=0,1 ones=0" ] && ok "--force replaced the mask with the new one" ||
        fail "--force replaced the mask" "$i"
fi
expect_status "-f overwrites" 0 "$B" segment --method otsu "$IMG" -o "$O" -f
if have_pnginfo; then
    i=$(info "$O")
    [ "$i" = "48x32 channels=1 values=0,255 ones=256" ] && ok "otsu mask (and -f replaced the labels)" ||
        fail "otsu mask" "$i"
fi
touch "$WORK/plot_exists.png"
expect_error "existing plot without --force" 4 "plot_exists.png: already exists" \
    "$B" segment "$IMG" --plot "$WORK/plot_exists.png"
expect_error "output folder missing" 4 "$WORK/no/such/dir" "$B" segment "$IMG" -o "$WORK/no/such/dir/m.png"

# K = 3: labels 0, 1, 2 scaled to 0, 128, 255 (or raw).
run "$B" segment --k 3 "$IMG" -o "$WORK/k3.png"
[ "$RC" -eq 0 ] && ok "--k 3" || fail "--k 3" "rc=$RC" "$ERR"
run "$B" segment --k 3 --raw-labels "$IMG" -o "$WORK/k3raw.png"
[ "$RC" -eq 0 ] && ok "--k 3 --raw-labels" || fail "--k 3 --raw-labels" "rc=$RC" "$ERR"
if have_pnginfo; then
    i=$(info "$WORK/k3.png")
    echo "$i" | grep -q ' values=0,128,255 ' && ok "--k 3 labels scaled to 0,128,255" ||
        fail "--k 3 labels scaled to 0,128,255" "$i"
    i=$(info "$WORK/k3raw.png")
    echo "$i" | grep -q ' values=0,1,2 ' && ok "--raw-labels 0,1,2" || fail "--raw-labels 0,1,2" "$i"
fi

# --- --json ------------------------------------------------------------------
run "$B" segment "$IMG" --json
missing=""
for key in input width height pixels method k weights means sigmas thresholds \
           region_labels otsu_threshold log_likelihood bic iterations converged \
           stop loglik params; do
    echo "$OUT" | grep -q "\"$key\":" || missing="$missing $key"
done
[ "$RC" -eq 0 ] && [ -z "$missing" ] && ok "--json keys" || fail "--json keys" "rc=$RC missing:$missing"
echo "$OUT" | grep -q '"converged": true' && ok "--json converged" || fail "--json converged" "$OUT"
if command -v python3 > /dev/null 2>&1; then
    echo "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["k"] == 2 and len(d["means"]) == 2
# The classes of write_bmp, computed here: with their humps 120 levels
# apart EM converges to the weight, mean and variance, and the
# Bayes threshold is the root between the means of
# w1 N(x; m1, v1) = w2 N(x; m2, v2).
import math
dark = [40 + (x * 7 + y * 13) % 21 for y in range(32) for x in range(40)]
bright = [180 + (x * 5 + y * 11) % 21 for y in range(32) for x in range(40, 48)]
def stats(c):
    m = sum(c) / len(c)
    return len(c) / 1536, m, sum((v - m) ** 2 for v in c) / len(c)
(w1, m1, v1), (w2, m2, v2) = stats(dark), stats(bright)
a = 1 / (2 * v2) - 1 / (2 * v1)
b = m1 / v1 - m2 / v2
c = m2 * m2 / (2 * v2) - m1 * m1 / (2 * v1) + math.log(w1 / w2) + 0.5 * math.log(v2 / v1)
roots = [-c / b] if abs(a) < 1e-15 else [(-b + s * math.sqrt(b * b - 4 * a * c)) / (2 * a) for s in (1, -1)]
want = [r for r in roots if m1 < r < m2][0]
t = d["thresholds"][0]
assert abs(t - want) < 0.05, (t, want)
assert abs(d["means"][0] - m1) < 0.01 and abs(d["means"][1] - m2) < 0.01, (d["means"], m1, m2)
ll = d["loglik"]
assert len(ll) == d["iterations"] + 1
assert all(b >= a - 1e-9 * abs(a) for a, b in zip(ll, ll[1:])), ll
' 2>"$WORK/py.err" && ok "--json parses, threshold between the classes, loglik monotone" ||
        fail "--json parses" "$(cat "$WORK/py.err")"
else skip "--json parses" "no python3 to parse JSON"; fi
run "$B" segment "$IMG" --json
first=$OUT
run "$B" segment "$IMG" --json
[ "$first" = "$OUT" ] && ok "same input, same output" || fail "same input, same output"
run "$B" segment "$IMG" --json --k auto --kmax 3
echo "$OUT" | grep -q '"bic_per_k": \[{"k": 1, ' && echo "$OUT" | grep -q '"k_auto": true' &&
    ok "--k auto reports BIC per K" || fail "--k auto reports BIC per K" "$OUT"
run "$B" segment "$IMG" --json --method otsu
echo "$OUT" | grep -q '"method": "otsu"' && echo "$OUT" | grep -q '"threshold": ' &&
    ok "--method otsu --json" || fail "--method otsu --json" "$OUT"

# --- --plot -------------------------------------------------------------------
run "$B" segment "$IMG" --plot "$WORK/plot.png" --k 3
if [ "$RC" -eq 0 ] && [ "$(head -c 4 "$WORK/plot.png" | od -An -c | tr -d ' ')" = "211PNG" ]; then
    ok "--plot writes a PNG"
else fail "--plot writes a PNG" "rc=$RC" "$ERR"; fi
if have_pnginfo; then
    info "$WORK/plot.png" | grep -q '^800x400 channels=3 ' && ok "--plot is 800x400 RGB" ||
        fail "--plot is 800x400 RGB" "$(info "$WORK/plot.png")"
fi

# --- sequences ------------------------------------------------------------------
SEQ=$WORK/seq
if [ -x "$SYNTH" ] && "$SYNTH" -o "$SEQ" --width 64 --height 48 --frames 4 --learn 1 --gray --seed 3 > /dev/null 2>&1 &&
   [ -f "$SEQ/input/in000004.png" ]; then
    count_masks() { ls "$1" 2>/dev/null | grep -c '^bin[0-9]*\.png$'; }
    run "$B" segment "$SEQ" -o "$WORK/s1" --json
    [ "$RC" -eq 0 ] && [ "$(count_masks "$WORK/s1")" -eq 4 ] && [ -f "$WORK/s1/bin000001.png" ] &&
        ok "sequence: one mask per frame, from bin000001.png" || fail "sequence masks" "rc=$RC" "$ERR"
    [ "$(echo "$OUT" | grep -c '"frame": ')" -eq 4 ] && echo "$OUT" | grep -q '"mode": "per-frame"' &&
        ok "sequence: one fit per frame in --json" || fail "sequence --json" "$OUT"
    expect_error "sequence: existing masks without --force" 4 "bin000001.png: already exists" \
        "$B" segment "$SEQ" -o "$WORK/s1"
    run "$B" segment "$SEQ" -o "$WORK/s2" --shared-fit --json
    [ "$RC" -eq 0 ] && [ "$(count_masks "$WORK/s2")" -eq 4 ] && echo "$OUT" | grep -q '"fit_frames": 1' &&
        ok "--shared-fit (first frame)" || fail "--shared-fit" "rc=$RC" "$ERR"
    run "$B" segment "$SEQ" -o "$WORK/s3" --shared-fit=sum --json
    [ "$RC" -eq 0 ] && [ "$(count_masks "$WORK/s3")" -eq 4 ] && echo "$OUT" | grep -q '"fit_frames": 4' &&
        ok "--shared-fit=sum" || fail "--shared-fit=sum" "rc=$RC" "$ERR"
    # Frame 1 has the same fit in all three modes' first mask only when it is
    # the fitted frame: per-frame and shared-first must agree on it.
    cmp -s "$WORK/s1/bin000001.png" "$WORK/s2/bin000001.png" &&
        ok "shared-first labels frame 1 like per-frame" || fail "shared-first labels frame 1 like per-frame"
    run "$B" segment "$SEQ/input/in%06d.png" -o "$WORK/s4" --method otsu
    [ "$RC" -eq 0 ] && [ "$(count_masks "$WORK/s4")" -eq 4 ] &&
        ok "printf pattern input" || fail "printf pattern input" "rc=$RC" "$ERR"
else
    skip "sequences" "$SYNTH not built (or failed)"
fi

finish
