/* `reverse_proxy [<matcher>] [<upstreams...>] { ... }`: forwards the request
 * to an upstream chosen by the lb_policy and streams the answer back
 * (options: proxy_parse.c; policies: proxy_lb.c; headers: proxy_headers.c;
 * health: proxy_health.c; the I/O is the host's, see proxy_transport.h).
 *
 * This file decides what happens to one exchange: pick an upstream, start a
 * call, and on failure either retry (lb_retries / lb_try_duration, waiting
 * lb_try_interval, never twice with a request that may have had effects
 * upstream) or answer 502 / 503 / 504 with a log line naming the upstream. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "route/chain.h"
#include "route/directive.h"
#include "route/matcher.h"
#include "route/proxy_conf.h"
#include "route/proxy_headers.h"
#include "route/proxy_keep.h"
#include "route/proxy_health.h"
#include "route/proxy_lb.h"
#include "route/proxy_transport.h"
#include "route/response.h"
#include "route/state.h"

/* Per-exchange state, in x->arena. */
typedef struct {
    route_exchange_t *x;
    const route_proxy_conf_t *c;
    const route_proxy_transport_t *t;
    route_proxy_call_t *call;          /* the call in flight, or NULL */
    route_proxy_upstream_t *up;        /* its upstream; in_flight counted while set */
    route_proxy_request_t req;
    http_headers_t up_headers;
    http_headers_t ours;         /* x->resp.headers as reverse_proxy found them */
    uint32_t attempts;
    int64_t started;
    bool set_cookie;
    bool authorized;             /* forward_auth: a 2xx came; the routes go on after it */
    const struct route_proxy_handle_response *handling; /* handle_response took the answer */
    int replace_status;          /* replace_status matched: the status sent instead of the upstream's */
} route__proxy_job_t;

static route_result_t route__proxy_attempt(route__proxy_job_t *j);

static void route__proxy_release_upstream(route__proxy_job_t *j)
{
    if (j->up) atomic_fetch_sub_explicit(&j->up->in_flight, 1, memory_order_relaxed);
    j->up = NULL;
    j->call = NULL;
}

/* The exchange ended (response sent or client gone): stop what runs. */
static void route__proxy_job_cleanup(void *data)
{
    route__proxy_job_t *j = data;
    if (j->call) j->t->cancel(j->call);
    route__proxy_release_upstream(j);
}

/* Caddy's rule for a request that reached the upstream: lb_retry_match's
 * sets, else GET only. ifrit keeps no copy of a body it sent, so a request
 * with one never goes again. */
static bool route__proxy_retry_allowed(const route__proxy_job_t *j)
{
    if (j->req.with_body) return false;
    if (!j->c->nretry_match) return ifr_str_eq(j->x->req->method, IFR_LIT("GET"));
    for (size_t i = 0; i < j->c->nretry_match; i++)
        if (route_match(j->x, j->c->retry_match[i])) return true;
    return false;
}

/* Caddy retries while either budget lasts: lb_retries more attempts, or
 * time left in lb_try_duration. */
static bool route__proxy_may_retry(const route__proxy_job_t *j)
{
    if (j->attempts <= j->c->lb_retries) return true;
    return j->c->lb_try_duration_ns > 0 && route_proxy_now_ns() - j->started < j->c->lb_try_duration_ns;
}

static void route__proxy_retry_cb(route_exchange_t *x, void *ud)
{
    (void)x;
    route__proxy_job_t *j = ud;
    route_result_t r = route__proxy_attempt(j);
    if (r != ROUTE_ASYNC) route_resume(j->x, r);
}

/* Nothing to pick: a 503, with a log line naming each upstream and why
 * it is out (the first four, then how many there are in all). */
