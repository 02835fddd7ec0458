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
# libavdevice is not linked: frame_source.c opens it at run time, for a
# camera only (it pulls in some 80 libraries that slow every start).
PKG_LIBS   = $(eval PKG_LIBS := $$(shell pkg-config --libs $(filter-out libavdevice,$(PKG_IO)) 2>/dev/null))$(PKG_LIBS)
# --as-needed: a program records only the libraries it uses, so the library
# tests do not load FFmpeg (whose libhwy dependency stops valgrind 3.19).
LDLIBS_ALL = -Wl,--as-needed $(PKG_LIBS) -ldl -lpthread -lm $(EXTRA_LDLIBS)

BUILD   ?= build
LIB_SRC  = $(sort $(wildcard src/lib/*.c))
IO_SRC   = $(sort $(wildcard src/io/*.c))
CLI_SRC  = $(sort $(wildcard src/cli/*.c))
TOOL_SRC = $(sort $(wildcard tools/*.c))
TEST_SRC = $(sort $(wildcard tests/unit/test_*.c))
TEST_TOOL_SRC = $(sort $(wildcard tests/tools/*.c))

LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
IO_OBJ   = $(IO_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  = $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB_A    = $(BUILD)/libbgsub.a
# The shared library: version from bgsub.h, soname from its major number.
VERSION := $(shell sed -n 's/^\#define BGS_VERSION_STRING "\(.*\)"$$/\1/p' include/bgsub.h)
SONAME   = libbgsub.so.$(firstword $(subst ., ,$(VERSION)))
LIB_SO   = $(BUILD)/libbgsub.so.$(VERSION)
LIB_MAP  = src/lib/libbgsub.map
IO_A     = $(BUILD)/libbgsub_io.a
BIN      = $(BUILD)/bgsub
TOOLS    = $(TOOL_SRC:tools/%.c=$(BUILD)/tools/%)
TESTS    = $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_TOOLS = $(TEST_TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)

DEB_PACKAGES = build-essential pkg-config libpng-dev zlib1g-dev libjpeg-dev libavformat-dev \
               libavcodec-dev libswscale-dev libavutil-dev libavdevice-dev libsdl2-dev ffmpeg \
               man-db groff-base xvfb xauth xdotool parallel rsync python3

.PHONY: all deps demo test test-asan bench accuracy clean valgrind install uninstall
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
$(BUILD)/src/lib/postproc.o: CFLAGS_ALL += -O3

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
# links libbgsub.so.0 (the soname) and libbgsub.so (for -lbgsub) sit beside it.
$(LIB_SO): $(LIB_OBJ) $(LIB_MAP)
	$(CC) -shared $(CFLAGS_ALL) $(LDFLAGS) -Wl,-soname,$(SONAME) \
	  -Wl,--version-script=$(LIB_MAP) -Wl,--no-undefined -o $@ $(LIB_OBJ) -lpthread -lm
	ln -sf $(notdir $@) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libbgsub.so

$(IO_A): $(IO_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(IO_A) $(LIB_A)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $(CLI_OBJ) $(IO_A) $(LIB_A) $(LDLIBS_ALL)

$(BUILD)/tools/%: tools/%.c $(IO_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(PKG_CFLAGS) $(CFLAGS_ALL) -MMD -MP $(LDFLAGS) -o $@ $< $(IO_A) $(LIB_A) $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/test.h $(IO_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -Itests/unit $(PKG_CFLAGS) $(CFLAGS_ALL) -MMD -MP $(LDFLAGS) -o $@ $< $(IO_A) $(LIB_A) $(LDLIBS_ALL)

$(BUILD)/tests/tools/%: tests/tools/%.c $(IO_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(PKG_CFLAGS) $(CFLAGS_ALL) -MMD -MP $(LDFLAGS) -o $@ $< $(IO_A) $(LIB_A) $(LDLIBS_ALL)

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

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bgsub $(DESTDIR)$(LIBDIR)/libbgsub.a \
	  $(DESTDIR)$(LIBDIR)/libbgsub.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libbgsub.so $(DESTDIR)$(INCLUDEDIR)/bgsub.h \
	  $(DESTDIR)$(PKGCONFIGDIR)/bgsub.pc $(DESTDIR)$(MANDIR)/man1/bgsub.1

# Install the Debian packages the build and the tests need (run as root).
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y $(DEB_PACKAGES)

# Build, make sure the sample exists, and run bgsub on it end to end.
demo: all
	sh tools/demo.sh $(BUILD)

test: all $(TESTS) $(TEST_TOOLS)
	sh tests/run.sh $(BUILD)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 $(MAKE) BUILD=build-asan OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  test

# Valgrind (memcheck) over the unit tests that do not decode video: the
# model and its kernels, the histogram fit, image loading and saving, mask
# clean-up. Not part of `make test`. bgsub itself cannot start under
# Debian's valgrind 3.19: libavcodec pulls in libhwy, whose start-up code
# uses an instruction valgrind does not decode (SIGILL before main).
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

$(BUILD)/tools/bench_compare: tools/bench_compare.cpp $(IO_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS_ALL) -I/usr/include/opencv4 $(PKG_CFLAGS) -std=c++17 $(WARN) $(CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $< $(IO_A) $(LIB_A) $(OPENCV_LIBS) $(LDLIBS_ALL)

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
FUZZ_TARGETS  = fuzz_png fuzz_jpeg fuzz_bmp fuzz_model fuzz_cli
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
# (fuzz-run-NAME and fuzz-merge-NAME cannot be .PHONY: make applies no
# pattern rule to a phony target.)
.PHONY: fuzz fuzz-build fuzz-merge

fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPT=-O1 \
	  EXTRA_CFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
	  $(FUZZ_BUILD)/libbgsub.a $(FUZZ_BUILD)/libbgsub_io.a $(FUZZ_CLI_OBJ)
	for t in $(FUZZ_TARGETS); do \
	  $(FUZZ_CC) $(CPPFLAGS_ALL) -Itests/fuzz $(PKG_CFLAGS) -std=c11 $(WARN) -g -O1 \
	    $(FUZZ_SAN) -fsanitize=fuzzer -o $(FUZZ_BUILD)/$$t tests/fuzz/$$t.c \
	    $$( [ $$t = fuzz_cli ] && echo $(FUZZ_CLI_OBJ) ) \
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
