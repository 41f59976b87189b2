/* Module decoding and validation of everything outside function bodies
 * (those go to compile.c as the code section is read). One pass over the
 * bytes; the first problem becomes the iw_error_t. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/compile.h"
#include "wasm/config.h"
#include "wasm/module.h"
#include "wasm/ops.h"
#include "wasm/proposals.h"

/* The rank of each section id in the required order (custom sections, id 0,
 * may appear anywhere). Data count (12) sits between element and code. */
static int iw__section_rank(uint8_t id)
{
    static const int rank[13] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10 };
    return id <= 12 ? rank[id] : -1;
}

typedef struct {
    iw_module_t *m;
    iw_reader_t *r;
    uint32_t ndefined_funcs;        /* from the function section */
    bool seen_funcs, seen_code;
    bool code_count_mismatch;       /* reported once every section is read */
} iw__decoder_t;

static void *iw__alloc(iw__decoder_t *d, size_t count, size_t size)
{
    void *p = ifr_arena_calloc(&d->m->arena, count ? count : 1, size);
    if (!p) iw_fail(d->r, "out of memory while loading the module");
    return p;
}

static const char *iw__dup_name(iw__decoder_t *d, const uint8_t *p, uint32_t len)
{
    char *s = ifr_arena_strndup(&d->m->arena, (const char *)p, len);
    if (!s) iw_fail(d->r, "out of memory while loading the module");
    return s;
}

bool iw_read_valtype(iw_reader_t *r, uint8_t *out)
{
    const uint8_t *at = r->p;
    if (!iw_read_u8(r, out)) return false;
    switch (*out) {
    case IW_I32: case IW_I64: case IW_F32: case IW_F64: case IW_FUNCREF: case IW_EXTERNREF: case IW_V128:
        return true;
    default:
        if (iw_valtype_proposal(*out) != IW_PROP_NONE)
            return iw_unsupported(r, at, iw_valtype_proposal(*out), "value type 0x%02x", *out);
        return iw_fail_at(r, at, "malformed value type 0x%02x", *out);
    }
}

static bool iw__read_reftype(iw_reader_t *r, uint8_t *out)
{
    const uint8_t *at = r->p;
    if (!iw_read_u8(r, out)) return false;
    if (*out != IW_FUNCREF && *out != IW_EXTERNREF) {
        if (iw_valtype_proposal(*out) != IW_PROP_NONE)
            return iw_unsupported(r, at, iw_valtype_proposal(*out), "reference type 0x%02x", *out);
        return iw_fail_at(r, at, "malformed reference type 0x%02x", *out);
    }
    return true;
}

static bool iw__read_limits(iw_reader_t *r, iw_decl_limits_t *lim)
{
    uint8_t flags;
    const uint8_t *at = r->p;
    if (!iw_read_u8(r, &flags)) return false;
    /* the flags are a one-byte LEB128 number: a continuation bit makes it
     * too long, a value above 1 too large (the reference's wording) */
    if (flags & 0x80) return iw_fail_at(r, at, "malformed limits flags 0x%02x (integer representation too long)", flags);
    if (flags == 4 || flags == 5) return iw_unsupported(r, at, IW_PROP_MEMORY64, "64-bit limits, flags 0x%02x", flags);
    if (flags > 1) return iw_fail_at(r, at, "malformed limits flags 0x%02x (integer too large)", flags);
    if (!iw_read_u32_not_u64(r, &lim->min, "limit")) return false;
    lim->has_max = flags == 1;
    lim->max = UINT32_MAX;
    if (lim->has_max && !iw_read_u32_not_u64(r, &lim->max, "limit")) return false;
    if (lim->has_max && lim->min > lim->max)
        return iw_fail_at(r, at, "size minimum must not be greater than maximum");
    return true;
}

static bool iw__read_memtype(iw_reader_t *r, iw_decl_limits_t *lim)
{
    const uint8_t *at = r->p;
    if (!iw__read_limits(r, lim)) return false;
    if (lim->min > IW_MAX_PAGES || (lim->has_max && lim->max > IW_MAX_PAGES))
        return iw_fail_at(r, at, "memory size must be at most 65536 pages (4GiB)");
    return true;
}

static bool iw__read_tabletype(iw_reader_t *r, iw_tabletype_t *t)
{
    return iw__read_reftype(r, &t->elem) && iw__read_limits(r, &t->lim);
}

