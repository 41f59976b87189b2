/* The SIMD instructions' work, one small static inline function each, lane
 * by lane in portable C (compilers vectorise most of these loops), all of
 * one shape: f(&r, &a, &b, &c, imm) computes r from up to three operands
 * and the lane immediate. interp.c inlines each into its own handler (the
 * tables are in simd_table.h). Integer lanes wrap as the spec says (arithmetic on
 * unsigned types, so no signed overflow in C); float lanes use the same
 * helpers as the scalar instructions, so NaN propagation, signed zeros in
 * min/max and rounding are those of f32/f64. The macros used here are
 * undefined at the end. */
#ifndef IFRIT_WASM_SIMD_OPS_H
#define IFRIT_WASM_SIMD_OPS_H

#include <math.h>
#include <string.h>

#include "wasm/numeric.h"
#include "wasm/simd.h"


#define IW__ARGS iw_v128_t *r, const iw_v128_t *A, const iw_v128_t *B, const iw_v128_t *C, uint64_t imm
#define IW__UNUSED (void)A, (void)B, (void)C, (void)imm

/* r.OF[i] = EXPR over lanes a = A->IF[i] (and b = B->IF[i]). */
#define IW__LANES1(NAME, IF, OF, N, EXPR)                                     \
    static inline void iw_simd_##NAME(IW__ARGS)                               \
    {                                                                         \
        IW__UNUSED;                                                           \
        for (int i = 0; i < (N); i++) {                                       \
            __auto_type a = A->IF[i];                                         \
            r->OF[i] = (EXPR);                                                \
        }                                                                     \
    }
#define IW__LANES2(NAME, IF, OF, N, EXPR)                                     \
    static inline void iw_simd_##NAME(IW__ARGS)                               \
    {                                                                         \
        IW__UNUSED;                                                           \
        for (int i = 0; i < (N); i++) {                                       \
            __auto_type a = A->IF[i];                                         \
            __auto_type b = B->IF[i];                                         \
            r->OF[i] = (EXPR);                                                \
        }                                                                     \
    }
/* Shifts: the count is b's i32 modulo the lane width. */
#define IW__SHIFT(NAME, F, N, BITS, EXPR)                                     \
    static inline void iw_simd_##NAME(IW__ARGS)                               \
    {                                                                         \
        IW__UNUSED;                                                           \
        unsigned s = B->u32[0] & ((BITS) - 1);                                \
        for (int i = 0; i < (N); i++) {                                       \
            __auto_type a = A->F[i];                                          \
            r->F[i] = (EXPR);                                                 \
        }                                                                     \
    }

static inline int iw_sat(int64_t v, int64_t lo, int64_t hi) { return (int)(v < lo ? lo : v > hi ? hi : v); }
#define IW__MASK(c) (0u - (unsigned)(c))
#define IW__MASK64(c) (0ull - (uint64_t)(c))

/* ---- bitwise ------------------------------------------------------------ */

IW__LANES1(v128_not, u64, u64, 2, ~a)
IW__LANES2(v128_and, u64, u64, 2, a & b)
IW__LANES2(v128_andnot, u64, u64, 2, a & ~b)
IW__LANES2(v128_or, u64, u64, 2, a | b)
IW__LANES2(v128_xor, u64, u64, 2, a ^ b)
static inline void iw_simd_v128_bitselect(IW__ARGS)
{
    IW__UNUSED;
    for (int i = 0; i < 2; i++) r->u64[i] = (A->u64[i] & C->u64[i]) | (B->u64[i] & ~C->u64[i]);
}
static inline void iw_simd_v128_any_true(IW__ARGS)
{
    IW__UNUSED;
    r->u64[0] = (A->u64[0] | A->u64[1]) != 0;
}

