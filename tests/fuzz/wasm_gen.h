/* A generator of valid WebAssembly modules for differential fuzzing
 * (tests/fuzz/fuzz_jit_diff.c): the fuzzer's bytes are read as a stream of
 * choices (past their end every choice is 0, the simplest), and every
 * choice leads to a module that validates, so no input is wasted on
 * decoding errors.
 *
 * What a module has: up to 6 function types (params and results of every
 * value type, v128 included); an imported host function env.h (i32) -> i32
 * (function 0, also exported as "h"); up to 5 defined functions, each
 * exported as "f0", "f1", ...; one memory (1 page, a maximum of 1 to 4 pages or none)
 * exported as "mem" with an active and a passive data segment; a funcref
 * table holding the functions (some slots null) exported as "tab"; up to 6
 * mutable globals exported as "g0", "g1", .... Function bodies are trees of
 * typed expressions and statements: the arithmetic of every scalar type
 * (traps included: division by zero, overflow, float to integer), a few
 * v128 operations, locals and globals, block/loop/if with a result or a
 * function type (params, several results),
 * br/br_if/br_table/return carrying values, calls and call_indirect
 * (mismatching types and empty or out-of-range slots trap), loads and
 * stores of every width near and past the end of memory, memory.size/grow,
 * memory.fill/copy/init, data.drop, table.get/set/size/grow, ref.func,
 * select and unreachable. Loops count down a local of their own; fuel
 * bounds the rest (recursion, branches back to a loop). */
#ifndef IFRIT_TESTS_FUZZ_WASM_GEN_H
#define IFRIT_TESTS_FUZZ_WASM_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/wasm.h"

#define WASM_GEN_MAX_CALLS 4
#define WASM_GEN_MAX_ARGS 3

/* One call the harness makes: exported function "f<func>" with args. */
typedef struct {
    uint32_t func;
    uint32_t nargs;
    iw_val_t args[WASM_GEN_MAX_ARGS];
} wasm_gen_call_t;

typedef struct {
    uint8_t *bytes;         /* the module; malloc'd, owned by the caller (wasm_gen_free) */
    size_t len;
    uint32_t nfuncs;        /* exported as f0 .. f<nfuncs-1> */
    uint32_t nglobals;      /* exported as g0 .. g<nglobals-1> */
    uint64_t fuel;          /* fuel for each call */
    uint64_t slice;         /* 0, or a slice of fuel after which calls pause and are resumed */
    uint32_t suspend_every; /* 0, or the host function suspends on every n-th call */
    bool snapshot;          /* a suspended call is captured and resumed in a new instance */
    bool resettable;        /* calls run in a resettable instance made from the new one's image,
                               put back into that state after every call */
    uint32_t ncalls;
    wasm_gen_call_t calls[WASM_GEN_MAX_CALLS];
} wasm_gen_module_t;

/* Builds a module from data[0, size) into *out. Returns 0, or -1 when out
 * of memory (nothing to free then). */
int wasm_gen_module(const uint8_t *data, size_t size, wasm_gen_module_t *out);
void wasm_gen_free(wasm_gen_module_t *m);

#endif
