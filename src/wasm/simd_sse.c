/* The SSE4.1 versions of the SIMD instructions portable C does slowly
 * (simd_sse.h), each giving bit for bit what its function in simd_ops.h
 * gives, and the choice between the two, made once before main. Compiled
 * with target attributes, so the rest of the engine stays baseline x86-64
 * and a CPU without SSE4.1 never runs these. Only instructions whose
 * portable function costs clearly more than the call to one of these are
 * here: for the others (integer min/max, abs, widening, bitselect,
 * any_true, ...) gcc already makes the portable loop a few instructions,
 * inlined, and a call would cost more than it saves. */
#include <stdlib.h>
#include <string.h>

#include "wasm/simd_sse.h"

iw_simd_fn_t iw_simd_fast[IW_SIMD_FN_COUNT];
void (*iw_simd_fast_shuffle)(uint8_t r[16], const uint8_t ab[32], const uint8_t idx[16]);

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define IW__SSE __attribute__((target("sse4.1")))
#define IW__ARGS iw_v128_t *r, const iw_v128_t *A, const iw_v128_t *B, const iw_v128_t *C, uint64_t imm
#define IW__I(p) _mm_loadu_si128((const __m128i *)(p))
#define IW__F(p) _mm_loadu_ps((const float *)(p))
#define IW__D(p) _mm_loadu_pd((const double *)(p))
#define IW__PUT(v) _mm_storeu_si128((__m128i *)r, (v))
#define IW__PUTF(v) _mm_storeu_ps((float *)r, (v))
#define IW__PUTD(v) _mm_storeu_pd((double *)r, (v))

/* r = EXPR over the integer vectors a and b. */
#define IW__INT2(NAME, EXPR)                                                   \
    IW__SSE static void iw__sse_##NAME(IW__ARGS)                               \
    {                                                                          \
        (void)C, (void)imm;                                                    \
        __m128i a = IW__I(A), b = IW__I(B);                                    \
        (void)b;                                                               \
        IW__PUT(EXPR);                                                         \
    }

IW__INT2(i8x16_add_sat_s, _mm_adds_epi8(a, b))
IW__INT2(i8x16_add_sat_u, _mm_adds_epu8(a, b))
IW__INT2(i8x16_sub_sat_s, _mm_subs_epi8(a, b))
IW__INT2(i16x8_add_sat_s, _mm_adds_epi16(a, b))
IW__INT2(i16x8_add_sat_u, _mm_adds_epu16(a, b))
IW__INT2(i16x8_sub_sat_s, _mm_subs_epi16(a, b))
IW__INT2(i32x4_dot_i16x8_s, _mm_madd_epi16(a, b))
/* Saturating narrowing: the pack instructions read signed lanes, as wasm's. */
IW__INT2(i16x8_narrow_i32x4_s, _mm_packs_epi32(a, b))
IW__INT2(i16x8_narrow_i32x4_u, _mm_packus_epi32(a, b))
/* Products of widened lanes, 16 -> 32 bits: the low and high halves of
 * each product interleaved. */
IW__INT2(i32x4_extmul_low_i16x8_s, _mm_unpacklo_epi16(_mm_mullo_epi16(a, b), _mm_mulhi_epi16(a, b)))
IW__INT2(i32x4_extmul_high_i16x8_s, _mm_unpackhi_epi16(_mm_mullo_epi16(a, b), _mm_mulhi_epi16(a, b)))
IW__INT2(i32x4_extmul_low_i16x8_u, _mm_unpacklo_epi16(_mm_mullo_epi16(a, b), _mm_mulhi_epu16(a, b)))
IW__INT2(i32x4_extmul_high_i16x8_u, _mm_unpackhi_epi16(_mm_mullo_epi16(a, b), _mm_mulhi_epu16(a, b)))
/* Pairwise sums of signed bytes: pmaddubsw multiplies the unsigned bytes
 * of its first operand (ones here) by the signed bytes of its second. */
IW__INT2(i16x8_extadd_pairwise_i8x16_s, _mm_maddubs_epi16(_mm_set1_epi8(1), a))

/* Indices 16 and up must give 0: a saturating add of 0x70 sets their top
 * bit (which makes pshufb write 0) and leaves the low four bits of the
 * others as they are. */
IW__INT2(i8x16_swizzle, _mm_shuffle_epi8(a, _mm_adds_epu8(b, _mm_set1_epi8(0x70))))

