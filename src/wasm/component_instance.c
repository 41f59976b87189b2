/* Instantiating a component: its core instances in order, each module's
 * imports linked to the core instances its `instantiate ... with` names
 * (instances of modules, or instances made of inline exports: aliases of
 * other instances' exports and lowered host functions), then calls of
 * lifted exports through the canonical ABI (component_abi.c). A
 * wit-component "fixup" module (filling a shim's funcref table with the
 * lowered functions once the main module's memory exists) is nothing
 * special here: it is one more core instance, instantiated in its turn.
 * Every core instance belongs to this component instance alone, so one
 * thread uses the whole at a time and nothing is shared between them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/component_abi.h"
#include "wasm/linker.h"
#include "wasm/runtime.h"

typedef struct {
    iw_cinstance_t *ci;
    const iw_citem_t *item;     /* the canon lower */
    const iw_ctype_t *type;     /* the lowered function's type */
    const iw_chost_def_t *def;
    const char *instance, *func;     /* what the component imports */
    bool params_in_memory, result_in_memory;
    char sig[IW_CABI_MAX_FLAT_PARAMS + 4];
} iw__lower_t;

struct iw_cinstance {
    iw_component_t *c;
    iw_instance_t **core;       /* per core instance; NULL for inline ones */
    iw_func_t *lowered;         /* per core function; used for canon lowers */
    iw__lower_t *lowers;
    const iw_chost_def_t *defs;
    uint32_t ndefs;
    ifr_arena_t scratch;
    iw_trap_t trap;
    iw_instance_t *running;     /* the root instance of the call in progress */
    void *user;
    char host_message[200];
};

void iw_cinstance_set_user_data(iw_cinstance_t *ci, void *data) { ci->user = data; }
void *iw_cinstance_user_data(const iw_cinstance_t *ci) { return ci->user; }
const iw_trap_t *iw_cinstance_trap(const iw_cinstance_t *ci) { return &ci->trap; }
void *iw_cinstance_scratch(iw_cinstance_t *ci, size_t size) { return ifr_arena_calloc(&ci->scratch, 1, size ? size : 1); }

void iw_cinstance_fail(iw_cinstance_t *ci, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ci->host_message, sizeof ci->host_message, fmt, ap);
    va_end(ap);
}

static const iw_citem_t *iw__item(const iw_cinstance_t *ci, iw_csort_t sort, uint32_t i)
{
    return &ci->c->spaces[sort].items[i];
}

/* A core item (function, table, memory, global) as this instance has it:
 * an export of a core instance, or (functions) a lowered host function. */
static void *iw__core_item(iw_cinstance_t *ci, iw_csort_t sort, uint32_t index, uint32_t depth);

static void *iw__core_export(iw_cinstance_t *ci, uint32_t inst, const char *name, iw_csort_t sort, uint32_t depth)
{
    const iw_citem_t *it = iw__item(ci, IW_CSORT_CORE_INSTANCE, inst);
    if (it->from == IW_CFROM_INLINE) {
        for (uint32_t i = 0; i < it->nargs; i++)
            if (strcmp(it->args[i].name, name) == 0 && it->args[i].sort == sort)
                return iw__core_item(ci, sort, it->args[i].index, depth + 1);
        return NULL;
    }
    iw_instance_t *core = ci->core[inst];
    if (!core) return NULL;
    switch (sort) {
    case IW_CSORT_CORE_FUNC: return iw_instance_func(core, name);
    case IW_CSORT_CORE_TABLE: return iw_instance_table(core, name);
    case IW_CSORT_CORE_MEMORY: return iw_instance_memory(core, name);
    default: return iw_instance_global(core, name);
    }
}

static void *iw__core_item(iw_cinstance_t *ci, iw_csort_t sort, uint32_t index, uint32_t depth)
{
    const iw_citem_t *it = iw__item(ci, sort, index);
    if (depth > IW_COMPONENT_MAX_ITEMS) return NULL;
    if (it->from == IW_CFROM_LOWER || it->from == IW_CFROM_RESOURCE_DROP)
        return ci->lowered[index].host ? &ci->lowered[index] : NULL;
    if (it->from == IW_CFROM_CORE_EXPORT) return iw__core_export(ci, it->index, it->name, sort, depth);
    return NULL;
}

