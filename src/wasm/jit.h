/* The compiler to x86-64 machine code, as the rest of the engine sees it
 * (docs/engine.md, "Compiler"). Compiled code shares the interpreter's
 * frames: the interpreter enters it at an instruction boundary with the
 * frame pointer and a context, and it returns the internal instruction
 * where the interpreter takes over (a trap, the fuel slow path, a call or
 * return). Built only on x86-64 Linux (IW_JIT); elsewhere nothing is
 * compiled and these are not called. */
#ifndef IFRIT_WASM_JIT_H
#define IFRIT_WASM_JIT_H

#if defined(__x86_64__) && defined(__linux__)
#define IW_JIT 1
#else
#define IW_JIT 0
#endif

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/runtime.h"

/* What compiled code reads and writes besides the frame; the offsets are
 * part of the generated code. Calls and returns in compiled code stay within
 * `inst` and push and pop frame records as the interpreter does (frame,
 * *depth); the arrays never move while compiled code runs (growing them is
 * left to the interpreter). */
typedef struct {
    int64_t budget;                 /* the fuel countdown, in and out */
    uint8_t *mem;                   /* memory 0 of the frame's instance */
    uint64_t memsize;
    uint8_t *dirty;                 /* its write map or NULL */
    atomic_int *interrupt;
    iw_global_t **globals;          /* the frame's instance's globals */
    const iw_word_t *exit_ip;      /* out: where the interpreter goes on */
    iw_instance_t *inst;            /* the frame's instance */
    iw_table_t **tables;            /* its tables */
    iw_exec_frame_t *frame;         /* in: the current frame record */
    uint32_t *depth;                /* the call's depth, kept up to date */
    const iw_exec_frame_t *frames_last;     /* the last record there is room for */
    const uint64_t *stack_end;      /* the value stack's end */
    uint64_t scratch;               /* a trapping helper's result (jit_helpers.h) */
} iw_jit_ctx_t;

/* One compiled function: where the interpreter may enter its native code
 * (jit_compile.c: function entry, after a call, after LOOP/FUEL): pairs
 * (internal code position, offset within the module's code), ascending,
 * position 0 first. Owned by the module. */
struct iw_jit_func {
    const struct iw_jit_module *module;
    const uint32_t *entries;
    uint32_t nentries;
    const uint8_t *entry;           /* the native code of instruction 0 */
};

/* Compiles every defined function of m it can (after decoding, before any
 * instance exists) when the selected engine is the compiler; a function it
 * cannot compile keeps code->jit NULL and runs in the interpreter. */
void iw_jit_compile_module(iw_module_t *m);
void iw_jit_module_free(struct iw_jit_module *j);
/* The machine code of a compiled module and its per-instruction offset
 * tables, in bytes (0 for NULL): what compiling costs in memory. */
size_t iw_jit_module_code_bytes(const struct iw_jit_module *j, size_t *tables);

/* Runs fn's native code from ip (an instruction of fn) on frame fp and
 * returns the instruction the interpreter continues at: ip itself when fn
 * has no native code there. */
const iw_word_t *iw_jit_run(const iw_code_t *fn, const iw_word_t *ip, uint64_t *fp, iw_jit_ctx_t *ctx);

#endif