/* pmulhrsw is (a * b + 2^14) >> 15 but for -32768 * -32768, the one
 * product that overflows, which it gives as -32768 where wasm saturates to
 * 32767: the lanes with both operands -32768 are flipped. */
IW__SSE static void iw__sse_i16x8_q15mulr_sat_s(IW__ARGS)
{
    (void)C, (void)imm;
    const __m128i min = _mm_set1_epi16((short)0x8000);
    __m128i a = IW__I(A), b = IW__I(B);
    __m128i both_min = _mm_and_si128(_mm_cmpeq_epi16(a, min), _mm_cmpeq_epi16(b, min));
    IW__PUT(_mm_xor_si128(_mm_mulhrs_epi16(a, b), both_min));
}

/* Bytes' bit counts from a table of the sixteen nibbles' counts. */
IW__SSE static void iw__sse_i8x16_popcnt(IW__ARGS)
{
    (void)B, (void)C, (void)imm;
    const __m128i counts = _mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m128i nibble = _mm_set1_epi8(0x0F);
    __m128i a = IW__I(A);
    __m128i lo = _mm_shuffle_epi8(counts, _mm_and_si128(a, nibble));
    __m128i hi = _mm_shuffle_epi8(counts, _mm_and_si128(_mm_srli_epi16(a, 4), nibble));
    IW__PUT(_mm_add_epi8(lo, hi));
}

/* Tests give one i32 in lane 0 (the rest is ignored). */
#define IW__TEST(NAME, EXPR)                                                   \
    IW__SSE static void iw__sse_##NAME(IW__ARGS)                               \
    {                                                                          \
        (void)B, (void)C, (void)imm;                                           \
        __m128i a = IW__I(A);                                                  \
        r->u64[0] = (uint64_t)(uint32_t)(EXPR);                                \
        r->u64[1] = 0;                                                         \
    }
/* all lanes non-zero: no lane compares equal to zero */
IW__TEST(i8x16_all_true, _mm_testz_si128(_mm_cmpeq_epi8(a, _mm_setzero_si128()), _mm_cmpeq_epi8(a, _mm_setzero_si128())))
IW__TEST(i8x16_bitmask, _mm_movemask_epi8(a))
IW__TEST(i16x8_bitmask, _mm_movemask_epi8(_mm_packs_epi16(a, _mm_setzero_si128())))
IW__TEST(i32x4_bitmask, _mm_movemask_ps(_mm_castsi128_ps(a)))

/* Float min/max as iw_f32_min/max: minps/maxps, then lanes that compare
 * equal (+0 and -0 among them) take a | b (min: -0 wins) or a & b (max: +0
 * wins), and lanes with a NaN take a + b, which quiets and propagates it
 * exactly as the scalar helpers' a + b does. */
#define IW__FMINMAX(SH, T, L, S, SUF, OP, EQ)                                  \
    IW__SSE static void iw__sse_##SH(IW__ARGS)                                 \
    {                                                                          \
        (void)C, (void)imm;                                                    \
        T a = L(A), b = L(B);                                                  \
        T m = _mm_##OP##_##SUF(a, b);                                          \
        m = _mm_blendv_##SUF(m, _mm_##EQ##_##SUF(a, b), _mm_cmpeq_##SUF(a, b)); \
        m = _mm_blendv_##SUF(m, _mm_add_##SUF(a, b), _mm_cmpunord_##SUF(a, b)); \
        S(m);                                                                  \
    }
IW__FMINMAX(f32x4_min, __m128, IW__F, IW__PUTF, ps, min, or)
IW__FMINMAX(f32x4_max, __m128, IW__F, IW__PUTF, ps, max, and)
IW__FMINMAX(f64x2_min, __m128d, IW__D, IW__PUTD, pd, min, or)
IW__FMINMAX(f64x2_max, __m128d, IW__D, IW__PUTD, pd, max, and)
#define IW__FPM(SH, T, L, S, EXPR)                                             \
    IW__SSE static void iw__sse_##SH(IW__ARGS)                                 \
    {                                                                          \
        (void)B, (void)C, (void)imm;                                           \
        T a = L(A);                                                            \
        S(EXPR);                                                               \
    }
/* roundps/roundpd: a NaN comes back quieted with its payload, as a + a
 * gives it in iw_f32_round; ties of nearest go to even, as rint's. */