static bool iw__read_globaltype(iw_reader_t *r, iw_globaltype_t *g)
{
    uint8_t mut;
    if (!iw_read_valtype(r, &g->type)) return false;
    const uint8_t *at = r->p;
    if (!iw_read_u8(r, &mut)) return false;
    if (mut > 1) return iw_fail_at(r, at, "malformed mutability 0x%02x", mut);
    g->mutable_ = mut == 1;
    return true;
}

/* Whether op is an instruction of WebAssembly 2.0 (0xFC and 0xFD prefix
 * others), so that a constant expression holding anything else is
 * malformed ("illegal opcode") rather than invalid. */
static bool iw__is_opcode(uint32_t op)
{
    switch (op) {
#define IW__X(code, N, ...) case (code):
    IW_OTHER_OPCODES(IW__X)
    IW_LOAD_OPS(IW__X)
    IW_STORE_OPS(IW__X)
#undef IW__X
        return true;
    default:
#define IW__X(code, ...) || op == (code)
        return false IW_NUMERIC_OPS(IW__X);
#undef IW__X
    }
}

/* One constant instruction (op, already read) and its immediate into c;
 * *got is its type. Anything else is not constant. */
static bool iw__read_const_instr(iw__decoder_t *d, uint8_t op, const uint8_t *at, uint32_t nglobals, iw_const_t *c,
                                 uint8_t *got)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    switch (op) {
    case IW_OPCODE_I32_CONST: { int32_t v; if (!iw_read_s32(r, &v)) return false; c->value = (uint32_t)v; *got = IW_I32; return true; }
    case IW_OPCODE_I64_CONST: { int64_t v; if (!iw_read_s64(r, &v)) return false; c->value = (uint64_t)v; *got = IW_I64; return true; }
    case IW_OPCODE_F32_CONST: { const uint8_t *b; if (!iw_read_bytes(r, 4, &b)) return false;
                 uint32_t v; memcpy(&v, b, 4); c->value = v; *got = IW_F32; return true; }
    case IW_OPCODE_F64_CONST: { const uint8_t *b; if (!iw_read_bytes(r, 8, &b)) return false;
                 memcpy(&c->value, b, 8); *got = IW_F64; return true; }
    case IW_OPCODE_REF_NULL: return iw__read_reftype(r, got);
    case IW_OPCODE_PREFIX_SIMD: { /* v128.const is the one constant SIMD instruction */
        uint32_t sub;
        const uint8_t *b;
        if (!iw_read_u32(r, &sub)) return false;
        if (sub != 12) return iw_fail_at(r, at, "constant expression required (opcode 0xfd %u)", sub);
        if (!iw_read_bytes(r, 16, &b)) return false;
        memcpy(&c->value, b, 8);
        memcpy(&c->hi, b + 8, 8);
        *got = IW_V128;
        return true;
    }
    case IW_OPCODE_REF_FUNC:
        if (!iw_read_u32(r, &c->index)) return false;
        if (c->index >= m->nfuncs) return iw_fail_at(r, at, "unknown function %u", c->index);
        c->kind = IW_CONST_FUNC;
        m->declared_funcs[c->index / 8] |= (uint8_t)(1u << (c->index % 8));
        *got = IW_FUNCREF;
        return true;
    case IW_OPCODE_GLOBAL_GET:
        if (!iw_read_u32(r, &c->index)) return false;
        /* WebAssembly 3.0 (with GC) lets it read any earlier immutable global */
        if (c->index >= nglobals && c->index < m->nglobals && !m->globals[c->index].mutable_)
            return iw_unsupported(r, at, IW_PROP_GC, "unknown global %u: a constant expression reading a global the module defines",
                                   c->index);
        if (c->index >= nglobals) return iw_fail_at(r, at, "unknown global %u", c->index);
        if (m->globals[c->index].mutable_)
            return iw_fail_at(r, at, "constant expression required (global %u is mutable)", c->index);
        c->kind = IW_CONST_GLOBAL;
        *got = m->globals[c->index].type;
        return true;
    default:
        if (iw_opcode_proposal(op) != IW_PROP_NONE) return iw_unsupported(r, at, iw_opcode_proposal(op), "opcode 0x%02x", op);
        if (!iw__is_opcode(op)) return iw_fail_at(r, at, "illegal opcode %02x", op);
        return iw_fail_at(r, at, "constant expression required (opcode 0x%02x)", op);
    }
}

/* What WebAssembly 2.0, which has no arithmetic in constant expressions,
 * calls an ill-typed expression using it (the 2.0 scripts expect it). */
