/* The SIMD instructions, one small function each, lane by lane in portable
 * C (compilers vectorise most of these loops). Integer lanes wrap as the
 * spec says (arithmetic on unsigned types, so no signed overflow in C);
 * float lanes use the same helpers as the scalar instructions, so NaN
 * propagation, signed zeros in min/max and rounding are those of f32/f64. */
#include <math.h>
#include <string.h>

#include "wasm/numeric.h"
#include "wasm/simd.h"

#define IW__ARGS iw__v128_t *r, const iw__v128_t *A, const iw__v128_t *B, const iw__v128_t *C, uint64_t imm
#define IW__UNUSED (void)A, (void)B, (void)C, (void)imm

/* r.OF[i] = EXPR over lanes a = A->IF[i] (and b = B->IF[i]). */
#define IW__LANES1(NAME, IF, OF, N, EXPR)                                     \
    static void NAME(IW__ARGS)                                                \
    {                                                                         \
        IW__UNUSED;                                                           \
        for (int i = 0; i < (N); i++) {                                       \
            __auto_type a = A->IF[i];                                         \
            r->OF[i] = (EXPR);                                                \
        }                                                                     \
    }
#define IW__LANES2(NAME, IF, OF, N, EXPR)                                     \
    static void NAME(IW__ARGS)                                                \
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
    static void NAME(IW__ARGS)                                                \
    {                                                                         \
        IW__UNUSED;                                                           \
        unsigned s = B->u32[0] & ((BITS) - 1);                                \
        for (int i = 0; i < (N); i++) {                                       \
            __auto_type a = A->F[i];                                          \
            r->F[i] = (EXPR);                                                 \
        }                                                                     \
    }

static inline int iw__sat(int64_t v, int64_t lo, int64_t hi) { return (int)(v < lo ? lo : v > hi ? hi : v); }
#define IW__MASK(c) (0u - (unsigned)(c))
#define IW__MASK64(c) (0ull - (uint64_t)(c))

/* ---- bitwise ------------------------------------------------------------ */

IW__LANES1(v128_not, u64, u64, 2, ~a)
IW__LANES2(v128_and, u64, u64, 2, a & b)
IW__LANES2(v128_andnot, u64, u64, 2, a & ~b)
IW__LANES2(v128_or, u64, u64, 2, a | b)
IW__LANES2(v128_xor, u64, u64, 2, a ^ b)
static void v128_bitselect(IW__ARGS)
{
    IW__UNUSED;
    for (int i = 0; i < 2; i++) r->u64[i] = (A->u64[i] & C->u64[i]) | (B->u64[i] & ~C->u64[i]);
}
static void v128_any_true(IW__ARGS)
{
    IW__UNUSED;
    r->u64[0] = (A->u64[0] | A->u64[1]) != 0;
}

/* all_true and bitmask per shape */
#define IW__TESTS(SH, F, N)                                                   \
    static void SH##_all_true(IW__ARGS)                                       \
    {                                                                         \
        IW__UNUSED;                                                           \
        uint64_t all = 1;                                                     \
        for (int i = 0; i < (N); i++) all &= A->F[i] != 0;                    \
        r->u64[0] = all;                                                      \
    }                                                                         \
    static void SH##_bitmask(IW__ARGS)                                        \
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
    static void NAME(IW__ARGS)                                                \
    {                                                                         \
        IW__UNUSED;                                                           \
        for (int i = 0; i < (N); i++) r->F[i] = A->F[0];                      \
    }
IW__SPLAT(i8x16_splat, u8, 16)
IW__SPLAT(i16x8_splat, u16, 8)
IW__SPLAT(i32x4_splat, u32, 4)
IW__SPLAT(i64x2_splat, u64, 2)

#define IW__EXTRACT(NAME, EXPR)                                               \
    static void NAME(IW__ARGS)                                                \
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
    static void NAME(IW__ARGS)                                                \
    {                                                                         \
        IW__UNUSED;                                                           \
        *r = *A;                                                              \
        r->F[imm] = B->F[0];                                                  \
    }
IW__REPLACE(i8x16_replace_lane, u8)
IW__REPLACE(i16x8_replace_lane, u16)
IW__REPLACE(i32x4_replace_lane, u32)
IW__REPLACE(i64x2_replace_lane, u64)