static bool iw__link_error(iw_error_t *err, const iw_citem_t *it, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool iw__link_error(iw_error_t *err, const iw_citem_t *it, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err) {
        err->offset = it ? it->offset : 0;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    }
    va_end(ap);
    return false;
}

/* The flat core signature of a function type: params (or one pointer past
 * 16), then for a lift the result (or a pointer past 1), for a lower the
 * result or a return pointer parameter. */
static bool iw__core_sig(const iw_ctype_t *ft, bool lower, char *sig, bool *params_mem, bool *result_mem)
{
    uint32_t n = 0;
    *params_mem = false;
    for (uint32_t i = 0; i < ft->count && !*params_mem; i++)
        if (!iw_cabi_flatten(ft->fields[i].type, sig, &n, IW_CABI_MAX_FLAT_PARAMS)) *params_mem = true;
    if (*params_mem) { n = 0; sig[n++] = 'i'; }
    char res[IW_CABI_MAX_FLAT_RESULTS + 1];
    uint32_t nr = 0;
    *result_mem = ft->elem && !iw_cabi_flatten(ft->elem, res, &nr, IW_CABI_MAX_FLAT_RESULTS);
    if (*result_mem && lower) sig[n++] = 'i';
    sig[n++] = ':';
    if (*result_mem && !lower) sig[n++] = 'i';
    else if (!*result_mem) for (uint32_t i = 0; i < nr; i++) sig[n++] = res[i];
    sig[n] = 0;
    return true;
}

static uint64_t iw__val_bits(const iw_val_t *v)
{
    switch (v->type) {
    case IW_I32: return (uint32_t)v->of.i32;
    case IW_F32: { uint32_t b; memcpy(&b, &v->of.f32, 4); return b; }
    case IW_F64: { uint64_t b; memcpy(&b, &v->of.f64, 8); return b; }
    default: return (uint64_t)v->of.i64;
    }
}

static iw_val_t iw__bits_val(char letter, uint64_t bits)
{
    iw_val_t v;
    memset(&v, 0, sizeof v);
    switch (letter) {
    case 'i': v.type = IW_I32; v.of.i32 = (int32_t)(uint32_t)bits; break;
    case 'f': { v.type = IW_F32; uint32_t b = (uint32_t)bits; memcpy(&v.of.f32, &b, 4); break; }
    case 'F': v.type = IW_F64; memcpy(&v.of.f64, &bits, 8); break;
    default: v.type = IW_I64; v.of.i64 = (int64_t)bits; break;
    }
    return v;
}

static iw_cabi_cx_t iw__cx(iw_cinstance_t *ci, const iw_copts_t *o)
{
    iw_cabi_cx_t cx = { .caller = ci->running, .scratch = &ci->scratch, .trap = &ci->trap };
    if (o->memory >= 0) cx.memory = iw__core_item(ci, IW_CSORT_CORE_MEMORY, (uint32_t)o->memory, 0);
    if (o->realloc >= 0) cx.realloc = iw__core_item(ci, IW_CSORT_CORE_FUNC, (uint32_t)o->realloc, 0);
    return cx;
}

/* Where each parameter sits in the tuple a pointer gives (past 16 flat values). */
static bool iw__load_params(iw_cabi_cx_t *cx, const iw_ctype_t *ft, uint64_t ptr, iw_cval_t *args)
{
    uint32_t off = 0;
    for (uint32_t i = 0; i < ft->count; i++) {
        const iw_ctype_t *t = ft->fields[i].type;
        off = (off + iw_cabi_align(t) - 1) / iw_cabi_align(t) * iw_cabi_align(t);
        if (!iw_cabi_load(cx, t, ptr + off, &args[i])) return false;
        off += iw_cabi_size(t);
    }
    return true;
}

