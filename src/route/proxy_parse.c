/* reverse_proxy's Caddyfile block into a route_proxy_conf_t (see proxy_conf.h).
 * Option names, defaults and upstream address forms follow Caddy's
 * reverse_proxy documentation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

#include "config/dispense.h"
#include "route/fastcgi.h"
#include "route/matcher.h"
#include "route/proxy_conf.h"

#define ROUTE__PROXY_MAX_UPSTREAMS 256

static int route__proxy_oom(route_parse_t *p) { return cfg_errorf(p->err, NULL, "out of memory"); }

/* Upstream forms: host:port, http://host[:port], https://host[:port]
 * (TLS; port 443 by default), h2c://host[:port] (HTTP/2 over cleartext,
 * Caddy's scheme), :port (localhost), [::1]:port,
 * unix//path.sock. tls: the transport's TLS options, which an https://
 * upstream points at. */
static int route__proxy_parse_upstream(route_parse_t *p, const cfg_token_t *t, route_proxy_upstream_t *u, const route_proxy_tls_conf_t *tls)
{
    ifr_str_t s = t->text;
    if (ifr_str_starts_with(s, IFR_LIT("unix/"))) {
        ifr_str_t path = ifr_str_sub(s, 5, s.len);
        if (path.len == 0 || path.ptr[0] != '/')
            return cfg_errorf(p->err, t, "reverse_proxy: expected unix//path/to.sock, got '%s'", s.ptr);
        u->unix_path = ifr_arena_strndup(p->arena, path.ptr, path.len);
        u->hostport = ifr_str(u->unix_path, path.len);
        return u->unix_path ? 0 : route__proxy_oom(p);
    }
    unsigned long n = 80;
    if (ifr_str_starts_with(s, IFR_LIT("https://"))) {
        s = ifr_str_sub(s, 8, s.len);
        u->tls = tls;
        n = 443;
    } else if (ifr_str_starts_with(s, IFR_LIT("http://"))) {
        s = ifr_str_sub(s, 7, s.len);
    } else if (ifr_str_starts_with(s, IFR_LIT("h2c://"))) {
        s = ifr_str_sub(s, 6, s.len);
        u->h2c = true;
    }
    if (s.len && s.ptr[s.len - 1] == '/') s.len--;
    if (s.len == 0 || ifr_str_find_char(s, '/') >= 0 || ifr_str_find_char(s, '{') >= 0)
        return cfg_errorf(p->err, t, "reverse_proxy: expected an upstream like localhost:8080, got '%s'", t->text.ptr);
    ifr_str_t host = s, port = IFR_NULL_STR;
    if (s.ptr[0] == '[') {
        long close = ifr_str_find_char(s, ']');
        if (close < 0) return cfg_errorf(p->err, t, "reverse_proxy: unclosed '[' in '%s'", t->text.ptr);
        host = ifr_str_sub(s, 1, (size_t)close);
        if ((size_t)close + 1 < s.len) {
            if (s.ptr[close + 1] != ':') return cfg_errorf(p->err, t, "reverse_proxy: expected ':' after ']' in '%s'", t->text.ptr);
            port = ifr_str_sub(s, (size_t)close + 2, s.len);
        }
    } else {
        long colon = ifr_str_find_char(s, ':');
        if (colon >= 0) {
            host = ifr_str_sub(s, 0, (size_t)colon);
            port = ifr_str_sub(s, (size_t)colon + 1, s.len);
        }
    }
    if (port.ptr && port.len) {
        uint64_t v;
        if (!ifr_str_to_u64(port, UINT64_MAX, &v))
            return cfg_errorf(p->err, t, "reverse_proxy: invalid port in '%s'", t->text.ptr);
        if (v == 0 || v > 65535) return cfg_errorf(p->err, t, "reverse_proxy: port out of range in '%s'", t->text.ptr);
        n = (unsigned long)v;
    }
    if (host.len == 0) host = IFR_LIT("localhost");
    u->host = ifr_arena_strndup(p->arena, host.ptr, host.len);
    u->port = (uint16_t)n;
    bool v6 = ifr_str_find_char(host, ':') >= 0;
    char *hp = ifr_arena_printf(p->arena, v6 ? "[%s]:%lu" : "%s:%lu", u->host ? u->host : "", n);
    if (!u->host || !hp) return route__proxy_oom(p);
    u->hostport = ifr_cstr(hp);
    return 0;
}

