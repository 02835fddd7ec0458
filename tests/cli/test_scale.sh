#!/bin/sh
# test_scale.sh - the scale-out recipes of docs/scale-out.md: the GNU parallel
# command lines, taken from the page as they are written there (the blocks
# marked <!-- scale-test: NAME -->, so page and test cannot drift apart), and
# tools/slurm_bgsub.sh run as Slurm would run it, one array index at a time.
# Every output folder must hold one mask per frame, each byte for byte the
# mask of a plain sequential bgsub run, and a stats.json that parses.
# The "several hosts" recipes run against two pretend hosts: an ssh
# stand-in that runs the command locally in a folder of its own per host.
. tests/cli/lib.sh

SYNTH=$BUILD/tools/synth
B=$BGSUB_BIN
DOC=docs/scale-out.md
SLURM=tools/slurm_bgsub.sh
TOP=$(pwd)

# --- tools/slurm_bgsub.sh: argument checks (no video needed) ------------------
printf 'a.mkv\n\nsub/b.mkv\nother/a.avi\n' > "$WORK/bad-list.txt"
printf 'x.mkv\n' > "$WORK/one.txt"
slurm() { # TASK_ID CMD...: the script with SLURM_ARRAY_TASK_ID=TASK_ID ("-" unset)
    task=$1; shift
    if [ "$task" = - ]; then env -u SLURM_ARRAY_TASK_ID BGSUB="$B" "$@"
    else env SLURM_ARRAY_TASK_ID="$task" SLURM_CPUS_PER_TASK=1 BGSUB="$B" "$@"; fi
}
expect_error "slurm: no arguments" 2 "^slurm_bgsub: usage: slurm_bgsub.sh LIST OUT" slurm 1 sh "$SLURM"
expect_error "slurm: list missing" 3 "$WORK/none.txt: no such readable file" slurm 1 sh "$SLURM" "$WORK/none.txt" "$WORK/o"
expect_error "slurm: empty OUT" 2 "OUT needs a folder name" slurm 1 sh "$SLURM" "$WORK/one.txt" ""
expect_error "slurm: task id unset" 2 "SLURM_ARRAY_TASK_ID is not set" slurm - sh "$SLURM" "$WORK/one.txt" "$WORK/o"
expect_error "slurm: task id not a number" 2 "SLURM_ARRAY_TASK_ID '1x' is not a whole number" slurm 1x sh "$SLURM" "$WORK/one.txt" "$WORK/o"
expect_error "slurm: task 0 (counted from 1)" 2 "tasks count from 1 \(--array=1-1\)" slurm 0 sh "$SLURM" "$WORK/one.txt" "$WORK/o"
expect_error "slurm: task past the list" 2 "SLURM_ARRAY_TASK_ID 5 is not a line of .*--array=1-4" slurm 5 sh "$SLURM" "$WORK/bad-list.txt" "$WORK/o"
expect_error "slurm: empty line" 3 "bad-list.txt: line 2 is empty" slurm 2 sh "$SLURM" "$WORK/bad-list.txt" "$WORK/o"
expect_error "slurm: two inputs, one folder" 2 "lines 1 and 4 both write to $WORK/o/a" slurm 1 sh "$SLURM" "$WORK/bad-list.txt" "$WORK/o"
expect_error "slurm: bgsub not found" 1 "nonexistent-bgsub: program not found" \
    env SLURM_ARRAY_TASK_ID=1 BGSUB=nonexistent-bgsub sh "$SLURM" "$WORK/one.txt" "$WORK/o"
# Past the checks, the status is bgsub's own: 3 for an input that is not there.
run slurm 1 sh "$SLURM" "$WORK/one.txt" "$WORK/o"
[ "$RC" -eq 3 ] && printf '%s\n' "$ERR" | grep -q "^bgsub: x.mkv" && ok "slurm: exits with bgsub's status (3)" ||
    fail "slurm: bgsub's status" "rc=$RC" "$ERR"
[ ! -e "$WORK/o" ] || [ -z "$(ls "$WORK/o")" ] && ok "slurm: checks write nothing" || fail "slurm: checks write nothing" "$(ls -R "$WORK/o")"

if ! command -v ffmpeg > /dev/null 2>&1; then
    skip "scale-out recipes on synthetic videos" "ffmpeg CLI not installed (make deps installs it)"
    finish; exit
fi

