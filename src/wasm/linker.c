/* The linker: named definitions that imports resolve to. Later definitions
 * of a name win, so lookups scan from the newest. */
#include <stdlib.h>
#include <string.h>

#include "wasm/config.h"
#include "wasm/linker.h"

iw_linker_t *iw_linker_new(void) { return calloc(1, sizeof(iw_linker_t)); }

void iw_linker_free(iw_linker_t *l)
{
    if (!l) return;
    for (uint32_t i = 0; i < l->count; i++) {
        free(l->defs[i].module);
        free(l->defs[i].name);
        free(l->defs[i].host_sig);
    }
    free(l->defs);
    free(l);
}

static iw_def_t *iw__linker_add(iw_linker_t *l, const char *module, const char *name, iw_extern_kind_t kind)
{
    if (l->count == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 32;
        iw_def_t *d = realloc(l->defs, cap * sizeof *d);
        if (!d) return NULL;
        l->defs = d;
        l->cap = cap;
    }
    iw_def_t *d = &l->defs[l->count];
    memset(d, 0, sizeof *d);
    d->module = strdup(module);
    d->name = strdup(name);
    if (!d->module || !d->name) {
        free(d->module);
        free(d->name);
        return NULL;
    }
    d->kind = kind;
    l->count++;
    return d;
}

const iw_def_t *iw_linker_find(const iw_linker_t *l, const char *module, const char *name)
{
    if (!l) return NULL;
    for (uint32_t i = l->count; i-- > 0;) {
        const iw_def_t *d = &l->defs[i];
        if (strcmp(d->name, name) == 0 && strcmp(d->module, module) == 0) return d;
    }
    return NULL;
}

/* A signature is letters from "iIfFre", one ':' and at most
 * IW_HOST_MAX_RESULTS results. No v128: a host function's arguments and
 * results are single 64-bit slots. */
static bool iw__sig_parse(const char *sig, uint32_t *np, uint32_t *nr)
{
    const char *colon = sig ? strchr(sig, ':') : NULL;
    if (!colon || strchr(colon + 1, ':')) return false;
    for (const char *p = sig; *p; p++)
        if (p != colon && (!iw_sig_type(*p) || *p == 'v')) return false;
    *np = (uint32_t)(colon - sig);
    *nr = (uint32_t)strlen(colon + 1);
    return *nr <= IW_HOST_MAX_RESULTS;
}

int iw_linker_define_func(iw_linker_t *l, const char *module, const char *name, iw_sig_t sig,
                          iw_host_fn_t fn, void *env)
{
    uint32_t np, nr;
    if (!l || !fn || !iw__sig_parse(sig, &np, &nr)) return -1;
    char *sig_copy = strdup(sig);
    if (!sig_copy) return -1;
    iw_def_t *d = iw__linker_add(l, module, name, IW_EXTERN_FUNC);
    if (!d) { free(sig_copy); return -1; }
    d->host_sig = sig_copy;
    d->host = (iw_func_t){ .sig = sig_copy, .host = fn, .env = env, .name = d->name, .nparams = np, .nresults = nr };
    return 0;
}

int iw_linker_define_func_ref(iw_linker_t *l, const char *module, const char *name, iw_func_t *f)
{
    iw_def_t *d = l && f ? iw__linker_add(l, module, name, IW_EXTERN_FUNC) : NULL;
    if (!d) return -1;
    d->func = f;
    return 0;
}

int iw_linker_define_memory(iw_linker_t *l, const char *module, const char *name, iw_memory_t *mem)
{
    iw_def_t *d = l && mem ? iw__linker_add(l, module, name, IW_EXTERN_MEMORY) : NULL;
    if (!d) return -1;
    d->memory = mem;
    return 0;
}

int iw_linker_define_table(iw_linker_t *l, const char *module, const char *name, iw_table_t *tab)
{
    iw_def_t *d = l && tab ? iw__linker_add(l, module, name, IW_EXTERN_TABLE) : NULL;
    if (!d) return -1;
    d->table = tab;
    return 0;
}

int iw_linker_define_global(iw_linker_t *l, const char *module, const char *name, iw_global_t *glob)
{
    iw_def_t *d = l && glob ? iw__linker_add(l, module, name, IW_EXTERN_GLOBAL) : NULL;
    if (!d) return -1;
    d->global = glob;
    return 0;
}

int iw_linker_define_instance(iw_linker_t *l, const char *module, iw_instance_t *inst)
{
    if (!l || !inst) return -1;
    const iw_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const iw_export_t *e = &m->exports[i];
        iw_def_t *d = iw__linker_add(l, module, e->name, e->kind);
        if (!d) return -1;
        switch (e->kind) {
        case IW_EXTERN_FUNC: d->func = inst->funcs[e->index]; break;
        case IW_EXTERN_TABLE: d->table = inst->tables[e->index]; break;
        case IW_EXTERN_MEMORY: d->memory = inst->memories[e->index]; break;
        case IW_EXTERN_GLOBAL: d->global = inst->globals[e->index]; break;
        }
    }
    return 0;
}
