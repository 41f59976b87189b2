/* A generator of valid WebAssembly modules from a stream of choices
 * (wasm_gen.h). Expressions are generated for a wanted type and statements
 * leave the operand stack as they found it, so every body validates by
 * construction; branches, return and unreachable make the rest of their
 * block unreachable, which validation allows and the engines must handle. */
#include "wasm_gen.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_I32 = 0x7F, T_I64 = 0x7E, T_F32 = 0x7D, T_F64 = 0x7C, T_V128 = 0x7B, T_FUNCREF = 0x70 };

#define MAX_TYPES 6
#define MAX_FUNCS 5
#define MAX_GLOBALS 6
#define MAX_LOCALS 40
#define MAX_LABELS 24
#define MAX_DEPTH 7
#define MAX_RESULTS 2

/* ---- the byte stream and the output buffer ---------------------------- */

typedef struct {
    const uint8_t *data;
    size_t size, pos;
} src_t;

/* A choice in [0, n): one byte for n <= 256, else as many as it takes;
 * 0 once the input is used up. */
static uint32_t take(src_t *s, uint32_t n)
{
    if (n <= 1) return 0;
    uint64_t v = 0;
    for (uint32_t range = n; range > 1 && s->pos < s->size; range >>= 8)
        v = v << 8 | s->data[s->pos++];
    return (uint32_t)(v % n);
}

static uint64_t take64(src_t *s)
{
    uint64_t v = 0;
    for (int i = 0; i < 8 && s->pos < s->size; i++) v = v << 8 | s->data[s->pos++];
    return v;
}

typedef struct {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} buf_t;

static void put(buf_t *b, uint8_t byte)
{
    if (b->len == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        uint8_t *p = b->oom ? NULL : realloc(b->p, cap);
        if (!p) { b->oom = true; return; }
        b->p = p, b->cap = cap;
    }
    b->p[b->len++] = byte;
}

static void put_bytes(buf_t *b, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) put(b, ((const uint8_t *)p)[i]);
}

static void put_uleb(buf_t *b, uint64_t v)
{
    do {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        put(b, byte | (v ? 0x80 : 0));
    } while (v);
}

static void put_sleb(buf_t *b, int64_t v)
{
    for (;;) {
        uint8_t byte = v & 0x7F;
        v >>= 7; /* arithmetic shift: gcc and clang on every target we build */
        bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
        put(b, byte | (done ? 0 : 0x80));
        if (done) return;
    }
}

static void put_name(buf_t *b, const char *s)
{
    put_uleb(b, strlen(s));
    put_bytes(b, s, strlen(s));
}

/* A section: its id, then the length of what `body` holds, then body. */
static void put_section(buf_t *out, uint8_t id, buf_t *body)
{
    put(out, id);
    put_uleb(out, body->len);
    put_bytes(out, body->p, body->len);
    out->oom |= body->oom;
    free(body->p);
    *body = (buf_t){ 0 };
}

/* ---- the module's shape ------------------------------------------------ */

typedef struct {
    uint8_t nparams, nresults;
    uint8_t params[WASM_GEN_MAX_ARGS], results[MAX_RESULTS];
} functype_t;

typedef struct {
    src_t src;
    functype_t types[MAX_TYPES + 1];     /* the last is the host function's */
    uint32_t ntypes;
    uint32_t func_type[MAX_FUNCS + 1];   /* function 0 is the host's */
    uint32_t nfuncs;                     /* the host function included */
    uint8_t global_type[MAX_GLOBALS];
    uint32_t nglobals;
    uint32_t table_size;
} mod_t;

/* A label: what a branch to it carries. */
typedef struct {
    uint8_t n;
    uint8_t types[MAX_RESULTS];
} label_t;

typedef struct {
    mod_t *m;
    src_t *src;
    buf_t *code;
    uint8_t local_type[MAX_LOCALS];
    uint32_t nlocals;
    label_t labels[MAX_LABELS];  /* outermost (the function's) first */
    uint32_t nlabels;
    int budget;                  /* nodes left to generate in this body */
    uint32_t depth;
} fn_t;

static const uint8_t value_types[] = { T_I32, T_I64, T_F32, T_F64, T_V128 };

static uint8_t pick_type(src_t *s)
{
    /* v128 less often: it has fewer operations to combine */
    static const uint8_t weighted[] = { T_I32, T_I32, T_I32, T_I64, T_I64, T_F32, T_F64, T_V128 };
    return weighted[take(s, sizeof weighted)];
}

/* ---- constants ---------------------------------------------------------- */

static uint32_t f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static uint64_t f64_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

static int32_t pick_i32(src_t *s)
{
    static const int32_t edges[] = { 0, 1, -1, 2, INT32_MIN, INT32_MAX, 31, 32, 33, 63, 64, 0xFF, 0x80,
                                     0x7FFF, 0xFFFF, 0x10000, 65535 - 3, 0x20000, -65536 };
    switch (take(s, 4)) {
    case 0: return (int32_t)take(s, 16);
    case 1: return edges[take(s, sizeof edges / sizeof edges[0])];
    case 2: return (int32_t)(take(s, 512) - 256);
    default: return (int32_t)(uint32_t)take64(s);
    }
}

static int64_t pick_i64(src_t *s)
{
    static const int64_t edges[] = { 0, 1, -1, INT64_MIN, INT64_MAX, INT32_MIN, INT32_MAX, 0xFFFFFFFFll,
                                     0x100000000ll, 63, 64, 65, 32, 0x5555555555555555ll };
    switch (take(s, 4)) {
    case 0: return (int64_t)take(s, 16);
    case 1: return edges[take(s, sizeof edges / sizeof edges[0])];
    case 2: return (int64_t)take(s, 512) - 256;
    default: return (int64_t)take64(s);
    }
}

static uint32_t pick_f32(src_t *s)
{
    static const float edges[] = { 0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -1.5f, 2147483648.0f, -2147483648.0f,
                                   2147483520.0f, -2147483904.0f, 4294967296.0f, 4294967040.0f,
                                   9223372036854775808.0f, -9223372036854775808.0f, 18446744073709551616.0f,
                                   1e-45f, 3.4028235e38f, -0.99999994f };
    static const uint32_t nans[] = { 0x7FC00000, 0xFFC00000, 0x7FA00001, 0xFF800001, 0x7F800000, 0xFF800000,
                                     0x7FFFFFFF };
    switch (take(s, 4)) {
    case 0: return f32_bits((float)take(s, 16));
    case 1: return f32_bits(edges[take(s, sizeof edges / sizeof edges[0])]);
    case 2: return nans[take(s, sizeof nans / sizeof nans[0])];
    default: return (uint32_t)take64(s);
    }
}

