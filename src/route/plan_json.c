/* A plan as Caddy's JSON structure (plan_json.h). */
#include "route/plan_json.h"

#include <string.h>

#include "base/json.h"
#include "route/block.h"
#include "route/match_util.h"
#include "route/matcher.h"
#include "route/site.h"

/* ifrit's directive -> Caddy's handler module; block: its conf starts
 * with a route_block_conf_t whose routes become a subroute. */
static const struct {
    const char *directive, *handler;
    bool block;
} route__json_handlers[] = {
    { "respond", "static_response", false }, { "redir", "static_response", false },
    { "error", "error", false }, { "header", "headers", false }, { "request_header", "headers", false },
    { "rewrite", "rewrite", false }, { "uri", "rewrite", false }, { "method", "rewrite", false },
    { "try_files", "rewrite", false }, { "root", "vars", false }, { "vars", "vars", false },
    { "map", "map", false }, { "encode", "encode", false }, { "basic_auth", "authentication", false },
    { "forward_auth", "reverse_proxy", false }, { "request_body", "request_body", false },
    { "file_server", "file_server", false }, { "reverse_proxy", "reverse_proxy", false },
    { "handle", "subroute", true }, { "route", "subroute", true }, { "handle_path", "subroute", true },
    { "invoke", "subroute", true }, { "log_name", "vars", false }, { "skip_log", "vars", false },
};

static int route__json_routes(const route_list_t *l, ifr_buf_t *out);

static int route__json_strs(const route_strs_t *l, ifr_buf_t *out)
{
    if (ifr_buf_append_byte(out, '[') != 0) return -1;
    for (size_t i = 0; i < l->count; i++)
        if ((i && ifr_buf_append_byte(out, ',') != 0) || ifr_json_append_string(out, l->items[i]) != 0) return -1;
    return ifr_buf_append_byte(out, ']');
}

static int route__json_match(const route_matcher_set_t *s, ifr_buf_t *out)
{
    if (ifr_buf_append_cstr(out, "\"match\":[{") != 0) return -1;
    for (size_t i = 0; i < s->count; i++) {
        const route_cond_t *c = &s->conds[i];
        if ((i && ifr_buf_append_byte(out, ',') != 0) || ifr_json_append_string(out, ifr_cstr(c->m->name)) != 0 ||
            ifr_buf_append_byte(out, ':') != 0)
            return -1;
        int rc = c->m->flags & ROUTE_MATCH_STRS ? route__json_strs(c->conf, out) : ifr_buf_append_cstr(out, "{}");
        if (rc != 0) return -1;
    }
    return ifr_buf_append_cstr(out, "}],");
}

static int route__json_handler(const route_entry_t *e, ifr_buf_t *out)
{
    const char *name = e->dir->name;
    bool block = false;
    for (size_t i = 0; i < sizeof(route__json_handlers) / sizeof(route__json_handlers[0]); i++)
        if (strcmp(route__json_handlers[i].directive, name) == 0) {
            name = route__json_handlers[i].handler;
            block = route__json_handlers[i].block;
        }
    if (ifr_buf_printf(out, "{\"handler\":\"%s\"", name) != 0) return -1;
    if (block) {
        const route_block_conf_t *b = e->conf;
        if (ifr_buf_append_cstr(out, ",\"routes\":") != 0 || route__json_routes(&b->routes, out) != 0) return -1;
    }
    return ifr_buf_append_byte(out, '}');
}

/* A route's matcher set as JSON text, into m (emptied first). */
static int route__json_match_text(const route_entry_t *e, ifr_buf_t *m)
{
    m->len = 0;
    return e->match ? route__json_match(e->match, m) : 0;
}

/* Routes as Caddy consolidates them: neighbours with the same matcher
 * set, neither in a group (handle, rewrite, root), are one route with
 * several handlers. */
