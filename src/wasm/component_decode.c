/* Decoding a component's sections into its index spaces (component.h).
 * Every index is checked when it is read, so what a component refers to
 * exists and has the right sort; constructs the engine does not run are
 * refused here with a sentence naming them and their offset. */
#include <stdlib.h>
#include <string.h>

#include "wasm/component.h"

void *iw_component_alloc(iw_cdecoder_t *d, size_t count, size_t size)
{
    void *p = ifr_arena_calloc(d->c->arena, count ? count : 1, size);
    if (!p) iw_fail(d->r, "out of memory while loading the component");
    return p;
}

const char *iw_component_read_name(iw_cdecoder_t *d)
{
    const uint8_t *p;
    uint32_t len;
    if (!iw_read_name(d->r, &p, &len)) return NULL;
    if (memchr(p, 0, len)) { iw_fail(d->r, "a name contains a NUL byte"); return NULL; }
    char *s = ifr_arena_strndup(d->c->arena, (const char *)p, len);
    if (!s) iw_fail(d->r, "out of memory while loading the component");
    return s;
}

const char *iw_component_read_extern_name(iw_cdecoder_t *d)
{
    const uint8_t *at = d->r->p;
    uint8_t form;
    if (!iw_read_u8(d->r, &form)) return NULL;
    if (form == 0x00) return iw_component_read_name(d);
    if (form == 0x01) iw_fail_at(d->r, at, "import and export names with a version suffix are not supported");
    else iw_fail_at(d->r, at, "malformed import or export name form 0x%02x", form);
    return NULL;
}

iw_citem_t *iw_component_push(iw_cdecoder_t *d, iw_csort_t sort)
{
    iw_cspace_t *s = &d->c->spaces[sort];
    if (s->count >= IW_COMPONENT_MAX_ITEMS) {
        iw_fail(d->r, "too many items of sort %s", iw_csort_name(sort));
        return NULL;
    }
    if (s->count == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 8;
        iw_citem_t *n = iw_component_alloc(d, cap, sizeof *n);
        if (!n) return NULL;
        if (s->count) memcpy(n, s->items, s->count * sizeof *n);
        s->items = n;
        s->cap = cap;
    }
    iw_citem_t *it = &s->items[s->count++];
    memset(it, 0, sizeof *it);
    it->offset = iw_offset(d->r);
    it->opts = (iw_copts_t){ IW_CENC_UTF8, -1, -1, -1 };
    return it;
}

static bool iw__read_index(iw_cdecoder_t *d, iw_csort_t sort, uint32_t *out)
{
    const uint8_t *at = d->r->p;
    if (!iw_read_u32(d->r, out)) return false;
    if (*out >= d->c->spaces[sort].count) return iw_fail_at(d->r, at, "unknown %s %u", iw_csort_name(sort), *out);
    return true;
}

static const iw_citem_t *iw__item(const iw_component_t *c, iw_csort_t sort, uint32_t i)
{
    return &c->spaces[sort].items[i];
}

/* sort bytes: core sorts after a 0x00, then the component's own. */
static bool iw__read_core_sort(iw_cdecoder_t *d, iw_csort_t *out)
{
    const uint8_t *at = d->r->p;
    uint8_t b;
    if (!iw_read_u8(d->r, &b)) return false;
    switch (b) {
    case 0x00: *out = IW_CSORT_CORE_FUNC; return true;
    case 0x01: *out = IW_CSORT_CORE_TABLE; return true;
    case 0x02: *out = IW_CSORT_CORE_MEMORY; return true;
    case 0x03: *out = IW_CSORT_CORE_GLOBAL; return true;
    case 0x10: *out = IW_CSORT_CORE_TYPE; return true;
    case 0x11: *out = IW_CSORT_CORE_MODULE; return true;
    case 0x12: *out = IW_CSORT_CORE_INSTANCE; return true;
    case 0x04: return iw_fail_at(d->r, at, "core tags (exception handling) are not supported");
    default: return iw_fail_at(d->r, at, "malformed core sort 0x%02x", b);
    }
}

