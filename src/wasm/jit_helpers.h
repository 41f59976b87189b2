/* C functions that compiled code calls for the instructions it does not
 * translate into machine code itself (jit_compile.c): every numeric
 * instruction without an inline translation, made from the same rows of
 * ops.h and the same expressions as the interpreter's handlers (so NaN
 * bits, rounding and traps are the interpreter's by construction), and
 * the memory, table and reference instructions, written after interp.c's
 * handlers. A helper that would trap does nothing and says so: compiled
 * code then exits to the interpreter at that instruction, which raises the
 * trap with its message. */
#ifndef IFRIT_WASM_JIT_HELPERS_H
#define IFRIT_WASM_JIT_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "wasm/jit.h"
#include "wasm/ops.h"

/* A numeric instruction on slot bits: a and b the operands (b unused by
 * one-operand instructions); returns the result, or, for the ones that
 * may trap, 0 after storing the result in *out, or the trap kind. */
typedef uint64_t (*iw_jit_numeric_fn)(uint64_t a, uint64_t b, uint64_t *out);

typedef struct {
    iw_jit_numeric_fn fn;           /* NULL: not a numeric _S/_SS/_SI op */
    bool traps;
    bool unary;                     /* the _S form: w1 {dst, a} */
    bool imm;                       /* the _SI form: b is the immediate w2 (else slot w2) */
} iw_jit_numeric_t;

/* Fills table[IW_OP_COUNT]. */
void iw_jit_numeric_helpers(iw_jit_numeric_t *table);

/* An instruction that works on the instance: 0 when done, 1 when it would
 * trap (nothing changed). The MEMORY_GROW one updates ctx's memory. */
typedef int (*iw_jit_op_fn)(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins);

/* The helper of op and the instruction's length in words; NULL for ops
 * that have none. */
iw_jit_op_fn iw_jit_op_helper(iw_op_t op, uint32_t *len);

/* The same for the v128 instructions (jit_simd.c): every plain SIMD
 * instruction, the loads, the stores and the shuffle. */
iw_jit_op_fn iw_jit_simd_helper(iw_op_t op, uint32_t *len);

#endif
