/* The SSE4.1 versions of the SIMD instructions (src/wasm/simd_sse.c) give
 * bit for bit what the portable functions of simd_ops.h give, on random
 * vectors mixed with the lane values where the two could part: NaNs
 * (quiet, signalling, negative, with payloads), both zeros, infinities,
 * 2^31 and its neighbours, halves for the roundings, INT_MIN of every lane
 * width, 0x7f/0x80/0xff bytes and swizzle indices past 15. The spec
 * scripts run both paths too (tests/spec/suite.sh); this compares them
 * directly, on many more values (a lane where both operands are NaNs may
 * pass on either, quieted: the portable a + b is the compiler's to order). Also: where the CPU has SSE4.1 the table
 * is filled (unless IFRIT_SIMD=portable), and i8x16.shuffle. */
#define TEST_SUITE "wasm/simd_sse"
#include <stdlib.h>
#include <string.h>

#include "testing.h"
#include "wasm/simd_ops.h"
#include "wasm/simd_sse.h"

#define ROUNDS 4000

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const uint32_t f32_edges[] = {
    0x7FC00000, 0xFFC00000, 0x7FA00000, 0x7F800001, 0xFFBFFFFF, 0x00000000, 0x80000000, 0x7F800000,
    0xFF800000, 0x4F000000, 0x4EFFFFFF, 0xCF000000, 0xCF000001, 0x3F000000, 0xBF000000, 0x3FC00000,
    0x40200000, 0xC0200000, 0x00000001, 0x4B000001, 0x3F800000,
};
static const uint64_t f64_edges[] = {
    0x7FF8000000000000ull, 0xFFF8000000000000ull, 0x7FF4000000000000ull, 0x7FF0000000000001ull,
    0x0000000000000000ull, 0x8000000000000000ull, 0x7FF0000000000000ull, 0xFFF0000000000000ull,
    0x3FE0000000000000ull, 0xBFE0000000000000ull, 0x3FF8000000000000ull, 0x4004000000000000ull,
    0x4330000000000001ull, 0x0000000000000001ull, 0x41E0000000000000ull,
};
static const uint16_t u16_edges[] = { 0x8000, 0x7FFF, 0xFFFF, 0x0000, 0x0001, 0x8001, 0x00FF, 0xFF80, 0x4000 };
static const uint8_t u8_edges[] = { 0x80, 0x7F, 0xFF, 0x00, 0x01, 0x0F, 0x10, 0x1F, 0x20, 0x70, 0x8F, 0x90 };

#define PICK(a) a[next() % (sizeof a / sizeof a[0])]

/* When both operands of a float lane are NaNs, which one a + b passes on
 * is the compiler's choice in the portable C (it may swap the operands), so
 * either one, quieted, is the same answer; the spec allows both. */
static bool same_lanes(const char *text, const iw_v128_t *w, const iw_v128_t *g, const iw_v128_t *a,
                       const iw_v128_t *b, size_t n)
{
    if (memcmp(w, g, n) == 0) return true;
    if (strncmp(text, "f32x4.", 6) == 0) {
        for (int i = 0; i < 4; i++) {
            uint32_t q = 0x00400000u, nan = 0x7F800000u;
            bool wn = (w->u32[i] & 0x7FFFFFFFu) > nan, gn = (g->u32[i] & 0x7FFFFFFFu) > nan;
            if (w->u32[i] == g->u32[i]) continue;
            if (!wn || !gn || (g->u32[i] != (a->u32[i] | q) && g->u32[i] != (b->u32[i] | q))) return false;
        }
        return true;
    }
    if (strncmp(text, "f64x2.", 6) == 0) {
        for (int i = 0; i < 2; i++) {
            uint64_t q = 1ull << 51, nan = 0x7FF0000000000000ull;
            bool wn = (w->u64[i] & ~(1ull << 63)) > nan, gn = (g->u64[i] & ~(1ull << 63)) > nan;
            if (w->u64[i] == g->u64[i]) continue;
            if (!wn || !gn || (g->u64[i] != (a->u64[i] | q) && g->u64[i] != (b->u64[i] | q))) return false;
        }
        return true;
    }
    return false;
}