static route_result_t route__proxy_unavailable(route__proxy_job_t *j)
{
    route_exchange_t *x = j->x;
    char list[512], why[64];
    size_t len = 0;
    int64_t now = route_proxy_now_ns();
    list[0] = 0;
    for (size_t i = 0; i < j->c->nupstreams && i < 4; i++) {
        route_proxy_upstream_t *u = &j->c->upstreams[i];
        int n = snprintf(list + len, sizeof list - len, "%s%.*s (%s)", i ? ", " : "", (int)u->hostport.len,
                         u->hostport.ptr, route_proxy_upstream_why_down(j->c, u, now, why, sizeof why));
        if (n < 0 || (size_t)n >= sizeof list - len) break;
        len += (size_t)n;
    }
    char more[48] = "";
    if (j->c->nupstreams > 4) snprintf(more, sizeof more, ", ... (%zu in all)", j->c->nupstreams);
    ifr_log_warn("reverse_proxy", "no upstream available for %.*s %.*s: %s%s (503)", (int)x->req->method.len,
                 x->req->method.ptr, (int)x->req->target.len, x->req->target.ptr, list, more);
    return route_fail(x, 503, "no upstream available");
}

/* Waits lb_try_interval, then tries again; ROUTE_ASYNC, or the final
 * failure when no wait is possible. lb_try_interval 0 tries again on the
 * loop's next turn, never by recursion: with nothing available that would
 * go on inside this call for all of lb_try_duration (Caddy spins there;
 * here the worker at least serves its other connections meanwhile). */
static route_result_t route__proxy_wait_and_retry(route__proxy_job_t *j, int status, const char *msg)
{
    route_exchange_t *x = j->x;
    int64_t wait = j->c->lb_try_interval_ns;
    if (wait > 0 ? x->io->timer && x->io->timer(x, wait, route__proxy_retry_cb, j) == 0
                 : x->io->defer && x->io->defer(x, route__proxy_retry_cb, j) == 0)
        return ROUTE_ASYNC;
    if (status == 503) return route__proxy_unavailable(j);
    /* A host without timers: an attempt that fails does so from a callback,
     * so trying again now does not recurse. */
    if (wait <= 0) return route__proxy_attempt(j);
    return route_fail(x, status, msg);
}

/* forward_auth's 2xx: each copy_headers field of the auth response goes
 * into the request (replacing the client's); one the response lacks is
 * taken out of the request, so a client cannot send it in its stead. */
static int route__proxy_authorized(route__proxy_job_t *j, const http_upstream_response_t *r)
{
    const route_proxy_auth_conf_t *a = j->c->auth;
    http_headers_t *h = &j->x->req->headers;
    for (size_t i = 0; i < a->ncopy; i++) {
        const http_header_t *f = http_headers_get(&r->headers, a->copy_from[i]);
        if (!f) http_headers_remove(h, a->copy_to[i]);
        else if (http_headers_set(h, j->x->arena, a->copy_to[i], f->value) != 0) return -1;
    }
    j->authorized = true;
    return ROUTE_PROXY_HEAD_DONE;
}

/* handle_response: the first block whose matcher takes the upstream's
 * head keeps its status and fields for {http.reverse_proxy.*}; the body
 * is not read, and the block's routes run once the call ended (Caddy
 * runs them with the handlers after reverse_proxy as their next, so a
 * block that does not answer falls through to those). A block that holds
 * copy_response keeps the body too (proxy_keep.h). -1 out of memory, 0 no
 * block took it (or replace_status did), ROUTE_PROXY_HEAD_DONE, or
 * ROUTE__PROXY_KEEP_BODY: the transport goes on, its body kept. */