static uint64_t pick_f64(src_t *s)
{
    static const double edges[] = { 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 2147483647.0, 2147483648.0,
                                    -2147483648.0, -2147483649.0, 2147483647.9, -2147483648.9,
                                    4294967295.0, 4294967296.0, -0.9999999, 9223372036854775808.0,
                                    -9223372036854775808.0, 9223372036854774784.0, 18446744073709551616.0,
                                    4.9e-324, 1.7976931348623157e308 };
    static const uint64_t nans[] = { 0x7FF8000000000000ull, 0xFFF8000000000000ull, 0x7FF4000000000001ull,
                                     0xFFF0000000000001ull, 0x7FF0000000000000ull, 0xFFF0000000000000ull };
    switch (take(s, 4)) {
    case 0: return f64_bits((double)take(s, 16));
    case 1: return f64_bits(edges[take(s, sizeof edges / sizeof edges[0])]);
    case 2: return nans[take(s, sizeof nans / sizeof nans[0])];
    default: return take64(s);
    }
}

static void pick_v128(src_t *s, uint8_t out[16])
{
    switch (take(s, 3)) {
    case 0: /* one lane pattern repeated */
        for (int i = 0, lane = 1 << take(s, 4); i < 16; i++) out[i] = (uint8_t)(i % lane ? 0 : take(s, 256));
        break;
    case 1: {
        uint32_t f = pick_f32(s);
        for (int i = 0; i < 16; i += 4) memcpy(out + i, &f, 4);
        break;
    }
    default:
        for (int i = 0; i < 16; i++) out[i] = (uint8_t)take(s, 256);
    }
}

static void put_const(fn_t *f, uint8_t t)
{
    buf_t *c = f->code;
    switch (t) {
    case T_I32: put(c, 0x41); put_sleb(c, pick_i32(f->src)); break;
    case T_I64: put(c, 0x42); put_sleb(c, pick_i64(f->src)); break;
    case T_F32: { uint32_t u = pick_f32(f->src); put(c, 0x43); put_bytes(c, &u, 4); break; }
    case T_F64: { uint64_t u = pick_f64(f->src); put(c, 0x44); put_bytes(c, &u, 8); break; }
    case T_V128: {
        uint8_t v[16];
        pick_v128(f->src, v);
        put(c, 0xFD); put_uleb(c, 12); put_bytes(c, v, 16);
        break;
    }
    default: /* funcref */
        if (take(f->src, 2)) { put(c, 0xD2); put_uleb(c, take(f->src, f->m->nfuncs)); }
        else { put(c, 0xD0); put(c, T_FUNCREF); }
    }
}

/* ---- locals, labels ----------------------------------------------------- */

/* A local of type t, -1 if there is none. */
static int find_local(fn_t *f, uint8_t t)
{
    uint32_t n = 0, idx[MAX_LOCALS];
    for (uint32_t i = 0; i < f->nlocals; i++)
        if (f->local_type[i] == t) idx[n++] = i;
    return n ? (int)idx[take(f->src, n)] : -1;
}

/* A fresh local of type t, -1 when there is no room. */
static int new_local(fn_t *f, uint8_t t)
{
    if (f->nlocals == MAX_LOCALS) return -1;
    f->local_type[f->nlocals] = t;
    return (int)f->nlocals++;
}

static int find_global(fn_t *f, uint8_t t)
{
    uint32_t n = 0, idx[MAX_GLOBALS];
    for (uint32_t i = 0; i < f->m->nglobals; i++)
        if (f->m->global_type[i] == t) idx[n++] = i;
    return n ? (int)idx[take(f->src, n)] : -1;
}

static bool same_label(const label_t *a, const label_t *b)
{
    return a->n == b->n && memcmp(a->types, b->types, a->n) == 0;
}

static void push_label(fn_t *f, uint8_t n, const uint8_t *types)
{
    label_t *l = &f->labels[f->nlabels++];
    l->n = n;
    if (n) memcpy(l->types, types, n);
}

/* The relative depth of a label index (outermost = 0). */
static uint32_t rel(fn_t *f, uint32_t label) { return f->nlabels - 1 - label; }

/* One of the labels carrying exactly `want`, -1 if none. */
static int find_label(fn_t *f, const label_t *want)
{
    uint32_t n = 0, idx[MAX_LABELS];
    for (uint32_t i = 0; i < f->nlabels; i++)
        if (same_label(&f->labels[i], want)) idx[n++] = i;
    return n ? (int)idx[take(f->src, n)] : -1;
}

/* Room for a nested block: a label, and depth left. */
static bool can_nest(fn_t *f) { return f->nlabels < MAX_LABELS && f->depth < MAX_DEPTH && f->budget > 0; }

/* ---- expressions and statements ---------------------------------------- */

static void gen_expr(fn_t *f, uint8_t t);
static void gen_stmt(fn_t *f);
static void gen_leaf(fn_t *f, uint8_t t);

static void gen_stmts(fn_t *f, uint32_t max)
{
    for (uint32_t n = take(f->src, max + 1); n > 0 && f->budget > 0; n--) gen_stmt(f);
}

static void gen_values(fn_t *f, const uint8_t *types, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) gen_expr(f, types[i]);
}

/* After an instruction that left `types` on the stack: drop them all
 * (want == 0) or keep only the last, which is of type want. */
static void settle(fn_t *f, const uint8_t *types, uint32_t n, uint8_t want)
{
    if (!want) {
        for (uint32_t i = 0; i < n; i++) put(f->code, 0x1A);
        return;
    }
    if (n < 2) return;
    int tmp = new_local(f, want);
    if (tmp < 0) tmp = find_local(f, want); /* any local of the type will do for a copy */
    if (tmp < 0) { /* no room for one: drop everything and make a value */
        settle(f, types, n, 0);
        put_const(f, want);
        return;
    }
    put(f->code, 0x21); put_uleb(f->code, (uint32_t)tmp);
    for (uint32_t i = 0; i + 1 < n; i++) put(f->code, 0x1A);
    put(f->code, 0x20); put_uleb(f->code, (uint32_t)tmp);
}

static void put_blocktype(fn_t *f, uint8_t t) { put(f->code, t ? t : 0x40); }

/* A memory address: mostly a constant near the start or the end of a page,
 * else any i32 expression. */
static void gen_addr(fn_t *f)
{
    src_t *s = f->src;
    switch (take(s, 5)) {
    case 0: gen_expr(f, T_I32); return;
    case 4: /* base + constant, which the engine folds into the access */
        gen_leaf(f, T_I32);
        put(f->code, 0x41); put_sleb(f->code, (int32_t)take(s, 70000));
        put(f->code, 0x6A);
        return;
    case 1: put(f->code, 0x41); put_sleb(f->code, (int32_t)(65536u * (1 + take(s, 4)) - take(s, 20))); return;
    case 2: put(f->code, 0x41); put_sleb(f->code, pick_i32(s)); return;
    default: put(f->code, 0x41); put_sleb(f->code, (int32_t)take(s, 256)); return;
    }
}

/* align (log2, at most the natural one) and offset of a memory access. */
static void put_memarg(fn_t *f, uint32_t log2_size)
{
    src_t *s = f->src;
    put_uleb(f->code, take(s, log2_size + 1));
    static const uint32_t offsets[] = { 0, 0, 0, 1, 3, 8, 100, 65535, 65536, 0x7FFFFFFF, 0xFFFFFFFF };
    put_uleb(f->code, offsets[take(s, sizeof offsets / sizeof offsets[0])]);
}

