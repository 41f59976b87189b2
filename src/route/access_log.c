/* `log [<name>] { ... }` (the block: log.h) and `skip_log [<matcher>]`
 * (also 2.8's `log_skip`): one access-log entry per request, written when
 * the exchange ends (route_exchange_done), in Caddy's shape:
 *   {"level":"info","ts":..,"logger":"http.log.access.log0","msg":"handled request",
 *    "request":{"remote_ip":..,"remote_port":..,"client_ip":..,"proto":..,"method":..,"host":..,
 *    "uri":..,"headers":{..},"tls":{..}},"bytes_read":..,"duration":..,"size":..,"status":..,
 *    "resp_headers":{..}}
 * ("tls" only over TLS: resumed, version and cipher_suite as their wire
 * numbers, proto, server_name, as Caddy logs them). The logger is
 * http.log.access.<name>: the directive's name, else log0, log1, ... in
 * file order for a block with settings, and http.log.access for a bare
 * `log`. Credentials (Authorization, Cookie, ...) are
 * logged with no values unless servers { log_credentials }, as Caddy does.
 * As Caddy, an answer of 400 or more is an "error" entry, others "info";
 * `level` leaves out entries below it. A request `skip_log` matched is
 * not logged. A `log` whose block sets no output, format or level writes
 * to the default logger (the global `log` option's, else stderr). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "config/dispense.h"
#include "route/directive.h"
#include "route/filter.h"
#include "route/log.h"
#include "route/path.h"
#include "route/response.h"
#include "route/site.h"
#include "route/state.h"

static int route__log_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 0, 1, p->err) != 0) return -1;
    route_log_conf_t *log = ifr_arena_calloc(p->arena, 1, sizeof(*log));
    if (!log) return cfg_errorf(p->err, NULL, "out of memory");
    log->out = ROUTE_LOG_OUT_STDERR;   /* Caddy's default access log goes to stderr */
    log->level = ROUTE_LOG_INFO;
    if (route_log_conf_parse(p->arena, d, ROUTE_LOG_IN_SITE, p->base_dir, log, p->err)) return -1;
    /* The logger's name: http.log.access.<name> when given, log0, log1,
     * ... for each block with settings of its own, and a bare `log` is
     * http.log.access itself (Caddy 2.6's). */
    const char *name;
    if (d->nargs) name = ifr_arena_printf(p->arena, "http.log.access.%s", d->args[0].text.ptr);
    else if (log->own) name = ifr_arena_printf(p->arena, "http.log.access.log%u", p->plan->site_logs++);
    else name = "http.log.access";
    if (!name) return cfg_errorf(p->err, NULL, "out of memory");
    log->name = ifr_cstr(name);
    /* Appended, so entries go out in the order the directives were written. */
    route_log_conf_t **tail = &p->site->log;
    while (*tail) tail = &(*tail)->next;
    *tail = log;
    *conf = NULL;
    return 0;
}

const route_directive_t route_directive_log = {
    .name = "log", .flags = ROUTE_DIR_SITE, .parse = route__log_parse,
};

/* -- the entry -------------------------------------------------------------- */

typedef struct {
    ifr_arena_t *a;
    bool failed;
} route__tree_t;

static route_lf_t *route__kids(route__tree_t *t, route_lf_t *obj, uint32_t cap)
{
    obj->kind = ROUTE_LF_OBJ;
    obj->kids = ifr_arena_calloc(t->a, cap ? cap : 1, sizeof(route_lf_t));
    if (!obj->kids) t->failed = true;
    return obj->kids;
}

static route_lf_t *route__add(route__tree_t *t, route_lf_t *obj, const char *key)
{
    if (t->failed) return NULL;
    route_lf_t *f = &obj->kids[obj->n++];
    f->key = ifr_cstr(key);
    return f;
}

static void route__str(route__tree_t *t, route_lf_t *obj, const char *key, ifr_str_t v)
{
    route_lf_t *f = route__add(t, obj, key);
    if (f) f->kind = ROUTE_LF_STR, f->str = v;
}