/* A lowered host function, as the guest calls it. */
static iw_host_result_t iw__lowered_call(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    iw__lower_t *lw = env;
    iw_cinstance_t *ci = lw->ci;
    const iw_ctype_t *ft = lw->type;
    iw_cabi_cx_t cx = iw__cx(ci, &lw->item->opts);
    /* Called while the component is instantiated (a start function, the
     * preview1 adapter's set-up asking for the environment): no call of
     * the embedder runs, and the instance whose code runs is the caller. */
    if (!cx.caller) cx.caller = inst;
    iw_cval_t *vals = iw_cinstance_scratch(ci, (ft->count ? ft->count : 1) * sizeof *vals), result;
    memset(&result, 0, sizeof result);
    uint32_t pos = 0;
    bool ok = vals != NULL;
    if (ok && lw->params_in_memory) ok = iw__load_params(&cx, ft, args[pos++], vals);
    for (uint32_t i = 0; ok && !lw->params_in_memory && i < ft->count; i++)
        ok = iw_cabi_lift_flat(&cx, ft->fields[i].type, args, &pos, &vals[i]);
    if (!ok) {
        iw_host_trap(inst, "%s.%s: %s", lw->instance ? lw->instance : "", lw->func,
                     cx.failed ? ci->trap.message : "out of host memory");
        return IW_HOST_TRAP;
    }
    ci->host_message[0] = 0;
    if (!lw->def->fn) {
        if (ft->elem && !iw_cabi_deny_value(&cx, ft->elem, &result)) {
            iw_host_trap(inst, "%s: out of host memory", lw->func);
            return IW_HOST_TRAP;
        }
    } else if (lw->def->fn(ci, lw->def->env, vals, &result) != 0) {
        iw_host_trap(inst, "%s", ci->host_message[0] ? ci->host_message : "host function failed");
        return IW_HOST_TRAP;
    }
    if (ft->elem) {
        uint32_t rpos = 0;
        ok = lw->result_in_memory ? iw_cabi_store(&cx, ft->elem, &result, (uint32_t)args[pos])
                                  : iw_cabi_lower_flat(&cx, ft->elem, &result, results, &rpos);
        if (!ok) {
            iw_host_trap(inst, "%s: %s", lw->func, ci->trap.message);
            return IW_HOST_TRAP;
        }
    }
    return IW_HOST_OK;
}

/* Whether def names instance: the same name, or (a name ending in '@')
 * every version of the interface. */
static bool iw__def_instance(const char *def, const char *instance)
{
    size_t n = strlen(def);
    return n && def[n - 1] == '@' ? strncmp(def, instance, n) == 0 : strcmp(def, instance) == 0;
}

static const iw_chost_def_t *iw__find_def(const iw_cinstance_t *ci, const char *instance, const char *func)
{
    for (uint32_t i = 0; i < ci->ndefs; i++) {
        const iw_chost_def_t *d = &ci->defs[i];
        if (d->func && strcmp(d->func, func) != 0) continue;
        if (instance ? d->instance && iw__def_instance(d->instance, instance) : !d->instance && d->func) return d;
    }
    return NULL;
}

/* canon resource.drop of an imported resource: the host's handles (the
 * denying stubs' 1) own nothing. */
static iw_host_result_t iw__resource_drop(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst, (void)env, (void)args, (void)results;
    return IW_HOST_OK;
}

/* A canon lower of an imported function: the host definition it calls. */
static bool iw__make_lower(iw_cinstance_t *ci, uint32_t index, iw_error_t *err)
{
    const iw_citem_t *it = iw__item(ci, IW_CSORT_CORE_FUNC, index);
    const iw_citem_t *fn = iw__item(ci, IW_CSORT_FUNC, it->index);
    const char *instance = NULL, *func = fn->name;
    if (fn->from == IW_CFROM_ALIAS_EXPORT) {
        const iw_citem_t *inst = iw__item(ci, IW_CSORT_INSTANCE, fn->index);
        if (inst->from != IW_CFROM_IMPORT)
            return iw__link_error(err, it, "canon lower of a function of an instance the component made is not supported");
        instance = inst->name;
    } else if (fn->from != IW_CFROM_IMPORT) {
        return iw__link_error(err, it, "canon lower of a function the component defines is not supported");
    }
    iw__lower_t *lw = &ci->lowers[index];
    lw->def = iw__find_def(ci, instance, func);
    if (!lw->def)
        return iw__link_error(err, it, "the component imports %s%s%s, which this host does not provide",
                              instance ? instance : "", instance ? "#" : "", func);
    lw->ci = ci;
    lw->item = it;
    lw->type = fn->type;
    lw->instance = instance;
    lw->func = func;
    iw__core_sig(fn->type, true, lw->sig, &lw->params_in_memory, &lw->result_in_memory);
    const char *colon = strchr(lw->sig, ':');
    ci->lowered[index] = (iw_func_t){ .sig = lw->sig, .host = iw__lowered_call, .env = lw, .name = func,
                                      .nparams = (uint32_t)(colon - lw->sig),
                                      .nresults = (uint32_t)strlen(colon + 1) };
    return true;
}

