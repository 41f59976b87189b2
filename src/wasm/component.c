/* The component's public face: detection, loading, freeing, and its
 * imports and exports with their types in WIT-like text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/component.h"

const char *iw_csort_name(iw_csort_t sort)
{
    static const char *const names[IW_CSORT_COUNT] = {
        "core func", "core table", "core memory", "core global", "core type", "core module", "core instance",
        "func", "type", "component", "instance",
    };
    return sort < IW_CSORT_COUNT ? names[sort] : "?";
}

bool iw_is_component(const uint8_t *bytes, size_t len)
{
    return len >= 8 && memcmp(bytes, "\0asm", 4) == 0 && bytes[6] == 0x01 && bytes[7] == 0x00;
}

static void iw__release(iw_component_t *c)
{
    const iw_cspace_t *s = &c->spaces[IW_CSORT_COMPONENT];
    for (uint32_t i = 0; i < s->count; i++)
        if (s->items[i].from == IW_CFROM_DEFINED) iw__release(s->items[i].component);
    for (uint32_t i = 0; i < c->nmodules; i++) iw_module_release(c->modules[i]);
    free(c->modules);
}

iw_component_t *iw_component_new(const uint8_t *bytes, size_t len, iw_error_t *err)
{
    iw_error_t scratch;
    if (!err) err = &scratch;
    memset(err, 0, sizeof *err);
    ifr_arena_t *arena = malloc(sizeof *arena);
    if (!arena) { snprintf(err->message, sizeof err->message, "out of memory"); return NULL; }
    ifr_arena_init(arena, 16 * 1024);
    iw_component_t *c = ifr_arena_calloc(arena, 1, sizeof *c);
    if (!c) {
        free(arena);
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    c->arena = arena;
    iw_reader_t r = { bytes, bytes, bytes + len, err, false };
    iw_ctype_scope_t scope = { .component = c };
    iw_cdecoder_t d = { &r, c, &scope, 0 };
    if (iw_component_read_preamble(&r) && iw_component_decode_body(&d) && !r.failed) return c;
    if (!r.failed) iw_fail(&r, "malformed component");
    iw_component_free(c);
    return NULL;
}

void iw_component_free(iw_component_t *c)
{
    if (!c) return;
    ifr_arena_t *arena = c->arena;
    iw__release(c);
    ifr_arena_destroy(arena);
    free(arena);
}

uint32_t iw_component_import_count(const iw_component_t *c) { return c->nimports; }
uint32_t iw_component_export_count(const iw_component_t *c) { return c->nexports; }

static const iw_cextern_t *iw__extern(const iw_component_t *c, bool import, uint32_t i)
{
    if (import) return i < c->nimports ? &c->imports[i] : NULL;
    return i < c->nexports ? &c->exports[i] : NULL;
}

const char *iw_component_extern_name(const iw_component_t *c, bool import, uint32_t i)
{
    const iw_cextern_t *e = iw__extern(c, import, i);
    return e ? e->name : NULL;
}

size_t iw_component_extern_type(const iw_component_t *c, bool import, uint32_t i, char *buf, size_t cap)
{
    const iw_cextern_t *e = iw__extern(c, import, i);
    if (!e || !cap) return 0;
    if (e->type) return iw_ctype_print(e->type, buf, cap);
    int n = snprintf(buf, cap, "%s", iw_csort_name(e->sort));
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static const iw_ctype_t *iw__export_func_type(const iw_component_t *c, const char *func)
{
    for (uint32_t i = 0; i < c->nexports; i++)
        if (c->exports[i].sort == IW_CSORT_FUNC && strcmp(c->exports[i].name, func) == 0) return c->exports[i].type;
    return NULL;
}

int iw_component_export_params(const iw_component_t *c, const char *func)
{
    const iw_ctype_t *t = iw__export_func_type(c, func);
    return t && t->kind == IW_CT_FUNC ? (int)t->count : -1;
}

const char *iw_component_export_param_field(const iw_component_t *c, const char *func, uint32_t param,
                                            uint32_t field, char *type, size_t cap)
{
    const iw_ctype_t *t = iw__export_func_type(c, func);
    if (!t || t->kind != IW_CT_FUNC || param >= t->count) return NULL;
    const iw_ctype_t *r = t->fields[param].type;
    if (r->kind != IW_CT_RECORD || field >= r->count) return NULL;
    iw_ctype_print(r->fields[field].type, type, cap);
    return r->fields[field].name;
}