#define IW__CONST_2_0 "constant expression required before 3.0's extended constant expressions"

/* i32/i64 add, sub and mul: the arithmetic extended constant expressions
 * allow (WebAssembly 3.0); 0 for any other opcode. */
static uint8_t iw__const_arith_type(uint8_t op)
{
    switch (op) {
    case 0x6a: case 0x6b: case 0x6c: return IW_I32;
    case 0x7c: case 0x7d: case 0x7e: return IW_I64;
    default: return 0;
    }
}

/* A constant expression of type `type`. nglobals is how many globals it may
 * read (only imported ones without GC), and they must be immutable. One
 * instruction is stored as itself; a longer expression (extended constant
 * expressions) is validated with a type stack and kept as an EXPR program
 * in the module's arena. */
static bool iw__read_const(iw__decoder_t *d, uint8_t type, uint32_t nglobals, iw_const_t *c)
{
    iw_reader_t *r = d->r;
    const uint8_t *at = r->p;
    uint8_t op, types[IW_MAX_CONST_DEPTH];
    uint32_t depth = 0, n = 0, cap = 0;
    iw_const_t *prog = NULL;     /* from the second instruction on: all of them */
    bool ok = true, arith = false;
    memset(c, 0, sizeof *c);
    while (ok) {
        at = r->p;
        if (!(ok = iw_read_u8(r, &op)) || op == IW_OPCODE_END) break;
        iw_const_t one = { 0 };
        uint8_t t = iw__const_arith_type(op), got = 0;
        if (t) {
            if (depth < 2 || types[depth - 1] != t || types[depth - 2] != t)
                ok = iw_fail_at(r, at, "type mismatch in constant expression (opcode 0x%02x; " IW__CONST_2_0 ")", op);
            one = (iw_const_t){ .kind = IW_CONST_ARITH, .index = op };
            depth--;
            arith = true;
        } else if ((ok = iw__read_const_instr(d, op, at, nglobals, &one, &got))) {
            if (depth == IW_MAX_CONST_DEPTH) ok = iw_fail_at(r, at, "constant expression too deep");
            else types[depth++] = got;
        }
        if (!ok) break;
        if (n == 0) *c = one;
        else {
            if (n + 1 > cap) {
                cap = cap ? cap * 2 : 8;
                iw_const_t *p = realloc(prog, cap * sizeof *p);
                if (!p) { ok = iw_fail(r, "out of memory while loading the module"); break; }
                if (!prog) p[0] = *c;
                prog = p;
            }
            prog[n] = one;
        }
        n++;
    }
    if (ok && n == 0) ok = iw_fail_at(r, at, "type mismatch: empty constant expression");
    if (ok && depth != 1) ok = iw_fail_at(r, at, "type mismatch: constant expression leaves %u values", depth);
    if (ok && types[0] != type)
        ok = iw_fail_at(r, at, "type mismatch in constant expression%s", arith ? " (" IW__CONST_2_0 ")" : "");
    if (ok && n > 1) {
        iw_const_t *e = ifr_arena_alloc(&d->m->arena, n * sizeof *e);
        if (!e) ok = iw_fail(r, "out of memory while loading the module");
        else {
            memcpy(e, prog, n * sizeof *e);
            *c = (iw_const_t){ .kind = IW_CONST_EXPR, .index = n, .expr = e };
        }
    }
    free(prog);
    return ok;
}

static char iw__sig_letter(uint8_t t)
{
    switch (t) {
    case IW_I32: return 'i';
    case IW_I64: return 'I';
    case IW_F32: return 'f';
    case IW_F64: return 'F';
    case IW_FUNCREF: return 'r';
    case IW_V128: return 'v';
    default: return 'e';
    }
}

