/* The component's type sections: defined value types, function types,
 * component and instance types (with their own index spaces, outer
 * aliases and type exports with `eq` bounds), and the core type section's
 * function types. */
#include <string.h>

#include "wasm/component.h"

static const iw_ctype_t iw__prims[IW_CT_STRING + 1] = {
#define IW__PRIM(k) [k] = { .kind = k, .depth = 1 }
    IW__PRIM(IW_CT_BOOL), IW__PRIM(IW_CT_S8), IW__PRIM(IW_CT_U8), IW__PRIM(IW_CT_S16), IW__PRIM(IW_CT_U16),
    IW__PRIM(IW_CT_S32), IW__PRIM(IW_CT_U32), IW__PRIM(IW_CT_S64), IW__PRIM(IW_CT_U64), IW__PRIM(IW_CT_F32),
    IW__PRIM(IW_CT_F64), IW__PRIM(IW_CT_CHAR), IW__PRIM(IW_CT_STRING),
#undef IW__PRIM
};

const iw_ctype_t *iw_ctype_prim(iw_ctype_kind_t kind) { return &iw__prims[kind]; }

/* Primitive value type codes 0x7f (bool) down to 0x73 (string). */
static bool iw__prim_code(uint8_t b, const iw_ctype_t **out)
{
    if (b < 0x73 || b > 0x7f) return false;
    *out = &iw__prims[0x7f - b];
    return true;
}

const iw_ctype_t *iw_ctype_scope_get(iw_cdecoder_t *d, const iw_ctype_scope_t *scope, uint32_t count,
                                     uint32_t i, const uint8_t *at)
{
    for (uint32_t n = 0; n < count && scope; n++) scope = scope->outer;
    if (!scope) {
        iw_fail_at(d->r, at, "outer alias count %u goes past the outermost component", count);
        return NULL;
    }
    if (scope->component) {
        const iw_cspace_t *s = &scope->component->spaces[IW_CSORT_TYPE];
        if (i < s->count) return s->items[i].type;
    } else if (i < scope->ntypes) {
        return scope->types[i];
    }
    iw_fail_at(d->r, at, "unknown type %u", i);
    return NULL;
}

static bool iw__scope_push(iw_cdecoder_t *d, iw_ctype_scope_t *scope, const iw_ctype_t *t)
{
    if (scope->component) {
        iw_citem_t *it = iw_component_push(d, IW_CSORT_TYPE);
        if (!it) return false;
        it->from = IW_CFROM_DEFINED;
        it->type = t;
        return true;
    }
    if (scope->ntypes == scope->cap) {
        uint32_t cap = scope->cap ? scope->cap * 2 : 8;
        const iw_ctype_t **n = iw_component_alloc(d, cap, sizeof *n);
        if (!n) return false;
        if (scope->ntypes) memcpy(n, scope->types, scope->ntypes * sizeof *n);
        scope->types = n;
        scope->cap = cap;
    }
    scope->types[scope->ntypes++] = t;
    return true;
}

static iw_ctype_t *iw__new_type(iw_cdecoder_t *d, iw_ctype_kind_t kind)
{
    iw_ctype_t *t = iw_component_alloc(d, 1, sizeof *t);
    if (t) { t->kind = kind; t->depth = 1; }
    return t;
}

/* A value type: a primitive code (negative as an s33) or a type index. */
static const iw_ctype_t *iw__read_valtype(iw_cdecoder_t *d, const iw_ctype_scope_t *scope)
{
    const uint8_t *at = d->r->p;
    int64_t v;
    if (!iw_read_s33(d->r, &v)) return NULL;
    const iw_ctype_t *t;
    if (v < 0) {
        uint8_t b = (uint8_t)(v & 0x7f);
        if (iw__prim_code(b, &t)) return t;
        if (b == 0x64) iw_fail_at(d->r, at, "the value type error-context is not supported");
        else iw_fail_at(d->r, at, "malformed value type 0x%02x", b);
        return NULL;
    }
    t = iw_ctype_scope_get(d, scope, 0, (uint32_t)v, at);
    if (t && !iw_ctype_is_value(t)) {
        iw_fail_at(d->r, at, "type %u is not a value type", (uint32_t)v);
        return NULL;
    }
    return t;
}

