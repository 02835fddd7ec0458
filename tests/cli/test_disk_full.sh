#!/bin/sh
# test_disk_full.sh - output that cannot be written whole: a file-size limit
# (ulimit -f) and, where mounting is allowed, a full file system. bgsub must
# stop with exit status 4 and one line naming the file it could not write,
# leave no partial or temporary file behind, and keep every mask written
# before the failure complete and readable.
. tests/cli/lib.sh

SYNTH=$BUILD/tools/synth
PNGINFO=$BUILD/tests/tools/pnginfo
B=$BGSUB_BIN

# 160x120, 30 frames, heavy camera noise (sigma 40) so that detecting masks
# hold many scattered pixels. With 5 learning frames the blank masks are ~100
# bytes, the later ones over 600 (masks are run-length coded), background
# images ~40 KB.
SEQ=$WORK/seq
"$SYNTH" -o "$SEQ" --width 160 --height 120 --frames 30 --learn 5 --seed 5 --noise 40 > /dev/null 2>&1
if [ ! -f "$SEQ/input/in000030.png" ]; then
    fail "synthetic sequence" "$SYNTH did not write $SEQ/input/in000030.png"
    finish; exit
fi

# check_after_failure NAME DIR FILE: exit 4, one line naming DIR/FILE, no
# temporary file, FILE absent, every PNG left in DIR complete; prints the
# number of masks kept into $KEPT.
check_after_failure() {
    name=$1 dir=$2 file=$3
    lines=$(printf '%s\n' "$ERR" | grep -c .)
    if [ "$RC" -ne 4 ]; then
        fail "$name: exit status 4" "got $RC" "stderr: $ERR"
    elif [ "$lines" -ne 1 ] || ! printf '%s\n' "$ERR" | grep -q "^bgsub: $dir/$file: "; then
        fail "$name: one line naming $file" "$ERR"
    else
        ok "$name: exit status 4, one line naming $file"
    fi
    left=$(ls -a "$dir" | grep -v '^\.\.\?$' | grep -v '^b[gi][n0-9][0-9]*\.png$' | tr '\n' ' ')
    [ -z "$left" ] && ok "$name: no temporary or stray files" || fail "$name: no temporary or stray files" "$left"
    [ ! -e "$dir/$file" ] && ok "$name: no partial $file" || fail "$name: no partial $file" "$(ls -l "$dir/$file")"
    bad="" KEPT=0
    for f in "$dir"/b*.png; do
        [ -e "$f" ] || continue
        "$PNGINFO" "$f" > /dev/null 2>&1 || bad="$bad $(basename "$f")"
        case $f in */bin*) KEPT=$((KEPT + 1));; esac
    done
    [ -z "$bad" ] && ok "$name: the $KEPT masks kept are complete PNGs" || fail "$name: the masks kept are complete PNGs" "unreadable:$bad"
}

# --- file-size limit -------------------------------------------------------------
# SIGXFSZ is ignored in the subshell (bgsub inherits that), so a write past
# the limit fails with EFBIG instead of killing the process.
# A: the limit (4 KB) stops the first background image, frame 10.
run sh -c "trap '' XFSZ; ulimit -f 8; exec \"\$0\" -q --learning-frames 5 --background-every 10 \"\$1\" -o \"\$2\"" \
    "$B" "$SEQ" "$WORK/a"
check_after_failure "size limit, background image" "$WORK/a" bg000010.png
echo "$ERR" | grep -q "File too large" && ok "size limit: reason is EFBIG" || fail "size limit: reason is EFBIG" "$ERR"
[ "$KEPT" -ge 9 ] && ok "size limit: masks up to frame 9 kept ($KEPT)" || fail "size limit: masks up to frame 9 kept" "$KEPT masks"

