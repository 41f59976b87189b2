/* See header_ops.h. */
#include "route/header_ops.h"

#include <string.h>

int route_hdr_ops_add(ifr_arena_t *a, route_hdr_ops_t *ops, route_hdr_op_t op)
{
    route_hdr_op_t *n = ifr_arena_alloc(a, (ops->count + 1) * sizeof(*n));
    if (!n) return -1;
    if (ops->count) memcpy(n, ops->ops, ops->count * sizeof(*n));
    n[ops->count++] = op;
    ops->ops = n;
    return 0;
}

int route_hdr_replace_all(ifr_arena_t *a, ifr_str_t s, ifr_str_t from, ifr_str_t to, ifr_str_t *out)
{
    *out = s;
    if (from.len == 0 || s.len < from.len) return 0;
    size_t hits = 0;
    for (size_t i = 0; i + from.len <= s.len;)
        if (!memcmp(s.ptr + i, from.ptr, from.len)) { hits++; i += from.len; } else i++;
    if (!hits) return 0;
    size_t n = s.len - hits * from.len + hits * to.len;
    char *buf = ifr_arena_alloc(a, n ? n : 1);
    if (!buf) return -1;
    size_t o = 0;
    for (size_t i = 0; i < s.len;) {
        if (i + from.len <= s.len && !memcmp(s.ptr + i, from.ptr, from.len)) {
            memcpy(buf + o, to.ptr, to.len);
            o += to.len;
            i += from.len;
        } else {
            buf[o++] = s.ptr[i++];
        }
    }
    *out = ifr_str(buf, n);
    return 0;
}

/* Removes every field whose name starts with prefix (any case). */
static void route__hdr_remove_prefix(http_headers_t *h, ifr_str_t prefix)
{
    for (uint32_t k = 0; k < h->count;) {
        ifr_str_t name = h->items[k].name;
        if (name.len >= prefix.len && ifr_str_eq_nocase(ifr_str_sub(name, 0, prefix.len), prefix))
            http_headers_remove(h, name);
        else
            k++;
    }
}

int route_hdr_ops_apply(route_exchange_t *x, const route_hdr_ops_t *ops, http_headers_t *h, route_hdr_render_t render,
                        const void *ctx)
{
    for (size_t i = 0; i < ops->count; i++) {
        const route_hdr_op_t *op = &ops->ops[i];
        ifr_str_t v = IFR_LIT("");
        if (op->value && (render ? render(x, ctx, op->value, &v) : route_tmpl_render(x, op->value, &v)) != 0)
            return -1;
        switch (op->kind) {
        case ROUTE_HDR_SET:
            if (http_headers_set(h, x->arena, op->field, v) != 0) return -1;
            break;
        case ROUTE_HDR_ADD:
            if (http_headers_add(h, x->arena, op->field, v) != 0) return -1;
            break;
        case ROUTE_HDR_DEFAULT:
            if (!http_headers_get(h, op->field) && http_headers_add(h, x->arena, op->field, v) != 0) return -1;
            break;
        case ROUTE_HDR_DELETE:
            if (op->prefix) route__hdr_remove_prefix(h, op->field);
            else http_headers_remove(h, op->field);
            break;
        case ROUTE_HDR_REPLACE:
            for (uint32_t k = 0; k < h->count; k++)
                if (ifr_str_eq_nocase(h->items[k].name, op->field) &&
                    route_hdr_replace_all(x->arena, h->items[k].value, op->find, v, &h->items[k].value) != 0)
                    return -1;
            break;
        }
    }
    return 0;
}