static void route__raw(route__tree_t *t, route_lf_t *obj, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void route__raw(route__tree_t *t, route_lf_t *obj, const char *key, const char *fmt, ...)
{
    route_lf_t *f = route__add(t, obj, key);
    if (!f) return;
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    f->kind = ROUTE_LF_RAW;
    f->str = ifr_arena_str(t->a, ifr_cstr(buf));
}

/* Headers as Go's http.Header logs them: a name once, its values in an array. */
static void route__headers(route__tree_t *t, route_lf_t *obj, const char *key, const http_headers_t *h, bool secrets)
{
    static const char *const secret[] = { "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie" };
    route_lf_t *f = route__add(t, obj, key);
    if (!f || !route__kids(t, f, h->count)) return;
    for (uint32_t i = 0; i < h->count; i++) {
        bool seen = false;
        for (uint32_t k = 0; k < i && !seen; k++) seen = ifr_str_eq_nocase(h->items[k].name, h->items[i].name);
        if (seen) continue;
        uint32_t count = 0;
        for (uint32_t k = i; k < h->count; k++) count += ifr_str_eq_nocase(h->items[k].name, h->items[i].name);
        route_lf_t *v = &f->kids[f->n++];
        v->key = h->items[i].name;
        v->kind = ROUTE_LF_STRS;
        v->strs = ifr_arena_calloc(t->a, count, sizeof(ifr_str_t));
        if (!v->strs) { t->failed = true; return; }
        bool redact = false;
        for (size_t s = 0; !secrets && s < sizeof(secret) / sizeof(secret[0]); s++)
            redact |= ifr_str_eq_nocase(h->items[i].name, ifr_cstr(secret[s]));
        /* Redacted: the name with no values, as Caddy logs them. */
        for (uint32_t k = i; k < h->count && !redact; k++)
            if (ifr_str_eq_nocase(h->items[k].name, h->items[i].name)) v->strs[v->n++] = h->items[k].value;
    }
}

static bool route__entry(route_exchange_t *x, route_log_entry_t *e)
{
    int status = x->resp.status ? x->resp.status : x->error_status;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t dur_ns = ifr_monotonic_ns() - x->start_ns;
    if (x->start_ns == 0 || dur_ns < 0) dur_ns = 0;
    const route_state_t *st = x->route_state;
    bool secrets = st && st->plan && route_plan_options(st->plan)->log_credentials;
    *e = (route_log_entry_t){
        .level = status >= 400 ? ROUTE_LOG_ERROR : ROUTE_LOG_INFO,
        .ts_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec,
        .msg = IFR_LIT("handled request"),
    };
    route__tree_t t = { .a = x->arena };
    const http_request_t *r = x->req;
    route_lf_t *top = &e->fields;
    if (!route__kids(&t, top, 6 + (uint32_t)route_log_extra_count(x))) return false;
    route_lf_t *req = route__add(&t, top, "request");
    if (!req || !route__kids(&t, req, 9)) return false;
    route__str(&t, req, "remote_ip", x->conn->remote_ip);
    route__str(&t, req, "remote_port", ifr_str(ifr_arena_printf(x->arena, "%u", x->conn->remote_port), 0));
    route_lf_t *port = &req->kids[req->n - 1];
    if (!port->str.ptr) return false;
    port->str.len = strlen(port->str.ptr);
    route__str(&t, req, "client_ip", route_client_ip(x));
    if (r->version_major >= 2) route__str(&t, req, "proto", ifr_arena_str(x->arena, r->version_major == 2
                                                                          ? IFR_LIT("HTTP/2.0") : IFR_LIT("HTTP/3.0")));
    else route__str(&t, req, "proto", r->version_minor ? IFR_LIT("HTTP/1.1") : IFR_LIT("HTTP/1.0"));
    route__str(&t, req, "method", r->method);
    route__str(&t, req, "host", r->host);
    route__str(&t, req, "uri", x->orig_uri.len ? x->orig_uri : r->target);
    route__headers(&t, req, "headers", &r->headers, secrets);
    if (x->conn->tls) {
        route_lf_t *tls = route__add(&t, req, "tls");
        if (!tls || !route__kids(&t, tls, 5)) return false;
        route__raw(&t, tls, "resumed", "%s", x->conn->tls_resumed ? "true" : "false");
        route__raw(&t, tls, "version", "%u", x->conn->tls_version_id);
        route__raw(&t, tls, "cipher_suite", "%u", x->conn->tls_cipher_id);
        route__str(&t, tls, "proto", x->conn->tls_proto);
        route__str(&t, tls, "server_name", x->conn->tls_server_name);
    }
    route__raw(&t, top, "bytes_read", "0");
    route__raw(&t, top, "duration", "%lld.%09lld", (long long)(dur_ns / 1000000000), (long long)(dur_ns % 1000000000));
    route__raw(&t, top, "size", "%llu", (unsigned long long)route_filter_bytes_sent(x));
    route__raw(&t, top, "status", "%d", status);
    route__headers(&t, top, "resp_headers", &x->resp.headers, secrets);
    /* log_append's fields last, as Caddy adds them. */
    const route_log_extra_t *it = NULL;
    ifr_str_t key, value;
    while (!t.failed && route_log_extra_next(x, &it, &key, &value)) {
        route_lf_t *f = &top->kids[top->n++];
        *f = (route_lf_t){ .key = key, .kind = ROUTE_LF_STR, .str = value };
    }
    return !t.failed;
}

/* `hostnames`: only requests for these hosts (without the port). */
static bool route__host_wanted(const route_log_conf_t *c, ifr_str_t host)
{
    if (!c->nhostnames) return true;
    for (size_t i = 0; i < c->nhostnames; i++)
        if (ifr_str_eq_nocase(c->hostnames[i], host)) return true;
    return false;
}

static const route_log_conf_t route__stderr_json = { .out = ROUTE_LOG_OUT_STDERR, .level = ROUTE_LOG_INFO };

/* The site logger of this full name in any site of p, or NULL. */
static const route_log_conf_t *route__site_logger(const route_plan_t *p, ifr_str_t name)
{
    for (size_t i = 0; i < p->nsites; i++)
        for (const route_log_conf_t *c = p->sites[i].log; c; c = c->next)
            if (ifr_str_eq(c->name, name)) return c;
    return NULL;
}

/* log_name: the entry under each name given, to the site logger of that
 * name when there is one, and to the global loggers that take the name
 * (the default one too unless a site logger of its own writes it). */
static void route__write_named(const route_state_t *st, route_exchange_t *x, route_log_entry_t *e)
{
    for (size_t i = 0; i < st->log_names->count; i++) {
        e->logger = st->log_names->loggers[i];
        const route_log_conf_t *c = route__site_logger(st->plan, e->logger);
        bool own = c && c->own;
        if (own) route_log_emit(c, x->arena, e);
        route_log_dispatch(st->plan, own ? NULL : &route__stderr_json, x->arena, e);
    }
}

void route_access_log_write(const route_log_conf_t *log, route_exchange_t *x)
{
    const route_state_t *st = x->route_state;
    if ((st && st->skip_log) || !log) return;
    route_log_entry_t e;
    if (!route__entry(x, &e)) return;
    if (st && st->plan && st->log_names) {
        route__write_named(st, x, &e);
        return;
    }
    ifr_str_t host = route_host_only(x->req->host);
    const route_log_conf_t *stderr_json = &route__stderr_json;
    for (; log; log = log->next) {
        /* no_hostname: the site's requests are not this logger's (log_name sends them). */
        if (log->no_hostname || !route__host_wanted(log, host)) continue;
        e.logger = log->name;
        if (log->own) route_log_emit(log, x->arena, &e);
        if (st && st->plan) route_log_dispatch(st->plan, log->own ? NULL : stderr_json, x->arena, &e);
        else if (!log->own) route_log_emit(stderr_json, x->arena, &e);
    }
}

static int route__skip_log_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    *conf = NULL;
    return cfg_expect_args(d, 0, 0, p->err) != 0 || cfg_expect_no_block(d, p->err) != 0 ? -1 : 0;
}

static route_result_t route__skip_log_handle(route_exchange_t *x, const void *conf)
{
    (void)conf;
    route_state_t *st = route_state(x);
    if (!st) return route_fail(x, 500, "out of memory");
    st->skip_log = true;
    return ROUTE_NEXT;
}

const route_directive_t route_directive_skip_log = {
    .name = "skip_log", .alias = "log_skip", .flags = ROUTE_DIR_MATCHER, .parse = route__skip_log_parse,
    .handle = route__skip_log_handle,
};
