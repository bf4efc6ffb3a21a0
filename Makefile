# synq: plain GNU make, no generator.
#
#   make            library (libsynq.a) and the synq command, release flavour
#   make demo       build and run the default scenario
#   make test       every test, release flavour and again under ASan+UBSan
#   make bench      benchmarks, one "bench: NAME VALUE UNIT" line each
#   make fuzz       libFuzzer targets for a bounded time (FUZZ_SECONDS)
#
# Flavours live side by side: build/release and build/asan.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

FLAVOUR ?= release
BUILD := build/$(FLAVOUR)

CC := gcc
WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wpointer-arith -Wvla
CPPFLAGS := -D_DEFAULT_SOURCE -Iinclude -Isrc
DEPFLAGS = -MMD -MP
LDLIBS := -lm -lnettle -linih
AR := gcc-ar

ifeq ($(FLAVOUR),release)
  # Link-time optimisation inlines the small helpers across files (the
  # checksum and wire helpers on every packet): 18% fewer instructions
  # per cookie SYN-ACK under callgrind.
  OPT := -O2 -g -flto=auto
  LDFLAGS += -O2 -g -flto=auto
else ifeq ($(FLAVOUR),asan)
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
         -fno-sanitize-recover=all -DSYNQ_DEBUG=1
  LDFLAGS += -fsanitize=address,undefined
else ifeq ($(FLAVOUR),debug)
  OPT := -O0 -g3 -DSYNQ_DEBUG=1
else
  $(error FLAVOUR must be release, asan or debug)
endif
CFLAGS := $(WARN) $(OPT) -fPIC

