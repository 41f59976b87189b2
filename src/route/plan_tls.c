/* Automatic HTTPS in the plan, as Caddy decides it: which addresses serve
 * TLS, where each host's certificate comes from, and the HTTP->HTTPS
 * redirects on the http_port. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "config/address.h"
#include "config/dispense.h"
#include "config/options.h"
#include "route/path.h"
#include "route/plan.h"
#include "route/site.h"

/* At most this many bytes of generated redirect site text (hosts are
 * bounded by the Caddyfile anyway). */
#define ROUTE__TLS_REDIRECT_TEXT_MAX (1024 * 1024)

int route_site_tls_addresses(route_plan_t *p, const cfg_site_t *cs, route_site_t *site, cfg_error_t *err)
{
    if (!site->tls) return 0;
    for (size_t i = 0; i < site->naddrs; i++) {
        route_site_addr_t *a = &site->addrs[i];
        if (a->tls) continue;
        cfg_address_t parsed;
        if (cfg_parse_address(&cs->keys[i], &parsed, err) != 0) return -1;
        if (ifr_str_eq_nocase(parsed.scheme, IFR_LIT("http")))
            return cfg_errorf(err, &cs->keys[i], "site address '%s' is plain HTTP (http://), but the site has "
                              "a tls directive", cs->keys[i].text.ptr);
        if (!parsed.port) a->port = p->options.https_port;
        else if (a->port == p->options.http_port)
            return cfg_errorf(err, &cs->keys[i], "site address '%s' is on the http_port (%u), but the site has "
                              "a tls directive", cs->keys[i].text.ptr, p->options.http_port);
        a->tls = true;
    }
    return 0;
}

/* Names Caddy never asks a public CA for: localhost, IPs, .local,
 * .internal, .home.arpa. */
static bool route__tls_name_is_local(ifr_str_t h)
{
    if (h.len == 0) return true;
    if (ifr_str_eq(h, IFR_LIT("localhost")) || ifr_str_ends_with(h, IFR_LIT(".localhost")) ||
        ifr_str_ends_with(h, IFR_LIT(".local")) || ifr_str_ends_with(h, IFR_LIT(".internal")) ||
        ifr_str_ends_with(h, IFR_LIT(".home.arpa")))
        return true;
    bool ip = true;
    for (size_t i = 0; i < h.len; i++) {
        char c = h.ptr[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == ':' || (c >= 'a' && c <= 'f'))) ip = false;
    }
    return ip && (memchr(h.ptr, ':', h.len) || (h.ptr[0] >= '0' && h.ptr[0] <= '9' && h.ptr[h.len - 1] != '.'));
}

static bool route__tls_host_seen(const route_plan_t *p, size_t upto, const char *host)
{
    for (size_t i = 0; i < upto; i++)
        if (strcmp(p->tls_sites[i].host, host) == 0) return true;
    return false;
}

/* Whether a site of the Caddyfile serves host on the http_port already
 * (then Caddy adds no redirect for it). */
static bool route__tls_http_served(const route_plan_t *p, const char *host)
{
    for (size_t i = 0; i < p->nsites; i++)
        for (size_t k = 0; k < p->sites[i].naddrs; k++) {
            const route_site_addr_t *a = &p->sites[i].addrs[k];
            if (!a->tls && a->port == p->options.http_port && (a->host.len == 0 || ifr_str_eq_cstr(a->host, host)))
                return true;
        }
    return false;
}

/* Whether two sites listen on the same addresses (bind, default_bind). */
static bool route__tls_same_binds(const route_site_t *a, const route_site_t *b)
{
    if (a->nbinds != b->nbinds) return false;
    for (size_t i = 0; i < a->nbinds; i++)
        if (strcmp(a->binds[i], b->binds[i]) != 0) return false;
    return true;
}

/* Appends "http://h:HTTP_PORT" for each TLS host on tls_port of a site
 * bound as `like` that no site serves over HTTP already to text (comma
 * separated). A host-less on-demand site gets "http://:HTTP_PORT", a
 * catch-all: its names come with handshakes, and their HTTP-01
 * challenges need the port. owner[i]: the site of p->tls_sites[i]. */
