#!/bin/sh
# run.sh - runs one Python test file (tests/python/test_*.py) with Debian's
# /usr/bin/python3 (PYTHON) and the module built in $BUILD/python (make
# python). It prints the file's "RESULT passed=N failed=N skipped=N" line;
# where python3, numpy or the module is missing it skips the file and says
# why. Usage: sh tests/python/run.sh tests/python/test_x.py
t=$1
PY=${PYTHON:-/usr/bin/python3}
name=$(basename "$t" .py)
skip() {
    echo "skip $name: $1"
    echo "RESULT passed=0 failed=0 skipped=1"
    exit 0
}
[ -x "$PY" ] || skip "$PY is not installed"
"$PY" -c 'import numpy' 2> /dev/null || skip "$PY has no numpy (make deps installs python3-numpy)"
[ -f "${BUILD:-build}/python/bgsub/_bgsub.so" ] ||
    skip "the module is not built in ${BUILD:-build}/python (make python; it is not built in sanitizer builds, as an ASan extension cannot be loaded into $PY)"
PYTHONPATH="${BUILD:-build}/python${PYTHONPATH:+:$PYTHONPATH}" exec "$PY" "$t"
