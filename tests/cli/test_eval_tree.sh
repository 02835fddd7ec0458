#!/bin/sh
# test_eval_tree.sh - `bgsub eval DATASET RESULTS` over a ChangeDetection.net
# style tree (CATEGORY/SEQUENCE folders) and `bgsub eval --run`: every
# sequence's numbers are those of a single-sequence `bgsub eval`, a
# category's are the means over its sequences, the overall ones the means
# over the categories; a sequence that cannot be scored is an error row,
# never left out.
. tests/cli/lib.sh

SYNTH=$BUILD/tools/synth
B=$BGSUB_BIN
METRICS="recall specificity fpr fnr pwc precision f_measure"

# A 2 x 2 tree. Sizes and lengths differ, so that the mean over sequences
# differs from a score pooled over all their pixels (checked below).
DATA=$WORK/data RES=$WORK/res
make_seq() { # CATEGORY SEQUENCE WIDTH HEIGHT FRAMES SEED
    "$SYNTH" -o "$DATA/$1/$2" --width "$3" --height "$4" --frames "$5" --learn 5 \
        --seed "$6" > /dev/null 2>&1
}
make_seq cars     north 48 32 30 1
make_seq cars     south 64 48 40 2
make_seq pedestrians east 40 40 24 3
make_seq pedestrians west 56 32 36 4
for s in cars/north cars/south pedestrians/east pedestrians/west; do
    if [ ! -f "$DATA/$s/groundtruth/gt000024.png" ]; then
        fail "synthetic tree" "$SYNTH did not write $DATA/$s"
        finish; exit
    fi
done
# Folders that are not sequences are passed over: notes without
# groundtruth/, hidden folders.
mkdir -p "$DATA/cars/notes" "$DATA/.cache/x/groundtruth"

# field FILE KEY: the value of "KEY": on the first line of FILE (- for
# stdin) that has it.
field() { grep -o "\"$2\": [^,}]*" "$1" | head -n 1 | sed 's/^[^:]*: //'; }
# row FILE CATEGORY SEQUENCE: that sequence's line of a tree JSON file.
row() { grep "\"category\": \"$2\", \"sequence\": \"$3\"" "$1"; }
# catrow FILE CATEGORY: the category's line in "categories".
catrow() { grep "\"category\": \"$2\", \"sequences\":" "$1"; }
# close A B: |A - B| <= 2e-6 (means of values printed to 6 decimals).
close() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 2e-6) }'; }
json_parses() { # FILE: parses as JSON (python3 or jq), or 2 if neither is here
    if command -v python3 > /dev/null 2>&1; then python3 -m json.tool "$1" > /dev/null 2>&1
    elif command -v jq > /dev/null 2>&1; then jq . "$1" > /dev/null 2>&1
    else return 2; fi
}

# --- --run: bgsub on every sequence, then the scores ----------------------------
run "$B" eval --run --json="$WORK/tree.json" "$DATA" "$RES" -- -q --learning-frames 5
if [ "$RC" -eq 0 ] && [ -z "$ERR" ]; then ok "eval --run exits 0, quiet"; else
    fail "eval --run" "rc=$RC" "$ERR"; finish; exit; fi
printf '%s\n' "$OUT" > "$WORK/table.txt"
n=0
for s in cars/north cars/south pedestrians/east pedestrians/west; do
    [ -f "$RES/$s/bin000001.png" ] && n=$((n + 1))
done
[ "$n" -eq 4 ] && [ ! -e "$RES/cars/notes" ] && ok "--run wrote masks into RESULTS/CATEGORY/SEQUENCE" ||
    fail "--run output layout" "$(cd "$RES" && find . | head)"
rows=$(grep -c '"sequence": ' "$WORK/tree.json")
[ "$rows" -eq 4 ] && ok "four sequences found, other folders passed over" || fail "sequences found" "$rows rows"
json_parses "$WORK/tree.json"; rc=$?
if [ $rc -eq 2 ]; then skip "tree JSON parses" "neither python3 nor jq installed"
elif [ $rc -eq 0 ]; then ok "tree JSON parses"; else fail "tree JSON parses" "$(head -c 300 "$WORK/tree.json")"; fi

# Each sequence's row equals a single-sequence `bgsub eval`, key by key.
bad=""
for s in cars/north cars/south pedestrians/east pedestrians/west; do
    "$B" eval --json "$DATA/$s" "$RES/$s" | tr '\n' ' ' > "$WORK/one.json"
    row "$WORK/tree.json" "${s%/*}" "${s#*/}" > "$WORK/row.json"
    for k in first_frame last_frame frames $METRICS tp fp tn fn; do
        a=$(field "$WORK/one.json" "$k") b=$(field "$WORK/row.json" "$k")
        [ -n "$a" ] && [ "$a" = "$b" ] || bad="$bad $s:$k($a/$b)"
    done
