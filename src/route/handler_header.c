/* `header [<matcher>] [[+|-|?|>]<field> [<value>|<find>] [<replace>]] { ...; defer }`:
 * response header edits: set (`Field value`), add (`+Field value`), delete
 * (`-Field`, `-Prefix*`), default (`?Field value`: only if absent), replace
 * (`Field find replace`: substring), `>Field` = set, deferred. Edits happen
 * at once, except when deferred (explicitly, or because an op deletes,
 * replaces or defaults, as Caddy does): then they apply to the final
 * response head, after the handler set its own headers. A `match { status
 * ...; header ... }` block (Caddy 2.7+) limits the edits to responses that
 * match, which defers them. */
#include "config/dispense.h"
#include "http/message.h"
#include "route/directive.h"
#include "route/filter.h"
#include "route/header_ops.h"
#include "route/resp_match.h"
#include "route/tmpl.h"
#include "route/response.h"

typedef struct {
    route_hdr_ops_t ops;
    bool defer;
    route_resp_match_t *match;   /* NULL: every response */
} route__header_conf_t;

static int route__header_op(route_parse_t *p, route__header_conf_t *c, const cfg_token_t *field,
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
    if (route_hdr_ops_add(p->arena, &c->ops, op) != 0) return cfg_errorf(p->err, NULL, "out of memory");
    return 0;
}

static int route__header_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    route__header_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    if (d->nargs && route__header_op(p, c, &d->args[0], d->args + 1, d->nargs - 1) != 0) return -1;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (ifr_str_eq_cstr(s->name.text, "defer") && s->nargs == 0) { c->defer = true; continue; }
        if (ifr_str_eq_cstr(s->name.text, "match") && s->nargs == 0 && s->block) {
            if (c->match) return cfg_errorf(p->err, &s->name, "header: one match block only");
            if (route_resp_match_parse(p, s, "header", &c->match) != 0) return -1;
            c->defer = true;
            continue;
        }
        if (route__header_op(p, c, &s->name, s->args, s->nargs) != 0) return -1;
    }
    if (c->ops.count == 0) return cfg_errorf(p->err, &d->name, "header: expected a header field to change");
    *conf = c;
    return 0;
}

static int route__header_apply(route_exchange_t *x, const route__header_conf_t *c)
{
    return route_hdr_ops_apply(x, &c->ops, &x->resp.headers, NULL, NULL);
}

static int route__header_on_head(route_exchange_t *x, route_filter_t *f)
{
    const route__header_conf_t *c = f->ctx;
    if (!c->match || route_resp_match(c->match, &x->resp)) route__header_apply(x, c);
    return route_filter_head(x, f->next);
}

static const route_filter_ops_t route__header_filter = { .name = "header", .on_head = route__header_on_head };

static route_result_t route__header_handle(route_exchange_t *x, const void *conf)
{
    const route__header_conf_t *c = conf;
    int rc = c->defer ? route_filter_push(x, &route__header_filter, (void *)c) : route__header_apply(x, c);
    return rc == 0 ? ROUTE_NEXT : route_fail(x, 500, "out of memory");
}

const route_directive_t route_directive_header = {
    .name = "header", .flags = ROUTE_DIR_MATCHER | ROUTE_DIR_BLOCK_ARGS, .min_args = 1, .parse = route__header_parse,
    .handle = route__header_handle,
};
