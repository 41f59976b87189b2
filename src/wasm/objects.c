/* Memories, tables and globals: the objects instances own or import, and
 * the host-made ones the embedder creates (iw_memory_new ...). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/config.h"
#include "wasm/numeric.h"
#include "wasm/runtime.h"

/* ---- values --------------------------------------------------------------- */

uint64_t iw_val_bits(iw_val_t v)
{
    switch (v.type) {
    case IW_I32: return (uint32_t)v.of.i32;
    case IW_I64: return (uint64_t)v.of.i64;
    case IW_F32: return iw_f32_bits(v.of.f32);
    case IW_F64: return iw_f64_bits(v.of.f64);
    case IW_FUNCREF: return (uint64_t)(uintptr_t)v.of.funcref;
    case IW_EXTERNREF: return (uint64_t)(uintptr_t)v.of.externref;
    default: return 0;
    }
}

iw_val_t iw_bits_val(uint8_t type, uint64_t bits)
{
    iw_val_t v;
    memset(&v, 0, sizeof v);
    v.type = (iw_valtype_t)type;
    switch (type) {
    case IW_I32: v.of.i32 = (int32_t)(uint32_t)bits; break;
    case IW_I64: v.of.i64 = (int64_t)bits; break;
    case IW_F32: v.of.f32 = iw_f32_from((uint32_t)bits); break;
    case IW_F64: v.of.f64 = iw_f64_from(bits); break;
    case IW_FUNCREF: v.of.funcref = (iw_func_t *)(uintptr_t)bits; break;
    case IW_EXTERNREF: v.of.externref = (void *)(uintptr_t)bits; break;
    }
    return v;
}

uint8_t iw_sig_type(char letter)
{
    switch (letter) {
    case 'i': return IW_I32;
    case 'I': return IW_I64;
    case 'f': return IW_F32;
    case 'F': return IW_F64;
    case 'r': return IW_FUNCREF;
    case 'e': return IW_EXTERNREF;
    case 'v': return IW_V128;
    default: return 0;
    }
}

uint32_t iw_val_store(iw_val_t v, uint64_t *slots)
{
    if (v.type != IW_V128) {
        slots[0] = iw_val_bits(v);
        return 1;
    }
    memcpy(slots, v.of.v128, 16);
    return 2;
}

iw_val_t iw_val_load(uint8_t type, const uint64_t *slots)
{
    if (type != IW_V128) return iw_bits_val(type, slots[0]);
    iw_val_t v;
    memset(&v, 0, sizeof v);
    v.type = IW_V128;
    memcpy(v.of.v128, slots, 16);
    return v;
}

void iw_const_eval_v128(const iw_instance_t *inst, const iw_const_t *c, uint64_t *lo, uint64_t *hi)
{
    if (c->kind == IW_CONST_GLOBAL) {
        *lo = inst->globals[c->index]->value;
        *hi = inst->globals[c->index]->hi;
    } else {
        *lo = c->value;
        *hi = c->hi;
    }
}

static uint64_t iw__const_one(const iw_instance_t *inst, const iw_const_t *c)
{
    switch (c->kind) {
    case IW_CONST_GLOBAL: return inst->globals[c->index]->value;
    case IW_CONST_FUNC: return (uint64_t)(uintptr_t)inst->funcs[c->index];
    default: return c->value;
    }
}

/* i32/i64 add, sub, mul (the decoder let no other opcode through); an i32
 * result is kept zero-extended, as slots hold it. */
static uint64_t iw__const_arith(uint32_t op, uint64_t a, uint64_t b)
{
    switch (op) {
    case 0x6a: return (uint32_t)(a + b);
    case 0x6b: return (uint32_t)(a - b);
    case 0x6c: return (uint32_t)((uint32_t)a * (uint32_t)b);
    case 0x7c: return a + b;
    case 0x7d: return a - b;
    default: return a * b;
    }
}