static bool iw__define(iw_cinstance_t *ci, iw_linker_t *l, const char *module, const iw_carg_t *e,
                       const iw_citem_t *at, iw_error_t *err)
{
    void *obj = iw__core_item(ci, e->sort, e->index, 0);
    if (!obj) return iw__link_error(err, at, "core instance argument %s.%s is not available yet", module, e->name);
    int rc;
    switch (e->sort) {
    case IW_CSORT_CORE_FUNC: rc = iw_linker_define_func_ref(l, module, e->name, obj); break;
    case IW_CSORT_CORE_TABLE: rc = iw_linker_define_table(l, module, e->name, obj); break;
    case IW_CSORT_CORE_MEMORY: rc = iw_linker_define_memory(l, module, e->name, obj); break;
    default: rc = iw_linker_define_global(l, module, e->name, obj); break;
    }
    return rc == 0 || iw__link_error(err, at, "out of memory");
}

static bool iw__instantiate(iw_cinstance_t *ci, uint32_t i, const iw_limits_t *limits, iw_error_t *err,
                            iw_trap_t *trap)
{
    const iw_citem_t *it = iw__item(ci, IW_CSORT_CORE_INSTANCE, i);
    if (it->from == IW_CFROM_INLINE) return true;
    const iw_citem_t *mod = iw__item(ci, IW_CSORT_CORE_MODULE, it->index);
    if (!mod->module) return iw__link_error(err, it, "core instance %u: its module is not available", i);
    iw_linker_t *l = iw_linker_new();
    bool ok = l != NULL;
    for (uint32_t a = 0; ok && a < it->nargs; a++) {
        uint32_t j = it->args[a].index;
        const iw_citem_t *arg = iw__item(ci, IW_CSORT_CORE_INSTANCE, j);
        if (arg->from != IW_CFROM_INLINE) {
            ok = ci->core[j] && iw_linker_define_instance(l, it->args[a].name, ci->core[j]) == 0;
            continue;
        }
        for (uint32_t k = 0; ok && k < arg->nargs; k++) ok = iw__define(ci, l, it->args[a].name, &arg->args[k], it, err);
    }
    iw_error_t e = { 0 };
    if (ok) {
        ci->core[i] = iw_instance_new(mod->module, l, limits, &e, trap);
        if (!ci->core[i]) ok = iw__link_error(err, it, "core instance %u: %s", i, e.message[0] ? e.message : "its start function trapped");
    } else if (!l) {
        iw__link_error(err, it, "out of memory");
    }
    iw_linker_free(l);
    return ok;
}