# The stack core (ip, tcp, sock) uses libc only; the simulator and the
# applications sit around it in the same library.
LIB_DIRS := src/ip src/tcp src/tcp/listen src/sock src/stack src/nat src/app src/sim src/scenario src/report
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
CLI_SRCS := $(wildcard src/cli/*.c)
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_SUPPORT := $(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c))
BENCH_SRCS := $(wildcard bench/bench_*.c)
EXAMPLE_SRCS := $(wildcard examples/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
# The stack and the httpd run on every segment and every event: at -O3,
# and inlining helpers up to four times GCC's -O3 sizes, they take 8%
# fewer instructions per simulated HTTP connection under callgrind than at
# -O2 (text 15% larger), with the same output. LTO keeps each function's
# options from its compile.
ifeq ($(FLAVOUR),release)
HOT_SRCS := $(foreach d,src/ip src/tcp src/tcp/listen src/sock src/stack src/app,$(wildcard $(d)/*.c))
HOT_OPT := $(subst -O2,-O3,$(OPT)) --param max-inline-insns-auto=200 \
           --param max-inline-insns-single=800 --param early-inlining-insns=30
$(call obj,$(HOT_SRCS)): CFLAGS := $(WARN) $(HOT_OPT) -fPIC
endif
LIB := $(BUILD)/libsynq.a
SYNQ := $(BUILD)/synq
TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
TEST_SUPPORT_OBJS := $(call obj,$(TEST_SUPPORT))
BENCHES := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(EXAMPLE_SRCS))
PD_SO := $(BUILD)/libsynq_packetdrill.so
PD_SRCS := $(wildcard src/drivers/packetdrill*.c)
# synq watch: the real host's listen queues; its own archive, so that only
# the synq binary and the watch tests link libmnl.
WATCH_LIB := $(BUILD)/libsynq_watch.a
WATCH_LDLIBS := -lmnl

.PHONY: all lib demo test check tests bench fuzz deps clean conformance conformance-kernel examples

all: $(LIB) $(SYNQ) $(if $(PD_SRCS),$(PD_SO)) $(EXAMPLES)
lib: $(LIB)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB): $(call obj,$(LIB_SRCS))
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(WATCH_LIB): $(call obj,$(wildcard src/watch/*.c))
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# synq serve's driver: TUN, namespaces and the wall clock, in the synq binary only.
SERVE_SRCS := src/drivers/tun.c src/drivers/serve.c src/drivers/impair.c
$(SYNQ): $(call obj,$(CLI_SRCS) $(SERVE_SRCS)) $(WATCH_LIB) $(LIB)
	$(CC) $(LDFLAGS) $^ $(WATCH_LDLIBS) $(LDLIBS) -o $@

# The packetdrill driver: the stack as a shared object (packetdrill's
# --so_filename mode). Linked from the objects, not the archive, so that
# every symbol the driver needs is in it.
$(PD_SO): $(call obj,$(PD_SRCS)) $(call obj,$(LIB_SRCS))
	@mkdir -p $(@D)
	$(CC) -shared $(LDFLAGS) $^ -lpthread $(LDLIBS) -o $@

# The built-in scenario (synq demo, synq sim without a file) is
# scenarios/demo.ini compiled in as a C string literal.
$(BUILD)/gen/demo_ini.h: scenarios/demo.ini
	@mkdir -p $(@D)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
$(BUILD)/obj/src/cli/demo.o: $(BUILD)/gen/demo_ini.h
$(BUILD)/obj/src/cli/demo.o: CPPFLAGS += -I$(BUILD)/gen

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -lcmocka $(LDLIBS) -o $@

# The TCP core alone, with no socket layer: linked from the core's objects,
# not the archive, so that a call up into src/sock would fail to link.
CORE_SRCS := $(foreach d,src/ip src/tcp src/tcp/listen,$(wildcard $(d)/*.c))
$(BUILD)/tests/test_core_pair: $(BUILD)/obj/tests/unit/test_core_pair.o $(call obj,$(CORE_SRCS))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -lcmocka $(LDLIBS) -o $@

$(BUILD)/tests/test_watch%: $(BUILD)/obj/tests/unit/test_watch%.o $(TEST_SUPPORT_OBJS) $(WATCH_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -lcmocka $(WATCH_LDLIBS) $(LDLIBS) -o $@

$(BUILD)/bench/bench_watch: $(BUILD)/obj/bench/bench_watch.o $(WATCH_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(WATCH_LDLIBS) $(LDLIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# examples/: small programs a library user would write. Built against the
# public headers alone (no -Isrc), run by make test (tests/interop/examples.sh).
$(BUILD)/examples/%: examples/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) -D_DEFAULT_SOURCE -Iinclude $(CFLAGS) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@
examples: $(EXAMPLES)

deps:
	@scripts/deps.sh

# check: run this flavour's tests; test: both flavours, one closing line.
tests: $(TESTS) $(SYNQ) $(if $(PD_SRCS),$(PD_SO)) $(EXAMPLES)
check: tests
	@scripts/run-tests.sh $(BUILD) $(TESTS)

test: deps
	@$(MAKE) --no-print-directory FLAVOUR=release tests
	@$(MAKE) --no-print-directory FLAVOUR=asan tests
	@scripts/run-tests.sh --both build/release build/asan

demo: deps all
	@scripts/demo.sh $(SYNQ)

# bench/*.sh drive real programs (synq serve, ab) in namespaces.
bench: $(BENCHES) $(SYNQ)
	@for b in $(BENCHES); do $$b || exit 1; done
	@for b in bench/*.sh; do $$b $(BUILD) || exit 1; done

FUZZ_SECONDS ?= 60
# clang 19's libFuzzer: from LLVM 18 on it marks rare features in a bitset
# where LLVM 14's searched a list for every feature of every run, which was
# most of stack_input's instructions (392 k of 513 k a run; 75 k with 19).
FUZZ_CC ?= clang-19
FUZZ_TARGETS := $(patsubst fuzz/%.c,build/fuzz/%,$(wildcard fuzz/*.c))
# A target is linked with only the code it can reach: libFuzzer walks every
# coverage counter after every input, so unrelated code costs speed.
FUZZ_CORE_SRCS := $(foreach d,src/ip src/tcp src/tcp/listen src/sock src/stack,$(wildcard $(d)/*.c))
# ASan and UBSan, less UBSan's null and alignment checks (13 % of
# stack_input's instructions; a null dereference still stops the run with
# ASan's SEGV report, and make test's asan flavour keeps both checks).
# Stack use-after-return is not looked for, as under clang 14 (off by
# default there; on in 19, 8 % of the run). fuzz/coverage-ignore.txt lists
# the code left uninstrumented, and why.
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize=null,alignment \
  -fsanitize-address-use-after-return=never \
  -fsanitize-coverage-ignorelist=fuzz/coverage-ignore.txt
FUZZ_CFLAGS := $(CPPFLAGS) -std=c11 -g -O2 $(FUZZ_SAN) -fno-sanitize-recover=all -DSYNQ_DEBUG=1
# stack_input is built without comparison tracing (trace-cmp, which feeds
# libFuzzer's compare-guided mutations; it was 49 % of the target's
# instructions): its records are structured, the harness writes options
# from fields and sequence numbers as offsets from what the stack sent, so
# a value the stack compares seldom stands in the input to be replaced.
# The parsers' compares are fuzzed with tracing by packet_parse and
# http_request. Side by side for 300 s from fuzz/corpus: 5.3 M inputs and
# 2434 edges without tracing in the TCP core and socket layer, 4.4 M and
# 2422 with; 2.38 M / 2409 without tracing in src/ip either, 2.29 M / 2398
# with (a busier machine).
# Its object tree also leaves UBSan's pointer-overflow check out of the wire
# code and the harness (fuzz/sanitize-ignore.txt says why), and links
# fuzz/harness/wire.c: the harness builds and parses segments with its own
# copy of the wire code, so that only the stack's parsing and building
# count as coverage.
FUZZ_NO_CMP_TARGETS := stack_input
fuzz_srcs = $(if $(filter stack_input packet_parse,$(1)),$(FUZZ_CORE_SRCS),$(LIB_SRCS))
fuzz_objs = $(patsubst %.c,build/fuzz/$(if $(filter $(1),$(FUZZ_NO_CMP_TARGETS)),obj-nocmp,obj)/%.o,fuzz/$(1).c $(call fuzz_srcs,$(1)) $(if $(filter stack_input,$(1)),fuzz/harness/wire.c))
FUZZ_HDRS := $(wildcard src/*/*.h src/*/*/*.h include/synq/*.h fuzz/*/*.h)
build/fuzz/obj/%.o: %.c fuzz/coverage-ignore.txt $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
build/fuzz/obj-nocmp/%.o: %.c fuzz/coverage-ignore.txt fuzz/sanitize-ignore.txt $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fno-sanitize-coverage=trace-cmp \
	  -fsanitize-ignorelist=fuzz/sanitize-ignore.txt -c $< -o $@
