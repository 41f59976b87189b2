/* `request_body [<matcher>] { max_size <size> }`: caps the request body.
 * A Content-Length already above the cap fails at once with 413; a
 * chunked body is cut by the host when it passes x->body_limit. */
#include "config/dispense.h"
#include "route/directive.h"
#include "route/response.h"

static int route__request_body_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 0, 0, p->err) != 0) return -1;
    uint64_t *max = ifr_arena_calloc(p->arena, 1, sizeof(*max));
    if (!max) return cfg_errorf(p->err, NULL, "out of memory");
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (!ifr_str_eq_cstr(s->name.text, "max_size")) {
            static const char *const known[] = { "max_size" };
            return cfg_error_unknown(p->err, &s->name, "request_body option", known, 1);
        }
        if (cfg_expect_args(s, 1, 1, p->err) != 0 || cfg_parse_size(&s->args[0], 0, max, p->err) != 0)
            return -1;
    }
    *conf = max;
    return 0;
}

static route_result_t route__request_body_handle(route_exchange_t *x, const void *conf)
{
    uint64_t max = *(const uint64_t *)conf;
    if (max == 0) return ROUTE_NEXT;
    if (x->req->body_kind == HTTP_BODY_LENGTH && x->req->content_length > max)
        return route_fail(x, 413, "request body too large");
    x->body_limit = max;
    return ROUTE_NEXT;
}

const route_directive_t route_directive_request_body = {
    .name = "request_body", .flags = ROUTE_DIR_MATCHER, .parse = route__request_body_parse,
    .handle = route__request_body_handle,
};