done
[ -z "$bad" ] && ok "every sequence row equals a single-sequence eval" || fail "sequence rows" "$bad"

# Category means are the means over their sequences; overall the mean of those.
bad=""
for k in $METRICS; do
    for c in cars pedestrians; do
        case $c in cars) s1=north s2=south;; *) s1=east s2=west;; esac
        v1=$(row "$WORK/tree.json" $c $s1 | field - "$k")
        v2=$(row "$WORK/tree.json" $c $s2 | field - "$k")
        m=$(catrow "$WORK/tree.json" $c | field - "$k")
        eval "mean_$c=\$m"
        [ -n "$v1" ] && [ -n "$v2" ] && [ -n "$m" ] && close "$m" "$(awk -v a="$v1" -v b="$v2" 'BEGIN { printf "%.9f", (a + b) / 2 }')" || bad="$bad $c:$k"
    done
    grep '^ "overall"' "$WORK/tree.json" > "$WORK/o.json"
    o=$(field "$WORK/o.json" "$k")
    [ -n "$o" ] && close "$o" "$(awk -v a="$mean_cars" -v b="$mean_pedestrians" 'BEGIN { printf "%.9f", (a + b) / 2 }')" ||
        bad="$bad overall:$k"
done
[ -z "$bad" ] && ok "category and overall means are the means (7 metrics)" || fail "means" "$bad"

# The averaging is per sequence, not pooled: F from all four sequences'
# summed counts is not the overall F (the sizes differ enough for that).
pooled=$(grep '"tp": ' "$WORK/tree.json" | grep '"sequence"' | awk '{
    for (i = 1; i <= NF; i++) { k = $i; v = $(i + 1); sub(/,$/, "", v)
        if (k == "\"tp\":") tp += v; if (k == "\"fp\":") fp += v; if (k == "\"fn\":") fn += v } }
    END { p = tp / (tp + fp); r = tp / (tp + fn); printf "%.6f", 2 * p * r / (p + r) }')
o=$(field "$WORK/o.json" f_measure)
if [ -n "$o" ] && ! close "$o" "$pooled"; then ok "overall F ($o) is a mean of means, not the pooled F ($pooled)"
else fail "per-sequence averaging" "overall F $o, pooled F $pooled"; fi

# The table shows the same numbers (4 decimals): a sequence row, a category
# mean and the overall mean.
f_row=$(awk '$1 == "cars/south" { print $NF }' "$WORK/table.txt")
f_cat=$(awk '$1 == "pedestrians" && $2 == "mean" { print $NF }' "$WORK/table.txt")
f_all=$(awk '$1 == "overall" && $2 == "mean" { print $NF }' "$WORK/table.txt")
row "$WORK/tree.json" cars south > "$WORK/r"; catrow "$WORK/tree.json" pedestrians > "$WORK/c.json"
want_row=$(printf '%.4f' "$(field "$WORK/r" f_measure)")
want_cat=$(printf '%.4f' "$(field "$WORK/c.json" f_measure)")
want_all=$(printf '%.4f' "$(field "$WORK/o.json" f_measure)")
[ "$f_row $f_cat $f_all" = "$want_row $want_cat $want_all" ] && ok "table rows match the JSON" ||
    fail "table rows match the JSON" "table: $f_row $f_cat $f_all, JSON: $want_row $want_cat $want_all" "$(cat "$WORK/table.txt")"
grep -q "means over" "$WORK/table.txt" && ok "table says how it averages" || fail "table averaging note" "$(tail -n 2 "$WORK/table.txt")"

# --json alone: JSON on stdout and nothing else; the same as the file.
run "$B" eval --json "$DATA" "$RES"
printf '%s\n' "$OUT" > "$WORK/stdout.json"
[ "$RC" -eq 0 ] && cmp -s "$WORK/stdout.json" "$WORK/tree.json" && ok "--json prints the same JSON alone on stdout" ||
    fail "--json on stdout" "rc=$RC" "$(head -n 2 "$WORK/stdout.json")"
expect_error "--json= unwritable" 4 "$WORK/no/such/dir/t.json" "$B" eval --json="$WORK/no/such/dir/t.json" "$DATA" "$RES"

# --- a sequence that cannot be scored is an error row, never dropped -----------
cp -R "$RES" "$WORK/res2"
rm -r "$WORK/res2/pedestrians/west"
rm "$WORK/res2/cars/north/bin000012.png"
run "$B" eval --json="$WORK/err.json" "$DATA" "$WORK/res2"
printf '%s\n' "$OUT" > "$WORK/err.txt"
lines=$(printf '%s\n' "$ERR" | grep -c .)
if [ "$RC" -eq 3 ] && [ "$lines" -eq 2 ] &&
   printf '%s\n' "$ERR" | grep -q "res2/pedestrians/west: no results folder" &&
   printf '%s\n' "$ERR" | grep -q "res2/cars/north/bin000012.png"; then
    ok "missing results: status 3, one line per failed sequence"