static bool iw__read_sort(iw_cdecoder_t *d, iw_csort_t *out)
{
    const uint8_t *at = d->r->p;
    uint8_t b;
    if (!iw_read_u8(d->r, &b)) return false;
    switch (b) {
    case 0x00: return iw__read_core_sort(d, out);
    case 0x01: *out = IW_CSORT_FUNC; return true;
    case 0x02: return iw_fail_at(d->r, at, "values are not supported");
    case 0x03: *out = IW_CSORT_TYPE; return true;
    case 0x04: *out = IW_CSORT_COMPONENT; return true;
    case 0x05: *out = IW_CSORT_INSTANCE; return true;
    default: return iw_fail_at(d->r, at, "malformed sort 0x%02x", b);
    }
}

static bool iw__decode_core_module(iw_cdecoder_t *d, const uint8_t *end)
{
    const uint8_t *start = d->r->p;
    iw_error_t err;
    iw_module_t *m = iw_module_new(start, (size_t)(end - start), &err);
    if (!m) {
        uint32_t n = d->c->spaces[IW_CSORT_CORE_MODULE].count;
        return iw_fail_at(d->r, start + (err.offset <= (uint64_t)(end - start) ? err.offset : 0),
                          "core module %u: %s", n, err.message);
    }
    if (d->c->nmodules == d->c->cap_modules) {
        uint32_t cap = d->c->cap_modules ? d->c->cap_modules * 2 : 4;
        iw_module_t **n = realloc(d->c->modules, cap * sizeof *n);
        if (!n) { iw_module_release(m); return iw_fail(d->r, "out of memory while loading the component"); }
        d->c->modules = n;
        d->c->cap_modules = cap;
    }
    d->c->modules[d->c->nmodules++] = m;
    iw_citem_t *it = iw_component_push(d, IW_CSORT_CORE_MODULE);
    if (!it) return false;
    it->from = IW_CFROM_DEFINED;
    it->module = m;
    it->offset = (uint64_t)(start - d->r->base);
    d->r->p = end;
    return true;
}

static bool iw__read_args(iw_cdecoder_t *d, iw_citem_t *it, bool core, bool inline_exports)
{
    if (!iw_read_count(d->r, IW_COMPONENT_MAX_ITEMS, "arguments", &it->nargs)) return false;
    iw_carg_t *a = iw_component_alloc(d, it->nargs, sizeof *a);
    if (!a) return false;
    it->args = a;
    for (uint32_t i = 0; i < it->nargs; i++) {
        a[i].name = inline_exports && !core ? iw_component_read_extern_name(d) : iw_component_read_name(d);
        if (!a[i].name) return false;
        const uint8_t *at = d->r->p;
        if (!(core ? iw__read_core_sort(d, &a[i].sort) : iw__read_sort(d, &a[i].sort))) return false;
        if (core && !inline_exports && a[i].sort != IW_CSORT_CORE_INSTANCE)
            return iw_fail_at(d->r, at, "a core instantiation argument must be a core instance");
        if (core && inline_exports && a[i].sort > IW_CSORT_CORE_GLOBAL)
            return iw_fail_at(d->r, at, "a core instance can export only functions, tables, memories and globals");
        if (!iw__read_index(d, a[i].sort, &a[i].index)) return false;
    }
    return true;
}

