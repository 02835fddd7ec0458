# bgsub - plain Makefile. `make` builds libbgsub and the bgsub program into build/.
# Targets: all, deps (install Debian packages), demo, test, test-asan, bench, accuracy,
# clean, install, uninstall (PREFIX, default /usr/local, and DESTDIR).

CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
WARN     = -Wall -Wextra
CPPFLAGS_ALL = -Iinclude -Isrc -D_DEFAULT_SOURCE -D_GNU_SOURCE
# No fused multiply-add: the scalar and vector kernels must round alike.
CFLAGS_ALL   = -std=c11 $(WARN) -ffp-contract=off $(CFLAGS) $(EXTRA_CFLAGS)
# zlib: also called directly (crc32 in src/io/mask_png.c).
PKG_IO   = libpng zlib libjpeg libavformat libavcodec libswscale libavutil libavdevice sdl2
# The flags are asked of pkg-config when a recipe first needs them, not when
# make reads this file: `make deps demo` installs the -dev packages first, and
# the build that follows must see their flags. (Each variable replaces itself
# with its value on first use, so pkg-config runs once per make.)
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKG_IO) 2>/dev/null))$(PKG_CFLAGS)
# FFmpeg is not linked: src/io/libav.c opens libavformat, libavcodec,
# libswscale and libavutil when a video is first opened or written, and
# source_video.c libavdevice for a camera (Debian's FFmpeg pulls in some 130
# libraries, about 35 ms of every start). Nor SDL2: src/cli/libsdl.c opens
# it when the preview opens its window (some 50 libraries, 6 ms a start).
PKG_LINKED = $(filter-out libavformat libavcodec libswscale libavutil libavdevice sdl2,$(PKG_IO))
PKG_LIBS   = $(eval PKG_LIBS := $$(shell pkg-config --libs $(PKG_LINKED) 2>/dev/null))$(PKG_LIBS)
# --as-needed: a program records only the libraries it uses.
LDLIBS_ALL = -Wl,--as-needed $(PKG_LIBS) -ldl -lpthread -lm $(EXTRA_LDLIBS)