static int route__tls_redirect_keys(const route_plan_t *p, const route_site_t *const *owner, uint16_t tls_port,
                                    const route_site_t *like, ifr_buf_t *text)
{
    size_t before = text->len;
    for (size_t i = 0; i < p->ntls_sites; i++) {
        const route_tls_site_t *t = &p->tls_sites[i];
        if (t->port != tls_port || !route__tls_same_binds(owner[i], like) || (!t->host[0] && !t->on_demand) ||
            route__tls_host_seen(p, i, t->host) || route__tls_http_served(p, t->host))
            continue;
        bool v6 = strchr(t->host, ':') != NULL;
        char key[400];
        int n = snprintf(key, sizeof key, "%shttp://%s%s%s:%u", text->len > before ? ", " : "", v6 ? "[" : "",
                         t->host, v6 ? "]" : "", p->options.http_port);
        if (n < 0 || (size_t)n >= sizeof key || text->len + (size_t)n > ROUTE__TLS_REDIRECT_TEXT_MAX ||
            ifr_buf_append(text, key, (size_t)n) != 0)
            return -1;
    }
    return text->len > before ? 1 : 0;
}

/* One site per TLS port and set of bind addresses, "http://a:80,
 * http://b:80 { bind ...; redir https://{host}:TLS_PORT{uri} 308 }",
 * parsed and built as if the Caddyfile had it: the redirect listens
 * where its sites do, as Caddy's. */
static int route__tls_add_redirects(route_plan_t *p, const route_site_t *const *owner, const char *base_dir,
                                    cfg_error_t *err)
{
    ifr_buf_t text = IFR_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < p->ntls_sites && rc == 0; i++) {
        uint16_t port = p->tls_sites[i].port;
        bool done = false;
        for (size_t k = 0; k < i; k++) done |= p->tls_sites[k].port == port && route__tls_same_binds(owner[k], owner[i]);
        if (done) continue;
        int keys = route__tls_redirect_keys(p, owner, port, owner[i], &text);
        if (keys > 0) {
            char suffix[16] = "";
            if (port != 443) snprintf(suffix, sizeof suffix, ":%u", port);
            rc |= ifr_buf_append_cstr(&text, " {\n");
            for (size_t b = 0; b < owner[i]->nbinds; b++)
                rc |= ifr_buf_printf(&text, "\tbind \"%s\"\n", owner[i]->binds[b]);
            rc |= ifr_buf_printf(&text, "\tredir https://{host}%s{uri} 308\n}\n", suffix);
        }
        if (keys < 0 || rc != 0) rc = cfg_errorf(err, NULL, "too many TLS sites for the HTTP->HTTPS redirects");
    }
    cfg_doc_t *doc = NULL;
    char *copy = rc == 0 && text.len ? ifr_arena_strndup(&p->arena, text.data, text.len) : NULL;
    if (rc == 0 && text.len && !copy) rc = cfg_errorf(err, NULL, "out of memory");
    if (copy && cfg_parse_text(&p->arena, copy, text.len, "(automatic HTTPS redirects)", NULL, &doc, err) != 0)
        rc = -1;
    if (doc && doc->nsites) {
        route_site_t *sites = ifr_arena_calloc(&p->arena, p->nsites + doc->nsites, sizeof *sites);
        if (!sites) rc = cfg_errorf(err, NULL, "out of memory");
        else if (p->nsites) memcpy(sites, p->sites, p->nsites * sizeof *sites);
        if (sites) p->sites = sites;
        for (size_t i = 0; rc == 0 && i < doc->nsites; i++) {
            if (route_site_build(p, &doc->sites[i], &p->sites[p->nsites], base_dir, err) != 0) rc = -1;
            else p->nsites++;
        }
    }
    ifr_buf_free(&text);
    return rc;
}

/* The TLS ports where Host must equal the SNI: every one with
 * `strict_sni_host on`, none with insecure_off, else (Caddy's default)
 * those with a client_auth site. */
