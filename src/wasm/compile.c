/* Validation and compilation of one function body, in one pass.
 *
 * Validation follows the algorithm of the spec's appendix: a stack of value
 * types and a stack of control frames; unknown types stand for anything in
 * unreachable code.
 *
 * The internal code is register-style: every value has a fixed slot in the
 * function's frame, known at compile time. Locals come first, then the
 * operand stack; a v128 takes two consecutive slots, every other value one,
 * so the compiler keeps each local's slot and, per stack height, the slot
 * where the value there starts. i32.add at height h (scalars below) becomes
 * "slot[s-2] = slot[s-2] + slot[s-1]" with no stack pointer at run time. A small peephole history then removes the copies
 * that local.get and i32.const would make: an operand that was just copied
 * from a local is read from the local itself, a constant becomes an
 * immediate, and a following local.set retargets the producer's result.
 * Compares feeding br_if/if become one compare-and-branch instruction.
 * Branch targets are resolved here (relative word offsets); values carried
 * by a branch are moved only when they are not already in place.
 *
 * Fuel is charged per block of straight-line code with one entry (an
 * extended basic block): the function entry (charged by the call), each
 * loop header (its LOOP instruction) and each label where paths from
 * different blocks merge (a FUEL instruction: else, the end of an if or
 * block that a branch from another block reaches). Each charge is the
 * number of wasm instructions up to the next such point, so a block left
 * early by a br_if is charged in full: fuel is exact on straight paths and
 * errs upwards on early exits. A label reached only from the block still
 * open (`block ... br_if 0 ... return end`) needs no charge of its own:
 * that block's charge already covers what follows, unless nothing falls
 * through to it: a label reached only by branches starts a block of its
 * own, or a dispatch (`block block br_table end A end B`, every Go
 * function's resume switch) would charge every path the whole function
 * (A and B) instead of the path taken. */
#include <stdlib.h>
#include <string.h>

#include "wasm/compile.h"
#include "wasm/config.h"
#include "wasm/ops.h"
#include "wasm/proposals.h"
#include "wasm/simd.h"

#define IW__UNKNOWN 0   /* a value type in unreachable code: matches anything */
#define IW__NONE UINT32_MAX
#define IW__MIXED (UINT32_MAX - 1)

typedef enum { IW__CTRL_FUNC, IW__CTRL_BLOCK, IW__CTRL_LOOP, IW__CTRL_IF, IW__CTRL_ELSE } iw__ctrl_kind_t;

typedef struct {
    iw__ctrl_kind_t kind;
    bool unreachable;       /* the rest of this frame is dead code */
    bool live;              /* code is emitted for this frame at all */
    uint32_t height;        /* operand stack height below the frame's params */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t patches;       /* forward branches to bind at the end (list head) */
    uint32_t loop_pos;      /* LOOP: the target of branches */
    uint32_t else_site;     /* IF: the branch-if-false to bind at else/end */
    uint32_t else_base;
    uint32_t if_block;      /* IF: the fuel block of that branch */
    uint32_t edge_block;    /* fuel block of the branches to the end so far:
                               IW__NONE none yet, IW__MIXED several */
} iw__ctrl_t;

typedef struct { uint32_t site, base, next; } iw__patch_t;

/* The peephole history: what the last emitted instructions were. */
typedef enum { IW__H_COPY, IW__H_CONST, IW__H_DST, IW__H_CMP, IW__H_EQZ } iw__hist_kind_t;
typedef struct {
    iw__hist_kind_t kind;
    uint32_t pos, end;      /* code words [pos, end) */
    uint32_t dst;           /* the slot written (word 1, low half) */
    uint32_t a;             /* COPY: source slot; CMP/EQZ: first operand */
    uint64_t b;             /* CONST: value; CMP: second slot or immediate */
    bool b_imm;
    uint32_t op;            /* CMP: the _SS op number */
} iw__hist_t;

typedef struct {
    iw_module_t *m;
    iw_reader_t *r;
    const void *const *ops;
    const iw_functype_t *type;

    uint8_t *locals;        /* types of all locals, params first */
    uint32_t nlocals;
    uint32_t *local_slots;  /* the slot of each local (a v128 takes two) */
    uint32_t nlocal_slots, param_slots;

    uint8_t *vals;          /* the operand type stack */
    uint32_t nvals, vals_cap;
    uint32_t *heights;      /* heights[h]: slots taken by the values below height h */
    uint32_t heights_cap, heights_top, max_slots;
    iw__ctrl_t *ctrls;
    uint32_t nctrls, ctrls_cap;
    uint32_t fuel_site;     /* where the current block's charge goes (IW__NONE: entry) */
    uint32_t fuel_count;    /* instructions in the current block so far */
    uint32_t entry_fuel;    /* charge of the function's first block */
    uint32_t fuel_block;    /* number of the current block (0: entry) */

    iw_word_t *code;
    uint32_t len, cap;
    iw__patch_t *patches;
    uint32_t npatches, patches_cap;
    iw__hist_t hist[2];
    int nhist;
    uint32_t *srcmap;       /* pairs (code position, byte offset) */
    uint32_t nsrcmap, srcmap_cap;
    uint32_t instr_offset;  /* byte offset of the instruction being compiled */
    bool oom;
} iw__comp_t;

/* ---- errors and buffers ----------------------------------------------- */

static bool iw__oom(iw__comp_t *c)
{
    c->oom = true;
    return iw_fail(c->r, "out of memory while compiling");
}

static bool iw__grow(iw__comp_t *c, void **buf, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap) return true;
    uint32_t n = *cap ? *cap : 16;
    while (n < need) n *= 2;
    void *p = realloc(*buf, (size_t)n * size);
    if (!p) return iw__oom(c);
    *buf = p;
    *cap = n;
    return true;
}

static const char *iw__type_name(uint8_t t)
{
    switch (t) {
    case IW_I32: return "i32";
    case IW_I64: return "i64";
    case IW_F32: return "f32";
    case IW_F64: return "f64";
    case IW_FUNCREF: return "funcref";
    case IW_EXTERNREF: return "externref";
    case IW_V128: return "v128";
    default: return "unknown";
    }
}

/* ---- the type stack ------------------------------------------------------ */

static iw__ctrl_t *iw__top(iw__comp_t *c) { return &c->ctrls[c->nctrls - 1]; }

static uint32_t iw__width(uint8_t t) { return t == IW_V128 ? 2 : 1; }

static bool iw__push(iw__comp_t *c, uint8_t t)
{
    if (!iw__grow(c, (void **)&c->vals, &c->vals_cap, c->nvals + 1, 1)) return false;
    if (!iw__grow(c, (void **)&c->heights, &c->heights_cap, c->nvals + 2, sizeof *c->heights)) return false;
    uint32_t h = c->heights[c->nvals] + iw__width(t);
    c->vals[c->nvals++] = t;
    c->heights[c->nvals] = h;
    if (c->nvals > c->heights_top) c->heights_top = c->nvals;
    if (h > c->max_slots) c->max_slots = h;
    return true;
}

/* Pops one value; expect is a type or IW__UNKNOWN (anything). *got gets the
 * actual type (IW__UNKNOWN in unreachable code). */
static bool iw__pop_any(iw__comp_t *c, uint8_t expect, uint8_t *got, const char *where)
{
    iw__ctrl_t *f = iw__top(c);
    uint8_t t;
    if (c->nvals == f->height) {
        if (!f->unreachable)
            return iw_fail(c->r, "type mismatch in %s: expected %s but the stack is empty", where,
                            expect ? iw__type_name(expect) : "a value");
        t = IW__UNKNOWN;
    } else {
        t = c->vals[--c->nvals];
    }
    if (expect && t && t != expect)
        return iw_fail(c->r, "type mismatch in %s: expected %s, got %s", where, iw__type_name(expect),
                        iw__type_name(t));
    if (got) *got = t ? t : expect;
    return true;
}

static bool iw__pop(iw__comp_t *c, uint8_t expect, const char *where)
{
    return iw__pop_any(c, expect, NULL, where);
}

static bool iw__pop_vals(iw__comp_t *c, const uint8_t *types, uint32_t n, const char *where)
{
    for (uint32_t i = n; i-- > 0;)
        if (!iw__pop(c, types[i], where)) return false;
    return true;
}

static bool iw__push_vals(iw__comp_t *c, const uint8_t *types, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!iw__push(c, types[i])) return false;
    return true;
}

/* The first slot of the value at `height` (or where it would go). Heights
 * of values just popped are still known; above every value ever pushed
 * (only asked for in dead code) one slot per value is assumed. */
static uint32_t iw__slot(const iw__comp_t *c, uint32_t height)
{
    if (height > c->heights_top) return c->nlocal_slots + c->heights[c->heights_top] + (height - c->heights_top);
    return c->nlocal_slots + c->heights[height];
}

/* Slots taken by the n values from `height` up. */
static uint32_t iw__slots(const iw__comp_t *c, uint32_t height, uint32_t n)
{
    return iw__slot(c, height + n) - iw__slot(c, height);
}

/* ---- emitting ------------------------------------------------------------ */

static bool iw__live(const iw__comp_t *c)
{
    const iw__ctrl_t *f = &c->ctrls[c->nctrls - 1];
    return f->live && !f->unreachable;
}

static bool iw__reserve(iw__comp_t *c, uint32_t words)
{
    return iw__grow(c, (void **)&c->code, &c->cap, c->len + words, sizeof *c->code);
}

