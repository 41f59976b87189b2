/* `request_header [<matcher>] [+|-]<field> [<value>|<find> <replace>]`:
 * edits the request's headers before later handlers (and upstreams) see
 * them: `Field value` sets, `+Field value` adds, `-Field` deletes,
 * `Field find replace` replaces a substring. Values take placeholders. */
#include "config/dispense.h"
#include "http/message.h"
#include "route/directive.h"
#include "route/tmpl.h"
#include "route/response.h"

typedef struct {
    char op;              /* '=' set, '+' add, '-' delete, 'r' replace */
    ifr_str_t field;
    ifr_str_t find;
    route_tmpl_t *value;
} route__req_header_conf_t;

static int route__request_header_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, 3, p->err) != 0 || cfg_expect_no_block(d, p->err) != 0) return -1;
    route__req_header_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    ifr_str_t f = d->args[0].text;
    c->op = f.len && (f.ptr[0] == '+' || f.ptr[0] == '-') ? f.ptr[0] : '=';
    if (c->op != '=') f = ifr_str_sub(f, 1, f.len);
    if (f.len == 0) return cfg_errorf(p->err, &d->args[0], "request_header: expected a field name");
    c->field = f;
    if (c->op == '-') {
        if (d->nargs != 1) return cfg_errorf(p->err, &d->args[1], "request_header: -%s takes no value", f.ptr);
    } else {
        if (d->nargs == 1) return cfg_errorf(p->err, &d->args[0], "request_header: expected a value");
        if (d->nargs == 3) {
            if (c->op == '+') return cfg_errorf(p->err, &d->args[2], "request_header: +%s takes one value", f.ptr);
            c->op = 'r';
            c->find = d->args[1].text;
        }
        if (!(c->value = route_tmpl_compile(p->arena, d->args[d->nargs - 1].text)))
            return cfg_errorf(p->err, NULL, "out of memory");
    }
    *conf = c;
    return 0;
}

static route_result_t route__request_header_handle(route_exchange_t *x, const void *conf)
{
    const route__req_header_conf_t *c = conf;
    http_headers_t *h = &x->req->headers;
    ifr_str_t v = IFR_LIT("");
    if (c->value && route_tmpl_render(x, c->value, &v) != 0) return route_fail(x, 500, "out of memory");
    int rc = 0;
    switch (c->op) {
    case '=': rc = http_headers_set(h, x->arena, c->field, v); break;
    case '+': rc = http_headers_add(h, x->arena, c->field, v); break;
    case '-': http_headers_remove(h, c->field); break;
    case 'r':
        for (uint32_t i = 0; i < h->count && rc == 0; i++) {
            ifr_str_t old = h->items[i].value;
            if (!ifr_str_eq_nocase(h->items[i].name, c->field) || c->find.len == 0) continue;
            /* One pass, copying into a buffer big enough for every hit. */
            size_t hits = 0;
            for (size_t k = 0; k + c->find.len <= old.len; k++)
                if (memcmp(old.ptr + k, c->find.ptr, c->find.len) == 0) { hits++; k += c->find.len - 1; }
            if (!hits) continue;
            char *b = ifr_arena_alloc(x->arena, old.len + hits * v.len + 1);
            if (!b) { rc = -1; break; }
            size_t n = 0;
            for (size_t k = 0; k < old.len;) {
                if (k + c->find.len <= old.len && memcmp(old.ptr + k, c->find.ptr, c->find.len) == 0) {
                    memcpy(b + n, v.ptr, v.len);
                    n += v.len;
                    k += c->find.len;
                } else {
                    b[n++] = old.ptr[k++];
                }
            }
            h->items[i].value = ifr_str(b, n);
        }
        break;
    }
    return rc == 0 ? ROUTE_NEXT : route_fail(x, 500, "out of memory");
}

const route_directive_t route_directive_request_header = {
    .name = "request_header", .flags = ROUTE_DIR_MATCHER, .min_args = 1,
    .parse = route__request_header_parse, .handle = route__request_header_handle,
};