static bool iw__decode_types(iw__decoder_t *d)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    if (!iw_read_count(r, IW_MAX_TYPES, "types", &m->ntypes)) return false;
    if (!(m->types = iw__alloc(d, m->ntypes, sizeof *m->types))) return false;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        iw_functype_t *t = &m->types[i];
        uint8_t form;
        const uint8_t *at = r->p;
        if (!iw_read_u8(r, &form)) return false;
        if (form == 0x4e || form == 0x4f || form == 0x50 || form == 0x5e || form == 0x5f)
            return iw_unsupported(r, at, IW_PROP_GC, "type form 0x%02x", form);
        if (form != 0x60) return iw_fail_at(r, at, "malformed function type 0x%02x (integer representation too long)", form);
        uint8_t *vt[2];
        uint32_t n[2];
        for (int k = 0; k < 2; k++) {
            if (!iw_read_count(r, k ? IW_MAX_RESULTS : IW_MAX_PARAMS, k ? "results" : "params", &n[k])) return false;
            if (!(vt[k] = iw__alloc(d, n[k], 1))) return false;
            for (uint32_t j = 0; j < n[k]; j++)
                if (!iw_read_valtype(r, &vt[k][j])) return false;
        }
        char *sig = ifr_arena_alloc(&m->arena, n[0] + n[1] + 2);
        if (!sig) return iw_fail(r, "out of memory while loading the module");
        size_t o = 0;
        for (uint32_t j = 0; j < n[0]; j++) sig[o++] = iw__sig_letter(vt[0][j]);
        sig[o++] = ':';
        for (uint32_t j = 0; j < n[1]; j++) sig[o++] = iw__sig_letter(vt[1][j]);
        sig[o] = '\0';
        uint32_t param_slots = 0;
        for (uint32_t j = 0; j < n[0]; j++) param_slots += vt[0][j] == IW_V128 ? 2 : 1;
        *t = (iw_functype_t){ n[0], n[1], vt[0], vt[1], sig, param_slots };
    }
    return true;
}

/* Imports are counted into each index space before the sections that
 * define more, so arrays are sized when the later sections arrive. */
static bool iw__decode_imports(iw__decoder_t *d)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    if (!iw_read_count(r, IW_MAX_IMPORTS, "imports", &m->nimports)) return false;
    if (!(m->imports = iw__alloc(d, m->nimports, sizeof *m->imports))) return false;
    for (uint32_t i = 0; i < m->nimports; i++) {
        iw_import_t *im = &m->imports[i];
        const uint8_t *p;
        uint32_t len;
        uint8_t kind;
        if (!iw_read_name(r, &p, &len) || !(im->module = iw__dup_name(d, p, len))) return false;
        if (!iw_read_name(r, &p, &len) || !(im->name = iw__dup_name(d, p, len))) return false;
        const uint8_t *at = r->p;
        if (!iw_read_u8(r, &kind)) return false;
        switch (kind) {
        case 0:
            if (!iw_read_u32(r, &im->u.func_type)) return false;
            if (im->u.func_type >= m->ntypes) return iw_fail_at(r, at, "unknown type %u", im->u.func_type);
            im->index = m->nimported_funcs++;
            break;
        case 1:
            if (!iw__read_tabletype(r, &im->u.table)) return false;
            im->index = m->nimported_tables++;
            break;
        case 2:
            if (!iw__read_memtype(r, &im->u.memory)) return false;
            im->index = m->nimported_memories++;
            break;
        case 3:
            if (!iw__read_globaltype(r, &im->u.global)) return false;
            im->index = m->nimported_globals++;
            break;
        case 4:
            return iw_unsupported(r, at, IW_PROP_EXCEPTIONS, "a tag import; malformed import kind 0x04 before 3.0");
        default:
            return iw_fail_at(r, at, "malformed import kind 0x%02x", kind);
        }
        im->kind = (iw_extern_kind_t)kind;
    }
    if (m->nimported_memories > IW_MAX_MEMORIES) return iw_fail(r, "too many memories (%u imported)", m->nimported_memories);
    /* Fill the imported parts of the index spaces. */
    m->nfuncs = m->nimported_funcs;
    m->ntables = m->nimported_tables;
    m->nmemories = m->nimported_memories;
    m->nglobals = m->nimported_globals;
    if (!(m->func_types = iw__alloc(d, m->nfuncs, sizeof *m->func_types))) return false;
    if (!(m->tables = iw__alloc(d, m->ntables, sizeof *m->tables))) return false;
    if (!(m->memories = iw__alloc(d, m->nmemories, sizeof *m->memories))) return false;
    if (!(m->globals = iw__alloc(d, m->nglobals, sizeof *m->globals))) return false;
    for (uint32_t i = 0; i < m->nimports; i++) {
        iw_import_t *im = &m->imports[i];
        switch (im->kind) {
        case IW_EXTERN_FUNC: m->func_types[im->index] = im->u.func_type; break;
        case IW_EXTERN_TABLE: m->tables[im->index] = im->u.table; break;
        case IW_EXTERN_MEMORY: m->memories[im->index] = im->u.memory; break;
        case IW_EXTERN_GLOBAL: m->globals[im->index] = im->u.global; break;
        }
    }
    return true;
}

