# ifrit build. `make` builds build/release/ifrit; BUILD=asan builds the
# AddressSanitizer+UBSan variant into build/asan/. Sources are picked up by
# wildcard: a new file in a layer needs no Makefile edit.
# While working on one layer: make OUT=build/mine CORE_LAYERS="base wasm" SERVER_SRCS= unit-bins

BUILD   ?= release
OUT     ?= build/$(BUILD)
CC      ?= gcc
CLANG   ?= clang-19

# Every layer except server/ (and edge/) must also build for wasm32-wasi.
CORE_LAYERS ?= base wasm wasi http config route fn plugin
CORE_SRCS   := $(foreach l,$(CORE_LAYERS),$(wildcard src/$(l)/*.c))
SERVER_SRCS ?= $(filter-out src/server/main.c,$(wildcard src/server/*.c))
# TLS (src/tls): certificates, the SNI store, OpenSSL contexts, the local CA
# and the data directory; native only (OpenSSL), so not a core layer.
TLS_SRCS    ?= $(wildcard src/tls/*.c)
# The ACME client (src/acme): native only (OpenSSL, libcurl, threads), so it
# is not a core layer; linked into ifrit, the unit tests and tests/tools/acme_*.
ACME_SRCS   ?= $(wildcard src/acme/*.c)

# Headers the build computes (build/gen), shared by every build variant.
GEN     := build/gen
HOSTCC  ?= cc

# libpq's headers are in their own directory on Debian (libpq-dev).
CFLAGS_COMMON := -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc -I$(GEN) -I/usr/include/postgresql -g -MMD -MP -pthread
ifeq ($(BUILD),asan)
  CFLAGS_MODE := -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                 -fno-omit-frame-pointer -DIFR_POOL_MALLOC
  LDFLAGS_MODE := -fsanitize=address,undefined
else ifeq ($(BUILD),fuzz)
  # The core for the libFuzzer targets (tests/fuzz/run.sh, CC=clang-19).
  # Not -fsanitize=function: it reads a type signature in the 8 bytes before
  # every target of an indirect call, and compiled wasm code (src/wasm/jit_*)
  # has none; at the start of its mapping that read faults.
  CFLAGS_MODE := -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=function \
                 -fno-sanitize-recover=undefined
  LDFLAGS_MODE := -fsanitize=fuzzer,address,undefined
else
  CFLAGS_MODE := -O2
  LDFLAGS_MODE :=
endif
CFLAGS  += $(CFLAGS_COMMON) $(CFLAGS_MODE)
LDFLAGS += $(LDFLAGS_MODE) -pthread
LDLIBS  += -lcurl -lsqlite3 -lhiredis -lpq -lssl -lcrypto -lnghttp2 -lz -lzstd -lcrypt -lm

CORE_OBJS   := $(CORE_SRCS:%.c=$(OUT)/obj/%.o)
SERVER_OBJS := $(SERVER_SRCS:%.c=$(OUT)/obj/%.o)
TLS_OBJS    := $(TLS_SRCS:%.c=$(OUT)/obj/%.o)
ACME_OBJS   := $(ACME_SRCS:%.c=$(OUT)/obj/%.o)
CORE_LIB    := $(OUT)/libifrit-core.a
SERVER_LIB  := $(OUT)/libifrit-server.a
TLS_LIB     := $(OUT)/libifrit-tls.a
ACME_LIB    := $(OUT)/libifrit-acme.a
IFRIT       := $(OUT)/ifrit

# Unit tests: tests/unit/<layer>/test_*.c, one executable each.
UNIT_SRCS := $(wildcard tests/unit/*/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/%)
# Native helper programs used by e2e tests and benchmarks (tests/tools/*.c).
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(OUT)/tools/%)

.PHONY: all run test test-quick bench fuzz fuzz-replay clean edge-check deps deps-run guests guests-examples gen unit-bins print-ldlibs
all: $(IFRIT)

deps:
	@scripts/install-deps.sh
deps-run:
	@scripts/install-deps.sh --run

# clang (LLVM 18+) merges the interpreter's computed gotos back into one
# indirect jump unless tail duplication may grow; gcc needs nothing.
ifneq (,$(findstring clang,$(CC)))
$(OUT)/obj/src/wasm/interp.o: CFLAGS += -mllvm -tail-dup-pred-size=1000 -mllvm -tail-dup-succ-size=1000
endif

# Blowfish's initial state, pi's hex digits, computed by scripts/pi-hex.c.
$(GEN)/blowfish_pi.h: scripts/pi-hex.c
	@mkdir -p $(GEN)
	$(HOSTCC) -std=c17 -O2 -Wall -Wextra -Werror $< -o $(GEN)/pi-hex
	$(GEN)/pi-hex > $@.tmp && mv $@.tmp $@
gen: $(GEN)/blowfish_pi.h
$(OUT)/obj/src/base/bcrypt.o: $(GEN)/blowfish_pi.h

