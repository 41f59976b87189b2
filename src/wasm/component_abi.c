/* The canonical ABI (the component model's CanonicalABI.md) for the value
 * types the engine supports: layout in memory, flattening, and lifting and
 * lowering between host values and a guest. Every guest pointer is checked
 * against the memory before it is used; a bad one fails the call. */
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "wasm/component_abi.h"
#include "wasm/runtime.h"

static uint32_t iw__align_to(uint32_t x, uint32_t a) { return (x + a - 1) / a * a; }

static uint32_t iw__disc_size(uint32_t cases) { return cases <= 256 ? 1 : cases <= 65536 ? 2 : 4; }

/* option and result as the variants they are: none/some, ok/error. */
static uint32_t iw__cases(const iw_ctype_t *t, const iw_ctype_t *payloads[])
{
    switch (t->kind) {
    case IW_CT_OPTION: payloads[0] = NULL; payloads[1] = t->elem; return 2;
    case IW_CT_RESULT: payloads[0] = t->elem; payloads[1] = t->err; return 2;
    default: return 0;
    }
}

static uint32_t iw__ncases(const iw_ctype_t *t) { return t->kind == IW_CT_OPTION || t->kind == IW_CT_RESULT ? 2 : t->count; }

static const iw_ctype_t *iw__case_type(const iw_ctype_t *t, uint32_t i)
{
    const iw_ctype_t *p[2];
    if (iw__cases(t, p)) return p[i];
    return t->kind == IW_CT_VARIANT ? t->fields[i].type : NULL;
}

uint32_t iw_cabi_align(const iw_ctype_t *t)
{
    switch (t->kind) {
    case IW_CT_BOOL: case IW_CT_S8: case IW_CT_U8: return 1;
    case IW_CT_S16: case IW_CT_U16: return 2;
    case IW_CT_S64: case IW_CT_U64: case IW_CT_F64: return 8;
    case IW_CT_RECORD: case IW_CT_TUPLE: {
        uint32_t a = 1;
        for (uint32_t i = 0; i < t->count; i++) if (iw_cabi_align(t->fields[i].type) > a) a = iw_cabi_align(t->fields[i].type);
        return a;
    }
    case IW_CT_FLAGS: return t->count <= 8 ? 1 : t->count <= 16 ? 2 : 4;
    case IW_CT_VARIANT: case IW_CT_ENUM: case IW_CT_OPTION: case IW_CT_RESULT: {
        uint32_t a = iw__disc_size(iw__ncases(t));
        for (uint32_t i = 0; i < iw__ncases(t); i++) {
            const iw_ctype_t *c = iw__case_type(t, i);
            if (c && iw_cabi_align(c) > a) a = iw_cabi_align(c);
        }
        return a;
    }
    default: return 4;  /* s32 u32 f32 char string list own borrow */
    }
}

static uint32_t iw__payload_offset(const iw_ctype_t *t)
{
    uint32_t a = 1;
    for (uint32_t i = 0; i < iw__ncases(t); i++) {
        const iw_ctype_t *c = iw__case_type(t, i);
        if (c && iw_cabi_align(c) > a) a = iw_cabi_align(c);
    }
    return iw__align_to(iw__disc_size(iw__ncases(t)), a);
}

uint32_t iw_cabi_size(const iw_ctype_t *t)
{
    switch (t->kind) {
    case IW_CT_BOOL: case IW_CT_S8: case IW_CT_U8: return 1;
    case IW_CT_S16: case IW_CT_U16: return 2;
    case IW_CT_S64: case IW_CT_U64: case IW_CT_F64: case IW_CT_STRING: case IW_CT_LIST: return 8;
    case IW_CT_RECORD: case IW_CT_TUPLE: {
        uint32_t s = 0;
        for (uint32_t i = 0; i < t->count; i++)
            s = iw__align_to(s, iw_cabi_align(t->fields[i].type)) + iw_cabi_size(t->fields[i].type);
        return iw__align_to(s, iw_cabi_align(t));
    }
    case IW_CT_FLAGS: return iw_cabi_align(t);
    case IW_CT_VARIANT: case IW_CT_ENUM: case IW_CT_OPTION: case IW_CT_RESULT: {
        uint32_t m = 0;
        for (uint32_t i = 0; i < iw__ncases(t); i++) {
            const iw_ctype_t *c = iw__case_type(t, i);
            if (c && iw_cabi_size(c) > m) m = iw_cabi_size(c);
        }
        return iw__align_to(iw__payload_offset(t) + m, iw_cabi_align(t));
    }
    default: return 4;
    }
}