/* all_true and bitmask per shape */
#define IW__TESTS(SH, F, N)                                                   \
    static inline void iw_simd_##SH##_all_true(IW__ARGS)                      \
    {                                                                         \
        IW__UNUSED;                                                           \
        uint64_t all = 1;                                                     \
        for (int i = 0; i < (N); i++) all &= A->F[i] != 0;                    \
        r->u64[0] = all;                                                      \
    }                                                                         \
    static inline void iw_simd_##SH##_bitmask(IW__ARGS)                       \
    {                                                                         \
        IW__UNUSED;                                                           \
        uint64_t m = 0;                                                       \
        for (int i = 0; i < (N); i++) m |= (uint64_t)(A->F[i] < 0) << i;      \
        r->u64[0] = m;                                                        \
    }
IW__TESTS(i8x16, i8, 16)
IW__TESTS(i16x8, i16, 8)
IW__TESTS(i32x4, i32, 4)
IW__TESTS(i64x2, i64, 2)

/* ---- splat, lanes, swizzle ---------------------------------------------- */

#define IW__SPLAT(NAME, F, N)                                                 \
    static inline void iw_simd_##NAME(IW__ARGS)                               \
    {                                                                         \
        IW__UNUSED;                                                           \
        for (int i = 0; i < (N); i++) r->F[i] = A->F[0];                      \
    }
IW__SPLAT(i8x16_splat, u8, 16)
IW__SPLAT(i16x8_splat, u16, 8)
IW__SPLAT(i32x4_splat, u32, 4)
IW__SPLAT(i64x2_splat, u64, 2)

#define IW__EXTRACT(NAME, EXPR)                                               \
    static inline void iw_simd_##NAME(IW__ARGS)                               \
    {                                                                         \
        IW__UNUSED;                                                           \
        r->u64[0] = (EXPR);                                                   \
        r->u64[1] = 0;                                                        \
    }
IW__EXTRACT(i8x16_extract_lane_s, (uint32_t)(int32_t)A->i8[imm])
IW__EXTRACT(i8x16_extract_lane_u, A->u8[imm])
IW__EXTRACT(i16x8_extract_lane_s, (uint32_t)(int32_t)A->i16[imm])
IW__EXTRACT(i16x8_extract_lane_u, A->u16[imm])
IW__EXTRACT(i32x4_extract_lane, A->u32[imm])
IW__EXTRACT(i64x2_extract_lane, A->u64[imm])

#define IW__REPLACE(NAME, F)                                                  \
    static inline void iw_simd_##NAME(IW__ARGS)                               \
    {                                                                         \
        IW__UNUSED;                                                           \
        *r = *A;                                                              \
        r->F[imm] = B->F[0];                                                  \
    }
IW__REPLACE(i8x16_replace_lane, u8)
IW__REPLACE(i16x8_replace_lane, u16)
IW__REPLACE(i32x4_replace_lane, u32)
IW__REPLACE(i64x2_replace_lane, u64)

static inline void iw_simd_i8x16_swizzle(IW__ARGS)
{
    IW__UNUSED;
    for (int i = 0; i < 16; i++) r->u8[i] = B->u8[i] < 16 ? A->u8[B->u8[i]] : 0;
}

/* ---- integer arithmetic --------------------------------------------------- */