else fail "missing results" "rc=$RC" "$ERR"; fi
grep -Eq '^pedestrians/west +error: .*no results folder' "$WORK/err.txt" &&
grep -Eq '^cars/north +error: .*bin000012' "$WORK/err.txt" &&
grep -Eq '^overall mean .*no mean' "$WORK/err.txt" &&
    ok "table: error rows, and no mean over an incomplete set" || fail "table with errors" "$(cat "$WORK/err.txt")"
row "$WORK/err.json" pedestrians west > "$WORK/r"
catrow "$WORK/err.json" pedestrians > "$WORK/c.json"
grep '^ "overall"' "$WORK/err.json" > "$WORK/o.json"
if grep -q '"error": "[^"]*no results folder' "$WORK/r" && [ "$(field "$WORK/r" f_measure)" = null ] &&
   [ "$(field "$WORK/c.json" f_measure)" = null ] && [ "$(field "$WORK/c.json" scored)" = 1 ] &&
   [ "$(field "$WORK/o.json" f_measure)" = null ]; then
    ok "JSON: error row with null metrics, null means"
else fail "JSON with errors" "$(cat "$WORK/r" "$WORK/c.json" "$WORK/o.json")"; fi
row "$WORK/err.json" cars south > "$WORK/r1"; row "$WORK/tree.json" cars south > "$WORK/r2"
[ "$(field "$WORK/r1" f_measure)" = "$(field "$WORK/r2" f_measure)" ] && [ "$(field "$WORK/r1" error)" = null ] &&
    ok "the other sequences are still scored" || fail "other sequences scored" "$(cat "$WORK/r1")"
json_parses "$WORK/err.json"; rc=$?
if [ $rc -eq 2 ]; then skip "JSON with errors parses" "neither python3 nor jq installed"
elif [ $rc -eq 0 ]; then ok "JSON with errors parses"; else fail "JSON with errors parses" "$(head -c 300 "$WORK/err.json")"; fi

# --- --run details ----------------------------------------------------------------
# Masks exist: each run refuses (status 4, bgsub's own line), rows say so.
run "$B" eval --run "$DATA" "$RES" -- -q
n_err=$(printf '%s\n' "$OUT" | grep -c 'error: .*bgsub exited with status 4')
[ "$RC" -eq 4 ] && [ "$n_err" -eq 4 ] && printf '%s\n' "$ERR" | grep -q 'already exists' &&
    ok "--run over existing masks: status 4, every row an error" || fail "--run over existing masks" "rc=$RC rows=$n_err" "$ERR"
# Options after -- reach every run: 1000 learning frames leave every mask blank.
run "$B" eval --run --json "$DATA" "$RES" -- -q --force --learning-frames 1000
printf '%s\n' "$OUT" > "$WORK/blank.json"
n0=$(grep '"sequence"' "$WORK/blank.json" | grep -c '"tp": 0,')
[ "$RC" -eq 0 ] && [ "$n0" -eq 4 ] && ok "options after -- reach every run" || fail "options after --" "rc=$RC, $n0 of 4 with tp 0" "$ERR"
# A bad bgsub option stops at the first run with bgsub's status 2.
expect_error "--run: bad bgsub option stops at once" 2 "alpha must be between" \
    "$B" eval --run "$DATA" "$WORK/res3" -- -q --alpha 5

# --- usage and input errors ------------------------------------------------------
expect_error "--run on one sequence" 2 "is one sequence" "$B" eval --run "$DATA/cars/north" "$WORK/x"
expect_error "-- without --run" 2 "options after -- are for --run" "$B" eval "$DATA" "$RES" -- -q
expect_error "--json= empty" 2 "--json= needs a file name" "$B" eval --json= "$DATA" "$RES"
expect_error "dataset missing" 3 "$WORK/nowhere: cannot open" "$B" eval "$WORK/nowhere" "$RES"
mkdir -p "$WORK/empty"
expect_error "dataset without sequences" 3 "$WORK/empty/groundtruth: no ground truth, and no CATEGORY/SEQUENCE" \
    "$B" eval "$WORK/empty" "$RES"
mkdir -p "$WORK/flat"; cp -R "$DATA/cars/north" "$WORK/flat/"
expect_error "sequence straight under the root" 3 "flat/north is a sequence, not a category" \
    "$B" eval "$WORK/flat" "$RES"
expect_error "results root missing" 3 "$WORK/nores: no results folder" "$B" eval "$DATA" "$WORK/nores"

finish
