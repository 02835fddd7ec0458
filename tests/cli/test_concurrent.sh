#!/bin/sh
# test_concurrent.sh - several inputs at the same time (--concurrent, the
# default when one is a network stream): the same masks as one after the
# other, a summary per input naming it, a failing input next to good ones
# (status 7), the default for a live input seen by the order the runs end
# in, and an interrupt. Streams are served by ffmpeg on 127.0.0.1.
. tests/cli/lib.sh

B=$BGSUB_BIN
if [ ! -x "$B" ]; then
    skip "concurrent" "$B is not built yet (every check skipped)"
    finish; exit
fi
if ! command -v ffmpeg > /dev/null 2>&1 || ! command -v python3 > /dev/null 2>&1; then
    skip "concurrent" "ffmpeg or python3 is not installed (make deps installs them)"
    finish; exit
fi
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2> /dev/null; done; }
trap cleanup EXIT INT TERM

# Two different 160x120 videos (10 s, 250 frames) with motion.
for c in 1 2; do
    ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=160x120:r=25:d=10" -vf "hue=h=$((c * 90))" \
        -c:v mpeg4 -q:v 4 -g 25 "$WORK/in$c.ts" 2> "$WORK/ffmpeg.err" ||
        { skip "concurrent" "ffmpeg cannot make the test videos: $(head -n 1 "$WORK/ffmpeg.err")"; finish; exit; }
done
L="--learning-frames 10"

# --- the same masks as one after the other ------------------------------------------
run "$B" $L -q "$WORK/in1.ts" "$WORK/in2.ts" -o "$WORK/seq" --sequential --stats s.json
seq_rc=$RC
run "$B" $L "$WORK/in1.ts" "$WORK/in2.ts" -o "$WORK/con" --concurrent --stats s.json
same=1
for i in in1 in2; do
    n=$(ls "$WORK/con/$i" | grep -c '^bin.*png$')
    [ "$n" -eq 250 ] || same=0
    for f in "$WORK/seq/$i"/bin*.png; do cmp -s "$f" "$WORK/con/$i/${f##*/}" || { same=0; break; }; done
done
[ "$RC" -eq 0 ] && [ "$seq_rc" -eq 0 ] && [ $same -eq 1 ] &&
    ok "--concurrent: each input's 250 masks are those of a run one after the other" ||
    fail "--concurrent masks" "rc=$RC seq_rc=$seq_rc" "$ERR"
printf '%s\n' "$ERR" | grep -q "^bgsub: $WORK/in1.ts: 250 frames (10 learning) 160x120 " &&
    printf '%s\n' "$ERR" | grep -q "^bgsub: $WORK/in2.ts: 250 frames (10 learning) 160x120 " &&
    printf '%s\n' "$ERR" | tail -n 1 | grep -qx 'bgsub: 2 inputs: 2 done, 0 failed' &&
    ok "--concurrent: a summary per input, naming it, then the run's line" || fail "--concurrent summaries" "$ERR"
grep -q '"frames": 250,' "$WORK/con/in1/s.json" && grep -q "\"input\": \"$WORK/in2.ts\"" "$WORK/con/in2/s.json" &&
    ok "--concurrent: --stats in each input's folder, about that input" || fail "--concurrent stats"

# --- a failing input next to good ones ----------------------------------------------------
head -c 20000 /dev/urandom > "$WORK/junk.ts"
run "$B" $L "$WORK/in1.ts" "$WORK/junk.ts" "$WORK/in2.ts" -o "$WORK/fail" --concurrent
[ "$RC" -eq 7 ] && [ "$(ls "$WORK/fail/in1" | grep -c '^bin')" -eq 250 ] &&
    [ "$(ls "$WORK/fail/in2" | grep -c '^bin')" -eq 250 ] &&
    printf '%s\n' "$ERR" | grep -q "^bgsub: $WORK/junk.ts: " &&
    printf '%s\n' "$ERR" | tail -n 1 | grep -qx "bgsub: 3 inputs: 2 done, 1 failed ($WORK/junk.ts)" &&
    ok "a failing input next to two good ones: reported, the others done, status 7" ||
    fail "failing input next to good ones" "rc=$RC" "$ERR"