static bool iw__decode_core_instances(iw_cdecoder_t *d)
{
    uint32_t n;
    if (!iw_read_count(d->r, IW_COMPONENT_MAX_ITEMS, "core instances", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *at = d->r->p;
        uint8_t kind;
        if (!iw_read_u8(d->r, &kind)) return false;
        if (kind > 1) return iw_fail_at(d->r, at, "malformed core instance kind 0x%02x", kind);
        uint32_t module = 0;
        if (kind == 0 && !iw__read_index(d, IW_CSORT_CORE_MODULE, &module)) return false;
        iw_citem_t it = { .from = kind ? IW_CFROM_INLINE : IW_CFROM_INSTANTIATE, .index = module,
                          .offset = (uint64_t)(at - d->r->base) };
        if (!iw__read_args(d, &it, true, kind == 1)) return false;
        iw_citem_t *p = iw_component_push(d, IW_CSORT_CORE_INSTANCE);
        if (!p) return false;
        *p = it;
    }
    return true;
}

static bool iw__decode_instances(iw_cdecoder_t *d)
{
    uint32_t n;
    if (!iw_read_count(d->r, IW_COMPONENT_MAX_ITEMS, "instances", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *at = d->r->p;
        uint8_t kind;
        if (!iw_read_u8(d->r, &kind)) return false;
        if (kind == 0x00) return iw_fail_at(d->r, at, "instantiating a nested component is not supported");
        if (kind != 0x01) return iw_fail_at(d->r, at, "malformed instance kind 0x%02x", kind);
        iw_citem_t it = { .from = IW_CFROM_INLINE, .offset = (uint64_t)(at - d->r->base) };
        if (!iw__read_args(d, &it, false, true)) return false;
        iw_citem_t *p = iw_component_push(d, IW_CSORT_INSTANCE);
        if (!p) return false;
        *p = it;
    }
    return true;
}

/* The export `name` of a core instance: its module's export or one of its
 * inline exports, of the wanted sort. */
static bool iw__core_export_exists(const iw_component_t *c, uint32_t inst, const char *name, iw_csort_t sort)
{
    const iw_citem_t *it = iw__item(c, IW_CSORT_CORE_INSTANCE, inst);
    if (it->from == IW_CFROM_INLINE) {
        for (uint32_t i = 0; i < it->nargs; i++)
            if (strcmp(it->args[i].name, name) == 0) return it->args[i].sort == sort;
        return false;
    }
    const iw_citem_t *mod = iw__item(c, IW_CSORT_CORE_MODULE, it->index);
    for (uint32_t i = 0; mod->module && i < iw_module_export_count(mod->module); i++) {
        iw_extern_info_t info;
        iw_module_export_info(mod->module, i, &info);
        if (strcmp(info.name, name) == 0) return (iw_csort_t)info.kind == sort;
    }
    return false;
}

/* What the export `name` of a component instance is: sort and type. */
static bool iw__instance_export(iw_cdecoder_t *d, uint32_t inst, const char *name, iw_csort_t *sort,
                                const iw_ctype_t **type, const uint8_t *at)
{
    const iw_citem_t *it = iw__item(d->c, IW_CSORT_INSTANCE, inst);
    if (it->type) {
        for (uint32_t i = 0; i < it->type->nexports; i++) {
            if (strcmp(it->type->exports[i].name, name) != 0) continue;
            *sort = it->type->exports[i].sort;
            *type = it->type->exports[i].type;
            return true;
        }
    } else {
        for (uint32_t i = 0; i < it->nargs; i++) {
            if (strcmp(it->args[i].name, name) != 0) continue;
            *sort = it->args[i].sort;
            *type = iw__item(d->c, *sort, it->args[i].index)->type;
            return true;
        }
    }
    return iw_fail_at(d->r, at, "instance %u has no export named \"%s\"", inst, name);
}

static bool iw__decode_alias(iw_cdecoder_t *d)
{
    const uint8_t *at = d->r->p;
    iw_csort_t sort;
    uint8_t target;
    if (!iw__read_sort(d, &sort) || !iw_read_u8(d->r, &target)) return false;
    iw_citem_t it = { .offset = (uint64_t)(at - d->r->base), .opts = { IW_CENC_UTF8, -1, -1, -1 } };
    bool core = sort <= IW_CSORT_CORE_INSTANCE;
    if (target == 0x00 || target == 0x01) {
        if ((target == 0x01) != core)
            return iw_fail_at(d->r, at, "an alias of a %s export must name a %s", target ? "core instance" : "instance",
                              target ? "core sort" : "component sort");
        if (!iw__read_index(d, target ? IW_CSORT_CORE_INSTANCE : IW_CSORT_INSTANCE, &it.index)) return false;
        if (!(it.name = iw_component_read_name(d))) return false;
        it.from = target ? IW_CFROM_CORE_EXPORT : IW_CFROM_ALIAS_EXPORT;
        if (target == 0x01) {
            if (sort > IW_CSORT_CORE_GLOBAL || !iw__core_export_exists(d->c, it.index, it.name, sort))
                return iw_fail_at(d->r, at, "core instance %u has no %s export named \"%s\"", it.index,
                                  iw_csort_name(sort), it.name);
        } else {
            iw_csort_t has = IW_CSORT_FUNC;
            if (!iw__instance_export(d, it.index, it.name, &has, &it.type, at)) return false;
            if (has != sort)
                return iw_fail_at(d->r, at, "export \"%s\" of instance %u is a %s, not a %s", it.name, it.index,
                                  iw_csort_name(has), iw_csort_name(sort));
        }
    } else if (target == 0x02) {
        if (sort != IW_CSORT_TYPE && sort != IW_CSORT_CORE_MODULE && sort != IW_CSORT_CORE_TYPE
            && sort != IW_CSORT_COMPONENT)
            return iw_fail_at(d->r, at, "an outer alias of a %s is not allowed", iw_csort_name(sort));
        if (!iw_read_u32(d->r, &it.count) || !iw_read_u32(d->r, &it.index)) return false;
        const iw_component_t *c = d->c;
        for (uint32_t k = 0; k < it.count && c; k++) c = c->parent;
        if (!c) return iw_fail_at(d->r, at, "outer alias count %u goes past the outermost component", it.count);
        if (it.index >= c->spaces[sort].count)
            return iw_fail_at(d->r, at, "unknown outer %s %u", iw_csort_name(sort), it.index);
        const iw_citem_t *src = iw__item(c, sort, it.index);
        it.from = IW_CFROM_OUTER;
        it.type = src->type;
        it.module = src->module;
        it.component = src->component;
    } else {
        return iw_fail_at(d->r, at, "malformed alias target 0x%02x", target);
    }
    iw_citem_t *p = iw_component_push(d, sort);
    if (!p) return false;
    *p = it;
    return true;
}

static bool iw__decode_aliases(iw_cdecoder_t *d)
{
    uint32_t n;
    if (!iw_read_count(d->r, IW_COMPONENT_MAX_ITEMS, "aliases", &n)) return false;
    for (uint32_t i = 0; i < n; i++)
        if (!iw__decode_alias(d)) return false;
    return true;
}

static bool iw__read_opt_index(iw_cdecoder_t *d, iw_csort_t sort, int64_t *slot, const char *what,
                               const uint8_t *at)
{
    uint32_t i;
    if (*slot >= 0) return iw_fail_at(d->r, at, "canonical option %s is given twice", what);
    if (!iw__read_index(d, sort, &i)) return false;
    *slot = i;
    return true;
}

static bool iw__read_canon_opts(iw_cdecoder_t *d, iw_copts_t *o)
{
    uint32_t n;
    bool encoding = false;
    if (!iw_read_count(d->r, 16, "canonical options", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *at = d->r->p;
        uint8_t b;
        if (!iw_read_u8(d->r, &b)) return false;
        switch (b) {
        case 0x00:
            if (encoding) return iw_fail_at(d->r, at, "canonical option string-encoding is given twice");
            encoding = true;
            break;
        case 0x01: return iw_fail_at(d->r, at, "the canonical option string-encoding=utf16 is not supported");
        case 0x02: return iw_fail_at(d->r, at, "the canonical option string-encoding=latin1+utf16 is not supported");
        case 0x03: if (!iw__read_opt_index(d, IW_CSORT_CORE_MEMORY, &o->memory, "memory", at)) return false; break;
        case 0x04: if (!iw__read_opt_index(d, IW_CSORT_CORE_FUNC, &o->realloc, "realloc", at)) return false; break;
        case 0x05:
            if (!iw__read_opt_index(d, IW_CSORT_CORE_FUNC, &o->post_return, "post-return", at)) return false;
            break;
        case 0x06: return iw_fail_at(d->r, at, "the canonical option async is not supported");
        case 0x07: return iw_fail_at(d->r, at, "the canonical option callback is not supported");
        default: return iw_fail_at(d->r, at, "malformed canonical option 0x%02x", b);
        }
    }
    return true;
}

static bool iw__decode_canon(iw_cdecoder_t *d)
{
    static const char *const builtins[] = { [0x02] = "resource.new", [0x03] = "resource.drop",
                                            [0x04] = "resource.rep", [0x05] = "thread.spawn_ref",
                                            [0x06] = "thread.available_parallelism" };
    const uint8_t *at = d->r->p;
    uint8_t kind, zero;
    if (!iw_read_u8(d->r, &kind)) return false;
    if (kind == 0x03) {
        /* resource.drop of a resource type the component imports: the
         * host's handles need no freeing, so it is a no-op (component_instance.c). */
        const uint8_t *tat = d->r->p;
        uint32_t ti;
        if (!iw__read_index(d, IW_CSORT_TYPE, &ti)) return false;
        const iw_ctype_t *rt = iw__item(d->c, IW_CSORT_TYPE, ti)->type;
        if (!rt || rt->kind != IW_CT_RESOURCE) return iw_fail_at(d->r, tat, "type %u is not a resource type", ti);
        iw_citem_t *p = iw_component_push(d, IW_CSORT_CORE_FUNC);
        if (!p) return false;
        *p = (iw_citem_t){ .from = IW_CFROM_RESOURCE_DROP, .index = ti, .offset = (uint64_t)(at - d->r->base) };
        return true;
    }
    if (kind > 0x01) {
        if (kind < sizeof builtins / sizeof builtins[0] && builtins[kind])
            return iw_fail_at(d->r, at, "the canonical built-in %s is not supported", builtins[kind]);
        return iw_fail_at(d->r, at, "the canonical built-in 0x%02x is not supported", kind);
    }
    if (!iw_read_u8(d->r, &zero)) return false;
    if (zero != 0x00) return iw_fail_at(d->r, at, "malformed canon %s", kind ? "lower" : "lift");
    iw_citem_t it = { .from = kind ? IW_CFROM_LOWER : IW_CFROM_LIFT, .offset = (uint64_t)(at - d->r->base),
                      .opts = { IW_CENC_UTF8, -1, -1, -1 } };
    if (!iw__read_index(d, kind ? IW_CSORT_FUNC : IW_CSORT_CORE_FUNC, &it.index)) return false;
    if (!iw__read_canon_opts(d, &it.opts)) return false;
    if (kind == 0x00) {
        const uint8_t *tat = d->r->p;
        uint32_t ti;
        if (!iw__read_index(d, IW_CSORT_TYPE, &ti)) return false;
        it.type = iw__item(d->c, IW_CSORT_TYPE, ti)->type;
        if (it.type->kind != IW_CT_FUNC) return iw_fail_at(d->r, tat, "type %u is not a func type", ti);
    } else {
        it.type = iw__item(d->c, IW_CSORT_FUNC, it.index)->type;
    }
    iw_citem_t *p = iw_component_push(d, kind ? IW_CSORT_CORE_FUNC : IW_CSORT_FUNC);
    if (!p) return false;
    *p = it;
    return true;
}

static bool iw__decode_canons(iw_cdecoder_t *d)
{
    uint32_t n;
    if (!iw_read_count(d->r, IW_COMPONENT_MAX_ITEMS, "canonical functions", &n)) return false;
    for (uint32_t i = 0; i < n; i++)
        if (!iw__decode_canon(d)) return false;
    return true;
}

static bool iw__add_extern(iw_cdecoder_t *d, bool import, iw_cextern_t e)
{
    iw_cextern_t **list = import ? &d->c->imports : &d->c->exports;
    uint32_t *n = import ? &d->c->nimports : &d->c->nexports;
    uint32_t *cap = import ? &d->c->cap_imports : &d->c->cap_exports;
    for (uint32_t i = 0; i < *n; i++)
        if (strcmp((*list)[i].name, e.name) == 0)
            return iw_fail_at(d->r, d->r->base + e.offset, "duplicate %s name \"%s\"", import ? "import" : "export",
                              e.name);
    if (*n == *cap) {
        uint32_t c = *cap ? *cap * 2 : 8;
        iw_cextern_t *l = iw_component_alloc(d, c, sizeof *l);
        if (!l) return false;
        if (*n) memcpy(l, *list, *n * sizeof *l);
        *list = l;
        *cap = c;
    }
    (*list)[(*n)++] = e;
    return true;
}

static bool iw__decode_imports(iw_cdecoder_t *d)
{
    uint32_t n;
    if (!iw_read_count(d->r, IW_COMPONENT_MAX_ITEMS, "imports", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        iw_cextern_t e = { .offset = iw_offset(d->r) };
        if (!(e.name = iw_component_read_extern_name(d))) return false;
        if (!iw_component_read_externdesc(d, d->scope, &e.sort, &e.type)) return false;
        if (e.sort == IW_CSORT_COMPONENT)
            return iw_fail_at(d->r, d->r->base + e.offset, "component imports are not supported");
        iw_citem_t *it = iw_component_push(d, e.sort);
        if (!it) return false;
        it->from = IW_CFROM_IMPORT;
        it->name = e.name;
        it->type = e.type;
        it->offset = e.offset;
        e.index = d->c->spaces[e.sort].count - 1;
        if (!iw__add_extern(d, true, e)) return false;
    }
    return true;
}

static bool iw__decode_exports(iw_cdecoder_t *d)
{
    uint32_t n;
    if (!iw_read_count(d->r, IW_COMPONENT_MAX_ITEMS, "exports", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        iw_cextern_t e = { .offset = iw_offset(d->r) };
        uint32_t index;
        uint8_t ascribed;
        if (!(e.name = iw_component_read_extern_name(d))) return false;
        if (!iw__read_sort(d, &e.sort) || !iw__read_index(d, e.sort, &index)) return false;
        if (e.sort <= IW_CSORT_CORE_INSTANCE && e.sort != IW_CSORT_CORE_MODULE)
            return iw_fail_at(d->r, d->r->base + e.offset, "a component cannot export a %s", iw_csort_name(e.sort));
        const uint8_t *at = d->r->p;
        if (!iw_read_u8(d->r, &ascribed)) return false;
        if (ascribed > 1) return iw_fail_at(d->r, at, "malformed export type flag 0x%02x", ascribed);
        e.type = iw__item(d->c, e.sort, index)->type;
        if (ascribed) {
            iw_csort_t sort;
            const iw_ctype_t *type;
            if (!iw_component_read_externdesc(d, d->scope, &sort, &type)) return false;
            if (sort != e.sort) return iw_fail_at(d->r, at, "an export's type is of another sort than the export");
            if (sort != IW_CSORT_TYPE || type->kind != IW_CT_RESOURCE) e.type = type;
        }
        iw_citem_t *it = iw_component_push(d, e.sort);
        if (!it) return false;
        it->from = IW_CFROM_EXPORT;
        it->index = index;
        it->name = e.name;
        it->type = e.type;
        it->offset = e.offset;
        e.index = index;
        if (!iw__add_extern(d, false, e)) return false;
    }
    return true;
}

bool iw_component_read_preamble(iw_reader_t *r)
{
    const uint8_t *b;
    if (!iw_read_bytes(r, 4, &b)) return false;
    if (memcmp(b, "\0asm", 4) != 0) return iw_fail_at(r, b, "magic header not detected");
    if (!iw_read_bytes(r, 4, &b)) return false;
    if (b[2] != 0x01 || b[3] != 0x00) return iw_fail_at(r, b, "not a component (layer %u)", b[2] | b[3] << 8);
    if (b[0] != 0x0d || b[1] != 0x00)
        return iw_fail_at(r, b, "unsupported component binary version 0x%02x%02x (this engine reads 0x000d)", b[1], b[0]);
    return true;
}

static bool iw__decode_nested(iw_cdecoder_t *d, const uint8_t *end)
{
    const uint8_t *start = d->r->p;
    if (d->nesting >= IW_COMPONENT_MAX_NESTING)
        return iw_fail(d->r, "components nested deeper than %u", IW_COMPONENT_MAX_NESTING);
    iw_component_t *c = iw_component_alloc(d, 1, sizeof *c);
    if (!c) return false;
    c->arena = d->c->arena;
    c->parent = d->c;
    iw_citem_t *it = iw_component_push(d, IW_CSORT_COMPONENT);
    if (!it) return false;
    it->from = IW_CFROM_DEFINED;
    it->component = c;
    it->offset = (uint64_t)(start - d->r->base);
    iw_reader_t r = { d->r->base, start, end, d->r->err, false };
    iw_ctype_scope_t scope = { .outer = d->scope, .component = c };
    iw_cdecoder_t nd = { &r, c, &scope, d->nesting + 1 };
    bool ok = iw_component_read_preamble(&r) && iw_component_decode_body(&nd);
    if (!ok) { d->r->failed = true; return false; }
    d->r->p = end;
    return true;
}

bool iw_component_decode_body(iw_cdecoder_t *d)
{
    iw_reader_t *r = d->r;
    while (iw_left(r) > 0) {
        const uint8_t *at = r->p;
        uint8_t id;
        uint32_t size;
        if (!iw_read_u8(r, &id) || !iw_read_u32(r, &size)) return false;
        if (size > iw_left(r)) return iw_fail(r, "section size %u runs past the end", size);
        const uint8_t *end = r->p + size;
        iw_reader_t sec = { r->base, r->p, end, r->err, false };
        iw_cdecoder_t sd = { &sec, d->c, d->scope, d->nesting };
        bool ok;
        switch (id) {
        case 0x00: { const uint8_t *p; uint32_t len; ok = iw_read_name(&sec, &p, &len); sec.p = end; break; }
        case 0x01: ok = iw__decode_core_module(&sd, end); break;
        case 0x02: ok = iw__decode_core_instances(&sd); break;
        case 0x03: ok = iw_component_decode_core_types(&sd); break;
        case 0x04: ok = iw__decode_nested(&sd, end); break;
        case 0x05: ok = iw__decode_instances(&sd); break;
        case 0x06: ok = iw__decode_aliases(&sd); break;
        case 0x07: ok = iw_component_decode_types(&sd); break;
        case 0x08: ok = iw__decode_canons(&sd); break;
        case 0x09: return iw_fail_at(r, at, "component start functions are not supported");
        case 0x0a: ok = iw__decode_imports(&sd); break;
        case 0x0b: ok = iw__decode_exports(&sd); break;
        case 0x0c: return iw_fail_at(r, at, "value sections are not supported");
        default: return iw_fail_at(r, at, "malformed component section id %u", id);
        }
        if (!ok || sec.failed) { r->failed = true; return false; }
        if (sec.p != end) return iw_fail_at(r, sec.p, "section size mismatch: %zu bytes left over", iw_left(&sec));
        r->p = end;
    }
    return true;
}
