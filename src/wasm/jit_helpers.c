/* The helpers compiled code calls (see jit_helpers.h). The numeric ones are
 * generated from IW_NUMERIC_OPS with the expressions interp.c uses; the
 * others follow interp.c's handlers line for line, checking every trap
 * condition before changing anything. */
#include "wasm/jit.h"

#if IW_JIT
#include <string.h>

#include "wasm/jit_helpers.h"
#include "wasm/numeric.h"

#define IW__JH_CT_I32 uint32_t
#define IW__JH_CT_I64 uint64_t
#define IW__JH_CT_F32 float
#define IW__JH_CT_F64 double
#define IW__JH_GET_I32(x) ((uint32_t)(x))
#define IW__JH_GET_I64(x) ((uint64_t)(x))
#define IW__JH_GET_F32(x) iw_f32_from((uint32_t)(x))
#define IW__JH_GET_F64(x) iw_f64_from((uint64_t)(x))
#define IW__JH_PUT_I32(v) ((uint64_t)(uint32_t)(v))
#define IW__JH_PUT_I64(v) ((uint64_t)(v))
#define IW__JH_PUT_F32(v) ((uint64_t)iw_f32_bits(v))
#define IW__JH_PUT_F64(v) iw_f64_bits(v)

#define IW__JH_UN(N, IN, OUT, EXPR)                                                                          \
    static uint64_t iw__jh_##N(uint64_t x, uint64_t y, uint64_t *out)                                       \
    {                                                                                                        \
        (void)y, (void)out;                                                                                  \
        IW__JH_CT_##IN a = IW__JH_GET_##IN(x);                                                               \
        return IW__JH_PUT_##OUT(EXPR);                                                                       \
    }
#define IW__JH_BIN(N, IN, OUT, EXPR)                                                                         \
    static uint64_t iw__jh_##N(uint64_t x, uint64_t y, uint64_t *out)                                       \
    {                                                                                                        \
        (void)out;                                                                                           \
        IW__JH_CT_##IN a = IW__JH_GET_##IN(x), b = IW__JH_GET_##IN(y);                                       \
        return IW__JH_PUT_##OUT(EXPR);                                                                       \
    }