static char iw__join(char a, char b)
{
    if (a == b) return a;
    if ((a == 'i' && b == 'f') || (a == 'f' && b == 'i')) return 'i';
    return 'I';
}

bool iw_cabi_flatten(const iw_ctype_t *t, char *out, uint32_t *n, uint32_t max)
{
#define IW__PUSH(c) do { if (*n >= max) return false; out[(*n)++] = (c); } while (0)
    switch (t->kind) {
    case IW_CT_S64: case IW_CT_U64: IW__PUSH('I'); return true;
    case IW_CT_F32: IW__PUSH('f'); return true;
    case IW_CT_F64: IW__PUSH('F'); return true;
    case IW_CT_STRING: case IW_CT_LIST: IW__PUSH('i'); IW__PUSH('i'); return true;
    case IW_CT_RECORD: case IW_CT_TUPLE:
        for (uint32_t i = 0; i < t->count; i++)
            if (!iw_cabi_flatten(t->fields[i].type, out, n, max)) return false;
        return true;
    case IW_CT_VARIANT: case IW_CT_ENUM: case IW_CT_OPTION: case IW_CT_RESULT: {
        IW__PUSH('i');
        uint32_t start = *n, longest = 0;
        for (uint32_t i = 0; i < iw__ncases(t); i++) {
            const iw_ctype_t *c = iw__case_type(t, i);
            if (!c) continue;
            char tmp[IW_CABI_MAX_FLAT_PARAMS + 1];
            uint32_t k = 0;
            if (!iw_cabi_flatten(c, tmp, &k, IW_CABI_MAX_FLAT_PARAMS + 1) || start + k > max) return false;
            for (uint32_t j = 0; j < k; j++) out[start + j] = j < longest ? iw__join(out[start + j], tmp[j]) : tmp[j];
            if (k > longest) longest = k;
        }
        *n = start + longest;
        return true;
    }
    default: IW__PUSH('i'); return true;
    }
#undef IW__PUSH
}

static bool iw__fail(iw_cabi_cx_t *cx, const char *msg)
{
    if (!cx->failed) {
        cx->failed = true;
        cx->trap->kind = IW_TRAP_HOST;
        snprintf(cx->trap->message, sizeof cx->trap->message, "canonical ABI: %s", msg);
        cx->trap->frame_count = 0;
    }
    return false;
}

static uint8_t *iw__mem(iw_cabi_cx_t *cx, uint64_t ptr, uint64_t len, uint32_t align)
{
    if (!cx->memory) { iw__fail(cx, "the function moves data through memory but names none"); return NULL; }
    if (ptr % align) { iw__fail(cx, "misaligned pointer"); return NULL; }
    if (ptr > cx->memory->size || len > cx->memory->size - ptr) {
        iw__fail(cx, "pointer out of bounds of the memory");
        return NULL;
    }
    return cx->memory->data + ptr;
}

static uint64_t iw__load_int(const uint8_t *p, uint32_t size)
{
    uint64_t v = 0;
    memcpy(&v, p, size);     /* little-endian hosts: the engine's memory order */
    return v;
}

static void iw__store_int(uint8_t *p, uint64_t v, uint32_t size) { memcpy(p, &v, size); }

static void *iw__scratch(iw_cabi_cx_t *cx, size_t n, size_t size)
{
    void *p = ifr_arena_calloc(cx->scratch, n ? n : 1, size);
    if (!p) iw__fail(cx, "out of host memory");
    return p;
}

/* A primitive from raw bits, checking what the ABI requires of it. */
static bool iw__prim_from_bits(iw_cabi_cx_t *cx, const iw_ctype_t *t, uint64_t bits, iw_cval_t *out)
{
    switch (t->kind) {
    case IW_CT_BOOL: out->of.u = (bits & 0xffffffffu) != 0; return true;
    case IW_CT_S8: out->of.u = (uint64_t)(int64_t)(int8_t)bits; return true;
    case IW_CT_U8: out->of.u = (uint8_t)bits; return true;
    case IW_CT_S16: out->of.u = (uint64_t)(int64_t)(int16_t)bits; return true;
    case IW_CT_U16: out->of.u = (uint16_t)bits; return true;
    case IW_CT_S32: out->of.u = (uint64_t)(int64_t)(int32_t)bits; return true;
    case IW_CT_U32: out->of.u = (uint32_t)bits; return true;
    case IW_CT_S64: case IW_CT_U64: out->of.u = bits; return true;
    case IW_CT_F32: { float f; uint32_t b = (uint32_t)bits; memcpy(&f, &b, 4); out->of.f = f; return true; }
    case IW_CT_F64: memcpy(&out->of.f, &bits, 8); return true;
    case IW_CT_CHAR: {
        uint32_t c = (uint32_t)bits;
        if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return iw__fail(cx, "a char that is no Unicode scalar value");
        out->of.u = c;
        return true;
    }
    case IW_CT_FLAGS: case IW_CT_OWN: case IW_CT_BORROW: out->of.u = (uint32_t)bits; return true;
    default: return iw__fail(cx, "unexpected type");
    }
}