iw_cinstance_t *iw_cinstance_new(iw_component_t *c, const iw_chost_def_t *defs, uint32_t ndefs,
                                 const iw_limits_t *limits, iw_error_t *err, iw_trap_t *trap)
{
    if (err) memset(err, 0, sizeof *err);
    iw_cinstance_t *ci = calloc(1, sizeof *ci);
    uint32_t ninst = c->spaces[IW_CSORT_CORE_INSTANCE].count, nfuncs = c->spaces[IW_CSORT_CORE_FUNC].count;
    if (ci) {
        ci->c = c;
        ci->defs = defs;
        ci->ndefs = ndefs;
        ifr_arena_init(&ci->scratch, 4096);
        ci->core = calloc(ninst ? ninst : 1, sizeof *ci->core);
        ci->lowered = calloc(nfuncs ? nfuncs : 1, sizeof *ci->lowered);
        ci->lowers = calloc(nfuncs ? nfuncs : 1, sizeof *ci->lowers);
    }
    if (!ci || !ci->core || !ci->lowered || !ci->lowers) {
        iw__link_error(err, NULL, "out of memory");
        iw_cinstance_free(ci);
        return NULL;
    }
    if (c->spaces[IW_CSORT_COMPONENT].count || c->spaces[IW_CSORT_CORE_MODULE].count == 0) {
        iw__link_error(err, NULL, c->spaces[IW_CSORT_COMPONENT].count ? "nested components are not supported"
                                                                       : "the component has no core module");
        iw_cinstance_free(ci);
        return NULL;
    }
    /* Lowers first: they need nothing but the host; memory and realloc are
     * looked up when they are called. */
    for (uint32_t f = 0; f < nfuncs; f++) {
        if (iw__item(ci, IW_CSORT_CORE_FUNC, f)->from == IW_CFROM_RESOURCE_DROP)
            ci->lowered[f] = (iw_func_t){ .sig = "i:", .host = iw__resource_drop, .name = "resource.drop",
                                          .nparams = 1 };
        if (iw__item(ci, IW_CSORT_CORE_FUNC, f)->from == IW_CFROM_LOWER && !iw__make_lower(ci, f, err)) {
            iw_cinstance_free(ci);
            return NULL;
        }
    }
    for (uint32_t i = 0; i < ninst; i++) {
        if (!iw__instantiate(ci, i, limits, err, trap)) {
            iw_cinstance_free(ci);
            return NULL;
        }
    }
    return ci;
}

void iw_cinstance_free(iw_cinstance_t *ci)
{
    if (!ci) return;
    uint32_t n = ci->c->spaces[IW_CSORT_CORE_INSTANCE].count;
    /* later instances import from earlier ones: free them first */
    for (uint32_t i = n; ci->core && i-- > 0;) iw_instance_free(ci->core[i]);
    free(ci->core);
    free(ci->lowered);
    free(ci->lowers);
    ifr_arena_destroy(&ci->scratch);
    free(ci);
}

/* A snapshot is taken once every core instance exists (a fixup module
 * has filled the shim's table): each then puts back only what it defines,
 * since what it imports is another core instance's own. */
int iw_cinstance_snapshot(iw_cinstance_t *ci)
{
    uint32_t n = ci->c->spaces[IW_CSORT_CORE_INSTANCE].count;
    for (uint32_t i = 0; i < n; i++)
        if (ci->core[i] && iw_instance_make_resettable(ci->core[i]) != 0) return -1;
    return 0;
}

int iw_cinstance_reset(iw_cinstance_t *ci, const iw_limits_t *limits)
{
    uint32_t n = ci->c->spaces[IW_CSORT_CORE_INSTANCE].count;
    for (uint32_t i = 0; i < n; i++)
        if (ci->core[i] && iw_instance_reset(ci->core[i], limits) != 0) return -1;
    ifr_arena_reset(&ci->scratch);
    ci->trap.kind = IW_TRAP_NONE;
    ci->trap.message[0] = 0;
    ci->trap.frame_count = 0;
    ci->running = NULL;
    ci->host_message[0] = 0;
    return 0;
}

/* The lift an export names, following re-exports. */
static const iw_citem_t *iw__export_lift(const iw_component_t *c, const char *name)
{
    for (uint32_t i = 0; i < c->nexports; i++) {
        if (c->exports[i].sort != IW_CSORT_FUNC || strcmp(c->exports[i].name, name) != 0) continue;
        const iw_citem_t *it = &c->spaces[IW_CSORT_FUNC].items[c->exports[i].index];
        for (uint32_t hops = 0; it->from == IW_CFROM_EXPORT && hops < IW_COMPONENT_MAX_ITEMS; hops++)
            it = &c->spaces[IW_CSORT_FUNC].items[it->index];
        return it->from == IW_CFROM_LIFT ? it : NULL;
    }
    return NULL;
}

static iw_status_t iw__call_fail(iw_cinstance_t *ci, const char *fmt, const char *name)
{
    ci->trap.kind = IW_TRAP_HOST;
    ci->trap.frame_count = 0;
    snprintf(ci->trap.message, sizeof ci->trap.message, fmt, name);
    return IW_TRAPPED;
}

