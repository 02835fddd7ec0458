#!/bin/sh
# test_streams.sh - network streams as a camera watcher meets them, served by
# ffmpeg on 127.0.0.1 (MPEG-TS over TCP, raw video over TCP, HTTP): a server
# killed mid-stream, a server that stalls, a server restarted (--reconnect),
# --input-format and --input-option reaching libavformat, a transfer of known
# length that ends properly. Each server listens on a port the OS gave as
# free, is killed at the end, and every bgsub run is bounded in time.
. tests/cli/lib.sh

B=$BGSUB_BIN
if [ ! -x "$B" ]; then
    skip "streams" "$B is not built yet (every check skipped)"
    finish; exit
fi
if ! command -v ffmpeg > /dev/null 2>&1 || ! command -v python3 > /dev/null 2>&1; then
    skip "streams" "ffmpeg or python3 is not installed (make deps installs them)"
    finish; exit
fi
if ! ffmpeg -hide_banner -protocols 2> /dev/null | grep -qx ' *tcp'; then
    skip "streams" "this ffmpeg has no tcp protocol"
    finish; exit
fi

PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2> /dev/null; done; }
trap cleanup EXIT INT TERM

# A free port on 127.0.0.1, as the OS hands them out.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Waits (at most 5 s) until something listens on 127.0.0.1:$1.
wait_listen() {
    hex=$(printf '%04X' "$1") i=0
    while ! grep -q "0100007F:$hex 00000000:0000 0A" /proc/net/tcp 2> /dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && return 1; sleep 0.05
    done
}
# serve FILE PORT [ffmpeg output options]: FILE as MPEG-TS over TCP at its
# own pace (-re) to the first client; SERVER is its pid.
serve() {
    file=$1 port=$2; shift 2
    ffmpeg -nostdin -v quiet -re -i "$file" -c copy "$@" -f mpegts "tcp://127.0.0.1:$port?listen=1" &
    SERVER=$!
    PIDS="$PIDS $SERVER"
    wait_listen "$port"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
count() { find "$1" -name 'bin*.png' 2> /dev/null | wc -l; }

# 8 s of 160x120 at 25 frames/s, a keyframe every 25 frames, MPEG-TS
# (MPEG-4 part 2, which any ffmpeg build has, its headers in the stream).
V=$WORK/v.ts
if ! ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=160x120:r=25:d=8" -c:v mpeg4 -q:v 5 -g 25 \
    "$V" 2> "$WORK/ffmpeg.err"; then
    skip "streams" "ffmpeg cannot make the test video: $(head -n 1 "$WORK/ffmpeg.err")"
    finish; exit
fi
L="--learning-frames 5 -q"

# --- a server killed mid-stream ----------------------------------------------------
P=$(free_port)
serve "$V" "$P"
( sleep 2; kill -9 $SERVER ) 2> /dev/null &
run timeout 30 "$B" "tcp://127.0.0.1:$P" --learning-frames 5 -o "$WORK/cut" --stats "$WORK/cut.json"
n=$(count "$WORK/cut")
warn=$(printf '%s\n' "$ERR" | grep -c "^bgsub: warning: tcp://127.0.0.1:$P: the stream ended after $n frames without an end of stream (the connection closed); the masks so far are written$")
[ "$RC" -eq 6 ] && [ "$warn" -eq 1 ] && [ "$n" -ge 25 ] && [ "$n" -le 75 ] &&
    ok "killed mid-stream: a warning naming the stream and its $n frames, status 6" ||
    fail "killed mid-stream" "rc=$RC masks=$n" "$ERR"
printf '%s\n' "$ERR" | grep -q "^bgsub: $n frames (5 learning) 160x120 .*(the stream was cut)$" &&
    ok "killed mid-stream: the summary follows and says the stream was cut" ||
    fail "killed mid-stream: summary" "$ERR"
grep -q '"stream_cut": true' "$WORK/cut.json" && grep -q "\"frames\": $n," "$WORK/cut.json" &&
    ok "killed mid-stream: --stats has stream_cut true and every frame" ||
    fail "killed mid-stream: stats" "$(grep -E 'frames"|stream_cut' "$WORK/cut.json")"
[ -f "$WORK/cut/bin$(printf '%06d' "$n").png" ] && [ ! -e "$WORK/cut/bin$(printf '%06d' $((n + 1))).png" ] &&
    ok "killed mid-stream: masks 1..$n, each whole" || fail "killed mid-stream: masks" "$(ls "$WORK/cut" | tail -n 2)"

# --- a server that stalls (stopped, its connection open) -----------------------------
# The time is from just before the server is stopped to the moment the
# warning reaches a reader of bgsub's stderr (a FIFO): when the timeout
# fired, not the end of the process (whose exit, under a sanitizer on a
# loaded machine, takes its own time); bgsub must exit all the same.
P=$(free_port)
serve "$V" "$P"
mkfifo "$WORK/stall.fifo"
( while IFS= read -r line; do
      printf '%s\n' "$line" >> "$WORK/stall.err"
      case $line in *"no data for"*) now_ms > "$WORK/stall.fired" ;; esac
  done < "$WORK/stall.fifo" ) &
