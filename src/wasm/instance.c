/* Instantiation: resolving imports, allocating memory, tables and globals,
 * running element and data segments and the start function; exports by
 * name; freeing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/config.h"
#include "wasm/linker.h"
#include "wasm/runtime.h"

static bool iw__link_error(iw_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool iw__link_error(iw_error_t *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->offset = 0;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Limits subtyping for imports: the provided object must be at least as
 * big and, if the import has a maximum, have one no larger. */
static bool iw__limits_match(uint64_t size, uint64_t max, bool has_max, const iw_decl_limits_t *want)
{
    if (size < want->min) return false;
    if (want->has_max && (!has_max || max > want->max)) return false;
    return true;
}

/* Appends text to out (size > 0), cutting it short at the end. */
static void iw__append(char *out, size_t size, size_t *used, const char *text)
{
    size_t n = strlen(text);
    if (n > size - 1 - *used) n = size - 1 - *used;
    memcpy(out + *used, text, n);
    *used += n;
    out[*used] = 0;
}

/* A signature ("ii:i") as the spec writes a function type:
 * "(i32, i32) -> (i32)". */
static const char *iw__sig_text(const char *sig, char *out, size_t size)
{
    static const struct { char letter; const char *name; } names[] = {
        { 'i', "i32" }, { 'I', "i64" }, { 'f', "f32" }, { 'F', "f64" }, { 'r', "funcref" }, { 'e', "externref" },
        { 'v', "v128" },
    };
    size_t used = 0;
    bool first = true;
    out[0] = 0;
    iw__append(out, size, &used, "(");
    for (const char *p = sig; *p; p++) {
        if (*p == ':') {
            iw__append(out, size, &used, ") -> (");
            first = true;
            continue;
        }
        const char *name = "?";
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (names[k].letter == *p) name = names[k].name;
        if (!first) iw__append(out, size, &used, ", ");
        iw__append(out, size, &used, name);
        first = false;
    }
    iw__append(out, size, &used, ")");
    return out;
}

static const char *iw__kind_text(iw_extern_kind_t kind)
{
    switch (kind) {
    case IW_EXTERN_FUNC: return "a function";
    case IW_EXTERN_TABLE: return "a table";
    case IW_EXTERN_MEMORY: return "a memory";
    default: return "a global";
    }
}

static const char *iw__valtype_text(uint8_t type)
{
    switch (type) {
    case IW_I32: return "i32";
    case IW_I64: return "i64";
    case IW_F32: return "f32";
    case IW_F64: return "f64";
    case IW_FUNCREF: return "funcref";
    case IW_EXTERNREF: return "externref";
    case IW_V128: return "v128";
    default: return "?";
    }
}

/* Limits as "min..max" or "min.." into out. */
static const char *iw__limits_text(uint64_t min, uint64_t max, bool has_max, char *out, size_t size)
{
    if (has_max) snprintf(out, size, "%llu..%llu", (unsigned long long)min, (unsigned long long)max);
    else snprintf(out, size, "%llu..", (unsigned long long)min);
    return out;
}