#define ROUTE__PROXY_KEEP_BODY 2
static int route__proxy_handle_response(route__proxy_job_t *j, const http_upstream_response_t *r)
{
    const http_response_t view = { .status = r->status, .headers = r->headers };
    for (size_t i = 0; i < j->c->nhandle_response; i++) {
        const struct route_proxy_handle_response *hr = &j->c->handle_response[i];
        if (hr->match && !route_resp_match(hr->match, &view)) continue;
        if (hr->status) {
            j->replace_status = hr->status;   /* replace_status: the answer goes on, with this status */
            return 0;
        }
        route_state_t *st = route_state(j->x);
        route_proxy_answer_t *a = st ? ifr_arena_calloc(j->x->arena, 1, sizeof(*a)) : NULL;
        if (!a) return -1;
        a->status = r->status;
        for (uint32_t k = 0; k < r->headers.count; k++)
            if (http_headers_add(&a->headers, j->x->arena, r->headers.items[k].name, r->headers.items[k].value) != 0)
                return -1;
        st->proxy_answer = a;
        j->handling = hr;
        if (!hr->copies) return ROUTE_PROXY_HEAD_DONE;
        route_proxy_kept_t *k = ifr_arena_calloc(j->x->arena, 1, sizeof(*k));
        if (!k) return -1;
        *k = (route_proxy_kept_t){ .conf = j->c, .up = j->up, .head = *r };
        k->head.headers = a->headers;
        a->kept = k;
        return route_proxy_keep_start(j->x, k) == 0 ? ROUTE__PROXY_KEEP_BODY : -1;
    }
    return 0;
}

static int route__proxy_on_head(void *ud, const http_upstream_response_t *r)
{
    route__proxy_job_t *j = ud;
    route_exchange_t *x = j->x;
    if (route_proxy_status_in(j->c->unhealthy_status, j->c->nunhealthy_status, r->status))
        route_proxy_upstream_failed(j->c, j->up, route_proxy_now_ns());
    if (j->c->auth && r->status >= 200 && r->status < 300) return route__proxy_authorized(j, r);
    /* forward_auth's own 2xx block comes first, as in Caddy; then the user's. */
    if (j->c->nhandle_response && r->status != 101) {
        int taken = route__proxy_handle_response(j, r);
        if (taken == ROUTE__PROXY_KEEP_BODY) return 0;
        if (taken != 0) return taken;
    }
    if (route_proxy_headers_down(x, j->c, j->up, &j->ours, r) != 0) return -1;
    if (j->replace_status) x->resp.status = j->replace_status;
    if (j->set_cookie) {
        char v[17];
        route_proxy_lb_cookie_value(j->up, v);
        char *cookie = ifr_arena_printf(x->arena, "%.*s=%s; Path=/", (int)j->c->lb_key.len, j->c->lb_key.ptr, v);
        if (!cookie || http_headers_add(&x->resp.headers, x->arena, IFR_LIT("Set-Cookie"), ifr_cstr(cookie)) != 0)
            return -1;
    }
    if (r->status == 101) return 0;   /* the transport sends it with x->io->upgrade */
    return x->io->send_head(x) == 0 ? 0 : -1;
}

/* Caddy passes an upstream's 1xx heads on (103 Early Hints, say); the
 * host sends them only where a client can take them. */
static void route__proxy_on_interim(void *ud, const http_upstream_response_t *r)
{
    route__proxy_job_t *j = ud;
    route_exchange_t *x = j->x;
    http_headers_t h;
    if (!x->io->send_interim || route_proxy_headers_interim(x, r, &h) != 0) return;
    x->io->send_interim(x, r->status, &h);
}

static void route__proxy_on_end(void *ud, bool ok)
{
    route__proxy_job_t *j = ud;
    if (j->authorized) {
        route__proxy_release_upstream(j);
        route_resume(j->x, ROUTE_NEXT);
        return;
    }
    if (j->handling) {
        route_proxy_kept_t *k = route_state(j->x)->proxy_answer->kept;
        if (k) route_proxy_keep_stop(j->x, k);
        if (k && !ok) {
            ifr_log_warn("reverse_proxy", "response from upstream %.*s for %.*s %s: nothing to copy_response",
                         (int)j->up->hostport.len, j->up->hostport.ptr, (int)j->x->req->target.len,
                         j->x->req->target.ptr, k->over ? "is over 16 MiB" : "broke off");
            route__proxy_release_upstream(j);
            route_resume(j->x, route_fail(j->x, 502, "upstream response body not kept"));
            return;
        }
        route__proxy_release_upstream(j);
        if (route_chain_enter(j->x, &j->handling->routes) != 0) {
            route_resume(j->x, route_fail(j->x, 500, "routes nested too deeply"));
            return;
        }
        route_resume(j->x, ROUTE_NEXT);
        return;
    }
    if (!ok)
        ifr_log_warn("reverse_proxy", "response from upstream %.*s for %.*s broke off",
                     (int)j->up->hostport.len, j->up->hostport.ptr, (int)j->x->req->target.len, j->x->req->target.ptr);
    route__proxy_release_upstream(j);
}