static int route__proxy_add_upstreams(route_parse_t *p, route_proxy_conf_t *c, const cfg_token_t *args, size_t n)
{
    if (c->nupstreams + n > ROUTE__PROXY_MAX_UPSTREAMS)
        return cfg_errorf(p->err, &args[0], "reverse_proxy: at most %d upstreams", ROUTE__PROXY_MAX_UPSTREAMS);
    route_proxy_upstream_t *u = ifr_arena_calloc(p->arena, c->nupstreams + n, sizeof(*u));
    if (!u) return route__proxy_oom(p);
    /* Nothing is shared yet at parse time, so a plain copy of the atomics is fine. */
    if (c->nupstreams) memcpy((void *)u, (const void *)c->upstreams, c->nupstreams * sizeof(*u));
    for (size_t i = 0; i < n; i++) {
        route_proxy_upstream_t *nu = &u[c->nupstreams + i];
        if (route__proxy_parse_upstream(p, &args[i], nu, &c->transport.tls) != 0) return -1;
        /* As in Caddy, one transport serves every upstream: all https://,
         * all h2c:// or none. */
        if (c->nupstreams + i > 0 && (!u[0].tls != !nu->tls || u[0].h2c != nu->h2c))
            return cfg_errorf(p->err, &args[i], "reverse_proxy: all upstreams must use the same scheme (https://, h2c:// or neither), got '%s'",
                              args[i].text.ptr);
    }
    c->upstreams = u;
    c->nupstreams += n;
    return 0;
}

/* header_up / header_down: [+|-]Field [value] | Field find replace */
static int route__proxy_parse_hdr(route_parse_t *p, const cfg_directive_t *s, route_hdr_ops_t *ops)
{
    if (cfg_expect_args(s, 1, 3, p->err) != 0) return -1;
    route_hdr_op_t op = { .kind = ROUTE_HDR_SET };
    ifr_str_t f = s->args[0].text;
    char sign = f.ptr[0];
    if (sign == '+' || sign == '-') f = ifr_str_sub(f, 1, f.len);
    if (f.len == 0) return cfg_errorf(p->err, &s->args[0], "%s: expected a field name", s->name.text.ptr);
    size_t nv = s->nargs - 1;
    if (sign == '-') {
        if (nv) return cfg_errorf(p->err, &s->args[1], "%s: -%.*s takes no value", s->name.text.ptr, (int)f.len, f.ptr);
        op.kind = ROUTE_HDR_DELETE;
    } else {
        if (nv == 0) return cfg_errorf(p->err, &s->args[0], "%s: expected a value for %.*s", s->name.text.ptr, (int)f.len, f.ptr);
        if (nv == 2) {
            if (sign == '+') return cfg_errorf(p->err, &s->args[2], "%s: +%.*s takes one value", s->name.text.ptr, (int)f.len, f.ptr);
            op.kind = ROUTE_HDR_REPLACE;
            op.find = s->args[1].text;
        } else if (sign == '+') {
            op.kind = ROUTE_HDR_ADD;
        }
        if (!(op.value = route_tmpl_compile(p->arena, s->args[nv].text))) return route__proxy_oom(p);
    }
    op.field = f;
    return route_hdr_ops_add(p->arena, ops, op) == 0 ? 0 : route__proxy_oom(p);
}

static int route__proxy_one_duration(route_parse_t *p, const cfg_directive_t *s, unsigned flags, int64_t *out)
{
    if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
    return cfg_parse_duration(&s->args[0], flags, out, p->err);
}

static int route__proxy_one_uint(route_parse_t *p, const cfg_directive_t *s, int64_t max, uint32_t *out)
{
    int64_t v;
    if (cfg_expect_args(s, 1, 1, p->err) != 0 || cfg_parse_int(&s->args[0], 0, max, &v, p->err) != 0) return -1;
    *out = (uint32_t)v;
    return 0;
}

