/* Loading a plan (Caddyfile -> sites, listeners, routes), its lifetime,
 * and dispatching requests to the right site. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/address.h"
#include "config/caddyfile.h"
#include "config/dispense.h"
#include "config/options.h"
#include "route/chain.h"
#include "route/filter.h"
#include "route/log.h"
#include "route/matcher.h"
#include "route/path.h"
#include "route/plan.h"
#include "route/site.h"
#include "route/state.h"

/* Adds the address's port on bind to the listeners, refusing a port
 * wanted both with and without TLS (on any address). */
int route_plan_add_listener(route_plan_t *p, const cfg_token_t *key, const route_site_addr_t *a, const char *bind,
                            cfg_error_t *err)
{
    bool have = false;
    for (size_t i = 0; i < p->nlisteners; i++) {
        if (p->listeners[i].port != a->port) continue;
        if (p->listeners[i].tls != a->tls)
            return cfg_errorf(err, key, "port %u is used both with and without TLS", a->port);
        const char *h = p->listeners[i].host;
        have |= bind ? h && strcmp(h, bind) == 0 : !h;
    }
    if (have) return 0;
    route_listener_t *n = ifr_arena_calloc(&p->arena, p->nlisteners + 1, sizeof(*n));
    if (!n) return cfg_errorf(err, NULL, "out of memory");
    if (p->nlisteners) memcpy(n, p->listeners, p->nlisteners * sizeof(*n));
    /* Caddy listens on every interface, whatever the site's host, unless
     * the site says where (bind, default_bind). */
    n[p->nlisteners++] = (route_listener_t){ bind, a->port, a->tls };
    p->listeners = n;
    return 0;
}

int route_site_build(route_plan_t *p, const cfg_site_t *cs, route_site_t *site, const char *base_dir,
                     cfg_error_t *err)
{
    route_parse_t pc = { .arena = &p->arena, .err = err, .site = site, .base_dir = base_dir, .plan = p };
    site->addrs = ifr_arena_calloc(&p->arena, cs->nkeys, sizeof(route_site_addr_t));
    if (!site->addrs) return cfg_errorf(err, NULL, "out of memory");
    for (size_t i = 0; i < cs->nkeys; i++) {
        cfg_address_t a;
        if (cfg_parse_address(&cs->keys[i], &a, err) != 0) return -1;
        if (cfg_address_resolve(&cs->keys[i], &a, &p->options, err) != 0) return -1;
        route_site_addr_t *sa = &site->addrs[site->naddrs++];
        char *h = ifr_arena_strndup(&p->arena, a.host.ptr ? a.host.ptr : "", a.host.len);
        if (!h) return cfg_errorf(err, NULL, "out of memory");
        for (char *c = h; *c; c++) *c = ifr_ascii_lower(*c);
        *sa = (route_site_addr_t){ ifr_str(h, a.host.len), a.listen_port, a.tls };
        if (a.path.len) {
            /* One path per site block, as the route of the whole site. */
            cfg_token_t t = cs->keys[i];
            t.text = a.path;
            route_matcher_set_t *m;
            if (route_matcher_inline_path(&pc, &t, &m) != 0) return -1;
            site->path = m;
        }
    }
    if (route_parse_list(&pc, &cs->body, false, &site->routes) != 0) return -1;
    if (route_site_default_bind(p, site, err) != 0) return -1;
    /* A tls directive makes the site's addresses TLS: known only now. */
    if (route_site_tls_addresses(p, cs, site, err) != 0) return -1;
    for (size_t i = 0; i < site->naddrs; i++) {
        if (!site->nbinds && route_plan_add_listener(p, &cs->keys[i], &site->addrs[i], NULL, err) != 0) return -1;
        for (size_t k = 0; k < site->nbinds; k++)
            if (route_plan_add_listener(p, &cs->keys[i], &site->addrs[i], site->binds[k], err) != 0) return -1;
    }
    return 0;
}

static route_plan_t *route__plan_build(route_plan_t *p, cfg_doc_t *doc, const char *base_dir,
                                      cfg_error_t *err)
{
    if (cfg_parse_global_options(doc->global, &p->options, err) != 0) {
        cfg_error_name_option(err, doc->global);
        return NULL;
    }
    /* e.g. `engine`, which the modules this plan loads run on (fn's hook) */
    route_options_hook_run(&p->options);
    if (route_trust_build(&p->arena, &p->options, &p->trust, err) != 0 || route_plan_order(p, err) != 0 ||
        route_log_global_build(p, base_dir, err) != 0)
        return NULL;
    p->doc = doc;
    if (doc->nroutes && !(p->named = ifr_arena_calloc(&p->arena, doc->nroutes, sizeof(route_named_t)))) {
        cfg_errorf(err, NULL, "out of memory");
        return NULL;
    }
    p->sites = doc->nsites ? ifr_arena_calloc(&p->arena, doc->nsites, sizeof(route_site_t)) : NULL;
    if (doc->nsites && !p->sites) { cfg_errorf(err, NULL, "out of memory"); return NULL; }
    for (size_t i = 0; i < doc->nsites; i++) {
        if (route_site_build(p, &doc->sites[i], &p->sites[i], base_dir, err) != 0) {
            /* Name the option a bad value belongs to, in the site or in a
             * named route it invokes. */
            cfg_error_name_option(err, &doc->sites[i].body);
            for (size_t r = 0; r < doc->nroutes; r++) cfg_error_name_option(err, &doc->routes[r].body);
            return NULL;
        }
        p->nsites++;
    }
    if (route_plan_tls_finish(p, base_dir, err) != 0) return NULL;
    p->doc = NULL;
    return p;
}

