/* `method [<matcher>] <method>`: changes the request's method internally
 * (matchers and handlers after it see the new one). */
#include "config/dispense.h"
#include "route/directive.h"

static int route__method_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, 1, p->err) != 0 || cfg_expect_no_block(d, p->err) != 0) return -1;
    char *m = ifr_arena_strndup(p->arena, d->args[0].text.ptr, d->args[0].text.len);
    if (!m) return cfg_errorf(p->err, NULL, "out of memory");
    for (char *c = m; *c; c++) {
        if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 32);
        if (*c < 'A' || *c > 'Z') return cfg_errorf(p->err, &d->args[0], "method: expected a method name like GET");
    }
    ifr_str_t *s = ifr_arena_alloc(p->arena, sizeof(*s));
    if (!s) return cfg_errorf(p->err, NULL, "out of memory");
    *s = ifr_cstr(m);
    *conf = s;
    return 0;
}

static route_result_t route__method_handle(route_exchange_t *x, const void *conf)
{
    x->req->method = *(const ifr_str_t *)conf;
    return ROUTE_NEXT;
}

const route_directive_t route_directive_method = {
    .name = "method", .flags = ROUTE_DIR_MATCHER, .min_args = 1, .parse = route__method_parse,
    .handle = route__method_handle,
};