/* Grows an index-space array from its imported part to n entries. */
static void *iw__extend(iw__decoder_t *d, void *old, uint32_t nold, uint32_t n, size_t size)
{
    void *p = iw__alloc(d, n, size);
    if (p && nold) memcpy(p, old, (size_t)nold * size);
    return p;
}

static bool iw__decode_functions(iw__decoder_t *d)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    uint32_t n;
    if (!iw_read_count(r, IW_MAX_FUNCS, "functions", &n)) return false;
    d->ndefined_funcs = n;
    d->seen_funcs = true;
    if (!(m->func_types = iw__extend(d, m->func_types, m->nfuncs, m->nfuncs + n, sizeof(uint32_t)))) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t;
        const uint8_t *at = r->p;
        if (!iw_read_u32(r, &t)) return false;
        if (t >= m->ntypes) return iw_fail_at(r, at, "unknown type %u", t);
        m->func_types[m->nfuncs + i] = t;
    }
    m->nfuncs += n;
    return true;
}

static bool iw__decode_tables(iw__decoder_t *d)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    uint32_t n;
    if (!iw_read_count(r, IW_MAX_TABLES, "tables", &n)) return false;
    if (!(m->tables = iw__extend(d, m->tables, m->ntables, m->ntables + n, sizeof *m->tables))) return false;
    for (uint32_t i = 0; i < n; i++) {
        if (iw_left(r) && *r->p == 0x40)
            return iw_unsupported(r, r->p, IW_PROP_FUNC_REFS, "a table with an initializer");
        if (!iw__read_tabletype(r, &m->tables[m->ntables + i])) return false;
    }
    m->ntables += n;
    return true;
}

static bool iw__decode_memories(iw__decoder_t *d)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    uint32_t n;
    if (!iw_read_count(r, IW_MAX_MEMORIES, "memories", &n)) return false;
    if (m->nmemories + n > IW_MAX_MEMORIES) return iw_fail(r, "too many memories (%u)", m->nmemories + n);
    if (!(m->memories = iw__extend(d, m->memories, m->nmemories, m->nmemories + n, sizeof *m->memories))) return false;
    for (uint32_t i = 0; i < n; i++)
        if (!iw__read_memtype(r, &m->memories[m->nmemories + i])) return false;
    m->nmemories += n;
    return true;
}

static bool iw__decode_globals(iw__decoder_t *d)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    uint32_t n;
    if (!iw_read_count(r, IW_MAX_GLOBALS, "globals", &n)) return false;
    if (!(m->globals = iw__extend(d, m->globals, m->nglobals, m->nglobals + n, sizeof *m->globals))) return false;
    for (uint32_t i = 0; i < n; i++) {
        iw_globaltype_t *g = &m->globals[m->nglobals + i];
        if (!iw__read_globaltype(r, g)) return false;
        if (!iw__read_const(d, g->type, m->nimported_globals, &g->init)) return false;
    }
    m->nglobals += n;
    return true;
}

static uint32_t iw__name_hash(const char *s, uint32_t len)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (uint32_t i = 0; i < len; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

/* Adds export i to an open-addressing set of names (slots hold index + 1);
 * false if an equal name is already there. */
static bool iw__export_name_unique(const iw_module_t *m, uint32_t *set, uint32_t mask, uint32_t i)
{
    const iw_export_t *e = &m->exports[i];
    for (uint32_t k = iw__name_hash(e->name, e->name_len) & mask;; k = (k + 1) & mask) {
        if (!set[k]) { set[k] = i + 1; return true; }
        const iw_export_t *o = &m->exports[set[k] - 1];
        if (o->name_len == e->name_len && memcmp(o->name, e->name, e->name_len) == 0) return false;
    }
}

/* One export entry, checked against the index spaces. */
static bool iw__decode_export(iw__decoder_t *d, iw_export_t *e)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    const uint8_t *p, *at = r->p;
    uint32_t len;
    uint8_t kind;
    if (!iw_read_name(r, &p, &len) || !(e->name = iw__dup_name(d, p, len))) return false;
    e->name_len = len;
    if (!iw_read_u8(r, &kind)) return false;
    if (kind == 4) return iw_unsupported(r, at, IW_PROP_EXCEPTIONS, "a tag export; malformed export kind 0x04 before 3.0");
    if (kind > 3) return iw_fail_at(r, at, "malformed export kind 0x%02x", kind);
    if (!iw_read_u32(r, &e->index)) return false;
    static const char *const what[] = { "function", "table", "memory", "global" };
    uint32_t limit = kind == 0 ? m->nfuncs : kind == 1 ? m->ntables : kind == 2 ? m->nmemories : m->nglobals;
    if (e->index >= limit) return iw_fail_at(r, at, "unknown %s %u", what[kind], e->index);
    e->kind = (iw_extern_kind_t)kind;
    if (kind == 0) m->declared_funcs[e->index / 8] |= (uint8_t)(1u << (e->index % 8));
    return true;
}