static bool iw__resolve_imports(iw_instance_t *inst, iw_linker_t *l, iw_error_t *err)
{
    iw_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const iw_import_t *im = &m->imports[i];
        const iw_def_t *d = iw_linker_find(l, im->module, im->name);
        if (!d) return iw__link_error(err, "unknown import %s.%s", im->module, im->name);
        if (d->kind != im->kind)
            return iw__link_error(err, "incompatible import type for %s.%s: imported as %s, it is %s", im->module,
                                  im->name, iw__kind_text(im->kind), iw__kind_text(d->kind));
        switch (im->kind) {
        case IW_EXTERN_FUNC: {
            const iw_functype_t *t = &m->types[im->u.func_type];
            /* Compare before the copy below: the copy takes the module's
             * signature string, which would make any comparison pass. */
            const char *have = d->func ? d->func->sig : d->host.sig;
            if (strcmp(have, t->sig) != 0) {
                char want_text[96], have_text[96];
                return iw__link_error(err, "incompatible import type for %s.%s: imported as %s, it is %s",
                                      im->module, im->name, iw__sig_text(t->sig, want_text, sizeof want_text),
                                      iw__sig_text(have, have_text, sizeof have_text));
            }
            iw_func_t *f = d->func;
            if (!f) {
                /* A host function: the instance keeps its own copy, so the
                 * linker may be freed after instantiation; the signature
                 * string it points to is the module's, equal to the host's. */
                f = &inst->own_funcs[im->index];
                *f = d->host;
                f->sig = t->sig;
                f->name = im->name;
            }
            inst->funcs[im->index] = f;
            break;
        }
        case IW_EXTERN_TABLE: {
            iw_table_t *t = d->table;
            const iw_decl_limits_t *want = &im->u.table.lim;
            if (t->elem != im->u.table.elem || !iw__limits_match(t->size, t->max, t->max != UINT32_MAX, want)) {
                char a[48], b[48];
                return iw__link_error(err, "incompatible import type for table %s.%s: imported as %s %s, it is %s %s",
                                      im->module, im->name, iw__limits_text(want->min, want->max, want->has_max, a, sizeof a),
                                      iw__valtype_text(im->u.table.elem),
                                      iw__limits_text(t->size, t->max, t->max != UINT32_MAX, b, sizeof b),
                                      iw__valtype_text(t->elem));
            }
            inst->tables[im->index] = t;
            break;
        }
        case IW_EXTERN_MEMORY: {
            iw_memory_t *mem = d->memory;
            const iw_decl_limits_t *want = &im->u.memory;
            if (!iw__limits_match(mem->size / IW_PAGE_SIZE, mem->max_pages, mem->has_max, want)) {
                char a[48], b[48];
                return iw__link_error(err, "incompatible import type for memory %s.%s: imported as %s pages, it is %s",
                                      im->module, im->name, iw__limits_text(want->min, want->max, want->has_max, a, sizeof a),
                                      iw__limits_text(mem->size / IW_PAGE_SIZE, mem->max_pages, mem->has_max, b, sizeof b));
            }
            inst->memories[im->index] = mem;
            break;
        }
        case IW_EXTERN_GLOBAL: {
            iw_global_t *g = d->global;
            if (g->type != im->u.global.type || g->mutable_ != im->u.global.mutable_)
                return iw__link_error(err, "incompatible import type for global %s.%s: imported as %s%s, it is %s%s",
                                      im->module, im->name, im->u.global.mutable_ ? "mut " : "",
                                      iw__valtype_text(im->u.global.type), g->mutable_ ? "mut " : "",
                                      iw__valtype_text(g->type));
            inst->globals[im->index] = g;
            break;
        }
        }
    }
    return true;
}

static bool iw__alloc_objects(iw_instance_t *inst, iw_error_t *err)
{
    iw_module_t *m = inst->module;
    uint32_t ntab = m->ntables - m->nimported_tables;
    inst->own_tables = calloc(ntab ? ntab : 1, sizeof *inst->own_tables);
    if (!inst->own_tables) return iw__link_error(err, "out of memory");
    for (uint32_t i = 0; i < ntab; i++) {
        const iw_tabletype_t *tt = &m->tables[m->nimported_tables + i];
        if (!iw_table_init(&inst->own_tables[i], tt->elem, tt->lim.min, tt->lim.has_max ? tt->lim.max : UINT32_MAX))
            return iw__link_error(err, "cannot allocate table %u of %u elements", m->nimported_tables + i, tt->lim.min);
        inst->nown_tables = i + 1;
        inst->tables[m->nimported_tables + i] = &inst->own_tables[i];
    }
    /* the embedder's cap bounds all the memories defined here together (one
     * alone over it gets the allocation's own error below) */
    uint64_t limit = inst->limits.max_memory_bytes, initial = 0;
    uint32_t ndefined = m->nmemories - m->nimported_memories;
    for (uint32_t i = m->nimported_memories; i < m->nmemories; i++) initial += (uint64_t)m->memories[i].min * IW_PAGE_SIZE;
    if (limit && initial > limit && ndefined > 1)
        return iw__link_error(err, "the initial sizes of the %u memories defined (%llu bytes together) exceed the memory "
                                   "limit of %llu bytes", ndefined,
                              (unsigned long long)initial, (unsigned long long)limit);
    if (m->nmemories > m->nimported_memories && m->nimported_memories == 0) {
        const iw_decl_limits_t *ml = &m->memories[0];
        inst->own_memory = malloc(sizeof *inst->own_memory);
        if (!inst->own_memory ||
            !iw_memory_init(inst->own_memory, ml->min, ml->has_max ? ml->max : UINT32_MAX, inst->limits.max_memory_bytes)) {
            free(inst->own_memory);
            inst->own_memory = NULL;
            return iw__link_error(err, "cannot allocate memory of %u pages (limit %llu bytes)", ml->min,
                                  (unsigned long long)inst->limits.max_memory_bytes);
        }
        inst->own_memory->owner = inst;
        inst->memories[0] = inst->own_memory;
    }
    /* the other defined memories (multiple memories), under the same cap */
    uint32_t first = iw_first_more_memory(m), nmore = m->nmemories - first;
    if (nmore) {
        inst->more_memories = calloc(nmore, sizeof *inst->more_memories);
        if (!inst->more_memories) return iw__link_error(err, "out of memory");
        for (uint32_t i = 0; i < nmore; i++) {
            const iw_decl_limits_t *ml = &m->memories[first + i];
            if (!iw_memory_init(&inst->more_memories[i], ml->min, ml->has_max ? ml->max : UINT32_MAX,
                                inst->limits.max_memory_bytes))
                return iw__link_error(err, "cannot allocate memory %u of %u pages (limit %llu bytes)", first + i, ml->min,
                                      (unsigned long long)inst->limits.max_memory_bytes);
            inst->more_memories[i].owner = inst;
            inst->nmore_memories = i + 1;
            inst->memories[first + i] = &inst->more_memories[i];
        }
    }
    inst->memory = inst->memories[0];
    /* Globals in order: an initializer may read imported globals and take
     * references to functions, which are all in place by now. */
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++) {
        iw_global_t *g = &inst->own_globals[i - m->nimported_globals];
        g->type = m->globals[i].type;
        g->mutable_ = m->globals[i].mutable_;
        if (g->type == IW_V128) iw_const_eval_v128(inst, &m->globals[i].init, &g->value, &g->hi);
        else g->value = iw_const_eval(inst, &m->globals[i].init);
        inst->globals[i] = g;
    }
    return true;
}

