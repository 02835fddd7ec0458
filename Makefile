# bgsub - plain Makefile. `make` builds libbgsub and the bgsub program into build/.
# Targets: all, deps (install Debian packages), demo, test, test-asan, bench, clean.

CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
WARN     = -Wall -Wextra
CPPFLAGS_ALL = -Iinclude -Isrc -D_DEFAULT_SOURCE -D_GNU_SOURCE
# No fused multiply-add: the scalar and vector kernels must round alike.
CFLAGS_ALL   = -std=c11 $(WARN) -ffp-contract=off $(CFLAGS) $(EXTRA_CFLAGS)
PKG_IO   = libpng libjpeg libavformat libavcodec libswscale libavutil libavdevice sdl2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKG_IO) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKG_IO) 2>/dev/null)
LDLIBS_ALL = $(PKG_LIBS) -lpthread -lm $(EXTRA_LDLIBS)

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
IO_A     = $(BUILD)/libbgsub_io.a
BIN      = $(BUILD)/bgsub
TOOLS    = $(TOOL_SRC:tools/%.c=$(BUILD)/tools/%)
TESTS    = $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_TOOLS = $(TEST_TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)

DEB_PACKAGES = build-essential pkg-config libpng-dev libjpeg-dev libavformat-dev \
               libavcodec-dev libswscale-dev libavutil-dev libavdevice-dev libsdl2-dev ffmpeg

.PHONY: all deps demo test test-asan bench clean
all: $(BIN) $(TOOLS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(PKG_CFLAGS) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# The vector kernels are built for their instruction sets; each only runs
# where the CPU has them (checked at run time).
$(BUILD)/src/lib/model_avx2.o: CFLAGS_ALL += -mavx2 -mf16c
$(BUILD)/src/lib/model_avx512.o: CFLAGS_ALL += -mavx512f -mf16c

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

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
	$(MAKE) BUILD=build-asan OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  test

bench: all
	sh tools/bench.sh $(BUILD)

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