/* A status code, or a class written "5xx". */
static int route__proxy_parse_status(route_parse_t *p, const cfg_token_t *t, int *out)
{
    ifr_str_t s = t->text;
    if (s.len == 3 && s.ptr[0] >= '1' && s.ptr[0] <= '5' && (s.ptr[1] | 0x20) == 'x' && (s.ptr[2] | 0x20) == 'x') {
        *out = s.ptr[0] - '0';
        return 0;
    }
    if (route_parse_status(t, out) == 0) return 0;
    return cfg_errorf(p->err, t, "expected a status code like 503 or a class like 5xx, got '%s'", s.ptr);
}

/* A file the TLS options name must be readable now: a typo shows at
 * load time, not as a 502 on the first request. */
static int route__proxy_tls_file(route_parse_t *p, const cfg_token_t *t, const char **out)
{
    char *path = ifr_arena_strndup(p->arena, t->text.ptr, t->text.len);
    if (!path) return route__proxy_oom(p);
    FILE *f = fopen(path, "r");
    if (!f) return cfg_errorf(p->err, t, "cannot read '%s': %s", path, strerror(errno));
    fclose(f);
    *out = path;
    return 0;
}

/* The tls_* options of transport http; any of them turns TLS on, as in Caddy. */
static int route__proxy_parse_tls_option(route_parse_t *p, const cfg_directive_t *o, route_proxy_tls_conf_t *tls)
{
    ifr_str_t n = o->name.text;
    tls->enabled = true;
    if (ifr_str_eq_cstr(n, "tls")) return cfg_expect_args(o, 0, 0, p->err);
    if (ifr_str_eq_cstr(n, "tls_insecure_skip_verify")) {
        tls->insecure_skip_verify = true;
        return cfg_expect_args(o, 0, 0, p->err);
    }
    if (ifr_str_eq_cstr(n, "tls_timeout")) return route__proxy_one_duration(p, o, 0, &tls->timeout_ns);
    if (ifr_str_eq_cstr(n, "tls_server_name")) {
        if (cfg_expect_args(o, 1, 1, p->err) != 0) return -1;
        if (ifr_str_find_char(o->args[0].text, '{') >= 0)
            return cfg_errorf(p->err, &o->args[0], "tls_server_name: placeholders are not supported here");
        tls->server_name = ifr_arena_strndup(p->arena, o->args[0].text.ptr, o->args[0].text.len);
        return tls->server_name ? 0 : route__proxy_oom(p);
    }
    if (ifr_str_eq_cstr(n, "tls_trusted_ca_certs")) {
        if (cfg_expect_args(o, 1, 64, p->err) != 0) return -1;
        const char **files = ifr_arena_calloc(p->arena, o->nargs, sizeof *files);
        if (!files) return route__proxy_oom(p);
        for (size_t i = 0; i < o->nargs; i++)
            if (route__proxy_tls_file(p, &o->args[i], &files[i]) != 0) return -1;
        tls->ca_files = files;
        tls->nca_files = o->nargs;
        return 0;
    }
    /* tls_client_auth: Caddy also takes one argument, a certificate it
     * manages by name; here only the files form. */
    if (cfg_expect_args(o, 2, 2, p->err) != 0) return -1;
    if (route__proxy_tls_file(p, &o->args[0], &tls->client_cert) != 0) return -1;
    return route__proxy_tls_file(p, &o->args[1], &tls->client_key);
}

/* The text pools are keyed by (route_proxy_tls_conf_t.key). */
static int route__proxy_tls_key(route_parse_t *p, route_proxy_tls_conf_t *tls)
{
    ifr_buf_t b = IFR_BUF_INIT;
    int rc = ifr_buf_append_cstr(&b, tls->insecure_skip_verify ? "tls insecure|" : "tls|");
    rc |= ifr_buf_append_cstr(&b, tls->server_name ? tls->server_name : "");
    for (size_t i = 0; i < tls->nca_files; i++) rc |= ifr_buf_append_byte(&b, '|') | ifr_buf_append_cstr(&b, tls->ca_files[i]);
    rc |= ifr_buf_append_cstr(&b, "|cert ") | ifr_buf_append_cstr(&b, tls->client_cert ? tls->client_cert : "");
    rc |= ifr_buf_append_cstr(&b, "|key ") | ifr_buf_append_cstr(&b, tls->client_key ? tls->client_key : "");
    rc |= ifr_buf_append_cstr(&b, tls->alpn_h2 ? "|alpn h2" : "|alpn") | ifr_buf_append_cstr(&b, tls->alpn_h1 ? " http/1.1|" : "|");
    tls->key = rc ? NULL : ifr_arena_strndup(p->arena, (const char *)b.data, b.len);
    ifr_buf_free(&b);
    return tls->key ? 0 : route__proxy_oom(p);
}

