#!/bin/sh
# test_bad_inputs.sh - a table of bad inputs and outputs, each checked the
# way a user meets it: the exit status (2 usage, 3 input, 4 output; see
# `bgsub --help`) and exactly one line on stderr that says what is wrong,
# naming the file. Every row is
#   row DESCRIPTION SETUP COMMAND STATUS REGEX
# SETUP is shell run first to make the bad input (a setup that fails skips
# the row, with $why as the reason); COMMAND is the command line, as shell
# words; REGEX (grep -E) must match the one stderr line. A row with status 0
# is a positive check: the command must succeed silently (with -q where it
# would print a summary). Each row gets an output folder of its own, $O.
. tests/cli/lib.sh

SYNTH=$BUILD/tools/synth
B=$BGSUB_BIN
W=$WORK

# --- helpers to craft bytes ---------------------------------------------------
# bytes HEX...: those bytes on stdout (one printf, no subshell per byte).
bytes() {
    s=''
    for h in "$@"; do v=$((0x$h)); s="$s\\$((v >> 6))$((v >> 3 & 7))$((v & 7))"; done
    printf "$s"
}
# patch FILE OFFSET HEX...: overwrite bytes of FILE from OFFSET on.
patch() { f=$1 o=$2; shift 2; bytes "$@" | dd of="$f" bs=1 seek="$o" conv=notrunc 2> /dev/null; }
# be32 N / be16 N / le32 N / le16 N: the hex bytes of N.
be32() { printf '%02x %02x %02x %02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
be16() { printf '%02x %02x' $(($1 >> 8 & 255)) $(($1 & 255)); }
le32() { printf '%02x %02x %02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
le16() { printf '%02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)); }
# crc32 FILE OFFSET COUNT: big-endian hex of the CRC-32 of those bytes (the
# trailer of a gzip stream holds it, little-endian).
crc32() {
    dd if="$1" bs=1 skip="$2" count="$3" 2> /dev/null | gzip -c | tail -c 8 | head -c 4 |
        od -An -tx1 | awk '{ print $4, $3, $2, $1 }'
}
# find_bytes FILE HEX...: offset of the first run of those bytes in FILE.
find_bytes() {
    f=$1; shift
    od -An -tx1 -v "$f" | tr -s ' \n' '\n\n' | awk -v want="$*" '
        BEGIN { n = split(want, w, " ") }
        NF { b[i++] = $1 }
        END { for (s = 0; s + n <= i; s++) { for (k = 1; k <= n && b[s + k - 1] == w[k]; k++);
                                             if (k > n) { print s; exit } } }'
}
# u32 FILE OFFSET: the big-endian 32-bit number there.
u32() { od -An -tu1 -j "$2" -N 4 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }'; }
# png_chunk TYPE HEX...: a PNG chunk (length, type, data, CRC) on stdout.
png_chunk() {
    t=$1; shift
    bytes $(be32 $#); { printf '%s' "$t"; bytes "$@"; } > "$W/chunk.bin"
    cat "$W/chunk.bin"; bytes $(crc32 "$W/chunk.bin" 0 $((4 + $#)))
}
# png_damage_idat FILE: garbage inside the first IDAT's compressed data,
# with the chunk's CRC made valid again, so only zlib can notice.
png_damage_idat() {
    at=$(($(find_bytes "$1" 49 44 41 54) - 4)); len=$(u32 "$1" $at)
    patch "$1" $((at + 8 + len / 2)) de ad be ef 55 aa
    patch "$1" $((at + 8 + len)) $(crc32 "$1" $((at + 4)) $((len + 4)))
}
# jpeg_scans FILE N: an 8x8 gray progressive JPEG whose DC scan comes N
# times, N a power of two (libjpeg only warns of the repeats, and decodes
# every scan).
jpeg_scans() {
    bytes ff da 00 08 01 01 00 00 00 00 7f > "$W/scans.bin"
    n=1; while [ $n -lt "$2" ]; do cat "$W/scans.bin" "$W/scans.bin" > "$W/scans2.bin"
                                    mv "$W/scans2.bin" "$W/scans.bin"; n=$((n * 2)); done
    { bytes ff d8 ff db 00 43 00 $(i=0; while [ $i -lt 64 ]; do echo 01; i=$((i + 1)); done)
      bytes ff c2 00 0b 08 00 08 00 08 01 01 11 00
      bytes ff c4 00 14 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
      cat "$W/scans.bin"; bytes ff d9; } > "$1"
}
# png_set_size FILE W H: new IHDR width and height, with a valid CRC.
png_set_size() {
    patch "$1" 16 $(be32 "$2") $(be32 "$3")
    patch "$1" 29 $(crc32 "$1" 12 17)
}
# jpeg_set_size FILE W H: new size in the first SOF0/1/2 segment.
jpeg_set_size() {
    at=$(od -An -tx1 -v "$1" | tr -s ' \n' '\n\n' | awk 'NF {
        if (prev == "ff" && ($1 == "c0" || $1 == "c1" || $1 == "c2")) { print n - 1; exit }
        prev = $1; n++ }')
    [ -n "$at" ] && patch "$1" $((at + 5)) $(be16 "$3") $(be16 "$2")
}
# bmp FILE W H BITS: a BMP header (BITMAPINFOHEADER, no palette) and zero pixels.
bmp() {
    rowb=$(( ($2 * $4 + 31) / 32 * 4 ))
    { bytes 42 4d $(le32 $((54 + rowb * $3))) 00 00 00 00 $(le32 54) \
            $(le32 40) $(le32 "$2") $(le32 "$3") $(le16 1) $(le16 "$4") $(le32 0) \
            $(le32 $((rowb * $3))) $(le32 2835) $(le32 2835) $(le32 0) $(le32 0)
      head -c $((rowb * $3)) /dev/zero; } > "$1"
}
# seqdir DIR FILE...: a folder holding copies of FILEs as in000001.png, ...
seqdir() {
    d=$1; shift; mkdir -p "$d"; i=1
    for f in "$@"; do cp "$f" "$d/$(printf 'in%06d.png' $i)"; i=$((i + 1)); done
}
not_root() { why="running as root, which reads and writes whatever the mode"; [ "$(id -u)" -ne 0 ]; }
have_ffmpeg() { why="ffmpeg CLI not installed (make deps installs it)"; command -v ffmpeg > /dev/null 2>&1; }

# --- the table's runner ---------------------------------------------------------
ROWS=0
row() {
    desc=$1 setup=$2 cmd=$3 want=$4 re=$5
    ROWS=$((ROWS + 1)) O=$W/out$ROWS # an output folder of its own
    why="setup failed: $setup"
    if ! eval "$setup" > "$W/setup.log" 2>&1; then
        case $why in setup*) why="$why: $(head -n 1 "$W/setup.log")";; esac
        skip "$desc" "$why"
        return
    fi
    eval "set -- $cmd"
    if [ "$want" -eq 0 ]; then
        run "$@"
        if [ "$RC" -eq 0 ] && [ -z "$ERR" ]; then ok "$desc"; else
            fail "$desc" "exit status $RC, expected 0 and a silent run" "stderr: $ERR"; fi
    else
        expect_error "$desc" "$want" "$re" "$@"
    fi
}

# --- material -------------------------------------------------------------------
"$SYNTH" -o "$W/seq" --width 32 --height 32 --frames 6 --learn 2 --seed 3 > /dev/null 2>&1
"$SYNTH" -o "$W/gseq" --gray --width 32 --height 32 --frames 3 --learn 1 > /dev/null 2>&1
"$SYNTH" -o "$W/wide" --width 48 --height 32 --frames 1 --learn 0 > /dev/null 2>&1
if [ ! -f "$W/seq/input/in000006.png" ] || [ ! -f "$W/wide/input/in000001.png" ]; then
    fail "synthetic sequences" "$SYNTH did not write them"
    finish; exit
fi
P1=$W/seq/input/in000001.png P2=$W/seq/input/in000002.png
PNG_SIZE=$(wc -c < "$P1")
if have_ffmpeg; then
    ffmpeg -loglevel error -y -i "$P1" "$W/c.jpg"
    ffmpeg -loglevel error -y -framerate 10 -i "$W/seq/input/in%06d.png" -c:v mpeg4 "$W/v.mp4"
fi
echo "just some text" > "$W/text.txt"
touch "$W/afile"

#   description
#   setup (makes the bad input)
#   command line
#   status  regex for the one stderr line
# --- missing, empty, not images ---------------------------------------------------
row "missing file" \
    ":" \
    '"$B" "$W/none.mp4" -o "$O"' \
    3 "$W/none\.mp4: cannot open: No such file"
row "pattern that matches no file" \
    ":" \
    '"$B" "$W/none/in%06d.png" -o "$O"' \
    3 "$W/none/in%06d\.png: no file matches"
row "folder without images" \
    'mkdir -p "$W/noimg" && cp "$W/text.txt" "$W/noimg/readme.txt"' \
    '"$B" "$W/noimg" -o "$O"' \
    3 "$W/noimg: no PNG or JPEG images"
row "empty file given as a video" \
    ': > "$W/empty.mp4"' \
    '"$B" "$W/empty.mp4" -o "$O"' \
    3 "$W/empty\.mp4: empty file"
row "empty PNG inside a sequence" \
    'seqdir "$W/emptyseq" "$P1" "$P2" && : > "$W/emptyseq/in000002.png"' \
    '"$B" "$W/emptyseq" -o "$O"' \
    3 "$W/emptyseq/in000002\.png: empty file"
row "text file named .png" \
    'seqdir "$W/textseq" "$W/text.txt"' \
    '"$B" "$W/textseq" -o "$O"' \
    3 "$W/textseq/in000001\.png: not a PNG, JPEG or BMP image"
row "text file given as a video" \
    ':' \
    '"$B" "$W/text.txt" -o "$O"' \
    3 "$W/text\.txt: cannot open"
row "zero frames: video stream without a frame" \
    "printf 'YUV4MPEG2 W32 H32 F10:1 Ip A1:1 C420jpeg\\n' > \"\$W/zero.y4m\"" \
    '"$B" "$W/zero.y4m" -o "$O"' \
    3 "$W/zero\.y4m: no video frames"
row "zero frames: audio-only file" \
    'have_ffmpeg && ffmpeg -loglevel error -y -f lavfi -i sine -t 1 "$W/a.m4a"' \
    '"$B" "$W/a.m4a" -o "$O"' \
    3 "$W/a\.m4a: no video stream"

# --- truncated and corrupt ----------------------------------------------------------
row "truncated PNG (first frame)" \
    'seqdir "$W/tpng" "$P1" "$P2" && head -c $((PNG_SIZE / 2)) "$P1" > "$W/tpng/in000001.png"' \
    '"$B" "$W/tpng" -o "$O"' \
    3 "$W/tpng/in000001\.png: bad PNG: truncated"
row "truncated JPEG" \
    '[ -f "$W/c.jpg" ] && mkdir -p "$W/tjpg" && head -c 400 "$W/c.jpg" > "$W/tjpg/in000001.jpg"' \
    '"$B" "$W/tjpg" -o "$O"' \
    3 "$W/tjpg/in000001\.jpg: bad JPEG: "
row "truncated MP4 (index lost)" \
    '[ -f "$W/v.mp4" ] && head -c 1000 "$W/v.mp4" > "$W/trunc.mp4"' \
    '"$B" "$W/trunc.mp4" -o "$O"' \
    3 "$W/trunc\.mp4: cannot (open|read)"
row "truncated MP4 (index intact, frames cut)" \
    'have_ffmpeg && ffmpeg -loglevel error -y -framerate 10 -i "$W/seq/input/in%06d.png" -c:v mpeg4 -movflags +faststart "$W/fs.mp4" && head -c $(($(wc -c < "$W/fs.mp4") * 6 / 10)) "$W/fs.mp4" > "$W/cut.mp4"' \
    '"$B" "$W/cut.mp4" -o "$O"' \
    3 "$W/cut\.mp4: truncated: the file ends before the data its index lists"
# The last 12 bytes are IEND; the 4 before them are the last IDAT's CRC.
row "corrupt PNG: bad CRC" \
    'seqdir "$W/crc" "$P1" && patch "$W/crc/in000001.png" $((PNG_SIZE - 16)) 55 aa' \
    '"$B" "$W/crc" -o "$O"' \
    3 "$W/crc/in000001\.png: bad PNG: .*CRC error"
row "corrupt PNG: damaged image data (CRC valid)" \
    'seqdir "$W/zlib" "$P1" && png_damage_idat "$W/zlib/in000001.png"' \
    '"$B" "$W/zlib" -o "$O"' \
    3 "$W/zlib/in000001\.png: bad PNG: "
row "corrupt PNG: unknown critical chunk (CRC valid)" \
    'seqdir "$W/chunk" "$P1" && { head -c 33 "$P1"; png_chunk QUUX de ad be ef; tail -c +34 "$P1"; } > "$W/chunk/in000001.png"' \
    '"$B" "$W/chunk" -o "$O"' \
    3 "$W/chunk/in000001\.png: bad PNG: QUUX: (unknown|unhandled) critical chunk"
row "corrupt JPEG: garbage after SOI" \
    'mkdir -p "$W/gjpg" && { bytes ff d8 ff; head -c 500 /dev/urandom; } > "$W/gjpg/in000001.jpg"' \
    '"$B" "$W/gjpg" -o "$O"' \
    3 "$W/gjpg/in000001\.jpg: bad JPEG: "
row "PNG header claims 100000 x 100000" \
    'seqdir "$W/hpng" "$P1" && png_set_size "$W/hpng/in000001.png" 100000 100000' \
    '"$B" "$W/hpng" -o "$O"' \
    3 "$W/hpng/in000001\.png: image too large: 100000 x 100000"
row "JPEG header claims 60000 x 60000" \
    '[ -f "$W/c.jpg" ] && mkdir -p "$W/hjpg" && cp "$W/c.jpg" "$W/hjpg/in000001.jpg" && jpeg_set_size "$W/hjpg/in000001.jpg" 60000 60000' \
    '"$B" "$W/hjpg" -o "$O"' \
    3 "$W/hjpg/in000001\.jpg: image too large: 60000 x 60000"
row "JPEG of 16 scans (control)" \
    'jpeg_scans "$W/scans16.jpg" 16' \
    '"$B" segment "$W/scans16.jpg" -o "$W/scans16.png"' \
    0 ""
row "JPEG of 1024 scans (each walks the whole image)" \
    'jpeg_scans "$W/scans.jpg" 1024' \
    '"$B" segment "$W/scans.jpg" -o "$W/scans.png"' \
    3 "$W/scans\.jpg: bad JPEG: too many scans"
row "BMP header claims 100000 x 100000" \
    'bmp "$W/huge.bmp" 1 1 24 && patch "$W/huge.bmp" 18 $(le32 100000) $(le32 100000)' \
    '"$B" segment "$W/huge.bmp" -o "$W/h.png"' \
    3 "$W/huge\.bmp: image too large: 100000 x 100000"
row "BMP of an unsupported depth (16 bits)" \
    'bmp "$W/b16.bmp" 2 2 16' \
    '"$B" segment "$W/b16.bmp" -o "$W/b16.png"' \
    3 "$W/b16\.bmp: unsupported BMP: 16 bits per pixel"

# --- sequences and streams that change ------------------------------------------------
row "frames change size in a sequence" \
    'seqdir "$W/resize" "$P1" "$W/wide/input/in000001.png"' \
    '"$B" "$W/resize" -o "$O"' \
    3 "$W/resize/in000002\.png: frame is 48 x 32, the first frame was 32 x 32"
# Channels are converted to what the model uses: a gray frame among colour
# ones (or the reverse) is fine.
row "frames change channel count: gray then RGB (converted)" \
    'seqdir "$W/chan" "$W/gseq/input/in000001.png" "$P2" "$W/gseq/input/in000002.png"' \
    '"$B" -q --background "$W/chan" -o "$W/chan-out"' \
    0 ""
# ... converted as gray replicated into R, G and B: the model learns the
# same background as from the gray frames made RGB by ffmpeg beforehand.
if have_ffmpeg && [ -f "$W/chan-out/background.png" ]; then
    mkdir -p "$W/chan-rgb"
    ffmpeg -loglevel error -y -i "$W/gseq/input/in000001.png" -pix_fmt rgb24 "$W/chan-rgb/in000001.png"
    cp "$P2" "$W/chan-rgb/in000002.png"
    ffmpeg -loglevel error -y -i "$W/gseq/input/in000002.png" -pix_fmt rgb24 "$W/chan-rgb/in000003.png"
    "$B" -q --background "$W/chan-rgb" -o "$W/chan-rgb-out"
    cmp -s "$W/chan-out/background.png" "$W/chan-rgb-out/background.png" &&
        ok "a gray frame among colour ones is converted as gray in R, G and B" ||
        fail "gray frame conversion" "background images differ"
else
    skip "gray frame conversion" "ffmpeg is not installed, or the row above failed"
fi
row "video stream changes resolution mid-way" \
    'have_ffmpeg && ffmpeg -loglevel error -y -f lavfi -i testsrc=s=32x32:r=10 -t 1 -c:v mpeg2video "$W/a.ts" && ffmpeg -loglevel error -y -f lavfi -i testsrc=s=48x32:r=10 -t 1 -c:v mpeg2video "$W/b.ts" && cat "$W/a.ts" "$W/b.ts" > "$W/ab.ts"' \
    '"$B" "$W/ab.ts" -o "$O"' \
    3 "$W/ab\.ts: frame [0-9]+ is 48 x 32, the first frame was 32 x 32"

# --- raw frames, videos out, several inputs ------------------------------------------------
row "raw frames: a file whose last frame is cut short" \
    'head -c 1000 "$P1" > "$W/short.raw"' \
    '"$B" --raw 16x16:gray "$W/short.raw" -o "$O"' \
    3 "$W/short\.raw: truncated raw frame 4: 232 of 256 bytes"
row "raw frames: a size without a format" \
    ':' \
    '"$B" --raw 32x32 "$W/short.raw" -o "$O"' \
    2 "--raw 32x32: expected WxH:gray or WxH:rgb24"
row "mask video in a container that cannot hold it losslessly" \
    ':' \
    '"$B" "$W/seq" --mask-video "$W/m.webm"' \
    2 "$W/m\.webm: a lossless mask video must be"
row "mask video inside a file" \
    ':' \
    '"$B" "$W/seq" --mask-video "$W/afile/m.mkv"' \
    4 "$W/afile/m\.mkv: cannot create"
row "two inputs with the same name" \
    'mkdir -p "$W/twin" && cp -R "$W/seq" "$W/twin/"' \
    '"$B" "$W/seq" "$W/twin/seq" -o "$O"' \
    2 "would both write to $W/out[0-9]+/seq"

# --- permissions and outputs ------------------------------------------------------------
row "unreadable input file (mode 000)" \
    'not_root && seqdir "$W/perm" "$P1" && chmod 000 "$W/perm/in000001.png"' \
    '"$B" "$W/perm" -o "$O"' \
    3 "$W/perm/in000001\.png: cannot open: Permission denied"
row "unreadable input folder (mode 000)" \
    'not_root && seqdir "$W/permdir" "$P1" && chmod 000 "$W/permdir"' \
    '"$B" "$W/permdir" -o "$O"' \
    3 "$W/permdir: .*Permission denied"
row "output folder not writable (mode 555)" \
    'not_root && mkdir -p "$W/ro" && chmod 555 "$W/ro"' \
    '"$B" "$W/seq" -o "$W/ro"' \
    4 "$W/ro/.*Permission denied"
row "output path is a file" \
    ':' \
    '"$B" "$W/seq" -o "$W/afile"' \
    4 "$W/afile"
row "output folder inside a file" \
    ':' \
    '"$B" "$W/seq" -o "$W/afile/masks"' \
    4 "$W/afile/masks"
row "a mask name is taken by a folder" \
    'mkdir -p "$W/taken/bin000001.png"' \
    '"$B" --force "$W/seq" -o "$W/taken"' \
    4 "$W/taken/bin000001\.png"

# --- option values ------------------------------------------------------------------------
# A FIFO nobody writes: refused at once, not waited on (timeout: the old
# code blocked in open() for ever).
row "--load-model on a FIFO" \
    'mkfifo "$W/model.fifo"' \
    'timeout 20 "$B" -q "$W/seq" --load-model "$W/model.fifo" -o "$O"' \
    3 "$W/model\.fifo: not a regular file"
row "option value out of bounds: --components 9" \
    ':' \
    '"$B" --components 9 "$W/seq" -o "$O"' \
    2 "components must be between 1 and 8"
row "option value out of bounds: --learning-frames -1" \
    ':' \
    '"$B" --learning-frames -1 "$W/seq" -o "$O"' \
    2 "learning-frames must be between"
row "option value not a number: --start-frame x" \
    ':' \
    '"$B" --start-frame x "$W/seq" -o "$O"' \
    2 "--start-frame"

# --- eval ---------------------------------------------------------------------------------
row "eval: sequence without ground truth" \
    'mkdir -p "$W/nogt"' \
    '"$B" eval "$W/nogt" "$W/seq/input"' \
    3 "$W/nogt/groundtruth: no ground truth"
row "eval: missing mask" \
    'mkdir -p "$W/nomasks"' \
    '"$B" eval "$W/seq" "$W/nomasks"' \
    3 "$W/nomasks/bin00000[0-9]\.png: cannot open: No such file"
row "eval: mask of another size" \
    'mkdir -p "$W/wmask" && for i in 1 2 3 4 5 6; do cp "$W/wide/input/in000001.png" "$W/wmask/$(printf bin%06d.png $i)"; done' \
    '"$B" eval "$W/seq" "$W/wmask"' \
    3 "$W/wmask/bin00000[0-9]\.png: size 48x32 differs from the ground truth's 32x32"
row "eval: bad temporalROI.txt" \
    'cp -r "$W/seq" "$W/badroi" && echo "five ten" > "$W/badroi/temporalROI.txt"' \
    '"$B" eval "$W/badroi" "$W/seq/groundtruth" --mask-pattern "gt%06d.png"' \
    3 "$W/badroi/temporalROI\.txt: expected two frame numbers"
row "eval: temporalROI.txt frame number past the largest" \
    'cp -r "$W/seq" "$W/bigroi" && echo "1 99999999999999999999" > "$W/bigroi/temporalROI.txt"' \
    '"$B" eval "$W/bigroi" "$W/seq/groundtruth" --mask-pattern "gt%06d.png"' \
    3 "$W/bigroi/temporalROI\.txt: frame number too large \(at most 2147483647\)"
row "eval: corrupt ROI.bmp" \
    'cp -r "$W/seq" "$W/badbmp" && head -c 40 "$W/seq/ROI.bmp" > "$W/badbmp/ROI.bmp"' \
    '"$B" eval "$W/badbmp" "$W/seq/groundtruth" --mask-pattern "gt%06d.png"' \
    3 "$W/badbmp/ROI\.bmp: truncated BMP header"
# The scores are the result: stdout that cannot be written is status 4.
row "eval: stdout on a full device" \
    'test -w /dev/full || { why="no /dev/full"; false; }' \
    'sh -c "exec \"\$@\" > /dev/full" sh "$B" eval "$W/seq" "$W/seq/groundtruth" --mask-pattern "gt%06d.png"' \
    4 "standard output: No space left on device"
row "eval: stdout closed" \
    ':' \
    'sh -c "exec \"\$@\" >&-" sh "$B" eval "$W/seq" "$W/seq/groundtruth" --mask-pattern "gt%06d.png"' \
    4 "standard output: Bad file descriptor"
row "eval: a dataset's table on a full device" \
    'mkdir -p "$W/ds/cat" "$W/res/cat" && cp -r "$W/seq" "$W/ds/cat/s1" && cp -r "$W/seq/groundtruth" "$W/res/cat/s1" && test -w /dev/full' \
    'sh -c "exec \"\$@\" > /dev/full" sh "$B" eval "$W/ds" "$W/res" --mask-pattern "gt%06d.png"' \
    4 "standard output: No space left on device"
row "eval: one folder only" \
    ':' \
    '"$B" eval "$W/seq"' \
    2 "eval needs SEQ_DIR and MASK_DIR"

# --- segment ------------------------------------------------------------------------------
row "segment: text file" \
    ':' \
    '"$B" segment "$W/text.txt" -o "$W/s.png"' \
    3 "$W/text\.txt: "
row "segment: truncated PNG" \
    'head -c $((PNG_SIZE / 2)) "$P1" > "$W/half.png"' \
    '"$B" segment "$W/half.png" -o "$W/s.png"' \
    3 "$W/half\.png: bad PNG: truncated"
row "segment: --k out of bounds" \
    ':' \
    '"$B" segment --k 9 "$P1" -o "$W/s.png"' \
    2 "--k needs a whole number in 1\.\.8"
row "segment: output inside a file" \
    ':' \
    '"$B" segment "$P1" -o "$W/afile/s.png"' \
    4 "$W/afile/s\.png"
row "segment: output exists, no --force" \
    'cp "$P1" "$W/exists.png"' \
    '"$B" segment "$P1" -o "$W/exists.png"' \
    4 "$W/exists\.png: already exists"

# --- long names ---------------------------------------------------------------------------
# A path of some 800 bytes: the message shortens it in the middle ("...")
# and keeps the reason whole (before, the reason was cut off the end).
D100=dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd
LONG=$W/$D100/$D100/$D100/$D100/$D100/$D100/$D100/$D100
row "long input name: shortened, the reason kept" \
    ':' \
    '"$B" -q "$LONG/missing.png" -o "$O"' \
    3 "^bgsub: $W/[d/]+\.\.\.[d/]+/missing\.png: cannot open: No such file or directory\$"
row "long --load-model name: shortened, the reason kept" \
    ':' \
    '"$B" -q "$W/seq" --load-model "$LONG/m.bgm" -o "$O"' \
    3 "^bgsub: $W/[d/]+\.\.\.[d/]+/m\.bgm: cannot open: No such file or directory\$"
row "long output name: shortened, the reason kept" \
    'mkdir -p "$LONG/o" && cp "$P1" "$LONG/o/bin000001.png"' \
    '"$B" -q "$W/seq" -o "$LONG/o"' \
    4 "^bgsub: $W/[d/]+\.\.\.[d/]+/o/bin000001\.png: already exists \(use --force to overwrite\)\$"
# Cut between characters: a shortened name of two-byte characters is
# still valid UTF-8.
E100=$(printf '\303\251%.0s' $(seq 50))
run "$B" -q "$W/$E100/$E100/$E100/$E100/$E100/$E100/$E100/$E100/missing.png" -o "$W/out-utf8"
if [ "$RC" -eq 3 ] && printf '%s\n' "$ERR" | grep -q '\.\.\..*/missing\.png: cannot open' &&
   printf '%s\n' "$ERR" | iconv -f UTF-8 -t UTF-8 > /dev/null 2>&1; then
    ok "long name of two-byte characters: shortened between characters"
else
    fail "long UTF-8 name" "exit $RC" "stderr: $ERR"
fi

# --- empty names --------------------------------------------------------------------------
row "empty input name" \
    ':' \
    '"$B" "" -o "$W/out-empty"' \
    2 "INPUT needs a file, folder or pattern, not an empty name"
row "empty output folder name" \
    ':' \
    '"$B" "$W/seq" -o ""' \
    2 "-o needs a folder name, not an empty name"
row "empty --roi name" \
    ':' \
    '"$B" "$W/seq" --roi "" -o "$O"' \
    2 "--roi needs an image file name, not an empty name"
row "eval: empty --roi name" \
    ':' \
    '"$B" eval --roi "" "$W/seq" "$W/seq/groundtruth"' \
    2 "--roi needs a file name, not an empty name"
row "eval: empty folder names" \
    ':' \
    '"$B" eval "" ""' \
    2 "SEQ_DIR needs a folder name, not an empty name"
row "segment: empty output name" \
    ':' \
    '"$B" segment "$P1" -o ""' \
    2 "-o needs a file or folder name, not an empty name"

chmod -R u+rwx "$W" 2> /dev/null
finish