build/fuzz/obj-nocmp/fuzz/harness/wire.o: src/ip/ipv4.c src/ip/tcp_wire.c
.PRECIOUS: build/fuzz/obj/%.o build/fuzz/obj-nocmp/%.o
.SECONDEXPANSION:
build/fuzz/%: $$(call fuzz_objs,$$*)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ $(LDLIBS) -o $@
# stack_input: at most 128 bytes, a handful of records (a segment is 12 to
# 60 bytes, a socket call 5, a time step 3) from a scene that already holds
# a listener and two connections: 3.4 times the inputs of libFuzzer's
# default 4096. Side by side for 300 s, 4096 reached 36 more edges (2488
# against 2452: states that take many records, such as a full accept queue
# or timeouts after many events); for such a run:
#   make fuzz FUZZ_OPTS_stack_input=-max_len=4096
FUZZ_OPTS_stack_input ?= -max_len=128
fuzz: deps $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
	  n=$$(basename $$t); mkdir -p build/fuzz/corpus-$$n; \
	  case $$n in stack_input) opts="$(FUZZ_OPTS_stack_input)";; *) opts=;; esac; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS) s $$opts"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$opts \
	      build/fuzz/corpus-$$n fuzz/corpus/$$n || exit 1; \
	done

# Conformance: packetdrill scripts against the .so. Needs a packetdrill binary
# built by hand (see README) and directories of scripts: synq's own
# (tests/packetdrill) by default; add packetdrill's gtests/net/tcp and the
# kernel's tools/testing/selftests/net/packetdrill to compare with Linux
# (tests/conformance/linux-6.18-pass.tsv says which pass there). Not part of test.
PACKETDRILL ?= $(shell command -v packetdrill 2>/dev/null)
SCRIPTS ?= tests/packetdrill
conformance: $(PD_SO)
	@scripts/conformance.sh "$(PACKETDRILL)" $(PD_SO) build/conformance.tsv $(SCRIPTS)

# Our own scripts (tests/packetdrill/) against the real Linux kernel, each in
# a private network namespace: a script that fails there is a wrong script.
conformance-kernel:
	@scripts/conformance-kernel.sh "$(PACKETDRILL)" tests/packetdrill build/conformance-kernel.tsv

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
