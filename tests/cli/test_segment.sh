#!/bin/sh
# test_segment.sh - `bgsub segment` driven the way a user drives it: the
# options, every error path (exit status, one line on stderr naming the
# file), the masks, --json (with --trace, and every K's numbers with --k
# auto), the --plot figure, local thresholds (--local, --tiles,
# --threshold-map) against ground truth and against the library called
# directly (tests/tools/localfit), and image sequences.
. tests/cli/lib.sh

B=$BGSUB_BIN
PNGINFO=$BUILD/tests/tools/pnginfo
SYNTH=$BUILD/tools/synth
PIXCOUNT=$BUILD/tests/tools/pixcount
LOCALFIT=$BUILD/tests/tools/localfit
ABOVEMAP=$BUILD/tests/tools/abovemap
RAMPIMG=$BUILD/tests/tools/rampimg
MAKEIMG=$BUILD/tests/tools/makeimg
CROSSCOUNT=$BUILD/tests/tools/crosscount
have_tools() { for t in "$@"; do [ -x "$t" ] || return 1; done; }
# same_images A B: crosscount's pairs of A and B all agree (the images are
# equal pixel for pixel); else prints the pairs.
same_images() {
    pairs=$("$CROSSCOUNT" "$1" "$2" 2>&1) || { echo "$pairs"; return 1; }
    echo "$pairs" | awk '{ split($1, a, "="); split($2, b, "="); if (a[2] != b[2]) bad = 1 }
                         END { exit bad }' || { echo "$pairs"; return 1; }
}
# mismatches MASK TRUTH: pixels where a 0/255 mask and the truth differ
# ("unreadable" and status 1 when a file is missing or the sizes differ).
mismatches() {
    pairs=$("$CROSSCOUNT" "$1" "$2" 2> /dev/null) || { echo unreadable; return 1; }
    echo "$pairs" | awk '{ split($1, a, "="); split($2, b, "="); split($3, n, "=")
                                     if (a[2] != b[2]) s += n[2] } END { print s + 0 }'
}

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
missing=""
for opt in --criterion --trace --plot-otsu --local --tiles --tile-size --overlap \
           --min-separation --min-weight --min-contrast --hold --threshold-map; do
    echo "$OUT" | grep -q -- "^ *$opt" || missing="$missing $opt"
done
[ -z "$missing" ] && ok "--help lists the local and figure options" ||
    fail "--help lists the local and figure options" "missing:$missing"
# The local defaults in --help are the library's (bgs_hist_local_params_default).
echo "$OUT" | grep -q 'side (0.25, 0..2)' && echo "$OUT" | grep -q '(3, 0..100)' &&
    echo "$OUT" | grep -q '(0.02, 0..0.5)' && echo "$OUT" | grep -q 'whole image.s (0.25, 0..10)' &&
    echo "$OUT" | grep -q 'grid of 8x8 tiles' &&
    ok "--help gives the local fit's defaults" || fail "--help gives the local fit's defaults" "$OUT"

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
# The criterion, the trace, the figure's Otsu line.
expect_error "--criterion bad" 2 "--criterion needs 'icl' or 'bic', not 'aic'" \
    "$B" segment --k auto --criterion aic "$IMG" -o "$O"
expect_error "--criterion without --k auto" 2 "--criterion chooses K: it needs --k auto" \
    "$B" segment --criterion bic "$IMG" -o "$O"
expect_error "--trace without --json" 2 "--trace adds to the JSON: it needs --json" \
    "$B" segment --trace "$IMG" -o "$O"
expect_error "--plot-otsu without --plot" 2 "--plot-otsu adds to the figure: it needs --plot" \
    "$B" segment --plot-otsu "$IMG" -o "$O"
# Local mode and its options.
expect_error "--tiles 8y8" 2 "--tiles needs COLSxROWS, each a whole number in 1..1024 \(e.g. 8x8\), not '8y8'" \
    "$B" segment --tiles 8y8 "$IMG" -o "$O"
expect_error "--tiles 0x4" 2 "--tiles needs COLSxROWS.*not '0x4'" "$B" segment --tiles 0x4 "$IMG" -o "$O"
expect_error "--tiles 2000x1" 2 "--tiles needs COLSxROWS.*not '2000x1'" "$B" segment --tiles 2000x1 "$IMG" -o "$O"
expect_error "--tiles x4" 2 "--tiles needs COLSxROWS.*not 'x4'" "$B" segment --tiles x4 "$IMG" -o "$O"
expect_error "--tile-size 4" 2 "--tile-size needs a whole number in 8..65536, not '4'" \
    "$B" segment --tile-size 4 "$IMG" -o "$O"
