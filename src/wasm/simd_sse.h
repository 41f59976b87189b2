/* SIMD instructions on SSE4.1, for the interpreter (issue 22).
 *
 * Where the CPU has SSE4.1 (and so SSSE3), the instructions portable C does
 * slowly (swizzle and shuffle, saturating add/sub, popcnt, narrowing to
 * i16, dot, q15mulr and i16 extended products, the float min/max and
 * roundings, all_true and bitmask) run as a few SSE instructions,
 * with exactly the results of the portable functions of simd_ops.h (NaNs
 * included). The choice is made once, when the program starts, from cpuid;
 * IFRIT_SIMD=portable (read then) keeps the portable C for everything.
 * Elsewhere (the wasm32 edge build, other CPUs) the table stays empty and
 * only the portable code exists. */
#ifndef IFRIT_WASM_SIMD_SSE_H
#define IFRIT_WASM_SIMD_SSE_H

#include <stdint.h>

#include "wasm/simd.h"
#include "wasm/simd_table.h"

/* The shape of the functions of simd_ops.h. */
typedef void (*iw_simd_fn_t)(iw_v128_t *r, const iw_v128_t *a, const iw_v128_t *b, const iw_v128_t *c,
                             uint64_t imm);

/* One index per instruction of IW_SIMD_OPS. */
enum {
#define IW__X(code, kind, scalar, lanes, fn, text) IW_SIMD_FN_##fn,
    IW_SIMD_OPS(IW__X)
#undef IW__X
    IW_SIMD_FN_COUNT
};

/* The accelerated function of each instruction, NULL where the portable one
 * runs; filled before main. */
extern iw_simd_fn_t iw_simd_fast[IW_SIMD_FN_COUNT];

/* i8x16.shuffle: r[i] = ab[idx[i]] (ab = a's bytes then b's, idx < 32);
 * NULL where the portable loop runs. */
extern void (*iw_simd_fast_shuffle)(uint8_t r[16], const uint8_t ab[32], const uint8_t idx[16]);

#endif