uint64_t iw_const_eval(const iw_instance_t *inst, const iw_const_t *c)
{
    if (c->kind != IW_CONST_EXPR) return iw__const_one(inst, c);
    /* the decoder checked the depth, the operands' types and that one value remains */
    uint64_t stack[IW_MAX_CONST_DEPTH];
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->index; i++) {
        const iw_const_t *e = &c->expr[i];
        if (e->kind == IW_CONST_ARITH) {
            n--;
            stack[n - 1] = iw__const_arith(e->index, stack[n - 1], stack[n]);
        } else {
            stack[n++] = iw__const_one(inst, e);
        }
    }
    return stack[0];
}

/* ---- memories ------------------------------------------------------------- */

bool iw_memory_init(iw_memory_t *m, uint32_t min, uint32_t max_pages, uint64_t limit_bytes)
{
    memset(m, 0, sizeof *m);
    m->has_max = max_pages != UINT32_MAX;
    m->max_pages = max_pages > IW_MAX_PAGES ? IW_MAX_PAGES : max_pages;
    m->limit_bytes = limit_bytes;
    m->kind = IW_MEM_MALLOC;
    uint64_t bytes = (uint64_t)min * IW_PAGE_SIZE;
    if (bytes > SIZE_MAX || (limit_bytes && bytes > limit_bytes)) return false;
    /* A big memory is a reservation from the start: its pages cost nothing
     * until the guest touches them, and it never moves when it grows. */
    if (bytes > IW_MEMORY_MAP_MIN_BYTES && iw_mapped_adopt(m, bytes)) {
        m->size = bytes;
        return true;
    }
    if (bytes) {
        m->data = calloc(1, (size_t)bytes);
        if (!m->data) return false;
    }
    m->size = bytes;
    return true;
}

void iw_memory_release(iw_memory_t *m)
{
    free(m->dirty);
    m->dirty = NULL;
    if (m->kind == IW_MEM_MALLOC) free(m->data);
    else iw_mapped_release(m);
    m->data = NULL;
    m->size = 0;
}

/* Old size in pages, or -1 when the module's maximum, the embedder's limit
 * or the host refuses. Guest-controlled, so never aborts. */
int64_t iw_memory_try_grow(iw_memory_t *m, uint32_t delta)
{
    uint64_t old_pages = m->size / IW_PAGE_SIZE;
    if (delta == 0) return (int64_t)old_pages;
    uint64_t pages = old_pages + delta;
    uint64_t bytes = pages * IW_PAGE_SIZE;
    if (pages > m->max_pages || bytes > SIZE_MAX) return -1;
    if (m->limit_bytes) {
        uint64_t others = m->owner ? iw_memory_total(m->owner) - m->size : 0;
        if (bytes > m->limit_bytes || others > m->limit_bytes - bytes) return -1;
    }
    if (m->dirty) {
        size_t had = (size_t)(m->size >> IW_DIRTY_BLOCK_SHIFT) + 1, need = (size_t)(bytes >> IW_DIRTY_BLOCK_SHIFT) + 1;
        uint8_t *d = realloc(m->dirty, need);
        if (!d) return -1;
        memset(d + had, 0, need - had);
        m->dirty = d;
    }
    if (m->kind == IW_MEM_MAPPED) {
        if (!iw_mapped_grow(m, bytes)) return -1;
    } else if (bytes <= IW_MEMORY_MAP_MIN_BYTES || !iw_mapped_adopt(m, bytes)) {
        /* a heap block: small, or no reservations on this platform */
        uint8_t *p = realloc(m->data, (size_t)bytes);
        if (!p) return -1;
        memset(p + m->size, 0, (size_t)(bytes - m->size));
        m->data = p;
    }
    m->size = bytes;
    return (int64_t)old_pages;
}

iw_memory_t *iw_memory_new(uint32_t min_pages, uint32_t max_pages)
{
    if (min_pages > IW_MAX_PAGES || (max_pages != UINT32_MAX && max_pages < min_pages)) return NULL;
    iw_memory_t *m = malloc(sizeof *m);
    if (!m) return NULL;
    if (!iw_memory_init(m, min_pages, max_pages, 0)) { free(m); return NULL; }
    return m;
}