static int route__json_route_items(const route_list_t *l, ifr_buf_t *out)
{
    ifr_buf_t prev = IFR_BUF_INIT, cur = IFR_BUF_INIT;
    int rc = 0;
    bool open = false, prev_grouped = false;
    for (size_t i = 0; rc == 0 && i < l->count; i++) {
        const route_entry_t *e = &l->items[i];
        rc = route__json_match_text(e, &cur);
        if (rc != 0) break;
        bool same = open && !prev_grouped && !e->group && prev.len == cur.len &&
                    (cur.len == 0 || memcmp(prev.data, cur.data, cur.len) == 0);
        if (same) {
            rc = ifr_buf_append_byte(out, ',');
        } else {
            if (open) rc = ifr_buf_append_cstr(out, "]},");
            rc |= ifr_buf_append_byte(out, '{');
            if (cur.len) rc |= ifr_buf_append(out, cur.data, cur.len);
            rc |= ifr_buf_append_cstr(out, "\"handle\":[");
            ifr_buf_t t = prev;
            prev = cur;
            cur = t;
        }
        if (rc == 0) rc = route__json_handler(e, out);
        open = true;
        prev_grouped = e->group != 0;
    }
    if (rc == 0 && open) rc = ifr_buf_append_cstr(out, "]}");
    ifr_buf_free(&prev);
    ifr_buf_free(&cur);
    return rc;
}

static int route__json_routes(const route_list_t *l, ifr_buf_t *out)
{
    if (ifr_buf_append_byte(out, '[') != 0 || route__json_route_items(l, out) != 0) return -1;
    return ifr_buf_append_byte(out, ']');
}

/* Whether site s serves port, and with host names there. */
static bool route__json_on_port(const route_site_t *s, uint16_t port, bool *named)
{
    bool on = false;
    *named = false;
    for (size_t i = 0; i < s->naddrs; i++)
        if (s->addrs[i].port == port) {
            on = true;
            *named |= s->addrs[i].host.len > 0;
        }
    return on;
}

/* One site's routes on port, as Caddy: a route matching its host names
 * (none for a catch-all) with a subroute of them, terminal; a port with
 * one site and no names gets the site's routes themselves. */
static int route__json_site(const route_site_t *s, uint16_t port, bool named, bool alone, ifr_buf_t *out)
{
    if (!named && alone)
        return s->routes.count ? ifr_buf_append_byte(out, ',') | route__json_route_items(&s->routes, out) : 0;
    if (ifr_buf_append_cstr(out, ",{") != 0) return -1;
    if (named) {
        if (ifr_buf_append_cstr(out, "\"match\":[{\"host\":[") != 0) return -1;
        bool first = true;
        for (size_t i = 0; i < s->naddrs; i++) {
            if (s->addrs[i].port != port || s->addrs[i].host.len == 0) continue;
            if ((!first && ifr_buf_append_byte(out, ',') != 0) || ifr_json_append_string(out, s->addrs[i].host) != 0)
                return -1;
            first = false;
        }
        if (ifr_buf_append_cstr(out, "]}],") != 0) return -1;
    }
    if (ifr_buf_append_cstr(out, "\"handle\":[{\"handler\":\"subroute\",\"routes\":") != 0 ||
        route__json_routes(&s->routes, out) != 0)
        return -1;
    return ifr_buf_append_cstr(out, "}],\"terminal\":true}");
}

int route_plan_json(const route_plan_t *p, ifr_buf_t *out)
{
    if (ifr_buf_append_cstr(out, "{\"apps\":{\"http\":{\"servers\":{") != 0) return -1;
    /* Servers in port order, as Caddy numbers them. */
    uint16_t done = 0;
    for (size_t n = 0; n < p->nlisteners; n++) {
        uint16_t port = 0;
        for (size_t i = 0; i < p->nlisteners; i++)
            if (p->listeners[i].port > done && (!port || p->listeners[i].port < port)) port = p->listeners[i].port;
        done = port;
        if (ifr_buf_printf(out, "%s\"srv%zu\":{\"listen\":[\":%u\"],\"routes\":[", n ? "," : "", n, port) != 0)
            return -1;
        size_t mark = out->len, nsites = 0;
        bool named;
        for (size_t i = 0; i < p->nsites; i++) nsites += route__json_on_port(&p->sites[i], port, &named);
        /* Sites with host names first, then the catch-alls, as Caddy sorts them. */
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < p->nsites; i++) {
                if (!route__json_on_port(&p->sites[i], port, &named) || named != (pass == 0)) continue;
                if (route__json_site(&p->sites[i], port, named, nsites == 1, out) != 0) return -1;
            }
        if (out->len > mark) {   /* drop the comma in front of the first route */
            memmove(out->data + mark, out->data + mark + 1, out->len - mark - 1);
            out->len--;
        }
        if (ifr_buf_append_cstr(out, "]}") != 0) return -1;
    }
    return ifr_buf_append_cstr(out, "}}}}");
}
