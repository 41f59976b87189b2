/* `header [<matcher>] [[+|-|?|>]<field> [<value>|<find>] [<replace>]] { ...; defer }`:
 * response header edits: set (`Field value`), add (`+Field value`), delete
 * (`-Field`, `-Prefix*`), default (`?Field value`: only if absent), replace
 * (`Field find replace`: substring), `>Field` = set, deferred. Edits happen
 * at once, except when deferred (explicitly, or because an op deletes,
 * replaces or defaults, as Caddy does): then they apply to the final
 * response head, after the handler set its own headers. */
#include "config/dispense.h"
#include "http/message.h"
#include "route/directive.h"
#include "route/filter.h"
#include "route/placeholder.h"
#include "route/response.h"

typedef enum { ROUTE_HDR_SET, ROUTE_HDR_ADD, ROUTE_HDR_DELETE, ROUTE_HDR_DEFAULT, ROUTE_HDR_REPLACE } route_hdr_op_kind_t;

typedef struct {
    route_hdr_op_kind_t kind;
    ifr_str_t field;
    bool prefix;               /* -Field*: every field starting with Field */
    route_tmpl_t *value;       /* set/add/default value, or replace's replacement */
    ifr_str_t find;            /* replace: substring to find */
} route_hdr_op_t;

typedef struct {
    route_hdr_op_t *ops;
    size_t count;
    bool defer;
} route_header_conf_t;

static int route_header_op(route_parse_t *p, route_header_conf_t *c, const cfg_token_t *field,
                           const cfg_token_t *args, size_t nargs)
{
    route_hdr_op_t op = { .kind = ROUTE_HDR_SET };
    ifr_str_t f = field->text;
    char sign = f.len ? f.ptr[0] : 0;
    if (sign == '+' || sign == '-' || sign == '?' || sign == '>') f = ifr_str_sub(f, 1, f.len);
    if (f.len == 0) return cfg_errorf(p->err, field, "header: expected a field name");
    if (sign == '-') {
        if (nargs) return cfg_errorf(p->err, &args[0], "header: -%.*s takes no value", (int)f.len, f.ptr);
        op.kind = ROUTE_HDR_DELETE;
        if (f.ptr[f.len - 1] == '*') { op.prefix = true; f.len--; }
        c->defer = true;
    } else {
        if (nargs == 0 || nargs > 2)
            return cfg_errorf(p->err, nargs ? &args[2] : field,
                              "header: expected %.*s <value> or %.*s <find> <replace>",
                              (int)field->text.len, field->text.ptr, (int)field->text.len, field->text.ptr);
        if (nargs == 2) {
            if (sign == '+' || sign == '?')
                return cfg_errorf(p->err, &args[1], "header: %c%.*s takes one value", sign, (int)f.len, f.ptr);
            op.kind = ROUTE_HDR_REPLACE;
            op.find = args[0].text;
            c->defer = true;
        } else if (sign == '+') {
            op.kind = ROUTE_HDR_ADD;
        } else if (sign == '?') {
            op.kind = ROUTE_HDR_DEFAULT;
            c->defer = true;
        }
        if (sign == '>') c->defer = true;
        if (!(op.value = route_tmpl_compile(p->arena, args[nargs - 1].text)))
            return cfg_errorf(p->err, NULL, "out of memory");
    }
    op.field = f;
    route_hdr_op_t *n = ifr_arena_alloc(p->arena, (c->count + 1) * sizeof(*n));
    if (!n) return cfg_errorf(p->err, NULL, "out of memory");
    if (c->count) memcpy(n, c->ops, c->count * sizeof(*n));
    n[c->count++] = op;
    c->ops = n;
    return 0;
}

static int route_header_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    route_header_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    if (d->nargs && route_header_op(p, c, &d->args[0], d->args + 1, d->nargs - 1) != 0) return -1;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (ifr_str_eq_cstr(s->name.text, "defer") && s->nargs == 0) { c->defer = true; continue; }
        if (route_header_op(p, c, &s->name, s->args, s->nargs) != 0) return -1;
    }
    if (c->count == 0) return cfg_errorf(p->err, &d->name, "header: expected a header field to change");
    *conf = c;
    return 0;
}

/* Replaces every occurrence of find in v (arena result). */
static ifr_str_t route_replace_all(ifr_arena_t *a, ifr_str_t v, ifr_str_t find, ifr_str_t repl)
{
    if (find.len == 0 || v.len < find.len) return v;
    size_t hits = 0;
    for (size_t i = 0; i + find.len <= v.len;)
        if (memcmp(v.ptr + i, find.ptr, find.len) == 0) { hits++; i += find.len; } else i++;
    if (!hits) return v;
    char *b = ifr_arena_alloc(a, v.len + hits * repl.len + 1);
    if (!b) return v;
    size_t n = 0;
    for (size_t i = 0; i < v.len;) {
        if (i + find.len <= v.len && memcmp(v.ptr + i, find.ptr, find.len) == 0) {
            memcpy(b + n, repl.ptr, repl.len);
            n += repl.len;
            i += find.len;
        } else {
            b[n++] = v.ptr[i++];
        }
    }
    return ifr_str(b, n);
}

static int route_header_apply(route_exchange_t *x, const route_header_conf_t *c)
{
    http_headers_t *h = &x->resp.headers;
    for (size_t i = 0; i < c->count; i++) {
        const route_hdr_op_t *op = &c->ops[i];
        ifr_str_t v = IFR_LIT("");
        if (op->value && route_tmpl_render(x, op->value, &v) != 0) return -1;
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
            if (!op->prefix) {
                http_headers_remove(h, op->field);
                break;
            }
            for (uint32_t k = 0; k < h->count;) {
                ifr_str_t name = h->items[k].name;
                if (name.len >= op->field.len && ifr_str_eq_nocase(ifr_str_sub(name, 0, op->field.len), op->field))
                    http_headers_remove(h, name);
                else
                    k++;
            }
            break;
        case ROUTE_HDR_REPLACE:
            for (uint32_t k = 0; k < h->count; k++)
                if (ifr_str_eq_nocase(h->items[k].name, op->field))
                    h->items[k].value = route_replace_all(x->arena, h->items[k].value, op->find, v);
            break;
        }
    }
    return 0;
}

static int route_header_on_head(route_exchange_t *x, route_filter_t *f)
{
    route_header_apply(x, f->ctx);
    return route_filter_head(x, f->next);
}

static const route_filter_ops_t route_header_filter = { .name = "header", .on_head = route_header_on_head };

static route_result_t route_header_handle(route_exchange_t *x, const void *conf)
{
    const route_header_conf_t *c = conf;
    int rc = c->defer ? route_filter_push(x, &route_header_filter, (void *)c) : route_header_apply(x, c);
    return rc == 0 ? ROUTE_NEXT : route_fail(x, 500, "out of memory");
}

const route_directive_t route_directive_header = {
    .name = "header", .flags = ROUTE_DIR_MATCHER | ROUTE_DIR_BLOCK_ARGS, .min_args = 1, .parse = route_header_parse,
    .handle = route_header_handle,
};