static bool iw__decode_exports(iw__decoder_t *d)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    if (!iw_read_count(r, IW_MAX_EXPORTS, "exports", &m->nexports)) return false;
    if (!(m->exports = iw__alloc(d, m->nexports, sizeof *m->exports))) return false;
    uint32_t mask = 15;
    while (mask < 2 * m->nexports) mask = mask * 2 + 1;
    uint32_t *names = calloc((size_t)mask + 1, sizeof *names);
    if (!names) return iw_fail(r, "out of memory while loading the module");
    bool ok = true;
    for (uint32_t i = 0; i < m->nexports && ok; i++) {
        const uint8_t *at = r->p;
        ok = iw__decode_export(d, &m->exports[i]);
        if (ok && !iw__export_name_unique(m, names, mask, i))
            ok = iw_fail_at(r, at, "duplicate export name \"%s\"", m->exports[i].name);
    }
    free(names);
    return ok;
}

static bool iw__decode_start(iw__decoder_t *d)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    uint32_t f;
    const uint8_t *at = r->p;
    if (!iw_read_u32(r, &f)) return false;
    if (f >= m->nfuncs) return iw_fail_at(r, at, "unknown function %u", f);
    const iw_functype_t *t = &m->types[m->func_types[f]];
    if (t->nparams || t->nresults) return iw_fail_at(r, at, "start function must have type [] -> []");
    m->start = f;
    return true;
}

static bool iw__decode_elems(iw__decoder_t *d)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    if (!iw_read_count(r, IW_MAX_SEGMENTS, "element segments", &m->nelems)) return false;
    if (!(m->elems = iw__alloc(d, m->nelems, sizeof *m->elems))) return false;
    for (uint32_t i = 0; i < m->nelems; i++) {
        iw_elem_t *e = &m->elems[i];
        uint32_t flags;
        const uint8_t *at = r->p;
        if (!iw_read_u32(r, &flags)) return false;
        if (flags > 7) return iw_fail_at(r, at, "malformed elements segment kind %u", flags);
        /* bit 0: passive or declarative; bit 1: explicit table (active) or
         * declarative; bit 2: items are expressions rather than indices. */
        e->mode = !(flags & 1) ? IW_SEG_ACTIVE : (flags & 2) ? IW_SEG_DECLARATIVE : IW_SEG_PASSIVE;
        e->type = IW_FUNCREF;
        if (e->mode == IW_SEG_ACTIVE) {
            if ((flags & 2) && !iw_read_u32(r, &e->table)) return false;
            if (e->table >= m->ntables) return iw_fail_at(r, at, "unknown table %u", e->table);
            if (!iw__read_const(d, IW_I32, m->nimported_globals, &e->offset)) return false;
        }
        bool exprs = flags & 4;
        if (flags & 3) {
            if (exprs) {
                if (!iw__read_reftype(r, &e->type)) return false;
            } else {
                uint8_t kind;
                const uint8_t *kat = r->p;
                if (!iw_read_u8(r, &kind)) return false;
                if (kind != 0) return iw_fail_at(r, kat, "malformed element kind 0x%02x", kind);
            }
        }
        if (!iw_read_count(r, IW_MAX_SEGMENT_ITEMS, "segment elements", &e->count)) return false;
        if (!(e->items = iw__alloc(d, e->count, sizeof *e->items))) return false;
        for (uint32_t j = 0; j < e->count; j++) {
            if (exprs) {
                if (!iw__read_const(d, e->type, m->nimported_globals, &e->items[j])) return false;
                continue;
            }
            const uint8_t *fat = r->p;
            uint32_t f;
            if (!iw_read_u32(r, &f)) return false;
            if (f >= m->nfuncs) return iw_fail_at(r, fat, "unknown function %u", f);
            m->declared_funcs[f / 8] |= (uint8_t)(1u << (f % 8));
            e->items[j] = (iw_const_t){ .kind = IW_CONST_FUNC, .index = f };
        }
        if (e->mode == IW_SEG_ACTIVE && m->tables[e->table].elem != e->type)
            return iw_fail_at(r, at, "type mismatch: element segment does not match table %u", e->table);
    }
    return true;
}