static uint64_t iw__prim_to_bits(const iw_ctype_t *t, const iw_cval_t *v)
{
    if (t->kind == IW_CT_F32) { float f = (float)v->of.f; uint32_t b; memcpy(&b, &f, 4); return b; }
    if (t->kind == IW_CT_F64) { uint64_t b; memcpy(&b, &v->of.f, 8); return b; }
    if (t->kind == IW_CT_S64 || t->kind == IW_CT_U64) return v->of.u;
    if (t->kind == IW_CT_BOOL) return v->of.u != 0;
    return (uint32_t)v->of.u;
}

/* A string or list from (ptr, len) in the guest's memory into scratch. */
static bool iw__lift_seq(iw_cabi_cx_t *cx, const iw_ctype_t *t, uint64_t ptr, uint64_t len, iw_cval_t *out)
{
    if (t->kind == IW_CT_STRING) {
        const uint8_t *p = iw__mem(cx, ptr, len, 1);
        char *s = p ? iw__scratch(cx, len + 1, 1) : NULL;
        if (!s) return false;
        memcpy(s, p, len);
        if (!ifr_utf8_valid((const uint8_t *)s, len)) return iw__fail(cx, "a string that is not UTF-8");
        out->of.str.ptr = s;
        out->of.str.len = (uint32_t)len;
        return true;
    }
    uint32_t size = iw_cabi_size(t->elem);
    if (!iw__mem(cx, ptr, len * size, iw_cabi_align(t->elem))) return false;
    iw_cval_t *items = iw__scratch(cx, len, sizeof *items);
    if (!items) return false;
    for (uint64_t i = 0; i < len; i++)
        if (!iw_cabi_load(cx, t->elem, ptr + i * size, &items[i])) return false;
    out->of.list.items = items;
    out->of.list.count = (uint32_t)len;
    return true;
}

bool iw_cabi_load(iw_cabi_cx_t *cx, const iw_ctype_t *t, uint64_t ptr, iw_cval_t *out)
{
    memset(out, 0, sizeof *out);
    uint32_t size = iw_cabi_size(t);
    const uint8_t *p = iw__mem(cx, ptr, size, iw_cabi_align(t));
    if (!p) return false;
    switch (t->kind) {
    case IW_CT_STRING: case IW_CT_LIST:
        return iw__lift_seq(cx, t, iw__load_int(p, 4), iw__load_int(p + 4, 4), out);
    case IW_CT_RECORD: case IW_CT_TUPLE: {
        iw_cval_t *items = iw__scratch(cx, t->count, sizeof *items);
        if (!items) return false;
        uint32_t off = 0;
        for (uint32_t i = 0; i < t->count; i++) {
            off = iw__align_to(off, iw_cabi_align(t->fields[i].type));
            if (!iw_cabi_load(cx, t->fields[i].type, ptr + off, &items[i])) return false;
            off += iw_cabi_size(t->fields[i].type);
        }
        out->of.list.items = items;
        out->of.list.count = t->count;
        return true;
    }
    case IW_CT_VARIANT: case IW_CT_ENUM: case IW_CT_OPTION: case IW_CT_RESULT: {
        uint32_t which = (uint32_t)iw__load_int(p, iw__disc_size(iw__ncases(t)));
        if (which >= iw__ncases(t)) return iw__fail(cx, "a variant case out of range");
        out->of.var.which = which;
        const iw_ctype_t *c = iw__case_type(t, which);
        if (!c) return true;
        iw_cval_t *payload = iw__scratch(cx, 1, sizeof *payload);
        out->of.var.payload = payload;
        return payload && iw_cabi_load(cx, c, ptr + iw__payload_offset(t), payload);
    }
    default:
        return iw__prim_from_bits(cx, t, iw__load_int(p, size), out);
    }
}