/* Scalar loads: opcode, result type, log2 of the width. */
static const struct { uint8_t op, type, log2; } loads[] = {
    { 0x28, T_I32, 2 }, { 0x29, T_I64, 3 }, { 0x2A, T_F32, 2 }, { 0x2B, T_F64, 3 },
    { 0x2C, T_I32, 0 }, { 0x2D, T_I32, 0 }, { 0x2E, T_I32, 1 }, { 0x2F, T_I32, 1 },
    { 0x30, T_I64, 0 }, { 0x31, T_I64, 0 }, { 0x32, T_I64, 1 }, { 0x33, T_I64, 1 },
    { 0x34, T_I64, 2 }, { 0x35, T_I64, 2 },
};
static const struct { uint8_t op, type, log2; } stores[] = {
    { 0x36, T_I32, 2 }, { 0x37, T_I64, 3 }, { 0x38, T_F32, 2 }, { 0x39, T_F64, 3 },
    { 0x3A, T_I32, 0 }, { 0x3B, T_I32, 1 }, { 0x3C, T_I64, 0 }, { 0x3D, T_I64, 1 }, { 0x3E, T_I64, 2 },
};

/* Numeric instructions: opcode (0xFC-prefixed when prefix), result and
 * operand types (operand b 0 for a unary one). */
typedef struct { uint8_t prefix, op, result, a, b; } numop_t;

static const numop_t numops[] = {
    /* i32 */
    { 0, 0x45, T_I32, T_I32, 0 }, { 0, 0x67, T_I32, T_I32, 0 }, { 0, 0x68, T_I32, T_I32, 0 },
    { 0, 0x69, T_I32, T_I32, 0 }, { 0, 0xC0, T_I32, T_I32, 0 }, { 0, 0xC1, T_I32, T_I32, 0 },
    { 0, 0x46, T_I32, T_I32, T_I32 }, { 0, 0x47, T_I32, T_I32, T_I32 }, { 0, 0x48, T_I32, T_I32, T_I32 },
    { 0, 0x49, T_I32, T_I32, T_I32 }, { 0, 0x4A, T_I32, T_I32, T_I32 }, { 0, 0x4B, T_I32, T_I32, T_I32 },
    { 0, 0x4C, T_I32, T_I32, T_I32 }, { 0, 0x4D, T_I32, T_I32, T_I32 }, { 0, 0x4E, T_I32, T_I32, T_I32 },
    { 0, 0x4F, T_I32, T_I32, T_I32 },
    { 0, 0x6A, T_I32, T_I32, T_I32 }, { 0, 0x6B, T_I32, T_I32, T_I32 }, { 0, 0x6C, T_I32, T_I32, T_I32 },
    { 0, 0x6D, T_I32, T_I32, T_I32 }, { 0, 0x6E, T_I32, T_I32, T_I32 }, { 0, 0x6F, T_I32, T_I32, T_I32 },
    { 0, 0x70, T_I32, T_I32, T_I32 }, { 0, 0x71, T_I32, T_I32, T_I32 }, { 0, 0x72, T_I32, T_I32, T_I32 },
    { 0, 0x73, T_I32, T_I32, T_I32 }, { 0, 0x74, T_I32, T_I32, T_I32 }, { 0, 0x75, T_I32, T_I32, T_I32 },
    { 0, 0x76, T_I32, T_I32, T_I32 }, { 0, 0x77, T_I32, T_I32, T_I32 }, { 0, 0x78, T_I32, T_I32, T_I32 },
    { 0, 0x50, T_I32, T_I64, 0 },
    { 0, 0x51, T_I32, T_I64, T_I64 }, { 0, 0x52, T_I32, T_I64, T_I64 }, { 0, 0x53, T_I32, T_I64, T_I64 },
    { 0, 0x54, T_I32, T_I64, T_I64 }, { 0, 0x55, T_I32, T_I64, T_I64 }, { 0, 0x56, T_I32, T_I64, T_I64 },
    { 0, 0x57, T_I32, T_I64, T_I64 }, { 0, 0x58, T_I32, T_I64, T_I64 }, { 0, 0x59, T_I32, T_I64, T_I64 },
    { 0, 0x5A, T_I32, T_I64, T_I64 },
    { 0, 0x5B, T_I32, T_F32, T_F32 }, { 0, 0x5C, T_I32, T_F32, T_F32 }, { 0, 0x5D, T_I32, T_F32, T_F32 },
    { 0, 0x5E, T_I32, T_F32, T_F32 }, { 0, 0x5F, T_I32, T_F32, T_F32 }, { 0, 0x60, T_I32, T_F32, T_F32 },
    { 0, 0x61, T_I32, T_F64, T_F64 }, { 0, 0x62, T_I32, T_F64, T_F64 }, { 0, 0x63, T_I32, T_F64, T_F64 },
    { 0, 0x64, T_I32, T_F64, T_F64 }, { 0, 0x65, T_I32, T_F64, T_F64 }, { 0, 0x66, T_I32, T_F64, T_F64 },
    { 0, 0xA7, T_I32, T_I64, 0 }, { 0, 0xA8, T_I32, T_F32, 0 }, { 0, 0xA9, T_I32, T_F32, 0 },
    { 0, 0xAA, T_I32, T_F64, 0 }, { 0, 0xAB, T_I32, T_F64, 0 }, { 0, 0xBC, T_I32, T_F32, 0 },
    { 1, 0, T_I32, T_F32, 0 }, { 1, 1, T_I32, T_F32, 0 }, { 1, 2, T_I32, T_F64, 0 }, { 1, 3, T_I32, T_F64, 0 },
    /* i64 */
    { 0, 0x79, T_I64, T_I64, 0 }, { 0, 0x7A, T_I64, T_I64, 0 }, { 0, 0x7B, T_I64, T_I64, 0 },
    { 0, 0xC2, T_I64, T_I64, 0 }, { 0, 0xC3, T_I64, T_I64, 0 }, { 0, 0xC4, T_I64, T_I64, 0 },
    { 0, 0x7C, T_I64, T_I64, T_I64 }, { 0, 0x7D, T_I64, T_I64, T_I64 }, { 0, 0x7E, T_I64, T_I64, T_I64 },
    { 0, 0x7F, T_I64, T_I64, T_I64 }, { 0, 0x80, T_I64, T_I64, T_I64 }, { 0, 0x81, T_I64, T_I64, T_I64 },
    { 0, 0x82, T_I64, T_I64, T_I64 }, { 0, 0x83, T_I64, T_I64, T_I64 }, { 0, 0x84, T_I64, T_I64, T_I64 },
    { 0, 0x85, T_I64, T_I64, T_I64 }, { 0, 0x86, T_I64, T_I64, T_I64 }, { 0, 0x87, T_I64, T_I64, T_I64 },
    { 0, 0x88, T_I64, T_I64, T_I64 }, { 0, 0x89, T_I64, T_I64, T_I64 }, { 0, 0x8A, T_I64, T_I64, T_I64 },
    { 0, 0xAC, T_I64, T_I32, 0 }, { 0, 0xAD, T_I64, T_I32, 0 }, { 0, 0xAE, T_I64, T_F32, 0 },
    { 0, 0xAF, T_I64, T_F32, 0 }, { 0, 0xB0, T_I64, T_F64, 0 }, { 0, 0xB1, T_I64, T_F64, 0 },
    { 0, 0xBD, T_I64, T_F64, 0 },
    { 1, 4, T_I64, T_F32, 0 }, { 1, 5, T_I64, T_F32, 0 }, { 1, 6, T_I64, T_F64, 0 }, { 1, 7, T_I64, T_F64, 0 },
    /* f32 */
    { 0, 0x8B, T_F32, T_F32, 0 }, { 0, 0x8C, T_F32, T_F32, 0 }, { 0, 0x8D, T_F32, T_F32, 0 },
    { 0, 0x8E, T_F32, T_F32, 0 }, { 0, 0x8F, T_F32, T_F32, 0 }, { 0, 0x90, T_F32, T_F32, 0 },
    { 0, 0x91, T_F32, T_F32, 0 },
    { 0, 0x92, T_F32, T_F32, T_F32 }, { 0, 0x93, T_F32, T_F32, T_F32 }, { 0, 0x94, T_F32, T_F32, T_F32 },
    { 0, 0x95, T_F32, T_F32, T_F32 }, { 0, 0x96, T_F32, T_F32, T_F32 }, { 0, 0x97, T_F32, T_F32, T_F32 },
    { 0, 0x98, T_F32, T_F32, T_F32 },
    { 0, 0xB2, T_F32, T_I32, 0 }, { 0, 0xB3, T_F32, T_I32, 0 }, { 0, 0xB4, T_F32, T_I64, 0 },
    { 0, 0xB5, T_F32, T_I64, 0 }, { 0, 0xB6, T_F32, T_F64, 0 }, { 0, 0xBE, T_F32, T_I32, 0 },
    /* f64 */
    { 0, 0x99, T_F64, T_F64, 0 }, { 0, 0x9A, T_F64, T_F64, 0 }, { 0, 0x9B, T_F64, T_F64, 0 },
    { 0, 0x9C, T_F64, T_F64, 0 }, { 0, 0x9D, T_F64, T_F64, 0 }, { 0, 0x9E, T_F64, T_F64, 0 },
    { 0, 0x9F, T_F64, T_F64, 0 },
    { 0, 0xA0, T_F64, T_F64, T_F64 }, { 0, 0xA1, T_F64, T_F64, T_F64 }, { 0, 0xA2, T_F64, T_F64, T_F64 },
    { 0, 0xA3, T_F64, T_F64, T_F64 }, { 0, 0xA4, T_F64, T_F64, T_F64 }, { 0, 0xA5, T_F64, T_F64, T_F64 },
    { 0, 0xA6, T_F64, T_F64, T_F64 },
    { 0, 0xB7, T_F64, T_I32, 0 }, { 0, 0xB8, T_F64, T_I32, 0 }, { 0, 0xB9, T_F64, T_I64, 0 },
    { 0, 0xBA, T_F64, T_I64, 0 }, { 0, 0xBB, T_F64, T_F32, 0 }, { 0, 0xBF, T_F64, T_I64, 0 },
};