static bool iw__deeper(iw_cdecoder_t *d, iw_ctype_t *t, const iw_ctype_t *elem, const uint8_t *at)
{
    if (elem && elem->depth + 1 > t->depth) t->depth = elem->depth + 1;
    if (t->depth > IW_COMPONENT_MAX_TYPE_DEPTH)
        return iw_fail_at(d->r, at, "value types nested deeper than %u", IW_COMPONENT_MAX_TYPE_DEPTH);
    return true;
}

/* vec(label valtype?) for records (named, typed), variants (optional
 * payload, then 0x00), tuples (types only), flags and enums (names only). */
typedef enum { IW__FIELDS_NAMED, IW__FIELDS_PARAMS, IW__FIELDS_CASES, IW__FIELDS_TYPES, IW__FIELDS_LABELS } iw__fields_t;

static bool iw__read_fields(iw_cdecoder_t *d, const iw_ctype_scope_t *scope, iw_ctype_t *t, iw__fields_t how,
                            const uint8_t *at)
{
    if (!iw_read_count(d->r, IW_COMPONENT_MAX_ITEMS, "fields", &t->count)) return false;
    if (t->count == 0 && how != IW__FIELDS_TYPES && how != IW__FIELDS_PARAMS)
        return iw_fail_at(d->r, at, "a record, variant, flags or enum type needs at least one member");
    iw_cfield_t *f = iw_component_alloc(d, t->count, sizeof *f);
    if (!f) return false;
    t->fields = f;
    for (uint32_t i = 0; i < t->count; i++) {
        if (how != IW__FIELDS_TYPES && !(f[i].name = iw_component_read_name(d))) return false;
        if (how == IW__FIELDS_NAMED || how == IW__FIELDS_PARAMS || how == IW__FIELDS_TYPES) {
            if (!(f[i].type = iw__read_valtype(d, scope))) return false;
        } else if (how == IW__FIELDS_CASES) {
            uint8_t has, refines;
            if (!iw_read_u8(d->r, &has)) return false;
            if (has > 1) return iw_fail(d->r, "malformed variant case payload flag 0x%02x", has);
            if (has && !(f[i].type = iw__read_valtype(d, scope))) return false;
            if (!iw_read_u8(d->r, &refines)) return false;
            if (refines != 0) return iw_fail(d->r, "variant case refinements are not supported");
        }
        if (!iw__deeper(d, t, f[i].type, at)) return false;
    }
    return true;
}

static bool iw__read_optional_valtype(iw_cdecoder_t *d, const iw_ctype_scope_t *scope, const iw_ctype_t **out)
{
    uint8_t has;
    *out = NULL;
    if (!iw_read_u8(d->r, &has)) return false;
    if (has > 1) return iw_fail(d->r, "malformed optional type flag 0x%02x", has);
    return !has || (*out = iw__read_valtype(d, scope)) != NULL;
}