/* Appends an instruction of up to 5 words; returns its position. */
static uint32_t iw__emit(iw__comp_t *c, iw_op_t op, int nwords, ...)
{
    uint32_t pos = c->len;
    if (!iw__reserve(c, (uint32_t)nwords + 1)) return pos;
    /* instructions removed by the peephole leave the map with them */
    while (c->nsrcmap && c->srcmap[2 * (c->nsrcmap - 1)] >= pos) c->nsrcmap--;
    if (!iw__grow(c, (void **)&c->srcmap, &c->srcmap_cap, 2 * (c->nsrcmap + 1), sizeof *c->srcmap)) return pos;
    c->srcmap[2 * c->nsrcmap] = pos;
    c->srcmap[2 * c->nsrcmap + 1] = c->instr_offset;
    c->nsrcmap++;
    c->code[c->len++].op = c->ops[op];
    __builtin_va_list ap;
    __builtin_va_start(ap, nwords);
    for (int i = 0; i < nwords; i++) c->code[c->len++].u = __builtin_va_arg(ap, uint64_t);
    __builtin_va_end(ap);
    return pos;
}

static uint64_t iw__pair(uint32_t lo, uint32_t hi) { return (uint64_t)lo | (uint64_t)hi << 32; }

static void iw__hist_reset(iw__comp_t *c) { c->nhist = 0; }

static void iw__hist_push(iw__comp_t *c, iw__hist_t h)
{
    if (c->nhist == 2) { c->hist[0] = c->hist[1]; c->nhist = 1; }
    h.end = c->len;
    c->hist[c->nhist++] = h;
}

/* The end of emitting most results: the instruction at pos wrote dst and
 * is nothing the peephole folds later (no copy, constant or compare). */
static void iw__hist_dst(iw__comp_t *c, uint32_t pos, uint32_t dst)
{
    iw__hist_push(c, (iw__hist_t){ IW__H_DST, pos, 0, dst, 0, 0, false, 0 });
}

/* After pushing a result: whether code is live, so anything is emitted,
 * and then *dst is the slot of that result (the top of the stack). */
static bool iw__live_top(const iw__comp_t *c, uint32_t *dst)
{
    if (!iw__live(c)) return false;
    *dst = iw__slot(c, c->nvals - 1);
    return true;
}

static iw__hist_t *iw__hist_last(iw__comp_t *c, uint32_t dst)
{
    if (!c->nhist) return NULL;
    iw__hist_t *h = &c->hist[c->nhist - 1];
    return (h->end == c->len && h->dst == dst) ? h : NULL;
}

/* The operand in `slot`: if the last instruction only copied a local there,
 * drop that copy and read the local directly. */
static uint32_t iw__take_slot(iw__comp_t *c, uint32_t slot)
{
    iw__hist_t *h = iw__hist_last(c, slot);
    if (h && h->kind == IW__H_COPY) {
        c->len = h->pos;
        c->nhist--;
        return h->a;
    }
    return slot;
}

/* Same for a constant just written to `slot`: it becomes an immediate. */
static bool iw__take_imm(iw__comp_t *c, uint32_t slot, uint64_t *imm)
{
    iw__hist_t *h = iw__hist_last(c, slot);
    if (h && h->kind == IW__H_CONST) {
        *imm = h->b;
        c->len = h->pos;
        c->nhist--;
        return true;
    }
    return false;
}

static void iw__patch_add(iw__comp_t *c, iw__ctrl_t *target, uint32_t site, uint32_t base)
{
    if (!iw__grow(c, (void **)&c->patches, &c->patches_cap, c->npatches + 1, sizeof *c->patches)) return;
    c->patches[c->npatches] = (iw__patch_t){ site, base, target->patches };
    target->patches = c->npatches++;
}

/* Makes the branch word at `site` (instruction at `base`) reach frame t. */
static void iw__target(iw__comp_t *c, iw__ctrl_t *t, uint32_t site, uint32_t base)
{
    if (c->oom) return;
    if (t->kind == IW__CTRL_LOOP) {
        c->code[site].i = (int64_t)t->loop_pos - (int64_t)base;
        return;
    }
    iw__patch_add(c, t, site, base);
    if (t->edge_block == IW__NONE) t->edge_block = c->fuel_block;
    else if (t->edge_block != c->fuel_block) t->edge_block = IW__MIXED;
}

/* Whether the end of frame f is reached from a fuel block other than the
 * current one, and so must start a block with its own charge. */
static bool iw__needs_merge(const iw__comp_t *c, const iw__ctrl_t *f)
{
    if (f->kind == IW__CTRL_IF && f->if_block != c->fuel_block) return true;
    return f->edge_block != IW__NONE && f->edge_block != c->fuel_block;
}

static void iw__bind(iw__comp_t *c, iw__ctrl_t *f)
{
    for (uint32_t p = f->patches; p != IW__NONE; p = c->patches[p].next)
        if (!c->oom) c->code[c->patches[p].site].i = (int64_t)c->len - (int64_t)c->patches[p].base;
    f->patches = IW__NONE;
    iw__hist_reset(c);
}

static uint32_t iw__label_arity(const iw__ctrl_t *f) { return f->kind == IW__CTRL_LOOP ? f->nparams : f->nresults; }
static const uint8_t *iw__label_types(const iw__ctrl_t *f) { return f->kind == IW__CTRL_LOOP ? f->params : f->results; }

/* Returns the n values (nslots slots) from slot src. A single value
 * computed by the last instruction is written straight into slot 0, where
 * results go, so the RETURN moves nothing. */
static void iw__emit_return(iw__comp_t *c, uint32_t src, uint32_t n, uint32_t nslots)
{
    iw__hist_t *h = n == 1 ? iw__hist_last(c, src) : NULL;
    if (h && h->kind != IW__H_COPY) {
        c->code[h->pos + 1].p.lo = 0;
        src = 0;
    } else if (n == 1) {
        src = iw__take_slot(c, src);
    }
    iw__emit(c, IW_OP_RETURN, 1, iw__pair(src, nslots));
    iw__hist_reset(c);
}

/* An unconditional branch to frame t with its values on top of the stack. */
static void iw__emit_br(iw__comp_t *c, iw__ctrl_t *t)
{
    uint32_t n = iw__label_arity(t), nslots = iw__slots(c, c->nvals - n, n);
    uint32_t src = iw__slot(c, c->nvals - n), dst = iw__slot(c, t->height);
    if (t->kind == IW__CTRL_FUNC) {
        iw__emit_return(c, src, n, nslots);
    } else if (n && src != dst) {
        uint32_t pos = iw__emit(c, IW_OP_BR_MOVE, 3, (uint64_t)0, iw__pair(dst, src), (uint64_t)nslots);
        iw__target(c, t, pos + 1, pos);
    } else {
        uint32_t pos = iw__emit(c, t->kind == IW__CTRL_LOOP ? IW_OP_BR_LOOP : IW_OP_BR, 1, (uint64_t)0);
        iw__target(c, t, pos + 1, pos);
    }
    iw__hist_reset(c);
}

/* A conditional branch: when_true selects br_if (jump if the condition
 * holds) or if (jump to else when it does not). Folds a just-emitted
 * compare or eqz into the branch when no values need moving. to_loop (with
 * when_true) picks the forms that do the target LOOP's work themselves. */
static void iw__emit_cond_br(iw__comp_t *c, uint32_t cond_slot, bool when_true, bool to_loop,
                             uint32_t *site, uint32_t *base)
{
    iw__hist_t *h = iw__hist_last(c, cond_slot);
    if (h && h->kind == IW__H_CMP) {
        iw__hist_t cmp = *h;
        c->len = cmp.pos;
        uint32_t op = cmp.op + (to_loop ? 6 : when_true ? 2 : 4) + (cmp.b_imm ? 1 : 0);
        *base = iw__emit(c, (iw_op_t)op, 3, iw__pair(cmp.a, 0), cmp.b, (uint64_t)0);
        *site = *base + 3;
    } else if (h && h->kind == IW__H_EQZ) {
        uint32_t a = h->a;
        c->len = h->pos;
        iw_op_t op = to_loop ? IW_OP_BRZ_LOOP : when_true ? IW_OP_BRZ : IW_OP_BRNZ;
        *base = iw__emit(c, op, 2, iw__pair(a, 0), (uint64_t)0);
        *site = *base + 2;
    } else {
        uint32_t s = iw__take_slot(c, cond_slot);
        iw_op_t op = to_loop ? IW_OP_BRNZ_LOOP : when_true ? IW_OP_BRNZ : IW_OP_BRZ;
        *base = iw__emit(c, op, 2, iw__pair(s, 0), (uint64_t)0);
        *site = *base + 2;
    }
    iw__hist_reset(c);
}

/* ---- fuel ------------------------------------------------------------------ */

/* Ends the current straight-line block: its instruction count becomes the
 * operand of the instruction that charges it. */
static void iw__fuel_close(iw__comp_t *c)
{
    if (c->fuel_site == IW__NONE) c->entry_fuel += c->fuel_count;
    else if (!c->oom) c->code[c->fuel_site].u = c->fuel_count;
    c->fuel_count = 0;
}

/* Starts a block at a merge point with a FUEL instruction. */
static void iw__fuel_open(iw__comp_t *c, iw_op_t op)
{
    iw__fuel_close(c);
    uint32_t pos = iw__emit(c, op, 1, (uint64_t)0);
    c->fuel_site = pos + 1;
    c->fuel_block++;
    iw__hist_reset(c);
}

/* ---- control frames ------------------------------------------------------ */