/* v128 instructions (0xFD-prefixed): opcode, result and operand types,
 * lanes (the number of lanes of an immediate lane index, 0 for none). */
typedef struct { uint16_t op; uint8_t result, a, b, c, lanes; } simdop_t;

static const simdop_t simdops[] = {
    { 15, T_V128, T_I32, 0, 0, 0 }, { 16, T_V128, T_I32, 0, 0, 0 }, { 17, T_V128, T_I32, 0, 0, 0 },
    { 18, T_V128, T_I64, 0, 0, 0 }, { 19, T_V128, T_F32, 0, 0, 0 }, { 20, T_V128, T_F64, 0, 0, 0 },
    { 21, T_I32, T_V128, 0, 0, 16 }, { 22, T_I32, T_V128, 0, 0, 16 }, { 24, T_I32, T_V128, 0, 0, 8 },
    { 27, T_I32, T_V128, 0, 0, 4 }, { 29, T_I64, T_V128, 0, 0, 2 }, { 31, T_F32, T_V128, 0, 0, 4 },
    { 33, T_F64, T_V128, 0, 0, 2 }, { 28, T_V128, T_V128, T_I32, 0, 4 }, { 30, T_V128, T_V128, T_I64, 0, 2 },
    { 13, T_V128, T_V128, T_V128, 0, 32 }, { 14, T_V128, T_V128, T_V128, 0, 0 }, /* shuffle, swizzle */
    { 35, T_V128, T_V128, T_V128, 0, 0 }, { 57, T_V128, T_V128, T_V128, 0, 0 }, /* i8x16.eq i32x4.lt_s */
    { 65, T_V128, T_V128, T_V128, 0, 0 }, { 71, T_V128, T_V128, T_V128, 0, 0 }, /* f32x4.eq f64x2.eq */
    { 77, T_V128, T_V128, 0, 0, 0 }, { 78, T_V128, T_V128, T_V128, 0, 0 }, { 79, T_V128, T_V128, T_V128, 0, 0 },
    { 80, T_V128, T_V128, T_V128, 0, 0 }, { 81, T_V128, T_V128, T_V128, 0, 0 },
    { 82, T_V128, T_V128, T_V128, T_V128, 0 }, { 83, T_I32, T_V128, 0, 0, 0 },
    { 99, T_I32, T_V128, 0, 0, 0 }, { 100, T_I32, T_V128, 0, 0, 0 }, { 164, T_I32, T_V128, 0, 0, 0 },
    { 107, T_V128, T_V128, T_I32, 0, 0 }, { 108, T_V128, T_V128, T_I32, 0, 0 },
    { 110, T_V128, T_V128, T_V128, 0, 0 }, { 111, T_V128, T_V128, T_V128, 0, 0 },
    { 113, T_V128, T_V128, T_V128, 0, 0 }, { 119, T_V128, T_V128, T_V128, 0, 0 },
    { 123, T_V128, T_V128, T_V128, 0, 0 }, { 101, T_V128, T_V128, T_V128, 0, 0 },
    { 140, T_V128, T_V128, T_I32, 0, 0 }, { 142, T_V128, T_V128, T_V128, 0, 0 },
    { 149, T_V128, T_V128, T_V128, 0, 0 }, { 130, T_V128, T_V128, T_V128, 0, 0 },
    { 171, T_V128, T_V128, T_I32, 0, 0 }, { 173, T_V128, T_V128, T_I32, 0, 0 },
    { 174, T_V128, T_V128, T_V128, 0, 0 }, { 177, T_V128, T_V128, T_V128, 0, 0 },
    { 181, T_V128, T_V128, T_V128, 0, 0 }, { 182, T_V128, T_V128, T_V128, 0, 0 },
    { 185, T_V128, T_V128, T_V128, 0, 0 }, { 186, T_V128, T_V128, T_V128, 0, 0 },
    { 161, T_V128, T_V128, 0, 0, 0 }, { 204, T_V128, T_V128, T_I32, 0, 0 },
    { 206, T_V128, T_V128, T_V128, 0, 0 }, { 213, T_V128, T_V128, T_V128, 0, 0 },
    { 103, T_V128, T_V128, 0, 0, 0 }, { 106, T_V128, T_V128, 0, 0, 0 }, { 227, T_V128, T_V128, 0, 0, 0 },
    { 228, T_V128, T_V128, T_V128, 0, 0 }, { 230, T_V128, T_V128, T_V128, 0, 0 },
    { 231, T_V128, T_V128, T_V128, 0, 0 }, { 232, T_V128, T_V128, T_V128, 0, 0 },
    { 235, T_V128, T_V128, T_V128, 0, 0 }, { 240, T_V128, T_V128, T_V128, 0, 0 },
    { 243, T_V128, T_V128, T_V128, 0, 0 }, { 245, T_V128, T_V128, T_V128, 0, 0 },
    { 246, T_V128, T_V128, T_V128, 0, 0 }, { 248, T_V128, T_V128, 0, 0, 0 }, { 249, T_V128, T_V128, 0, 0, 0 },
    { 250, T_V128, T_V128, 0, 0, 0 }, { 251, T_V128, T_V128, 0, 0, 0 },
};