/* versions 1.1 | 2 | h2c, any of them (Caddy's names; 3 is not served). */
static int route__proxy_parse_versions(route_parse_t *p, const cfg_directive_t *o, unsigned *out)
{
    static const char *const names[] = { "1.1", "2", "h2c" };
    static const unsigned bits[] = { ROUTE_PROXY_V1, ROUTE_PROXY_V2, ROUTE_PROXY_V2C };
    if (cfg_expect_args(o, 1, 3, p->err) != 0) return -1;
    unsigned v = 0;
    for (size_t i = 0; i < o->nargs; i++) {
        size_t k = 0;
        while (k < 3 && !ifr_str_eq_cstr(o->args[i].text, names[k])) k++;
        if (k == 3) return cfg_error_unknown(p->err, &o->args[i], "HTTP version", names, 3);
        v |= bits[k];
    }
    *out = v;
    return 0;
}

static int route__proxy_parse_transport(route_parse_t *p, const cfg_directive_t *s, route_proxy_transport_conf_t *t)
{
    if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
    if (cfg_is_word(&s->args[0], "fastcgi")) {
        route_fastcgi_conf_t *f;
        if (route_fastcgi_parse(p, s, &f, &t->dial_timeout_ns, &t->keepalive_ns) != 0) return -1;
        t->fastcgi = f;
        return 0;
    }
    if (!cfg_is_word(&s->args[0], "http"))
        return cfg_errorf(p->err, &s->args[0], "transport: expected http or fastcgi, got '%s'", s->args[0].text.ptr);
    static const char *const known[] = { "dial_timeout", "response_header_timeout", "read_timeout", "write_timeout", "keepalive",
                                         "keepalive_idle_conns", "keepalive_idle_conns_per_host", "read_buffer", "versions",
                                         "tls", "tls_insecure_skip_verify", "tls_server_name", "tls_trusted_ca_certs",
                                         "tls_client_auth", "tls_timeout" };
    /* Caddy has a total cap (keepalive_idle_conns, 0 = no limit) and one
     * per host (keepalive_idle_conns_per_host). ifrit's pool is per
     * upstream per worker, so both cap the same list: the smaller one
     * wins, and 0 means no limit for either. */
    int64_t idle_total = -1, idle_per_host = -1;
    for (size_t i = 0; s->block && i < s->block->count; i++) {
        const cfg_directive_t *o = &s->block->items[i];
        ifr_str_t n = o->name.text;
        if (ifr_str_eq_cstr(n, "tls") || ifr_str_eq_cstr(n, "tls_insecure_skip_verify") ||
            ifr_str_eq_cstr(n, "tls_server_name") || ifr_str_eq_cstr(n, "tls_trusted_ca_certs") ||
            ifr_str_eq_cstr(n, "tls_client_auth") || ifr_str_eq_cstr(n, "tls_timeout")) {
            if (route__proxy_parse_tls_option(p, o, &t->tls) != 0) return -1;
        } else if (ifr_str_eq_cstr(n, "dial_timeout")) {
            if (route__proxy_one_duration(p, o, 0, &t->dial_timeout_ns) != 0) return -1;
        } else if (ifr_str_eq_cstr(n, "response_header_timeout")) {
            if (route__proxy_one_duration(p, o, 0, &t->response_header_timeout_ns) != 0) return -1;
        } else if (ifr_str_eq_cstr(n, "read_timeout")) {
            if (route__proxy_one_duration(p, o, 0, &t->read_timeout_ns) != 0) return -1;
        } else if (ifr_str_eq_cstr(n, "write_timeout")) {
            if (route__proxy_one_duration(p, o, 0, &t->write_timeout_ns) != 0) return -1;
        } else if (ifr_str_eq_cstr(n, "keepalive")) {
            if (cfg_expect_args(o, 1, 1, p->err) != 0) return -1;
            if (cfg_is_word(&o->args[0], "off")) t->keepalive_ns = 0;
            else if (cfg_parse_duration(&o->args[0], 0, &t->keepalive_ns, p->err) != 0) return -1;
        } else if (ifr_str_eq_cstr(n, "keepalive_idle_conns") || ifr_str_eq_cstr(n, "keepalive_idle_conns_per_host")) {
            uint32_t v;
            if (route__proxy_one_uint(p, o, 100000, &v) != 0) return -1;
            if (ifr_str_eq_cstr(n, "keepalive_idle_conns")) idle_total = v;
            else idle_per_host = v;
        } else if (ifr_str_eq_cstr(n, "versions")) {
            if (route__proxy_parse_versions(p, o, &t->versions) != 0) return -1;
        } else if (ifr_str_eq_cstr(n, "read_buffer")) {
            /* Caddy reads it with go-humanize: 64k and 64KB are 64000, 64KiB 65536. */
            uint64_t v;
            if (cfg_expect_args(o, 1, 1, p->err) != 0 || cfg_parse_size(&o->args[0], 0, &v, p->err) != 0)
                return -1;
            if (v < 1024 || v > (16u << 20)) return cfg_errorf(p->err, &o->args[0], "read_buffer: expected 1KiB to 16MiB");
            t->read_buffer = (uint32_t)v;
        } else {
            return cfg_error_unknown(p->err, &o->name, "transport http option", known, sizeof known / sizeof *known);
        }
    }
    if (idle_total >= 0 || idle_per_host >= 0) {
        uint32_t cap = UINT32_MAX;
        if (idle_total > 0) cap = (uint32_t)idle_total;
        if (idle_per_host > 0 && (uint32_t)idle_per_host < cap) cap = (uint32_t)idle_per_host;
        t->keepalive_idle_conns = cap;
    }
    return 0;
}

