/* Gojinn's traffic options on the request path, and their parsing
 * (fn_traffic.h). Gojinn's order: CORS first (a preflight ends there),
 * then the API key (401), then the rate limit per client (429). Refusals
 * are logged within the function's log budget: clients choose how many. */
#include <stdlib.h>
#include <string.h>

#include "base/ct_equal.h"
#include "base/log.h"
#include "config/dispense.h"
#include "fn/fn_call.h"
#include "fn/fn_host_call.h"
#include "fn/fn_traffic_check.h"
#include "route/response.h"

/* The headers Gojinn sends with an allowed Origin. */
static int fn__traffic_cors_headers(route_exchange_t *x, ifr_str_t origin)
{
    http_headers_t *h = &x->resp.headers;
    return http_headers_set(h, x->arena, IFR_LIT("Access-Control-Allow-Origin"), origin) |
           http_headers_set(h, x->arena, IFR_LIT("Access-Control-Allow-Methods"),
                            IFR_LIT("POST, GET, OPTIONS, PUT, DELETE, PATCH")) |
           http_headers_set(h, x->arena, IFR_LIT("Access-Control-Allow-Headers"),
                            IFR_LIT("Content-Type, Authorization, X-API-Key, X-Gojinn-Debug, traceparent")) |
           http_headers_set(h, x->arena, IFR_LIT("Access-Control-Allow-Credentials"), IFR_LIT("true")) |
           http_headers_add(h, x->arena, IFR_LIT("Vary"), IFR_LIT("Origin"));
}

/* The key the request presents: X-API-Key, else a Bearer token. */
static ifr_str_t fn__traffic_key(const http_request_t *req)
{
    const http_header_t *k = http_headers_get(&req->headers, IFR_LIT("X-API-Key"));
    if (k && k->value.len) return k->value;
    const http_header_t *a = http_headers_get(&req->headers, IFR_LIT("Authorization"));
    if (a && a->value.len > 7 && strncmp(a->value.ptr, "Bearer ", 7) == 0) return ifr_str_sub(a->value, 7, a->value.len);
    return (ifr_str_t){ 0 };
}

int fn_traffic_check(fn_call_t *c)
{
    route_exchange_t *x = c->x;
    const fn_traffic_config_t *t = &c->f->conf->traffic;
    const http_header_t *origin = http_headers_get(&x->req->headers, IFR_LIT("Origin"));
    if (t->ncors_origins && origin && origin->value.len) {
        bool allowed = false;
        for (size_t i = 0; i < t->ncors_origins && !allowed; i++)
            allowed = strcmp(t->cors_origins[i], "*") == 0 || ifr_str_eq_cstr(origin->value, t->cors_origins[i]);
        if (allowed && fn__traffic_cors_headers(x, origin->value) < 0) return 500;
        if (ifr_str_eq_cstr(x->req->method, "OPTIONS")) return 204;   /* the preflight: no guest */
    }
    ifr_str_t client = x->conn->remote_ip;
    if (t->napi_keys) {
        ifr_str_t key = fn__traffic_key(x->req);
        bool ok = false;
        for (size_t i = 0; i < t->napi_keys; i++)
            ok |= ifr_ct_equal(key.ptr ? key.ptr : "", key.len, t->api_keys[i], strlen(t->api_keys[i]));
        if (!ok) {
            fn_host_log(c, IFR_LOG_WARN, "refused (401): %s",
                        key.len ? "its API key is not one of the function's" : "it has no API key");
            return 401;
        }
        client = key;   /* the rate limit is per key, as Gojinn's */
    }
    if (!fn_traffic_take(c->f->traffic, t, client, fn_clock_ns())) {
        fn_host_log(c, IFR_LOG_WARN, "refused (429): over rate_limit %g/s", t->rate);
        return 429;
    }
    return 0;
}

static int fn__traffic_append(route_parse_t *p, const char ***list, size_t *n, const cfg_token_t *t)
{
    const char **grown = ifr_arena_alloc(p->arena, (*n + 1) * sizeof *grown);
    if (!grown) return cfg_errorf(p->err, NULL, "out of memory");
    if (*n) memcpy(grown, *list, *n * sizeof *grown);
    grown[(*n)++] = t->text.ptr;
    *list = grown;
    return 0;
}

bool fn_traffic_is_option(ifr_str_t name)
{
    return ifr_str_eq_cstr(name, "api_key") || ifr_str_eq_cstr(name, "cors_origin") ||
           ifr_str_eq_cstr(name, "rate_limit");
}

int fn_traffic_option(route_parse_t *p, const cfg_directive_t *s, fn_traffic_config_t *t)
{
    ifr_str_t n = s->name.text;
    if (ifr_str_eq_cstr(n, "rate_limit")) {
        if (cfg_expect_args(s, 1, 2, p->err) != 0) return -1;
        char *end = NULL;
        double rate = strtod(s->args[0].text.ptr, &end);
        if (!end || *end || !(rate > 0) || rate > 1e6)
            return cfg_errorf(p->err, &s->args[0], "rate_limit: expected requests a second (more than 0), got '%s'",
                              s->args[0].text.ptr);
        t->rate = rate;
        int64_t burst = 0;
        if (s->nargs == 2 && cfg_parse_int(&s->args[1], 1, 1000000, &burst, p->err) != 0) return -1;
        t->burst = (uint32_t)burst;
        return 0;
    }
    if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
    if (s->args[0].text.len == 0) return cfg_errorf(p->err, &s->args[0], "%s: must not be empty", n.ptr);
    if (ifr_str_eq_cstr(n, "api_key")) return fn__traffic_append(p, &t->api_keys, &t->napi_keys, &s->args[0]);
    return fn__traffic_append(p, &t->cors_origins, &t->ncors_origins, &s->args[0]);
}
