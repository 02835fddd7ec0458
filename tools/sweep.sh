#!/bin/sh
# sweep.sh - scores bgsub parameter settings on every sequence of a dataset
# tree, so that defaults are chosen by measurement on several kinds of scene
# rather than on one clip.
#
# Usage: sh tools/sweep.sh [options] DATASET [NAME=V1,V2,...]...
#
# DATASET holds sequences as ChangeDetection.net lays them out,
# CATEGORY/SEQUENCE/{input,groundtruth,ROI.bmp,temporalROI.txt} (a sequence
# directly under DATASET also counts); tools/scenes.sh builds such a tree.
# NAME is any long option of bgsub without its dashes (alpha, lambda,
# bg-ratio, ... and whatever options later versions add); each value is
# passed as `--NAME VALUE`, except two words: "default" leaves the option
# out (bgsub's default) and "flag" passes `--NAME` alone. A NAME given one
# value is held at it in every run and not plotted. With no NAME at all,
# the defaults alone are scored (a baseline).
#
# Settings: by default one parameter at a time: each swept parameter runs
# through its values while the others keep bgsub's defaults, plus one run
# with every default. --grid runs the full product instead.
#
# Each setting runs bgsub on each sequence (-q, one model thread unless
# threads is given, niced, --jobs at once) and scores the masks with
# `bgsub eval`; masks are deleted once scored. Written to OUT:
#   sweep.csv      NAME columns..., sequence, f_measure, precision, recall,
#                  options: one row per setting and sequence; a failed run
#                  has empty scores
#   f_NAME.png     F-measure against NAME's values: one line per sequence and
#                  the mean over sequences (bold). One at a time: the others
#                  at their defaults; --grid: the others at the best setting
#                  (highest mean F)
#   summary.txt    mean F per setting, best first (also printed)
#
# Options:
#   -o, --output OUT   results folder (default sweep-out)
#   --grid             every combination of the values
#   --jobs N           bgsub runs at once (default 2)
#   --fixed "OPTS"     more bgsub options for every run, split at spaces
#   --bgsub PATH       the program (default $BUILD/bgsub, BUILD=build)
#   --plot PATH        the plotter (default $BUILD/tools/plot)
#   --keep-masks       keep OUT/work/ with every run's masks and logs
# Exit status: 0 done, 1 a run or a score failed (the rest still written),
# 2 bad arguments, 3 no sequences found.
set -u

die() { echo "sweep.sh: $1" >&2; exit "${2:-2}"; }

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BGSUB=$top/${BUILD:-build}/bgsub
PLOT=$top/${BUILD:-build}/tools/plot