static int route__proxy_parse_lb(route_parse_t *p, const cfg_directive_t *s, route_proxy_conf_t *c)
{
    static const char *const names[] = { "random", "round_robin", "least_conn", "first",
                                         "ip_hash", "uri_hash", "header", "cookie" };
    if (cfg_expect_args(s, 1, 2, p->err) != 0) return -1;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (!ifr_str_eq_cstr(s->args[0].text, names[i])) continue;
        c->lb = (route_proxy_lb_kind_t)i;
        bool keyed = c->lb == ROUTE_PROXY_LB_HEADER || c->lb == ROUTE_PROXY_LB_COOKIE;
        if (keyed != (s->nargs == 2))
            return cfg_errorf(p->err, &s->args[0], keyed ? "lb_policy %s: expected a field name" : "lb_policy %s: takes no argument",
                              names[i]);
        if (keyed) c->lb_key = s->args[1].text;
        return 0;
    }
    return cfg_error_unknown(p->err, &s->args[0], "lb_policy", names, sizeof names / sizeof *names);
}

/* lb_retry_match { <matcher lines> }: one more set a retried request may match. */
static int route__proxy_parse_retry_match(route_parse_t *p, const cfg_directive_t *s, route_proxy_conf_t *c)
{
    if (cfg_expect_args(s, 0, 0, p->err) != 0) return -1;
    if (!s->block || s->block->count == 0)
        return cfg_errorf(p->err, &s->name, "lb_retry_match: expected a block of request matchers");
    route_matcher_set_t *set;
    if (route_matcher_parse_set(p, s->block->items, s->block->count, IFR_LIT("lb_retry_match"), &set) != 0) return -1;
    const route_matcher_set_t **grown = ifr_arena_alloc(p->arena, (c->nretry_match + 1) * sizeof(*grown));
    if (!grown) return route__proxy_oom(p);
    for (size_t i = 0; i < c->nretry_match; i++) grown[i] = c->retry_match[i];
    grown[c->nretry_match++] = set;
    c->retry_match = grown;
    return 0;
}