$(OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

$(SERVER_LIB): $(SERVER_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

$(ACME_LIB): $(ACME_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

$(TLS_LIB): $(TLS_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

$(IFRIT): $(OUT)/obj/src/server/main.o $(SERVER_LIB) $(ACME_LIB) $(TLS_LIB) $(CORE_LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# A unit test links the layers it tests and those below them, no more: a
# core layer's test the core library, src/tls's and src/acme's their own
# library too (test_tls also drives the TLS-ALPN-01 answers src/acme keeps),
# src/server's all of them. (The most specific pattern wins.)
UNIT_LIBS_CORE   := $(CORE_LIB)
UNIT_LIBS_NATIVE := $(ACME_LIB) $(TLS_LIB) $(CORE_LIB)
UNIT_LIBS_SERVER := $(SERVER_LIB) $(UNIT_LIBS_NATIVE)
define unit_test_rule
$(OUT)/tests/$(1)%: tests/unit/$(1)%.c $(2) tests/unit/testing.h
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) -Itests/unit $$< $(2) $$(LDFLAGS) $$(LDLIBS) -o $$@
endef
$(eval $(call unit_test_rule,,$(UNIT_LIBS_CORE)))
$(eval $(call unit_test_rule,tls/,$(UNIT_LIBS_NATIVE)))
$(eval $(call unit_test_rule,acme/,$(UNIT_LIBS_NATIVE)))
$(eval $(call unit_test_rule,server/,$(UNIT_LIBS_SERVER)))

$(OUT)/tools/%: tests/tools/%.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(CORE_LIB) $(LDFLAGS) $(LDLIBS) -o $@

# The ACME tools drive the client: they link src/acme too.
$(OUT)/tools/acme_%: tests/tools/acme_%.c $(ACME_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(ACME_LIB) $(CORE_LIB) $(LDFLAGS) $(LDLIBS) -o $@

# The functions' host backend tools call the server's backend: they link it.
$(OUT)/tools/bench_fnhost_%: tests/tools/bench_fnhost_%.c $(UNIT_LIBS_SERVER)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(UNIT_LIBS_SERVER) $(LDFLAGS) $(LDLIBS) -o $@

unit-bins: $(UNIT_BINS) $(TOOL_BINS)

run: deps-run
	@$(MAKE) --no-print-directory all guests-examples
	@scripts/run-example.sh $(IFRIT)

# The whole suite: release and sanitizer builds, unit, e2e, spec, edge-check.
test: deps
	@tests/run.sh

# The release build's unit tests and e2e tests only: no asan, nothing installed.
test-quick:
	@tests/run.sh --quick

bench: deps
	@$(MAKE) --no-print-directory BUILD=release all
	@bench/run.sh

fuzz: deps
	@tests/fuzz/run.sh

# Every fuzz target's seed inputs once (part of `make test` too).
# The libraries every program links, for tests/fuzz/run.sh (one list, so the
# fuzz targets never miss a library the server gained).
print-ldlibs:
	@echo $(LDLIBS)

fuzz-replay:
	@tests/fuzz/run.sh --replay

edge-check:
	@scripts/edge-check.sh

# The guests the tests run (build/guests, build/plugins).
guests:
	@scripts/build-guests.sh tests

guests-examples:
	@scripts/build-guests.sh examples

# The edge build (docs/edge.md): the core layers and src/edge compiled for
# wasm32-wasi into one WASI reactor, build/edge/ifrit.wasm, that the shim
# edge/worker.js drives inside workerd. src/server is left out. The stack
# comes first in memory, so an overflow traps instead of overwriting data.
EDGE_OUT    := build/edge
EDGE_SRCS   := $(CORE_SRCS) $(wildcard src/edge/*.c)
EDGE_OBJS   := $(EDGE_SRCS:%.c=$(EDGE_OUT)/obj/%.o)
EDGE_CFLAGS := --target=wasm32-wasi -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc -I$(GEN) -O2 -MMD -MP

.PHONY: edge
edge: $(EDGE_OUT)/ifrit.wasm
$(EDGE_OUT)/obj/src/base/bcrypt.o: $(GEN)/blowfish_pi.h

$(EDGE_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CLANG) $(EDGE_CFLAGS) -c $< -o $@

$(EDGE_OUT)/ifrit.wasm: $(EDGE_OBJS)
	$(CLANG) --target=wasm32-wasi -mexec-model=reactor -Wl,--strip-debug \
	    -Wl,--stack-first -Wl,-z,stack-size=1048576 $^ -o $@

-include $(EDGE_OBJS:.o=.d)

clean:
	rm -rf build

-include $(CORE_OBJS:.o=.d) $(SERVER_OBJS:.o=.d) $(ACME_OBJS:.o=.d) $(TLS_OBJS:.o=.d) $(OUT)/obj/src/server/main.d