/* Active segments, in module order; a segment that does not fit traps and
 * leaves the writes of earlier ones in place, as the spec says. */
static bool iw__run_segments(iw_instance_t *inst, iw_trap_t *trap)
{
    iw_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const iw_elem_t *e = &m->elems[i];
        if (e->mode == IW_SEG_ACTIVE) {
            iw_table_t *t = inst->tables[e->table];
            uint64_t off = (uint32_t)iw_const_eval(inst, &e->offset);
            if (off + e->count > t->size) {
                iw_set_trap(inst, IW_TRAP_TABLE_OOB, NULL);
                if (trap) *trap = inst->trap;
                return false;
            }
            for (uint32_t k = 0; k < e->count; k++) t->items[off + k] = iw_const_eval(inst, &e->items[k]);
        }
        if (e->mode != IW_SEG_PASSIVE) inst->elem_dropped[i] = true;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const iw_data_t *d = &m->datas[i];
        if (d->mode != IW_SEG_ACTIVE) continue;
        uint64_t off = (uint32_t)iw_const_eval(inst, &d->offset);
        iw_memory_t *mem = inst->memories[d->memory];
        if (off + d->len > mem->size) {
            iw_set_trap(inst, IW_TRAP_MEMORY_OOB, NULL);
            if (trap) *trap = inst->trap;
            return false;
        }
        if (d->len) memcpy(mem->data + off, d->bytes, d->len);
        inst->data_dropped[i] = true;
    }
    return true;
}

/* The allocation common to a fresh instance and one made from an image. */
iw_instance_t *iw_instance_alloc(iw_module_t *m, const iw_limits_t *limits)
{
    iw_instance_t *inst = calloc(1, sizeof *inst);
    if (!inst) return NULL;
    iw_module_retain(m);
    inst->module = m;
    if (limits) inst->limits = *limits;
    inst->funcs = calloc(m->nfuncs + 1, sizeof *inst->funcs);
    inst->own_funcs = calloc(m->nfuncs + 1, sizeof *inst->own_funcs);
    inst->tables = calloc(m->ntables + 1, sizeof *inst->tables);
    inst->memories = calloc(m->nmemories + 1, sizeof *inst->memories);
    inst->globals = calloc(m->nglobals + 1, sizeof *inst->globals);
    inst->own_globals = calloc(m->nglobals - m->nimported_globals + 1, sizeof *inst->own_globals);
    inst->elem_dropped = calloc(m->nelems + 1, sizeof(bool));
    inst->data_dropped = calloc(m->ndatas + 1, sizeof(bool));
    if (!inst->funcs || !inst->own_funcs || !inst->tables || !inst->memories || !inst->globals || !inst->own_globals ||
        !inst->elem_dropped || !inst->data_dropped) {
        iw_instance_free(inst);
        return NULL;
    }
    for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
        iw_func_t *f = &inst->own_funcs[i];
        const iw_code_t *c = &m->codes[i - m->nimported_funcs];
        *f = (iw_func_t){ .sig = c->type->sig, .inst = inst, .code = c,
                          .nparams = c->type->nparams, .nresults = c->type->nresults };
        inst->funcs[i] = f;
    }
    iw_exec_init(inst);
    return inst;
}

/* A failed instantiation that may have stored references to its functions
 * in an imported table: that table keeps the instance (see iw_table). */
static void iw__discard(iw_instance_t *inst)
{
    iw_module_t *m = inst->module;
    if (m->nimported_tables) {
        iw_table_t *t = inst->tables[0];
        iw_instance_t **k = realloc(t->kept, (t->nkept + 1) * sizeof *k);
        if (k) {
            t->kept = k;
            t->kept[t->nkept++] = inst;
            return;
        }
    }
    iw_instance_free(inst);
}

