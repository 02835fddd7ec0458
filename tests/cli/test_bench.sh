#!/bin/sh
# test_bench.sh - `bgsub bench`: the model alone on a synthetic scene and on
# a video's frames, on one and on two threads; the whole command on a video,
# its temporary masks removed afterwards; model parameters given to both;
# bad options and inputs refused with one line. Speeds are machine-dependent,
# so only their presence and sanity are checked here (make bench measures).
. tests/cli/lib.sh

B=$BGSUB_BIN
SYNTH=$BUILD/tools/synth
VIDEO=samples/sample.mp4

# number LABEL: the frames/s after LABEL in $OUT ("  1 thread   6152.8 frames/s").
number() { printf '%s\n' "$OUT" | sed -n "s/^  $1 *\([0-9.]*\) frames\/s.*/\1/p" | head -1; }
positive() { awk -v v="$1" 'BEGIN { exit !(v + 0 > 0) }'; }

expect_status "bench --help exits 0" 0 "$B" bench --help
printf '%s\n' "$OUT" | grep -q '^Usage: bgsub bench' && ok "bench --help prints its usage" ||
    fail "bench --help prints its usage" "$OUT"

# --- synthetic scene, two threads -------------------------------------------
run "$B" bench --size 160x120 --frames 6 --repeat 3 -j 2
one=$(number "1 thread"); two=$(number "2 threads")
if [ "$RC" -eq 0 ] && positive "$one" && positive "$two" &&
    printf '%s\n' "$OUT" | grep -q '^bgsub bench: synthetic scene, 160x120 colour$' &&
    printf '%s\n' "$OUT" | grep -q '^model alone: 6 frames in memory (0.3 MB); model: 3 components, 32 bytes/pixel' &&
    printf '%s\n' "$OUT" | grep -Eq '^  2 threads .*[0-9]\.[0-9]{2}x one thread$' &&
    printf '%s\n' "$OUT" | grep -q 'peak RSS [0-9.]* MB' &&
    ! printf '%s\n' "$OUT" | grep -q 'whole command'; then
    ok "synthetic scene: 1 thread $one, 2 threads $two frames/s, no whole command"
else fail "synthetic scene on 1 and 2 threads" "rc=$RC" "$OUT" "$ERR"; fi

# The timed passes last about a quarter of a second each: 3 passes of each
# model cannot take under 1.5 s, and the passes say how long they are.
frames=$(printf '%s\n' "$OUT" | sed -n 's/.*each \([0-9]*\) frames.*/\1/p')
[ -n "$frames" ] && [ "$frames" -ge 10 ] && ok "passes of $frames frames (the 6 frames forward and back, repeated)" ||
    fail "pass length" "$OUT"

# --- gray, one thread, parameters -------------------------------------------
run "$B" bench --size 64x48 --frames 3 --repeat 1 -j 1 --gray --components 2
if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q '^bgsub bench: synthetic scene, 64x48 gray$' &&
    printf '%s\n' "$OUT" | grep -q 'model: 2 components, 14 bytes/pixel' &&
    printf '%s\n' "$OUT" | grep -q '^  1 thread' && ! printf '%s\n' "$OUT" | grep -q 'threads'; then
    ok "gray, 2 components (14 bytes/pixel), -j 1: one model only"
else fail "gray, 2 components, -j 1" "rc=$RC" "$OUT" "$ERR"; fi