static int route__proxy_parse_option(route_parse_t *p, const cfg_directive_t *s, route_proxy_conf_t *c)
{
    ifr_str_t n = s->name.text;
    if (ifr_str_eq_cstr(n, "to")) {
        if (cfg_expect_args(s, 1, SIZE_MAX, p->err) != 0) return -1;
        return route__proxy_add_upstreams(p, c, s->args, s->nargs);
    }
    if (ifr_str_eq_cstr(n, "lb_policy")) return route__proxy_parse_lb(p, s, c);
    if (ifr_str_eq_cstr(n, "lb_retries")) return route__proxy_one_uint(p, s, 1000, &c->lb_retries);
    if (ifr_str_eq_cstr(n, "lb_try_duration")) return route__proxy_one_duration(p, s, 0, &c->lb_try_duration_ns);
    if (ifr_str_eq_cstr(n, "lb_try_interval")) return route__proxy_one_duration(p, s, 0, &c->lb_try_interval_ns);
    if (ifr_str_eq_cstr(n, "health_uri")) {
        if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
        if (s->args[0].text.ptr[0] != '/') return cfg_errorf(p->err, &s->args[0], "health_uri: expected a path starting with /");
        c->health_uri = s->args[0].text;
        return 0;
    }
    if (ifr_str_eq_cstr(n, "health_interval")) return route__proxy_one_duration(p, s, 0, &c->health_interval_ns);
    if (ifr_str_eq_cstr(n, "health_timeout")) return route__proxy_one_duration(p, s, 0, &c->health_timeout_ns);
    if (ifr_str_eq_cstr(n, "health_status")) {
        if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
        return route__proxy_parse_status(p, &s->args[0], &c->health_status);
    }
    if (ifr_str_eq_cstr(n, "fail_duration")) return route__proxy_one_duration(p, s, 0, &c->fail_duration_ns);
    if (ifr_str_eq_cstr(n, "max_fails")) {
        if (route__proxy_one_uint(p, s, ROUTE_PROXY_FAIL_RING, &c->max_fails) != 0) return -1;
        if (c->max_fails == 0) return cfg_errorf(p->err, &s->args[0], "max_fails: expected at least 1");
        return 0;
    }
    if (ifr_str_eq_cstr(n, "unhealthy_status")) {
        if (cfg_expect_args(s, 1, 64, p->err) != 0) return -1;
        c->unhealthy_status = ifr_arena_calloc(p->arena, s->nargs, sizeof(int));
        if (!c->unhealthy_status) return route__proxy_oom(p);
        for (size_t i = 0; i < s->nargs; i++)
            if (route__proxy_parse_status(p, &s->args[i], &c->unhealthy_status[i]) != 0) return -1;
        c->nunhealthy_status = s->nargs;
        return 0;
    }
    if (ifr_str_eq_cstr(n, "trusted_proxies")) {
        if (cfg_expect_args(s, 1, SIZE_MAX, p->err) != 0) return -1;
        for (size_t i = 0; i < s->nargs; i++)
            if (route_cidrs_add(p->arena, &c->trusted_proxies, &s->args[i], "trusted_proxies", p->err) != 0)
                return -1;
        return 0;
    }
    if (ifr_str_eq_cstr(n, "header_up")) return route__proxy_parse_hdr(p, s, &c->header_up);
    if (ifr_str_eq_cstr(n, "header_down")) return route__proxy_parse_hdr(p, s, &c->header_down);
    if (ifr_str_eq_cstr(n, "flush_interval")) {
        /* -1 (flush every write) is written without a unit, as in Caddy. */
        if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
        if (ifr_str_eq_cstr(s->args[0].text, "-1")) {
            c->flush_interval_ns = -1;
            return 0;
        }
        return cfg_parse_duration(&s->args[0], CFG_DUR_NEGATIVE, &c->flush_interval_ns, p->err);
    }
    if (ifr_str_eq_cstr(n, "transport")) return route__proxy_parse_transport(p, s, &c->transport);
    if (ifr_str_eq_cstr(n, "lb_retry_match")) return route__proxy_parse_retry_match(p, s, c);
    /* Caddy's, not built: an error naming them, not a "did you mean". */
    static const char *const missing[] = {
        "dynamic", "buffer_requests", "buffer_responses",
        "request_buffers", "response_buffers", "stream_timeout", "stream_close_delay", "verbose_logs",
        "health_port", "health_headers", "health_body", "health_follow_redirects", "health_passes",
        "health_fails", "health_method", "health_request_body", "unhealthy_latency",
        "unhealthy_request_count", "lb_try_interval_jitter",
    };
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++)
        if (ifr_str_eq_cstr(n, missing[i]))
            return cfg_errorf(p->err, &s->name, "reverse_proxy: option '%s' is not supported by ifrit yet", missing[i]);
    /* Response matchers and handle_response: route_proxy_parse_responses. */
    if ((n.len && n.ptr[0] == '@') || ifr_str_eq_cstr(n, "handle_response") || ifr_str_eq_cstr(n, "replace_status"))
        return 0;
    static const char *const known[] = {
        "to", "lb_policy", "lb_retries", "lb_try_duration", "lb_try_interval", "lb_retry_match", "health_uri",
        "health_interval", "health_timeout", "health_status", "fail_duration", "max_fails",
        "unhealthy_status", "header_up", "header_down", "flush_interval", "transport", "trusted_proxies",
        "handle_response", "replace_status",
    };
    return cfg_error_unknown(p->err, &s->name, "reverse_proxy option", known, sizeof known / sizeof *known);
}