static void route__proxy_on_fail(void *ud, route_proxy_fail_t why, const char *detail, bool request_sent)
{
    route__proxy_job_t *j = ud;
    route_exchange_t *x = j->x;
    route_proxy_upstream_t *u = j->up;
    route__proxy_release_upstream(j);
    if (why == ROUTE_PROXY_FAIL_CLIENT) {
        route_resume(x, route_fail(x, 400, detail));
        return;
    }
    route_proxy_upstream_failed(j->c, u, route_proxy_now_ns());
    int status = why == ROUTE_PROXY_FAIL_HEADER_TIMEOUT ? 504 : 502;
    ifr_log_warn("reverse_proxy", "upstream %.*s failed for %.*s %.*s: %s (%d)", (int)u->hostport.len, u->hostport.ptr,
                 (int)x->req->method.len, x->req->method.ptr, (int)x->req->target.len, x->req->target.ptr, detail, status);
    /* A request that reached the upstream may have had effects there:
     * only those lb_retry_match allows (GET by default) go again. */
    bool safe = !request_sent || route__proxy_retry_allowed(j);
    if (safe && route__proxy_may_retry(j)) {
        route_result_t r = route__proxy_wait_and_retry(j, status, detail);
        if (r != ROUTE_ASYNC) route_resume(x, r);
        return;
    }
    route_resume(x, route_fail(x, status, detail));
}

static const route_proxy_call_cb_t route__proxy_callbacks = {
    .on_head = route__proxy_on_head, .on_fail = route__proxy_on_fail, .on_end = route__proxy_on_end, .on_interim = route__proxy_on_interim,
};

static const route_proxy_call_cb_t route__proxy_callbacks;

/* Starts the call to u; j->req is filled. */
static route_result_t route__proxy_call(route__proxy_job_t *j, route_proxy_upstream_t *u)
{
    atomic_fetch_add_explicit(&u->in_flight, 1, memory_order_relaxed);
    j->up = u;
    if (j->t->start(j->x, &j->req, &route__proxy_callbacks, j, &j->call) != 0) {
        route__proxy_release_upstream(j);
        return route_fail(j->x, 500, "out of memory");
    }
    return ROUTE_ASYNC;
}

/* forward_auth's request, as Caddy 2.6 makes it: GET to the uri, the
 * client's fields (and X-Forwarded-*) plus X-Forwarded-Method and
 * X-Forwarded-Uri, no body (the body stays for the routes after). */
static route_result_t route__proxy_attempt_auth(route__proxy_job_t *j, route_proxy_upstream_t *u)
{
    route_exchange_t *x = j->x;
    ifr_str_t target, uri;
    if (route_tmpl_render(x, j->c->auth->uri, &target) != 0 || !route_tmpl_get(x, IFR_LIT("http.request.uri"), &uri) ||
        http_headers_set(&j->up_headers, x->arena, IFR_LIT("X-Forwarded-Method"), x->req->method) != 0 ||
        http_headers_set(&j->up_headers, x->arena, IFR_LIT("X-Forwarded-Uri"), uri) != 0)
        return route_fail(x, 500, "out of memory");
    http_headers_remove(&j->up_headers, IFR_LIT("content-length"));
    /* As Caddy's rewrite: a uri without a query keeps the request's. */
    const char *q = memchr(x->req->target.ptr, '?', x->req->target.len);
    if (q && !memchr(target.ptr, '?', target.len)) {
        size_t qlen = x->req->target.len - (size_t)(q - x->req->target.ptr);
        const char *t = ifr_arena_printf(x->arena, "%.*s%.*s", (int)target.len, target.ptr, (int)qlen, q);
        if (!t) return route_fail(x, 500, "out of memory");
        target = ifr_cstr(t);
    }
    j->req = (route_proxy_request_t){
        .upstream = u, .conf = &j->c->transport, .method = IFR_LIT("GET"), .target = target,
        .headers = &j->up_headers, .flush_interval_ns = j->c->flush_interval_ns,
    };
    return route__proxy_call(j, u);
}

