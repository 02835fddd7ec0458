#!/bin/sh
# test_install.sh - `make install` into a scratch DESTDIR, samples/embed.c
# built against the installed library through pkg-config (shared and static)
# and run on raw frames, the installed man page, `make uninstall`; and the
# man page lists exactly the options of `bgsub --help`, `bgsub eval --help`,
# `bgsub segment --help`, `bgsub events --help` and `bgsub bench --help`.
. tests/cli/lib.sh

B=$BGSUB_BIN
CC=${CC:-cc}
DEST=$WORK/dest
VERSION=$(sed -n 's/^#define BGS_VERSION_STRING "\(.*\)"$/\1/p' include/bgsub.h)
SONAME=libbgsub.so.${VERSION%%.*}
LIBDIR=$DEST/usr/lib

# make as a user types it, whatever make runs this test (no inherited jobserver
# or command-line variables); BUILD reuses the build under test.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory BUILD="$BUILD" "$@"; }

# A sanitizer build's library needs the same runtime in whatever links it.
SAN=""
nm "$BUILD/libbgsub.a" 2>/dev/null | grep -q '__asan_' && SAN="-fsanitize=address,undefined"

# --- make install ------------------------------------------------------------
run mk install DESTDIR="$DEST" PREFIX=/usr
[ "$RC" -eq 0 ] && ok "make install DESTDIR PREFIX=/usr" || fail "make install" "rc=$RC" "$ERR"
missing=""
for f in bin/bgsub lib/libbgsub.a lib/libbgsub.so.$VERSION lib/$SONAME lib/libbgsub.so \
         include/bgsub.h lib/pkgconfig/bgsub.pc share/man/man1/bgsub.1; do
    [ -e "$DEST/usr/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && ok "every file installed" || fail "every file installed" "missing:$missing"
[ "$(readlink "$LIBDIR/$SONAME")" = "libbgsub.so.$VERSION" ] &&
    [ "$(readlink "$LIBDIR/libbgsub.so")" = "$SONAME" ] &&
    ok "links $SONAME and libbgsub.so" ||
    fail "links $SONAME and libbgsub.so" "$(ls -l "$LIBDIR")"
[ -x "$DEST/usr/bin/bgsub" ] && [ "$("$DEST/usr/bin/bgsub" --version)" = "bgsub $VERSION" ] &&
    ok "installed bgsub runs" || fail "installed bgsub runs" "$("$DEST/usr/bin/bgsub" --version 2>&1)"
soname=$(readelf -d "$LIBDIR/libbgsub.so.$VERSION" 2>/dev/null | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "$SONAME" ] && ok "soname $SONAME" || fail "soname" "got '$soname'"
others=$(nm -D --defined-only "$LIBDIR/libbgsub.so.$VERSION" | awk '{print $3}' | grep -v '^bgs_')
count=$(nm -D --defined-only "$LIBDIR/libbgsub.so.$VERSION" | grep -c ' bgs_')
[ -z "$others" ] && [ "$count" -gt 30 ] && ok "only bgs_* exported ($count symbols)" ||
    fail "only bgs_* exported" "$count bgs_ symbols; others: $others"
grep -q '^prefix=/usr$' "$LIBDIR/pkgconfig/bgsub.pc" &&
    grep -q "^Version: $VERSION\$" "$LIBDIR/pkgconfig/bgsub.pc" &&
    ok "bgsub.pc has the prefix and version" || fail "bgsub.pc" "$(cat "$LIBDIR/pkgconfig/bgsub.pc")"

# --- the Python module: make install puts it in PREFIX's dist-packages --------
PYV=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2> /dev/null)
if [ -f "$BUILD/python/bgsub/_bgsub.so" ] && [ -n "$PYV" ]; then
    SITE=$DEST/usr/lib/python$PYV/dist-packages
    got=$(cd / && PYTHONPATH=$SITE /usr/bin/python3 -c 'import bgsub, sys
assert bgsub.__file__.startswith(sys.argv[1]), bgsub.__file__
print(bgsub.__version__)' "$SITE" 2>&1)
    [ "$got" = "$VERSION" ] && ok "Python module installed in PREFIX/lib/python$PYV/dist-packages" ||
        fail "Python module installed" "$got" "$(ls -R "$DEST/usr/lib" | head -20)"
else
    skip "Python module installed" "the module is not built in $BUILD (make python)"
fi

# --- samples/embed.c against the installed library ---------------------------
# The .pc file says /usr; --define-variable moves it to where it was installed.
pc() { PKG_CONFIG_PATH=$LIBDIR/pkgconfig pkg-config --define-variable=prefix="$DEST/usr" "$@" bgsub; }
EMBED=$WORK/embed
if ! command -v pkg-config > /dev/null; then
    skip "embed.c built with pkg-config" "pkg-config is not installed"
else
    [ "$(pc --modversion)" = "$VERSION" ] && ok "pkg-config --modversion" || fail "pkg-config --modversion" "$(pc --modversion 2>&1)"
    # shellcheck disable=SC2046 # word splitting of pkg-config's flags is wanted
    run "$CC" -std=c11 -Wall -Wextra -pedantic -Werror $SAN -o "$EMBED" samples/embed.c \
        $(pc --cflags --libs) -Wl,-rpath,"$LIBDIR"
    [ "$RC" -eq 0 ] && ok "embed.c builds with the shared library, no warnings" || fail "embed.c builds (shared)" "$ERR"
    readelf -d "$EMBED" 2>/dev/null | grep -q "NEEDED.*\[$SONAME\]" &&
        ok "embed needs $SONAME" || fail "embed needs $SONAME" "$(readelf -d "$EMBED" | grep NEEDED)"
    if [ -n "$SAN" ]; then
        skip "embed.c linked statically" "a sanitizer build cannot link -static"
    else
        # shellcheck disable=SC2046
        run "$CC" -std=c11 -Wall -Wextra -pedantic -Werror -static -o "$EMBED-static" samples/embed.c \
            $(pc --cflags --libs --static)
        if [ "$RC" -eq 0 ] && ! readelf -d "$EMBED-static" 2>/dev/null | grep -q NEEDED; then
            ok "embed.c links statically (pkg-config --static)"
        else fail "embed.c links statically" "rc=$RC" "$ERR"; fi
    fi
fi

# 160 frames: the sample's first objects enter after frame 85.
FRAMES=160
if ! command -v ffmpeg > /dev/null; then
    skip "embed runs on raw frames" "ffmpeg is not installed (it makes the raw RGB24 frames)"
elif [ ! -x "$EMBED" ]; then
    skip "embed runs on raw frames" "embed was not built"
else
    RAW=$WORK/frames.rgb
    ffmpeg -loglevel error -nostdin -i samples/sample.mp4 -frames:v $FRAMES \
        -f rawvideo -pix_fmt rgb24 -y "$RAW"
    # Through stdin, the way the comment in embed.c shows it.
    "$EMBED" 320 240 "$WORK/bg.ppm" < "$RAW" > "$WORK/embed.out" 2> "$WORK/embed.err"; rc=$?
    lines=$(grep -cE '^[0-9]+ [01]\.[0-9]{6}$' "$WORK/embed.out")
    last=$(tail -n 1 "$WORK/embed.out" | cut -d' ' -f1)
    [ "$rc" -eq 0 ] && [ "$lines" -eq $FRAMES ] && [ "$last" = $FRAMES ] &&
        ok "embed: one line per frame ($FRAMES)" ||
        fail "embed: one line per frame" "rc=$rc lines=$lines last=$last" "$(cat "$WORK/embed.err")"
    moving=$(awk 'NR > 100 && $2 > 0' "$WORK/embed.out" | wc -l)
    [ "$moving" -gt 0 ] && ok "embed: foreground found after learning" || fail "embed: foreground after learning" "$(tail -n 3 "$WORK/embed.out")"
    header=$(head -c 15 "$WORK/bg.ppm" | tr '\n' ' ')
    size=$(wc -c < "$WORK/bg.ppm")
    [ "$header" = "P6 320 240 255 " ] && [ "$size" -eq $((15 + 320 * 240 * 3)) ] &&
        ok "embed: background is a 320x240 P6 PPM" || fail "embed: background PPM" "header '$header' size $size"
    grep -q "^embed: libbgsub $VERSION" "$WORK/embed.err" && ok "embed: linked library reports its version" ||
        fail "embed: version" "$(cat "$WORK/embed.err")"
    # A frame cut short is an error, not a silent end.
    head -c $((320 * 240 * 3 + 100)) "$RAW" > "$WORK/short.rgb"
    "$EMBED" 320 240 "$WORK/bg2.ppm" "$WORK/short.rgb" > /dev/null 2> "$WORK/embed.err"; rc=$?
    [ "$rc" -eq 1 ] && grep -q 'inside a frame' "$WORK/embed.err" && ok "embed: truncated frame is an error" ||
        fail "embed: truncated frame" "rc=$rc" "$(cat "$WORK/embed.err")"
    if [ -x "$EMBED-static" ]; then
        "$EMBED-static" 320 240 "$WORK/bg-static.ppm" "$RAW" > "$WORK/static.out" 2> /dev/null
        cmp -s "$WORK/embed.out" "$WORK/static.out" && cmp -s "$WORK/bg.ppm" "$WORK/bg-static.ppm" &&
            ok "static embed (file input) gives the same output" || fail "static embed gives the same output"
    fi
fi

# --- the installed man page ----------------------------------------------------
if ! command -v man > /dev/null; then
    skip "man page renders" "man is not installed (apt-get install man-db groff-base)"
else
    warnings=$(MANWIDTH=80 man -l "$DEST/usr/share/man/man1/bgsub.1" 2>&1 > "$WORK/man.txt")
    [ -z "$warnings" ] && grep -q 'EXIT STATUS' "$WORK/man.txt" && grep -q -- '--stats-csv' "$WORK/man.txt" &&
        ok "installed man page renders without warnings" || fail "man page renders" "$warnings"
fi

# --- make uninstall ----------------------------------------------------------
run mk uninstall DESTDIR="$DEST" PREFIX=/usr
left=$(find "$DEST" ! -type d)
[ "$RC" -eq 0 ] && [ -z "$left" ] && ok "make uninstall leaves no files" || fail "make uninstall" "rc=$RC" "left: $left"

# --- man page options == --help options ----------------------------------------
# From the help: the options that open a line ("  -o, --output DIR", "      --k N").
help_options() { grep -oE '^ +(-[A-Za-z], )?--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }
# From the man page source: the tag line after each .TP, per .SH section
# (EVAL, SEGMENT, EVENTS and BENCH are the sub-commands; every other section is the main one).
man_options() { # $1 = main|eval|segment|events|bench
    awk -v want="$1" '
        /^\.SH/ { sec = ($2 == "EVAL") ? "eval" : ($2 == "SEGMENT") ? "segment" : ($2 == "EVENTS") ? "events" : ($2 == "BENCH") ? "bench" : "main"; next }
        /^\.TP/ { tag = 1; next }
        tag { tag = 0; if (sec == want) print }' docs/bgsub.1 |
        sed 's/\\f[BIRP]//g; s/\\-/-/g' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}
for cmd in main eval segment events bench; do
    if [ "$cmd" = main ]; then "$B" --help > "$WORK/help.txt"; else "$B" "$cmd" --help > "$WORK/help.txt"; fi
    help_options < "$WORK/help.txt" > "$WORK/help.opts"
    man_options "$cmd" > "$WORK/man.opts"
    not_in_man=$(comm -23 "$WORK/help.opts" "$WORK/man.opts" | tr '\n' ' ')
    not_in_help=$(comm -13 "$WORK/help.opts" "$WORK/man.opts" | tr '\n' ' ')
    n=$(wc -l < "$WORK/help.opts")
    if [ "$n" -lt 3 ]; then fail "$cmd: options read from --help" "only $n"
    elif [ -z "$not_in_man$not_in_help" ]; then ok "$cmd: man page and --help list the same $n options"
    else fail "$cmd: man page and --help list the same options" \
        "in --help, not in the man page: $not_in_man" "in the man page, not in --help: $not_in_help"; fi
done
# And no option named anywhere in the page (examples, prose; pkg-config's
# own options aside) is unknown.
{ "$B" --help; "$B" eval --help; "$B" segment --help; "$B" events --help; "$B" bench --help; } | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u > "$WORK/all.opts"
unknown=$(sed 's/\\-/-/g' docs/bgsub.1 | grep -v 'pkg-config' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u | comm -23 - "$WORK/all.opts" | tr '\n' ' ')
[ -z "$unknown" ] && ok "every option the man page names exists" || fail "every option the man page names exists" "unknown: $unknown"
grep -q "^\.TH BGSUB 1 .*\"bgsub $VERSION\"" docs/bgsub.1 && ok "man page version is $VERSION" ||
    fail "man page version" "$(grep '^\.TH' docs/bgsub.1)"

finish