#define ROUTE__PROXY_RESP_MATCHERS 32

/* Whether a block, at any depth, holds copy_response. */
static bool route__proxy_holds_copy(const cfg_block_t *blk)
{
    for (size_t i = 0; blk && i < blk->count; i++)
        if (ifr_str_eq_cstr(blk->items[i].name.text, "copy_response") || route__proxy_holds_copy(blk->items[i].block))
            return true;
    return false;
}

/* `@name <status|header ...>` or `@name { ... }` lines and the
 * `handle_response [@name] { <routes> }` blocks that use them, anywhere in
 * the block (Caddy reads the matchers first too). The routes are parsed
 * one level deeper, with the request matchers of the site in scope. */
int route_proxy_parse_responses(route_parse_t *p, const cfg_block_t *blk, route_proxy_conf_t *c)
{
    struct { ifr_str_t name; route_resp_match_t *m; } named[ROUTE__PROXY_RESP_MATCHERS];
    size_t nnamed = 0, nhr = 0;
    for (size_t i = 0; blk && i < blk->count; i++) {
        const cfg_directive_t *s = &blk->items[i];
        if (ifr_str_eq_cstr(s->name.text, "handle_response") || ifr_str_eq_cstr(s->name.text, "replace_status")) nhr++;
        if (!s->name.text.len || s->name.text.ptr[0] != '@') continue;
        if (nnamed == ROUTE__PROXY_RESP_MATCHERS)
            return cfg_errorf(p->err, &s->name, "reverse_proxy: at most %d response matchers", ROUTE__PROXY_RESP_MATCHERS);
        for (size_t k = 0; k < nnamed; k++)
            if (ifr_str_eq(named[k].name, s->name.text))
                return cfg_errorf(p->err, &s->name, "reverse_proxy: response matcher %s defined twice", s->name.text.ptr);
        /* The one-line form is a block of that one line. */
        cfg_directive_t line, wrap = *s;
        cfg_block_t one = { .items = &line, .count = 1 };
        if (s->nargs) {
            if (s->block) return cfg_errorf(p->err, &s->name, "reverse_proxy: %s: a line or a block, not both",
                                            s->name.text.ptr);
            line = (cfg_directive_t){ .name = s->args[0], .args = s->nargs > 1 ? &s->args[1] : NULL,
                                      .nargs = s->nargs - 1 };
            wrap.nargs = 0;
            wrap.block = &one;
        }
        if (route_resp_match_parse(p, &wrap, "reverse_proxy response", &named[nnamed].m) != 0) return -1;
        named[nnamed++].name = s->name.text;
    }
    if (!nhr) return 0;
    c->handle_response = ifr_arena_calloc(p->arena, nhr, sizeof(*c->handle_response));
    if (!c->handle_response) return route__proxy_oom(p);
    for (size_t i = 0; blk && i < blk->count; i++) {
        const cfg_directive_t *s = &blk->items[i];
        bool replace = ifr_str_eq_cstr(s->name.text, "replace_status");
        if (!replace && !ifr_str_eq_cstr(s->name.text, "handle_response")) continue;
        struct route_proxy_handle_response *hr = &c->handle_response[c->nhandle_response++];
        if (replace) {
            if (cfg_expect_args(s, 1, 2, p->err) != 0 || cfg_expect_no_block(s, p->err) != 0) return -1;
            if (route_parse_status(&s->args[s->nargs - 1], &hr->status) != 0)
                return cfg_errorf(p->err, &s->args[s->nargs - 1], "replace_status: expected a status code");
        } else {
            if (cfg_expect_args(s, 0, 1, p->err) != 0) return -1;
            if (!s->block) return cfg_errorf(p->err, &s->name, "handle_response: expected a block of routes");
        }
        if (s->nargs == (replace ? 2u : 1u)) {
            const cfg_token_t *t = &s->args[0];
            for (size_t k = 0; k < nnamed && !hr->match; k++)
                if (ifr_str_eq(named[k].name, t->text)) hr->match = named[k].m;
            if (!hr->match) return cfg_errorf(p->err, t, "%s: response matcher %s is not defined", s->name.text.ptr,
                                              t->text.ptr);
        }
        if (replace) continue;
        hr->copies = route__proxy_holds_copy(s->block);
        p->depth++;
        int rc = route_parse_list(p, s->block, false, &hr->routes);
        p->depth--;
        if (rc != 0) return -1;
    }
    return 0;
}