static void gen_numop(fn_t *f, uint8_t t)
{
    uint32_t n = 0, idx[sizeof numops / sizeof numops[0]];
    for (uint32_t i = 0; i < sizeof numops / sizeof numops[0]; i++)
        if (numops[i].result == t) idx[n++] = i;
    if (!n) { put_const(f, t); return; }
    const numop_t *op = &numops[idx[take(f->src, n)]];
    gen_expr(f, op->a);
    int copy;
    if (op->b && take(f->src, 4) == 0 && (copy = new_local(f, op->a)) >= 0) {
        /* both operands the same value: the equal case of comparisons, x - x, x / x */
        put(f->code, 0x22); put_uleb(f->code, (uint32_t)copy);
        put(f->code, 0x20); put_uleb(f->code, (uint32_t)copy);
    } else if (op->b) {
        gen_expr(f, op->b);
    }
    if (op->prefix) put(f->code, 0xFC);
    put(f->code, op->op);
}

/* A v128 instruction giving t; false when there is none. */
static bool gen_simdop(fn_t *f, uint8_t t)
{
    uint32_t n = 0, idx[sizeof simdops / sizeof simdops[0]];
    for (uint32_t i = 0; i < sizeof simdops / sizeof simdops[0]; i++)
        if (simdops[i].result == t) idx[n++] = i;
    if (!n) return false;
    const simdop_t *op = &simdops[idx[take(f->src, n)]];
    gen_expr(f, op->a);
    if (op->b) gen_expr(f, op->b);
    if (op->c) gen_expr(f, op->c);
    put(f->code, 0xFD);
    put_uleb(f->code, op->op);
    if (op->lanes == 32) { /* i8x16.shuffle: 16 lane indices into both operands */
        for (int i = 0; i < 16; i++) put(f->code, (uint8_t)take(f->src, 32));
    } else if (op->lanes) {
        put(f->code, (uint8_t)take(f->src, op->lanes));
    }
    return true;
}

static void gen_load(fn_t *f, uint8_t t)
{
    if (t == T_V128) {
        /* v128.load, the splat, zero and widening loads: opcode, log2 width */
        static const uint8_t ops[][2] = { { 0, 4 }, { 0, 4 }, { 1, 3 }, { 6, 3 }, { 7, 0 }, { 8, 1 },
                                          { 9, 2 }, { 10, 3 }, { 92, 2 }, { 93, 3 } };
        uint32_t i = take(f->src, sizeof ops / sizeof ops[0]);
        gen_addr(f);
        put(f->code, 0xFD); put_uleb(f->code, ops[i][0]);
        put_memarg(f, ops[i][1]);
        return;
    }
    uint32_t n = 0, idx[sizeof loads / sizeof loads[0]];
    for (uint32_t i = 0; i < sizeof loads / sizeof loads[0]; i++)
        if (loads[i].type == t) idx[n++] = i;
    uint32_t i = idx[take(f->src, n)];
    gen_addr(f);
    put(f->code, loads[i].op);
    put_memarg(f, loads[i].log2);
}

static void gen_store(fn_t *f)
{
    if (take(f->src, 6) == 0) {
        gen_addr(f);
        gen_expr(f, T_V128);
        put(f->code, 0xFD); put_uleb(f->code, 11);
        put_memarg(f, 4);
        return;
    }
    uint32_t i = take(f->src, sizeof stores / sizeof stores[0]);
    gen_addr(f);
    gen_expr(f, stores[i].type);
    put(f->code, stores[i].op);
    put_memarg(f, stores[i].log2);
}

/* A small length for the bulk instructions, sometimes any i32. */
static void gen_len(fn_t *f)
{
    if (take(f->src, 4)) { put(f->code, 0x41); put_sleb(f->code, (int32_t)take(f->src, 80)); }
    else gen_expr(f, T_I32);
}

/* A table index: mostly one of the slots or just past them. */
static void gen_table_index(fn_t *f)
{
    if (take(f->src, 4)) { put(f->code, 0x41); put_sleb(f->code, (int32_t)take(f->src, f->m->table_size + 3)); }
    else gen_expr(f, T_I32);
}

static void gen_funcref(fn_t *f)
{
    if (take(f->src, 3) == 0 && f->budget > 0) {
        f->budget--;
        gen_table_index(f);
        put(f->code, 0x25); put(f->code, 0);
        return;
    }
    put_const(f, T_FUNCREF);
}

/* A call (direct or through the table) to a function of a type chosen
 * here, its results settled to want (0: dropped). */
static void gen_call(fn_t *f, uint8_t want)
{
    mod_t *m = f->m;
    bool indirect = take(f->src, 2);
    uint32_t type, func = 0;
    if (indirect) {
        type = take(f->src, m->ntypes);
    } else {
        func = take(f->src, m->nfuncs);
        type = m->func_type[func];
    }
    const functype_t *ft = &m->types[type];
    gen_values(f, ft->params, ft->nparams);
    if (indirect) {
        gen_table_index(f);
        put(f->code, 0x11); put_uleb(f->code, type); put(f->code, 0);
    } else {
        put(f->code, 0x10); put_uleb(f->code, func);
    }
    if (want && (ft->nresults == 0 || ft->results[ft->nresults - 1] != want)) {
        /* not the wanted type: drop what came back and make one */
        settle(f, ft->results, ft->nresults, 0);
        gen_expr(f, want);
        return;
    }
    settle(f, ft->results, ft->nresults, want);
}

/* br, br_table, return or unreachable: the stack is polymorphic after it. */
static void gen_branch(fn_t *f)
{
    src_t *s = f->src;
    switch (take(s, 8)) {
    case 0:
        put(f->code, 0x00);
        return;
    case 1: case 2: {
        const label_t *fl = &f->labels[0];
        gen_values(f, fl->types, fl->n);
        put(f->code, 0x0F);
        return;
    }
    case 3: case 4: case 5: {
        uint32_t l = take(s, f->nlabels);
        gen_values(f, f->labels[l].types, f->labels[l].n);
        put(f->code, 0x0C); put_uleb(f->code, rel(f, l));
        return;
    }
    default: {
        uint32_t def = take(s, f->nlabels), targets[4], n = take(s, 5);
        for (uint32_t i = 0; i < n; i++) targets[i] = (uint32_t)find_label(f, &f->labels[def]);
        gen_values(f, f->labels[def].types, f->labels[def].n);
        gen_expr(f, T_I32);
        put(f->code, 0x0E); put_uleb(f->code, n);
        for (uint32_t i = 0; i < n; i++) put_uleb(f->code, rel(f, targets[i]));
        put_uleb(f->code, rel(f, def));
    }
    }
}

