/* `log [<name>] { output stdout|stderr|discard|file <path>; format json|console; level <l> }`
 * and `skip_log [<matcher>]` (also 2.8's `log_skip`):
 * one JSON access-log line per request, written when the exchange ends
 * (route_exchange_done), in Caddy's shape:
 *   {"level":"info","ts":..,"logger":"http.log.access","msg":"handled request",
 *    "request":{"remote_ip":..,"remote_port":..,"proto":..,"method":..,"host":..,
 *    "uri":..,"headers":{..},"tls":{..}},"duration":..,"size":..,"status":..,"resp_headers":{..}}
 * ("tls" only over TLS: resumed, version and cipher_suite as their wire
 * numbers, proto, server_name, as Caddy logs them)
 * Credentials (Authorization, Cookie, ...) are logged as "REDACTED", as
 * Caddy does by default. `format console` writes JSON too. As Caddy, an
 * answer of 400 or more is an "error" entry, others "info"; `level`
 * leaves out entries below it. A request `skip_log` matched is not
 * logged. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/json.h"
#include "config/dispense.h"
#include "route/directive.h"
#include "route/filter.h"
#include "route/response.h"
#include "route/site.h"
#include "route/state.h"

/* Caddy's (zap's) levels, lowest first. */
static const char *const route__log_levels[] = { "DEBUG", "INFO", "WARN", "ERROR", "DPANIC", "PANIC", "FATAL" };
#define ROUTE__LOG_INFO 1
#define ROUTE__LOG_ERROR 3

struct route_access_log {
    int fd;             /* -1: discard */
    int level;          /* entries below it are left out (route__log_levels) */
    route_access_log_t *next;   /* a site may have several `log` directives */
};

static int route__log_output(route_parse_t *p, const cfg_directive_t *s, route_access_log_t *log)
{
    if (cfg_expect_args(s, 1, 2, p->err) != 0) return -1;
    ifr_str_t kind = s->args[0].text;
    if (ifr_str_eq_cstr(kind, "stdout")) log->fd = 1;
    else if (ifr_str_eq_cstr(kind, "stderr")) log->fd = 2;
    else if (ifr_str_eq_cstr(kind, "discard")) log->fd = -1;
    else if (ifr_str_eq_cstr(kind, "file")) {
        if (s->nargs != 2) return cfg_errorf(p->err, &s->args[0], "log output file: expected a path");
        if (s->block)
            return cfg_errorf(p->err, s->block->open,
                              "log output file: rolling options are not supported by ifrit (use logrotate)");
        /* O_NONBLOCK: a FIFO no process reads is an error (ENXIO), not a
         * load that waits for a reader; writes block as usual after. */
        int fd = open(s->args[1].text.ptr, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0644);
        if (fd < 0)
            return cfg_errorf(p->err, &s->args[1], "log output file: cannot open %s: %s",
                              s->args[1].text.ptr, errno == ENXIO ? "a FIFO that no process reads" : strerror(errno));
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        if (route_plan_own_fd(p->plan, fd) != 0) return cfg_errorf(p->err, NULL, "out of memory");
        log->fd = fd;
    } else {
        static const char *const kinds[] = { "stdout", "stderr", "discard", "file" };
        return cfg_error_unknown(p->err, &s->args[0], "log output", kinds, 4);
    }
    return 0;
}

static int route__log_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 0, 1, p->err) != 0) return -1;
    route_access_log_t *log = ifr_arena_calloc(p->arena, 1, sizeof(*log));
    if (!log) return cfg_errorf(p->err, NULL, "out of memory");
    log->fd = 2;   /* Caddy's default access log goes to stderr */
    log->level = ROUTE__LOG_INFO;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (ifr_str_eq_cstr(s->name.text, "output")) {
            if (route__log_output(p, s, log) != 0) return -1;
        } else if (ifr_str_eq_cstr(s->name.text, "format")) {
            if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
            if (!ifr_str_eq_cstr(s->args[0].text, "json") && !ifr_str_eq_cstr(s->args[0].text, "console"))
                return cfg_errorf(p->err, &s->args[0], "log format: expected json or console");
        } else if (ifr_str_eq_cstr(s->name.text, "level")) {
            if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
            size_t k = 0;
            while (k < 7 && !ifr_str_eq_nocase(s->args[0].text, ifr_cstr(route__log_levels[k]))) k++;
            if (k == 7) return cfg_error_unknown(p->err, &s->args[0], "log level", route__log_levels, 7);
            log->level = (int)k;
        } else {
            static const char *const known[] = { "output", "format", "level" };
            return cfg_error_unknown(p->err, &s->name, "log option", known, 3);
        }
    }
    /* Appended, so lines go out in the order the directives were written. */
    route_access_log_t **tail = &p->site->log;
    while (*tail) tail = &(*tail)->next;
    *tail = log;
    *conf = NULL;
    return 0;
}

const route_directive_t route_directive_log = {
    .name = "log", .flags = ROUTE_DIR_SITE, .parse = route__log_parse,
};

/* A line being built in arena memory; grows by doubling. */
typedef struct {
    ifr_arena_t *a;
    char *b;
    size_t n, cap;
    bool failed;
} route__line_t;

static bool route__line_room(route__line_t *l, size_t more)
{
    if (l->failed) return false;
    if (l->n + more <= l->cap) return true;
    size_t cap = l->cap ? l->cap : 1024;
    while (cap < l->n + more) cap *= 2;
    char *nb = ifr_arena_alloc(l->a, cap);
    if (!nb) { l->failed = true; return false; }
    if (l->n) memcpy(nb, l->b, l->n);
    l->b = nb;
    l->cap = cap;
    return true;
}