static const iw_ctype_t *iw__read_defvaltype(iw_cdecoder_t *d, const iw_ctype_scope_t *scope, uint8_t b,
                                             const uint8_t *at)
{
    const iw_ctype_t *prim;
    if (iw__prim_code(b, &prim)) return prim;
    static const iw_ctype_kind_t kinds[] = {
        [0x72 - 0x68] = IW_CT_RECORD, [0x71 - 0x68] = IW_CT_VARIANT, [0x70 - 0x68] = IW_CT_LIST,
        [0x6f - 0x68] = IW_CT_TUPLE, [0x6e - 0x68] = IW_CT_FLAGS, [0x6d - 0x68] = IW_CT_ENUM,
        [0x6b - 0x68] = IW_CT_OPTION, [0x6a - 0x68] = IW_CT_RESULT, [0x69 - 0x68] = IW_CT_OWN,
        [0x68 - 0x68] = IW_CT_BORROW,
    };
    if (b < 0x68 || b > 0x72 || b == 0x6c) {
        const char *what = b == 0x67 ? "fixed-size list" : b == 0x66 ? "stream" : b == 0x65 ? "future"
                         : b == 0x64 ? "error-context" : NULL;
        if (what) iw_fail_at(d->r, at, "the %s type is not supported", what);
        else iw_fail_at(d->r, at, "malformed type definition 0x%02x", b);
        return NULL;
    }
    iw_ctype_t *t = iw__new_type(d, kinds[b - 0x68]);
    if (!t) return NULL;
    bool ok;
    switch (t->kind) {
    case IW_CT_RECORD: ok = iw__read_fields(d, scope, t, IW__FIELDS_NAMED, at); break;
    case IW_CT_VARIANT: ok = iw__read_fields(d, scope, t, IW__FIELDS_CASES, at); break;
    case IW_CT_TUPLE: ok = iw__read_fields(d, scope, t, IW__FIELDS_TYPES, at); break;
    case IW_CT_FLAGS: case IW_CT_ENUM: ok = iw__read_fields(d, scope, t, IW__FIELDS_LABELS, at); break;
    case IW_CT_LIST: case IW_CT_OPTION:
        ok = (t->elem = iw__read_valtype(d, scope)) && iw__deeper(d, t, t->elem, at);
        break;
    case IW_CT_RESULT:
        ok = iw__read_optional_valtype(d, scope, &t->elem) && iw__read_optional_valtype(d, scope, &t->err)
             && iw__deeper(d, t, t->elem, at) && iw__deeper(d, t, t->err, at);
        break;
    default: {  /* own, borrow: of a resource type */
        const uint8_t *iat = d->r->p;
        uint32_t i;
        ok = iw_read_u32(d->r, &i) && (t->elem = iw_ctype_scope_get(d, scope, 0, i, iat));
        if (ok && t->elem->kind != IW_CT_RESOURCE) ok = iw_fail_at(d->r, iat, "type %u is not a resource type", i);
        break;
    }
    }
    if (t->kind == IW_CT_FLAGS && ok && t->count > 32)
        ok = iw_fail_at(d->r, at, "a flags type with more than 32 flags is not supported");
    return ok ? t : NULL;
}

static const iw_ctype_t *iw__read_functype(iw_cdecoder_t *d, const iw_ctype_scope_t *scope, const uint8_t *at)
{
    iw_ctype_t *t = iw__new_type(d, IW_CT_FUNC);
    if (!t || !iw__read_fields(d, scope, t, IW__FIELDS_PARAMS, at)) return NULL;
    uint8_t form;
    if (!iw_read_u8(d->r, &form)) return NULL;
    if (form == 0x00) {
        if (!(t->elem = iw__read_valtype(d, scope))) return NULL;
    } else if (form == 0x01) {
        uint8_t zero;
        if (!iw_read_u8(d->r, &zero)) return NULL;
        if (zero != 0) { iw_fail(d->r, "named function results are not supported"); return NULL; }
    } else {
        iw_fail(d->r, "malformed function result list 0x%02x", form);
        return NULL;
    }
    return t;
}

static bool iw__add_member(iw_cdecoder_t *d, iw_cmember_t **list, uint32_t *n, uint32_t *cap, iw_cmember_t m)
{
    if (*n == *cap) {
        uint32_t c = *cap ? *cap * 2 : 4;
        iw_cmember_t *l = iw_component_alloc(d, c, sizeof *l);
        if (!l) return false;
        if (*n) memcpy(l, *list, *n * sizeof *l);
        *list = l;
        *cap = c;
    }
    (*list)[(*n)++] = m;
    return true;
}

static const iw_ctype_t *iw__read_deftype(iw_cdecoder_t *d, const iw_ctype_scope_t *scope);

/* An outer alias inside a component or instance type: only of types. */
static bool iw__read_type_alias(iw_cdecoder_t *d, iw_ctype_scope_t *scope)
{
    const uint8_t *at = d->r->p;
    uint8_t sort, target;
    uint32_t count, index;
    if (!iw_read_u8(d->r, &sort) || !iw_read_u8(d->r, &target)) return false;
    if (sort != 0x03 || target != 0x02)
        return iw_fail_at(d->r, at, "inside a component or instance type only outer aliases of types are supported");
    if (!iw_read_u32(d->r, &count) || !iw_read_u32(d->r, &index)) return false;
    const iw_ctype_t *t = iw_ctype_scope_get(d, scope, count, index, at);
    return t && iw__scope_push(d, scope, t);
}