/* comparisons: all ones where true */
#define IW__CMPS(SH, S, U, N, M)                                              \
    IW__LANES2(SH##_eq, U, U, N, M(a == b))                                   \
    IW__LANES2(SH##_ne, U, U, N, M(a != b))                                   \
    IW__LANES2(SH##_lt_s, S, U, N, M(a < b))                                  \
    IW__LANES2(SH##_lt_u, U, U, N, M(a < b))                                  \
    IW__LANES2(SH##_gt_s, S, U, N, M(a > b))                                  \
    IW__LANES2(SH##_gt_u, U, U, N, M(a > b))                                  \
    IW__LANES2(SH##_le_s, S, U, N, M(a <= b))                                 \
    IW__LANES2(SH##_le_u, U, U, N, M(a <= b))                                 \
    IW__LANES2(SH##_ge_s, S, U, N, M(a >= b))                                 \
    IW__LANES2(SH##_ge_u, U, U, N, M(a >= b))
IW__CMPS(i8x16, i8, u8, 16, IW__MASK)
IW__CMPS(i16x8, i16, u16, 8, IW__MASK)
IW__CMPS(i32x4, i32, u32, 4, IW__MASK)
IW__LANES2(i64x2_eq, u64, u64, 2, IW__MASK64(a == b))
IW__LANES2(i64x2_ne, u64, u64, 2, IW__MASK64(a != b))
IW__LANES2(i64x2_lt_s, i64, u64, 2, IW__MASK64(a < b))
IW__LANES2(i64x2_gt_s, i64, u64, 2, IW__MASK64(a > b))
IW__LANES2(i64x2_le_s, i64, u64, 2, IW__MASK64(a <= b))
IW__LANES2(i64x2_ge_s, i64, u64, 2, IW__MASK64(a >= b))

/* abs, neg, add, sub, shifts, min, max per shape (unsigned arithmetic: wraps) */
#define IW__ARITH(SH, S, U, UT, N, BITS)                                      \
    IW__LANES1(SH##_abs, S, U, N, a < 0 ? (UT)(0u - (UT)a) : (UT)a)           \
    IW__LANES1(SH##_neg, U, U, N, (UT)(0u - a))                               \
    IW__LANES2(SH##_add, U, U, N, (UT)(a + b))                                \
    IW__LANES2(SH##_sub, U, U, N, (UT)(a - b))                                \
    IW__SHIFT(SH##_shl, U, N, BITS, (UT)(a << s))                             \
    IW__SHIFT(SH##_shr_s, S, N, BITS, a >> s)                                 \
    IW__SHIFT(SH##_shr_u, U, N, BITS, a >> s)
IW__ARITH(i8x16, i8, u8, uint8_t, 16, 8)
IW__ARITH(i16x8, i16, u16, uint16_t, 8, 16)
IW__ARITH(i32x4, i32, u32, uint32_t, 4, 32)
IW__ARITH(i64x2, i64, u64, uint64_t, 2, 64)

#define IW__MINMAX(SH, S, U, N)                                               \
    IW__LANES2(SH##_min_s, S, S, N, a < b ? a : b)                            \
    IW__LANES2(SH##_min_u, U, U, N, a < b ? a : b)                            \
    IW__LANES2(SH##_max_s, S, S, N, a > b ? a : b)                            \
    IW__LANES2(SH##_max_u, U, U, N, a > b ? a : b)
IW__MINMAX(i8x16, i8, u8, 16)
IW__MINMAX(i16x8, i16, u16, 8)
IW__MINMAX(i32x4, i32, u32, 4)

#define IW__SATS(SH, S, U, N, SMIN, SMAX, UMAX)                               \
    IW__LANES2(SH##_add_sat_s, S, S, N, iw_sat((int64_t)a + b, SMIN, SMAX))  \
    IW__LANES2(SH##_add_sat_u, U, U, N, iw_sat((int64_t)a + b, 0, UMAX))     \
    IW__LANES2(SH##_sub_sat_s, S, S, N, iw_sat((int64_t)a - b, SMIN, SMAX))  \
    IW__LANES2(SH##_sub_sat_u, U, U, N, iw_sat((int64_t)a - b, 0, UMAX))     \
    IW__LANES2(SH##_avgr_u, U, U, N, ((uint32_t)a + b + 1) >> 1)
IW__SATS(i8x16, i8, u8, 16, INT8_MIN, INT8_MAX, UINT8_MAX)
IW__SATS(i16x8, i16, u16, 8, INT16_MIN, INT16_MAX, UINT16_MAX)

IW__LANES1(i8x16_popcnt, u8, u8, 16, __builtin_popcount(a))
IW__LANES2(i16x8_mul, u16, u16, 8, (uint16_t)((uint32_t)a * b))
IW__LANES2(i32x4_mul, u32, u32, 4, a * b)
IW__LANES2(i64x2_mul, u64, u64, 2, a * b)
IW__LANES2(i16x8_q15mulr_sat_s, i16, i16, 8, iw_sat(((int64_t)a * b + 0x4000) >> 15, INT16_MIN, INT16_MAX))

static inline void iw_simd_i32x4_dot_i16x8_s(IW__ARGS)
{
    IW__UNUSED;
    for (int i = 0; i < 4; i++) {
        int64_t s = (int64_t)A->i16[2 * i] * B->i16[2 * i] + (int64_t)A->i16[2 * i + 1] * B->i16[2 * i + 1];
        r->u32[i] = (uint32_t)s;
    }
}

/* narrowing with saturation: a's lanes first, then b's */
#define IW__NARROW(NAME, IF, OF, N, LO, HI)                                   \
    static inline void iw_simd_##NAME(IW__ARGS)                               \
    {                                                                         \
        IW__UNUSED;                                                           \
        for (int i = 0; i < (N); i++) {                                       \
            r->OF[i] = iw_sat(A->IF[i], LO, HI);                             \
            r->OF[i + (N)] = iw_sat(B->IF[i], LO, HI);                       \
        }                                                                     \
    }
IW__NARROW(i8x16_narrow_i16x8_s, i16, i8, 8, INT8_MIN, INT8_MAX)
IW__NARROW(i8x16_narrow_i16x8_u, i16, u8, 8, 0, UINT8_MAX)
IW__NARROW(i16x8_narrow_i32x4_s, i32, i16, 4, INT16_MIN, INT16_MAX)
IW__NARROW(i16x8_narrow_i32x4_u, i32, u16, 4, 0, UINT16_MAX)

/* widening: lanes FROM.. of a (low half 0, high half N) */
#define IW__EXTEND(NAME, IF, OF, N, FROM)                                     \
    static inline void iw_simd_##NAME(IW__ARGS)                               \
    {                                                                         \
        IW__UNUSED;                                                           \
        for (int i = 0; i < (N); i++) r->OF[i] = A->IF[i + (FROM)];           \
    }
#define IW__EXTENDS(SH, FROMSH, S, U, OS, OU, N)                              \
    IW__EXTEND(SH##_extend_low_##FROMSH##_s, S, OS, N, 0)                     \
    IW__EXTEND(SH##_extend_high_##FROMSH##_s, S, OS, N, N)                    \
    IW__EXTEND(SH##_extend_low_##FROMSH##_u, U, OU, N, 0)                     \
    IW__EXTEND(SH##_extend_high_##FROMSH##_u, U, OU, N, N)
IW__EXTENDS(i16x8, i8x16, i8, u8, i16, u16, 8)
IW__EXTENDS(i32x4, i16x8, i16, u16, i32, u32, 4)
IW__EXTENDS(i64x2, i32x4, i32, u32, i64, u64, 2)

#define IW__EXTMUL(NAME, IF, OF, WT, N, FROM)                                 \
    static inline void iw_simd_##NAME(IW__ARGS)                               \
    {                                                                         \
        IW__UNUSED;                                                           \
        for (int i = 0; i < (N); i++) r->OF[i] = (WT)A->IF[i + (FROM)] * (WT)B->IF[i + (FROM)]; \
    }
#define IW__EXTMULS(SH, FROMSH, S, U, OS, OU, ST, UT, N)                      \
    IW__EXTMUL(SH##_extmul_low_##FROMSH##_s, S, OS, ST, N, 0)                 \
    IW__EXTMUL(SH##_extmul_high_##FROMSH##_s, S, OS, ST, N, N)                \
    IW__EXTMUL(SH##_extmul_low_##FROMSH##_u, U, OU, UT, N, 0)                 \
    IW__EXTMUL(SH##_extmul_high_##FROMSH##_u, U, OU, UT, N, N)
IW__EXTMULS(i16x8, i8x16, i8, u8, i16, u16, int32_t, uint32_t, 8)
IW__EXTMULS(i32x4, i16x8, i16, u16, i32, u32, int64_t, uint64_t, 4)
IW__EXTMULS(i64x2, i32x4, i32, u32, i64, u64, int64_t, uint64_t, 2)

#define IW__PAIRWISE(NAME, IF, OF, N)                                         \
    static inline void iw_simd_##NAME(IW__ARGS)                               \
    {                                                                         \
        IW__UNUSED;                                                           \
        for (int i = 0; i < (N); i++) r->OF[i] = A->IF[2 * i] + A->IF[2 * i + 1]; \
    }
IW__PAIRWISE(i16x8_extadd_pairwise_i8x16_s, i8, i16, 8)
IW__PAIRWISE(i16x8_extadd_pairwise_i8x16_u, u8, u16, 8)
IW__PAIRWISE(i32x4_extadd_pairwise_i16x8_s, i16, i32, 4)
IW__PAIRWISE(i32x4_extadd_pairwise_i16x8_u, u16, u32, 4)

/* ---- floats ------------------------------------------------------------------ */

IW__SPLAT(f32x4_splat, u32, 4)
IW__SPLAT(f64x2_splat, u64, 2)
IW__EXTRACT(f32x4_extract_lane, A->u32[imm])
IW__EXTRACT(f64x2_extract_lane, A->u64[imm])
IW__REPLACE(f32x4_replace_lane, u32)
IW__REPLACE(f64x2_replace_lane, u64)

#define IW__FCMPS(SH, F, U, N, M)                                             \
    IW__LANES2(SH##_eq, F, U, N, M(a == b))                                   \
    IW__LANES2(SH##_ne, F, U, N, M(a != b))                                   \
    IW__LANES2(SH##_lt, F, U, N, M(a < b))                                    \
    IW__LANES2(SH##_gt, F, U, N, M(a > b))                                    \
    IW__LANES2(SH##_le, F, U, N, M(a <= b))                                   \
    IW__LANES2(SH##_ge, F, U, N, M(a >= b))
IW__FCMPS(f32x4, f32, u32, 4, IW__MASK)
IW__FCMPS(f64x2, f64, u64, 2, IW__MASK64)

#define IW__FARITH(SH, F, N, P)                                               \
    IW__LANES1(SH##_abs, F, F, N, iw_##P##_abs(a))                           \
    IW__LANES1(SH##_neg, F, F, N, iw_##P##_neg(a))                           \
    IW__LANES2(SH##_add, F, F, N, a + b)                                      \
    IW__LANES2(SH##_sub, F, F, N, a - b)                                      \
    IW__LANES2(SH##_mul, F, F, N, a * b)                                      \
    IW__LANES2(SH##_div, F, F, N, a / b)                                      \
    IW__LANES2(SH##_min, F, F, N, iw_##P##_min(a, b))                        \
    IW__LANES2(SH##_max, F, F, N, iw_##P##_max(a, b))                        \
    IW__LANES2(SH##_pmin, F, F, N, b < a ? b : a)                             \
    IW__LANES2(SH##_pmax, F, F, N, a < b ? b : a)
IW__FARITH(f32x4, f32, 4, f32)
IW__FARITH(f64x2, f64, 2, f64)
IW__LANES1(f32x4_sqrt, f32, f32, 4, sqrtf(a))
IW__LANES1(f64x2_sqrt, f64, f64, 2, sqrt(a))
IW__LANES1(f32x4_ceil, f32, f32, 4, iw_f32_round(a, ceilf))
IW__LANES1(f32x4_floor, f32, f32, 4, iw_f32_round(a, floorf))
IW__LANES1(f32x4_trunc, f32, f32, 4, iw_f32_round(a, truncf))
IW__LANES1(f32x4_nearest, f32, f32, 4, iw_f32_round(a, rintf))
IW__LANES1(f64x2_ceil, f64, f64, 2, iw_f64_round(a, ceil))
IW__LANES1(f64x2_floor, f64, f64, 2, iw_f64_round(a, floor))
IW__LANES1(f64x2_trunc, f64, f64, 2, iw_f64_round(a, trunc))
IW__LANES1(f64x2_nearest, f64, f64, 2, iw_f64_round(a, rint))

IW__LANES1(i32x4_trunc_sat_f32x4_s, f32, u32, 4, iw_i32_trunc_sat_f32_s(a))
IW__LANES1(i32x4_trunc_sat_f32x4_u, f32, u32, 4, iw_i32_trunc_sat_f32_u(a))
IW__LANES1(f32x4_convert_i32x4_s, i32, f32, 4, (float)a)
IW__LANES1(f32x4_convert_i32x4_u, u32, f32, 4, (float)a)

/* the f64x2 <-> 32-bit lane conversions use the low two lanes; the _zero
 * forms clear the high two */
#define IW__LOW2(NAME, IF, OF, EXPR)                                          \
    static inline void iw_simd_##NAME(IW__ARGS)                               \
    {                                                                         \
        IW__UNUSED;                                                           \
        iw_v128_t t;                                                         \
        memset(&t, 0, sizeof t);                                              \
        for (int i = 0; i < 2; i++) {                                         \
            __auto_type a = A->IF[i];                                         \
            t.OF[i] = (EXPR);                                                 \
        }                                                                     \
        *r = t;                                                               \
    }
IW__LOW2(i32x4_trunc_sat_f64x2_s_zero, f64, u32, iw_i32_trunc_sat_f64_s(a))
IW__LOW2(i32x4_trunc_sat_f64x2_u_zero, f64, u32, iw_i32_trunc_sat_f64_u(a))
IW__LOW2(f32x4_demote_f64x2_zero, f64, f32, (float)a)
IW__LOW2(f64x2_promote_low_f32x4, f32, f64, (double)a)
IW__LOW2(f64x2_convert_low_i32x4_s, i32, f64, (double)a)
IW__LOW2(f64x2_convert_low_i32x4_u, u32, f64, (double)a)

/* ---- loads: a is the bytes read (zero above), b the vector operand -------- */

/* v128.load, load32_zero, load64_zero: the bytes read, zero above */
static inline void iw_simd_v128_load(IW__ARGS)
{
    IW__UNUSED;
    *r = *A;
}
IW__EXTEND(v128_load8x8_s, i8, i16, 8, 0)
IW__EXTEND(v128_load8x8_u, u8, u16, 8, 0)
IW__EXTEND(v128_load16x4_s, i16, i32, 4, 0)
IW__EXTEND(v128_load16x4_u, u16, u32, 4, 0)
IW__EXTEND(v128_load32x2_s, i32, i64, 2, 0)
IW__EXTEND(v128_load32x2_u, u32, u64, 2, 0)
#define IW__LOAD_LANE(NAME, F)                                                \
    static inline void iw_simd_##NAME(IW__ARGS)                               \
    {                                                                         \
        IW__UNUSED;                                                           \
        *r = *B;                                                              \
        r->F[imm] = A->F[0];                                                  \
    }
IW__LOAD_LANE(v128_load8_lane, u8)
IW__LOAD_LANE(v128_load16_lane, u16)
IW__LOAD_LANE(v128_load32_lane, u32)
IW__LOAD_LANE(v128_load64_lane, u64)

#undef IW__ARGS
#undef IW__ARITH
#undef IW__CMPS
#undef IW__EXTEND
#undef IW__EXTENDS
#undef IW__EXTMUL
#undef IW__EXTMULS
#undef IW__EXTRACT
#undef IW__FARITH
#undef IW__FCMPS
#undef IW__LANES1
#undef IW__LANES2
#undef IW__LOAD_LANE
#undef IW__LOW2
#undef IW__MASK
#undef IW__MASK64
#undef IW__MINMAX
#undef IW__NARROW
#undef IW__PAIRWISE
#undef IW__REPLACE
#undef IW__SATS
#undef IW__SHIFT
#undef IW__SPLAT
#undef IW__TESTS
#undef IW__UNUSED

#endif