/* block (result t): statements, maybe a br_if out with a value, the value. */
static void gen_block(fn_t *f, uint8_t t)
{
    put(f->code, 0x02); put_blocktype(f, t);
    push_label(f, t ? 1 : 0, &t);
    gen_stmts(f, 3);
    if (take(f->src, 2)) {
        if (t) gen_expr(f, t);
        gen_expr(f, T_I32);
        put(f->code, 0x0D); put_uleb(f->code, 0);
        if (t) put(f->code, 0x1A);
        gen_stmts(f, 2);
    }
    if (t) gen_expr(f, t);
    f->nlabels--;
    put(f->code, 0x0B);
}

static void gen_if(fn_t *f, uint8_t t)
{
    gen_expr(f, T_I32);
    put(f->code, 0x04); put_blocktype(f, t);
    push_label(f, t ? 1 : 0, &t);
    gen_stmts(f, 2);
    if (t) gen_expr(f, t);
    if (t || take(f->src, 2)) {
        put(f->code, 0x05);
        gen_stmts(f, 2);
        if (t) gen_expr(f, t);
    }
    f->nlabels--;
    put(f->code, 0x0B);
}

/* loop (result t) counting down a local of its own from a small number. */
static void gen_loop(fn_t *f, uint8_t t)
{
    int counter = new_local(f, T_I32);
    if (counter >= 0) {
        put(f->code, 0x41); put_sleb(f->code, 1 + (int32_t)take(f->src, 8));
        put(f->code, 0x21); put_uleb(f->code, (uint32_t)counter);
    }
    put(f->code, 0x03); put_blocktype(f, t);
    push_label(f, 0, NULL);
    gen_stmts(f, 4);
    if (counter >= 0) {
        put(f->code, 0x20); put_uleb(f->code, (uint32_t)counter);
        put(f->code, 0x41); put(f->code, 1);
        put(f->code, 0x6B);
        put(f->code, 0x22); put_uleb(f->code, (uint32_t)counter);
        put(f->code, 0x0D); put(f->code, 0);
    }
    if (t) gen_expr(f, t);
    f->nlabels--;
    put(f->code, 0x0B);
}

/* The body of a block, loop or if arm with a function type: its params,
 * on the stack at entry, go into fresh locals (or are dropped); for a loop,
 * the branch back carries new params. */
static void gen_typed_arm(fn_t *f, const functype_t *ft, int counter)
{
    for (uint32_t i = ft->nparams; i-- > 0;) {
        int l = new_local(f, ft->params[i]);
        if (l >= 0) { put(f->code, 0x21); put_uleb(f->code, (uint32_t)l); }
        else put(f->code, 0x1A);
    }
    gen_stmts(f, 3);
    if (counter >= 0) {
        gen_values(f, ft->params, ft->nparams);
        put(f->code, 0x20); put_uleb(f->code, (uint32_t)counter);
        put(f->code, 0x41); put(f->code, 1);
        put(f->code, 0x6B);
        put(f->code, 0x22); put_uleb(f->code, (uint32_t)counter);
        put(f->code, 0x0D); put(f->code, 0);
        settle(f, ft->params, ft->nparams, 0);
    }
    gen_values(f, ft->results, ft->nresults);
}

/* block, loop or if typed by a function type (params and several results),
 * its results settled to want (0: dropped). */
static void gen_typed_block(fn_t *f, uint8_t want)
{
    mod_t *m = f->m;
    uint32_t type = take(f->src, m->ntypes), kind = take(f->src, 3); /* block, loop, if */
    const functype_t *ft = &m->types[type];
    if (kind == 1 && ft->nparams > MAX_RESULTS) kind = 0;  /* a label carries at most MAX_RESULTS */
    int counter = -1;
    if (kind == 1 && (counter = new_local(f, T_I32)) >= 0) {
        put(f->code, 0x41); put_sleb(f->code, 1 + (int32_t)take(f->src, 6));
        put(f->code, 0x21); put_uleb(f->code, (uint32_t)counter);
    }
    gen_values(f, ft->params, ft->nparams);
    if (kind == 2) gen_expr(f, T_I32);
    put(f->code, kind == 0 ? 0x02 : kind == 1 ? 0x03 : 0x04);
    put_sleb(f->code, type);
    if (kind == 1) push_label(f, ft->nparams, ft->params);
    else push_label(f, ft->nresults, ft->results);
    gen_typed_arm(f, ft, kind == 1 ? counter : -1);
    if (kind == 2) {
        put(f->code, 0x05);
        gen_typed_arm(f, ft, -1);
    }
    f->nlabels--;
    put(f->code, 0x0B);
    if (want && (ft->nresults == 0 || ft->results[ft->nresults - 1] != want)) {
        settle(f, ft->results, ft->nresults, 0);
        gen_expr(f, want);
        return;
    }
    settle(f, ft->results, ft->nresults, want);
}

static void gen_select(fn_t *f, uint8_t t)
{
    gen_expr(f, t);
    gen_expr(f, t);
    gen_expr(f, T_I32);
    if (t == T_V128 || take(f->src, 2)) { put(f->code, 0x1C); put(f->code, 1); put(f->code, t); }
    else put(f->code, 0x1B);
}

/* i32 from memory and table state: memory.size/grow, table.size/grow,
 * ref.is_null. */
static void gen_i32_state(fn_t *f)
{
    buf_t *c = f->code;
    switch (take(f->src, 5)) {
    case 0: put(c, 0x3F); put(c, 0); break;
    case 1:
        if (take(f->src, 3)) { put(c, 0x41); put_sleb(c, (int32_t)take(f->src, 3)); }
        else gen_expr(f, T_I32);
        put(c, 0x40); put(c, 0);
        break;
    case 2: put(c, 0xFC); put_uleb(c, 16); put(c, 0); break;
    case 3:
        gen_funcref(f);
        put(c, 0x41); put_sleb(c, (int32_t)take(f->src, 4));
        put(c, 0xFC); put_uleb(c, 15); put(c, 0);
        break;
    default: gen_funcref(f); put(c, 0xD1); break;
    }
}

static void gen_leaf(fn_t *f, uint8_t t)
{
    int l;
    if (take(f->src, 2) && (l = find_local(f, t)) >= 0) {
        put(f->code, 0x20); put_uleb(f->code, (uint32_t)l);
    } else if (take(f->src, 4) == 0 && (l = find_global(f, t)) >= 0) {
        put(f->code, 0x23); put_uleb(f->code, (uint32_t)l);
    } else {
        put_const(f, t);
    }
}

/* Code that leaves one value of type t on the stack (or makes the stack
 * polymorphic). */