/* componenttype (0x41) and instancetype (0x42): declarations in a scope of
 * their own. */
static const iw_ctype_t *iw__read_decls(iw_cdecoder_t *d, const iw_ctype_scope_t *outer, bool component,
                                        const uint8_t *at)
{
    if (d->nesting >= IW_COMPONENT_MAX_NESTING) {
        iw_fail_at(d->r, at, "component and instance types nested deeper than %u", IW_COMPONENT_MAX_NESTING);
        return NULL;
    }
    d->nesting++;
    iw_ctype_t *t = iw__new_type(d, component ? IW_CT_COMPONENT : IW_CT_INSTANCE);
    iw_ctype_scope_t scope = { .outer = outer };
    iw_cmember_t *imports = NULL, *exports = NULL;
    uint32_t cap_imports = 0, cap_exports = 0, n;
    bool ok = t && iw_read_count(d->r, IW_COMPONENT_MAX_ITEMS, "declarations", &n);
    for (uint32_t i = 0; ok && i < n; i++) {
        const uint8_t *dat = d->r->p;
        uint8_t kind;
        if (!(ok = iw_read_u8(d->r, &kind))) break;
        if (kind == 0x01) {
            const iw_ctype_t *dt = iw__read_deftype(d, &scope);
            ok = dt && iw__scope_push(d, &scope, dt);
        } else if (kind == 0x02) {
            ok = iw__read_type_alias(d, &scope);
        } else if (kind == 0x04 || (kind == 0x03 && component)) {
            iw_cmember_t m;
            ok = (m.name = iw_component_read_extern_name(d))
                 && iw_component_read_externdesc(d, &scope, &m.sort, &m.type);
            if (ok && m.sort == IW_CSORT_TYPE) ok = iw__scope_push(d, &scope, m.type);
            if (ok && kind == 0x03) ok = iw__add_member(d, &imports, &t->nimports, &cap_imports, m);
            if (ok && kind == 0x04) ok = iw__add_member(d, &exports, &t->nexports, &cap_exports, m);
        } else if (kind == 0x00) {
            ok = iw_fail_at(d->r, dat, "core type declarations inside a component or instance type are not supported");
        } else {
            ok = iw_fail_at(d->r, dat, "malformed %s type declaration 0x%02x", component ? "component" : "instance",
                            kind);
        }
    }
    d->nesting--;
    if (!ok) return NULL;
    t->imports = imports;
    t->exports = exports;
    return t;
}

static const iw_ctype_t *iw__read_deftype(iw_cdecoder_t *d, const iw_ctype_scope_t *scope)
{
    const uint8_t *at = d->r->p;
    uint8_t b;
    if (!iw_read_u8(d->r, &b)) return NULL;
    switch (b) {
    case 0x40: return iw__read_functype(d, scope, at);
    case 0x41: return iw__read_decls(d, scope, true, at);
    case 0x42: return iw__read_decls(d, scope, false, at);
    case 0x3f: iw_fail_at(d->r, at, "resource type definitions are not supported"); return NULL;
    case 0x43: iw_fail_at(d->r, at, "async function types are not supported"); return NULL;
    default: return iw__read_defvaltype(d, scope, b, at);
    }
}