static bool iw__push_ctrl(iw__comp_t *c, iw__ctrl_kind_t kind, const iw_functype_t *bt)
{
    if (c->nctrls >= IW_MAX_BLOCK_DEPTH) return iw_fail(c->r, "blocks nested too deeply");
    if (!iw__grow(c, (void **)&c->ctrls, &c->ctrls_cap, c->nctrls + 1, sizeof *c->ctrls)) return false;
    bool live = c->nctrls == 0 || iw__live(c);
    iw__ctrl_t *f = &c->ctrls[c->nctrls++];
    *f = (iw__ctrl_t){ .kind = kind, .live = live, .height = c->nvals - bt->nparams,
                       .nparams = bt->nparams, .nresults = bt->nresults,
                       .params = bt->params, .results = bt->results,
                       .patches = IW__NONE, .else_site = IW__NONE, .edge_block = IW__NONE };
    return true;
}

static bool iw__read_blocktype(iw__comp_t *c, iw_functype_t *bt)
{
    static const uint8_t single[7][1] = { { IW_I32 }, { IW_I64 }, { IW_F32 }, { IW_F64 }, { IW_FUNCREF }, { IW_EXTERNREF },
                                          { IW_V128 } };
    const uint8_t *at = c->r->p;
    int64_t v;
    if (!iw_read_s33(c->r, &v)) return false;
    memset(bt, 0, sizeof *bt);
    if (v >= 0) {
        if ((uint64_t)v >= c->m->ntypes) return iw_fail_at(c->r, at, "unknown type %lld", (long long)v);
        *bt = c->m->types[v];
        return true;
    }
    int k;
    switch (v) {
    case -64: return true;
    case -1: k = 0; break;
    case -2: k = 1; break;
    case -3: k = 2; break;
    case -4: k = 3; break;
    case -16: k = 4; break;
    case -17: k = 5; break;
    case -5: k = 6; break;
    default:
        if (iw_valtype_proposal((uint8_t)(v & 0x7f)) != IW_PROP_NONE)
            return iw_unsupported(c->r, at, iw_valtype_proposal((uint8_t)(v & 0x7f)), "block type 0x%02x", (unsigned)(v & 0x7f));
        return iw_fail_at(c->r, at, "malformed block type");
    }
    bt->nresults = 1;
    bt->results = single[k];
    return true;
}

/* ---- instruction groups --------------------------------------------------- */

typedef enum { IW__CLS_UN, IW__CLS_UNT, IW__CLS_BIN, IW__CLS_BINT, IW__CLS_CMP } iw__cls_t;
typedef struct { iw__cls_t cls; uint8_t in, out; uint32_t op; const char *name; } iw__numinfo_t;

#define IW__FIRST_UN(N) IW_OP_##N##_S
#define IW__FIRST_UNT(N) IW_OP_##N##_S
#define IW__FIRST_BIN(N) IW_OP_##N##_SS
#define IW__FIRST_BINT(N) IW_OP_##N##_SS
#define IW__FIRST_CMP(N) IW_OP_##N##_SS

