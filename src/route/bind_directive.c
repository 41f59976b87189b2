/* `bind <addresses...>`: the addresses a site's listeners take, in Caddy's
 * [network/]host form (config/options.h, cfg_parse_bind). Several bind
 * lines add up; a site without one takes the global default_bind, and
 * without that every interface. Each address becomes one text, the same
 * for the listener (route_listener_t.host) and for the connections it
 * accepts (route_conn_info_t.listener), so a request is served only by
 * the sites bound where it arrived. */
#include <string.h>

#include "config/dispense.h"
#include "route/directive.h"
#include "route/site.h"

/* "127.0.0.1", "::1", "tcp4/example.com", "unix//run/x.sock": what the
 * server's listener reads (srv_listener_open). Names in lower case. */
static const char *route__bind_text(ifr_arena_t *a, const cfg_bind_t *b)
{
    static const char *const prefix[] = { [CFG_BIND_TCP] = "", [CFG_BIND_TCP4] = "tcp4/",
                                          [CFG_BIND_TCP6] = "tcp6/", [CFG_BIND_UNIX] = "unix/" };
    char *s = ifr_arena_printf(a, "%s%.*s", prefix[b->network], (int)b->host.len, b->host.ptr);
    if (s && b->network != CFG_BIND_UNIX)
        for (char *c = s; *c; c++) *c = ifr_ascii_lower(*c);
    return s;
}

/* Appends the addresses of tokens to site->binds, once each. */
static int route__bind_add(ifr_arena_t *a, route_site_t *site, const cfg_token_t *t, size_t n, cfg_error_t *err)
{
    const char **all = ifr_arena_calloc(a, site->nbinds + n, sizeof *all);
    if (!all) return cfg_errorf(err, NULL, "out of memory");
    if (site->nbinds) memcpy(all, site->binds, site->nbinds * sizeof *all);
    size_t count = site->nbinds;
    for (size_t i = 0; i < n; i++) {
        cfg_bind_t b;
        if (cfg_parse_bind(&t[i], &b, err) != 0) return -1;
        const char *text = route__bind_text(a, &b);
        if (!text) return cfg_errorf(err, NULL, "out of memory");
        bool seen = false;
        for (size_t k = 0; k < count && !seen; k++) seen = strcmp(all[k], text) == 0;
        if (!seen) all[count++] = text;
    }
    site->binds = all;
    site->nbinds = count;
    return 0;
}

int route_site_default_bind(route_plan_t *p, route_site_t *site, cfg_error_t *err)
{
    if (site->nbinds || !p->options.ndefault_bind) return 0;
    return route__bind_add(&p->arena, site, p->options.default_bind, p->options.ndefault_bind, err);
}

bool route_site_bound(const route_site_t *site, ifr_str_t listener)
{
    if (site->nbinds == 0) return listener.len == 0;
    for (size_t i = 0; i < site->nbinds; i++)
        if (ifr_str_eq_cstr(listener, site->binds[i])) return true;
    return false;
}

static int route__bind_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    *conf = NULL;
    if (cfg_expect_no_block(d, p->err)) return -1;
    /* `bind` with nothing after it binds nothing, as in Caddy. */
    return route__bind_add(p->arena, p->site, d->args, d->nargs, p->err);
}

const route_directive_t route_directive_bind = {
    .name = "bind", .flags = ROUTE_DIR_SITE, .parse = route__bind_parse,
};