run "$B" $L -q "$WORK/junk.ts" "$WORK/none.ts" -o "$WORK/allfail" --concurrent
[ "$RC" -eq 3 ] && ok "every input failing: the first failure's status (3)" || fail "all failing" "rc=$RC" "$ERR"

# --- a network stream: at the same time by default ------------------------------------------
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_listen() {
    hex=$(printf '%04X' "$1") i=0
    while ! grep -q "0100007F:$hex 00000000:0000 0A" /proc/net/tcp 2> /dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && return 1; sleep 0.05
    done
}
if ffmpeg -hide_banner -protocols 2> /dev/null | grep -qx ' *tcp'; then
    # The stream sends 4 s at its pace; the file, the first second of in1.ts
    # (25 frames, under the same name), takes a fraction of a second. (All
    # 250 frames of in1.ts took 9.4 s under the sanitizers on a loaded
    # machine: longer than the stream, and the order of the ends turned.)
    ffmpeg -nostdin -v error -y -i "$WORK/in2.ts" -t 4 -c copy "$WORK/short.ts"
    mkdir -p "$WORK/brief"
    ffmpeg -nostdin -v error -y -i "$WORK/in1.ts" -t 1 -c copy "$WORK/brief/in1.ts"
    for mode in default sequential; do
        P=$(free_port)
        ffmpeg -nostdin -v quiet -re -i "$WORK/short.ts" -c copy -f mpegts "tcp://127.0.0.1:$P?listen=1" &
        PIDS="$PIDS $!"
        wait_listen "$P"
        flag=""; [ $mode = sequential ] && flag=--sequential
        run timeout 40 "$B" $L $flag "tcp://127.0.0.1:$P" "$WORK/brief/in1.ts" -o "$WORK/live-$mode"
        # Each summary line ends with its folder: DIR/in1 or DIR/127.0.0.1-PORT.
        order=$(printf '%s\n' "$ERR" | sed -n "s|^bgsub: .*masks in $WORK/live-$mode/in1[;,].*|file|p; s|^bgsub: .*masks in $WORK/live-$mode/127.0.0.1-$P[;,].*|stream|p" | tr '\n' ' ')
        if [ $mode = default ]; then
            [ "$order" = "file stream " ] && [ "$RC" -eq 7 ] &&
                ok "a network stream among the inputs: all at once by default (the file is done while the stream goes on)" ||
                fail "live default" "rc=$RC order=$order" "$ERR"
        else
            [ "$order" = "stream file " ] && ok "--sequential: one after the other, in order" ||
                fail "--sequential with a stream" "rc=$RC order=$order" "$ERR"
        fi
    done
else
    skip "a network stream among the inputs" "this ffmpeg has no tcp protocol"
fi

# --- an interrupt ends every input, each keeping its masks -----------------------------------
mkfifo "$WORK/f1" "$WORK/f2"
"$B" $L "$WORK/f1" "$WORK/f2" -o "$WORK/int" --concurrent --input-format mpegts 2> "$WORK/int.err" &
pid=$!; PIDS="$PIDS $pid"
exec 5> "$WORK/f1" 6> "$WORK/f2"
( head -c 60000 "$WORK/in1.ts" >&5; head -c 60000 "$WORK/in2.ts" >&6 ) 2> /dev/null
sleep 1.5
kill -INT $pid
i=0; while kill -0 $pid 2> /dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
if kill -0 $pid 2> /dev/null; then
    kill -9 $pid; fail "interrupt" "still running 5 s after SIGINT"
else
    wait $pid; rc=$?
    [ $rc -eq 130 ] && [ "$(ls "$WORK/int/f1" | grep -c '^bin')" -gt 0 ] && [ "$(ls "$WORK/int/f2" | grep -c '^bin')" -gt 0 ] &&
        [ "$(grep -c '(interrupted)$' "$WORK/int.err")" -ge 3 ] &&
        ok "SIGINT: every input stops, its masks kept, status 130" || fail "interrupt" "rc=$rc" "$(cat "$WORK/int.err")"
fi
exec 5>&- 6>&-

finish