static const iw__numinfo_t *iw__numeric_info(uint32_t code)
{
    switch (code) {
#define IW__X(code, N, text, cls, in, out, expr)                                            \
    case code: {                                                                           \
        static const iw__numinfo_t info = { IW__CLS_##cls, IW_##in, IW_##out, IW__FIRST_##cls(N), text }; \
        return &info;                                                                      \
    }
        IW_NUMERIC_OPS(IW__X)
#undef IW__X
    default: return NULL;
    }
}

static bool iw__numeric(iw__comp_t *c, const iw__numinfo_t *ni)
{
    bool binary = ni->cls == IW__CLS_BIN || ni->cls == IW__CLS_BINT || ni->cls == IW__CLS_CMP;
    if (binary && !iw__pop(c, ni->in, ni->name)) return false;
    if (!iw__pop(c, ni->in, ni->name) || !iw__push(c, ni->out)) return false;
    uint32_t dst;
    if (!iw__live_top(c, &dst)) return true;
    if (!binary) {
        uint32_t a = iw__take_slot(c, dst);
        uint32_t pos = iw__emit(c, (iw_op_t)ni->op, 1, iw__pair(dst, a));
        bool eqz = ni->op == IW_OP_I32_EQZ_S;
        iw__hist_push(c, (iw__hist_t){ eqz ? IW__H_EQZ : IW__H_DST, pos, 0, dst, a, 0, false, 0 });
        return true;
    }
    uint32_t bslot = dst + 1;
    uint64_t b;
    bool imm = iw__take_imm(c, bslot, &b);
    if (!imm) b = iw__take_slot(c, bslot);
    uint32_t a = iw__take_slot(c, dst);
    uint32_t pos = iw__emit(c, (iw_op_t)(ni->op + (imm ? 1 : 0)), 2, iw__pair(dst, a), b);
    iw__hist_push(c, (iw__hist_t){ ni->cls == IW__CLS_CMP ? IW__H_CMP : IW__H_DST, pos, 0, dst, a, b, imm, ni->op });
    return true;
}

/* A memory index (multiple memories, WebAssembly 3.0). Where 2.0 had a
 * zero byte, its words stay in the message. */
static bool iw__memory_index(iw__comp_t *c, uint32_t *mem, bool was_zero_byte)
{
    const uint8_t *at = c->r->p;
    if (!iw_read_u32(c->r, mem)) return false;
    if (*mem >= c->m->nmemories)
        return iw_fail_at(c->r, at, "unknown memory %u%s", *mem,
                           was_zero_byte && *mem ? " (zero byte expected before 3.0's multiple memories)" : "");
    return true;
}

/* memarg: alignment, then (bit 6 of it set) a memory index, then the offset. */
static bool iw__memarg(iw__comp_t *c, uint32_t natural, uint32_t *offset, uint32_t *mem)
{
    uint32_t align;
    const uint8_t *at = c->r->p;
    if (!iw_read_u32(c->r, &align)) return false;
    *mem = 0;
    if ((align & 0x40) && !iw__memory_index(c, mem, false)) return false;
    align &= ~0x40u;
    if (!iw_read_u32_not_u64(c->r, offset, "memory offset")) return false;
    if (*mem >= c->m->nmemories) return iw_fail_at(c->r, at, "unknown memory %u", *mem);
    if (align > natural) return iw_fail_at(c->r, at, "alignment must not be larger than natural");
    return true;
}

/* An instruction on memory mem != 0 runs between MEM_SELECT mem and
 * MEM_SELECT 0, which point the interpreter's memory registers at that
 * memory and back: the instructions on memory 0, the only ones of most
 * modules, stay as they are. */
static void iw__mem_select(iw__comp_t *c, uint32_t mem)
{
    if (!mem) return;
    iw__emit(c, IW_OP_MEM_SELECT, 1, (uint64_t)mem);
    iw__hist_reset(c);
}

static void iw__mem_back(iw__comp_t *c, uint32_t mem)
{
    if (!mem) return;
    iw__emit(c, IW_OP_MEM_SELECT, 1, (uint64_t)0);
    iw__hist_reset(c);
}

/* An address computed by the instruction just emitted as an i32.add: that
 * add is dropped and the access does it (the _ADD forms for slot + i32
 * immediate, the _ADDS forms for slot + slot). *b is the immediate or the
 * second slot. */
static bool iw__take_addr_add(iw__comp_t *c, uint32_t slot, uint32_t *base, uint64_t *b, bool *b_imm)
{
    iw__hist_t *h = iw__hist_last(c, slot);
    if (!h || h->kind != IW__H_DST || h->op != IW_OP_I32_ADD_SS) return false;
    *base = h->a;
    *b = h->b;
    *b_imm = h->b_imm;
    c->len = h->pos;
    c->nhist--;
    return true;
}

/* Loads: op, op + 1 the _ADD form, op + 2 the _ADDS form. */
static bool iw__load(iw__comp_t *c, iw_op_t op, uint8_t type, uint32_t natural, const char *name)
{
    uint32_t offset, mem;
    if (!iw__memarg(c, natural, &offset, &mem)) return false;
    if (!iw__pop(c, IW_I32, name) || !iw__push(c, type)) return false;
    if (!iw__live(c)) return true;
    uint32_t dst = iw__slot(c, c->nvals - 1), base;
    uint64_t b;
    bool b_imm;
    uint32_t pos;
    iw__mem_select(c, mem);
    if (iw__take_addr_add(c, dst, &base, &b, &b_imm)) {
        pos = iw__emit(c, (iw_op_t)(op + (b_imm ? 1 : 2)), 3, iw__pair(dst, base), (uint64_t)offset, b);
        iw__hist_dst(c, pos, dst);
    } else {
        uint32_t addr = iw__take_slot(c, dst);
        pos = iw__emit(c, op, 2, iw__pair(dst, addr), (uint64_t)offset);
        iw__hist_dst(c, pos, dst);
    }
    iw__mem_back(c, mem);
    return true;
}

/* Stores: op, then op + 1 _ADD, op + 2 _I (immediate value), op + 3 _ADDI,
 * op + 4 _ADDS. */
static bool iw__store(iw__comp_t *c, iw_op_t op, uint8_t type, uint32_t natural, const char *name)
{
    uint32_t offset, mem;
    if (!iw__memarg(c, natural, &offset, &mem)) return false;
    if (!iw__pop(c, type, name) || !iw__pop(c, IW_I32, name)) return false;
    if (!iw__live(c)) return true;
    if (mem) {
        /* no folding of the address or the value across MEM_SELECT */
        uint32_t vs = iw__slot(c, c->nvals + 1);
        iw__mem_select(c, mem);
        iw__emit(c, op, 2, iw__pair(vs - 1, vs), (uint64_t)offset);
        iw__mem_back(c, mem);
        return true;
    }
    uint32_t vslot = iw__slot(c, c->nvals + 1), addr = vslot - 1, base;
    uint64_t value, b;
    bool value_imm = iw__take_imm(c, vslot, &value), b_imm;
    uint32_t val = value_imm ? 0 : iw__take_slot(c, vslot);
    if (iw__take_addr_add(c, addr, &base, &b, &b_imm)) {
        if (b_imm && value_imm) iw__emit(c, (iw_op_t)(op + 3), 4, iw__pair(base, 0), (uint64_t)offset, b, value);
        else if (b_imm) iw__emit(c, (iw_op_t)(op + 1), 3, iw__pair(base, val), (uint64_t)offset, b);
        else if (!value_imm) iw__emit(c, (iw_op_t)(op + 4), 3, iw__pair(base, val), (uint64_t)offset, b);
        else {
            /* slot + slot with an immediate value: no such form, keep the add */
            iw__emit(c, IW_OP_I32_ADD_SS, 2, iw__pair(addr, base), b);
            iw__emit(c, (iw_op_t)(op + 2), 3, iw__pair(addr, 0), (uint64_t)offset, value);
        }
        iw__hist_reset(c);
        return true;
    }
    addr = iw__take_slot(c, addr);
    if (value_imm) iw__emit(c, (iw_op_t)(op + 2), 3, iw__pair(addr, 0), (uint64_t)offset, value);
    else iw__emit(c, op, 2, iw__pair(addr, val), (uint64_t)offset);
    iw__hist_reset(c);
    return true;
}

static bool iw__memory_op(iw__comp_t *c, uint32_t code)
{
    switch (code) {
#define IW__X(code, N, text, vt, al, ct, conv) case code: return iw__load(c, IW_OP_##N, IW_##vt, al, text);
        IW_LOAD_OPS(IW__X)
#undef IW__X
#define IW__X(code, N, text, vt, al, ct) case code: return iw__store(c, IW_OP_##N, IW_##vt, al, text);
        IW_STORE_OPS(IW__X)
#undef IW__X
    default: return false;
    }
}

static bool iw__table_index(iw__comp_t *c, uint32_t *t)
{
    const uint8_t *at = c->r->p;
    if (!iw_read_u32(c->r, t)) return false;
    if (*t >= c->m->ntables) return iw_fail_at(c->r, at, "unknown table %u", *t);
    return true;
}

static bool iw__elem_index(iw__comp_t *c, uint32_t *e)
{
    const uint8_t *at = c->r->p;
    if (!iw_read_u32(c->r, e)) return false;
    if (*e >= c->m->nelems) return iw_fail_at(c->r, at, "unknown elem segment %u", *e);
    return true;
}

static bool iw__data_index(iw__comp_t *c, uint32_t *d)
{
    const uint8_t *at = c->r->p;
    if (!iw_read_u32(c->r, d)) return false;
    if (!c->m->has_data_count) return iw_fail_at(c->r, at, "data count section required");
    if (*d >= c->m->data_count) return iw_fail_at(c->r, at, "unknown data segment %u", *d);
    return true;
}

/* The 0xFC prefix: saturating conversions, bulk memory, table operations. */
static bool iw__prefixed(iw__comp_t *c)
{
    uint32_t sub;
    const uint8_t *at = c->r->p;
    if (!iw_read_u32(c->r, &sub)) return false;
    if (sub <= 7) return iw__numeric(c, iw__numeric_info(0xFC00 | sub));
    iw_module_t *m = c->m;
    uint32_t a, b, mem, mem2;
    switch (sub) {
    case 8: /* memory.init */
        if (!iw__data_index(c, &a) || !iw__memory_index(c, &mem, true)) return false;
        if (!iw__pop(c, IW_I32, "memory.init") || !iw__pop(c, IW_I32, "memory.init") || !iw__pop(c, IW_I32, "memory.init")) return false;
        if (iw__live(c)) {
            iw__mem_select(c, mem);
            iw__emit(c, IW_OP_MEMORY_INIT, 1, iw__pair(iw__slot(c, c->nvals), a));
            iw__mem_back(c, mem);
        }
        break;
    case 9: /* data.drop */
        if (!iw__data_index(c, &a)) return false;
        if (iw__live(c)) iw__emit(c, IW_OP_DATA_DROP, 1, (uint64_t)a);
        break;
    case 10: /* memory.copy dst src */
        if (!iw__memory_index(c, &mem, true) || !iw__memory_index(c, &mem2, true)) return false;
        if (!iw__pop(c, IW_I32, "memory.copy") || !iw__pop(c, IW_I32, "memory.copy") || !iw__pop(c, IW_I32, "memory.copy")) return false;
        if (!iw__live(c)) break;
        if (mem || mem2) iw__emit(c, IW_OP_MEMORY_COPY_MM, 2, iw__pair(iw__slot(c, c->nvals), 0), iw__pair(mem, mem2));
        else iw__emit(c, IW_OP_MEMORY_COPY, 1, iw__pair(iw__slot(c, c->nvals), 0));
        break;
    case 11: /* memory.fill */
        if (!iw__memory_index(c, &mem, true)) return false;
        if (!iw__pop(c, IW_I32, "memory.fill") || !iw__pop(c, IW_I32, "memory.fill") || !iw__pop(c, IW_I32, "memory.fill")) return false;
        if (iw__live(c)) {
            iw__mem_select(c, mem);
            iw__emit(c, IW_OP_MEMORY_FILL, 1, iw__pair(iw__slot(c, c->nvals), 0));
            iw__mem_back(c, mem);
        }
        break;
    case 12: { /* table.init elem table; the table is checked first, as the spec's rule reads */
        const uint8_t *elem_at = c->r->p;
        if (!iw_read_u32(c->r, &a) || !iw__table_index(c, &b)) return false;
        if (a >= m->nelems) return iw_fail_at(c->r, elem_at, "unknown elem segment %u", a);
        if (m->elems[a].type != m->tables[b].elem) return iw_fail_at(c->r, at, "type mismatch in table.init");
        if (!iw__pop(c, IW_I32, "table.init") || !iw__pop(c, IW_I32, "table.init") || !iw__pop(c, IW_I32, "table.init")) return false;
        if (iw__live(c)) iw__emit(c, IW_OP_TABLE_INIT, 2, iw__pair(iw__slot(c, c->nvals), b), (uint64_t)a);
        break;
    }
    case 13: /* elem.drop */
        if (!iw__elem_index(c, &a)) return false;
        if (iw__live(c)) iw__emit(c, IW_OP_ELEM_DROP, 1, (uint64_t)a);
        break;
    case 14: /* table.copy dst src */
        if (!iw__table_index(c, &a) || !iw__table_index(c, &b)) return false;
        if (m->tables[a].elem != m->tables[b].elem) return iw_fail_at(c->r, at, "type mismatch in table.copy");
        if (!iw__pop(c, IW_I32, "table.copy") || !iw__pop(c, IW_I32, "table.copy") || !iw__pop(c, IW_I32, "table.copy")) return false;
        if (iw__live(c)) iw__emit(c, IW_OP_TABLE_COPY, 2, iw__pair(iw__slot(c, c->nvals), a), (uint64_t)b);
        break;
    case 15: /* table.grow */
        if (!iw__table_index(c, &a)) return false;
        if (!iw__pop(c, IW_I32, "table.grow") || !iw__pop(c, m->tables[a].elem, "table.grow") || !iw__push(c, IW_I32)) return false;
        if (iw__live(c)) iw__emit(c, IW_OP_TABLE_GROW, 1, iw__pair(iw__slot(c, c->nvals - 1), a));
        break;
    case 16: /* table.size */
        if (!iw__table_index(c, &a) || !iw__push(c, IW_I32)) return false;
        if (iw__live(c)) iw__emit(c, IW_OP_TABLE_SIZE, 1, iw__pair(iw__slot(c, c->nvals - 1), a));
        break;
    case 17: /* table.fill */
        if (!iw__table_index(c, &a)) return false;
        if (!iw__pop(c, IW_I32, "table.fill") || !iw__pop(c, m->tables[a].elem, "table.fill") || !iw__pop(c, IW_I32, "table.fill")) return false;
        if (iw__live(c)) iw__emit(c, IW_OP_TABLE_FILL, 1, iw__pair(iw__slot(c, c->nvals), a));
        break;
    default:
        return iw_fail_at(c->r, at, "illegal opcode 0xfc %u", sub);
    }
    iw__hist_reset(c);
    return true;
}

/* ---- SIMD (the 0xFD prefix; simd.h) ------------------------------------ */

static bool iw__lane(iw__comp_t *c, uint32_t lanes, uint8_t *lane)
{
    const uint8_t *at = c->r->p;
    if (!iw_read_u8(c->r, lane)) return false;
    if (*lane >= lanes) return iw_fail_at(c->r, at, "invalid lane index %u", *lane);
    return true;
}

static bool iw__simd_memory(iw__comp_t *c, const iw_simd_mem_info_t *mi)
{
    uint32_t offset, mem;
    uint8_t lane = 0;
    if (!iw__memarg(c, mi->align, &offset, &mem)) return false;
    if ((mi->kind == IW_SIMD_LOAD_LANE || mi->kind == IW_SIMD_STORE_LANE) && !iw__lane(c, mi->lanes, &lane))
        return false;
    bool vector_in = mi->kind != IW_SIMD_LOAD;
    if (vector_in && !iw__pop(c, IW_V128, mi->name)) return false;
    if (!iw__pop(c, IW_I32, mi->name)) return false;
    /* the operands' slots before the result's push changes the heights above */
    uint32_t dst = iw__slot(c, c->nvals), vec = vector_in ? iw__slot(c, c->nvals + 1) : dst;
    bool load = mi->kind == IW_SIMD_LOAD || mi->kind == IW_SIMD_LOAD_LANE;
    if (load && !iw__push(c, IW_V128)) return false;
    if (!iw__live(c)) return true;
    if (vector_in) vec = iw__take_slot(c, vec);
    uint32_t addr = iw__take_slot(c, dst);
    iw__mem_select(c, mem);
    if (load) {
        uint32_t pos = iw__emit(c, (iw_op_t)mi->op, 3, iw__pair(dst, addr), (uint64_t)offset, iw__pair(vec, lane));
        iw__hist_dst(c, pos, dst);
    } else {
        iw__emit(c, IW_OP_SIMD_STORE, 3, iw__pair(addr, vec), (uint64_t)offset, iw__pair(mi->bytes, lane));
        iw__hist_reset(c);
    }
    iw__mem_back(c, mem);
    return true;
}

static bool iw__simd_op(iw__comp_t *c, const iw_simd_info_t *si)
{
    static const uint8_t ins[][3] = {
        [IW_SIMD_UN] = { IW_V128 }, [IW_SIMD_BIN] = { IW_V128, IW_V128 },
        [IW_SIMD_TERN] = { IW_V128, IW_V128, IW_V128 }, [IW_SIMD_TEST] = { IW_V128 },
        [IW_SIMD_SHIFT] = { IW_V128, IW_I32 }, [IW_SIMD_SPLAT] = { 0 },
        [IW_SIMD_EXTRACT] = { IW_V128 }, [IW_SIMD_REPLACE] = { IW_V128, 0 },
    };
    static const uint8_t nins[] = { [IW_SIMD_UN] = 1, [IW_SIMD_BIN] = 2, [IW_SIMD_TERN] = 3, [IW_SIMD_TEST] = 1,
                                    [IW_SIMD_SHIFT] = 2, [IW_SIMD_SPLAT] = 1, [IW_SIMD_EXTRACT] = 1,
                                    [IW_SIMD_REPLACE] = 2 };
    uint8_t lane = 0;
    if ((si->kind == IW_SIMD_EXTRACT || si->kind == IW_SIMD_REPLACE) && !iw__lane(c, si->lanes, &lane))
        return false;
    uint8_t in[3];
    uint32_t n = nins[si->kind];
    memcpy(in, ins[si->kind], sizeof in);
    if (si->kind == IW_SIMD_SPLAT) in[0] = si->scalar;
    if (si->kind == IW_SIMD_REPLACE) in[1] = si->scalar;
    uint8_t out = si->kind == IW_SIMD_TEST ? IW_I32 : si->kind == IW_SIMD_EXTRACT ? si->scalar : IW_V128;
    if (!iw__pop_vals(c, in, n, si->name)) return false;
    /* the operands' slots before the result's push changes the heights above */
    uint32_t slot[3], dst = iw__slot(c, c->nvals);
    for (uint32_t k = 0; k < n; k++) slot[k] = iw__slot(c, c->nvals + k);
    if (!iw__push(c, out)) return false;
    if (!iw__live(c)) return true;
    for (uint32_t k = n; k-- > 0;) slot[k] = iw__take_slot(c, slot[k]);
    for (uint32_t k = n; k < 3; k++) slot[k] = slot[0];
    uint32_t pos = iw__emit(c, (iw_op_t)si->op, 3, iw__pair(dst, slot[0]), iw__pair(slot[1], slot[2]), (uint64_t)lane);
    iw__hist_dst(c, pos, dst);
    return true;
}

static bool iw__simd(iw__comp_t *c)
{
    uint32_t sub;
    const uint8_t *at = c->r->p;
    if (!iw_read_u32(c->r, &sub)) return false;
    const iw_simd_mem_info_t *mi = iw_simd_mem_info(sub);
    if (mi) return iw__simd_memory(c, mi);
    const iw_simd_info_t *si = iw_simd_info(sub);
    if (si) return iw__simd_op(c, si);
    const uint8_t *b;
    uint64_t w[2];
    if (sub == 12) { /* v128.const */
        if (!iw_read_bytes(c->r, 16, &b) || !iw__push(c, IW_V128)) return false;
        uint32_t dst;
        if (!iw__live_top(c, &dst)) return true;
        memcpy(w, b, 16);
        uint32_t pos = iw__emit(c, IW_OP_CONST128, 3, iw__pair(dst, 0), w[0], w[1]);
        iw__hist_dst(c, pos, dst);
        return true;
    }
    if (sub == 13) { /* i8x16.shuffle */
        const uint8_t *lanes_at = c->r->p;
        if (!iw_read_bytes(c->r, 16, &b)) return false;
        for (int i = 0; i < 16; i++)
            if (b[i] >= 32) return iw_fail_at(c->r, lanes_at + i, "invalid lane index %u", b[i]);
        if (!iw__pop(c, IW_V128, "i8x16.shuffle") || !iw__pop(c, IW_V128, "i8x16.shuffle") || !iw__push(c, IW_V128))
            return false;
        uint32_t dst;
        if (!iw__live_top(c, &dst)) return true;
        memcpy(w, b, 16);
        uint32_t sb = iw__take_slot(c, iw__slot(c, c->nvals));
        uint32_t sa = iw__take_slot(c, dst);
        uint32_t pos = iw__emit(c, IW_OP_SHUFFLE, 4, iw__pair(dst, sa), iw__pair(sb, 0), w[0], w[1]);
        iw__hist_dst(c, pos, dst);
        return true;
    }
    /* 0x100-0x113: the relaxed SIMD proposal (WebAssembly 3.0) */
    if (sub >= 0x100 && sub <= 0x113)
        return iw_unsupported(c->r, at, IW_PROP_RELAXED_SIMD, "opcode 0xfd %u", sub);
    return iw_fail_at(c->r, at, "illegal opcode 0xfd %u", sub);
}

/* return_call and return_call_indirect: the callee's results are the
 * function's results, exactly (WebAssembly 3.0 has no subtyping among
 * the types the engine knows). */
static bool iw__tail_results(iw__comp_t *c, const iw_functype_t *t, const char *where)
{
    const iw__ctrl_t *fn = &c->ctrls[0];
    if (t->nresults != fn->nresults || (t->nresults && memcmp(t->results, fn->results, t->nresults) != 0))
        return iw_fail(c->r, "type mismatch in %s: the callee's results are not the function's", where);
    return true;
}

/* After a tail call: the rest of the block is dead. A tail call that
 * reaches a host function (RETURN_CALL_IMPORT, RETURN_CALL_INDIRECT) calls
 * it as CALL would and goes on at the RETURN emitted right after it, which
 * returns the host's results from the call's base slot. */
static void iw__tail_end(iw__comp_t *c, bool host_possible, uint32_t base, const iw_functype_t *t)
{
    if (host_possible && iw__live(c)) {
        uint32_t nslots = 0;
        for (uint32_t i = 0; i < t->nresults; i++) nslots += iw__width(t->results[i]);
        iw__emit(c, IW_OP_RETURN, 1, iw__pair(base, nslots));
    }
    iw__hist_reset(c);
    iw__top(c)->unreachable = true;
    c->nvals = iw__top(c)->height;
}

static bool iw__call(iw__comp_t *c, uint32_t f, bool tail)
{
    iw_module_t *m = c->m;
    const iw_functype_t *t = iw_func_type(m, f);
    const char *where = tail ? "return_call" : "call";
    if (!iw__pop_vals(c, t->params, t->nparams, where)) return false;
    if (tail && !iw__tail_results(c, t, where)) return false;
    uint32_t base = iw__slot(c, c->nvals);
    if (!iw__push_vals(c, t->results, t->nresults)) return false;
    bool import = f < m->nimported_funcs;
    if (iw__live(c)) {
        if (import) iw__emit(c, tail ? IW_OP_RETURN_CALL_IMPORT : IW_OP_CALL_IMPORT, 2, (uint64_t)f, (uint64_t)base);
        else iw__emit(c, tail ? IW_OP_RETURN_CALL : IW_OP_CALL, 2,
                      (uint64_t)(uintptr_t)&m->codes[f - m->nimported_funcs], (uint64_t)base);
    }
    if (tail) iw__tail_end(c, import, base, t);
    else iw__hist_reset(c);
    return true;
}

static bool iw__call_indirect(iw__comp_t *c, bool tail)
{
    iw_module_t *m = c->m;
    uint32_t ti, table;
    const char *where = tail ? "return_call_indirect" : "call_indirect";
    const uint8_t *at = c->r->p;
    if (!iw_read_u32(c->r, &ti)) return false;
    if (!iw_read_u32(c->r, &table)) return false;
    if (ti >= m->ntypes) return iw_fail_at(c->r, at, "unknown type %u", ti);
    if (table >= m->ntables) return iw_fail_at(c->r, at, "unknown table %u", table);
    if (m->tables[table].elem != IW_FUNCREF) return iw_fail_at(c->r, at, "type mismatch: %s needs a funcref table", where);
    const iw_functype_t *t = &m->types[ti];
    if (!iw__pop(c, IW_I32, where) || !iw__pop_vals(c, t->params, t->nparams, where)) return false;
    if (tail && !iw__tail_results(c, t, where)) return false;
    uint32_t base = iw__slot(c, c->nvals);
    if (!iw__push_vals(c, t->results, t->nresults)) return false;
    if (iw__live(c))
        iw__emit(c, tail ? IW_OP_RETURN_CALL_INDIRECT : IW_OP_CALL_INDIRECT, 2, iw__pair(table, base), (uint64_t)(uintptr_t)t);
    if (tail) iw__tail_end(c, true, base, t);
    else iw__hist_reset(c);
    return true;
}

static bool iw__label(iw__comp_t *c, uint32_t *depth)
{
    const uint8_t *at = c->r->p;
    if (!iw_read_u32(c->r, depth)) return false;
    if (*depth >= c->nctrls) return iw_fail_at(c->r, at, "unknown label %u", *depth);
    return true;
}

static bool iw__br_table(iw__comp_t *c)
{
    uint32_t n;
    if (!iw_read_count(c->r, IW_MAX_BR_TABLE, "br_table targets", &n)) return false;
    uint32_t *depths = malloc(((size_t)n + 1) * sizeof *depths);
    if (!depths) return iw__oom(c);
    bool ok = true;
    for (uint32_t i = 0; i <= n && ok; i++) ok = iw__label(c, &depths[i]);
    if (ok) ok = iw__pop(c, IW_I32, "br_table");
    iw__ctrl_t *def = ok ? &c->ctrls[c->nctrls - 1 - depths[n]] : NULL;
    uint32_t arity = def ? iw__label_arity(def) : 0;
    /* Every target must take the values on the stack (checked on a scratch
     * copy, since unknown types may be refined differently per target). */
    for (uint32_t i = 0; i <= n && ok; i++) {
        iw__ctrl_t *t = &c->ctrls[c->nctrls - 1 - depths[i]];
        if (iw__label_arity(t) != arity) { ok = iw_fail(c->r, "type mismatch: br_table targets have different arities"); break; }
        uint32_t saved = c->nvals;
        for (uint32_t k = arity; k-- > 0 && ok;)
            ok = iw__pop(c, iw__label_types(t)[k], "br_table");
        c->nvals = saved;   /* popping only checked: the stack is unchanged */
    }
    if (ok && iw__live(c)) {
        uint32_t cond = iw__take_slot(c, iw__slot(c, c->nvals));
        uint32_t pos = iw__emit(c, IW_OP_BR_TABLE, 1, iw__pair(cond, n));
        uint32_t src = iw__slot(c, c->nvals - arity), nslots = iw__slots(c, c->nvals - arity, arity);
        bool need_ret = false;
        if (iw__reserve(c, 3 * (n + 1))) {
            for (uint32_t i = 0; i <= n; i++) {
                iw__ctrl_t *t = &c->ctrls[c->nctrls - 1 - depths[i]];
                uint32_t e = c->len;
                uint32_t dst = iw__slot(c, t->height);
                c->code[e].i = 0;
                c->code[e + 1].u = iw__pair(dst, src);
                c->code[e + 2].u = (t->kind != IW__CTRL_FUNC && src != dst) ? nslots : 0;
                c->len += 3;
                if (t->kind == IW__CTRL_FUNC) need_ret = true;
                else iw__target(c, t, e, pos);
            }
            if (need_ret) {
                /* Branches to the function's label return: they share one
                 * RETURN placed right after the table. */
                uint32_t stub = iw__emit(c, IW_OP_RETURN, 1, iw__pair(src, nslots));
                for (uint32_t i = 0; i <= n && !c->oom; i++)
                    if (c->ctrls[c->nctrls - 1 - depths[i]].kind == IW__CTRL_FUNC)
                        c->code[pos + 2 + 3 * i].i = (int64_t)stub - (int64_t)pos;
            }
        }
        iw__hist_reset(c);
    }
    if (ok && def) ok = iw__pop_vals(c, iw__label_types(def), arity, "br_table");
    free(depths);
    if (!ok) return false;
    iw__top(c)->unreachable = true;
    c->nvals = iw__top(c)->height;
    return true;
}

static bool iw__end_frame(iw__comp_t *c, iw__ctrl_t *out)
{
    iw__ctrl_t *f = iw__top(c);
    if (!iw__pop_vals(c, f->results, f->nresults, "end of block")) return false;
    if (c->nvals != f->height) return iw_fail(c->r, "type mismatch: values remain on the stack at the end of the block");
    *out = *f;
    c->nctrls--;
    return true;
}

/* Reads a local index: its type, and *x becomes its slot. */
static uint8_t iw__local_type(iw__comp_t *c, uint32_t *x)
{
    const uint8_t *at = c->r->p;
    if (!iw_read_u32(c->r, x)) return 0;
    if (*x >= c->nlocals) { iw_fail_at(c->r, at, "unknown local %u", *x); return 0; }
    uint8_t t = c->locals[*x];
    *x = c->local_slots[*x];
    return t;
}

/* local.set / local.tee x: retarget the producer of the value when it was
 * the instruction just emitted, else copy. */
static void iw__emit_local_set(iw__comp_t *c, uint32_t x, bool tee, uint8_t type)
{
    uint32_t top = iw__slot(c, c->nvals - (tee ? 1 : 0));
    iw_op_t copy = type == IW_V128 ? IW_OP_COPY128 : IW_OP_COPY;
    iw__hist_t *h = iw__hist_last(c, top);
    if (h) {
        c->code[h->pos + 1].p.lo = x;
        iw__hist_reset(c);
        if (tee) {
            uint32_t pos = iw__emit(c, copy, 1, iw__pair(top, x));
            iw__hist_push(c, (iw__hist_t){ IW__H_COPY, pos, 0, top, x, 0, false, 0 });
        }
        return;
    }
    uint32_t src = tee ? top : iw__take_slot(c, top);
    iw__emit(c, copy, 1, iw__pair(x, src));
    iw__hist_reset(c);
}

/* One instruction. */
static bool iw__instr(iw__comp_t *c, bool *done)
{
    iw_reader_t *r = c->r;
    iw_module_t *m = c->m;
    const uint8_t *at = r->p;
    uint8_t op;
    uint32_t x;
    c->instr_offset = (uint32_t)iw_offset(r);
    /* the body ran out between instructions: its last `end` is missing */
    if (!r->failed && iw_left(r) == 0) return iw_fail(r, "unexpected end of section or function (END opcode expected)");
    if (!iw_read_u8(r, &op)) return false;
    if (iw__live(c)) c->fuel_count++;

    const iw__numinfo_t *ni = iw__numeric_info(op);
    if (ni) return iw__numeric(c, ni);
    if (op >= 0x28 && op <= 0x3E) return iw__memory_op(c, op);

    switch (op) {
    case IW_OPCODE_UNREACHABLE: /* unreachable */
        if (iw__live(c)) iw__emit(c, IW_OP_UNREACHABLE, 0);
        iw__top(c)->unreachable = true;
        c->nvals = iw__top(c)->height;
        return true;
    case IW_OPCODE_NOP: return true; /* nop */
    case IW_OPCODE_BLOCK: case IW_OPCODE_LOOP: case IW_OPCODE_IF: { /* block, loop, if */
        iw_functype_t bt;
        if (!iw__read_blocktype(c, &bt)) return false;
        if (op == IW_OPCODE_IF && !iw__pop(c, IW_I32, "if")) return false;
        if (!iw__pop_vals(c, bt.params, bt.nparams, "block parameters")) return false;
        uint32_t cond_slot = iw__slot(c, c->nvals + bt.nparams);
        bool live = iw__live(c);
        uint32_t site = 0, base = 0;
        if (op == IW_OPCODE_IF && live) iw__emit_cond_br(c, cond_slot, false, false, &site, &base);
        /* The params go back on the stack, now inside the new frame. */
        if (!iw__push_vals(c, bt.params, bt.nparams)) return false;
        if (!iw__push_ctrl(c, op == IW_OPCODE_BLOCK ? IW__CTRL_BLOCK : op == IW_OPCODE_LOOP ? IW__CTRL_LOOP : IW__CTRL_IF, &bt)) return false;
        iw__ctrl_t *f = iw__top(c);
        if (op == IW_OPCODE_IF && live) { f->else_site = site; f->else_base = base; f->if_block = c->fuel_block; }
        if (op == IW_OPCODE_LOOP && live) {
            iw__fuel_open(c, IW_OP_LOOP);
            f->loop_pos = c->fuel_site - 1;
        }
        return true;
    }
    case IW_OPCODE_ELSE: { /* else */
        iw__ctrl_t *f = iw__top(c);
        if (f->kind != IW__CTRL_IF) return iw_fail_at(r, at, "else without a matching if");
        if (!iw__pop_vals(c, f->results, f->nresults, "else")) return false;
        if (c->nvals != f->height) return iw_fail_at(r, at, "type mismatch: values remain on the stack before else");
        if (iw__live(c)) {
            /* the then-arm's results are already in place: jump to the end */
            uint32_t pos = iw__emit(c, IW_OP_BR, 1, (uint64_t)0);
            iw__target(c, f, pos + 1, pos);
        }
        if (f->else_site != IW__NONE && !c->oom) {
            c->code[f->else_site].i = (int64_t)c->len - (int64_t)f->else_base;
            f->else_site = IW__NONE;
        }
        iw__hist_reset(c);
        if (f->live) iw__fuel_open(c, IW_OP_FUEL);
        f->kind = IW__CTRL_ELSE;
        f->unreachable = false;
        return iw__push_vals(c, f->params, f->nparams);
    }
    case IW_OPCODE_END: { /* end */
        iw__ctrl_t f = { 0 };
        if (iw__top(c)->kind == IW__CTRL_IF && (iw__top(c)->nparams != iw__top(c)->nresults ||
            (iw__top(c)->nresults && memcmp(iw__top(c)->params, iw__top(c)->results, iw__top(c)->nresults) != 0)))
            return iw_fail_at(r, at, "type mismatch: if without else must leave its parameters unchanged");
        if (!iw__end_frame(c, &f)) return false;
        if (f.kind == IW__CTRL_FUNC) {
            if (f.live && !f.unreachable) iw__emit_return(c, iw__slot(c, 0), f.nresults, iw__slots(c, 0, f.nresults));
            iw__fuel_close(c);
            *done = true;
            return true;
        }
        if (f.else_site != IW__NONE && !c->oom) c->code[f.else_site].i = (int64_t)c->len - (int64_t)f.else_base;
        /* paths from other blocks merge here, or only branches reach it: a
         * new block with its own charge */
        bool merge = f.live && (iw__needs_merge(c, &f) || (f.unreachable && f.edge_block != IW__NONE));
        iw__bind(c, &f);
        if (merge) iw__fuel_open(c, IW_OP_FUEL);
        return iw__push_vals(c, f.results, f.nresults);
    }
    case IW_OPCODE_BR: { /* br */
        if (!iw__label(c, &x)) return false;
        iw__ctrl_t *t = &c->ctrls[c->nctrls - 1 - x];
        if (!iw__pop_vals(c, iw__label_types(t), iw__label_arity(t), "br")) return false;
        if (iw__live(c)) {
            c->nvals += iw__label_arity(t); /* the values are still there for the move */
            iw__emit_br(c, t);
            c->nvals -= iw__label_arity(t);
        }
        iw__top(c)->unreachable = true;
        c->nvals = iw__top(c)->height;
        return true;
    }
    case IW_OPCODE_BR_IF: { /* br_if */
        if (!iw__label(c, &x)) return false;
        iw__ctrl_t *t = &c->ctrls[c->nctrls - 1 - x];
        uint32_t n = iw__label_arity(t);
        if (!iw__pop(c, IW_I32, "br_if")) return false;
        uint32_t cond = iw__slot(c, c->nvals);
        if (!iw__pop_vals(c, iw__label_types(t), n, "br_if") || !iw__push_vals(c, iw__label_types(t), n)) return false;
        if (!iw__live(c)) return true;
        uint32_t src = iw__slot(c, c->nvals - n), dst = iw__slot(c, t->height), nslots = iw__slots(c, c->nvals - n, n);
        if (t->kind == IW__CTRL_FUNC) {
            /* br_if to the function label: skip a RETURN when false. */
            uint32_t site, base;
            iw__emit_cond_br(c, cond, false, false, &site, &base);
            iw__emit(c, IW_OP_RETURN, 1, iw__pair(src, nslots));
            if (!c->oom) c->code[site].i = (int64_t)c->len - (int64_t)base;
        } else if (n && src != dst) {
            uint32_t cs = iw__take_slot(c, cond);
            uint32_t pos = iw__emit(c, IW_OP_BRNZ_MOVE, 4, iw__pair(cs, 0), (uint64_t)0, iw__pair(dst, src), (uint64_t)nslots);
            iw__target(c, t, pos + 2, pos);
        } else {
            uint32_t site, base;
            iw__emit_cond_br(c, cond, true, t->kind == IW__CTRL_LOOP, &site, &base);
            iw__target(c, t, site, base);
        }
        iw__hist_reset(c);
        return true;
    }
    case IW_OPCODE_BR_TABLE: return iw__br_table(c);
    case IW_OPCODE_RETURN: { /* return */
        iw__ctrl_t *t = &c->ctrls[0];
        if (!iw__pop_vals(c, t->results, t->nresults, "return")) return false;
        if (iw__live(c)) iw__emit_return(c, iw__slot(c, c->nvals), t->nresults, iw__slots(c, c->nvals, t->nresults));
        iw__top(c)->unreachable = true;
        c->nvals = iw__top(c)->height;
        return true;
    }
    case IW_OPCODE_CALL:
        if (!iw_read_u32(r, &x)) return false;
        if (x >= m->nfuncs) return iw_fail_at(r, at, "unknown function %u", x);
        return iw__call(c, x, false);
    case IW_OPCODE_CALL_INDIRECT: return iw__call_indirect(c, false);
    case IW_OPCODE_RETURN_CALL:
        if (!iw_read_u32(r, &x)) return false;
        if (x >= m->nfuncs) return iw_fail_at(r, at, "unknown function %u", x);
        return iw__call(c, x, true);
    case IW_OPCODE_RETURN_CALL_INDIRECT: return iw__call_indirect(c, true);
    case IW_OPCODE_DROP: /* drop */
        return iw__pop(c, IW__UNKNOWN, "drop");
    case IW_OPCODE_SELECT: case IW_OPCODE_SELECT_T: { /* select, select t */
        uint8_t t = IW__UNKNOWN, t1, t2;
        if (op == IW_OPCODE_SELECT_T) {
            uint32_t n;
            if (!iw_read_u32(r, &n)) return false;
            if (n != 1) return iw_fail_at(r, at, "invalid result arity for select");
            if (!iw_read_valtype(r, &t)) return false;
        }
        if (!iw__pop(c, IW_I32, "select") || !iw__pop_any(c, t, &t1, "select") || !iw__pop_any(c, t, &t2, "select"))
            return false;
        if (op == IW_OPCODE_SELECT) {
            bool num1 = t1 == IW__UNKNOWN || t1 == IW_I32 || t1 == IW_I64 || t1 == IW_F32 || t1 == IW_F64 || t1 == IW_V128;
            bool num2 = t2 == IW__UNKNOWN || t2 == IW_I32 || t2 == IW_I64 || t2 == IW_F32 || t2 == IW_F64 || t2 == IW_V128;
            if (!num1 || !num2) return iw_fail_at(r, at, "type mismatch: select without a type needs numeric operands");
            if (t1 && t2 && t1 != t2) return iw_fail_at(r, at, "type mismatch in select");
            t = t1 ? t1 : t2;
        }
        if (!iw__push(c, t)) return false;
        uint32_t dst;
        if (!iw__live_top(c, &dst)) return true;
        uint32_t cond = iw__take_slot(c, iw__slot(c, c->nvals + 1));
        uint32_t b = iw__take_slot(c, iw__slot(c, c->nvals));
        uint32_t a = iw__take_slot(c, dst);
        uint32_t pos = iw__emit(c, t == IW_V128 ? IW_OP_SELECT128 : IW_OP_SELECT, 2, iw__pair(dst, cond), iw__pair(a, b));
        iw__hist_dst(c, pos, dst);
        return true;
    }
    case IW_OPCODE_LOCAL_GET: { /* local.get */
        uint8_t t = iw__local_type(c, &x);
        if (!t || !iw__push(c, t)) return false;
        uint32_t dst;
        if (!iw__live_top(c, &dst)) return true;
        uint32_t pos = iw__emit(c, t == IW_V128 ? IW_OP_COPY128 : IW_OP_COPY, 1, iw__pair(dst, x));
        iw__hist_push(c, (iw__hist_t){ IW__H_COPY, pos, 0, dst, x, 0, false, 0 });
        return true;
    }
    case IW_OPCODE_LOCAL_SET: case IW_OPCODE_LOCAL_TEE: { /* local.set, local.tee */
        uint8_t t = iw__local_type(c, &x);
        if (!t || !iw__pop(c, t, "local.set")) return false;
        if (op == IW_OPCODE_LOCAL_TEE && !iw__push(c, t)) return false;
        if (iw__live(c)) iw__emit_local_set(c, x, op == IW_OPCODE_LOCAL_TEE, t);
        return true;
    }
    case IW_OPCODE_GLOBAL_GET: case IW_OPCODE_GLOBAL_SET: { /* global.get, global.set */
        if (!iw_read_u32(r, &x)) return false;
        if (x >= m->nglobals) return iw_fail_at(r, at, "unknown global %u", x);
        const iw_globaltype_t *g = &m->globals[x];
        if (op == IW_OPCODE_GLOBAL_GET) {
            if (!iw__push(c, g->type)) return false;
            uint32_t dst;
            if (!iw__live_top(c, &dst)) return true;
            uint32_t pos = iw__emit(c, g->type == IW_V128 ? IW_OP_GLOBAL_GET128 : IW_OP_GLOBAL_GET, 1, iw__pair(dst, x));
            iw__hist_dst(c, pos, dst);
            return true;
        }
        if (!g->mutable_) return iw_fail_at(r, at, "global is immutable: global.set %u", x);
        if (!iw__pop(c, g->type, "global.set")) return false;
        if (!iw__live(c)) return true;
        uint32_t src = iw__take_slot(c, iw__slot(c, c->nvals));
        iw__emit(c, g->type == IW_V128 ? IW_OP_GLOBAL_SET128 : IW_OP_GLOBAL_SET, 1, iw__pair(src, x));
        iw__hist_reset(c);
        return true;
    }
    case IW_OPCODE_TABLE_GET: case IW_OPCODE_TABLE_SET: { /* table.get, table.set */
        if (!iw__table_index(c, &x)) return false;
        uint8_t et = m->tables[x].elem;
        if (op == IW_OPCODE_TABLE_GET) {
            if (!iw__pop(c, IW_I32, "table.get") || !iw__push(c, et)) return false;
            uint32_t dst;
            if (!iw__live_top(c, &dst)) return true;
            iw__emit(c, IW_OP_TABLE_GET, 2, iw__pair(dst, iw__take_slot(c, dst)), (uint64_t)x);
        } else {
            if (!iw__pop(c, et, "table.set") || !iw__pop(c, IW_I32, "table.set")) return false;
            if (!iw__live(c)) return true;
            iw__emit(c, IW_OP_TABLE_SET, 1, iw__pair(iw__slot(c, c->nvals), x));
        }
        iw__hist_reset(c);
        return true;
    }
    case IW_OPCODE_MEMORY_SIZE: case IW_OPCODE_MEMORY_GROW: { /* memory.size, memory.grow */
        uint32_t mem, dst;
        if (!iw__memory_index(c, &mem, true)) return false;
        if (op == IW_OPCODE_MEMORY_GROW && !iw__pop(c, IW_I32, "memory.grow")) return false;
        if (!iw__push(c, IW_I32)) return false;
        if (iw__live_top(c, &dst)) {
            iw__mem_select(c, mem);
            if (op == IW_OPCODE_MEMORY_SIZE) iw__emit(c, IW_OP_MEMORY_SIZE, 1, iw__pair(dst, 0));
            else iw__emit(c, IW_OP_MEMORY_GROW, 1, iw__pair(dst, dst));
            iw__mem_back(c, mem);
            iw__hist_reset(c);
        }
        return true;
    }
    case IW_OPCODE_I32_CONST: case IW_OPCODE_I64_CONST: case IW_OPCODE_F32_CONST: case IW_OPCODE_F64_CONST: { /* constants */
        uint64_t v = 0;
        uint8_t t;
        if (op == IW_OPCODE_I32_CONST) { int32_t s; if (!iw_read_s32(r, &s)) return false; v = (uint32_t)s; t = IW_I32; }
        else if (op == IW_OPCODE_I64_CONST) { int64_t s; if (!iw_read_s64(r, &s)) return false; v = (uint64_t)s; t = IW_I64; }
        else if (op == IW_OPCODE_F32_CONST) { const uint8_t *b; if (!iw_read_bytes(r, 4, &b)) return false;
                               uint32_t u; memcpy(&u, b, 4); v = u; t = IW_F32; }
        else { const uint8_t *b; if (!iw_read_bytes(r, 8, &b)) return false; memcpy(&v, b, 8); t = IW_F64; }
        if (!iw__push(c, t)) return false;
        uint32_t dst;
        if (!iw__live_top(c, &dst)) return true;
        uint32_t pos = iw__emit(c, IW_OP_CONST, 2, iw__pair(dst, 0), v);
        iw__hist_push(c, (iw__hist_t){ IW__H_CONST, pos, 0, dst, 0, v, true, 0 });
        return true;
    }
    case IW_OPCODE_I32_REINTERPRET_F32: case IW_OPCODE_I64_REINTERPRET_F64: case IW_OPCODE_F32_REINTERPRET_I32: case IW_OPCODE_F64_REINTERPRET_I64: { /* reinterpret: same bits, new type */
        static const uint8_t from[4] = { IW_F32, IW_F64, IW_I32, IW_I64 }, to[4] = { IW_I32, IW_I64, IW_F32, IW_F64 };
        if (!iw__pop(c, from[op - IW_OPCODE_I32_REINTERPRET_F32], "reinterpret")) return false;
        iw__hist_reset(c);
        return iw__push(c, to[op - IW_OPCODE_I32_REINTERPRET_F32]);
    }
    case IW_OPCODE_REF_NULL: { /* ref.null t */
        uint8_t t;
        const uint8_t *tat = r->p;
        if (!iw_read_u8(r, &t)) return false;
        if (t != IW_FUNCREF && t != IW_EXTERNREF) {
            if (iw_valtype_proposal(t) != IW_PROP_NONE)
                return iw_unsupported(r, tat, iw_valtype_proposal(t), "heap type 0x%02x", t);
            if (t < 0x40) return iw_unsupported(r, tat, IW_PROP_FUNC_REFS, "heap type %u (a type index)", t);
            return iw_fail_at(r, tat, "malformed reference type");
        }
        if (!iw__push(c, t)) return false;
        uint32_t dst;
        if (!iw__live_top(c, &dst)) return true;
        uint32_t pos = iw__emit(c, IW_OP_CONST, 2, iw__pair(dst, 0), (uint64_t)0);
        iw__hist_push(c, (iw__hist_t){ IW__H_CONST, pos, 0, dst, 0, 0, true, 0 });
        return true;
    }
    case IW_OPCODE_REF_IS_NULL: { /* ref.is_null */
        uint8_t t;
        if (!iw__pop_any(c, IW__UNKNOWN, &t, "ref.is_null")) return false;
        if (t && t != IW_FUNCREF && t != IW_EXTERNREF) return iw_fail_at(r, at, "type mismatch: ref.is_null needs a reference");
        if (!iw__push(c, IW_I32)) return false;
        uint32_t dst;
        if (!iw__live_top(c, &dst)) return true;
        uint32_t pos = iw__emit(c, IW_OP_I64_EQZ_S, 1, iw__pair(dst, iw__take_slot(c, dst)));
        iw__hist_dst(c, pos, dst);
        return true;
    }
    case IW_OPCODE_REF_FUNC: { /* ref.func */
        if (!iw_read_u32(r, &x)) return false;
        if (x >= m->nfuncs) return iw_fail_at(r, at, "unknown function %u", x);
        if (!(m->declared_funcs[x / 8] & (1u << (x % 8))))
            return iw_fail_at(r, at, "undeclared function reference %u", x);
        if (!iw__push(c, IW_FUNCREF)) return false;
        uint32_t dst;
        if (!iw__live_top(c, &dst)) return true;
        uint32_t pos = iw__emit(c, IW_OP_REF_FUNC, 1, iw__pair(dst, x));
        iw__hist_dst(c, pos, dst);
        return true;
    }
    case IW_OPCODE_PREFIX_FC: return iw__prefixed(c);
    case IW_OPCODE_PREFIX_SIMD: return iw__simd(c);
    default:
        if (iw_opcode_proposal(op) != IW_PROP_NONE) return iw_unsupported(r, at, iw_opcode_proposal(op), "opcode 0x%02x", op);
        return iw_fail_at(r, at, "illegal opcode %02x", op);
    }
}

static bool iw__read_locals(iw__comp_t *c)
{
    const iw_functype_t *t = c->type;
    uint32_t ngroups;
    uint64_t total = t->nparams;
    if (!iw_read_u32(c->r, &ngroups)) return false;
    const uint8_t *groups = c->r->p;
    /* First pass: count, so the array is allocated once. */
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        uint8_t vt;
        if (!iw_read_u32(c->r, &n) || !iw_read_valtype(c->r, &vt)) return false;
        total += n;
        if (total > IW_MAX_LOCALS) return iw_fail(c->r, "too many locals");
    }
    c->nlocals = (uint32_t)total;
    c->locals = malloc(total ? total : 1);
    c->local_slots = malloc((total + 1) * sizeof *c->local_slots);
    if (!c->locals || !c->local_slots) return iw__oom(c);
    if (t->nparams) memcpy(c->locals, t->params, t->nparams);
    c->r->p = groups;
    uint32_t k = t->nparams;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        uint8_t vt;
        iw_read_u32(c->r, &n);
        iw_read_valtype(c->r, &vt);
        if (n) memset(c->locals + k, vt, n);
        k += n;
    }
    uint32_t slot = 0;
    for (uint32_t i = 0; i < c->nlocals; i++) {
        c->local_slots[i] = slot;
        slot += iw__width(c->locals[i]);
        if (i + 1 == t->nparams) c->param_slots = slot;
    }
    c->nlocal_slots = slot;
    return true;
}