# B: the limit (512 bytes) lets the blank learning masks through and stops
# the first mask with foreground. The clean-up is off so that the masks of a
# model that learnt only 5 frames are speckled (a cleaned one compresses
# under 512 bytes).
RAW_MASKS="--median 0 --close 0 --fill-holes 0 --min-area 0"
run sh -c "trap '' XFSZ; ulimit -f 1; exec \"\$0\" -q --learning-frames 5 $RAW_MASKS \"\$1\" -o \"\$2\"" \
    "$B" "$SEQ" "$WORK/b"
first_missing=$(i=1; while [ -f "$WORK/b/$(printf 'bin%06d.png' $i)" ]; do i=$((i + 1)); done; printf 'bin%06d.png' $i)
check_after_failure "size limit, mask" "$WORK/b" "$first_missing"
[ "$KEPT" -ge 5 ] && [ "$KEPT" -lt 30 ] && ok "size limit: learning masks kept, run stopped ($KEPT masks)" \
    || fail "size limit: learning masks kept, run stopped" "$KEPT masks"

# C: without the signal ignored by the caller: the default action of
# SIGXFSZ would kill bgsub mid-write, leaving its temporary file; bgsub
# ignores the signal itself.
run sh -c "ulimit -f 1; exec \"\$0\" -q --learning-frames 5 $RAW_MASKS \"\$1\" -o \"\$2\"" "$B" "$SEQ" "$WORK/c"
check_after_failure "size limit, SIGXFSZ left to bgsub" "$WORK/c" bin000006.png

# S: segment, the same two ways; its 160x120 mask is over 1 KB.
mkdir -p "$WORK/s"
run sh -c "trap '' XFSZ; ulimit -f 1; exec \"\$0\" segment \"\$1\" -o \"\$2\"" \
    "$B" "$SEQ/input/in000010.png" "$WORK/s/big.png"
check_after_failure "segment, size limit" "$WORK/s" big.png
run sh -c "ulimit -f 1; exec \"\$0\" segment \"\$1\" -o \"\$2\"" \
    "$B" "$SEQ/input/in000010.png" "$WORK/s/big.png"
check_after_failure "segment, size limit, SIGXFSZ left to bgsub" "$WORK/s" big.png

# --- a full file system ---------------------------------------------------------------
MNT=$WORK/small
mkdir -p "$MNT"
if [ "$(id -u)" -ne 0 ]; then
    skip "full file system" "mounting a 200 KB tmpfs needs root"
elif ! mount -t tmpfs -o size=200k tmpfs "$MNT" 2> "$WORK/mount.err" < /dev/null; then
    skip "full file system" "mount -t tmpfs not permitted here: $(head -n 1 "$WORK/mount.err")"
else
    trap 'umount "$MNT" 2> /dev/null' EXIT INT TERM
    # D: masks only. A tmpfs file takes at least a 4 KB page, so 40 KB
    # hold about ten masks.
    umount "$MNT" && mount -t tmpfs -o size=40k tmpfs "$MNT"
    run "$B" -q --learning-frames 5 "$SEQ" -o "$MNT/d"
    missing=$(echo "$ERR" | sed -n "s|^bgsub: $MNT/d/\([^:]*\): .*|\1|p" | head -n 1)
    check_after_failure "full file system, mask" "$MNT/d" "${missing:-?}"
    echo "$ERR" | grep -q "No space left on device" && ok "full file system: reason is ENOSPC" \
        || fail "full file system: reason is ENOSPC" "$ERR"
    umount "$MNT"

    # E: masks and a background image every frame (~40 KB each) in 200 KB.
    mount -t tmpfs -o size=200k tmpfs "$MNT"
    run "$B" -q --learning-frames 5 --background-every 1 "$SEQ" -o "$MNT/e"
    missing=$(echo "$ERR" | sed -n "s|^bgsub: $MNT/e/\([^:]*\): .*|\1|p" | head -n 1)
    check_after_failure "full file system, masks and backgrounds" "$MNT/e" "${missing:-?}"
    umount "$MNT"
fi

finish