int route_proxy_conf_parse(route_parse_t *p, const cfg_directive_t *d, route_proxy_conf_t **out)
{
    route_proxy_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return route__proxy_oom(p);
    c->lb_try_interval_ns = 250000000LL;
    c->health_interval_ns = 30000000000LL;
    c->health_timeout_ns = 5000000000LL;
    c->max_fails = 1;
    c->transport = (route_proxy_transport_conf_t){
        .versions = ROUTE_PROXY_V1 | ROUTE_PROXY_V2,
        .dial_timeout_ns = 3000000000LL,
        .keepalive_ns = 120000000000LL,
        .keepalive_idle_conns = 64,
        .read_buffer = 64 * 1024,
        .tls = { .timeout_ns = 10000000000LL },
    };
    if (d->nargs && route__proxy_add_upstreams(p, c, d->args, d->nargs) != 0) return -1;
    for (size_t i = 0; d->block && i < d->block->count; i++)
        if (route__proxy_parse_option(p, &d->block->items[i], c) != 0) return -1;
    if (route_proxy_parse_responses(p, d->block, c) != 0) return -1;
    if (c->nupstreams == 0) return cfg_errorf(p->err, &d->name, "reverse_proxy: expected at least one upstream");
    if (c->transport.fastcgi && (c->upstreams[0].tls || c->upstreams[0].h2c || c->transport.tls.enabled))
        return cfg_errorf(p->err, &d->name, "reverse_proxy: transport fastcgi speaks FastCGI to its upstreams, in "
                          "the clear (no https:// or h2c:// and no tls options)");
    /* An https:// upstream turns TLS on; a tls option turns it on for every upstream. */
    if (c->upstreams[0].tls) c->transport.tls.enabled = true;
    if (c->upstreams[0].h2c) {
        /* Caddy's h2c:// is versions h2c 2 (cleartext: prior knowledge). */
        if (c->transport.tls.enabled)
            return cfg_errorf(p->err, &d->name, "reverse_proxy: h2c:// upstreams are cleartext; the transport's tls options do not apply");
        c->transport.versions |= ROUTE_PROXY_V2C | ROUTE_PROXY_V2;
    }
    if (c->transport.tls.enabled && !(c->transport.versions & (ROUTE_PROXY_V1 | ROUTE_PROXY_V2)))
        return cfg_errorf(p->err, &d->name, "reverse_proxy: versions over TLS needs 1.1 or 2 (h2c is cleartext only)");
    if (!c->transport.tls.enabled && !(c->transport.versions & (ROUTE_PROXY_V1 | ROUTE_PROXY_V2C)))
        return cfg_errorf(p->err, &d->name, "reverse_proxy: versions 2 alone needs TLS upstreams (h2c for cleartext HTTP/2)");
    c->transport.tls.alpn_h2 = c->transport.versions & ROUTE_PROXY_V2;
    c->transport.tls.alpn_h1 = c->transport.versions & ROUTE_PROXY_V1;
    if (c->transport.tls.enabled) {
        if (route__proxy_tls_key(p, &c->transport.tls) != 0) return -1;
        for (size_t i = 0; i < c->nupstreams; i++) c->upstreams[i].tls = &c->transport.tls;
    }
    *out = c;
    return 0;
}