bool iw_compile_function(iw_module_t *m, uint32_t func_index, iw_reader_t *r, iw_code_t *out)
{
    iw__comp_t c = { .m = m, .r = r, .ops = iw_interp_ops(), .type = iw_func_type(m, func_index),
                     .fuel_site = IW__NONE };
    uint32_t body_offset = (uint32_t)iw_offset(r);
    c.heights = calloc(16, sizeof *c.heights);   /* heights[0] = 0: an empty stack */
    c.heights_cap = 16;
    bool ok = c.heights ? iw__read_locals(&c) : iw__oom(&c);
    if (ok) {
        iw_functype_t ft = *c.type;
        ft.nparams = 0;   /* the function frame starts with an empty stack */
        ok = iw__push_ctrl(&c, IW__CTRL_FUNC, &ft);
    }
    bool done = false;
    while (ok && !done) ok = iw__instr(&c, &done) && !c.oom;
    if (ok && r->p != r->end) ok = iw_fail(r, "section size mismatch: bytes after the function's end");
    if (ok && (uint64_t)c.nlocal_slots + c.max_slots + 1 > IW_MAX_FRAME_SLOTS) ok = iw_fail(r, "function too large");
    if (ok) {
        iw_word_t *code = ifr_arena_alloc(&m->arena, (size_t)c.len * sizeof *code);
        uint32_t *map = ifr_arena_alloc(&m->arena, (size_t)c.nsrcmap * 2 * sizeof *map);
        if (!code || !map) ok = iw__oom(&c);
        else {
            if (c.len) memcpy(code, c.code, (size_t)c.len * sizeof *code);
            if (c.nsrcmap) memcpy(map, c.srcmap, (size_t)c.nsrcmap * 2 * sizeof *map);
            *out = (iw_code_t){ .code = code, .type = c.type, .func_index = func_index,
                                 .nparams = c.param_slots, .nlocals = c.nlocal_slots,
                                 .frame_slots = c.nlocal_slots + c.max_slots + 1,
                                 .fuel = c.entry_fuel, .body_offset = body_offset,
                                 .srcmap = map, .nsrcmap = c.nsrcmap };
        }
    }
    if (!ok && !r->failed) iw_fail(r, "unexpected end of section or function");
    free(c.locals);
    free(c.local_slots);
    free(c.heights);
    free(c.vals);
    free(c.ctrls);
    free(c.code);
    free(c.patches);
    free(c.srcmap);
    return ok;
}

uint32_t iw_code_offset(const iw_code_t *c, uint32_t pos, bool before)
{
    /* the last entry at or before pos (strictly before, for a return address) */
    uint32_t lo = 0, hi = c->nsrcmap;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint32_t p = c->srcmap[2 * mid];
        if (before ? p < pos : p <= pos) lo = mid + 1;
        else hi = mid;
    }
    return lo ? c->srcmap[2 * (lo - 1) + 1] : c->body_offset;
}