static route_plan_t *route__plan_new(void)
{
    route_plan_t *p = calloc(1, sizeof(*p));
    if (!p) return NULL;
    ifr_arena_init(&p->arena, 64 * 1024);
    atomic_init(&p->refs, 1);
    return p;
}

static void route__plan_free(route_plan_t *p)
{
    ifr_arena_destroy(&p->arena);
    free(p);
}

/* The directory part of path, arena copy ("" for a bare file name). */
static const char *route__dir_of(ifr_arena_t *a, const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!slash) return "";
    return ifr_arena_strndup(a, path, slash == path ? 1 : (size_t)(slash - path));
}

route_plan_t *route_plan_load(const char *path, cfg_error_t *err)
{
    route_plan_t *p = route__plan_new();
    cfg_doc_t *doc;
    if (!p) { cfg_errorf(err, NULL, "out of memory"); return NULL; }
    /* The syntax tree lives in the plan's arena: directive configs point
     * into its token text. */
    if (cfg_parse_file(&p->arena, path, NULL, &doc, err) != 0 ||
        !route__plan_build(p, doc, route__dir_of(&p->arena, path), err)) {
        route__plan_free(p);
        return NULL;
    }
    return p;
}

route_plan_t *route_plan_load_text(const char *text, size_t len, const char *filename, cfg_error_t *err)
{
    route_plan_t *p = route__plan_new();
    cfg_doc_t *doc;
    if (!p) { cfg_errorf(err, NULL, "out of memory"); return NULL; }
    if (cfg_parse_text(&p->arena, text, len, filename, NULL, &doc, err) != 0 ||
        !route__plan_build(p, doc, route__dir_of(&p->arena, filename), err)) {
        route__plan_free(p);
        return NULL;
    }
    return p;
}

void route_plan_retain(route_plan_t *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
}

void route_plan_release(route_plan_t *p)
{
    if (p && atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1) route__plan_free(p);
}

size_t route_plan_listeners(const route_plan_t *p, const route_listener_t **out)
{
    *out = p->listeners;
    return p->nlisteners;
}

const cfg_options_t *route_plan_options(const route_plan_t *p)
{
    return &p->options;
}

void route_plan_shutdown_schedule(route_plan_t *p, int64_t at_ns)
{
    atomic_store_explicit(&p->shutdown_at_ns, at_ns, memory_order_relaxed);
}

int64_t route_plan_shutdown_at(const route_plan_t *p)
{
    return atomic_load_explicit(&((route_plan_t *)p)->shutdown_at_ns, memory_order_relaxed);
}

/* How specifically an address names this request's host: 3 exact, 2
 * wildcard, 1 any host, 0 not at all. */
static int route__addr_score(const route_site_addr_t *a, ifr_str_t host)
{
    if (a->host.len == 0) return 1;
    if (ifr_str_eq_nocase(a->host, host)) return 3;
    if (a->host.ptr[0] == '*' && route_host_matches(a->host, host)) return 2;
    return 0;
}

const route_site_t *route_site_pick(const route_plan_t *p, route_exchange_t *x)
{
    ifr_str_t host = route_host_only(x->req->host);
    uint16_t port = x->conn ? x->conn->local_port : 0;
    const route_site_t *best = NULL;
    int best_score = 0;
    for (size_t i = 0; i < p->nsites; i++) {
        const route_site_t *s = &p->sites[i];
        /* Port 0: a host without listeners (the edge) takes any site. A
         * site without binds is on the unbound listeners only: that test
         * inline, since most sites have none. */
        if (port && (s->nbinds ? !route_site_bound(s, x->conn->listener) : x->conn->listener.len != 0)) continue;
        for (size_t k = 0; k < s->naddrs; k++) {
            if (port && s->addrs[k].port != port) continue;
            int score = route__addr_score(&s->addrs[k], host) * 2 + (s->path != NULL);
            if (score <= best_score || score < 2) continue;
            if (s->path && !route_match(x, s->path)) continue;
            best = s;
            best_score = score;
        }
    }
    return best;
}

route_result_t route_dispatch(const route_plan_t *p, route_exchange_t *x)
{
    route_state_t *st = route_state(x);
    if (!st) {
        x->error_status = 500;
        x->error_message = "out of memory";
        return ROUTE_ERROR;
    }
    st->plan = p;
    route_filter_install(x);
    if (x->orig_uri.len == 0) x->orig_uri = x->req->target;
    if (x->orig_method.len == 0) x->orig_method = x->req->method;
    if (route_tls_host_refused(p, x)) return ROUTE_ERROR;
    st->site = route_site_pick(p, x);
    static const route_list_t none = { NULL, 0 };
    return route_chain_start(x, st->site ? &st->site->routes : &none);
}

void route_exchange_done(const route_plan_t *p, route_exchange_t *x)
{
    route_state_t *st = x->route_state;
    (void)p;
    if (st && st->site && st->site->log) route_access_log_write(st->site->log, x);
}
