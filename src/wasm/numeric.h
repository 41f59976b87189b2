/* Numeric helpers for the instructions whose semantics C does not give
 * directly: trapping division and conversions, NaN-aware min/max, and the
 * sign operations, which work on bits so NaN payloads pass through
 * untouched. Values travel in 64-bit slots; f32/f64 as their bit patterns.
 * Assumes IEEE-754 floats evaluated in their own precision (SSE on x86-64,
 * never x87) and the default round-to-nearest-even mode. */
#ifndef IFRIT_WASM_NUMERIC_H
#define IFRIT_WASM_NUMERIC_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "wasm/wasm.h"

static inline uint32_t iw_f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline uint64_t iw_f64_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static inline float iw_f32_from(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline double iw_f64_from(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

static inline float iw_f32_abs(float a) { return iw_f32_from(iw_f32_bits(a) & 0x7fffffffu); }
static inline float iw_f32_neg(float a) { return iw_f32_from(iw_f32_bits(a) ^ 0x80000000u); }
static inline float iw_f32_copysign(float a, float b)
{
    return iw_f32_from((iw_f32_bits(a) & 0x7fffffffu) | (iw_f32_bits(b) & 0x80000000u));
}
static inline double iw_f64_abs(double a) { return iw_f64_from(iw_f64_bits(a) & 0x7fffffffffffffffull); }
static inline double iw_f64_neg(double a) { return iw_f64_from(iw_f64_bits(a) ^ 0x8000000000000000ull); }
static inline double iw_f64_copysign(double a, double b)
{
    return iw_f64_from((iw_f64_bits(a) & 0x7fffffffffffffffull) |
                        (iw_f64_bits(b) & 0x8000000000000000ull));
}

/* Rounding to an integral value. libm may hand a signalling NaN back
 * untouched; wasm wants it quieted, which a + a does. */
#define iw_f32_round(a, fn) ((a) != (a) ? (a) + (a) : fn(a))
#define iw_f64_round(a, fn) ((a) != (a) ? (a) + (a) : fn(a))

/* wasm min/max: any NaN operand gives a NaN, the first NaN operand
 * quieted (x + x: never a + b, whose NaN would depend on the operand order
 * the C compiler picks, which differed between the interpreter's handler
 * and the compiler's helper), and -0 is smaller than +0, which plain
 * comparisons do not see. */
static inline float iw_f32_min(float a, float b)
{
    if (a != a) return a + a;
    if (b != b) return b + b;
    if (a == b) return (iw_f32_bits(a) & 0x80000000u) ? a : b;
    return a < b ? a : b;
}
static inline float iw_f32_max(float a, float b)
{
    if (a != a) return a + a;
    if (b != b) return b + b;
    if (a == b) return (iw_f32_bits(a) & 0x80000000u) ? b : a;
    return a > b ? a : b;
}
static inline double iw_f64_min(double a, double b)
{
    if (a != a) return a + a;
    if (b != b) return b + b;
    if (a == b) return (iw_f64_bits(a) >> 63) ? a : b;
    return a < b ? a : b;
}
static inline double iw_f64_max(double a, double b)
{
    if (a != a) return a + a;
    if (b != b) return b + b;
    if (a == b) return (iw_f64_bits(a) >> 63) ? b : a;
    return a > b ? a : b;
}

/* Division: 0 on success, else the trap kind. */
static inline int iw_i32_div_s(uint32_t a, uint32_t b, uint32_t *r)
{
    if (b == 0) return IW_TRAP_DIV_BY_ZERO;
    if (a == 0x80000000u && b == 0xffffffffu) return IW_TRAP_INT_OVERFLOW;
    *r = (uint32_t)((int32_t)a / (int32_t)b);
    return 0;
}
static inline int iw_i32_div_u(uint32_t a, uint32_t b, uint32_t *r)
{
    if (b == 0) return IW_TRAP_DIV_BY_ZERO;
    *r = a / b;
    return 0;
}
static inline int iw_i32_rem_s(uint32_t a, uint32_t b, uint32_t *r)
{
    if (b == 0) return IW_TRAP_DIV_BY_ZERO;
    *r = b == 0xffffffffu ? 0 : (uint32_t)((int32_t)a % (int32_t)b); /* INT_MIN % -1 is UB in C */
    return 0;
}
static inline int iw_i32_rem_u(uint32_t a, uint32_t b, uint32_t *r)
{
    if (b == 0) return IW_TRAP_DIV_BY_ZERO;
    *r = a % b;
    return 0;
}
static inline int iw_i64_div_s(uint64_t a, uint64_t b, uint64_t *r)
{
    if (b == 0) return IW_TRAP_DIV_BY_ZERO;
    if (a == 0x8000000000000000ull && b == ~0ull) return IW_TRAP_INT_OVERFLOW;
    *r = (uint64_t)((int64_t)a / (int64_t)b);
    return 0;
}
static inline int iw_i64_div_u(uint64_t a, uint64_t b, uint64_t *r)
{
    if (b == 0) return IW_TRAP_DIV_BY_ZERO;
    *r = a / b;
    return 0;
}
static inline int iw_i64_rem_s(uint64_t a, uint64_t b, uint64_t *r)
{
    if (b == 0) return IW_TRAP_DIV_BY_ZERO;
    *r = b == ~0ull ? 0 : (uint64_t)((int64_t)a % (int64_t)b);
    return 0;
}
static inline int iw_i64_rem_u(uint64_t a, uint64_t b, uint64_t *r)
{
    if (b == 0) return IW_TRAP_DIV_BY_ZERO;
    *r = a % b;
    return 0;
}

/* Trapping float-to-int conversions. The bounds are exact powers of two,
 * so the comparisons are exact in the source precision: a value is in range
 * iff it truncates to a representable integer. */
#define IW__TRUNC(NAME, FT, RT, CAST, LO_OK, HI)                               \
    static inline int NAME(FT a, RT *r)                                        \
    {                                                                          \
        if (a != a) return IW_TRAP_INVALID_CONVERSION;                         \
        if (!(LO_OK) || !(a < (HI))) return IW_TRAP_INT_OVERFLOW;              \
        *r = (RT)(CAST)a;                                                      \
        return 0;                                                              \
    }
IW__TRUNC(iw_i32_trunc_f32_s, float, uint32_t, int32_t, a >= -2147483648.0f, 2147483648.0f)
IW__TRUNC(iw_i32_trunc_f32_u, float, uint32_t, uint32_t, a > -1.0f, 4294967296.0f)
IW__TRUNC(iw_i32_trunc_f64_s, double, uint32_t, int32_t, a > -2147483649.0, 2147483648.0)
IW__TRUNC(iw_i32_trunc_f64_u, double, uint32_t, uint32_t, a > -1.0, 4294967296.0)
IW__TRUNC(iw_i64_trunc_f32_s, float, uint64_t, int64_t, a >= -9223372036854775808.0f, 9223372036854775808.0f)
IW__TRUNC(iw_i64_trunc_f32_u, float, uint64_t, uint64_t, a > -1.0f, 18446744073709551616.0f)
IW__TRUNC(iw_i64_trunc_f64_s, double, uint64_t, int64_t, a >= -9223372036854775808.0, 9223372036854775808.0)
IW__TRUNC(iw_i64_trunc_f64_u, double, uint64_t, uint64_t, a > -1.0, 18446744073709551616.0)
#undef IW__TRUNC

/* Saturating conversions: NaN gives 0, out of range clamps. */
#define IW__TRUNC_SAT(NAME, FT, RT, CAST, LO_OK, HI, MINV, MAXV)               \
    static inline RT NAME(FT a)                                                \
    {                                                                          \
        if (a != a) return 0;                                                  \
        if (!(LO_OK)) return (RT)(MINV);                                       \
        if (!(a < (HI))) return (RT)(MAXV);                                    \
        return (RT)(CAST)a;                                                    \
    }
IW__TRUNC_SAT(iw_i32_trunc_sat_f32_s, float, uint32_t, int32_t, a >= -2147483648.0f, 2147483648.0f, INT32_MIN, INT32_MAX)
IW__TRUNC_SAT(iw_i32_trunc_sat_f32_u, float, uint32_t, uint32_t, a > -1.0f, 4294967296.0f, 0, UINT32_MAX)
IW__TRUNC_SAT(iw_i32_trunc_sat_f64_s, double, uint32_t, int32_t, a > -2147483649.0, 2147483648.0, INT32_MIN, INT32_MAX)
IW__TRUNC_SAT(iw_i32_trunc_sat_f64_u, double, uint32_t, uint32_t, a > -1.0, 4294967296.0, 0, UINT32_MAX)
IW__TRUNC_SAT(iw_i64_trunc_sat_f32_s, float, uint64_t, int64_t, a >= -9223372036854775808.0f, 9223372036854775808.0f, INT64_MIN, INT64_MAX)
IW__TRUNC_SAT(iw_i64_trunc_sat_f32_u, float, uint64_t, uint64_t, a > -1.0f, 18446744073709551616.0f, 0, UINT64_MAX)
IW__TRUNC_SAT(iw_i64_trunc_sat_f64_s, double, uint64_t, int64_t, a >= -9223372036854775808.0, 9223372036854775808.0, INT64_MIN, INT64_MAX)
IW__TRUNC_SAT(iw_i64_trunc_sat_f64_u, double, uint64_t, uint64_t, a > -1.0, 18446744073709551616.0, 0, UINT64_MAX)
#undef IW__TRUNC_SAT

#endif
