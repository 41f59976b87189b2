/* `copy_response [<matcher>] [<status>] { status <status> }`: inside
 * reverse_proxy's handle_response routes, answers with the upstream's
 * response the block took: its fields (as reverse_proxy passes them on,
 * header_down applied) over what the routes set, and its body, with the
 * upstream's status or the one given. The body was kept in memory for it
 * (proxy_keep.h). Outside handle_response it fails the request with 500,
 * as Caddy does. */
#include "config/dispense.h"
#include "route/directive.h"
#include "route/proxy_headers.h"
#include "route/proxy_keep.h"
#include "route/response.h"
#include "route/state.h"

static int route__copy_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 0, 1, p->err) != 0) return -1;
    int *status = ifr_arena_calloc(p->arena, 1, sizeof(*status));
    if (!status) return cfg_errorf(p->err, NULL, "out of memory");
    const cfg_token_t *code = d->nargs ? &d->args[0] : NULL;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (!cfg_is_word(&s->name, "status")) {
            static const char *const known[] = { "status" };
            return cfg_error_unknown(p->err, &s->name, "copy_response option", known, 1);
        }
        if (cfg_expect_args(s, 1, 1, p->err) != 0 || cfg_expect_no_block(s, p->err) != 0) return -1;
        code = &s->args[0];
    }
    if (code && route_parse_status(code, status) != 0)
        return cfg_errorf(p->err, code, "copy_response: expected a status code");
    *conf = status;
    return 0;
}

static route_result_t route__copy_handle(route_exchange_t *x, const void *conf)
{
    const int *status = conf;
    const route_state_t *st = x->route_state;
    if (!st || !st->proxy_answer)
        return route_fail(x, 500, "copy_response outside of reverse_proxy's handle_response routes");
    const route_proxy_kept_t *k = st->proxy_answer->kept;
    if (!k) return route_fail(x, 500, "copy_response: the upstream's body was not kept (copy_response in a named route?)");
    const http_headers_t ours = x->resp.headers;
    if (route_proxy_headers_down(x, k->conf, k->up, &ours, &k->head) != 0) return route_fail(x, 500, "out of memory");
    return route_send_simple(x, *status ? *status : k->head.status, ifr_buf_str(&k->body));
}

const route_directive_t route_directive_copy_response = {
    .name = "copy_response", .flags = ROUTE_DIR_MATCHER, .parse = route__copy_parse, .handle = route__copy_handle,
};