static void route__line_raw(route__line_t *l, const char *s, size_t len)
{
    if (route__line_room(l, len)) { memcpy(l->b + l->n, s, len); l->n += len; }
}

static void route__line_lit(route__line_t *l, const char *s) { route__line_raw(l, s, strlen(s)); }

static void route__line_str(route__line_t *l, ifr_str_t s)
{
    size_t need = s.len * 6 + 2;
    if (route__line_room(l, need)) l->n += ifr_json_escape_to(l->b + l->n, need, s);
}

static void route__line_headers(route__line_t *l, const http_headers_t *h)
{
    static const char *const secret[] = { "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie" };
    route__line_lit(l, "{");
    for (uint32_t i = 0; i < h->count; i++) {
        /* Repeated fields become one array, as Go's http.Header does. */
        bool seen = false;
        for (uint32_t k = 0; k < i && !seen; k++) seen = ifr_str_eq_nocase(h->items[k].name, h->items[i].name);
        if (seen) continue;
        if (l->n && l->b[l->n - 1] != '{') route__line_lit(l, ",");
        route__line_str(l, h->items[i].name);
        route__line_lit(l, ":[");
        bool redact = false;
        for (size_t s = 0; s < sizeof(secret) / sizeof(secret[0]); s++)
            redact |= ifr_str_eq_nocase(h->items[i].name, ifr_cstr(secret[s]));
        bool first = true;
        for (uint32_t k = i; k < h->count; k++) {
            if (!ifr_str_eq_nocase(h->items[k].name, h->items[i].name)) continue;
            if (!first) route__line_lit(l, ",");
            route__line_str(l, redact ? IFR_LIT("REDACTED") : h->items[k].value);
            first = false;
        }
        route__line_lit(l, "]");
    }
    route__line_lit(l, "}");
}

static void route__access_log_write_one(const route_access_log_t *log, route_exchange_t *x)
{
    int status = x->resp.status ? x->resp.status : x->error_status;
    int level = status >= 400 ? ROUTE__LOG_ERROR : ROUTE__LOG_INFO;
    if (log->fd < 0 || level < log->level) return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t dur_ns = ifr_monotonic_ns() - x->start_ns;
    if (x->start_ns == 0 || dur_ns < 0) dur_ns = 0;
    route__line_t l = { .a = x->arena };
    char num[160];
    const http_request_t *r = x->req;
    snprintf(num, sizeof(num), "{\"level\":\"%s\",\"ts\":%lld.%06ld,\"logger\":\"http.log.access\","
             "\"msg\":\"handled request\",\"request\":{\"remote_ip\":",
             level == ROUTE__LOG_ERROR ? "error" : "info", (long long)now.tv_sec, now.tv_nsec / 1000);
    route__line_lit(&l, num);
    route__line_str(&l, x->conn->remote_ip);
    snprintf(num, sizeof(num), ",\"remote_port\":\"%u\",\"client_ip\":", x->conn->remote_port);
    route__line_lit(&l, num);
    route__line_str(&l, route_client_ip(x));
    if (r->version_major >= 2) snprintf(num, sizeof(num), ",\"proto\":\"HTTP/%u.0\",\"method\":", r->version_major);
    else snprintf(num, sizeof(num), ",\"proto\":\"HTTP/%u.%u\",\"method\":", r->version_major, r->version_minor);
    route__line_lit(&l, num);
    route__line_str(&l, r->method);
    route__line_lit(&l, ",\"host\":");
    route__line_str(&l, r->host);
    route__line_lit(&l, ",\"uri\":");
    route__line_str(&l, x->orig_uri.len ? x->orig_uri : r->target);
    route__line_lit(&l, ",\"headers\":");
    route__line_headers(&l, &r->headers);
    if (x->conn->tls) {
        snprintf(num, sizeof(num), ",\"tls\":{\"resumed\":%s,\"version\":%u,\"cipher_suite\":%u,\"proto\":",
                 x->conn->tls_resumed ? "true" : "false", x->conn->tls_version_id, x->conn->tls_cipher_id);
        route__line_lit(&l, num);
        route__line_str(&l, x->conn->tls_proto);
        route__line_lit(&l, ",\"server_name\":");
        route__line_str(&l, x->conn->tls_server_name);
        route__line_lit(&l, "}");
    }
    snprintf(num, sizeof(num), "},\"bytes_read\":0,\"duration\":%lld.%09lld,\"size\":%llu,\"status\":%d,\"resp_headers\":",
             (long long)(dur_ns / 1000000000), (long long)(dur_ns % 1000000000),
             (unsigned long long)route_filter_bytes_sent(x), status);
    route__line_lit(&l, num);
    route__line_headers(&l, &x->resp.headers);
    route__line_lit(&l, "}\n");
    if (l.failed) return;
    /* One write per line: lines from several workers never interleave. */
    size_t off = 0;
    while (off < l.n) {
        ssize_t w = write(log->fd, l.b + off, l.n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        off += (size_t)w;
    }
}

void route_access_log_write(const route_access_log_t *log, route_exchange_t *x)
{
    const route_state_t *st = x->route_state;
    if (st && st->skip_log) return;
    for (; log; log = log->next) route__access_log_write_one(log, x);
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
