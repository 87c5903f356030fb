# Makefile - builds build/exifstrip, its tests (plain and ASan+UBSan), fuzz
# targets and benchmarks. Sources are discovered by directory, so adding a
# file under src/ or tests/ needs no change here:
#   src/{common,jpeg,orient,worker}/*.c,
#   src/aws/<part>/*.c               -> $(BUILD)/libexifstrip.a
#   src/cli/*.c                      -> $(BUILD)/exifstrip
#   tests/support/*.c, tests/harness -> $(BUILD)/libestest.a
#   tests/<area>[/<part>]/*_test.c   -> $(BUILD)/tests/<area>[/<part>]/*_test   (unit)
#   tests/<area>[/<part>]/*_itest.c  -> $(BUILD)/tests/<area>[/<part>]/*_itest  (need the emulator)
#   tests/fuzz/*_fuzz.c              -> libFuzzer targets (make fuzz) and seed replayers (make test)
#   tests/bench/*_bench.c            -> $(BUILD)/bench/*  (make bench)
#   tests/tools/*.c                  -> $(BUILD)/tests/tools/*  (helpers for shell tests)

PREFIX   ?= /usr/local
DESTDIR  ?=
SYSCONFDIR ?= /etc
UNITDIR  ?= $(PREFIX)/lib/systemd/system
BUILD    ?= build
CC       ?= cc
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
SANITIZE ?=
FUZZ_SECONDS ?= 60
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
# V=1 shows full compiler command lines.
ifeq ($(V),1)
Q :=
else
Q := @
endif

# libcurl, libcrypto (openssl) and libexif are compiled against but not
# linked: src/aws/http/curl_dl.c, src/aws/sigv4/crypto_dl.c and
# src/cli/exif_dl.c dlopen them on first use, so local commands do not pay for
# loading them (libcurl pulls in ~35 libraries) and an idle worker does not map
# libexif (LGPL, so not linked statically) and its libm. The test programs link
# libexif itself (they do not contain src/cli).
#
# Of the linked ones, jansson, libturbojpeg and expat (MIT, BSD-style, MIT
# licences) are linked statically when their archives are installed (Debian's
# -dev packages ship them): each shared library costs every process start
# ~0.1-0.2 ms of loading and relocating, a quarter of a small photo's `strip`.
# STATIC_PKGS= links them shared.
PKGS      := jansson libturbojpeg expat
STATIC_PKGS ?= jansson libturbojpeg expat
DL_PKGS   := libcurl openssl libexif
TEST_PKGS := libjpeg libexif lcms2
# PKG_CONFIG: a cross build's (e.g. aarch64-linux-gnu-pkg-config, as Debian's
# cross builds pass it).
PKG_CONFIG ?= pkg-config
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) $(DL_PKGS) 2>/dev/null)
# Each static package's archive by full path ($(CC) -print-file-name prints a
# bare name when it finds none: that package is then linked shared).
STATIC_LIBS  := $(patsubst -l%,%,$(shell $(PKG_CONFIG) --libs-only-l $(STATIC_PKGS) 2>/dev/null))
STATIC_ARCHIVES := $(filter /%,$(foreach l,$(STATIC_LIBS),$(shell $(CC) -print-file-name=lib$(l).a)))
STATIC_FOUND := $(patsubst lib%.a,-l%,$(notdir $(STATIC_ARCHIVES)))
PKG_LIBS   := $(STATIC_ARCHIVES) $(filter-out $(STATIC_FOUND),$(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null))
TEST_LIBS  := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