# --------------------------------------------------------------------------
# Scoring: the one place that calls `bgsub eval`. Prints "F PRECISION RECALL"
# for the masks of one sequence, or fails with the error on stderr. (When
# `bgsub eval` scores a whole tree in one call, only this function changes.)
# --------------------------------------------------------------------------
score_sequence() { # SEQ_DIR MASK_DIR
    "$BGSUB" eval --json "$1" "$2" | awk '
        { for (i = 1; i <= NF; i++) if ($i ~ /^"(f_measure|precision|recall)":$/) {
              v = $(i + 1); sub(/,$/, "", v); key = $i; gsub(/[":]/, "", key); m[key] = v } }
        END { if (!("f_measure" in m)) exit 1; print m["f_measure"], m["precision"], m["recall"] }'
}

# --------------------------------------------------------------------------
# One job (sweep.sh --job WORK SETTING SEQUENCE, run through xargs): bgsub
# with the setting's options on one sequence, then the score.
# --------------------------------------------------------------------------
run_job() {
    work=$1 sid=$2 qid=$3
    seq=$(sed -n "${qid}p" "$work/sequences.txt")
    masks=$work/masks/$sid-$qid result=$work/results/$sid-$qid log=$work/logs/$sid-$qid.log
    set --
    while IFS= read -r a; do set -- "$@" "$a"; done < "$work/settings/$sid.args"
    rm -rf "$masks"
    if nice "$BGSUB" -q "$@" "$DATASET/$seq" -o "$masks" > "$log" 2>&1 &&
       scores=$(score_sequence "$DATASET/$seq" "$masks" 2>> "$log"); then
        echo "$scores" > "$result"
    else
        echo "setting $sid ($(tr '\n' ' ' < "$work/settings/$sid.args")) on $seq: $(tail -n 1 "$log")" > "$result.failed"
    fi
    [ -n "${KEEP_MASKS:-}" ] || rm -rf "$masks"
}

if [ "${1-}" = "--job" ]; then
    DATASET=$(cat "$2/dataset")
    BGSUB=$(cat "$2/bgsub")
    KEEP_MASKS=$(cat "$2/keep")
    run_job "$2" "$3" "$4"
    exit 0
fi

# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------
OUT=sweep-out GRID= JOBS=2 FIXED= KEEP_MASKS= DATASET=
NAMES= NPARAMS=0
while [ $# -gt 0 ]; do
    case $1 in
        -o|--output|--jobs|--fixed|--bgsub|--plot)
            [ $# -ge 2 ] || die "$1 needs a value"
            case $1 in
                -o|--output) OUT=$2 ;; --jobs) JOBS=$2 ;; --fixed) FIXED=$2 ;;
                --bgsub) BGSUB=$2 ;; --plot) PLOT=$2 ;;
            esac
            shift 2 ;;
        --grid) GRID=1; shift ;;
        --keep-masks) KEEP_MASKS=1; shift ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *=*)
            name=${1%%=*} values=${1#*=}
            echo "$name" | grep -Eq '^[a-z][a-z0-9-]*$' ||
                die "'$1': NAME must be a bgsub long option without dashes, such as alpha"
            echo "$values" | grep -Eq '^[^ ,]+(,[^ ,]+)*$' ||
                die "'$1': expected NAME=V1,V2,... (no spaces, no empty values)"
            case " $NAMES " in *" $name "*) die "'$name' given twice" ;; esac
            NPARAMS=$((NPARAMS + 1))
            NAMES="$NAMES $name"
            eval "VALUES_$NPARAMS=\$values"
            shift ;;
        *) [ -z "$DATASET" ] || die "only one DATASET, got '$DATASET' and '$1'"
           DATASET=$1; shift ;;
    esac
done
[ -n "$DATASET" ] || die "no DATASET given (see --help)"
[ -d "$DATASET" ] || die "$DATASET: no such folder" 3
case $JOBS in ''|*[!0-9]*|0) die "--jobs: expected a positive integer, got '$JOBS'" ;; esac
[ -x "$BGSUB" ] || die "$BGSUB: not found (run make first, or give --bgsub)" 3
[ -x "$PLOT" ] || die "$PLOT: not found (run make first, or give --plot)" 3
case $BGSUB in /*) ;; *) BGSUB=$(pwd)/$BGSUB ;; esac

values_of() { eval "echo \"\$VALUES_$1\"" | tr ',' ' '; }
name_of() { echo $NAMES | cut -d' ' -f"$1"; }
count_of() { values_of "$1" | wc -w; }

# --------------------------------------------------------------------------
# Sequences and settings
# --------------------------------------------------------------------------
WORK=$OUT/work
rm -rf "$WORK" "$OUT/sweep.csv" "$OUT/summary.txt" "$OUT"/f_*.png # no stale results
mkdir -p "$WORK/settings" "$WORK/results" "$WORK/masks" "$WORK/logs" ||
    die "cannot create $WORK" 1
echo "$DATASET" > "$WORK/dataset"
echo "$BGSUB" > "$WORK/bgsub"
echo "$KEEP_MASKS" > "$WORK/keep"

: > "$WORK/sequences.txt"
for d in "$DATASET"/*/ "$DATASET"/*/*/; do
    [ -d "$d/input" ] && [ -d "$d/groundtruth" ] || continue
    d=${d%/}
    echo "${d#"$DATASET"/}" >> "$WORK/sequences.txt"