static bool iw__decode_code(iw__decoder_t *d)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    uint32_t n;
    if (!iw_read_count(r, IW_MAX_FUNCS, "function bodies", &n)) return false;
    d->seen_code = true;
    /* The reference reads every section before it compares the counts, so
     * a section after this one that is out of order is the error then. */
    if (n != d->ndefined_funcs) {
        d->code_count_mismatch = true;
        r->p = r->end;
        return true;
    }
    if (!(m->codes = iw__alloc(d, n, sizeof *m->codes))) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size;
        const uint8_t *body;
        if (!iw_read_u32(r, &size) || !iw_read_bytes(r, size, &body)) return false;
        iw_reader_t br = { r->base, body, body + size, r->err, false };
        bool ok = iw_compile_function(m, m->nimported_funcs + i, &br, &m->codes[i]);
        if (!ok) { r->failed = true; return false; }
    }
    return true;
}

static bool iw__decode_datas(iw__decoder_t *d)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    if (!iw_read_count(r, IW_MAX_SEGMENTS, "data segments", &m->ndatas)) return false;
    if (m->has_data_count && m->ndatas != m->data_count)
        return iw_fail(r, "data count and data section have inconsistent lengths");
    if (!(m->datas = iw__alloc(d, m->ndatas, sizeof *m->datas))) return false;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        iw_data_t *s = &m->datas[i];
        uint32_t flags;
        const uint8_t *at = r->p;
        if (!iw_read_u32(r, &flags)) return false;
        if (flags > 2) return iw_fail_at(r, at, "malformed data segment kind %u", flags);
        s->mode = flags == 1 ? IW_SEG_PASSIVE : IW_SEG_ACTIVE;
        if (flags == 2 && !iw_read_u32(r, &s->memory)) return false;
        if (s->mode == IW_SEG_ACTIVE) {
            if (s->memory >= m->nmemories) return iw_fail_at(r, at, "unknown memory %u", s->memory);
            if (!iw__read_const(d, IW_I32, m->nimported_globals, &s->offset)) return false;
        }
        const uint8_t *p;
        if (!iw_read_u32(r, &s->len) || !iw_read_bytes(r, s->len, &p)) return false;
        /* Segments are all the module keeps of the binary. */
        uint8_t *copy = iw__alloc(d, s->len, 1);
        if (!copy) return false;
        if (s->len) memcpy(copy, p, s->len);
        s->bytes = copy;
    }
    return true;
}

/* The "name" custom section: only function names are kept. Custom sections
 * cannot make a module invalid, so a malformed one is simply ignored. */
static void iw__decode_names(iw__decoder_t *d, const uint8_t *p, const uint8_t *end)
{
    iw_module_t *m = d->m;
    iw_error_t scratch;
    iw_reader_t r = { d->r->base, p, end, &scratch, false };
    while (r.p < r.end && !r.failed) {
        uint8_t id;
        uint32_t size;
        const uint8_t *sub;
        if (!iw_read_u8(&r, &id) || !iw_read_u32(&r, &size) || !iw_read_bytes(&r, size, &sub)) return;
        if (id != 1) continue;
        iw_reader_t s = { r.base, sub, sub + size, &scratch, false };
        uint32_t n;
        if (!iw_read_u32(&s, &n)) return;
        if (!m->func_names && !(m->func_names = ifr_arena_calloc(&m->arena, m->nfuncs + 1, sizeof(char *)))) return;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t idx, len;
            const uint8_t *name;
            if (!iw_read_u32(&s, &idx) || !iw_read_name(&s, &name, &len)) return;
            if (idx < m->nfuncs) m->func_names[idx] = ifr_arena_strndup(&m->arena, (const char *)name, len);
        }
    }
}