expect_error "--tiles and --tile-size" 2 "--tiles and --tile-size both set the grid: give one" \
    "$B" segment --tiles 4x4 --tile-size 16 "$IMG" -o "$O"
expect_error "--overlap 3" 2 "--overlap needs a number in 0..2, not '3'" "$B" segment --local --overlap 3 "$IMG" -o "$O"
expect_error "--min-separation -1" 2 "--min-separation needs a number in 0..100, not '-1'" \
    "$B" segment --local --min-separation -1 "$IMG" -o "$O"
expect_error "--min-weight 0.6" 2 "--min-weight needs a number in 0..0.5, not '0.6'" \
    "$B" segment --local --min-weight 0.6 "$IMG" -o "$O"
expect_error "--min-contrast 11" 2 "--min-contrast needs a number in 0..10, not '11'" \
    "$B" segment --local --min-contrast 11 "$IMG" -o "$O"
expect_error "--overlap without --local" 2 "--overlap tunes the local thresholds: add --local" \
    "$B" segment --overlap 0.5 "$IMG" -o "$O"
expect_error "--hold without --local" 2 "--hold tunes the local thresholds" "$B" segment --hold "$IMG" -o "$O"
expect_error "--threshold-map without --local" 2 "--threshold-map needs local thresholds: add --local" \
    "$B" segment --threshold-map "$WORK/map.png" "$IMG" -o "$O"
expect_error "--local --k 3" 2 "--local splits into two classes: it cannot be combined with --k other than 2" \
    "$B" segment --local --k 3 "$IMG" -o "$O"
expect_error "--tiles with --k auto" 2 "--local splits into two classes.*--k auto" \
    "$B" segment --k auto --tiles 4x4 "$IMG" -o "$O"
expect_error "--local --method otsu" 2 "--local fits a mixture per tile: it cannot be combined with --method otsu" \
    "$B" segment --local --method otsu "$IMG" -o "$O"
expect_error "--local --shared-fit=sum" 2 "--shared-fit=sum adds the frames' histograms" \
    "$B" segment --local --shared-fit=sum "$IMG" -o "$O"
expect_error "--threshold-map over the output" 2 "--threshold-map $O: the same file as the output" \
    "$B" segment --local "$IMG" -o "$O" --threshold-map "$O"
expect_error "--threshold-map over the plot" 2 "--threshold-map $WORK/p.png: the same file as --plot" \
    "$B" segment --local "$IMG" --plot "$WORK/p.png" --threshold-map "$WORK/p.png"
expect_error "--threshold-map naming one of the masks" 2 "one of the masks in $WORK/sq; give it another name" \
    "$B" segment --local "$WORK/nothing" -o "$WORK/sq" --threshold-map "$WORK/sq/bin000002.png"
expect_error "--threshold-map empty" 2 "--threshold-map needs a file name, not an empty name" \
    "$B" segment --local "$IMG" --threshold-map ""
[ ! -e "$O" ] && [ ! -e "$WORK/map.png" ] && [ ! -e "$WORK/p.png" ] && [ ! -e "$WORK/sq" ] &&
    ok "usage errors write nothing" || fail "usage errors write nothing" "$(ls "$WORK")"

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
           region_labels otsu_threshold log_likelihood bic entropy icl iterations converged \
           stop params scope; do
    echo "$OUT" | grep -q "\"$key\":" || missing="$missing $key"
done
[ "$RC" -eq 0 ] && [ -z "$missing" ] && ok "--json keys" || fail "--json keys" "rc=$RC missing:$missing"
echo "$OUT" | grep -q '"converged": true' && ok "--json converged" || fail "--json converged" "$OUT"
echo "$OUT" | grep -q '"scope": "global"' && ok "--json scope global" || fail "--json scope global" "$OUT"
# The trace only when asked.
echo "$OUT" | grep -q '"loglik"' && fail "--json without --trace has no trace" "$OUT" ||
    ok "--json without --trace has no trace"
