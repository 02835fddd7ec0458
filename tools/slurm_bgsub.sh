#!/bin/sh
#SBATCH --job-name=bgsub
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=02:00:00
#SBATCH --output=bgsub-%A_%a.log
#
# slurm_bgsub.sh - one bgsub run per Slurm array task: task N takes line N
# of an input list (counted from 1) and writes OUT/NAME/ (the masks) and
# OUT/NAME/stats.json (bgsub --stats), NAME being the input's file name
# without its extension, as GNU parallel's {/.} (docs/scale-out.md). The
# exit status is bgsub's own, so Slurm's accounting shows which inputs
# failed and why (3 input unreadable, 4 output not writable, ...).
#
#   find videos -name '*.mp4' > inputs.txt
#   sbatch --array=1-$(wc -l < inputs.txt) tools/slurm_bgsub.sh inputs.txt out
#   sbatch --array=1-500%50 tools/slurm_bgsub.sh inputs.txt out --alpha 0.01
#
# Options after OUT are given to every bgsub run. Each run uses
# SLURM_CPUS_PER_TASK model threads (-j; 1 if unset), because bgsub's
# default of one thread per core would count the whole node's cores. Runs
# use --force: a task run again (a requeue, a retry of failed indexes with
# --array=3,17) redoes its input from the start. The #SBATCH lines above
# are defaults; sbatch options on the command line override them.
#
# Without Slurm, for a test: SLURM_ARRAY_TASK_ID=2 sh tools/slurm_bgsub.sh LIST OUT
# BGSUB names the program (default: bgsub on PATH).
#
# Exit status: bgsub's; before it runs, 2 for a bad argument or task index,
# 3 for an unreadable list or an empty line, 1 when bgsub cannot be found.
set -u

die() { # STATUS MESSAGE: one line on stderr, then exit
    echo "slurm_bgsub: $2" >&2
    exit "$1"
}

[ $# -ge 2 ] || die 2 "usage: slurm_bgsub.sh LIST OUT [BGSUB_OPTIONS...] (LIST: one input per line)"
list=$1 out=$2
shift 2
[ -n "$list" ] || die 2 "LIST needs a file name, not an empty name"
[ -n "$out" ] || die 2 "OUT needs a folder name, not an empty name"
[ -f "$list" ] && [ -r "$list" ] || die 3 "$list: no such readable file (the input list, one input per line)"

task=${SLURM_ARRAY_TASK_ID:-}
[ -n "$task" ] || die 2 "SLURM_ARRAY_TASK_ID is not set: submit with sbatch --array=1-N, or set it to test"
case $task in
    *[!0-9]*) die 2 "SLURM_ARRAY_TASK_ID '$task' is not a whole number" ;;
esac
task=$(echo "$task" | sed 's/^0*//')
count=$(awk 'END { print NR }' "$list")
if [ -z "$task" ] || [ "$task" -gt "$count" ]; then
    die 2 "SLURM_ARRAY_TASK_ID ${SLURM_ARRAY_TASK_ID} is not a line of $list: tasks count from 1 (--array=1-$count)"
fi

# Every line's NAME at once, so that two inputs writing into the same
# folder are caught whichever task runs first. NAME as GNU parallel's {/.}:
# the last path component without its last extension.
names=$(awk '{ sub(/\r$/, ""); sub(/\/+$/, ""); sub(/.*\//, "")
               n = $0; sub(/\.[^.]*$/, "", n); if (n == "") n = $0; print n }' "$list")
input=$(sed -n "${task}p" "$list" | sed 's/\r$//')
name=$(printf "%s\n" "$names" | sed -n "${task}p")
[ -n "$input" ] && [ -n "$name" ] || die 3 "$list: line $task is empty"
other=$(printf "%s\n" "$names" | awk -v want="$name" -v self="$task" '$0 == want && NR != self { print NR; exit }')
[ -z "$other" ] || die 2 "$list: lines $task and $other both write to $out/$name (same name without extension)"

bgsub=${BGSUB:-bgsub}
command -v "$bgsub" > /dev/null 2>&1 || die 1 "$bgsub: program not found (install bgsub, or set BGSUB)"

case $input in -*) input=./$input ;; esac # not to be read as an option
echo "slurm_bgsub: task $task: $input -> $out/$name" >&2
exec "$bgsub" -j "${SLURM_CPUS_PER_TASK:-1}" --force "$@" \
    "$input" -o "$out/$name" --stats "$out/$name/stats.json"