# WERROR=1 (set by .ci/run) turns warnings into errors; a user's build with a
# newer compiler than CI's is not broken by a warning that compiler adds.
WERROR   ?= 0
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2
ifeq ($(WERROR),1)
WARN     += -Werror
endif
# CPPFLAGS, CFLAGS, LDFLAGS and LDLIBS are the packager's (dpkg-buildflags,
# rpm's %make_build), from the command line or the environment: they are added
# to the project's flags (ES_*), never replace them (tests/mk/build_flags_test.sh).
ES_CPPFLAGS = $(CPPFLAGS) -Iinclude -Isrc -D_GNU_SOURCE -DES_VERSION='"$(VERSION)"'
# OPT is the optimisation/instrumentation part (sanitizer and fuzz trees change
# it). -O3 everywhere: what `make`, `make install` and the image ship is what
# `make bench` measures and what the tests run.
OPT      ?= -O3 -g
ifeq ($(SANITIZE),1)
OPT      := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_LDFLAGS := -fsanitize=address,undefined
endif
# SANITIZE=thread: ThreadSanitizer (`make tsan` builds it in build/tsan).
ifeq ($(SANITIZE),thread)
OPT      := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
SAN_LDFLAGS := -fsanitize=thread
endif
ES_CFLAGS  = -std=c11 $(WARN) -pthread $(PKG_CFLAGS) $(OPT) $(CFLAGS)
# --as-needed: no NEEDED entry for a library nothing calls (each costs a load
# at every start); -O1: the linker optimises the dynamic symbol hash tables.
ES_LDFLAGS = -Wl,--as-needed -Wl,-O1 $(SAN_LDFLAGS) $(LDFLAGS)
ES_LDLIBS  = $(LDLIBS) $(PKG_LIBS) -pthread -lm

