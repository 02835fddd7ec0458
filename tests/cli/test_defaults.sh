#!/bin/sh
# test_defaults.sh - the model parameters' defaults and bounds as the user
# reads them (bgsub --help, bgsub events --help, the man page, the README's
# parameter table) are the library's own table (bgs_param_get_info, printed
# by tests/tools/paramtable). A value changed in src/lib/params.c and not in
# the documents, or the other way round, fails here.
. tests/cli/lib.sh

B=$BGSUB_BIN
TABLE=$BUILD/tests/tools/paramtable
MAN=docs/bgsub.1
README=README.md

"$TABLE" > "$WORK/table" || { fail "paramtable runs" "$TABLE failed"; finish; exit 1; }
count=$(wc -l < "$WORK/table")
[ "$count" -ge 20 ] && ok "the library's table lists $count parameters" ||
    fail "library table" "only $count lines"

# same A B: A and B are the same number (1e-6, 1e-06 and 0.000001 alike).
same() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d;
    s = (a < 0 ? -a : a); exit !(a != "" && b != "" && d <= 1e-12 * (s > 1 ? s : 1)) }'; }

# help_values HELP_FILE: "NAME DEFAULT MIN MAX" per model parameter, from the
# wrapped "--name X  text (default D; MIN..MAX)" entries of a --help text.
help_values() {
    awk '
        /^      --[a-z-]+ [NX]( |$)/ { if (rec != "") print rec; rec = $0; next }
        /^                            / && rec != "" { rec = rec " " $0; next }
        { if (rec != "") print rec; rec = "" }
        END { if (rec != "") print rec }' "$1" | tr -s ' ' |
    sed -n 's/^ *--\([a-z-]*\) [NX] .*(default \([^;]*\); \([0-9.e+-]*[0-9]\)\.\.\([0-9.e+-]*\))$/\1 \2 \3 \4/p'
}

# compare WHAT FILE: FILE holds "NAME DEFAULT MIN MAX" lines (MIN, MAX may be
# "-" where the document gives no bounds); every library parameter must be
# there with the library's values.
compare() {
    what=$1 file=$2 bad=""
    while read -r name def lo hi; do
        line=$(grep "^$name " "$file" | head -n 1)
        if [ -z "$line" ]; then bad="$bad $name(missing)"; continue; fi
        set -- $line
        same "$2" "$def" || bad="$bad $name(default $2, library $def)"
        { [ "$3" = - ] || same "$3" "$lo"; } || bad="$bad $name(min $3, library $lo)"
        { [ "$4" = - ] || same "$4" "$hi"; } || bad="$bad $name(max $4, library $hi)"
    done < "$WORK/table"
    [ -z "$bad" ] && ok "$what: every parameter's default and bounds are the library's" ||
        fail "$what disagrees with the library's table" "$bad"
}

"$B" --help > "$WORK/help" 2>&1
help_values "$WORK/help" > "$WORK/help.values"
compare "bgsub --help" "$WORK/help.values"

# events runs a shorter learning phase on purpose; the rest is the table's.
"$B" events --help > "$WORK/ehelp" 2>&1
help_values "$WORK/ehelp" > "$WORK/ehelp.values"
grep -q '^learning-frames 50 ' "$WORK/ehelp.values" &&
    ok "events --help gives its own learning-frames default, 50" ||
    fail "events --help learning-frames" "$(grep '^learning-frames' "$WORK/ehelp.values")"
grep -v '^learning-frames ' "$WORK/ehelp.values" > "$WORK/ehelp.rest"
grep -v '^learning-frames ' "$WORK/table" > "$WORK/table.rest"
cp "$WORK/table" "$WORK/table.all"
cp "$WORK/table.rest" "$WORK/table"
compare "bgsub events --help (but learning-frames)" "$WORK/ehelp.rest"
cp "$WORK/table.all" "$WORK/table"

# The man page: each option's paragraph (from its .TP tag to the next
# request) says "Default D" and "bounds MIN..MAX".
if [ -f "$MAN" ]; then
    awk '
        /^\.(TP|SH|SS|PP)/ { if (name != "") print name "\t" text; name = ""; text = ""; tag = ($0 ~ /^\.TP/); next }
        tag && /^\\fB\\-\\-[a-z\\-]+\\fR/ {
            n = $0; sub(/^\\fB\\-\\-/, "", n); sub(/\\fR.*/, "", n); gsub(/\\-/, "-", n)
            name = n; tag = 0; next }
        { tag = 0; if (name != "") text = text " " $0 }
        END { if (name != "") print name "\t" text }' "$MAN" |
    sed 's/\\-/-/g' |
    awk -F '\t' '{
        d = "-"; lo = "-"; hi = "-"
        if (match($2, /Default [0-9.e+-]*[0-9]/)) d = substr($2, RSTART + 8, RLENGTH - 8)
        if (match($2, /[Bb]ounds [0-9.e+-]*[0-9]\.\.[0-9.e+-]*[0-9]/)) {
            b = substr($2, RSTART + 7, RLENGTH - 7); split(b, parts, /\.\./); lo = parts[1]; hi = parts[2] }
        print $1, d, lo, hi }' > "$WORK/man.values"
    # Bounds are required in the man page: "-" would hide a missing one.
    sed 's/ - / MISSING /g; s/ -$/ MISSING/' "$WORK/man.values" > "$WORK/man.checked"
    compare "man page" "$WORK/man.checked"
else
    fail "man page" "$MAN missing"
fi

# The README's parameter table: "| `--name` | symbol | default | bounds | meaning |";
# bounds "A..B", or a list "0, 3, 5" (its first and last).
if [ -f "$README" ]; then
    grep '^| `--[a-z-]*` |' "$README" |
    awk -F '|' '{
        n = $2; gsub(/[ `]/, "", n); sub(/^--/, "", n)
        d = $4; gsub(/ /, "", d); b = $5; gsub(/ /, "", b)
        if (b ~ /\.\./) { split(b, p, /\.\./); lo = p[1]; hi = p[2] }
        else { k = split(b, p, /,/); lo = p[1]; hi = p[k] }
        print n, d, lo, hi }' > "$WORK/readme.values"
    compare "README parameter table" "$WORK/readme.values"
else
    fail "README" "$README missing"
fi

# The check itself must be able to fail: a table with one default changed
# is caught (the same comparison against a mutated copy).
awk '$1 == "alpha" { $2 = 0.5 } { print }' "$WORK/help.values" > "$WORK/help.mutated"
compare "mutated help (alpha 0.5)" "$WORK/help.mutated" > "$WORK/mutated.out"
grep -q '^FAIL' "$WORK/mutated.out" && grep -q 'alpha(default 0.5' "$WORK/mutated.out" &&
    ok "a changed default is caught" ||
    fail "the comparison cannot fail" "$(cat "$WORK/mutated.out")"
# (The deliberate FAIL above is not counted.)
T_FAILED=$((T_FAILED - $(grep -c '^FAIL' "$WORK/mutated.out")))
T_PASSED=$((T_PASSED - $(grep -c '^ok' "$WORK/mutated.out")))

finish