iw_status_t iw_cinstance_call(iw_cinstance_t *ci, const char *name, const iw_cval_t *args, uint32_t nargs,
                              iw_cval_t *result)
{
    const iw_citem_t *lift = iw__export_lift(ci->c, name);
    if (!lift) return iw__call_fail(ci, "the component exports no lifted function %s", name);
    const iw_ctype_t *ft = lift->type;
    if (nargs != ft->count) return iw__call_fail(ci, "%s: wrong number of arguments", name);
    iw_func_t *f = iw__core_item(ci, IW_CSORT_CORE_FUNC, lift->index, 0);
    char sig[IW_CABI_MAX_FLAT_PARAMS + 4];
    bool params_mem, result_mem;
    iw__core_sig(ft, false, sig, &params_mem, &result_mem);
    if (!f || !f->inst) return iw__call_fail(ci, "%s: the lifted core function is not a wasm function", name);
    if (strcmp(f->sig, sig) != 0) return iw__call_fail(ci, "%s: the lifted core function's type does not fit its type", name);
    ci->running = f->inst;
    iw_cabi_cx_t cx = iw__cx(ci, &lift->opts);
    uint64_t slots[IW_CABI_MAX_FLAT_PARAMS];
    uint32_t pos = 0;
    bool ok = true;
    if (params_mem) {
        uint32_t size = 0, align = 1;
        for (uint32_t i = 0; i < ft->count; i++) {
            uint32_t a = iw_cabi_align(ft->fields[i].type);
            size = (size + a - 1) / a * a + iw_cabi_size(ft->fields[i].type);
            if (a > align) align = a;
        }
        uint64_t ptr, off = 0;
        ok = iw_cabi_alloc(&cx, align, size, &ptr);
        for (uint32_t i = 0; ok && i < ft->count; i++) {
            uint32_t a = iw_cabi_align(ft->fields[i].type);
            off = (off + a - 1) / a * a;
            ok = iw_cabi_store(&cx, ft->fields[i].type, &args[i], ptr + off);
            off += iw_cabi_size(ft->fields[i].type);
        }
        slots[pos++] = ptr;
    } else {
        for (uint32_t i = 0; ok && i < ft->count; i++) ok = iw_cabi_lower_flat(&cx, ft->fields[i].type, &args[i], slots, &pos);
    }
    if (!ok) return IW_TRAPPED;
    iw_val_t vals[IW_CABI_MAX_FLAT_PARAMS], res[1];
    for (uint32_t i = 0; i < pos; i++) vals[i] = iw__bits_val(sig[i], slots[i]);
    const char *colon = strchr(sig, ':');
    uint32_t nres = (uint32_t)strlen(colon + 1);
    iw_status_t st = iw_call(f->inst, f, vals, pos, res, nres);
    if (st != IW_FINISHED) {
        if (st == IW_TRAPPED) ci->trap = *iw_instance_trap(f->inst);
        else iw__call_fail(ci, "%s: the guest exited or suspended", name);
        return IW_TRAPPED;
    }
    if (ft->elem) {
        uint64_t bits = nres ? iw__val_bits(&res[0]) : 0;
        uint32_t rpos = 0;
        ok = result_mem ? iw_cabi_load(&cx, ft->elem, (uint32_t)bits, result)
                        : iw_cabi_lift_flat(&cx, ft->elem, &bits, &rpos, result);
        if (!ok) return IW_TRAPPED;
    }
    if (lift->opts.post_return >= 0) {
        iw_func_t *post = iw__core_item(ci, IW_CSORT_CORE_FUNC, (uint32_t)lift->opts.post_return, 0);
        if (!post) return iw__call_fail(ci, "%s: its post-return function is not available", name);
        st = iw_call(f->inst, post, res, nres, NULL, 0);
        if (st != IW_FINISHED) {
            if (st == IW_TRAPPED) ci->trap = *iw_instance_trap(f->inst);
            else iw__call_fail(ci, "%s: post-return exited or suspended", name);
            return IW_TRAPPED;
        }
    }
    return IW_FINISHED;
}