# --- material: three videos and one sequence folder, of different lengths -----
# 150 frames or more, so that the default 100 learning frames leave masks
# with foreground in them to compare.
MAT=$WORK/material
make_scene() { # NAME FRAMES SEED: a synth folder MAT/NAME
    "$SYNTH" -o "$MAT/$1" --width 48 --height 36 --frames "$2" --learn 100 --seed "$3" > /dev/null 2>&1
}
make_scene cam1 150 11; make_scene cam2 170 12; make_scene cam3 160 13; make_scene hall 155 14
mkdir -p "$MAT/videos"
ffmpeg -nostdin -loglevel error -y -framerate 25 -i "$MAT/cam1/input/in%06d.png" -c:v ffv1 "$MAT/videos/cam1.mkv"
ffmpeg -nostdin -loglevel error -y -framerate 25 -i "$MAT/cam2/input/in%06d.png" -c:v mjpeg -q:v 3 "$MAT/videos/cam2.avi"
ffmpeg -nostdin -loglevel error -y -framerate 25 -i "$MAT/cam3/input/in%06d.png" -c:v ffv1 "$MAT/videos/cam3 left.mkv"
mv "$MAT/hall" "$MAT/videos/hall"  # a sequence folder as an input
if [ ! -s "$MAT/videos/cam1.mkv" ] || [ ! -s "$MAT/videos/cam2.avi" ] || [ ! -s "$MAT/videos/cam3 left.mkv" ]; then
    fail "synthetic videos" "ffmpeg did not write them"; finish; exit
fi
# The list as the page's `find` would give it: relative paths.
write_list() { # FILE
    printf '%s\n' "videos/cam1.mkv" "videos/cam2.avi" "videos/cam3 left.mkv" "videos/hall" > "$1"
}

# The reference: each input through a plain sequential run, default threads.
mkdir -p "$WORK/ref"
for i in cam1.mkv cam2.avi "cam3 left.mkv" hall; do
    n=${i%.*}
    "$B" -q "$MAT/videos/$i" -o "$WORK/ref/$n" > /dev/null 2>&1 || fail "reference run $i" "bgsub failed"
done