# --- a video: model and whole command ---------------------------------------
if [ -f "$VIDEO" ]; then
    mkdir -p "$WORK/tmp"
    export TMPDIR="$WORK/tmp"
    run "$B" bench --frames 20 --repeat 1 -j 2 "$VIDEO"
    line=$(printf '%s\n' "$OUT" | grep -A1 '^whole command: bgsub -q -j 2 ' | tail -1)
    if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q "^bgsub bench: $VIDEO, 320x240 colour$" &&
        printf '%s\n' "$OUT" | grep -q '^model alone: 20 frames in memory (4.6 MB)' &&
        printf '%s\n' "$OUT" | grep -q '^  2 threads .*x one thread$' &&
        printf '%s\n' "$line" | grep -Eq '^  300 frames in [0-9.]+ s: [0-9.]+ frames/s, CPU [0-9.]+ s, peak RSS [0-9.]+ MB$'; then
        ok "video: model on its first 20 frames, whole command wrote all 300 masks"
    else fail "video: model and whole command" "rc=$RC" "$OUT" "$ERR"; fi
    # Where the masks went, and on what (the speed depends on it): the
    # file system's kind as stat(1) names it (ext2/ext3 for the magic that
    # ext4 shares).
    kind=$(stat -f -c %T "$TMPDIR" 2> /dev/null)
    where=$(printf '%s\n' "$OUT" | sed -n 's/^whole command: .* -o TEMP (a new folder in \(.*\); TMPDIR chooses)$/\1/p')
    case $kind in
        tmpfs) want="$TMPDIR for each run, tmpfs, in memory" ;;
        ext2/ext3) want="$TMPDIR for each run, ext2/3/4" ;;
        *) want="" ;;
    esac
    if [ -z "$kind" ] || [ -z "$want" ]; then
        skip "the whole command's file system" "stat -f names $TMPDIR's '$kind', not a kind checked here"
    elif [ "$where" = "$want" ]; then
        ok "the whole command's folder and file system: $where"
    else fail "the whole command's folder and file system" "got '$where', want '$want'" "$OUT"; fi
    # The runs below ask what the whole command and the decoder are given,
    # not how much of a video they get through: they take the sample's
    # first 50 frames (320x240, from its first keyframe, copied): a third
    # less CPU for this script. Without the ffmpeg program, the sample
    # itself.
    CLIP=$VIDEO CLIP_N=300
    if command -v ffmpeg > /dev/null 2>&1 &&
        ffmpeg -nostdin -v error -y -i "$VIDEO" -frames:v 50 -c copy "$WORK/clip50.mp4" 2> /dev/null; then
        CLIP=$WORK/clip50.mp4 CLIP_N=50
    fi
    # Decoding only, in turns with the whole command: the ffmpeg program on
    # the same video and threads; the ratio printed is the whole command's
    # frames/s over the decoder's, recomputed here from the two lines (one
    # run each: the median of one ratio is that ratio).
    if command -v ffmpeg > /dev/null 2>&1; then
        fps_after() { printf '%s\n' "$OUT" | grep -A1 "^$1" | tail -1 |
            sed -n 's/^  300 frames in [0-9.]* s: \([0-9.]*\) frames\/s.*/\1/p'; }
        whole=$(fps_after 'whole command:'); decoded=$(fps_after 'decoding only:')
        ratio=$(printf '%s\n' "$OUT" | sed -n 's/^  whole command \/ decoding only: \([0-9.]*\) of .*(median of 1 run in turns)$/\1/p')
        if printf '%s\n' "$OUT" | grep -q "^decoding only: ffmpeg -threads 2 -i $VIDEO -f null -$" &&
            positive "$decoded" && awk -v w="$whole" -v d="$decoded" -v r="$ratio" \
                'BEGIN { exit !(r != "" && d > 0 && (r - w / d) ^ 2 < 0.006 ^ 2) }'; then
            ok "decoding only: ffmpeg on 2 threads, $decoded frames/s; ratio $ratio = $whole / $decoded"
        else fail "decoding only and the ratio" "whole=$whole decoded=$decoded ratio=$ratio" "$OUT"; fi
        run "$B" bench --frames 2 --repeat 3 -j 1 "$CLIP"
        [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q "^decoding only: ffmpeg -threads 1 " &&
            printf '%s\n' "$OUT" | grep -Eq '^  whole command / decoding only: [0-9.]+ of .*\(median of 3 runs in turns\)$' &&
            ok "--repeat 3: three runs of each in turns, -j 1 gives the decoder one thread" ||
            fail "--repeat 3 runs of each" "rc=$RC" "$OUT" "$ERR"
    else
        skip "decoding only" "the ffmpeg program is not installed (make deps installs it)"
    fi
    # Without the ffmpeg program the whole command is still measured and the
    # decoding is said to be not measured, not failed.
    run env PATH=/nonexistent "$B" bench --frames 2 --repeat 1 -j 1 "$CLIP"
    [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q "^  $CLIP_N frames in" &&
        printf '%s\n' "$OUT" | grep -q '^decoding only: .*: not measured (the ffmpeg program was not found)$' &&
        ok "no ffmpeg program: decoding only not measured, the rest measured, status 0" ||
        fail "bench without ffmpeg" "rc=$RC" "$OUT" "$ERR"
    # A name that starts with '-' reaches the whole command and the decoder
    # as the input.
    cp "$CLIP" "$WORK/-dash.mp4"
    here=$(pwd)
    cd "$WORK" && run "$B" bench --frames 2 --repeat 1 -j 1 -- -dash.mp4
    cd "$here" || exit 1
    printf '%s\n' "$OUT" | grep -q "^  $CLIP_N frames in" && [ "$RC" -eq 0 ] &&
        { ! command -v ffmpeg > /dev/null 2>&1 ||
            printf '%s\n' "$OUT" | grep -q '^  whole command / decoding only: '; } &&
        ok "a video named -dash.mp4 (after --) reaches the whole command and the decoder" ||
        fail "video named -dash.mp4" "rc=$RC" "$OUT" "$ERR"
    # The masks go under TMPDIR: one that does not exist fails, naming it.
    TMPDIR=$WORK/missing expect_error "TMPDIR is where the masks go (a missing one: status 1)" 1 \
        "missing/bgsub-bench.*cannot make a temporary folder" "$B" bench --frames 2 --repeat 1 "$CLIP"
    export TMPDIR="$WORK/tmp"
    left=$(find "$WORK/tmp" -mindepth 1 | head -3)
    [ -z "$left" ] && ok "the whole command's temporary masks are removed" ||
        fail "temporary masks removed" "left: $left"

    # Each run writes to a folder of its own, and no mask is deleted before
    # the last run has started: deleting thousands of files slows the next
    # ones made (ext4 without a journal passes over recently deleted inodes),
    # so deleting one run's masks slowed the next run. Seen in the calls the
    # bench makes (strace): the children's -o folders, and where the first
    # removal of a mask comes against the last child's start. Unless the
    # disk cannot hold another run's masks with room to spare (a 64 MB file
    # system, in a private mount namespace): then each run's are removed
    # before the next, and a line says so.
    # bench_calls TRACE: "FOLDERS ORDER": distinct -o folders of the whole
    # command's runs, and "kept" when the first mask removed comes after the
    # last run's start, "removed" when before.
    bench_calls() {
        folders=$(grep 'execve("/proc/self/exe"' "$1" | sed -n 's/.*"-o", "\([^"]*\)".*/\1/p' | sort -u | wc -l)
        last_run=$(grep -n 'execve("/proc/self/exe"' "$1" | tail -1 | cut -d: -f1)
        first_removal=$(grep -n 'unlinkat(.*\.png"' "$1" | head -1 | cut -d: -f1)
        order=none
        [ -n "$first_removal" ] && [ -n "$last_run" ] &&
            if [ "$first_removal" -gt "$last_run" ]; then order=kept; else order=removed; fi
        echo "$folders $order"
    }
    # LeakSanitizer cannot run under ptrace (a sanitizer build's program
    # then fails at exit), so those runs go without it; every other run of
    # the bench here has it.
    no_lsan="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    if command -v strace > /dev/null 2>&1; then
        run env "$no_lsan" strace -f -qq -s 4096 -e trace=execve,unlinkat -o "$WORK/bench.trace" \
            "$B" bench --frames 2 --repeat 3 -j 1 "$CLIP"
        calls=$(bench_calls "$WORK/bench.trace")
        [ "$RC" -eq 0 ] && [ "$calls" = "3 kept" ] &&
            ! printf '%s\n' "$OUT" | grep -q 'could not hold' &&
            ok "three runs, three folders; no mask deleted before the last run started" ||
            fail "each run's masks kept until the last run" "rc=$RC calls='$calls' (want '3 kept')" "$OUT" "$ERR"
        if unshare -m true 2> /dev/null; then
            mkdir -p "$WORK/small"
            run unshare -m sh -c 'mount -t tmpfs -o size=64m bench-small "$1" && shift && exec "$@"' sh \
                "$WORK/small" env TMPDIR="$WORK/small" "$no_lsan" \
                strace -f -qq -s 4096 -e trace=execve,unlinkat -o "$WORK/small.trace" \
                "$B" bench --frames 2 --repeat 2 -j 1 "$CLIP"
            calls=$(bench_calls "$WORK/small.trace")
            [ "$RC" -eq 0 ] && [ "$calls" = "2 removed" ] &&
                printf '%s\n' "$OUT" | grep -q "^  (the disk could not hold every run's masks: " &&
                printf '%s\n' "$OUT" | grep -q "^  $CLIP_N frames in" &&
                ok "a disk without room for another run: each run's masks removed before the next, said" ||
                fail "nearly full disk" "rc=$RC calls='$calls' (want '2 removed')" "$OUT" "$ERR"
        else
            skip "nearly full disk" "no private mount namespace here (unshare -m needs root)"
        fi
    else
        skip "each run's masks kept until the last run" "strace is not installed"
    fi

    # Model parameters are passed on to the whole command (as --NAME=VALUE);
    # it accepts them and writes every mask.
    run "$B" bench --frames 2 --repeat 1 -j 1 --learning-frames 299 "$CLIP"
    printf '%s\n' "$OUT" | grep -q "^  $CLIP_N frames in" && [ "$RC" -eq 0 ] &&
        printf '%s\n' "$OUT" | grep -q '^whole command: bgsub -q -j 1 --learning-frames=299 ' &&
        ok "model parameters are passed on to the whole command" ||
        fail "parameters and the whole command" "rc=$RC" "$OUT" "$ERR"
    # ... and act there: 8 components hold 8 x 10 bytes a colour pixel
    # against 10 for one, 5.4 MB more at 320x240; the child's peak RSS shows
    # it (measured 44.7 against 49.8 MB on the whole sample, 45.0 against
    # 52.0 MB on its first 50 frames).
    rss() { printf '%s\n' "$1" | sed -n "s/^  $CLIP_N frames in .*peak RSS \([0-9.]*\) MB\$/\1/p"; }
    run "$B" bench --frames 2 --repeat 1 -j 1 --components 1 "$CLIP"; r1=$(rss "$OUT")
    run "$B" bench --frames 2 --repeat 1 -j 1 --components 8 "$CLIP"; r8=$(rss "$OUT")
    awk -v a="$r1" -v b="$r8" 'BEGIN { exit !(a != "" && b != "" && b - a >= 4) }' &&
        ok "--components reaches the whole command (peak RSS $r1 -> $r8 MB)" ||
        fail "--components in the whole command" "peak RSS $r1 with 1, $r8 with 8"
    unset TMPDIR
else
    skip "bench on a video" "$VIDEO not found"
fi

# --- bad options and inputs -------------------------------------------------
expect_error "missing video: status 3, one line naming it" 3 "nonexistent\.mp4" \
    "$B" bench "$WORK/nonexistent.mp4"
[ -z "$OUT" ] && ok "missing video: nothing on stdout" || fail "missing video: stdout" "$OUT"
expect_error "--frames 1 refused" 2 "--frames needs a whole number in 2\.\.10000" "$B" bench --frames 1
expect_error "--repeat 0 refused" 2 "--repeat needs a whole number in 1\.\.99" "$B" bench --repeat 0
expect_error "--size 8x8 refused" 2 "--size needs WxH" "$B" bench --size 8x8
expect_error "--size with junk refused" 2 "--size needs WxH" "$B" bench --size 64x48x
expect_error "-j 300 refused" 2 "-j needs a whole number in 0\.\.256" "$B" bench -j 300
expect_error "frames beyond half the memory refused" 2 "more than half of this machine" \
    "$B" bench --frames 10000 --size 16384x16384
expect_error "stdin refused" 2 "cannot take stdin" "$B" bench -
expect_error "two videos refused" 2 "one VIDEO at most" "$B" bench a.mp4 b.mp4
expect_error "unknown option refused" 2 "unknown option '--nope'" "$B" bench --nope
expect_error "bad parameter refused" 2 "alpha" "$B" bench --alpha 7
if [ -x "$SYNTH" ]; then
    "$SYNTH" -o "$WORK/one" --width 32 --height 32 --frames 1 --learn 0 > /dev/null 2>&1
    expect_error "a one-frame input: status 3" 3 "only one frame" "$B" bench "$WORK/one/input"
else
    skip "one-frame input" "$SYNTH not built"
fi

finish