static int route__tls_strict_ports(route_plan_t *p, cfg_error_t *err)
{
    cfg_strict_sni_t mode = p->options.strict_sni_host;
    p->strict_sni_ports = ifr_arena_calloc(&p->arena, p->ntls_sites, sizeof *p->strict_sni_ports);
    if (!p->strict_sni_ports) return cfg_errorf(err, NULL, "out of memory");
    for (size_t i = 0; i < p->ntls_sites && mode != CFG_STRICT_SNI_OFF; i++) {
        const route_tls_site_t *t = &p->tls_sites[i];
        if (mode == CFG_STRICT_SNI_DEFAULT && (!t->conf || !t->conf->client_auth)) continue;
        bool have = false;
        for (size_t k = 0; k < p->nstrict_sni_ports; k++) have |= p->strict_sni_ports[k] == t->port;
        if (!have) p->strict_sni_ports[p->nstrict_sni_ports++] = t->port;
    }
    return 0;
}

bool route_tls_host_refused(const route_plan_t *p, route_exchange_t *x)
{
    if (!x->conn || !x->conn->tls) return false;
    bool strict = false;
    for (size_t i = 0; i < p->nstrict_sni_ports; i++) strict |= p->strict_sni_ports[i] == x->conn->local_port;
    if (!strict || ifr_str_eq_nocase(x->conn->tls_server_name, route_host_only(x->req->host))) return false;
    x->error_status = 421;   /* Misdirected Request, as Caddy since 2.7 (2.6 answered 403) */
    x->error_message = "strict host matching: TLS ServerName and HTTP Host values differ";
    return true;
}

int route_plan_tls_finish(route_plan_t *p, const char *base_dir, cfg_error_t *err)
{
    const cfg_options_t *o = &p->options;
    size_t n = 0;
    for (size_t i = 0; i < p->nsites; i++)
        for (size_t k = 0; k < p->sites[i].naddrs; k++) n += p->sites[i].addrs[k].tls;
    if (n == 0) return 0;
    p->tls_sites = ifr_arena_calloc(&p->arena, n, sizeof *p->tls_sites);
    const route_site_t **owner = ifr_arena_calloc(&p->arena, n, sizeof *owner);   /* each one's site */
    if (!p->tls_sites || !owner) return cfg_errorf(err, NULL, "out of memory");
    for (size_t i = 0; i < p->nsites; i++) {
        const route_site_t *s = &p->sites[i];
        for (size_t k = 0; k < s->naddrs; k++) {
            const route_site_addr_t *a = &s->addrs[k];
            if (!a->tls) continue;
            owner[p->ntls_sites] = s;
            route_tls_site_t *t = &p->tls_sites[p->ntls_sites++];
            t->port = a->port;
            t->host = a->host.ptr;
            t->conf = s->tls;
            bool given = s->tls && s->tls->cert_file;
            t->local_ca = !given && ((s->tls && s->tls->internal) || o->local_certs || route__tls_name_is_local(a->host));
            t->wants_acme = !given && !t->local_ca;
            if (s->tls && s->tls->on_demand) {
                if (!o->on_demand_ask)
                    return cfg_errorf(err, &s->tls->at, "tls: on_demand needs the global option on_demand_tls "
                                      "{ ask URL }: without it anyone could make the server order certificates "
                                      "for any name");
                /* Any host, local ones too: the name comes with the handshake. */
                t->on_demand = true;
                t->wants_acme = t->local_ca = false;
            }
            if (!given && o->auto_https_no_certs && !(s->tls && s->tls->internal)) {
                const cfg_token_t *at = s->tls ? &s->tls->at : NULL;
                return cfg_errorf(err, at, "auto_https disable_certs: the site for '%s' on port %u has no "
                                  "certificate (tls CERT KEY, or tls internal)", a->host.len ? a->host.ptr : "*",
                                  a->port);
            }
        }
    }
    if (route__tls_strict_ports(p, err) != 0) return -1;
    if (o->auto_https_no_redirects) return 0;
    return route__tls_add_redirects(p, owner, base_dir, err);
}

size_t route_plan_tls_sites(const route_plan_t *p, const route_tls_site_t **out)
{
    *out = p->tls_sites;
    return p->ntls_sites;
}