reader=$!
timeout -s KILL 15 "$B" "tcp://127.0.0.1:$P" $L -o "$WORK/stall" --timeout 2 2> "$WORK/stall.fifo" &
bg=$!
PIDS="$PIDS $bg"
sleep 1.5
stopped=$(now_ms)
kill -STOP $SERVER
wait $bg; rc=$?
wait $reader
ended=$(cat "$WORK/stall.fired" 2> /dev/null)
if [ $rc -eq 137 ] || [ $rc -eq 124 ] || [ -z "$ended" ]; then
    fail "stalled: the timeout fires" "status $rc, still running 15 s after the server stopped, or no warning" \
        "$(cat "$WORK/stall.err")"
else
    took=$((ended - stopped))
    [ $rc -eq 6 ] && [ $took -le 3000 ] && [ $took -ge 1500 ] &&
        grep -q "^bgsub: warning: tcp://127.0.0.1:$P: no data for 2 s (--timeout) after [0-9]* frames; the masks so far are written$" "$WORK/stall.err" &&
        ok "stalled: --timeout 2 fires ${took} ms after the server stopped sending (the warning), status 6" ||
        fail "stalled: --timeout 2" "rc=$rc after $took ms" "$(cat "$WORK/stall.err")"
    [ "$(count "$WORK/stall")" -ge 20 ] && ok "stalled: the masks before the stall are written" ||
        fail "stalled: masks" "$(count "$WORK/stall")"
fi
kill -9 $SERVER 2> /dev/null

# --- a server restarted: --reconnect ----------------------------------------------------
P=$(free_port)
serve "$V" "$P"
first=$SERVER
( sleep 2; kill -9 $first; sleep 1
  exec ffmpeg -nostdin -v quiet -re -i "$V" -c copy -f mpegts "tcp://127.0.0.1:$P?listen=1" ) 2> /dev/null &
restarter=$!
PIDS="$PIDS $restarter"
run timeout 30 "$B" "tcp://127.0.0.1:$P" --learning-frames 5 -o "$WORK/re" --reconnect --frames 120 \
    --stats "$WORK/re.json"
kill -9 $restarter 2> /dev/null
n=$(count "$WORK/re")
gap=$(sed -n 's/^  "gap_seconds": \([0-9.]*\),$/\1/p' "$WORK/re.json")
[ "$RC" -eq 0 ] && [ "$n" -eq 120 ] && [ -f "$WORK/re/bin000120.png" ] &&
    ok "restarted: --reconnect goes on; masks 1..120 are all written (the ones after the gap too)" ||
    fail "restarted: --reconnect" "rc=$RC masks=$n" "$ERR"
printf '%s\n' "$ERR" | grep -q "^bgsub: warning: tcp://127.0.0.1:$P: the stream ended after [0-9]* frames without an end of stream (the connection closed); reconnecting (--reconnect)$" &&
    printf '%s\n' "$ERR" | grep -q "^bgsub: tcp://127.0.0.1:$P: reconnected after [0-9.]* s without frames; frames go on from number [0-9]*$" &&
    ok "restarted: the cut and the reconnection are each a line" || fail "restarted: messages" "$ERR"
printf '%s\n' "$ERR" | grep -q "^bgsub: 120 frames .*, 1 reconnection ([0-9.]* s without frames)$" &&
    grep -q '"reconnects": 1,' "$WORK/re.json" && awk -v g="$gap" 'BEGIN { exit !(g >= 0.9 && g < 10) }' &&
    ok "restarted: the summary and --stats count the reconnection and its gap (${gap} s)" ||
    fail "restarted: summary and stats" "gap=$gap" "$ERR"

# --- --input-format and --input-option reach libavformat ---------------------------------
# Raw gray frames over TCP: nothing to probe, so only the options tell
# libavformat what they are.
P=$(free_port)
ffmpeg -nostdin -v quiet -re -f lavfi -i "testsrc2=s=64x48:r=25:d=2" -pix_fmt gray -f rawvideo \
    "tcp://127.0.0.1:$P?listen=1" &
SERVER=$!; PIDS="$PIDS $SERVER"
wait_listen "$P"
run timeout 30 "$B" "tcp://127.0.0.1:$P" $L -o "$WORK/raw" --input-format rawvideo \
    --input-option video_size=64x48 --input-option pixel_format=gray --input-option framerate=25