run "$B" segment "$IMG" --json --trace
echo "$OUT" | grep -q '"loglik": \[' && ok "--trace adds the trace" || fail "--trace adds the trace" "$OUT"
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
echo "$OUT" | grep -q '"criterion": "icl"' && echo "$OUT" | grep -q '"k_auto": true' &&
    echo "$OUT" | grep -q '{"k": 1, "log_likelihood": ' && ! echo "$OUT" | grep -q bic_per_k &&
    ok "--k auto reports the criterion and every K" || fail "--k auto reports the criterion and every K" "$OUT"
if command -v python3 > /dev/null 2>&1; then
    for crit in icl bic; do
        "$B" segment "$IMG" --json --k auto --kmax 4 --criterion $crit > "$WORK/auto.json"
        python3 - "$crit" "$WORK/auto.json" <<'PYEOF' 2> "$WORK/py.err" &&
import json, math, sys
crit, d = sys.argv[1], json.load(open(sys.argv[2]))
per_k, n = d["per_k"], d["pixels"]
assert d["criterion"] == crit and [p["k"] for p in per_k] == [1, 2, 3, 4], per_k
for p in per_k:
    # BIC and ICL from their definitions (bgsub.h): -2 log L + (3K - 1) ln N,
    # and BIC + 2 entropy.
    bic = -2 * p["log_likelihood"] + (3 * p["k"] - 1) * math.log(n)
    assert abs(p["bic"] - bic) <= 1e-9 * abs(bic), (p, bic)
    assert abs(p["icl"] - (bic + 2 * p["entropy"])) <= 1e-9 * abs(bic), p
    assert p["entropy"] >= 0, p
# The chosen K has the lowest criterion (the smaller K on a tie); its fit is
# that K's.
best = min(per_k, key=lambda p: (p[crit], p["k"]))
assert d["k"] == best["k"], (d["k"], best)
assert d["log_likelihood"] == per_k[d["k"] - 1]["log_likelihood"]
# write_bmp's two classes are uniform humps 120 levels apart: ICL keeps the
# two, BIC splits the flat humps further.
assert (d["k"] == 2) if crit == "icl" else (d["k"] > 2), d["k"]
PYEOF
        ok "--k auto --criterion $crit: per-K numbers by their definitions, lowest chosen" ||
            fail "--k auto --criterion $crit" "$(cat "$WORK/py.err")"
    done
else skip "--k auto per-K numbers" "no python3 to parse JSON"; fi
run "$B" segment "$IMG" --json --method otsu
echo "$OUT" | grep -q '"method": "otsu"' && echo "$OUT" | grep -q '"threshold": ' &&
    ok "--method otsu --json" || fail "--method otsu --json" "$OUT"

# --- --plot -------------------------------------------------------------------
run "$B" segment "$IMG" --plot "$WORK/plot.png" --k 3
if [ "$RC" -eq 0 ] && [ "$(head -c 4 "$WORK/plot.png" | od -An -c | tr -d ' ')" = "211PNG" ]; then
    ok "--plot writes a PNG"
else fail "--plot writes a PNG" "rc=$RC" "$ERR"; fi
if have_pnginfo; then
    info "$WORK/plot.png" | grep -q '^1200x490 channels=3 ' && ok "--plot is 1200x490 RGB" ||
        fail "--plot is 1200x490 RGB" "$(info "$WORK/plot.png")"
