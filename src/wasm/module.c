/* The module's public face: loading, reference counting, introspection. */
#include <stdlib.h>

#include "wasm/jit.h"
#include "wasm/module.h"

iw_module_t *iw_module_new(const uint8_t *bytes, size_t len, iw_error_t *err)
{
    iw_module_t *m = iw_decode(bytes, len, err);
    if (m) iw_jit_compile_module(m);
    return m;
}

void iw_module_retain(iw_module_t *m) { atomic_fetch_add(&m->refs, 1); }

void iw_module_release(iw_module_t *m)
{
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1) return;
    iw_jit_module_free(m->jit);
    ifr_arena_destroy(&m->arena);
    free(m);
}

uint32_t iw_module_import_count(const iw_module_t *m) { return m->nimports; }
uint32_t iw_module_export_count(const iw_module_t *m) { return m->nexports; }

void iw_module_import_info(const iw_module_t *m, uint32_t i, iw_extern_info_t *out)
{
    const iw_import_t *im = &m->imports[i];
    *out = (iw_extern_info_t){ im->module, im->name, im->kind, im->index };
}

void iw_module_export_info(const iw_module_t *m, uint32_t i, iw_extern_info_t *out)
{
    const iw_export_t *e = &m->exports[i];
    *out = (iw_extern_info_t){ NULL, e->name, e->kind, e->index };
}

const char *iw_module_func_sig(const iw_module_t *m, uint32_t func)
{
    return func < m->nfuncs ? iw_func_type(m, func)->sig : NULL;
}