static bool iw__decode_sections(iw__decoder_t *d)
{
    iw_reader_t *r = d->r;
    iw_module_t *m = d->m;
    int last_rank = 0;
    const uint8_t *names = NULL, *names_end = NULL;
    while (r->p < r->end) {
        uint8_t id;
        uint32_t size;
        const uint8_t *at = r->p, *body;
        if (!iw_read_u8(r, &id)) return false;
        int rank = iw__section_rank(id);
        if (id == 13) return iw_unsupported(r, at, IW_PROP_EXCEPTIONS, "the tag section; malformed section id 13 before 3.0");
        if (rank < 0) return iw_fail_at(r, at, "malformed section id %u", id);
        if (!iw_read_u32(r, &size)) return false;
        if (size > iw_left(r)) return iw_fail(r, "section size mismatch: unexpected end (length out of bounds)");
        body = r->p;
        if (id != 0) {
            if (rank <= last_rank) return iw_fail_at(r, at, "unexpected content after last section (section %u out of order)", id);
            last_rank = rank;
        }
        /* Sections are read through a reader bounded by their size. */
        iw_reader_t s = { r->base, body, body + size, r->err, false };
        d->r = &s;
        bool ok = true;
        switch (id) {
        case 0: {
            const uint8_t *name;
            uint32_t len;
            ok = iw_read_name(&s, &name, &len);
            if (ok && len == 4 && memcmp(name, "name", 4) == 0) { names = s.p; names_end = s.end; }
            s.p = s.end;
            break;
        }
        case 1: ok = iw__decode_types(d); break;
        case 2: ok = iw__decode_imports(d); break;
        case 3: ok = iw__decode_functions(d); break;
        case 4: ok = iw__decode_tables(d); break;
        case 5: ok = iw__decode_memories(d); break;
        case 6: ok = iw__decode_globals(d); break;
        case 7: ok = iw__decode_exports(d); break;
        case 8: ok = iw__decode_start(d); break;
        case 9: ok = iw__decode_elems(d); break;
        case 10: ok = iw__decode_code(d); break;
        case 11: ok = iw__decode_datas(d); break;
        case 12: ok = iw_read_u32(&s, &m->data_count); m->has_data_count = ok; break;
        }
        d->r = r;
        if (!ok || s.failed) { r->failed = true; return false; }
        if (s.p != s.end) return iw_fail_at(r, s.p, "section size mismatch");
        r->p = body + size;
        /* The function index space is final once imports and the function
         * section are known; ref.func bookkeeping needs it before exports. */
        if (id == 2 || id == 3) {
            uint8_t *bits = iw__alloc(d, m->nfuncs / 8 + 1, 1);
            if (!bits) return false;
            m->declared_funcs = bits;
        }
    }
    if (d->code_count_mismatch || (d->ndefined_funcs && !d->seen_code))
        return iw_fail(r, "function and code section have inconsistent lengths");
    if (m->has_data_count && m->ndatas != m->data_count && m->data_count)
        return iw_fail(r, "data count and data section have inconsistent lengths");
    if (names) iw__decode_names(d, names, names_end);
    return true;
}

iw_module_t *iw_decode(const uint8_t *bytes, size_t len, iw_error_t *err)
{
    iw_error_t scratch;
    if (!err) err = &scratch;
    memset(err, 0, sizeof *err);
    iw_module_t *m = calloc(1, sizeof *m);
    if (!m) { snprintf(err->message, sizeof err->message, "out of memory"); return NULL; }
    atomic_init(&m->refs, 1);
    ifr_arena_init(&m->arena, 64 * 1024);
    m->start = -1;
    iw_reader_t r = { bytes, bytes, bytes + len, err, false };
    iw__decoder_t d = { m, &r, 0, false, false, false };
    m->declared_funcs = iw__alloc(&d, 1, 1);
    if (!m->declared_funcs) goto fail;
    const uint8_t *magic;
    /* A header cut short is "unexpected end", whatever its bytes, as the
     * reference interpreter reads it. */
    if (!iw_read_bytes(&r, 4, &magic)) goto fail;
    if (memcmp(magic, "\0asm", 4) != 0) { r.p = bytes; iw_fail(&r, "magic header not detected"); goto fail; }
    if (!iw_read_bytes(&r, 4, &magic)) goto fail;
    if (memcmp(magic, "\1\0\0\0", 4) != 0) {
        r.p = bytes + 4;
        iw_fail(&r, "unknown binary version");
        goto fail;
    }
    if (!iw__decode_sections(&d)) goto fail;
    return m;
fail:
    ifr_arena_destroy(&m->arena);
    free(m);
    return NULL;
}

const iw_functype_t *iw_func_type(const iw_module_t *m, uint32_t func)
{
    return &m->types[m->func_types[func]];
}