fi
# The figure's parts where src/draw/hist_plot.h puts them: the title above
# the frame (black text), the legend right of it (x >= 868) with each
# component's colour, the mixture's red, the threshold's black dashes, and
# Otsu's magenta only with --plot-otsu.
C1=31,119,180 C2=44,160,44 C3=255,127,14 RED=214,39,40 MAG=200,0,200 BLACK=0,0,0
BAND=255,238,185 FITTED=204,102,0
# count FILE X0 Y0 X1 Y1 COLOUR: pixels of COLOUR in the box.
count() { "$PIXCOUNT" "$@" | sed 's/.*=//'; }
if have_tools "$PIXCOUNT"; then
    t=$(count "$WORK/plot.png" 0 0 1200 30 $BLACK)
    [ "$t" -gt 300 ] && ok "figure: a title at the top ($t black pixels)" || fail "figure: title" "$t"
    for c in $C1 $C2 $C3 $RED $BLACK; do
        n=$(count "$WORK/plot.png" 868 62 1200 440 $c)
        [ "$n" -ge 20 ] && ok "figure: legend shows colour $c ($n pixels)" ||
            fail "figure: legend shows colour $c" "$n pixels"
    done
    n=$(count "$WORK/plot.png" 0 0 1200 490 $MAG)
    [ "$n" -eq 0 ] && ok "figure: no Otsu line unless asked" || fail "figure: no Otsu line unless asked" "$n"
    "$B" segment "$IMG" --plot "$WORK/plot_otsu.png" --k 3 --plot-otsu
    [ -s "$WORK/plot_otsu.png" ] && ! cmp -s "$WORK/plot.png" "$WORK/plot_otsu.png" &&
        ok "--plot-otsu changes the figure" || fail "--plot-otsu changes the figure"
    n=$(count "$WORK/plot_otsu.png" 868 62 1200 440 $MAG)
    m=$(count "$WORK/plot_otsu.png" 80 62 848 440 $MAG)
    [ "$n" -ge 10 ] && [ "$m" -ge 50 ] && ok "--plot-otsu: Otsu's line in the plot ($m) and the legend ($n)" ||
        fail "--plot-otsu: Otsu's line and legend entry" "plot $m, legend $n"
    # K = 2: the first two components' colours in the legend, the third's
    # nowhere in it.
    "$B" segment "$IMG" --plot "$WORK/plot2.png"
    n=$(count "$WORK/plot2.png" 868 62 1200 440 $C3)
    n1=$(count "$WORK/plot2.png" 868 62 1200 440 $C1)
    n2=$(count "$WORK/plot2.png" 868 62 1200 440 $C2)
    [ "$n" -eq 0 ] && [ "$n1" -ge 20 ] && [ "$n2" -ge 20 ] && ok "figure: one legend colour per component (K = 2)" ||
        fail "figure: K = 2 legend" "component 3: $n pixels, 1: $n1, 2: $n2"
    # The axes' scale (hist_plot.h: level v's bar covers x = 80 + 3v ..
    # 80 + 3v + 2): write_bmp's levels are 40..60 and 180..200, so bars
    # stand on exactly those levels, and the threshold's dashes fall on
    # the level of the classes' Bayes threshold, computed here in closed
    # form (as in the --json check above), not read from the program.
    want=$(python3 -c '
import math
dark = [40 + (x * 7 + y * 13) % 21 for y in range(32) for x in range(40)]
bright = [180 + (x * 5 + y * 11) % 21 for y in range(32) for x in range(40, 48)]
def stats(c):
    m = sum(c) / len(c)
    return len(c) / 1536, m, sum((v - m) ** 2 for v in c) / len(c)
(w1, m1, v1), (w2, m2, v2) = stats(dark), stats(bright)
a, b = 1 / (2 * v2) - 1 / (2 * v1), m1 / v1 - m2 / v2
c = m2 * m2 / (2 * v2) - m1 * m1 / (2 * v1) + math.log(w1 / w2) + 0.5 * math.log(v2 / v1)
r = [(-b + s * math.sqrt(b * b - 4 * a * c)) / (2 * a) for s in (1, -1)]
print(int(80 + 3 * [t for t in r if m1 < t < m2][0]))' 2> /dev/null)
    BAR=190,190,190
    bad=""
    for v in $(seq 40 60) $(seq 180 200); do
        [ "$(count "$WORK/plot2.png" $((80 + 3 * v)) 62 $((83 + 3 * v)) 440 $BAR)" -gt 0 ] || bad="$bad $v"
    done
    off=$(($(count "$WORK/plot2.png" 81 62 200 440 $BAR) + $(count "$WORK/plot2.png" 263 62 620 440 $BAR) +
           $(count "$WORK/plot2.png" 683 62 848 440 $BAR)))
    [ -z "$bad" ] && [ "$off" -eq 0 ] && ok "figure: bars on the image's levels only (40..60, 180..200)" ||
        fail "figure: bars at their levels" "no bar at:$bad; $off bar pixels elsewhere"
    if [ -n "$want" ]; then
        on=$(count "$WORK/plot2.png" "$want" 100 $((want + 4)) 440 $BLACK)
        all=$(count "$WORK/plot2.png" 82 100 848 440 $BLACK)
        [ "$on" -ge 100 ] && [ "$all" -eq "$on" ] &&
            ok "figure: the threshold's dashes at the Bayes threshold's level (x $want..$((want + 3)))" ||
            fail "figure: threshold line position" "$on black pixels at x $want..$((want + 3)), $all in the plot"
    else skip "figure: threshold line position" "no python3"; fi
    # Otsu's method alone: its line, no mixture.
    "$B" segment --method otsu "$IMG" --plot "$WORK/plot_m.png"
    [ "$(count "$WORK/plot_m.png" 0 0 1200 490 $MAG)" -gt 50 ] &&
        [ "$(count "$WORK/plot_m.png" 0 0 1200 490 $RED)" -eq 0 ] &&
        ok "--method otsu figure: Otsu's line, no mixture" || fail "--method otsu figure"
else skip "figure contents" "$PIXCOUNT not built"; fi

# --- local thresholds -----------------------------------------------------------
# A page under a ramp of light (tests/tools/rampimg): the background rises
# from 40 to 200 left to right, bright squares sit 50 levels above it. The
# truth is known; no single threshold can get it (the squares on the left
# are darker than the background on the right).
R=$WORK/ramp.png RT=$WORK/ramp_truth.png
if have_tools "$RAMPIMG" "$CROSSCOUNT" "$LOCALFIT" "$ABOVEMAP" && "$RAMPIMG" "$R" "$RT" 256 128 40 200 50; then
    run "$B" segment --local "$R" -o "$WORK/rl.png" --threshold-map "$WORK/rmap.png"
    [ "$RC" -eq 0 ] && [ -z "$ERR" ] && ok "--local runs" || fail "--local runs" "rc=$RC" "$ERR"
    "$B" segment "$R" -o "$WORK/rg.png"
    bad_local=$(mismatches "$WORK/rl.png" "$RT") bad_global=$(mismatches "$WORK/rg.png" "$RT")
    # 32768 pixels: the local mask within 1 % of the truth, the global one
    # off by more than 30 %.
    [ "$bad_local" != unreadable ] && [ "$bad_global" != unreadable ] &&
        [ "$bad_local" -le 327 ] && [ "$bad_global" -ge 9830 ] &&
        ok "--local follows the light: $bad_local pixels wrong, global $bad_global" ||
        fail "--local against the truth" "local $bad_local, global $bad_global wrong of 32768"
    # The map: a pixel is bright exactly where it is above its threshold.
    a=$("$ABOVEMAP" "$R" "$WORK/rmap.png" "$WORK/rl.png")
    echo "$a" | grep -q ' differ=0 ' && ok "--threshold-map: gray > map is the mask ($a)" ||
        fail "--threshold-map: gray > map is the mask" "$a"
    # Under the ramp the thresholds rise left to right with the light.
    lo=$(echo "$a" | sed 's/.*map_min=\([0-9]*\).*/\1/') hi=$(echo "$a" | sed 's/.*map_max=\([0-9]*\)/\1/')
    [ "$lo" -ge 40 ] && [ "$lo" -le 110 ] && [ "$hi" -ge 200 ] &&
        ok "--threshold-map spans the light ($lo..$hi)" || fail "--threshold-map range" "$a"
    # Against the library called directly (not through the program).
    lf=$("$LOCALFIT" "$R" "$WORK/lf.png" "$WORK/lfmap.png")
    d=$(same_images "$WORK/rl.png" "$WORK/lf.png") && d=$(same_images "$WORK/rmap.png" "$WORK/lfmap.png") &&
        ok "--local: mask and map are the library's (localfit: $lf)" || fail "--local against localfit" "$d"
    "$B" segment --tiles 5x3 --overlap 0.5 --min-separation 2 --min-weight 0.05 --min-contrast 0.5 \
        --hold "$R" -o "$WORK/rl2.png" --threshold-map "$WORK/rmap2.png"
    lf2=$("$LOCALFIT" "$R" "$WORK/lf2.png" "$WORK/lfmap2.png" --tiles 5 3 --overlap 0.5 \
        --min-separation 2 --min-weight 0.05 --min-contrast 0.5 --hold)
    d=$(same_images "$WORK/rl2.png" "$WORK/lf2.png") && d=$(same_images "$WORK/rmap2.png" "$WORK/lfmap2.png") &&
        ! cmp -s "$WORK/rmap.png" "$WORK/rmap2.png" &&
        ok "--tiles 5x3 and the tuning options reach the library ($lf2)" ||
        fail "--tiles 5x3 and the tuning options" "$d"
    "$B" segment --tile-size 64 "$R" -o "$WORK/rl3.png" --raw-labels || rm -f "$WORK/rl3.png"
    "$LOCALFIT" "$R" "$WORK/lf3.png" "$WORK/lfmap3.png" --tile-size 64 > /dev/null
    if have_pnginfo; then
        i=$(info "$WORK/rl3.png")
        echo "$i" | grep -q ' values=0,1 ' && ok "--local --raw-labels writes 0 and 1" ||
            fail "--local --raw-labels" "$i"
    fi
    # raw 1 = 255: the same pixels as the library's mask.
    pairs=$("$CROSSCOUNT" "$WORK/rl3.png" "$WORK/lf3.png") && [ -n "$pairs" ] &&
    echo "$pairs" | awk '{ split($1, a, "="); split($2, b, "="); if ((a[2] == 1) != (b[2] == 255)) bad = 1 }
                         END { exit bad }' && ok "--tile-size 64 is the library's tile_size 64" ||
        fail "--tile-size 64" "$pairs"
    # --json: the grid, one entry per tile, the tiles partitioning the image.
    run "$B" segment --tiles 4x2 "$R" --json
    if command -v python3 > /dev/null 2>&1; then
        lf4=$("$LOCALFIT" "$R" "$WORK/lf4.png" "$WORK/lfmap4.png" --tiles 4 2)
        echo "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
lf = dict(kv.split("=") for kv in sys.argv[1].split())
assert d["scope"] == "local" and d["local"]["cols"] == 4 and (d["cols"], d["rows"]) == (4, 2), d["local"]
t = d["tiles"]
assert len(t) == 8
keys = {"col", "row", "x", "y", "width", "height", "window", "source", "threshold", "level",
        "weights", "means", "sigmas", "own_threshold", "separation", "icl_gain",
        "iterations", "converged", "distance", "donors"}
assert all(set(x) == keys for x in t), set(t[0]) ^ keys
# The edges of the grid (bgsub.h): floor(i * width / cols), floor(j * height / rows).
W, H = d["width"], d["height"]
for x in t:
    i, j = x["col"], x["row"]
    assert (x["x"], x["width"]) == (i * W // 4, (i + 1) * W // 4 - i * W // 4), x
    assert (x["y"], x["height"]) == (j * H // 2, (j + 1) * H // 2 - j * H // 2), x
assert sum(x["width"] * x["height"] for x in t) == W * H
n = {s: sum(x["source"] == s for x in t) for s in ("fitted", "borrowed", "global")}
assert (d["tiles_fitted"], d["tiles_borrowed"], d["tiles_global"]) == (n["fitted"], n["borrowed"], n["global"])
assert (n["fitted"], n["borrowed"], n["global"]) == (int(lf["fitted"]), int(lf["borrowed"]), int(lf["global"])), (n, lf)
assert all(x["distance"] == 0 for x in t if x["source"] == "fitted")
assert all(x["donors"] > 0 for x in t if x["source"] == "borrowed")
g = d["global_fit"]
assert g["k"] == 2 and len(g["thresholds"]) >= 1 and "loglik" not in g, g
' "$lf4" 2> "$WORK/py.err" && ok "--local --json: grid, tiles, sources as the library counts them" ||
            fail "--local --json" "$(cat "$WORK/py.err")"
    else skip "--local --json" "no python3 to parse JSON"; fi
    # The figure says which mode ran: the tiles' thresholds (band and rug)
    # and the map under the legend.
    "$B" segment --local "$R" --plot "$WORK/rplot.png"
    if have_tools "$PIXCOUNT"; then
        band=$(count "$WORK/rplot.png" 80 62 848 440 $BAND) rug=$(count "$WORK/rplot.png" 80 420 848 440 $FITTED)
        map=$("$PIXCOUNT" "$WORK/rplot.png" 868 230 1200 440 128,128,128 200,200,200 | cut -d' ' -f2-)
        [ "$band" -gt 1000 ] && [ "$rug" -gt 10 ] && [ "$(count "$WORK/plot.png" 80 62 848 440 $BAND)" -eq 0 ] &&
            ok "--local figure: the tiles' thresholds drawn (band $band, rug $rug)" ||
            fail "--local figure: band and rug" "band $band, rug $rug"
        "$PIXCOUNT" "$WORK/rplot.png" 868 230 1200 440 $FITTED | grep -q '=[1-9]' &&
            ok "--local figure: the threshold map with its fitted tiles" ||
            fail "--local figure: the map" "$map"
        # A plain image has no tile with two classes: every tile is on the
        # whole image's fit ("global" in the JSON), and the figure says so
        # (its own colour in the legend and the map), not "borrowed".
        GLOBALC=0,150,130 BORROWED=120,150,220
        if have_tools "$MAKEIMG" && "$MAKEIMG" "$WORK/plain.png" 64 64 7; then
            run "$B" segment --local "$WORK/plain.png" --plot "$WORK/pplot.png" --json
            g=$(count "$WORK/pplot.png" 868 62 1200 490 $GLOBALC)
            b=$(count "$WORK/pplot.png" 868 215 1200 470 $BORROWED)
            r=$(count "$WORK/rplot.png" 0 0 1200 490 $GLOBALC)
            echo "$OUT" | grep -q '"tiles_global": 64,' && [ "$g" -ge 50 ] && [ "$b" -eq 0 ] &&
                [ "$r" -eq 0 ] && ok "--local figure: tiles on the whole image's fit shown as such ($g pixels)" ||
                fail "--local figure: global tiles" "global colour $g, borrowed in the map $b, global colour in the ramp's figure $r"
        fi
    fi
else
    skip "local thresholds" "test tools not built"
fi

# --- the five classic pictures ----------------------------------------------------
# scikit-image's camera, coins, moon, page and text (Debian's python3-skimage,
# which `make deps` installs; BGSUB_SKIMAGE_DATA overrides the folder).
make -s -n deps SUDO= 2> /dev/null | grep -q 'python3-skimage' &&
    ok "make deps installs python3-skimage (the natural pictures)" ||
    fail "make deps installs python3-skimage"
NAT=${BGSUB_SKIMAGE_DATA:-/usr/lib/python3/dist-packages/skimage/data}
if [ ! -f "$NAT/page.png" ]; then
    skip "natural pictures" "$NAT/page.png is absent (make deps installs python3-skimage)"
elif ! have_tools "$LOCALFIT" "$CROSSCOUNT" || ! command -v python3 > /dev/null 2>&1; then
    skip "natural pictures" "test tools or python3 missing"
else
    for n in camera coins moon page text; do
        run "$B" segment "$NAT/$n.png" -o "$WORK/n_$n.g.png" --json
        echo "$OUT" > "$WORK/n_$n.g.json"
        "$B" segment "$NAT/$n.png" --local -o "$WORK/n_$n.l.png" --threshold-map "$WORK/n_$n.m.png"
        # The global mask, level by level, against the fitted mixture
        # labelled here by brute force: each level to the component with
        # the larger w N(v; m, s) (no threshold formula involved).
        "$CROSSCOUNT" "$WORK/n_$n.g.png" "$NAT/$n.png" > "$WORK/n_$n.pairs" &&
        python3 -c '
import json, math, sys
d = json.load(open(sys.argv[1]))
w, m, s = d["weights"], d["means"], d["sigmas"]
def logp(j, v):
    return math.log(w[j]) - math.log(s[j]) - 0.5 * ((v - m[j]) / s[j]) ** 2 if w[j] > 0 else -math.inf
bad = 0
for line in open(sys.argv[2]):
    kv = dict(x.split("=") for x in line.split())
    v, lab, n = int(kv["gt"]), int(kv["mask"]), int(kv["n"])
    want = 255 if logp(1, v) > logp(0, v) else 0
    bad += n if lab != want else 0
assert bad == 0, "%d pixels unlike the brute-force labelling" % bad
' "$WORK/n_$n.g.json" "$WORK/n_$n.pairs" 2> "$WORK/py.err" &&
            ok "$n: global mask is the fitted mixture's most probable component" ||
            fail "$n: global mask" "$(cat "$WORK/py.err")"
        # The local mask and map: the library's, called directly.
        "$LOCALFIT" "$NAT/$n.png" "$WORK/n_$n.lf.png" "$WORK/n_$n.lfm.png" > /dev/null
        d=$(same_images "$WORK/n_$n.l.png" "$WORK/n_$n.lf.png") &&
            d=$(same_images "$WORK/n_$n.m.png" "$WORK/n_$n.lfm.png") &&
            ok "$n: --local mask and map are the library's" || fail "$n: --local against localfit" "$d"
    done
    # page.png under its light gradient: the global cut blackens the shaded
    # half (more than half the page dark), the local one keeps the paper
    # white (ink: 3..25 % of a page of text).
    if have_pnginfo; then
        g=$(info "$WORK/n_page.g.png" | sed 's/.*ones=//') l=$(info "$WORK/n_page.l.png" | sed 's/.*ones=//')
        px=$((384 * 191))
        [ $((px - g)) -gt $((px / 2)) ] && [ $((px - l)) -ge $((px * 3 / 100)) ] &&
            [ $((px - l)) -le $((px / 4)) ] &&
            ok "page: dark share global $(((px - g) * 100 / px)) %, local $(((px - l) * 100 / px)) %" ||
            fail "page: dark shares" "global $((px - g)), local $((px - l)) of $px pixels"
    fi
    # K auto: BIC takes the largest K offered on every picture (the issue);
    # ICL a smaller one, and the minimum of ICL = -2 log L + (3K - 1) ln N
    # + 2 EN recomputed here from each K's log-likelihood and entropy.
    for n in camera coins moon page text; do
        a=$("$B" segment "$NAT/$n.png" --k auto --json) b=$("$B" segment "$NAT/$n.png" --k auto --criterion bic --json)
        python3 -c '
import json, math, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
N = a["pixels"]
icl = [-2 * p["log_likelihood"] + (3 * p["k"] - 1) * math.log(N) + 2 * p["entropy"] for p in a["per_k"]]
best = min(range(len(icl)), key=lambda i: (icl[i], i)) + 1
assert a["k"] == best, (a["k"], best, icl)
assert b["k"] == 4 and a["k"] < b["k"], (a["k"], b["k"])
print(a["k"], b["k"])
' "$a" "$b" > "$WORK/py.out" 2> "$WORK/py.err" &&
            ok "$n: --k auto, ICL picks $(cut -d' ' -f1 "$WORK/py.out"), BIC $(cut -d' ' -f2 "$WORK/py.out")" ||
            fail "$n: --k auto" "$(cat "$WORK/py.err")"
    done
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
    # Local thresholds frame by frame: every frame's mask is the library's
    # local fit of that frame.
    run "$B" segment --tiles 4x3 "$SEQ" -o "$WORK/s5" --threshold-map "$WORK/s5map.png" --json
    if [ "$RC" -eq 0 ] && [ "$(count_masks "$WORK/s5")" -eq 4 ] && have_tools "$LOCALFIT" "$CROSSCOUNT"; then
        bad=""
        for n in 1 3 4; do
            "$LOCALFIT" "$SEQ/input/in00000$n.png" "$WORK/lfs.png" "$WORK/lfsmap.png" --tiles 4 3 > /dev/null
            same_images "$WORK/s5/bin00000$n.png" "$WORK/lfs.png" > /dev/null || bad="$bad $n"
            [ $n -eq 1 ] && { same_images "$WORK/s5map.png" "$WORK/lfsmap.png" > /dev/null || bad="$bad map"; }
        done
        [ -z "$bad" ] && [ "$(echo "$OUT" | grep -c '"tiles_fitted": ')" -eq 4 ] &&
            ok "sequence --local: each frame fitted on its own (the first frame's map)" ||
            fail "sequence --local" "differs:$bad"
    else fail "sequence --local" "rc=$RC" "$ERR"; fi
    # --shared-fit with --local: the first frame's thresholds for every frame.
    run "$B" segment --tiles 4x3 --shared-fit "$SEQ" -o "$WORK/s6" --threshold-map "$WORK/s6map.png"
    a=$(have_tools "$ABOVEMAP" && "$ABOVEMAP" "$SEQ/input/in000004.png" "$WORK/s6map.png" "$WORK/s6/bin000004.png")
    [ "$RC" -eq 0 ] && cmp -s "$WORK/s5map.png" "$WORK/s6map.png" && echo "$a" | grep -q ' differ=0 ' &&
        ok "sequence --local --shared-fit: frame 4 above frame 1's map" ||
        fail "sequence --local --shared-fit" "rc=$RC" "$ERR" "$a"
else
    skip "sequences" "$SYNTH not built (or failed)"
fi

finish