done
NSEQ=$(wc -l < "$WORK/sequences.txt")
[ "$NSEQ" -gt 0 ] || die "$DATASET: no sequences (CATEGORY/SEQUENCE folders with input/ and groundtruth/)" 3

# settings.txt: one setting a line, the parameters' values in order, tab
# separated. A parameter with one value keeps it everywhere.
base_line() { # the values of parameter $1..: "default" unless held fixed
    line= i=1
    while [ "$i" -le "$NPARAMS" ]; do
        v=default
        [ "$(count_of "$i")" -eq 1 ] && v=$(values_of "$i")
        line="$line${line:+	}$v"
        i=$((i + 1))
    done
    echo "$line"
}
with_value() { # LINE INDEX VALUE: LINE with field INDEX replaced
    echo "$1" | awk -F'\t' -v OFS='\t' -v i="$2" -v v="$3" '{ $i = v; print }'
}
if [ -n "$GRID" ]; then
    base_line > "$WORK/settings.txt"
    i=1
    while [ "$i" -le "$NPARAMS" ]; do
        while IFS= read -r line; do
            for v in $(values_of "$i"); do with_value "$line" "$i" "$v"; done
        done < "$WORK/settings.txt" > "$WORK/settings.new"
        mv "$WORK/settings.new" "$WORK/settings.txt"
        i=$((i + 1))
    done
else
    base=$(base_line)
    {
        echo "$base"
        i=1
        while [ "$i" -le "$NPARAMS" ]; do
            if [ "$(count_of "$i")" -gt 1 ]; then
                for v in $(values_of "$i"); do with_value "$base" "$i" "$v"; done
            fi
            i=$((i + 1))
        done
    } | awk '!seen[$0]++' > "$WORK/settings.txt"
fi
NSET=$(wc -l < "$WORK/settings.txt")

# Each setting's bgsub arguments, one a line (read back by run_job).
threads_given=
case " $NAMES $FIXED " in *" threads "*|*" -j"*|*" --threads"*) threads_given=1 ;; esac
sid=0
while IFS= read -r line; do
    sid=$((sid + 1))
    {
        [ -n "$threads_given" ] || printf '%s\n' --threads 1
        set -f # split --fixed at spaces, but expand no * or ? in it
        for o in $FIXED; do printf '%s\n' "$o"; done
        set +f
        i=1
        for v in $(echo "$line" | tr '\t' ' '); do
            n=$(name_of "$i")
            case $v in
                default) ;;
                flag) printf '%s\n' "--$n" ;;
                *) printf '%s\n' "--$n" "$v" ;;
            esac
            i=$((i + 1))
        done
    } > "$WORK/settings/$sid.args"
done < "$WORK/settings.txt"

# --------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------
echo "sweep.sh: $NSET settings x $NSEQ sequences = $((NSET * NSEQ)) runs, $JOBS at a time"
s=1
while [ "$s" -le "$NSET" ]; do
    q=1
    while [ "$q" -le "$NSEQ" ]; do echo "$s $q"; q=$((q + 1)); done
    s=$((s + 1))
done | xargs -P "$JOBS" -L 1 sh "$0" --job "$WORK"

# --------------------------------------------------------------------------
# Results: sweep.csv, summary.txt, one plot per swept parameter
# --------------------------------------------------------------------------
status=0
{
    [ -z "$NAMES" ] || printf '%s,' $NAMES
    echo "sequence,f_measure,precision,recall,options"
    s=1
    while [ "$s" -le "$NSET" ]; do
        vals=$(sed -n "${s}p" "$WORK/settings.txt" | tr '\t' ',')
        opts=$(tr '\n' ' ' < "$WORK/settings/$s.args" | sed 's/ $//')
        q=1
        while [ "$q" -le "$NSEQ" ]; do
            seq=$(sed -n "${q}p" "$WORK/sequences.txt")
            r=$WORK/results/$s-$q
            if [ -f "$r" ]; then scores=$(tr ' ' ',' < "$r"); else scores=,,; fi
            echo "${vals:+$vals,}$seq,$scores,$opts"
            q=$((q + 1))
        done
        s=$((s + 1))
    done
} > "$OUT/sweep.csv.tmp" && mv "$OUT/sweep.csv.tmp" "$OUT/sweep.csv" || die "cannot write $OUT/sweep.csv" 1