count_masks() { ls "$1" 2> /dev/null | grep -c '^bin[0-9]*\.png$'; }
# stats_ok FILE INPUT FRAMES: parses as JSON (python3 or jq when there) and
# names the input, the frame count and one model thread.
stats_ok() {
    [ -f "$1" ] || { why="no $1"; return 1; }
    if command -v python3 > /dev/null 2>&1; then
        python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" 2> /dev/null || { why="$1 does not parse"; return 1; }
    elif command -v jq > /dev/null 2>&1; then
        jq . "$1" > /dev/null 2>&1 || { why="$1 does not parse"; return 1; }
    else
        tail -c 3 "$1" | grep -q '}' || { why="$1 does not end in }"; return 1; }
    fi
    grep -q "\"input\": \"$2\"" "$1" && grep -q "\"frames\": $3," "$1" || { why="$1: input or frames wrong"; return 1; }
    grep -q '"threads": 1,' "$1" || { why="$1: not one model thread"; return 1; }
}
# check_outputs LABEL DIR: DIR/NAME/ for every input is complete and equal
# to the reference.
check_outputs() {
    label=$1 dir=$2 bad=""
    old_ifs=$IFS; IFS=' '
    for spec in "videos/cam1.mkv:cam1:150" "videos/cam2.avi:cam2:170" "videos/cam3 left.mkv:cam3 left:160" "videos/hall:hall:155"; do
        IFS=: read -r input name frames <<EOF
$spec
EOF
        got=$(count_masks "$dir/$name")
        if [ "$got" -ne "$frames" ]; then bad="$bad $name:$got/$frames masks"; continue; fi
        # One diff per folder (not one cmp per mask): forks are dear here.
        diff -rq -x stats.json "$WORK/ref/$name" "$dir/$name" > "$WORK/diff.txt" 2>&1 ||
            bad="$bad $name: $(head -n 1 "$WORK/diff.txt")"
        stats_ok "$dir/$name/stats.json" "$input" "$frames" || bad="$bad $why"
    done
    IFS=$old_ifs
    fg=$(awk '$1 == "\"mean_foreground\":" { gsub(",", "", $2); if ($2 + 0 > 0) n++ } END { print n + 0 }' "$dir"/*/stats.json 2> /dev/null)
    [ "${fg:-0}" -ge 3 ] || bad="$bad only $fg of 4 inputs with foreground to compare"
    if [ -z "$bad" ]; then ok "$label: 4 inputs, every mask equal to a sequential run, stats parse"
    else fail "$label" "$bad"; fi
}

# --- tools/slurm_bgsub.sh, one array index at a time ----------------------------
mkdir -p "$WORK/slurm"
cp -R "$MAT/videos" "$WORK/slurm/"
write_list "$WORK/slurm/inputs.txt"
bad=""
for task in 1 2 3 4; do
    (cd "$WORK/slurm" && SLURM_ARRAY_TASK_ID=$task SLURM_CPUS_PER_TASK=1 BGSUB="$B" \
        sh "$TOP/$SLURM" inputs.txt out -q > "log$task" 2>&1) || bad="$bad task $task: $(cat "$WORK/slurm/log$task")"
done
[ -z "$bad" ] && ok "slurm: tasks 1-4 exit 0" || fail "slurm tasks" "$bad"
check_outputs "slurm: out/NAME per task" "$WORK/slurm/out"

# --- GNU parallel ----------------------------------------------------------------
if ! command -v parallel > /dev/null 2>&1; then
    skip "GNU parallel recipes" "GNU parallel not installed (make deps installs it)"
    finish; exit
fi
# doc_block NAME: the lines of the shell block marked <!-- scale-test: NAME -->.
doc_block() {
    awk -v want="<!-- scale-test: $1 -->" '
        $0 == want { found = 1; next }
        found == 1 && /^```/ { found = 2; next }
        found == 2 && /^```/ { exit }
        found == 2 { print }' "$DOC"
}
for b in local resume hosts shared dataset; do
    doc_block $b > "$WORK/$b.sh"
    grep -q 'parallel ' "$WORK/$b.sh" || fail "$DOC has the '$b' command" "no block marked <!-- scale-test: $b -->"
done
# parallel keeps its files in ~/.parallel: a scratch home, and bgsub on PATH.
mkdir -p "$WORK/home"
export HOME="$WORK/home"
PATH=$(dirname "$B"):$PATH
export PATH
# in_dir DIR SCRIPT: runs the page's command lines in DIR; RC, OUT, ERR.
in_dir() { run sh -c 'cd "$1" && sh "$2"' sh "$1" "$2"; }

# One machine. The list names one video that is not there yet: that job
# fails, the others run; once the video exists the resume line runs it alone.
L=$WORK/local
mkdir -p "$L"
cp -R "$MAT/videos" "$L/"
mv "$L/videos/cam2.avi" "$WORK/cam2.avi.later"
write_list "$L/inputs.txt"
in_dir "$L" "$WORK/local.sh"
failed=$(awk -F'\t' 'NR > 1 && $7 != 0' "$L/jobs.log" | wc -l)
exitval=$(awk -F'\t' 'NR > 1 && $9 ~ /cam2/ { print $7 }' "$L/jobs.log")
if [ "$RC" -eq 1 ] && [ "$failed" -eq 1 ] && [ "$exitval" = 3 ]; then
    ok "parallel: status 1 = one failed job, its Exitval 3 in the job log"
else fail "parallel with a missing input" "rc=$RC, $failed failed, cam2 Exitval '$exitval'" "$ERR" "$(cat "$L/jobs.log")"; fi
printf '%s\n' "$OUT$ERR" | grep -q "bgsub: videos/cam2.avi" && ok "parallel: the failed job's error line is shown" ||
    fail "parallel: failed job's error shown" "$OUT" "$ERR"
before=$(cksum < "$L/out/cam1/stats.json")
mv "$WORK/cam2.avi.later" "$L/videos/cam2.avi"
in_dir "$L" "$WORK/resume.sh"
added=$(awk -F'\t' 'NR > 1' "$L/jobs.log" | wc -l)
rerun=$(awk -F'\t' 'NR > 1 && $9 ~ /cam2/ && $7 == 0' "$L/jobs.log" | wc -l)
if [ "$RC" -eq 0 ] && [ "$added" -eq 5 ] && [ "$rerun" -eq 1 ] && [ "$before" = "$(cksum < "$L/out/cam1/stats.json")" ]; then
    ok "parallel --resume-failed: runs only the failed input"
else fail "parallel --resume-failed" "rc=$RC, $added jobs logged, cam2 ok $rerun times" "$ERR" "$(cat "$L/jobs.log")"; fi
check_outputs "parallel, one machine" "$L/out"

# Several hosts: an ssh stand-in (parallel's PARALLEL_SSH) that runs each
# command in $WORK/host-NAME, a folder of its own per pretend host.
cat > "$WORK/fake-ssh" << EOF
#!/bin/sh
while [ \$# -gt 0 ]; do case \$1 in -l|-p|-o|-i|-F) shift 2;; -*) shift;; *) break;; esac; done
host=\$1; shift
[ "\$1" = "--" ] && shift
mkdir -p "$WORK/host-\$host"
echo "\$host" >> "$WORK/hosts-used"
# sshd gives the remote command HOME and SHELL (the login shell); parallel's
# remote wrapper runs the job with \$SHELL and does nothing without it.
cd "$WORK/host-\$host" && HOME="$WORK/host-\$host" SHELL=/bin/sh exec sh -c "\$*"
EOF
chmod +x "$WORK/fake-ssh"
if ! command -v rsync > /dev/null 2>&1; then
    skip "parallel over hosts, with transfers" "rsync not installed (make deps installs it)"
else
    H=$WORK/hosts
    mkdir -p "$H"
    cp -R "$MAT/videos" "$H/"
    write_list "$H/inputs.txt"
    printf '1/nodeA\n1/nodeB\n' > "$H/hosts.txt"
    PARALLEL_SSH=$WORK/fake-ssh in_dir "$H" "$WORK/hosts.sh"
    hosts=$(awk -F'\t' 'NR > 1 && $7 == 0 { print $2 }' "$H/jobs.log" | sort -u | tr '\n' ' ')
    [ "$RC" -eq 0 ] && [ "$hosts" = "nodeA nodeB " ] && ok "parallel over hosts: exit 0, jobs ran on both" ||
        fail "parallel over hosts" "rc=$RC hosts '$hosts'" "$ERR" "$(cat "$H/jobs.log" 2> /dev/null)"
    check_outputs "parallel over hosts: outputs returned" "$H/out"
    left=$(find "$WORK/host-nodeA" "$WORK/host-nodeB" -type f 2> /dev/null | head -n 3)
    [ -d "$WORK/host-nodeA" ] && [ -z "$left" ] && ok "parallel over hosts: --cleanup leaves nothing on the hosts" ||
        fail "parallel --cleanup" "left: $left"
fi
S=$WORK/shared
mkdir -p "$S"
cp -R "$MAT/videos" "$S/"
write_list "$S/inputs.txt"
printf '1/nodeC\n1/nodeD\n' > "$S/hosts.txt"
: > "$WORK/hosts-used"
PARALLEL_SSH=$WORK/fake-ssh in_dir "$S" "$WORK/shared.sh"
[ "$RC" -eq 0 ] && grep -q nodeC "$WORK/hosts-used" && grep -q nodeD "$WORK/hosts-used" &&
    ok "parallel over hosts, shared folder: exit 0, both hosts used" || fail "parallel shared folder" "rc=$RC" "$ERR"
check_outputs "parallel over hosts, shared folder" "$S/out"

# A dataset tree: the page's parallel runs, then `bgsub eval`, score as
# `bgsub eval --run` does.
D=$WORK/dataset-run
mkdir -p "$D/dataset/roads" "$D/dataset/parks"
for s in roads/a:21 roads/b:22 parks/c:23; do
    "$SYNTH" -o "$D/dataset/${s%:*}" --width 40 --height 32 --frames 130 --learn 100 --seed "${s#*:}" > /dev/null 2>&1
done
mkdir -p "$D/dataset/roads/notes"
in_dir "$D" "$WORK/dataset.sh"
"$B" eval --run --json "$D/dataset" "$WORK/eval-run" -- -q > "$WORK/eval-run.json" 2> /dev/null
f_doc=$(grep -o '"overall".*' "$D/scores.json" 2> /dev/null | grep -o '"f_measure": [0-9.]*')
f_run=$(grep -o '"overall".*' "$WORK/eval-run.json" | grep -o '"f_measure": [0-9.]*')
n=$(awk -F'\t' 'NR > 1 && $7 == 0' "$D/jobs.log" 2> /dev/null | wc -l)
[ "$RC" -eq 0 ] && [ "$n" -eq 3 ] && [ -n "$f_doc" ] && [ "$f_doc" = "$f_run" ] &&
    ok "parallel over a dataset, then eval: the scores of eval --run ($f_doc)" ||
    fail "parallel over a dataset" "rc=$RC, $n jobs ok, '$f_doc' vs '$f_run'" "$ERR"

finish