static void gen_expr(fn_t *f, uint8_t t)
{
    if (f->budget <= 0 || f->depth >= MAX_DEPTH) { gen_leaf(f, t); return; }
    f->budget--;
    f->depth++;
    int l;
    switch (take(f->src, 24)) {
    case 0: case 1: case 2: gen_leaf(f, t); break;
    case 3: case 4: case 5: case 6:
        if (t == T_V128 || (t == T_I32 && take(f->src, 5) == 0)) { if (gen_simdop(f, t)) break; }
        gen_numop(f, t);
        break;
    case 7:
        if (!gen_simdop(f, t)) gen_numop(f, t);
        break;
    case 8: case 9: gen_load(f, t); break;
    case 10:
        if ((l = find_local(f, t)) < 0) l = new_local(f, t);
        gen_expr(f, t);
        if (l >= 0) { put(f->code, 0x22); put_uleb(f->code, (uint32_t)l); }
        break;
    case 11: gen_select(f, t); break;
    case 12: case 13:
        if (!can_nest(f)) gen_leaf(f, t);
        else if (take(f->src, 3) == 0) gen_typed_block(f, t);
        else gen_block(f, t);
        break;
    case 14:
        if (can_nest(f)) gen_if(f, t); else gen_leaf(f, t);
        break;
    case 15:
        if (can_nest(f)) gen_loop(f, t); else gen_leaf(f, t);
        break;
    case 16: case 17: gen_call(f, t); break;
    case 18:
        if (take(f->src, 3) == 0) gen_branch(f); else gen_leaf(f, t);
        break;
    case 19: {
        /* br_if to a label carrying one t: the value stays when not taken */
        label_t want = { .n = 1, .types = { t } };
        int target = find_label(f, &want);
        gen_expr(f, t);
        if (target >= 0) {
            gen_expr(f, T_I32);
            put(f->code, 0x0D); put_uleb(f->code, rel(f, (uint32_t)target));
        }
        break;
    }
    case 20:
        if (t == T_I32) gen_i32_state(f); else gen_numop(f, t == T_V128 ? T_I32 : t);
        if (t == T_V128) { put(f->code, 0xFD); put_uleb(f->code, 17); }
        break;
    case 21:
        gen_stmt(f);
        gen_expr(f, t);
        break;
    default:
        if ((l = find_global(f, t)) >= 0) { put(f->code, 0x23); put_uleb(f->code, (uint32_t)l); }
        else gen_leaf(f, t);
    }
    f->depth--;
}

/* Code that leaves the stack as it was. */
static void gen_stmt(fn_t *f)
{
    if (f->budget <= 0 || f->depth >= MAX_DEPTH) return;
    f->budget--;
    f->depth++;
    src_t *s = f->src;
    buf_t *c = f->code;
    int l;
    switch (take(s, 16)) {
    case 0: put(c, 0x01); break;
    case 1: case 2: {
        uint8_t t;
        if (f->nlocals && take(s, 3)) {
            l = (int)take(s, f->nlocals);
            t = f->local_type[l];
        } else {
            t = pick_type(s);
            if ((l = find_local(f, t)) < 0) l = new_local(f, t);
        }
        gen_expr(f, t);
        if (l >= 0) { put(c, 0x21); put_uleb(c, (uint32_t)l); }
        else put(c, 0x1A);
        break;
    }
    case 3: {
        uint8_t t = pick_type(s);
        gen_expr(f, t);
        if ((l = find_global(f, t)) >= 0) { put(c, 0x24); put_uleb(c, (uint32_t)l); }
        else put(c, 0x1A);
        break;
    }
    case 4: case 5: gen_store(f); break;
    case 6: gen_expr(f, pick_type(s)); put(c, 0x1A); break;
    case 7: if (can_nest(f)) gen_if(f, 0); break;
    case 8:
        if (!can_nest(f)) break;
        if (take(s, 3) == 0) gen_typed_block(f, 0);
        else gen_block(f, 0);
        break;
    case 9: if (can_nest(f)) gen_loop(f, 0); break;
    case 10: {
        /* br_if to any label: its values are dropped when not taken */
        uint32_t target = take(s, f->nlabels);
        const label_t *lab = &f->labels[target];
        gen_values(f, lab->types, lab->n);
        gen_expr(f, T_I32);
        put(c, 0x0D); put_uleb(c, rel(f, target));
        settle(f, lab->types, lab->n, 0);
        break;
    }
    case 11: {
        /* bulk memory: fill, copy, init from the passive segment, drop it */
        uint32_t which = take(s, 4);
        if (which == 3) { put(c, 0xFC); put_uleb(c, 9); put(c, 1); break; }
        gen_addr(f);
        if (which == 0) gen_expr(f, T_I32);
        else { put(c, 0x41); put_sleb(c, (int32_t)take(s, which == 2 ? 24 : 65536)); }
        gen_len(f);
        put(c, 0xFC);
        if (which == 0) { put_uleb(c, 11); put(c, 0); }
        else if (which == 1) { put_uleb(c, 10); put(c, 0); put(c, 0); }
        else { put_uleb(c, 8); put(c, 1); put(c, 0); }
        break;
    }
    case 12: case 13: gen_call(f, 0); break;
    case 14:
        /* table.set or table.fill */
        gen_table_index(f);
        gen_funcref(f);
        if (take(s, 2)) { put(c, 0x26); put(c, 0); }
        else { gen_len(f); put(c, 0xFC); put_uleb(c, 17); put(c, 0); }
        break;
    default:
        if (take(s, 4) == 0) gen_branch(f);
        else put(c, 0x01);
    }
    f->depth--;
}

/* ---- the module ---------------------------------------------------------- */

static void gen_body(mod_t *m, uint32_t func, buf_t *out)
{
    const functype_t *ft = &m->types[m->func_type[func]];
    buf_t code = { 0 };
    fn_t f = { .m = m, .src = &m->src, .code = &code };
    memcpy(f.local_type, ft->params, ft->nparams);
    f.nlocals = ft->nparams;
    for (uint32_t n = take(&m->src, 5); n > 0; n--) f.local_type[f.nlocals++] = pick_type(&m->src);
    push_label(&f, ft->nresults, ft->results);
    f.budget = 10 + (int)take(&m->src, 120);
    gen_stmts(&f, 6);
    gen_values(&f, ft->results, ft->nresults);
    put(&code, 0x0B);

    buf_t body = { 0 };
    uint32_t declared = f.nlocals - ft->nparams;
    put_uleb(&body, declared);
    for (uint32_t i = ft->nparams; i < f.nlocals; i++) { put(&body, 1); put(&body, f.local_type[i]); }
    put_bytes(&body, code.p, code.len);
    body.oom |= code.oom;
    free(code.p);
    put_uleb(out, body.len);
    put_bytes(out, body.p, body.len);
    out->oom |= body.oom;
    free(body.p);
}

static void put_init(buf_t *b, src_t *s, uint8_t t)
{
    fn_t f = { .src = s, .code = b };
    put_const(&f, t);
    put(b, 0x0B);
}

