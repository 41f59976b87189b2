/* Component types as WIT-like text, for error messages and for embedders
 * that tell worlds apart by their types. Bounded by the buffer: once it is
 * full nothing more is visited, so a type whose text would be huge (a
 * record of the same record twice, 64 levels deep) costs no more than the
 * buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wasm/component.h"

typedef struct {
    char *buf;
    size_t cap, len;
    bool full;
} iw__printer_t;

static void iw__put(iw__printer_t *p, const char *s)
{
    if (p->full) return;
    size_t n = strlen(s);
    if (p->len + n + 1 > p->cap) {
        static const char more[] = "...";
        size_t keep = p->cap > sizeof more ? p->cap - sizeof more : 0;
        if (p->len > keep) p->len = keep;
        size_t fit = keep - p->len < n ? keep - p->len : n;
        memcpy(p->buf + p->len, s, fit);
        p->len += fit;
        size_t m = p->cap - 1 - p->len < 3 ? p->cap - 1 - p->len : 3;
        memcpy(p->buf + p->len, more, m);
        p->len += m;
        p->full = true;
    } else {
        memcpy(p->buf + p->len, s, n);
        p->len += n;
    }
    p->buf[p->len] = 0;
}

static void iw__print(iw__printer_t *p, const iw_ctype_t *t);

static void iw__fields(iw__printer_t *p, const iw_ctype_t *t, const char *open, const char *close, bool named,
                       bool typed, bool parens)
{
    iw__put(p, open);
    for (uint32_t i = 0; i < t->count && !p->full; i++) {
        if (i) iw__put(p, ", ");
        if (named) iw__put(p, t->fields[i].name);
        if (typed && t->fields[i].type) {
            iw__put(p, parens ? "(" : named ? ": " : "");
            iw__print(p, t->fields[i].type);
            if (parens) iw__put(p, ")");
        }
    }
    iw__put(p, close);
}

static void iw__members(iw__printer_t *p, const char *what, const iw_cmember_t *m, uint32_t n)
{
    for (uint32_t i = 0; i < n && !p->full; i++) {
        iw__put(p, " ");
        if (what) { iw__put(p, what); iw__put(p, " "); }
        iw__put(p, m[i].name);
        iw__put(p, ": ");
        if (m[i].sort == IW_CSORT_TYPE && (!m[i].type || m[i].type->kind == IW_CT_RESOURCE)) iw__put(p, "resource");
        else if (m[i].sort == IW_CSORT_TYPE) { iw__put(p, "type "); iw__print(p, m[i].type); }
        else if (m[i].type) iw__print(p, m[i].type);
        else iw__put(p, iw_csort_name(m[i].sort));
        iw__put(p, ";");
    }
}

static void iw__print(iw__printer_t *p, const iw_ctype_t *t)
{
    static const char *const prims[IW_CT_STRING + 1] = { "bool", "s8", "u8", "s16", "u16", "s32", "u32",
                                                         "s64", "u64", "f32", "f64", "char", "string" };
    if (p->full) return;
    switch (t->kind) {
    case IW_CT_RECORD: iw__fields(p, t, "record { ", " }", true, true, false); break;
    case IW_CT_VARIANT: iw__fields(p, t, "variant { ", " }", true, true, true); break;
    case IW_CT_FLAGS: iw__fields(p, t, "flags { ", " }", true, false, false); break;
    case IW_CT_ENUM: iw__fields(p, t, "enum { ", " }", true, false, false); break;
    case IW_CT_TUPLE: iw__fields(p, t, "tuple<", ">", false, true, false); break;
    case IW_CT_LIST: case IW_CT_OPTION: case IW_CT_OWN: case IW_CT_BORROW:
        iw__put(p, t->kind == IW_CT_LIST ? "list<" : t->kind == IW_CT_OPTION ? "option<"
                   : t->kind == IW_CT_OWN ? "own<" : "borrow<");
        iw__print(p, t->elem);
        iw__put(p, ">");
        break;
    case IW_CT_RESULT:
        iw__put(p, "result");
        if (t->elem || t->err) {
            iw__put(p, "<");
            if (t->elem) iw__print(p, t->elem); else iw__put(p, "_");
            if (t->err) { iw__put(p, ", "); iw__print(p, t->err); }
            iw__put(p, ">");
        }
        break;
    case IW_CT_RESOURCE: iw__put(p, "resource"); break;
    case IW_CT_FUNC:
        iw__fields(p, t, "func(", ")", true, true, false);
        if (t->elem) { iw__put(p, " -> "); iw__print(p, t->elem); }
        break;
    case IW_CT_INSTANCE: case IW_CT_COMPONENT:
        iw__put(p, t->kind == IW_CT_INSTANCE ? "instance {" : "component {");
        iw__members(p, t->kind == IW_CT_COMPONENT ? "import" : NULL, t->imports, t->nimports);
        iw__members(p, t->kind == IW_CT_COMPONENT ? "export" : NULL, t->exports, t->nexports);
        iw__put(p, " }");
        break;
    case IW_CT_CORE_FUNC: iw__put(p, "core func "); iw__put(p, t->core_sig); break;
    default: iw__put(p, prims[t->kind]); break;
    }
}

size_t iw_ctype_print(const iw_ctype_t *t, char *buf, size_t cap)
{
    if (!cap) return 0;
    iw__printer_t p = { buf, cap, 0, false };
    buf[0] = 0;
    iw__print(&p, t);
    return p.len;
}
