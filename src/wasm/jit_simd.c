/* The helpers compiled code calls for the v128 instructions it does not
 * translate inline (jit_helpers.h): one per SIMD instruction, each doing
 * what interp.c's handler does with the same function of simd_ops.h (or its
 * SSE4.1 form from simd_sse.h, chosen by the same table), so lanes, NaN bits
 * and rounding are the interpreter's by construction. The loads and stores
 * check their bounds first and do nothing when they would trap. */
#include "wasm/jit.h"

#if IW_JIT
#include <string.h>

#include "wasm/jit_helpers.h"
#include "wasm/simd.h"
#include "wasm/simd_ops.h"
#include "wasm/simd_sse.h"

/* w1 {addr, value}, w2 offset, w3 {bytes, lane}: the whole vector or the
 * lane's bytes; the write map of a resettable instance marked. */
static int iw__js_store(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    uint64_t ea = (uint64_t)(uint32_t)fp[ins[1].p.lo] + ins[2].u;
    uint32_t n = ins[3].p.lo;
    if (ea + n > ctx->memsize) return 1;
    memcpy(ctx->mem + ea, (const uint8_t *)(fp + ins[1].p.hi) + (size_t)ins[3].p.hi * n, n);
    if (ctx->dirty) ctx->dirty[ea >> IW_DIRTY_BLOCK_SHIFT] = 1;
    return 0;
}

/* w1 {dst, a}, w2 {b}, w3 lane indices 0-7, w4 8-15 */
static int iw__js_shuffle(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    (void)ctx;
    uint8_t ab[32], idx[16], r[16];
    memcpy(ab, fp + ins[1].p.hi, 16);
    memcpy(ab + 16, fp + ins[2].p.lo, 16);
    memcpy(idx, &ins[3].u, 8);
    memcpy(idx + 8, &ins[4].u, 8);
    if (iw_simd_fast_shuffle) iw_simd_fast_shuffle(r, ab, idx);
    else for (int i = 0; i < 16; i++) r[i] = ab[idx[i]];
    memcpy(fp + ins[1].p.lo, r, 16);
    return 0;
}

/* w1 {dst, a}, w2 {b, c}, w3 the lane immediate; operands are read as 16
 * bytes into locals first (dst may be an operand's slot). TEST and EXTRACT
 * write one slot, the others a v128. */
#define IW__JS_OUT_UN memcpy(fp + ins[1].p.lo, &r, 16)
#define IW__JS_OUT_BIN IW__JS_OUT_UN
#define IW__JS_OUT_TERN IW__JS_OUT_UN
#define IW__JS_OUT_SHIFT IW__JS_OUT_UN
#define IW__JS_OUT_SPLAT IW__JS_OUT_UN
#define IW__JS_OUT_REPLACE IW__JS_OUT_UN
#define IW__JS_OUT_TEST fp[ins[1].p.lo] = r.u64[0]
#define IW__JS_OUT_EXTRACT IW__JS_OUT_TEST
#define IW__X(code, kind, scalar, lanes, fn, text)                                                           \
    static int iw__js_##fn(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)                           \
    {                                                                                                        \
        (void)ctx;                                                                                           \
        iw_v128_t a, b, c, r;                                                                                \
        memcpy(&a, fp + ins[1].p.hi, 16);                                                                    \
        memcpy(&b, fp + ins[2].p.lo, 16);                                                                    \
        memcpy(&c, fp + ins[2].p.hi, 16);                                                                    \
        if (iw_simd_fast[IW_SIMD_FN_##fn]) iw_simd_fast[IW_SIMD_FN_##fn](&r, &a, &b, &c, ins[3].u);         \
        else iw_simd_##fn(&r, &a, &b, &c, ins[3].u);                                                         \
        IW__JS_OUT_##kind;                                                                                   \
        return 0;                                                                                            \
    }
IW_SIMD_OPS(IW__X)
#undef IW__X
#undef IW__JS_OUT_UN
#undef IW__JS_OUT_BIN
#undef IW__JS_OUT_TERN
#undef IW__JS_OUT_SHIFT
#undef IW__JS_OUT_SPLAT
#undef IW__JS_OUT_REPLACE
#undef IW__JS_OUT_TEST
#undef IW__JS_OUT_EXTRACT

/* w1 {dst, addr}, w2 offset, w3 {vector operand, lane}: the bytes read,
 * zero above, and the vector operand go to the load's function. */
#define IW__JS_LOAD(N, bytes, fn)                                                                            \
    static int iw__js_##N(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)                            \
    {                                                                                                        \
        uint64_t ea = (uint64_t)(uint32_t)fp[ins[1].p.hi] + ins[2].u;                                        \
        if (ea + (bytes) > ctx->memsize) return 1;                                                           \
        iw_v128_t a, b, r;                                                                                   \
        memset(&a, 0, sizeof a);                                                                             \
        memcpy(&a, ctx->mem + ea, (bytes));                                                                  \
        memcpy(&b, fp + ins[3].p.lo, 16);                                                                    \
        iw_simd_##fn(&r, &a, &b, &b, ins[3].p.hi);                                                           \
        memcpy(fp + ins[1].p.lo, &r, 16);                                                                    \
        return 0;                                                                                            \
    }
#define IW__JS_LOAD_LOAD IW__JS_LOAD
#define IW__JS_LOAD_LOAD_LANE IW__JS_LOAD
#define IW__JS_LOAD_STORE(N, bytes, fn)
#define IW__JS_LOAD_STORE_LANE(N, bytes, fn)
#define IW__X(code, N, kind, bytes, align, lanes, fn, text) IW__JS_LOAD_##kind(N, bytes, fn)
IW_SIMD_MEM_OPS(IW__X)
#undef IW__X
#undef IW__JS_LOAD
#undef IW__JS_LOAD_LOAD
#undef IW__JS_LOAD_LOAD_LANE
#undef IW__JS_LOAD_STORE
#undef IW__JS_LOAD_STORE_LANE

iw_jit_op_fn iw_jit_simd_helper(iw_op_t op, uint32_t *len)
{
    *len = 4;
    switch (op) {
#define IW__X(code, kind, scalar, lanes, fn, text) case IW_OP_SIMD_##fn: return iw__js_##fn;
        IW_SIMD_OPS(IW__X)
#undef IW__X
#define IW__JS_CASE_LOAD(N) case IW_OP_##N: return iw__js_##N;
#define IW__JS_CASE_LOAD_LANE IW__JS_CASE_LOAD
#define IW__JS_CASE_STORE(N)
#define IW__JS_CASE_STORE_LANE(N)
#define IW__X(code, N, kind, bytes, align, lanes, fn, text) IW__JS_CASE_##kind(N)
        IW_SIMD_MEM_OPS(IW__X)
#undef IW__X
#undef IW__JS_CASE_LOAD
#undef IW__JS_CASE_LOAD_LANE
#undef IW__JS_CASE_STORE
#undef IW__JS_CASE_STORE_LANE
    case IW_OP_SIMD_STORE: return iw__js_store;
    case IW_OP_SHUFFLE: *len = 5; return iw__js_shuffle;
    default: *len = 0; return NULL;
    }
}
#endif