LIB_SRC   := $(sort $(wildcard src/common/*.c src/jpeg/*.c src/orient/*.c src/aws/*/*.c src/worker/*.c))
CLI_SRC   := $(sort $(wildcard src/cli/*.c))
TSUP_SRC  := $(sort $(wildcard tests/harness/*.c tests/support/*.c))
TEST_AREAS_EXCLUDED := tests/support/% tests/harness/% tests/tools/%
UNIT_SRC  := $(sort $(filter-out $(TEST_AREAS_EXCLUDED),$(wildcard tests/*/*_test.c tests/*/*/*_test.c)))
ITEST_SRC := $(sort $(filter-out $(TEST_AREAS_EXCLUDED),$(wildcard tests/*/*_itest.c tests/*/*/*_itest.c)))
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/*_fuzz.c))
BENCH_SRC := $(sort $(wildcard tests/bench/*_bench.c))
TOOL_SRC  := $(sort $(wildcard tests/tools/*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TSUP_OBJ := $(TSUP_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%)
ITEST_BIN:= $(ITEST_SRC:tests/%.c=$(BUILD)/tests/%)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%_fuzz.c=$(BUILD)/tests/fuzz/%_replay_test)
BENCH_BIN:= $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
TOOL_BIN := $(TOOL_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all deps deps-containers test test-build test-clang test-arm64 test-deploy test-deploy-arm64 image asan tsan tsan-build fuzz fuzz-build bench install uninstall clean demo local-up local-down check-layers lint tf-check

all: $(BUILD)/exifstrip

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ES_CPPFLAGS) $(ES_CFLAGS) -MMD -MP -c $< -o $@

# ES_VERSION is compiled in (user agent, logs, reports, --version): a new
# VERSION builds the product's objects again.
$(LIB_OBJ) $(CLI_OBJ): $(wildcard VERSION)

# Archives are made afresh: src/aws/<part>/ files may share a basename
# (http/headers.c, sigv4/headers.c), and `ar r` on an existing archive would
# replace the wrong member of that name.
$(BUILD)/libexifstrip.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/libestest.a: $(TSUP_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/exifstrip: $(CLI_OBJ) $(BUILD)/libexifstrip.a
	$(Q)$(CC) $(ES_LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libexifstrip.a $(ES_LDLIBS)

# The test programs' objects are reached only through the pattern rules below:
# kept, not deleted as intermediate files after linking (the next make would
# know them from their .d files and build every test program again).
.SECONDARY: $(patsubst %.c,$(BUILD)/obj/%.o,$(UNIT_SRC) $(ITEST_SRC) $(FUZZ_SRC) tests/fuzz/replay_main.c $(BENCH_SRC) $(TOOL_SRC))

# Tests may use libjpeg (fixture encoding/decoding) and liblcms2 (ICC profiles for the
# scrub tests: tests/jpeg/icc_util.h) on top of the product's libraries.
$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(BUILD)/libestest.a $(BUILD)/libexifstrip.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ES_LDFLAGS) -o $@ $< $(BUILD)/libestest.a $(BUILD)/libexifstrip.a $(TEST_LIBS) $(ES_LDLIBS)

# proxy_env_test defines getenv to count curl's lookups: exported, so the
# dlopen'ed libcurl calls it.
$(BUILD)/tests/aws/http/proxy_env_test: ES_LDFLAGS += -Wl,--export-dynamic-symbol=getenv

# Each fuzz target doubles as a unit test that replays its seeds and a few
# generated inputs without libFuzzer (tests/fuzz/replay_main.c).
$(BUILD)/tests/fuzz/%_replay_test: $(BUILD)/obj/tests/fuzz/%_fuzz.o $(BUILD)/obj/tests/fuzz/replay_main.o $(BUILD)/libestest.a $(BUILD)/libexifstrip.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ES_LDFLAGS) -o $@ $^ $(TEST_LIBS) $(ES_LDLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(BUILD)/libestest.a $(BUILD)/libexifstrip.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ES_LDFLAGS) -o $@ $< $(BUILD)/libestest.a $(BUILD)/libexifstrip.a $(TEST_LIBS) $(ES_LDLIBS)

# The bench programs are built too: tests/bench/bench_smoke_test.sh runs the harness in a tiny mode.
test-build: $(BUILD)/exifstrip $(UNIT_BIN) $(ITEST_BIN) $(REPLAY_BIN) $(TOOL_BIN) $(BENCH_BIN)

deps:
	@mk/deps.sh

# The README's test command: installs what is missing, builds the plain and the
# ASan+UBSan trees, runs unit, integration (emulator) and end-to-end tests in
# both, and ends with one line "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) test-build
	@mk/check-layers.sh $(BUILD)
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/asan SANITIZE=1 test-build
	@tests/run.sh build build/asan

asan: deps
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/asan SANITIZE=1 test-build
	@tests/run.sh build/asan

# ThreadSanitizer over the threaded code: the unit tests of src/worker,
# src/aws and src/common (and TSAN_TESTS), the worker's integration tests and the end-to-end
# tests (the real worker, built with TSan too, against the emulator). Every
# process writes its reports to build/tsan/reports (log_path), so a race in a
# worker an e2e script started fails that script (tests/run.sh,
# ES_SANITIZER_REPORTS). TSAN_QUICK=1 (CI): the C programs only, no scripts.
# No suppressions: no report has come from an uninstrumented library yet.
# The run has ASLR off (setarch -R, inherited by every process it starts):
# gcc 12's TSan cannot place its shadow memory where a kernel with
# vm.mmap_rnd_bits 32 (Ubuntu 24.04's, for one) maps a program ("FATAL:
# ThreadSanitizer: unexpected memory mapping"), and setarch needs no root.
# Of src/orient (single-threaded code, shared state: kept blocks, the block
# pack's chosen implementation), the test that turns photos on several
# threads at once.
TSAN_AREAS := worker aws common
TSAN_TESTS := orient/concurrent_test
TSAN_LAUNCH = $(if $(shell command -v setarch),setarch $(shell uname -m) -R)
TSAN_PROGRAMS = $(filter $(patsubst %,$(BUILD)/tests/%/%,$(TSAN_AREAS)) $(TSAN_TESTS:%=$(BUILD)/tests/%),\
                  $(UNIT_BIN) $(ITEST_BIN))
TSAN_REPORTS := build/tsan/reports
tsan: deps
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/tsan SANITIZE=thread tsan-build
	@rm -rf $(TSAN_REPORTS) && mkdir -p $(TSAN_REPORTS)
	@ES_RUN_ONLY='(^|/)tests/($(shell echo $(TSAN_AREAS) e2e | tr ' ' '|'))/|(^|/)tests/($(shell echo $(TSAN_TESTS) | tr ' ' '|'))$$' \
	    ES_SANITIZER_REPORTS=$(TSAN_REPORTS) \
	    ES_RUN_SCRIPTS=$(if $(TSAN_QUICK),0,1) \
	    TSAN_OPTIONS="log_path=$(CURDIR)/$(TSAN_REPORTS)/tsan second_deadlock_stack=1 $(TSAN_OPTIONS)" \
	    $(TSAN_LAUNCH) tests/run.sh build/tsan

tsan-build: $(BUILD)/exifstrip $(TSAN_PROGRAMS) $(BUILD)/tests/tools/mkfixture $(BUILD)/tests/tools/jpegcmp

# libFuzzer targets need clang; the library is rebuilt with the fuzzer's instrumentation.
FUZZ_BUILD := build/fuzz
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -g -O1
fuzz-build:
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=$(FUZZ_BUILD) CC=clang OPT="$(FUZZ_FLAGS)" \
	    $(FUZZ_BUILD)/libexifstrip.a $(FUZZ_BUILD)/libestest.a $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/obj/tests/fuzz/%.o)
	@for src in $(FUZZ_SRC); do name=$$(basename $$src .c); \
	    clang -fsanitize=fuzzer,address,undefined -o $(FUZZ_BUILD)/$$name $(FUZZ_BUILD)/obj/tests/fuzz/$$name.o \
	        $(FUZZ_BUILD)/libestest.a $(FUZZ_BUILD)/libexifstrip.a $(TEST_LIBS) $(ES_LDLIBS) || exit 1; done

fuzz: deps fuzz-build
	@tests/fuzz/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: deps
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/bench-tree build/bench-tree/exifstrip \
	    $(BENCH_SRC:tests/bench/%.c=build/bench-tree/bench/%) build/bench-tree/tests/tools/mkfixture \
	    build/bench-tree/tests/tools/jpegcmp
	@tests/bench/run-bench.sh build/bench-tree --readme README.md --data build/bench-tree/results.json

# The demo generates its sample photos with the fixture tool.
DEMO_BINS := $(BUILD)/exifstrip $(BUILD)/tests/tools/mkfixture
demo: deps
	@$(MAKE) --no-print-directory -j$(JOBS) $(DEMO_BINS)
	@scripts/demo.sh

local-up: deps
	@$(MAKE) --no-print-directory -j$(JOBS) $(DEMO_BINS)
	@scripts/demo.sh --keep-running

local-down:
	@scripts/demo.sh --stop

# The layering rule: common <- jpeg <- orient <- aws <- worker <- cli, and inside
# src/aws http <- creds <- sigv4 <- client <- s3, sqs; src/jpeg and src/orient do
# no I/O (includes, calls, and the undefined symbols of their objects).
check-layers: $(LIB_OBJ)
	@mk/check-layers.sh $(BUILD)

# Static checks: clang-tidy with .clang-tidy over src/, ESLint over the emulator.
lint: deps
	@mk/lint.sh

# AArch64 (Graviton, ECS Fargate ARM64): the whole tree cross-built with
# aarch64-linux-gnu-gcc (mk/deps.sh --arm64) against arm64 libraries
# unpacked into a private sysroot (mk/cross-arm64.sh; RPATH, not RUNPATH, so
# that the libcurl the worker dlopens finds its own dependencies there too),
# then every unit and integration test (emulator) run under qemu-aarch64,
# the worker the integration tests start included (through exifstrip-qemu);
# ends with "N passed, N failed". Not run: the shell and end-to-end tests
# (they run host tools), ASan. ES_TEST_EMULATED: tests/harness/test.h.
# A second pass compiles the library with clang for aarch64 (the gcc cross
# toolchain's libc and linker, the same sysroot) and runs, in the same
# tests/run.sh, only the tests of the code clang compiles differently there
# (ARM64_CLANG_TESTS: PMULL CRC folding, the NEON scan, CPU detection, block
# packing, and memory_test, whose malloc clang once optimised away): about a
# minute more than the whole tree once.
ARM64_BUILD   := build/arm64
ARM64_CLANG_BUILD := build/arm64-clang
ARM64_SYSROOT := $(CURDIR)/$(ARM64_BUILD)/sysroot
ARM64_LIBDIR  := $(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu
ARM64_QEMU    := qemu-aarch64 -L /usr/aarch64-linux-gnu
ARM64_CLANG_TESTS := common/crc_test common/crc_ref_test jpeg/scan_test jpeg/scan_diff_test \
    orient/block_pack_test orient/block_pack_edge_test orient/orient_test fuzz/simd_diff_replay_test \
    worker/memory_test
# $(call arm64_make,COMPILER,BUILD,GOALS): a make of the tree for aarch64.
arm64_make = PKG_CONFIG_LIBDIR=$(ARM64_LIBDIR)/pkgconfig PKG_CONFIG_SYSROOT_DIR=$(ARM64_SYSROOT) \
    $(MAKE) --no-print-directory -j$(JOBS) BUILD=$(2) CC="$(1) -B$(ARM64_LIBDIR)/" \
    CFLAGS="-isystem $(ARM64_SYSROOT)/usr/include/aarch64-linux-gnu" \
    LDFLAGS="-Wl,--disable-new-dtags,-rpath,$(ARM64_LIBDIR):$(ARM64_SYSROOT)/lib/aarch64-linux-gnu -Wl,-rpath-link,$(ARM64_LIBDIR)" \
    WERROR=$(WERROR) $(3)
empty :=
space := $(empty) $(empty)
test-arm64:
	@mk/deps.sh --arm64
	@mk/cross-arm64.sh $(ARM64_SYSROOT)
	@$(call arm64_make,aarch64-linux-gnu-gcc,$(ARM64_BUILD),test-build)
	@$(call arm64_make,clang --target=aarch64-linux-gnu,$(ARM64_CLANG_BUILD),$(ARM64_CLANG_TESTS:%=$(ARM64_CLANG_BUILD)/tests/%))
	@printf '#!/bin/sh\nexec $(ARM64_QEMU) %s "$$@"\n' $(CURDIR)/$(ARM64_BUILD)/exifstrip >$(ARM64_BUILD)/exifstrip-qemu
	@chmod +x $(ARM64_BUILD)/exifstrip-qemu
	@ES_RUN_WRAPPER="$(ARM64_QEMU)" ES_RUN_SCRIPTS=0 ES_TEST_EMULATED=1 EXIFSTRIP=$(CURDIR)/$(ARM64_BUILD)/exifstrip-qemu \
	    ES_RUN_ONLY='^$(ARM64_BUILD)/|^$(ARM64_CLANG_BUILD)/tests/($(subst $(space),|,$(ARM64_CLANG_TESTS)))$$' \
	    tests/run.sh $(ARM64_BUILD) $(ARM64_CLANG_BUILD)

# What CI adds to `make test`: the same sources built with clang (whose warnings
# differ from gcc's, and whose optimiser once deleted a test's blocks that gcc
# kept: memory_test), warnings as errors, the layering check on its objects
# (clang calls other libc functions: bcmp), then every C program of that tree
# run: the unit tests and the integration tests (the emulator started by
# tests/run.sh), ending with "N passed, N failed". Measured with the build
# done, on the 2 shared cores: units ~60 s, integration tests ~70 s (waits,
# ~5 s of CPU in all). Not run: the shell and end-to-end scripts (over 6
# minutes more; make test runs them against the gcc tree).
test-clang: deps
	@$(MAKE) --no-print-directory -j$(JOBS) CC=clang BUILD=build/clang WERROR=$(WERROR) test-build
	@mk/check-layers.sh build/clang
	@ES_RUN_SCRIPTS=0 tests/run.sh build/clang

# Offline checks of terraform/ (HCL, AWS provider schema, IAM table, variable
# flow); also run by make test as tests/terraform/terraform_test.sh.
tf-check: deps
	@tests/terraform/terraform_test.sh

# The binary, the systemd unit (ExecStart follows PREFIX) and the example
# environment file; the real /etc/exifstrip/worker.env is the admin's to write.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/exifstrip
	install -m 0755 $(BUILD)/exifstrip $(DESTDIR)$(PREFIX)/bin/exifstrip
	sed -e 's|/usr/local/bin/exifstrip|$(PREFIX)/bin/exifstrip|' -e 's|/etc/exifstrip/|$(SYSCONFDIR)/exifstrip/|' \
	    systemd/exifstrip-worker.service >$(DESTDIR)$(UNITDIR)/exifstrip-worker.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/exifstrip-worker.service
	install -m 0644 systemd/worker.env.example $(DESTDIR)$(SYSCONFDIR)/exifstrip/worker.env.example

# Of the directories install makes, only $(SYSCONFDIR)/exifstrip is exifstrip's
# own: removed when empty (the admin's worker.env keeps it); bin/ and the unit
# directory are shared.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/exifstrip $(DESTDIR)$(UNITDIR)/exifstrip-worker.service \
	    $(DESTDIR)$(SYSCONFDIR)/exifstrip/worker.env.example
	[ ! -d $(DESTDIR)$(SYSCONFDIR)/exifstrip ] || rmdir --ignore-fail-on-non-empty $(DESTDIR)$(SYSCONFDIR)/exifstrip

# The container image (docker/Dockerfile), built offline with podman (or docker);
# prints its size. The first run makes the debian:bookworm-slim base with debootstrap.
# ARCH=arm64 builds exifstrip:latest-arm64 under qemu emulation (scripts/container.sh).
image: deps-containers
	@scripts/container.sh $(if $(ARCH),--arch $(ARCH)) image

deps-containers:
	@mk/deps.sh --containers

# Container, compose and systemd deployment tests (minutes: image builds); CI runs
# them after `make test`. Ends with "N passed, N failed"; skips, saying so,
# when no container engine can run.
test-deploy: deps-containers
	@$(MAKE) --no-print-directory -j$(JOBS) $(BUILD)/exifstrip $(BUILD)/tests/tools/mkfixture
	@tests/run.sh --deploy $(BUILD)

# Opt-in (tens of minutes the first time): the arm64 image built and run under
# qemu emulation, tests/docker/image_arm64_test.sh.
test-deploy-arm64:
	@mk/deps.sh --arm64-image
	@$(MAKE) --no-print-directory -j$(JOBS) $(BUILD)/exifstrip $(BUILD)/tests/tools/mkfixture
	@ES_DEPLOY_ARM64=1 ES_RUN_ONLY=image_arm64_test tests/run.sh --deploy $(BUILD)

# Every tree the targets here make is under build/ (asan, tsan, clang, fuzz,
# bench-tree, arm64, ...); BUILD= may name one elsewhere: removed too, unless it
# is empty, / or the source tree or a directory above it.
clean:
	rm -rf build
	@b='$(abspath $(BUILD))'; case "$(CURDIR)/" in "$$b"/*) b= ;; esac; \
	if [ -z "$$b" ] || [ "$$b" = / ]; then echo "clean: BUILD=$(BUILD) is not removed (empty, / or above the sources)" >&2; \
	elif [ -e "$$b" ]; then echo "rm -rf $$b"; rm -rf "$$b"; fi

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