for f in "$WORK"/results/*.failed; do
    [ -f "$f" ] || continue
    [ "$status" -eq 0 ] && echo "sweep.sh: failed runs:" >&2
    sed 's/^/  /' "$f" >&2
    status=1
done

# Mean F per setting (empty if a sequence failed), best first.
NP=$NPARAMS
awk -F, -v np="$NP" -v nseq="$NSEQ" '
    NR == 1 { head = np ? $1 : "setting"; for (i = 2; i <= np; i++) head = head " " $i; next }
    { key = np ? $1 : "defaults"; for (i = 2; i <= np; i++) key = key " " $i
      if (!(key in n)) order[++k] = key
      n[key]++; if ($(np + 2) != "") { sum[key] += $(np + 2); ok[key]++ } }
    END { printf "%-40s %8s  (mean over %d sequences)\n", head, "mean F", nseq
          for (j = 1; j <= k; j++) { key = order[j]
              printf "%-40s %8s\n", key, ok[key] == n[key] ? sprintf("%.4f", sum[key] / n[key]) : "failed" } }
' "$OUT/sweep.csv" > "$WORK/summary.unsorted"
{ head -n 1 "$WORK/summary.unsorted"; tail -n +2 "$WORK/summary.unsorted" | sort -k "$((NP + 1)),$((NP + 1))" -n -r -s; } > "$OUT/summary.txt"
cat "$OUT/summary.txt"

# The reference setting the plots slice through: the defaults (one at a
# time) or the best complete setting (grid), as tab-separated values.
if [ -n "$GRID" ]; then
    ref=$(sed -n 2p "$OUT/summary.txt" | awk -v np="$NP" '{ s = $1; for (i = 2; i <= np; i++) s = s "\t" $i; print s }')
else
    ref=$(base_line)
fi

i=1
while [ "$i" -le "$NPARAMS" ]; do
    if [ "$(count_of "$i")" -gt 1 ]; then
        n=$(name_of "$i")
        # rows with one of this parameter's values and the other swept
        # parameters at the reference values
        awk -F, -v np="$NP" -v col="$i" -v ref="$ref" -v vals="$(values_of "$i")" '
            BEGIN { split(ref, r, "\t"); nv = split(vals, v, " "); for (j = 1; j <= nv; j++) listed[v[j]] = 1 }
            NR == 1 || !($col in listed) { next }
            { for (j = 1; j <= np; j++) if (j != col && $j != r[j]) next
              x = $col; f = $(np + 2); print $(np + 1) "," x "," f
              if (!(x in n)) xs[++k] = x
              n[x]++; if (f != "") { s[x] += f; ok[x]++ } }
            END { for (j = 1; j <= k; j++) { x = xs[j]
                      print "mean," x "," (ok[x] == n[x] ? sprintf("%.6f", s[x] / n[x]) : "nan") } }
        ' "$OUT/sweep.csv" > "$WORK/points-$n.csv"
        where="others at their defaults"
        if [ -n "$GRID" ] && [ "$NPARAMS" -gt 1 ]; then
            where="others at the best:$(echo "$ref" | awk -F'\t' -v col="$i" -v names="$NAMES" '
                { split(names, n, " "); for (j = 1; j <= NF; j++) if (j != col) printf " %s=%s", n[j], $j }')"
        fi
        "$PLOT" -o "$OUT/f_$n.png" --title "F-measure vs $n" --xlabel "$n ($where)" \
            --ylabel "F-measure" --bold mean "$WORK/points-$n.csv" ||
            { echo "sweep.sh: plot of $n failed" >&2; status=1; }
    fi
    i=$((i + 1))
done
echo "sweep.sh: wrote $OUT/sweep.csv, $OUT/summary.txt and a plot per swept parameter in $OUT/"
[ -n "$KEEP_MASKS" ] || rm -rf "$WORK"
exit "$status"