iw_instance_t *iw_instance_new(iw_module_t *m, iw_linker_t *l, const iw_limits_t *limits,
                               iw_error_t *err, iw_trap_t *trap)
{
    if (err) memset(err, 0, sizeof *err);
    if (trap) memset(trap, 0, sizeof *trap);
    iw_instance_t *inst = iw_instance_alloc(m, limits);
    if (!inst) {
        iw__link_error(err, "out of memory");
        return NULL;
    }
    if (!iw__resolve_imports(inst, l, err) || !iw__alloc_objects(inst, err)) {
        iw_instance_free(inst);
        return NULL;
    }
    if (!iw__run_segments(inst, trap)) {
        iw__discard(inst);
        return NULL;
    }
    if (m->start >= 0) {
        iw_status_t st = iw_call(inst, inst->funcs[m->start], NULL, 0, NULL, 0);
        if (st != IW_FINISHED) {
            if (st == IW_SUSPENDED) iw__link_error(err, "the start function suspended");
            if (trap) *trap = inst->trap;
            iw__discard(inst);
            return NULL;
        }
    }
    return inst;
}

void iw_instance_free(iw_instance_t *inst)
{
    if (!inst) return;
    for (uint32_t i = 0; i < inst->nown_tables; i++) iw_table_release(&inst->own_tables[i]);
    free(inst->own_tables);
    if (inst->own_memory) {
        iw_memory_release(inst->own_memory);
        free(inst->own_memory);
    }
    for (uint32_t i = 0; i < inst->nmore_memories; i++) iw_memory_release(&inst->more_memories[i]);
    free(inst->more_memories);
    free(inst->memories);
    free(inst->funcs);
    free(inst->own_funcs);
    free(inst->tables);
    free(inst->globals);
    free(inst->own_globals);
    free(inst->elem_dropped);
    free(inst->data_dropped);
    iw_exec_free(inst);
    iw_image_release(inst->image);
    iw_module_release(inst->module);
    free(inst);
}

void iw_instance_set_user_data(iw_instance_t *inst, void *data) { inst->user_data = data; }
void *iw_instance_user_data(const iw_instance_t *inst) { return inst->user_data; }
iw_module_t *iw_instance_module(const iw_instance_t *inst) { return inst->module; }

static const iw_export_t *iw__find_export_n(const iw_instance_t *inst, const char *name, size_t len,
                                             iw_extern_kind_t kind)
{
    const iw_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const iw_export_t *e = &m->exports[i];
        if (e->name_len == len && memcmp(e->name, name, len) == 0) return e->kind == kind ? e : NULL;
    }
    return NULL;
}

static const iw_export_t *iw__find_export(const iw_instance_t *inst, const char *name, iw_extern_kind_t kind)
{
    return iw__find_export_n(inst, name, strlen(name), kind);
}

iw_func_t *iw_instance_func(iw_instance_t *inst, const char *name)
{
    const iw_export_t *e = iw__find_export(inst, name, IW_EXTERN_FUNC);
    return e ? inst->funcs[e->index] : NULL;
}

iw_func_t *iw_instance_func_n(iw_instance_t *inst, const char *name, size_t len)
{
    const iw_export_t *e = iw__find_export_n(inst, name, len, IW_EXTERN_FUNC);
    return e ? inst->funcs[e->index] : NULL;
}

iw_memory_t *iw_instance_memory(iw_instance_t *inst, const char *name)
{
    const iw_export_t *e = iw__find_export(inst, name, IW_EXTERN_MEMORY);
    return e ? inst->memories[e->index] : NULL;
}

iw_table_t *iw_instance_table(iw_instance_t *inst, const char *name)
{
    const iw_export_t *e = iw__find_export(inst, name, IW_EXTERN_TABLE);
    return e ? inst->tables[e->index] : NULL;
}

iw_global_t *iw_instance_global(iw_instance_t *inst, const char *name)
{
    const iw_export_t *e = iw__find_export(inst, name, IW_EXTERN_GLOBAL);
    return e ? inst->globals[e->index] : NULL;
}

const char *iw_func_sig(const iw_func_t *f) { return f->sig; }

void *iw_memory_lift(iw_instance_t *inst, uint64_t offset, uint64_t len)
{
    iw_memory_t *m = inst->memory;
    if (!m || offset > m->size || len > m->size - offset) return NULL;
    iw_mark_dirty(m, offset, len);    /* the host may write what it lifts */
    return m->data + offset;
}

uint64_t iw_memory_size(iw_instance_t *inst) { return inst->memory ? inst->memory->size : 0; }