/* Each 8-byte half is random bits or edge values of one lane width. */
static void fill(iw_v128_t *v)
{
    for (int h = 0; h < 2; h++) {
        switch (next() % 6) {
        case 0: v->u64[h] = next(); break;
        case 1: v->u32[2 * h] = PICK(f32_edges); v->u32[2 * h + 1] = PICK(f32_edges); break;
        case 2: v->u64[h] = PICK(f64_edges); break;
        case 3: for (int i = 0; i < 4; i++) v->u16[4 * h + i] = PICK(u16_edges); break;
        case 4: for (int i = 0; i < 8; i++) v->u8[8 * h + i] = PICK(u8_edges); break;
        default: v->u32[2 * h] = PICK(f32_edges); v->u32[2 * h + 1] = (uint32_t)next(); break;
        }
    }
}

static void test_sse_matches_portable(void)
{
    int compared = 0;
#define IW__X(code, kind, scalar, lanes, fn, text)                                         \
    if (iw_simd_fast[IW_SIMD_FN_##fn]) {                                                   \
        compared++;                                                                        \
        int bad = 0;                                                                       \
        for (int k = 0; k < ROUNDS && !bad; k++) {                                         \
            iw_v128_t a, b, c, want, got;                                                  \
            fill(&a), fill(&b), fill(&c);                                                  \
            memset(&want, 0, sizeof want);                                                 \
            memset(&got, 0, sizeof got);                                                   \
            iw_simd_##fn(&want, &a, &b, &c, 0);                                            \
            iw_simd_fast[IW_SIMD_FN_##fn](&got, &a, &b, &c, 0);                            \
            /* a TEST gives one i32 in lane 0 */                                           \
            size_t n = IW_SIMD_##kind == IW_SIMD_TEST ? 4 : 16;                            \
            if (!same_lanes(text, &want, &got, &a, &b, n)) {                               \
                printf("FAIL %s/%s: %s differs: a %016llx%016llx b %016llx%016llx "        \
                       "portable %016llx%016llx sse %016llx%016llx\n",                     \
                       TEST_SUITE, testing_current, text, (unsigned long long)a.u64[1],    \
                       (unsigned long long)a.u64[0], (unsigned long long)b.u64[1],         \
                       (unsigned long long)b.u64[0], (unsigned long long)want.u64[1],      \
                       (unsigned long long)want.u64[0], (unsigned long long)got.u64[1],    \
                       (unsigned long long)got.u64[0]);                                    \
                testing_failed_checks++;                                                   \
                bad = 1;                                                                   \
            }                                                                              \
        }                                                                                  \
    }
    IW_SIMD_OPS(IW__X)
#undef IW__X
    const char *force = getenv("IFRIT_SIMD");
    bool portable = force && strcmp(force, "portable") == 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse4.1") && !portable) CHECK(compared >= 30);
    else CHECK_INT_EQ(compared, 0);
#else
    CHECK_INT_EQ(compared, 0);
    (void)portable;
#endif
}

static void test_shuffle(void)
{
    if (!iw_simd_fast_shuffle) return;
    for (int k = 0; k < ROUNDS; k++) {
        uint8_t ab[32], idx[16], want[16], got[16];
        for (int i = 0; i < 32; i++) ab[i] = (uint8_t)next();
        for (int i = 0; i < 16; i++) idx[i] = (uint8_t)(next() % 32);
        for (int i = 0; i < 16; i++) want[i] = ab[idx[i]];
        iw_simd_fast_shuffle(got, ab, idx);
        CHECK(memcmp(want, got, 16) == 0);
    }
}

int main(void)
{
    RUN(test_sse_matches_portable);
    RUN(test_shuffle);
    return testing_done();
}
