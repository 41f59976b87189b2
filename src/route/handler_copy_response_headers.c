/* `copy_response_headers [<matcher>] { include <fields...> | exclude <fields...> }`:
 * inside reverse_proxy's handle_response routes, the fields of the
 * upstream answer the block took go onto the response (all of them, only
 * the included, or all but the excluded), added after any value of that
 * name already set, as Caddy 2.6.2 appends them. The upstream's framing and
 * hop-by-hop fields never do: this response has its own. Outside
 * handle_response it fails the request with 500, as Caddy does. */
#include "config/dispense.h"
#include "route/directive.h"
#include "route/response.h"
#include "route/state.h"

typedef struct {
    const cfg_token_t *fields;
    size_t nfields;
    bool include;        /* fields is the include list, else the exclude list */
} route__crh_conf_t;

static int route__crh_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 0, 0, p->err) != 0) return -1;
    route__crh_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        bool inc = cfg_is_word(&s->name, "include");
        if (!inc && !cfg_is_word(&s->name, "exclude")) {
            static const char *const known[] = { "include", "exclude" };
            return cfg_error_unknown(p->err, &s->name, "copy_response_headers option", known, 2);
        }
        if (cfg_expect_args(s, 1, SIZE_MAX, p->err) != 0 || cfg_expect_no_block(s, p->err) != 0) return -1;
        if (c->fields)
            return cfg_errorf(p->err, &s->name, "copy_response_headers: one include or exclude line, not both");
        c->fields = s->args;
        c->nfields = s->nargs;
        c->include = inc;
    }
    *conf = c;
    return 0;
}

static bool route__crh_listed(const route__crh_conf_t *c, ifr_str_t name)
{
    for (size_t i = 0; i < c->nfields; i++)
        if (ifr_str_eq_nocase(c->fields[i].text, name)) return true;
    return false;
}

static bool route__crh_framing(ifr_str_t name)
{
    static const char *const own[] = { "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",
                                       "Proxy-Connection", "Te", "Trailer", "Upgrade" };
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        if (ifr_str_eq_nocase(name, ifr_cstr(own[i]))) return true;
    return false;
}

static route_result_t route__crh_handle(route_exchange_t *x, const void *conf)
{
    const route__crh_conf_t *c = conf;
    const route_state_t *st = x->route_state;
    if (!st || !st->proxy_answer)
        return route_fail(x, 500, "copy_response_headers outside of reverse_proxy's handle_response routes");
    const http_headers_t *from = &st->proxy_answer->headers;
    for (uint32_t i = 0; i < from->count; i++) {
        ifr_str_t name = from->items[i].name;
        if (route__crh_framing(name) || (c->fields && route__crh_listed(c, name) != c->include)) continue;
        if (http_headers_add(&x->resp.headers, x->arena, name, from->items[i].value) != 0)
            return route_fail(x, 500, "out of memory");
    }
    return ROUTE_NEXT;
}

const route_directive_t route_directive_copy_response_headers = {
    .name = "copy_response_headers", .flags = ROUTE_DIR_MATCHER, .parse = route__crh_parse,
    .handle = route__crh_handle,
};