bool iw_component_read_externdesc(iw_cdecoder_t *d, iw_ctype_scope_t *scope, iw_csort_t *sort,
                                  const iw_ctype_t **type)
{
    const uint8_t *at = d->r->p;
    uint8_t kind;
    uint32_t i;
    if (!iw_read_u8(d->r, &kind)) return false;
    *type = NULL;
    switch (kind) {
    case 0x00: return iw_fail_at(d->r, at, "core module imports and exports are not supported");
    case 0x02: return iw_fail_at(d->r, at, "value imports and exports are not supported");
    case 0x03: {
        uint8_t bound;
        if (!iw_read_u8(d->r, &bound)) return false;
        *sort = IW_CSORT_TYPE;
        if (bound == 0x01) return (*type = iw__new_type(d, IW_CT_RESOURCE)) != NULL;
        if (bound != 0x00) return iw_fail_at(d->r, at, "malformed type bound 0x%02x", bound);
        const uint8_t *iat = d->r->p;
        return iw_read_u32(d->r, &i) && (*type = iw_ctype_scope_get(d, scope, 0, i, iat)) != NULL;
    }
    case 0x01: case 0x04: case 0x05: {
        static const iw_ctype_kind_t want[] = { [0x01] = IW_CT_FUNC, [0x04] = IW_CT_COMPONENT, [0x05] = IW_CT_INSTANCE };
        static const iw_csort_t sorts[] = { [0x01] = IW_CSORT_FUNC, [0x04] = IW_CSORT_COMPONENT,
                                            [0x05] = IW_CSORT_INSTANCE };
        const uint8_t *iat = d->r->p;
        if (!iw_read_u32(d->r, &i) || !(*type = iw_ctype_scope_get(d, scope, 0, i, iat))) return false;
        if ((*type)->kind != want[kind])
            return iw_fail_at(d->r, iat, "type %u is not a %s type", i, iw_csort_name(sorts[kind]));
        *sort = sorts[kind];
        return true;
    }
    default: return iw_fail_at(d->r, at, "malformed extern description 0x%02x", kind);
    }
}

bool iw_component_decode_types(iw_cdecoder_t *d)
{
    uint32_t n;
    if (!iw_read_count(d->r, IW_COMPONENT_MAX_ITEMS, "types", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *at = d->r->p;
        const iw_ctype_t *t = iw__read_deftype(d, d->scope);
        if (!t || !iw__scope_push(d, d->scope, t)) return false;
        d->c->spaces[IW_CSORT_TYPE].items[d->c->spaces[IW_CSORT_TYPE].count - 1].offset = (uint64_t)(at - d->r->base);
    }
    return true;
}

/* Core types: function types only (module types are refused). */
bool iw_component_decode_core_types(iw_cdecoder_t *d)
{
    static const char letters[] = { [0x7f - 0x6f] = 'i', [0x7e - 0x6f] = 'I', [0x7d - 0x6f] = 'f',
                                    [0x7c - 0x6f] = 'F', [0x7b - 0x6f] = 'v', [0x70 - 0x6f] = 'r',
                                    [0x6f - 0x6f] = 'e' };
    uint32_t n;
    if (!iw_read_count(d->r, IW_COMPONENT_MAX_ITEMS, "core types", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *at = d->r->p;
        uint8_t form;
        if (!iw_read_u8(d->r, &form)) return false;
        if (form == 0x50) return iw_fail_at(d->r, at, "core module types are not supported");
        if (form != 0x60) return iw_fail_at(d->r, at, "malformed core type 0x%02x", form);
        uint32_t np, nr;
        char sig[2 * 1000 + 2];
        size_t len = 0;
        for (int part = 0; part < 2; part++) {
            uint32_t *cnt = part ? &nr : &np;
            if (!iw_read_count(d->r, 1000, part ? "core results" : "core params", cnt)) return false;
            for (uint32_t k = 0; k < *cnt; k++) {
                const uint8_t *vat = d->r->p;
                uint8_t v;
                if (!iw_read_u8(d->r, &v)) return false;
                if (v < 0x6f || v > 0x7f || !letters[v - 0x6f])
                    return iw_fail_at(d->r, vat, "malformed value type 0x%02x", v);
                sig[len++] = letters[v - 0x6f];
            }
            if (!part) sig[len++] = ':';
        }
        iw_ctype_t *t = iw__new_type(d, IW_CT_CORE_FUNC);
        iw_citem_t *it = t ? iw_component_push(d, IW_CSORT_CORE_TYPE) : NULL;
        if (!it || !(t->core_sig = ifr_arena_strndup(d->c->arena, sig, len)))
            return iw_fail(d->r, "out of memory while loading the component");
        it->from = IW_CFROM_DEFINED;
        it->type = t;
        it->offset = (uint64_t)(at - d->r->base);
    }
    return true;
}