void iw_memory_free(iw_memory_t *m)
{
    if (!m) return;
    iw_memory_release(m);
    free(m);
}

uint8_t *iw_memory_data(iw_memory_t *m, uint64_t *size_out)
{
    /* the host may write anywhere through this pointer */
    if (m) iw_mark_dirty(m, 0, m->size);
    if (size_out) *size_out = m ? m->size : 0;
    return m ? m->data : NULL;
}

uint64_t iw_memory_total(const iw_instance_t *inst)
{
    uint64_t total = inst->own_memory ? inst->own_memory->size : 0;
    for (uint32_t i = 0; i < inst->nmore_memories; i++) total += inst->more_memories[i].size;
    return total;
}

int iw_memory_grow(iw_memory_t *m, uint32_t delta_pages)
{
    return m ? (int)iw_memory_try_grow(m, delta_pages) : -1;
}

/* ---- tables --------------------------------------------------------------- */

bool iw_table_init(iw_table_t *t, uint8_t elem, uint32_t min, uint32_t max)
{
    memset(t, 0, sizeof *t);
    t->elem = elem;
    t->max = max;
    if (min > IW_MAX_TABLE_SIZE) return false;
    t->items = calloc(min ? min : 1, sizeof *t->items);
    if (!t->items) return false;
    t->size = min;
    return true;
}

int64_t iw_table_grow(iw_table_t *t, uint32_t delta, uint64_t init)
{
    uint64_t old = t->size, n = old + delta;
    if (delta == 0) return (int64_t)old;
    if (n > t->max || n > IW_MAX_TABLE_SIZE) return -1;
    uint64_t *p = realloc(t->items, (size_t)n * sizeof *p);
    if (!p) return -1;
    for (uint64_t i = old; i < n; i++) p[i] = init;
    t->items = p;
    t->size = (uint32_t)n;
    return (int64_t)old;
}

void iw_table_release(iw_table_t *t)
{
    for (uint32_t i = 0; i < t->nkept; i++) iw_instance_free(t->kept[i]);
    free(t->kept);
    free(t->items);
    t->kept = NULL;
    t->items = NULL;
}

iw_table_t *iw_table_new(iw_valtype_t elem, uint32_t min, uint32_t max)
{
    if ((elem != IW_FUNCREF && elem != IW_EXTERNREF) || max < min) return NULL;
    iw_table_t *t = malloc(sizeof *t);
    if (!t) return NULL;
    if (!iw_table_init(t, (uint8_t)elem, min, max)) { free(t); return NULL; }
    return t;
}

void iw_table_free(iw_table_t *t)
{
    if (!t) return;
    iw_table_release(t);
    free(t);
}

/* ---- globals -------------------------------------------------------------- */

static void iw__global_store(iw_global_t *g, iw_val_t v)
{
    uint64_t s[2] = { 0, 0 };
    iw_val_store(v, s);
    g->value = s[0];
    g->hi = s[1];
}

iw_global_t *iw_global_new(iw_val_t value, bool mutable_)
{
    switch (value.type) {
    case IW_I32: case IW_I64: case IW_F32: case IW_F64: case IW_FUNCREF: case IW_EXTERNREF: case IW_V128: break;
    default: return NULL;
    }
    iw_global_t *g = malloc(sizeof *g);
    if (!g) return NULL;
    iw__global_store(g, value);
    g->type = (uint8_t)value.type;
    g->mutable_ = mutable_;
    return g;
}

void iw_global_free(iw_global_t *g) { free(g); }

iw_val_t iw_global_get(const iw_global_t *g)
{
    uint64_t s[2] = { g->value, g->hi };
    return iw_val_load(g->type, s);
}

int iw_global_set(iw_global_t *g, iw_val_t v)
{
    if (!g->mutable_ || v.type != g->type) return -1;
    iw__global_store(g, v);
    return 0;
}