static void i8x16_swizzle(IW__ARGS)
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
    IW__LANES2(SH##_add_sat_s, S, S, N, iw__sat((int64_t)a + b, SMIN, SMAX))  \
    IW__LANES2(SH##_add_sat_u, U, U, N, iw__sat((int64_t)a + b, 0, UMAX))     \
    IW__LANES2(SH##_sub_sat_s, S, S, N, iw__sat((int64_t)a - b, SMIN, SMAX))  \
    IW__LANES2(SH##_sub_sat_u, U, U, N, iw__sat((int64_t)a - b, 0, UMAX))     \
    IW__LANES2(SH##_avgr_u, U, U, N, ((uint32_t)a + b + 1) >> 1)
IW__SATS(i8x16, i8, u8, 16, INT8_MIN, INT8_MAX, UINT8_MAX)
IW__SATS(i16x8, i16, u16, 8, INT16_MIN, INT16_MAX, UINT16_MAX)

IW__LANES1(i8x16_popcnt, u8, u8, 16, __builtin_popcount(a))
IW__LANES2(i16x8_mul, u16, u16, 8, (uint16_t)((uint32_t)a * b))
IW__LANES2(i32x4_mul, u32, u32, 4, a * b)
IW__LANES2(i64x2_mul, u64, u64, 2, a * b)
IW__LANES2(i16x8_q15mulr_sat_s, i16, i16, 8, iw__sat(((int64_t)a * b + 0x4000) >> 15, INT16_MIN, INT16_MAX))

static void i32x4_dot_i16x8_s(IW__ARGS)
{
    IW__UNUSED;
    for (int i = 0; i < 4; i++) {
        int64_t s = (int64_t)A->i16[2 * i] * B->i16[2 * i] + (int64_t)A->i16[2 * i + 1] * B->i16[2 * i + 1];
        r->u32[i] = (uint32_t)s;
    }
}

/* narrowing with saturation: a's lanes first, then b's */
#define IW__NARROW(NAME, IF, OF, N, LO, HI)                                   \
    static void NAME(IW__ARGS)                                                \
    {                                                                         \
        IW__UNUSED;                                                           \
        for (int i = 0; i < (N); i++) {                                       \
            r->OF[i] = iw__sat(A->IF[i], LO, HI);                             \
            r->OF[i + (N)] = iw__sat(B->IF[i], LO, HI);                       \
        }                                                                     \
    }
IW__NARROW(i8x16_narrow_i16x8_s, i16, i8, 8, INT8_MIN, INT8_MAX)
IW__NARROW(i8x16_narrow_i16x8_u, i16, u8, 8, 0, UINT8_MAX)
IW__NARROW(i16x8_narrow_i32x4_s, i32, i16, 4, INT16_MIN, INT16_MAX)
IW__NARROW(i16x8_narrow_i32x4_u, i32, u16, 4, 0, UINT16_MAX)

/* widening: lanes FROM.. of a (low half 0, high half N) */
#define IW__EXTEND(NAME, IF, OF, N, FROM)                                     \
    static void NAME(IW__ARGS)                                                \
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
    static void NAME(IW__ARGS)                                                \
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
    static void NAME(IW__ARGS)                                                \
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
    IW__LANES1(SH##_abs, F, F, N, iw__##P##_abs(a))                           \
    IW__LANES1(SH##_neg, F, F, N, iw__##P##_neg(a))                           \
    IW__LANES2(SH##_add, F, F, N, a + b)                                      \
    IW__LANES2(SH##_sub, F, F, N, a - b)                                      \
    IW__LANES2(SH##_mul, F, F, N, a * b)                                      \
    IW__LANES2(SH##_div, F, F, N, a / b)                                      \
    IW__LANES2(SH##_min, F, F, N, iw__##P##_min(a, b))                        \
    IW__LANES2(SH##_max, F, F, N, iw__##P##_max(a, b))                        \
    IW__LANES2(SH##_pmin, F, F, N, b < a ? b : a)                             \
    IW__LANES2(SH##_pmax, F, F, N, a < b ? b : a)
IW__FARITH(f32x4, f32, 4, f32)
IW__FARITH(f64x2, f64, 2, f64)
IW__LANES1(f32x4_sqrt, f32, f32, 4, sqrtf(a))
IW__LANES1(f64x2_sqrt, f64, f64, 2, sqrt(a))
IW__LANES1(f32x4_ceil, f32, f32, 4, iw__f32_round(a, ceilf))
IW__LANES1(f32x4_floor, f32, f32, 4, iw__f32_round(a, floorf))
IW__LANES1(f32x4_trunc, f32, f32, 4, iw__f32_round(a, truncf))
IW__LANES1(f32x4_nearest, f32, f32, 4, iw__f32_round(a, rintf))
IW__LANES1(f64x2_ceil, f64, f64, 2, iw__f64_round(a, ceil))
IW__LANES1(f64x2_floor, f64, f64, 2, iw__f64_round(a, floor))
IW__LANES1(f64x2_trunc, f64, f64, 2, iw__f64_round(a, trunc))
IW__LANES1(f64x2_nearest, f64, f64, 2, iw__f64_round(a, rint))

IW__LANES1(i32x4_trunc_sat_f32x4_s, f32, u32, 4, iw__i32_trunc_sat_f32_s(a))
IW__LANES1(i32x4_trunc_sat_f32x4_u, f32, u32, 4, iw__i32_trunc_sat_f32_u(a))
IW__LANES1(f32x4_convert_i32x4_s, i32, f32, 4, (float)a)
IW__LANES1(f32x4_convert_i32x4_u, u32, f32, 4, (float)a)

/* the f64x2 <-> 32-bit lane conversions use the low two lanes; the _zero
 * forms clear the high two */
#define IW__LOW2(NAME, IF, OF, EXPR)                                          \
    static void NAME(IW__ARGS)                                                \
    {                                                                         \
        IW__UNUSED;                                                           \
        iw__v128_t t;                                                         \
        memset(&t, 0, sizeof t);                                              \
        for (int i = 0; i < 2; i++) {                                         \
            __auto_type a = A->IF[i];                                         \
            t.OF[i] = (EXPR);                                                 \
        }                                                                     \
        *r = t;                                                               \
    }
IW__LOW2(i32x4_trunc_sat_f64x2_s_zero, f64, u32, iw__i32_trunc_sat_f64_s(a))
IW__LOW2(i32x4_trunc_sat_f64x2_u_zero, f64, u32, iw__i32_trunc_sat_f64_u(a))
IW__LOW2(f32x4_demote_f64x2_zero, f64, f32, (float)a)
IW__LOW2(f64x2_promote_low_f32x4, f32, f64, (double)a)
IW__LOW2(f64x2_convert_low_i32x4_s, i32, f64, (double)a)
IW__LOW2(f64x2_convert_low_i32x4_u, u32, f64, (double)a)

/* ---- the table --------------------------------------------------------------- */

#define IW__SIMD_OPS(X)                                                       \
    X(0x0E, BIN, 0, 0, i8x16_swizzle, "i8x16.swizzle")                        \
    X(0x0F, SPLAT, IW_I32, 0, i8x16_splat, "i8x16.splat")                     \
    X(0x10, SPLAT, IW_I32, 0, i16x8_splat, "i16x8.splat")                     \
    X(0x11, SPLAT, IW_I32, 0, i32x4_splat, "i32x4.splat")                     \
    X(0x12, SPLAT, IW_I64, 0, i64x2_splat, "i64x2.splat")                     \
    X(0x13, SPLAT, IW_F32, 0, f32x4_splat, "f32x4.splat")                     \
    X(0x14, SPLAT, IW_F64, 0, f64x2_splat, "f64x2.splat")                     \
    X(0x15, EXTRACT, IW_I32, 16, i8x16_extract_lane_s, "i8x16.extract_lane_s") \
    X(0x16, EXTRACT, IW_I32, 16, i8x16_extract_lane_u, "i8x16.extract_lane_u") \
    X(0x17, REPLACE, IW_I32, 16, i8x16_replace_lane, "i8x16.replace_lane")    \
    X(0x18, EXTRACT, IW_I32, 8, i16x8_extract_lane_s, "i16x8.extract_lane_s") \
    X(0x19, EXTRACT, IW_I32, 8, i16x8_extract_lane_u, "i16x8.extract_lane_u") \
    X(0x1A, REPLACE, IW_I32, 8, i16x8_replace_lane, "i16x8.replace_lane")     \
    X(0x1B, EXTRACT, IW_I32, 4, i32x4_extract_lane, "i32x4.extract_lane")     \
    X(0x1C, REPLACE, IW_I32, 4, i32x4_replace_lane, "i32x4.replace_lane")     \
    X(0x1D, EXTRACT, IW_I64, 2, i64x2_extract_lane, "i64x2.extract_lane")     \
    X(0x1E, REPLACE, IW_I64, 2, i64x2_replace_lane, "i64x2.replace_lane")     \
    X(0x1F, EXTRACT, IW_F32, 4, f32x4_extract_lane, "f32x4.extract_lane")     \
    X(0x20, REPLACE, IW_F32, 4, f32x4_replace_lane, "f32x4.replace_lane")     \
    X(0x21, EXTRACT, IW_F64, 2, f64x2_extract_lane, "f64x2.extract_lane")     \
    X(0x22, REPLACE, IW_F64, 2, f64x2_replace_lane, "f64x2.replace_lane")     \
    X(0x23, BIN, 0, 0, i8x16_eq, "i8x16.eq")                                  \
    X(0x24, BIN, 0, 0, i8x16_ne, "i8x16.ne")                                  \
    X(0x25, BIN, 0, 0, i8x16_lt_s, "i8x16.lt_s")                              \
    X(0x26, BIN, 0, 0, i8x16_lt_u, "i8x16.lt_u")                              \
    X(0x27, BIN, 0, 0, i8x16_gt_s, "i8x16.gt_s")                              \
    X(0x28, BIN, 0, 0, i8x16_gt_u, "i8x16.gt_u")                              \
    X(0x29, BIN, 0, 0, i8x16_le_s, "i8x16.le_s")                              \
    X(0x2A, BIN, 0, 0, i8x16_le_u, "i8x16.le_u")                              \
    X(0x2B, BIN, 0, 0, i8x16_ge_s, "i8x16.ge_s")                              \
    X(0x2C, BIN, 0, 0, i8x16_ge_u, "i8x16.ge_u")                              \
    X(0x2D, BIN, 0, 0, i16x8_eq, "i16x8.eq")                                  \
    X(0x2E, BIN, 0, 0, i16x8_ne, "i16x8.ne")                                  \
    X(0x2F, BIN, 0, 0, i16x8_lt_s, "i16x8.lt_s")                              \
    X(0x30, BIN, 0, 0, i16x8_lt_u, "i16x8.lt_u")                              \
    X(0x31, BIN, 0, 0, i16x8_gt_s, "i16x8.gt_s")                              \
    X(0x32, BIN, 0, 0, i16x8_gt_u, "i16x8.gt_u")                              \
    X(0x33, BIN, 0, 0, i16x8_le_s, "i16x8.le_s")                              \
    X(0x34, BIN, 0, 0, i16x8_le_u, "i16x8.le_u")                              \
    X(0x35, BIN, 0, 0, i16x8_ge_s, "i16x8.ge_s")                              \
    X(0x36, BIN, 0, 0, i16x8_ge_u, "i16x8.ge_u")                              \
    X(0x37, BIN, 0, 0, i32x4_eq, "i32x4.eq")                                  \
    X(0x38, BIN, 0, 0, i32x4_ne, "i32x4.ne")                                  \
    X(0x39, BIN, 0, 0, i32x4_lt_s, "i32x4.lt_s")                              \
    X(0x3A, BIN, 0, 0, i32x4_lt_u, "i32x4.lt_u")                              \
    X(0x3B, BIN, 0, 0, i32x4_gt_s, "i32x4.gt_s")                              \
    X(0x3C, BIN, 0, 0, i32x4_gt_u, "i32x4.gt_u")                              \
    X(0x3D, BIN, 0, 0, i32x4_le_s, "i32x4.le_s")                              \
    X(0x3E, BIN, 0, 0, i32x4_le_u, "i32x4.le_u")                              \
    X(0x3F, BIN, 0, 0, i32x4_ge_s, "i32x4.ge_s")                              \
    X(0x40, BIN, 0, 0, i32x4_ge_u, "i32x4.ge_u")                              \
    X(0x41, BIN, 0, 0, f32x4_eq, "f32x4.eq")                                  \
    X(0x42, BIN, 0, 0, f32x4_ne, "f32x4.ne")                                  \
    X(0x43, BIN, 0, 0, f32x4_lt, "f32x4.lt")                                  \
    X(0x44, BIN, 0, 0, f32x4_gt, "f32x4.gt")                                  \
    X(0x45, BIN, 0, 0, f32x4_le, "f32x4.le")                                  \
    X(0x46, BIN, 0, 0, f32x4_ge, "f32x4.ge")                                  \
    X(0x47, BIN, 0, 0, f64x2_eq, "f64x2.eq")                                  \
    X(0x48, BIN, 0, 0, f64x2_ne, "f64x2.ne")                                  \
    X(0x49, BIN, 0, 0, f64x2_lt, "f64x2.lt")                                  \
    X(0x4A, BIN, 0, 0, f64x2_gt, "f64x2.gt")                                  \
    X(0x4B, BIN, 0, 0, f64x2_le, "f64x2.le")                                  \
    X(0x4C, BIN, 0, 0, f64x2_ge, "f64x2.ge")                                  \
    X(0x4D, UN, 0, 0, v128_not, "v128.not")                                   \
    X(0x4E, BIN, 0, 0, v128_and, "v128.and")                                  \
    X(0x4F, BIN, 0, 0, v128_andnot, "v128.andnot")                            \
    X(0x50, BIN, 0, 0, v128_or, "v128.or")                                    \
    X(0x51, BIN, 0, 0, v128_xor, "v128.xor")                                  \
    X(0x52, TERN, 0, 0, v128_bitselect, "v128.bitselect")                     \
    X(0x53, TEST, 0, 0, v128_any_true, "v128.any_true")                       \
    X(0x5E, UN, 0, 0, f32x4_demote_f64x2_zero, "f32x4.demote_f64x2_zero")     \
    X(0x5F, UN, 0, 0, f64x2_promote_low_f32x4, "f64x2.promote_low_f32x4")     \
    X(0x60, UN, 0, 0, i8x16_abs, "i8x16.abs")                                 \
    X(0x61, UN, 0, 0, i8x16_neg, "i8x16.neg")                                 \
    X(0x62, UN, 0, 0, i8x16_popcnt, "i8x16.popcnt")                           \
    X(0x63, TEST, 0, 0, i8x16_all_true, "i8x16.all_true")                     \
    X(0x64, TEST, 0, 0, i8x16_bitmask, "i8x16.bitmask")                       \
    X(0x65, BIN, 0, 0, i8x16_narrow_i16x8_s, "i8x16.narrow_i16x8_s")          \
    X(0x66, BIN, 0, 0, i8x16_narrow_i16x8_u, "i8x16.narrow_i16x8_u")          \
    X(0x67, UN, 0, 0, f32x4_ceil, "f32x4.ceil")                               \
    X(0x68, UN, 0, 0, f32x4_floor, "f32x4.floor")                             \
    X(0x69, UN, 0, 0, f32x4_trunc, "f32x4.trunc")                             \
    X(0x6A, UN, 0, 0, f32x4_nearest, "f32x4.nearest")                         \
    X(0x6B, SHIFT, 0, 0, i8x16_shl, "i8x16.shl")                              \
    X(0x6C, SHIFT, 0, 0, i8x16_shr_s, "i8x16.shr_s")                          \
    X(0x6D, SHIFT, 0, 0, i8x16_shr_u, "i8x16.shr_u")                          \
    X(0x6E, BIN, 0, 0, i8x16_add, "i8x16.add")                                \
    X(0x6F, BIN, 0, 0, i8x16_add_sat_s, "i8x16.add_sat_s")                    \
    X(0x70, BIN, 0, 0, i8x16_add_sat_u, "i8x16.add_sat_u")                    \
    X(0x71, BIN, 0, 0, i8x16_sub, "i8x16.sub")                                \
    X(0x72, BIN, 0, 0, i8x16_sub_sat_s, "i8x16.sub_sat_s")                    \
    X(0x73, BIN, 0, 0, i8x16_sub_sat_u, "i8x16.sub_sat_u")                    \
    X(0x74, UN, 0, 0, f64x2_ceil, "f64x2.ceil")                               \
    X(0x75, UN, 0, 0, f64x2_floor, "f64x2.floor")                             \
    X(0x76, BIN, 0, 0, i8x16_min_s, "i8x16.min_s")                            \
    X(0x77, BIN, 0, 0, i8x16_min_u, "i8x16.min_u")                            \
    X(0x78, BIN, 0, 0, i8x16_max_s, "i8x16.max_s")                            \
    X(0x79, BIN, 0, 0, i8x16_max_u, "i8x16.max_u")                            \
    X(0x7A, UN, 0, 0, f64x2_trunc, "f64x2.trunc")                             \
    X(0x7B, BIN, 0, 0, i8x16_avgr_u, "i8x16.avgr_u")                          \
    X(0x7C, UN, 0, 0, i16x8_extadd_pairwise_i8x16_s, "i16x8.extadd_pairwise_i8x16_s") \
    X(0x7D, UN, 0, 0, i16x8_extadd_pairwise_i8x16_u, "i16x8.extadd_pairwise_i8x16_u") \
    X(0x7E, UN, 0, 0, i32x4_extadd_pairwise_i16x8_s, "i32x4.extadd_pairwise_i16x8_s") \
    X(0x7F, UN, 0, 0, i32x4_extadd_pairwise_i16x8_u, "i32x4.extadd_pairwise_i16x8_u") \
    X(0x80, UN, 0, 0, i16x8_abs, "i16x8.abs")                                 \
    X(0x81, UN, 0, 0, i16x8_neg, "i16x8.neg")                                 \
    X(0x82, BIN, 0, 0, i16x8_q15mulr_sat_s, "i16x8.q15mulr_sat_s")            \
    X(0x83, TEST, 0, 0, i16x8_all_true, "i16x8.all_true")                     \
    X(0x84, TEST, 0, 0, i16x8_bitmask, "i16x8.bitmask")                       \
    X(0x85, BIN, 0, 0, i16x8_narrow_i32x4_s, "i16x8.narrow_i32x4_s")          \
    X(0x86, BIN, 0, 0, i16x8_narrow_i32x4_u, "i16x8.narrow_i32x4_u")          \
    X(0x87, UN, 0, 0, i16x8_extend_low_i8x16_s, "i16x8.extend_low_i8x16_s")   \
    X(0x88, UN, 0, 0, i16x8_extend_high_i8x16_s, "i16x8.extend_high_i8x16_s") \
    X(0x89, UN, 0, 0, i16x8_extend_low_i8x16_u, "i16x8.extend_low_i8x16_u")   \
    X(0x8A, UN, 0, 0, i16x8_extend_high_i8x16_u, "i16x8.extend_high_i8x16_u") \
    X(0x8B, SHIFT, 0, 0, i16x8_shl, "i16x8.shl")                              \
    X(0x8C, SHIFT, 0, 0, i16x8_shr_s, "i16x8.shr_s")                          \
    X(0x8D, SHIFT, 0, 0, i16x8_shr_u, "i16x8.shr_u")                          \
    X(0x8E, BIN, 0, 0, i16x8_add, "i16x8.add")                                \
    X(0x8F, BIN, 0, 0, i16x8_add_sat_s, "i16x8.add_sat_s")                    \
    X(0x90, BIN, 0, 0, i16x8_add_sat_u, "i16x8.add_sat_u")                    \
    X(0x91, BIN, 0, 0, i16x8_sub, "i16x8.sub")                                \
    X(0x92, BIN, 0, 0, i16x8_sub_sat_s, "i16x8.sub_sat_s")                    \
    X(0x93, BIN, 0, 0, i16x8_sub_sat_u, "i16x8.sub_sat_u")                    \
    X(0x94, UN, 0, 0, f64x2_nearest, "f64x2.nearest")                         \
    X(0x95, BIN, 0, 0, i16x8_mul, "i16x8.mul")                                \
    X(0x96, BIN, 0, 0, i16x8_min_s, "i16x8.min_s")                            \
    X(0x97, BIN, 0, 0, i16x8_min_u, "i16x8.min_u")                            \
    X(0x98, BIN, 0, 0, i16x8_max_s, "i16x8.max_s")                            \
    X(0x99, BIN, 0, 0, i16x8_max_u, "i16x8.max_u")                            \
    X(0x9B, BIN, 0, 0, i16x8_avgr_u, "i16x8.avgr_u")                          \
    X(0x9C, BIN, 0, 0, i16x8_extmul_low_i8x16_s, "i16x8.extmul_low_i8x16_s")  \
    X(0x9D, BIN, 0, 0, i16x8_extmul_high_i8x16_s, "i16x8.extmul_high_i8x16_s") \
    X(0x9E, BIN, 0, 0, i16x8_extmul_low_i8x16_u, "i16x8.extmul_low_i8x16_u")  \
    X(0x9F, BIN, 0, 0, i16x8_extmul_high_i8x16_u, "i16x8.extmul_high_i8x16_u") \
    X(0xA0, UN, 0, 0, i32x4_abs, "i32x4.abs")                                 \
    X(0xA1, UN, 0, 0, i32x4_neg, "i32x4.neg")                                 \
    X(0xA3, TEST, 0, 0, i32x4_all_true, "i32x4.all_true")                     \
    X(0xA4, TEST, 0, 0, i32x4_bitmask, "i32x4.bitmask")                       \
    X(0xA7, UN, 0, 0, i32x4_extend_low_i16x8_s, "i32x4.extend_low_i16x8_s")   \
    X(0xA8, UN, 0, 0, i32x4_extend_high_i16x8_s, "i32x4.extend_high_i16x8_s") \
    X(0xA9, UN, 0, 0, i32x4_extend_low_i16x8_u, "i32x4.extend_low_i16x8_u")   \
    X(0xAA, UN, 0, 0, i32x4_extend_high_i16x8_u, "i32x4.extend_high_i16x8_u") \
    X(0xAB, SHIFT, 0, 0, i32x4_shl, "i32x4.shl")                              \
    X(0xAC, SHIFT, 0, 0, i32x4_shr_s, "i32x4.shr_s")                          \
    X(0xAD, SHIFT, 0, 0, i32x4_shr_u, "i32x4.shr_u")                          \
    X(0xAE, BIN, 0, 0, i32x4_add, "i32x4.add")                                \
    X(0xB1, BIN, 0, 0, i32x4_sub, "i32x4.sub")                                \
    X(0xB5, BIN, 0, 0, i32x4_mul, "i32x4.mul")                                \
    X(0xB6, BIN, 0, 0, i32x4_min_s, "i32x4.min_s")                            \
    X(0xB7, BIN, 0, 0, i32x4_min_u, "i32x4.min_u")                            \
    X(0xB8, BIN, 0, 0, i32x4_max_s, "i32x4.max_s")                            \
    X(0xB9, BIN, 0, 0, i32x4_max_u, "i32x4.max_u")                            \
    X(0xBA, BIN, 0, 0, i32x4_dot_i16x8_s, "i32x4.dot_i16x8_s")                \
    X(0xBC, BIN, 0, 0, i32x4_extmul_low_i16x8_s, "i32x4.extmul_low_i16x8_s")  \
    X(0xBD, BIN, 0, 0, i32x4_extmul_high_i16x8_s, "i32x4.extmul_high_i16x8_s") \
    X(0xBE, BIN, 0, 0, i32x4_extmul_low_i16x8_u, "i32x4.extmul_low_i16x8_u")  \
    X(0xBF, BIN, 0, 0, i32x4_extmul_high_i16x8_u, "i32x4.extmul_high_i16x8_u") \
    X(0xC0, UN, 0, 0, i64x2_abs, "i64x2.abs")                                 \
    X(0xC1, UN, 0, 0, i64x2_neg, "i64x2.neg")                                 \
    X(0xC3, TEST, 0, 0, i64x2_all_true, "i64x2.all_true")                     \
    X(0xC4, TEST, 0, 0, i64x2_bitmask, "i64x2.bitmask")                       \
    X(0xC7, UN, 0, 0, i64x2_extend_low_i32x4_s, "i64x2.extend_low_i32x4_s")   \
    X(0xC8, UN, 0, 0, i64x2_extend_high_i32x4_s, "i64x2.extend_high_i32x4_s") \
    X(0xC9, UN, 0, 0, i64x2_extend_low_i32x4_u, "i64x2.extend_low_i32x4_u")   \
    X(0xCA, UN, 0, 0, i64x2_extend_high_i32x4_u, "i64x2.extend_high_i32x4_u") \
    X(0xCB, SHIFT, 0, 0, i64x2_shl, "i64x2.shl")                              \
    X(0xCC, SHIFT, 0, 0, i64x2_shr_s, "i64x2.shr_s")                          \
    X(0xCD, SHIFT, 0, 0, i64x2_shr_u, "i64x2.shr_u")                          \
    X(0xCE, BIN, 0, 0, i64x2_add, "i64x2.add")                                \
    X(0xD1, BIN, 0, 0, i64x2_sub, "i64x2.sub")                                \
    X(0xD5, BIN, 0, 0, i64x2_mul, "i64x2.mul")                                \
    X(0xD6, BIN, 0, 0, i64x2_eq, "i64x2.eq")                                  \
    X(0xD7, BIN, 0, 0, i64x2_ne, "i64x2.ne")                                  \
    X(0xD8, BIN, 0, 0, i64x2_lt_s, "i64x2.lt_s")                              \
    X(0xD9, BIN, 0, 0, i64x2_gt_s, "i64x2.gt_s")                              \
    X(0xDA, BIN, 0, 0, i64x2_le_s, "i64x2.le_s")                              \
    X(0xDB, BIN, 0, 0, i64x2_ge_s, "i64x2.ge_s")                              \
    X(0xDC, BIN, 0, 0, i64x2_extmul_low_i32x4_s, "i64x2.extmul_low_i32x4_s")  \
    X(0xDD, BIN, 0, 0, i64x2_extmul_high_i32x4_s, "i64x2.extmul_high_i32x4_s") \
    X(0xDE, BIN, 0, 0, i64x2_extmul_low_i32x4_u, "i64x2.extmul_low_i32x4_u")  \
    X(0xDF, BIN, 0, 0, i64x2_extmul_high_i32x4_u, "i64x2.extmul_high_i32x4_u") \
    X(0xE0, UN, 0, 0, f32x4_abs, "f32x4.abs")                                 \
    X(0xE1, UN, 0, 0, f32x4_neg, "f32x4.neg")                                 \
    X(0xE3, UN, 0, 0, f32x4_sqrt, "f32x4.sqrt")                               \
    X(0xE4, BIN, 0, 0, f32x4_add, "f32x4.add")                                \
    X(0xE5, BIN, 0, 0, f32x4_sub, "f32x4.sub")                                \
    X(0xE6, BIN, 0, 0, f32x4_mul, "f32x4.mul")                                \
    X(0xE7, BIN, 0, 0, f32x4_div, "f32x4.div")                                \
    X(0xE8, BIN, 0, 0, f32x4_min, "f32x4.min")                                \
    X(0xE9, BIN, 0, 0, f32x4_max, "f32x4.max")                                \
    X(0xEA, BIN, 0, 0, f32x4_pmin, "f32x4.pmin")                              \
    X(0xEB, BIN, 0, 0, f32x4_pmax, "f32x4.pmax")                              \
    X(0xEC, UN, 0, 0, f64x2_abs, "f64x2.abs")                                 \
    X(0xED, UN, 0, 0, f64x2_neg, "f64x2.neg")                                 \
    X(0xEF, UN, 0, 0, f64x2_sqrt, "f64x2.sqrt")                               \
    X(0xF0, BIN, 0, 0, f64x2_add, "f64x2.add")                                \
    X(0xF1, BIN, 0, 0, f64x2_sub, "f64x2.sub")                                \
    X(0xF2, BIN, 0, 0, f64x2_mul, "f64x2.mul")                                \
    X(0xF3, BIN, 0, 0, f64x2_div, "f64x2.div")                                \
    X(0xF4, BIN, 0, 0, f64x2_min, "f64x2.min")                                \
    X(0xF5, BIN, 0, 0, f64x2_max, "f64x2.max")                                \
    X(0xF6, BIN, 0, 0, f64x2_pmin, "f64x2.pmin")                              \
    X(0xF7, BIN, 0, 0, f64x2_pmax, "f64x2.pmax")                              \
    X(0xF8, UN, 0, 0, i32x4_trunc_sat_f32x4_s, "i32x4.trunc_sat_f32x4_s")     \
    X(0xF9, UN, 0, 0, i32x4_trunc_sat_f32x4_u, "i32x4.trunc_sat_f32x4_u")     \
    X(0xFA, UN, 0, 0, f32x4_convert_i32x4_s, "f32x4.convert_i32x4_s")         \
    X(0xFB, UN, 0, 0, f32x4_convert_i32x4_u, "f32x4.convert_i32x4_u")         \
    X(0xFC, UN, 0, 0, i32x4_trunc_sat_f64x2_s_zero, "i32x4.trunc_sat_f64x2_s_zero") \
    X(0xFD, UN, 0, 0, i32x4_trunc_sat_f64x2_u_zero, "i32x4.trunc_sat_f64x2_u_zero") \
    X(0xFE, UN, 0, 0, f64x2_convert_low_i32x4_s, "f64x2.convert_low_i32x4_s") \
    X(0xFF, UN, 0, 0, f64x2_convert_low_i32x4_u, "f64x2.convert_low_i32x4_u")

const iw__simd_info_t *iw__simd_info(uint32_t sub)
{
    switch (sub) {
#define IW__X(code, kind, scalar, lanes, fn, text)                            \
    case code: {                                                              \
        static const iw__simd_info_t info = { IW__SIMD_##kind, scalar, lanes, fn, text }; \
        return &info;                                                         \
    }
        IW__SIMD_OPS(IW__X)
#undef IW__X
    default: return NULL;
    }
}

/* ---- loads ---------------------------------------------------------------- */

/* v128.load, load32_zero, load64_zero: the bytes read, zero above */
static void v128_load(IW__ARGS)
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
    static void NAME(IW__ARGS)                                                \
    {                                                                         \
        IW__UNUSED;                                                           \
        *r = *B;                                                              \
        r->F[imm] = A->F[0];                                                  \
    }
IW__LOAD_LANE(v128_load8_lane, u8)
IW__LOAD_LANE(v128_load16_lane, u16)
IW__LOAD_LANE(v128_load32_lane, u32)
IW__LOAD_LANE(v128_load64_lane, u64)

#define IW__SIMD_MEM_OPS(X)                                                   \
    X(0x00, LOAD, 16, 4, 0, v128_load, "v128.load")                           \
    X(0x01, LOAD, 8, 3, 0, v128_load8x8_s, "v128.load8x8_s")                  \
    X(0x02, LOAD, 8, 3, 0, v128_load8x8_u, "v128.load8x8_u")                  \
    X(0x03, LOAD, 8, 3, 0, v128_load16x4_s, "v128.load16x4_s")                \
    X(0x04, LOAD, 8, 3, 0, v128_load16x4_u, "v128.load16x4_u")                \
    X(0x05, LOAD, 8, 3, 0, v128_load32x2_s, "v128.load32x2_s")                \
    X(0x06, LOAD, 8, 3, 0, v128_load32x2_u, "v128.load32x2_u")                \
    X(0x07, LOAD, 1, 0, 0, i8x16_splat, "v128.load8_splat")                   \
    X(0x08, LOAD, 2, 1, 0, i16x8_splat, "v128.load16_splat")                  \
    X(0x09, LOAD, 4, 2, 0, i32x4_splat, "v128.load32_splat")                  \
    X(0x0A, LOAD, 8, 3, 0, i64x2_splat, "v128.load64_splat")                  \
    X(0x0B, STORE, 16, 4, 0, NULL, "v128.store")                              \
    X(0x54, LOAD_LANE, 1, 0, 16, v128_load8_lane, "v128.load8_lane")          \
    X(0x55, LOAD_LANE, 2, 1, 8, v128_load16_lane, "v128.load16_lane")         \
    X(0x56, LOAD_LANE, 4, 2, 4, v128_load32_lane, "v128.load32_lane")         \
    X(0x57, LOAD_LANE, 8, 3, 2, v128_load64_lane, "v128.load64_lane")         \
    X(0x58, STORE_LANE, 1, 0, 16, NULL, "v128.store8_lane")                   \
    X(0x59, STORE_LANE, 2, 1, 8, NULL, "v128.store16_lane")                   \
    X(0x5A, STORE_LANE, 4, 2, 4, NULL, "v128.store32_lane")                   \
    X(0x5B, STORE_LANE, 8, 3, 2, NULL, "v128.store64_lane")                   \
    X(0x5C, LOAD, 4, 2, 0, v128_load, "v128.load32_zero")                     \
    X(0x5D, LOAD, 8, 3, 0, v128_load, "v128.load64_zero")

const iw__simd_mem_info_t *iw__simd_mem_info(uint32_t sub)
{
    switch (sub) {
#define IW__X(code, kind, bytes, align, lanes, fn, text)                      \
    case code: {                                                              \
        static const iw__simd_mem_info_t info = { IW__SIMD_##kind, bytes, align, lanes, fn, text }; \
        return &info;                                                         \
    }
        IW__SIMD_MEM_OPS(IW__X)
#undef IW__X
    default: return NULL;
    }
}