static route_result_t route__proxy_attempt(route__proxy_job_t *j)
{
    route_exchange_t *x = j->x;
    j->attempts++;
    route_proxy_upstream_t *u = route_proxy_lb_select(j->c, x, route_proxy_now_ns(), &j->set_cookie);
    if (!u) return route__proxy_may_retry(j) ? route__proxy_wait_and_retry(j, 503, "no upstream available") : route__proxy_unavailable(j);
    bool upgrade = !j->c->auth && j->t->tunnels && route_proxy_upgrade_requested(x->req);
    if (route_proxy_headers_up(x, j->c, u, upgrade, &j->up_headers) != 0) return route_fail(x, 500, "out of memory");
    if (j->c->auth) return route__proxy_attempt_auth(j, u);
    j->req = (route_proxy_request_t){
        .upstream = u,
        .conf = &j->c->transport,
        .method = x->req->method,
        .target = x->req->target,
        .headers = &j->up_headers,
        .with_body = x->req->body_kind != HTTP_BODY_NONE,
        .flush_interval_ns = j->c->flush_interval_ns,
        .upgrade = upgrade,
    };
    /* The path or query may have been rewritten (rewrite, uri, handle_path):
     * then send them, not the target as it came. A prefix check is not
     * enough: /api/ stripped to / is a prefix of what came. */
    long q = ifr_str_find_char(x->req->target, '?');
    ifr_str_t sent_path = q < 0 ? x->req->target : ifr_str_sub(x->req->target, 0, (size_t)q);
    ifr_str_t sent_query = q < 0 ? IFR_LIT("") : ifr_str_sub(x->req->target, (size_t)q + 1, x->req->target.len);
    if (x->req->path.len && (!ifr_str_eq(sent_path, x->req->path) || !ifr_str_eq(sent_query, x->req->query))) {
        char *t = x->req->query.len
                      ? ifr_arena_printf(x->arena, "%.*s?%.*s", (int)x->req->path.len, x->req->path.ptr,
                                         (int)x->req->query.len, x->req->query.ptr)
                      : ifr_arena_strndup(x->arena, x->req->path.ptr, x->req->path.len);
        if (!t) return route_fail(x, 500, "out of memory");
        j->req.target = ifr_cstr(t);
    }
    return route__proxy_call(j, u);
}

route_result_t route_proxy_handle(route_exchange_t *x, const void *conf)
{
    const route_proxy_conf_t *c = conf;
    const route_proxy_transport_t *t = c->transport.fastcgi ? route_proxy_transport_get_fastcgi() : route_proxy_transport_get();
    if (!t) return route_fail(x, 502, c->transport.fastcgi ? "no FastCGI transport in this build"
                                                           : "no reverse_proxy transport in this build");
    route__proxy_job_t *j = ifr_arena_calloc(x->arena, 1, sizeof(*j));
    if (!j || ifr_arena_on_cleanup(x->arena, route__proxy_job_cleanup, j) != 0) return route_fail(x, 500, "out of memory");
    *j = (route__proxy_job_t){ .x = x, .c = c, .t = t, .started = route_proxy_now_ns(), .ours = x->resp.headers };
    if (t->watch_health && c->health_uri.len) t->watch_health(x, c);
    return route__proxy_attempt(j);
}

static int route__proxy_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    route_proxy_conf_t *c;
    if (route_proxy_conf_parse(p, d, &c) != 0) return -1;
    *conf = c;
    return 0;
}

const route_directive_t route_directive_reverse_proxy = {
    .name = "reverse_proxy", .flags = ROUTE_DIR_MATCHER, .parse = route__proxy_parse, .handle = route_proxy_handle,
};