BUILD   ?= build
LIB_SRC  = $(sort $(wildcard src/lib/*.c))
IO_SRC   = $(sort $(wildcard src/io/*.c))
DRAW_SRC = $(sort $(wildcard src/draw/*.c))
CLI_SRC  = $(sort $(wildcard src/cli/*.c))
TOOL_SRC = $(sort $(wildcard tools/*.c))
TEST_SRC = $(sort $(wildcard tests/unit/test_*.c))
TEST_TOOL_SRC = $(sort $(wildcard tests/tools/*.c))

LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
IO_OBJ   = $(IO_SRC:%.c=$(BUILD)/%.o)
DRAW_OBJ = $(DRAW_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  = $(CLI_SRC:%.c=$(BUILD)/%.o)
# The program's objects but main.o, as a library: the unit tests of the
# program's parts (pipeline, outputs, events, eval) link it.
CLI_LIB_OBJ = $(filter-out $(BUILD)/src/cli/main.o,$(CLI_OBJ))
LIB_A    = $(BUILD)/libbgsub.a
# The shared library: version from bgsub.h, soname from its major number.
VERSION := $(shell sed -n 's/^\#define BGS_VERSION_STRING "\(.*\)"$$/\1/p' include/bgsub.h)
SONAME   = libbgsub.so.$(firstword $(subst ., ,$(VERSION)))
LIB_SO   = $(BUILD)/libbgsub.so.$(VERSION)
LIB_MAP  = src/lib/libbgsub.map
IO_A     = $(BUILD)/libbgsub_io.a
DRAW_A   = $(BUILD)/libbgsub_draw.a
CLI_A    = $(BUILD)/libbgsub_cli.a
# What the program, the tools and the tests link, in link order.
PROG_LIBS = $(CLI_A) $(DRAW_A) $(IO_A) $(LIB_A)
BIN      = $(BUILD)/bgsub
TOOLS    = $(TOOL_SRC:tools/%.c=$(BUILD)/tools/%)
TESTS    = $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_TOOLS = $(TEST_TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)

DEB_PACKAGES = build-essential pkg-config libpng-dev zlib1g-dev libjpeg-dev libavformat-dev \
               libavcodec-dev libswscale-dev libavutil-dev libavdevice-dev libsdl2-dev ffmpeg \
               man-db groff-base xvfb xauth xdotool parallel rsync python3 \
               python3-dev python3-numpy python3-setuptools python3-skimage

.PHONY: all deps demo test test-asan bench accuracy clean valgrind install uninstall python \
        python-if-possible install-python bench-python mutate
all: $(BIN) $(LIB_SO) $(TOOLS)

# With `make deps demo` (even under -j) nothing is compiled before the
# packages are installed.
ifneq ($(filter deps,$(MAKECMDGOALS)),)
DEPS_FIRST = | deps
endif

$(BUILD)/%.o: %.c $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(PKG_CFLAGS) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# The vector kernels are built for their instruction sets; each only runs
# where the CPU has them (checked at run time).
$(BUILD)/src/lib/model_avx2.o: CFLAGS_ALL += -mavx2 -mf16c
$(BUILD)/src/lib/model_avx512.o: CFLAGS_ALL += -mavx512f -mf16c
# The mask clean-up's loops over 64-bit words vectorise at -O3 (packing and
# the median run about 1.7x faster than at -O2; tools/bench_postproc).
$(BUILD)/src/lib/postproc.o $(BUILD)/src/lib/components.o: CFLAGS_ALL += -O3

# Library objects go into both libbgsub.a and libbgsub.so: position-independent.
# (The stamp makes objects built before -fPIC was added rebuild once.)
$(LIB_OBJ): CFLAGS_ALL += -fPIC
$(LIB_OBJ): $(BUILD)/src/lib/fpic.stamp
$(BUILD)/src/lib/fpic.stamp:
	@mkdir -p $(dir $@)
	@touch $@

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Only the public bgs_* symbols are exported (the version script); the
# links libbgsub.so.1 (the soname, libbgsub.so.MAJOR: bgsub.h, "Versions") and libbgsub.so (for -lbgsub) sit beside it.
$(LIB_SO): $(LIB_OBJ) $(LIB_MAP)
	$(CC) -shared $(CFLAGS_ALL) $(LDFLAGS) -Wl,-soname,$(SONAME) \
	  -Wl,--version-script=$(LIB_MAP) -Wl,--no-undefined -o $@ $(LIB_OBJ) -lpthread -lm
	ln -sf $(notdir $@) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libbgsub.so

$(IO_A): $(IO_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The Python module (a shared object) links libbgsub_io.a and the program's
# scoring code (bgsub.evaluate): those objects are position-independent too
# (the stamp rebuilds objects made before once).
$(IO_OBJ) $(DRAW_OBJ) $(CLI_OBJ): CFLAGS_ALL += -fPIC
$(IO_OBJ) $(DRAW_OBJ) $(CLI_OBJ): $(BUILD)/src/pic.stamp
$(BUILD)/src/pic.stamp:
	@mkdir -p $(dir $@)
	@touch $@

$(DRAW_A): $(DRAW_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(CLI_A): $(CLI_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/src/cli/main.o $(PROG_LIBS)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $(BUILD)/src/cli/main.o $(PROG_LIBS) $(LDLIBS_ALL)

$(BUILD)/tools/%: tools/%.c $(PROG_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(PKG_CFLAGS) $(CFLAGS_ALL) -MMD -MP $(LDFLAGS) -o $@ $< $(PROG_LIBS) $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/test.h $(PROG_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -Itests/unit $(PKG_CFLAGS) $(CFLAGS_ALL) -MMD -MP $(LDFLAGS) -o $@ $< $(PROG_LIBS) $(LDLIBS_ALL)

# The file policy's test fixes the random part of a temporary name.
$(BUILD)/tests/test_output_file: LDFLAGS += -Wl,--wrap=getrandom

$(BUILD)/tests/tools/%: tests/tools/%.c $(PROG_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(PKG_CFLAGS) $(CFLAGS_ALL) -MMD -MP $(LDFLAGS) -o $@ $< $(PROG_LIBS) $(LDLIBS_ALL)

# `make install` / `make uninstall`: the program, both libraries, the header,
# the pkg-config file (made from src/lib/bgsub.pc.in for PREFIX) and the man
# page, under $(DESTDIR)$(PREFIX). After installing into a system folder
# such as /usr/local/lib, run ldconfig once.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# In bgsub.pc, folders under PREFIX are written as ${prefix}/..., so that
# pkg-config --define-variable=prefix=... can move the whole tree.
PC_LIBDIR     = $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))

install: $(BIN) $(LIB_A) $(LIB_SO) src/lib/bgsub.pc.in docs/bgsub.1
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	  $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/bgsub
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libbgsub.a
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/libbgsub.so.$(VERSION)
	ln -sf libbgsub.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libbgsub.so
	install -m 644 include/bgsub.h $(DESTDIR)$(INCLUDEDIR)/bgsub.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(PC_LIBDIR)|g' \
	  -e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	  src/lib/bgsub.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/bgsub.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/bgsub.pc
	install -m 644 docs/bgsub.1 $(DESTDIR)$(MANDIR)/man1/bgsub.1
	@$(MAKE) --no-print-directory install-python

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bgsub $(DESTDIR)$(LIBDIR)/libbgsub.a \
	  $(DESTDIR)$(LIBDIR)/libbgsub.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libbgsub.so $(DESTDIR)$(INCLUDEDIR)/bgsub.h \
	  $(DESTDIR)$(PKGCONFIGDIR)/bgsub.pc $(DESTDIR)$(MANDIR)/man1/bgsub.1
	rm -rf $(DESTDIR)$(PYTHON_SITEDIR)/bgsub

# The Python module `bgsub` (python/): `make python` builds it into
# $(BUILD)/python/bgsub against libbgsub.a, with Debian's python3-dev and
# python3-numpy for PYTHON (/usr/bin/python3, not a pyenv or venv one);
# PYTHONPATH=$(BUILD)/python makes it importable from there. `make install`
# also installs it, when PYTHON can build it, into PYTHON_SITEDIR:
# $(PREFIX)/lib/python3.X/dist-packages for PREFIX /usr or /usr/local (both
# on Debian's sys.path), $(PREFIX)/lib/python3.X/site-packages for other
# prefixes (add it to PYTHONPATH). `pip install ./python` builds it too
# (python/setup.py, Debian's setuptools, offline).
PYTHON  ?= /usr/bin/python3
PY_SRC   = $(sort $(wildcard python/src/*.c))
PY_OBJ   = $(PY_SRC:%.c=$(BUILD)/%.o)
PY_PKG   = $(BUILD)/python/bgsub
PY_EXT   = $(PY_PKG)/_bgsub.so
PY_FILES = $(PY_PKG)/__init__.py $(PY_PKG)/__init__.pyi $(PY_PKG)/py.typed
# Asked of PYTHON when a recipe first needs them (as PKG_CFLAGS).
PY_CFLAGS = $(eval PY_CFLAGS := $$(shell $(PYTHON) -c 'import sysconfig, numpy; print("-I" + sysconfig.get_paths()["include"], "-I" + numpy.get_include())' 2>/dev/null))$(PY_CFLAGS)
# Empty when PYTHON lacks its headers or numpy (the module is then skipped).
PY_OK = $(shell $(PYTHON) -c 'import sysconfig, os, numpy; os.stat(sysconfig.get_paths()["include"] + "/Python.h"); print(1)' 2>/dev/null)
PYTHON_SITEDIR ?= $(shell $(PYTHON) -c 'import sys; p = sys.argv[1]; print(p + "/lib/python%d.%d/" % sys.version_info[:2] + ("dist-packages" if p in ("/usr", "/usr/local") else "site-packages"))' $(PREFIX))

$(BUILD)/python/%.o: python/%.c python/src/bgsub_py.h include/bgsub.h $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(PY_CFLAGS) $(PKG_CFLAGS) $(CFLAGS_ALL) -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@

$(PY_EXT): $(PY_OBJ) $(PROG_LIBS)
	@mkdir -p $(dir $@)
	$(CC) -shared $(CFLAGS_ALL) $(LDFLAGS) -o $@ $(PY_OBJ) $(PROG_LIBS) $(LDLIBS_ALL)

$(PY_PKG)/%: python/bgsub/%
	@mkdir -p $(dir $@)
	cp $< $@

python: $(PY_EXT) $(PY_FILES)

# For `make test`: the module when PYTHON can build it (the Python tests
# skip, saying why, when it was not built). Not in sanitizer builds: an
# ASan extension cannot be loaded into Debian's python3, which is not built
# with ASan (libasan must come first in the process).
python-if-possible: all
ifneq ($(findstring -fsanitize,$(EXTRA_CFLAGS)),)
	@echo "python: not built in a sanitizer build (an ASan extension cannot load into $(PYTHON))"
else
	@if [ -n "$(PY_OK)" ]; then $(MAKE) --no-print-directory python; \
	 else echo "python: $(PYTHON) lacks python3-dev or python3-numpy: the module is not built (make deps installs them)"; fi
endif

install-python:
	@if [ -z "$(PY_OK)" ]; then \
	  echo "install: the Python module is skipped: $(PYTHON) lacks python3-dev or python3-numpy"; \
	elif nm $(LIB_A) 2>/dev/null | grep -q __asan_; then \
	  echo "install: the Python module is skipped in a sanitizer build"; \
	else \
	  $(MAKE) --no-print-directory python && \
	  suffix=$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))') && \
	  install -d $(DESTDIR)$(PYTHON_SITEDIR)/bgsub && \
	  install -m 755 $(PY_EXT) $(DESTDIR)$(PYTHON_SITEDIR)/bgsub/_bgsub$$suffix && \
	  install -m 644 $(PY_FILES) $(DESTDIR)$(PYTHON_SITEDIR)/bgsub/ && \
	  echo "install: Python module in $(DESTDIR)$(PYTHON_SITEDIR)/bgsub"; \
	fi

# Install the Debian packages the build and the tests need: as root, or
# through sudo for another user.
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)
deps:
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $(DEB_PACKAGES)

# Build, make sure the sample exists, and run bgsub on it end to end.
demo: all
	sh tools/demo.sh $(BUILD)

test: all $(TESTS) $(TEST_TOOLS) python-if-possible
	sh tests/run.sh $(BUILD)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 $(MAKE) BUILD=build-asan OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  test

# Valgrind (memcheck) over the unit tests that do not decode video: the
# model and its kernels, the histogram fit, image loading and saving, mask
# clean-up. Not part of `make test`. bgsub itself runs under valgrind only
# on inputs that are no video: Debian's libavcodec pulls in libhwy, whose
# start-up code uses an instruction valgrind 3.19 does not decode (SIGILL
# once FFmpeg is loaded).
VALGRIND_TESTS = test_model test_histfit test_image_io test_postproc
valgrind: $(VALGRIND_TESTS:%=$(BUILD)/tests/%)
	for t in $(VALGRIND_TESTS); do \
	  echo "== valgrind $$t"; \
	  valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    $(BUILD)/tests/$$t > $(BUILD)/valgrind-$$t.log 2>&1 || { tail -30 $(BUILD)/valgrind-$$t.log; exit 1; }; \
	  tail -1 $(BUILD)/valgrind-$$t.log; \
	done

# Benchmark (never part of `make test`): tools/bench.sh, then, when OpenCV is
# installed, tools/bench_compare.cpp against OpenCV MOG2 in the same run
# (docs/bench.md; `make bench BENCH_ARGS=--long` adds the 10-minute RSS check).
# OpenCV is benchmark-only, never a dependency of libbgsub or bgsub.
OPENCV_HDR  = /usr/include/opencv4/opencv2/video/background_segm.hpp
OPENCV_LIBS = -lopencv_video -lopencv_videoio -lopencv_imgcodecs -lopencv_imgproc -lopencv_core
BENCH_ARGS ?=

$(BUILD)/tools/bench_compare: tools/bench_compare.cpp $(PROG_LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS_ALL) -I/usr/include/opencv4 $(PKG_CFLAGS) -std=c++17 $(WARN) $(CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $< $(PROG_LIBS) $(OPENCV_LIBS) $(LDLIBS_ALL)

ifneq ($(wildcard $(OPENCV_HDR)),)
bench: all $(BUILD)/tools/bench_compare
	sh tools/bench.sh $(BUILD)
	$(BUILD)/tools/bench_compare --build $(BUILD) $(BENCH_ARGS)
else
bench: all
	@echo "bench: OpenCV is absent: only bgsub's own benchmark runs. For the comparison with"
	@echo "bench: OpenCV MOG2: apt-get install libopencv-video-dev libopencv-videoio-dev libopencv-imgcodecs-dev"
	sh tools/bench.sh $(BUILD)
endif

# Accuracy (never part of `make test`): every real sequence under
# ../shared/data/cdnet/ (skipped, and said, when absent) and every synthetic
# scene kind, scored by `bgsub eval`, in one table with the means
# (docs/accuracy.md). `make accuracy ACCURACY_ARGS="-- --shadows 0"` scores
# other options; tools/accuracy.sh --help lists its own.
ACCURACY_ARGS ?=
accuracy: all
	sh tools/accuracy.sh --build $(BUILD) $(ACCURACY_ARGS)

# Mutation testing (tools/mutate.sh, tools/mutations.txt): each listed bug
# is applied to a scratch copy and must make the tests fail. Not part of
# `make test`; MUTATE_ARGS=--only ID,... runs some.
MUTATE_ARGS ?=
mutate:
	sh tools/mutate.sh $(MUTATE_ARGS)

# bgsub.Model.apply against cv2 MOG2's apply from Python, 1080p frames in
# memory, in turns (tools/bench_python.py; Debian's python3-opencv, for the
# benchmark only).
BENCH_PY_ARGS ?=
bench-python: python
	BUILD=$(BUILD) $(PYTHON) tools/bench_python.py $(BENCH_PY_ARGS)

clean:
	rm -rf build build-asan

# Fuzz targets (tests/fuzz/fuzz_*.c): libFuzzer + ASan + UBSan, clang only.
# `make fuzz` builds them into build-fuzz/ and runs each for FUZZ_SECONDS on
# its seed corpus (tests/fuzz/corpus/NAME/, read only; new inputs go to
# build-fuzz/corpus/NAME/); it fails if any target crashes, the crashing
# input left as build-fuzz/crash-NAME-*. `make -j2 fuzz` runs two at once.
# `make fuzz-merge` adds to the seed corpus what a run found that covers more
# (edges, not hit counts: the corpus stays small).
# Not part of `make test`.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_BUILD    = build-fuzz
FUZZ_TARGETS  = fuzz_png fuzz_jpeg fuzz_bmp fuzz_model fuzz_cli fuzz_eval_range fuzz_eval_gt
# The option parser's target links the program's own objects (not main.c).
FUZZ_CLI_OBJ  = $(filter-out $(FUZZ_BUILD)/src/cli/main.o,$(CLI_SRC:%.c=$(FUZZ_BUILD)/%.o))
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION \
                -D'IMAGE_MAX_PIXELS=(2048L * 2048L)'
FUZZ_MAX_LEN_fuzz_png   = 65536
FUZZ_MAX_LEN_fuzz_jpeg  = 65536
FUZZ_MAX_LEN_fuzz_bmp   = 65536
FUZZ_MAX_LEN_fuzz_model = 262144
FUZZ_MAX_LEN_fuzz_cli   = 1024
FUZZ_MAX_LEN_fuzz_eval_range = 256
FUZZ_MAX_LEN_fuzz_eval_gt    = 65536
# (fuzz-run-NAME and fuzz-merge-NAME cannot be .PHONY: make applies no
# pattern rule to a phony target.)
.PHONY: fuzz fuzz-build fuzz-merge

fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPT=-O1 \
	  EXTRA_CFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
	  $(FUZZ_BUILD)/libbgsub.a $(FUZZ_BUILD)/libbgsub_io.a $(FUZZ_BUILD)/libbgsub_draw.a \
	  $(FUZZ_CLI_OBJ)
	for t in $(FUZZ_TARGETS); do \
	  $(FUZZ_CC) $(CPPFLAGS_ALL) -Itests/fuzz $(PKG_CFLAGS) -std=c11 $(WARN) -g -O1 \
	    $(FUZZ_SAN) -fsanitize=fuzzer -o $(FUZZ_BUILD)/$$t tests/fuzz/$$t.c \
	    $$( case $$t in fuzz_cli|fuzz_eval_*) echo $(FUZZ_CLI_OBJ) ;; esac ) $(FUZZ_BUILD)/libbgsub_draw.a \
	    $(FUZZ_BUILD)/libbgsub_io.a $(FUZZ_BUILD)/libbgsub.a $(LDLIBS_ALL) || exit 1; \
	done

fuzz-run-%: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/corpus/$* tests/fuzz/corpus/$*
	$(FUZZ_BUILD)/$* -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN_$*) \
	  -artifact_prefix=$(FUZZ_BUILD)/crash-$*- -print_final_stats=1 \
	  $(FUZZ_BUILD)/corpus/$* tests/fuzz/corpus/$*

fuzz-merge: $(FUZZ_TARGETS:%=fuzz-merge-%)

fuzz-merge-%: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/corpus/$*
	$(FUZZ_BUILD)/$* -merge=1 -use_counters=0 tests/fuzz/corpus/$* $(FUZZ_BUILD)/corpus/$*

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