#define IW__JH_CMP IW__JH_BIN
#define IW__JH_UNT(N, IN, OUT, FN)                                                                           \
    static uint64_t iw__jh_##N(uint64_t x, uint64_t y, uint64_t *out)                                       \
    {                                                                                                        \
        (void)y;                                                                                             \
        IW__JH_CT_##OUT r;                                                                                   \
        int k = FN(IW__JH_GET_##IN(x), &r);                                                                  \
        if (k) return (uint64_t)k;                                                                           \
        *out = IW__JH_PUT_##OUT(r);                                                                          \
        return 0;                                                                                            \
    }
#define IW__JH_BINT(N, IN, OUT, FN)                                                                          \
    static uint64_t iw__jh_##N(uint64_t x, uint64_t y, uint64_t *out)                                       \
    {                                                                                                        \
        IW__JH_CT_##OUT r;                                                                                   \
        int k = FN(IW__JH_GET_##IN(x), IW__JH_GET_##IN(y), &r);                                              \
        if (k) return (uint64_t)k;                                                                           \
        *out = IW__JH_PUT_##OUT(r);                                                                          \
        return 0;                                                                                            \
    }
#define IW__X(code, N, text, cls, in, out, expr) IW__JH_##cls(N, in, out, expr)
IW_NUMERIC_OPS(IW__X)
#undef IW__X

#define IW__JH_ROW_UN(N) table[IW_OP_##N##_S] = (iw_jit_numeric_t){ iw__jh_##N, false, true, false };
#define IW__JH_ROW_UNT(N) table[IW_OP_##N##_S] = (iw_jit_numeric_t){ iw__jh_##N, true, true, false };
#define IW__JH_ROW_BIN(N)                                                                                    \
    table[IW_OP_##N##_SS] = (iw_jit_numeric_t){ iw__jh_##N, false, false, false };                          \
    table[IW_OP_##N##_SI] = (iw_jit_numeric_t){ iw__jh_##N, false, false, true };
#define IW__JH_ROW_CMP IW__JH_ROW_BIN
#define IW__JH_ROW_BINT(N)                                                                                   \
    table[IW_OP_##N##_SS] = (iw_jit_numeric_t){ iw__jh_##N, true, false, false };                           \
    table[IW_OP_##N##_SI] = (iw_jit_numeric_t){ iw__jh_##N, true, false, true };

void iw_jit_numeric_helpers(iw_jit_numeric_t *table)
{
    memset(table, 0, IW_OP_COUNT * sizeof *table);
#define IW__X(code, N, text, cls, in, out, expr) IW__JH_ROW_##cls(N)
    IW_NUMERIC_OPS(IW__X)
#undef IW__X
}

/* ---- memory, tables, references (interp.c's handlers) --------------------- */

#define IW__JH_U32(x) ((uint32_t)(x))

static int iw__jh_memory_grow(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    iw_memory_t *m = ctx->inst->memory;
    fp[ins[1].p.lo] = IW__JH_U32(iw_memory_try_grow(m, IW__JH_U32(fp[ins[1].p.hi])));
    ctx->mem = m ? m->data : NULL;
    ctx->memsize = m ? m->size : 0;
    ctx->dirty = m ? m->dirty : NULL;
    return 0;
}

static int iw__jh_memory_init(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    iw_instance_t *inst = ctx->inst;
    uint64_t *a = fp + ins[1].p.lo;
    uint32_t seg = ins[1].p.hi;
    const iw_data_t *ds = &inst->module->datas[seg];
    uint64_t len = inst->data_dropped[seg] ? 0 : ds->len;
    uint64_t d = IW__JH_U32(a[0]), s = IW__JH_U32(a[1]), n = IW__JH_U32(a[2]);
    if (s + n > len || d + n > ctx->memsize) return 1;
    if (n) memcpy(ctx->mem + d, ds->bytes + s, n);
    iw_mark_dirty(inst->memory, d, n);
    return 0;
}

static int iw__jh_data_drop(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    (void)fp;
    ctx->inst->data_dropped[ins[1].u] = true;
    return 0;
}

static int iw__jh_memory_copy(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    uint64_t *a = fp + ins[1].p.lo;
    uint64_t d = IW__JH_U32(a[0]), s = IW__JH_U32(a[1]), n = IW__JH_U32(a[2]);
    if (s + n > ctx->memsize || d + n > ctx->memsize) return 1;
    if (n) memmove(ctx->mem + d, ctx->mem + s, n);
    iw_mark_dirty(ctx->inst->memory, d, n);
    return 0;
}

static int iw__jh_memory_fill(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    uint64_t *a = fp + ins[1].p.lo;
    uint64_t d = IW__JH_U32(a[0]), n = IW__JH_U32(a[2]);
    if (d + n > ctx->memsize) return 1;
    if (n) memset(ctx->mem + d, (int)(uint8_t)a[1], n);
    iw_mark_dirty(ctx->inst->memory, d, n);
    return 0;
}

static int iw__jh_table_get(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    iw_table_t *t = ctx->inst->tables[ins[2].u];
    uint32_t i = IW__JH_U32(fp[ins[1].p.hi]);
    if (i >= t->size) return 1;
    fp[ins[1].p.lo] = t->items[i];
    return 0;
}

static int iw__jh_table_set(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    iw_table_t *t = ctx->inst->tables[ins[1].p.hi];
    uint64_t *a = fp + ins[1].p.lo;
    if (IW__JH_U32(a[0]) >= t->size) return 1;
    t->items[IW__JH_U32(a[0])] = a[1];
    t->changed = true;
    return 0;
}

static int iw__jh_table_size(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    fp[ins[1].p.lo] = ctx->inst->tables[ins[1].p.hi]->size;
    return 0;
}

static int iw__jh_table_grow(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    iw_table_t *t = ctx->inst->tables[ins[1].p.hi];
    uint64_t *a = fp + ins[1].p.lo;
    t->changed = true;
    a[0] = IW__JH_U32(iw_table_grow(t, IW__JH_U32(a[1]), a[0]));
    return 0;
}

static int iw__jh_table_fill(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    iw_table_t *t = ctx->inst->tables[ins[1].p.hi];
    uint64_t *a = fp + ins[1].p.lo;
    uint64_t i = IW__JH_U32(a[0]), n = IW__JH_U32(a[2]);
    if (i + n > t->size) return 1;
    for (uint64_t k = 0; k < n; k++) t->items[i + k] = a[1];
    t->changed = true;
    return 0;
}

static int iw__jh_table_copy(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    iw_table_t *td = ctx->inst->tables[ins[1].p.hi], *ts = ctx->inst->tables[ins[2].u];
    uint64_t *a = fp + ins[1].p.lo;
    uint64_t d = IW__JH_U32(a[0]), s = IW__JH_U32(a[1]), n = IW__JH_U32(a[2]);
    if (s + n > ts->size || d + n > td->size) return 1;
    if (n) memmove(td->items + d, ts->items + s, n * sizeof(uint64_t));
    td->changed = true;
    return 0;
}

static int iw__jh_table_init(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    iw_instance_t *inst = ctx->inst;
    iw_table_t *t = inst->tables[ins[1].p.hi];
    uint32_t seg = (uint32_t)ins[2].u;
    const iw_elem_t *es = &inst->module->elems[seg];
    uint64_t *a = fp + ins[1].p.lo;
    uint64_t count = inst->elem_dropped[seg] ? 0 : es->count;
    uint64_t d = IW__JH_U32(a[0]), s = IW__JH_U32(a[1]), n = IW__JH_U32(a[2]);
    if (s + n > count || d + n > t->size) return 1;
    for (uint64_t k = 0; k < n; k++) t->items[d + k] = iw_const_eval(inst, &es->items[s + k]);
    t->changed = true;
    return 0;
}

static int iw__jh_elem_drop(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    (void)fp;
    ctx->inst->elem_dropped[ins[1].u] = true;
    return 0;
}

static int iw__jh_ref_func(iw_jit_ctx_t *ctx, uint64_t *fp, const iw_word_t *ins)
{
    fp[ins[1].p.lo] = (uint64_t)(uintptr_t)ctx->inst->funcs[ins[1].p.hi];
    return 0;
}

iw_jit_op_fn iw_jit_op_helper(iw_op_t op, uint32_t *len)
{
    *len = 2;
    switch (op) {
    case IW_OP_MEMORY_GROW: return iw__jh_memory_grow;
    case IW_OP_MEMORY_INIT: return iw__jh_memory_init;
    case IW_OP_DATA_DROP: return iw__jh_data_drop;
    case IW_OP_MEMORY_COPY: return iw__jh_memory_copy;
    case IW_OP_MEMORY_FILL: return iw__jh_memory_fill;
    case IW_OP_TABLE_GET: *len = 3; return iw__jh_table_get;
    case IW_OP_TABLE_SET: return iw__jh_table_set;
    case IW_OP_TABLE_SIZE: return iw__jh_table_size;
    case IW_OP_TABLE_GROW: return iw__jh_table_grow;
    case IW_OP_TABLE_FILL: return iw__jh_table_fill;
    case IW_OP_TABLE_COPY: *len = 3; return iw__jh_table_copy;
    case IW_OP_TABLE_INIT: *len = 3; return iw__jh_table_init;
    case IW_OP_ELEM_DROP: return iw__jh_elem_drop;
    case IW_OP_REF_FUNC: return iw__jh_ref_func;
    default: return iw_jit_simd_helper(op, len);
    }
}
#endif