#define IW__ROUND_MODE(M) ((M) | _MM_FROUND_NO_EXC)
IW__FPM(f32x4_ceil, __m128, IW__F, IW__PUTF, _mm_round_ps(a, IW__ROUND_MODE(_MM_FROUND_TO_POS_INF)))
IW__FPM(f32x4_floor, __m128, IW__F, IW__PUTF, _mm_round_ps(a, IW__ROUND_MODE(_MM_FROUND_TO_NEG_INF)))
IW__FPM(f32x4_trunc, __m128, IW__F, IW__PUTF, _mm_round_ps(a, IW__ROUND_MODE(_MM_FROUND_TO_ZERO)))
IW__FPM(f32x4_nearest, __m128, IW__F, IW__PUTF, _mm_round_ps(a, IW__ROUND_MODE(_MM_FROUND_TO_NEAREST_INT)))
IW__FPM(f64x2_ceil, __m128d, IW__D, IW__PUTD, _mm_round_pd(a, IW__ROUND_MODE(_MM_FROUND_TO_POS_INF)))
IW__FPM(f64x2_floor, __m128d, IW__D, IW__PUTD, _mm_round_pd(a, IW__ROUND_MODE(_MM_FROUND_TO_NEG_INF)))
IW__FPM(f64x2_trunc, __m128d, IW__D, IW__PUTD, _mm_round_pd(a, IW__ROUND_MODE(_MM_FROUND_TO_ZERO)))
IW__FPM(f64x2_nearest, __m128d, IW__D, IW__PUTD, _mm_round_pd(a, IW__ROUND_MODE(_MM_FROUND_TO_NEAREST_INT)))

/* i8x16.shuffle from two vectors: each gives its bytes where the index
 * names it (pshufb writes 0 where the index byte's top bit is set). */
IW__SSE static void iw__sse_shuffle(uint8_t r[16], const uint8_t ab[32], const uint8_t idx[16])
{
    __m128i i = _mm_loadu_si128((const __m128i *)idx);
    __m128i in_b = _mm_cmpgt_epi8(i, _mm_set1_epi8(15));   /* indices are below 32 */
    __m128i from_a = _mm_or_si128(i, in_b);
    __m128i from_b = _mm_or_si128(_mm_sub_epi8(i, _mm_set1_epi8(16)), _mm_xor_si128(in_b, _mm_set1_epi8(-1)));
    __m128i v = _mm_or_si128(_mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)ab), from_a),
                             _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(ab + 16)), from_b));
    _mm_storeu_si128((__m128i *)r, v);
}

#define IW__SSE_OPS(X)                                                                            \
    X(i8x16_add_sat_s) X(i8x16_add_sat_u) X(i8x16_sub_sat_s) X(i16x8_add_sat_s) X(i16x8_add_sat_u)  \
    X(i16x8_sub_sat_s) X(i32x4_dot_i16x8_s) X(i16x8_narrow_i32x4_s) X(i16x8_narrow_i32x4_u)         \
    X(i32x4_extmul_low_i16x8_s) X(i32x4_extmul_high_i16x8_s) X(i32x4_extmul_low_i16x8_u)            \
    X(i32x4_extmul_high_i16x8_u) X(i16x8_extadd_pairwise_i8x16_s) X(i8x16_swizzle)                  \
    X(i16x8_q15mulr_sat_s) X(i8x16_popcnt) X(i8x16_all_true) X(i8x16_bitmask) X(i16x8_bitmask)       \
    X(i32x4_bitmask) X(f32x4_min) X(f32x4_max) X(f64x2_min) X(f64x2_max) X(f32x4_ceil)               \
    X(f32x4_floor) X(f32x4_trunc) X(f32x4_nearest) X(f64x2_ceil) X(f64x2_floor) X(f64x2_trunc)       \
    X(f64x2_nearest)

/* Before main: SSE4.1 where cpuid has it, unless IFRIT_SIMD=portable. */
__attribute__((constructor)) static void iw__simd_select(void)
{
    const char *want = getenv("IFRIT_SIMD");
    if (want && strcmp(want, "portable") == 0) return;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("sse4.1")) return;
#define IW__SET(fn) iw_simd_fast[IW_SIMD_FN_##fn] = iw__sse_##fn;
    IW__SSE_OPS(IW__SET)
#undef IW__SET
    iw_simd_fast_shuffle = iw__sse_shuffle;
}
#endif