bool iw_cabi_lift_flat(iw_cabi_cx_t *cx, const iw_ctype_t *t, const uint64_t *slots, uint32_t *pos, iw_cval_t *out)
{
    memset(out, 0, sizeof *out);
    switch (t->kind) {
    case IW_CT_STRING: case IW_CT_LIST: {
        uint64_t ptr = (uint32_t)slots[*pos], len = (uint32_t)slots[*pos + 1];
        *pos += 2;
        return iw__lift_seq(cx, t, ptr, len, out);
    }
    case IW_CT_RECORD: case IW_CT_TUPLE: {
        iw_cval_t *items = iw__scratch(cx, t->count, sizeof *items);
        if (!items) return false;
        for (uint32_t i = 0; i < t->count; i++)
            if (!iw_cabi_lift_flat(cx, t->fields[i].type, slots, pos, &items[i])) return false;
        out->of.list.items = items;
        out->of.list.count = t->count;
        return true;
    }
    case IW_CT_VARIANT: case IW_CT_ENUM: case IW_CT_OPTION: case IW_CT_RESULT: {
        char flat[IW_CABI_MAX_FLAT_PARAMS];
        uint32_t n = 0;
        iw_cabi_flatten(t, flat, &n, IW_CABI_MAX_FLAT_PARAMS);
        uint32_t which = (uint32_t)slots[*pos], end = *pos + n;
        (*pos)++;
        if (which >= iw__ncases(t)) return iw__fail(cx, "a variant case out of range");
        out->of.var.which = which;
        const iw_ctype_t *c = iw__case_type(t, which);
        if (c) {
            /* the joined slots hold the case's values bit for bit (the
             * engine keeps every core value as raw low bits) */
            iw_cval_t *payload = iw__scratch(cx, 1, sizeof *payload);
            if (!payload || !iw_cabi_lift_flat(cx, c, slots, pos, payload)) return false;
            out->of.var.payload = payload;
        }
        *pos = end;
        return true;
    }
    default:
        return iw__prim_from_bits(cx, t, slots[(*pos)++], out);
    }
}

bool iw_cabi_alloc(iw_cabi_cx_t *cx, uint32_t align, uint32_t size, uint64_t *ptr)
{
    if (!cx->realloc) return iw__fail(cx, "the function passes data through memory but names no realloc");
    iw_val_t args[4] = { { .type = IW_I32 }, { .type = IW_I32 }, { .type = IW_I32, .of.i32 = (int32_t)align },
                         { .type = IW_I32, .of.i32 = (int32_t)size } };
    iw_val_t res;
    iw_status_t st = iw_call_from_host(cx->caller, cx->realloc, args, 4, &res, 1);
    if (st != IW_FINISHED) {
        if (!cx->failed) {
            cx->failed = true;
            *cx->trap = *iw_instance_trap(cx->caller);
        }
        return false;
    }
    *ptr = (uint32_t)res.of.i32;
    return iw__mem(cx, *ptr, size, align) != NULL;
}

static bool iw__lower_seq(iw_cabi_cx_t *cx, const iw_ctype_t *t, const iw_cval_t *v, uint64_t *ptr, uint64_t *len)
{
    if (t->kind == IW_CT_STRING) {
        *len = v->of.str.len;
        if (!iw_cabi_alloc(cx, 1, v->of.str.len, ptr)) return false;
        if (v->of.str.len) memcpy(cx->memory->data + *ptr, v->of.str.ptr, v->of.str.len);
        iw_mark_dirty(cx->memory, *ptr, v->of.str.len);   /* a snapshot's reset puts it back */
        return true;
    }
    uint32_t size = iw_cabi_size(t->elem);
    *len = v->of.list.count;
    if ((uint64_t)size * v->of.list.count > UINT32_MAX) return iw__fail(cx, "a list too big for a 32-bit memory");
    if (!iw_cabi_alloc(cx, iw_cabi_align(t->elem), size * v->of.list.count, ptr)) return false;
    for (uint32_t i = 0; i < v->of.list.count; i++)
        if (!iw_cabi_store(cx, t->elem, &v->of.list.items[i], *ptr + (uint64_t)i * size)) return false;
    return true;
}