static void gen_arg(src_t *s, uint8_t t, iw_val_t *v)
{
    memset(v, 0, sizeof *v);
    v->type = (iw_valtype_t)t;
    switch (t) {
    case T_I32: v->of.i32 = pick_i32(s); break;
    case T_I64: v->of.i64 = pick_i64(s); break;
    case T_F32: { uint32_t u = pick_f32(s); memcpy(&v->of.f32, &u, 4); break; }
    case T_F64: { uint64_t u = pick_f64(s); memcpy(&v->of.f64, &u, 8); break; }
    default: pick_v128(s, v->of.v128);
    }
}

int wasm_gen_module(const uint8_t *data, size_t size, wasm_gen_module_t *out)
{
    memset(out, 0, sizeof *out);
    mod_t m = { .src = { .data = data, .size = size } };
    src_t *s = &m.src;
    m.ntypes = 1 + take(s, MAX_TYPES);
    for (uint32_t i = 0; i < m.ntypes; i++) {
        functype_t *t = &m.types[i];
        t->nparams = (uint8_t)take(s, WASM_GEN_MAX_ARGS + 1);
        for (uint32_t j = 0; j < t->nparams; j++) t->params[j] = pick_type(s);
        t->nresults = (uint8_t)(take(s, 4) == 0 ? take(s, MAX_RESULTS + 1) : 1);
        for (uint32_t j = 0; j < t->nresults; j++) t->results[j] = pick_type(s);
    }
    m.types[m.ntypes++] = (functype_t){ .nparams = 1, .params = { T_I32 }, .nresults = 1, .results = { T_I32 } };
    m.func_type[0] = m.ntypes - 1;
    m.nfuncs = 2 + take(s, MAX_FUNCS);
    for (uint32_t i = 1; i < m.nfuncs; i++) m.func_type[i] = take(s, m.ntypes);
    m.nglobals = take(s, MAX_GLOBALS + 1);
    for (uint32_t i = 0; i < m.nglobals; i++) m.global_type[i] = value_types[take(s, sizeof value_types)];
    m.table_size = m.nfuncs + 2;
    uint32_t max_pages = take(s, 5); /* 0: no maximum */

    buf_t mod = { 0 }, sec = { 0 };
    put_bytes(&mod, "\0asm\1\0\0\0", 8);
    put_uleb(&sec, m.ntypes);
    for (uint32_t i = 0; i < m.ntypes; i++) {
        const functype_t *t = &m.types[i];
        put(&sec, 0x60);
        put_uleb(&sec, t->nparams); put_bytes(&sec, t->params, t->nparams);
        put_uleb(&sec, t->nresults); put_bytes(&sec, t->results, t->nresults);
    }
    put_section(&mod, 1, &sec);
    put(&sec, 1);
    put_name(&sec, "env"); put_name(&sec, "h"); put(&sec, 0); put_uleb(&sec, m.func_type[0]);
    put_section(&mod, 2, &sec);
    put_uleb(&sec, m.nfuncs - 1);
    for (uint32_t i = 1; i < m.nfuncs; i++) put_uleb(&sec, m.func_type[i]);
    put_section(&mod, 3, &sec);
    put(&sec, 1); put(&sec, T_FUNCREF); put(&sec, 1); put_uleb(&sec, m.table_size); put_uleb(&sec, m.table_size + 2);
    put_section(&mod, 4, &sec);
    put(&sec, 1);
    if (max_pages) { put(&sec, 1); put(&sec, 1); put_uleb(&sec, max_pages); }
    else { put(&sec, 0); put(&sec, 1); }
    put_section(&mod, 5, &sec);
    if (m.nglobals) {
        put_uleb(&sec, m.nglobals);
        for (uint32_t i = 0; i < m.nglobals; i++) {
            put(&sec, m.global_type[i]); put(&sec, 1);
            put_init(&sec, s, m.global_type[i]);
        }
        put_section(&mod, 6, &sec);
    }
    /* the host function is exported too, so that ref.func may name it */
    put_uleb(&sec, m.nfuncs + m.nglobals + 2);
    put_name(&sec, "h"); put(&sec, 0); put(&sec, 0);
    char name[16];
    for (uint32_t i = 1; i < m.nfuncs; i++) {
        snprintf(name, sizeof name, "f%u", i - 1);
        put_name(&sec, name); put(&sec, 0); put_uleb(&sec, i);
    }
    for (uint32_t i = 0; i < m.nglobals; i++) {
        snprintf(name, sizeof name, "g%u", i);
        put_name(&sec, name); put(&sec, 3); put_uleb(&sec, i);
    }
    put_name(&sec, "mem"); put(&sec, 2); put(&sec, 0);
    put_name(&sec, "tab"); put(&sec, 1); put(&sec, 0);
    put_section(&mod, 7, &sec);
    /* the table: functions in the first slots, in any order, the rest null */
    uint32_t filled = 1 + take(s, m.table_size);
    put(&sec, 1); put(&sec, 0);
    put(&sec, 0x41); put(&sec, 0); put(&sec, 0x0B);
    put_uleb(&sec, filled);
    for (uint32_t i = 0; i < filled; i++) put_uleb(&sec, take(s, 3) ? i % m.nfuncs : take(s, m.nfuncs));
    put_section(&mod, 9, &sec);
    put(&sec, 2);
    put_section(&mod, 12, &sec);
    put_uleb(&sec, m.nfuncs - 1);
    for (uint32_t i = 1; i < m.nfuncs; i++) gen_body(&m, i, &sec);
    put_section(&mod, 10, &sec);
    /* an active segment inside the first page, a passive one for memory.init */
    uint32_t at = take(s, 65536 - 32), n = take(s, 32);
    put(&sec, 2);
    put(&sec, 0); put(&sec, 0x41); put_sleb(&sec, (int32_t)at); put(&sec, 0x0B);
    put_uleb(&sec, n);
    for (uint32_t i = 0; i < n; i++) put(&sec, (uint8_t)take(s, 256));
    put(&sec, 1); put_uleb(&sec, 16);
    for (uint32_t i = 0; i < 16; i++) put(&sec, (uint8_t)(i * 17 + 3));
    put_section(&mod, 11, &sec);
    if (mod.oom || sec.oom) {
        free(mod.p);
        free(sec.p);
        return -1;
    }

    out->bytes = mod.p;
    out->len = mod.len;
    out->nfuncs = m.nfuncs - 1;
    out->nglobals = m.nglobals;
    static const uint64_t fuels[] = { 300, 3000, 20000, 100000 };
    out->fuel = fuels[take(s, 4)];
    out->slice = take(s, 4) == 3 ? 1 + take(s, 400) : 0;
    out->suspend_every = take(s, 3) ? take(s, 4) : 0;
    out->snapshot = take(s, 2);
    out->resettable = take(s, 3) == 2;
    out->ncalls = 1 + take(s, WASM_GEN_MAX_CALLS);
    for (uint32_t i = 0; i < out->ncalls; i++) {
        wasm_gen_call_t *call = &out->calls[i];
        call->func = take(s, m.nfuncs - 1);
        const functype_t *t = &m.types[m.func_type[call->func + 1]];
        call->nargs = t->nparams;
        for (uint32_t j = 0; j < t->nparams; j++) gen_arg(s, t->params[j], &call->args[j]);
    }
    return 0;
}

void wasm_gen_free(wasm_gen_module_t *m)
{
    free(m->bytes);
    m->bytes = NULL;
}