size=$(python3 -c 'import struct, sys; d = open(sys.argv[1], "rb").read(24); print("%dx%d" % struct.unpack(">II", d[16:24]))' "$WORK/raw/bin000001.png" 2> /dev/null)
[ "$RC" -eq 6 ] && [ "$size" = 64x48 ] && [ "$(count "$WORK/raw")" -eq 50 ] &&
    ok "--input-format rawvideo --input-option video_size=64x48 ...: 50 masks of 64x48 from raw frames over TCP" ||
    fail "input options over TCP" "rc=$RC size=$size masks=$(count "$WORK/raw")" "$ERR"
P=$(free_port)
ffmpeg -nostdin -v quiet -re -f lavfi -i "testsrc2=s=64x48:r=25:d=2" -pix_fmt gray -f rawvideo \
    "tcp://127.0.0.1:$P?listen=1" &
SERVER=$!; PIDS="$PIDS $SERVER"
wait_listen "$P"
run timeout 30 "$B" "tcp://127.0.0.1:$P" $L -o "$WORK/raw2" --timeout 3
[ "$RC" -ne 0 ] && [ "$(count "$WORK/raw2")" -eq 0 ] &&
    ok "... and without them the same stream gives no masks (status $RC)" || fail "raw without options" "rc=$RC" "$ERR"
kill -9 $SERVER 2> /dev/null
run "$B" "$V" --learning-frames 5 --frames 3 -o "$WORK/leftover" --input-option rtsp_transport=tcp
printf '%s\n' "$ERR" | grep -q "^bgsub: note: $V: --input-option rtsp_transport does not apply to this input (mpegts); passed over$" && [ "$RC" -eq 0 ] &&
    ok "an option this input does not take: a note, and the run goes on" || fail "leftover option" "rc=$RC" "$ERR"
expect_error "an option no part of FFmpeg has" 2 "^bgsub: --input-option: 'rtsp_transprot=tcp': no input, protocol or device of FFmpeg has an option 'rtsp_transprot'$" \
    "$B" "$V" -o "$WORK/x" --input-option rtsp_transprot=tcp
expect_error "--input-option without =" 2 "^bgsub: --input-option: needs KEY=VALUE" "$B" "$V" -o "$WORK/x" --input-option timeout
expect_error "--input-format unknown" 2 "^bgsub: --input-format: FFmpeg has no input format 'mpegtss'" \
    "$B" "$V" -o "$WORK/x" --input-format mpegtss
expect_error "--timeout -1" 2 "^bgsub: --timeout needs seconds" "$B" "$V" -o "$WORK/x" --timeout -1
[ ! -e "$WORK/x" ] && ok "bad stream options: refused before any work" || fail "bad stream options left output"

# --- opening a server that never answers ---------------------------------------------------
# A listening socket that accepts and sends nothing.
P=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4)
c = s.accept(); time.sleep(20)' "$P" &
SERVER=$!; PIDS="$PIDS $SERVER"
wait_listen "$P"
t0=$(now_ms)
expect_error "a stream that sends nothing at all: cannot open, after --timeout" 3 \
    "^bgsub: tcp://127.0.0.1:$P: cannot open: no data for 1 s \(--timeout\)$" \
    timeout 20 "$B" "tcp://127.0.0.1:$P" -o "$WORK/silent" --timeout 1
took=$(($(now_ms) - t0))
[ $took -le 2500 ] && ok "... within --timeout + 1 s (${took} ms)" || fail "silent server timing" "$took ms"
kill -9 $SERVER 2> /dev/null

# --- a transfer of known length ends properly (HTTP, Content-Length) ---------------------------
ffmpeg -nostdin -v error -y -i "$V" -c copy -t 2 "$WORK/www.ts"
P=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$WORK" "$P" > /dev/null 2>&1 &
SERVER=$!; PIDS="$PIDS $SERVER"
if wait_listen "$P"; then
    run timeout 30 "$B" "http://127.0.0.1:$P/www.ts" $L -o "$WORK/www"
    [ "$RC" -eq 0 ] && [ -z "$ERR" ] && [ "$(count "$WORK/www")" -eq 50 ] &&
        ok "HTTP with a Content-Length read to its end: a proper end, status 0, 50 masks" ||
        fail "HTTP transfer" "rc=$RC masks=$(count "$WORK/www")" "$ERR"
else
    skip "HTTP transfer" "python3 -m http.server did not start"
fi
kill -9 $SERVER 2> /dev/null

# --- a file is no network stream ------------------------------------------------------------
run "$B" "$V" $L -o "$WORK/file" --timeout 1
[ "$RC" -eq 0 ] && [ "$(count "$WORK/file")" -eq 200 ] && ok "a file ends properly (status 0, 200 masks)" ||
    fail "file" "rc=$RC" "$ERR"

finish