bool iw_cabi_store(iw_cabi_cx_t *cx, const iw_ctype_t *t, const iw_cval_t *v, uint64_t ptr)
{
    uint32_t size = iw_cabi_size(t);
    if (!iw__mem(cx, ptr, size, iw_cabi_align(t))) return false;
    iw_mark_dirty(cx->memory, ptr, size);   /* a snapshot's reset puts it back */
    switch (t->kind) {
    case IW_CT_STRING: case IW_CT_LIST: {
        uint64_t p, n;
        /* realloc may grow the memory: look the destination up afterwards */
        if (!iw__lower_seq(cx, t, v, &p, &n)) return false;
        uint8_t *d = iw__mem(cx, ptr, 8, 4);
        if (!d) return false;
        iw__store_int(d, p, 4);
        iw__store_int(d + 4, n, 4);
        return true;
    }
    case IW_CT_RECORD: case IW_CT_TUPLE: {
        uint32_t off = 0;
        for (uint32_t i = 0; i < t->count; i++) {
            off = iw__align_to(off, iw_cabi_align(t->fields[i].type));
            if (!iw_cabi_store(cx, t->fields[i].type, &v->of.list.items[i], ptr + off)) return false;
            off += iw_cabi_size(t->fields[i].type);
        }
        return true;
    }
    case IW_CT_VARIANT: case IW_CT_ENUM: case IW_CT_OPTION: case IW_CT_RESULT: {
        uint32_t which = v->of.var.which;
        if (which >= iw__ncases(t)) return iw__fail(cx, "the host gave a variant case out of range");
        iw__store_int(cx->memory->data + ptr, which, iw__disc_size(iw__ncases(t)));
        const iw_ctype_t *c = iw__case_type(t, which);
        if (!c) return true;
        if (!v->of.var.payload) return iw__fail(cx, "the host gave a variant case without its payload");
        return iw_cabi_store(cx, c, v->of.var.payload, ptr + iw__payload_offset(t));
    }
    default:
        iw__store_int(cx->memory->data + ptr, iw__prim_to_bits(t, v), size);
        return true;
    }
}

bool iw_cabi_lower_flat(iw_cabi_cx_t *cx, const iw_ctype_t *t, const iw_cval_t *v, uint64_t *slots, uint32_t *pos)
{
    switch (t->kind) {
    case IW_CT_STRING: case IW_CT_LIST: {
        uint64_t p, n;
        if (!iw__lower_seq(cx, t, v, &p, &n)) return false;
        slots[(*pos)++] = p;
        slots[(*pos)++] = n;
        return true;
    }
    case IW_CT_RECORD: case IW_CT_TUPLE:
        for (uint32_t i = 0; i < t->count; i++)
            if (!iw_cabi_lower_flat(cx, t->fields[i].type, &v->of.list.items[i], slots, pos)) return false;
        return true;
    case IW_CT_VARIANT: case IW_CT_ENUM: case IW_CT_OPTION: case IW_CT_RESULT: {
        char flat[IW_CABI_MAX_FLAT_PARAMS];
        uint32_t n = 0;
        iw_cabi_flatten(t, flat, &n, IW_CABI_MAX_FLAT_PARAMS);
        uint32_t end = *pos + n, which = v->of.var.which;
        if (which >= iw__ncases(t)) return iw__fail(cx, "the host gave a variant case out of range");
        for (uint32_t i = *pos; i < end; i++) slots[i] = 0;
        slots[(*pos)++] = which;
        const iw_ctype_t *c = iw__case_type(t, which);
        if (c) {
            if (!v->of.var.payload) return iw__fail(cx, "the host gave a variant case without its payload");
            if (!iw_cabi_lower_flat(cx, c, v->of.var.payload, slots, pos)) return false;
        }
        *pos = end;
        return true;
    }
    default:
        slots[(*pos)++] = iw__prim_to_bits(t, v);
        return true;
    }
}

bool iw_cabi_deny_value(iw_cabi_cx_t *cx, const iw_ctype_t *t, iw_cval_t *out)
{
    memset(out, 0, sizeof *out);
    switch (t->kind) {
    case IW_CT_OWN: case IW_CT_BORROW: out->of.u = 1; return true;   /* a handle, never freed (resource.drop is a no-op) */
    case IW_CT_STRING: out->of.str.ptr = ""; return true;
    case IW_CT_RECORD: case IW_CT_TUPLE: {
        iw_cval_t *items = iw__scratch(cx, t->count, sizeof *items);
        if (!items) return false;
        for (uint32_t i = 0; i < t->count; i++)
            if (!iw_cabi_deny_value(cx, t->fields[i].type, &items[i])) return false;
        out->of.list.items = items;
        out->of.list.count = t->count;
        return true;
    }
    case IW_CT_OPTION: case IW_CT_RESULT: case IW_CT_VARIANT: {
        uint32_t which = t->kind == IW_CT_RESULT;   /* none; the error */
        if (t->kind == IW_CT_VARIANT) {
            which = 0;
            for (uint32_t i = 0; i < t->count; i++)
                if (!t->fields[i].type) { which = i; break; }
        }
        out->of.var.which = which;
        const iw_ctype_t *c = iw__case_type(t, which);
        if (!c) return true;
        iw_cval_t *payload = iw__scratch(cx, 1, sizeof *payload);
        out->of.var.payload = payload;
        return payload && iw_cabi_deny_value(cx, c, payload);
    }
    default: return true;   /* numbers, chars, enums (case 0), flags, lists (empty) */
    }
}
