/* reverse_proxy's route half with a fake transport: configuration errors,
 * the request that goes up (target, forwarded and hop-by-hop fields,
 * header_up), the response that comes down (header_down), retry decisions,
 * error statuses and load balancing. The sockets half is tested end to end
 * (tests/e2e/test_proxy.py). */
#include "testing.h"

#include "fake_host.h"
#include "route/proxy_headers.h"
#include "route/proxy_transport.h"

/* What the fake transport saw last. */
static struct {
    int starts;
    route_proxy_request_t req;
    const route_proxy_call_cb_t *cb;
    void *ud;
    int cancels;
} ft;
static int ft_call;   /* its address is the call handle */

static int ft_start(route_exchange_t *x, const route_proxy_request_t *req, const route_proxy_call_cb_t *cb, void *ud,
                    route_proxy_call_t **out)
{
    (void)x;
    ft.starts++;
    ft.req = *req;
    ft.cb = cb;
    ft.ud = ud;
    *out = (route_proxy_call_t *)&ft_call;
    return 0;
}

static void ft_cancel(route_proxy_call_t *c)
{
    (void)c;
    ft.cancels++;
}

static const route_proxy_transport_t fake_transport = { .start = ft_start, .cancel = ft_cancel };

/* Like fake_run, but leaves the exchange open so the test can play the
 * transport's callbacks; proxy_end closes it. */
static fake_t *proxy_run(const route_plan_t *p, const char *method, const char *target, const char *const *hdrs)
{
    fake_t *f = calloc(1, sizeof(*f));
    ifr_arena_init(&f->arena, 0);
    f->req.method = ifr_cstr(method);
    f->req.target = ifr_cstr(target);
    const char *q = strchr(target, '?');
    f->req.path = q ? ifr_str(target, (size_t)(q - target)) : ifr_cstr(target);
    f->req.query = q ? ifr_cstr(q + 1) : IFR_LIT("");
    f->req.version_major = f->req.version_minor = 1;
    f->req.host = IFR_LIT("site.test");
    http_headers_add(&f->req.headers, &f->arena, IFR_LIT("Host"), IFR_LIT("site.test"));
    for (size_t i = 0; hdrs && hdrs[i]; i++) {
        const char *colon = strchr(hdrs[i], ':');
        http_headers_add(&f->req.headers, &f->arena, ifr_str(hdrs[i], (size_t)(colon - hdrs[i])), ifr_cstr(colon + 2));
    }
    f->conn = (route_conn_info_t){ .remote_ip = IFR_LIT("10.1.2.3"), .local_port = 8080 };
    f->x = (route_exchange_t){ .arena = &f->arena, .req = &f->req, .conn = &f->conn, .io = &fake_io, .io_ctx = f };
    f->x.resp.content_length = -1;
    memset(&ft, 0, sizeof ft);
    f->result = route_dispatch(p, &f->x);
    if (f->result == ROUTE_ERROR && !f->x.head_sent) f->status = f->x.error_status;
    return f;
}

static void proxy_end(const route_plan_t *p, fake_t *f)
{
    route_exchange_done(p, &f->x);
    fake_free(f);
}

static const char *up_header(const char *name)
{
    const http_header_t *h = http_headers_get(ft.req.headers, ifr_cstr(name));
    static char buf[256];
    snprintf(buf, sizeof buf, "%.*s", h ? (int)h->value.len : 0, h ? h->value.ptr : "");
    return h ? buf : NULL;
}

/* Plays an upstream answer through the handler's on_head. */
static int answer(int status, const char *name, const char *value)
{
    http_upstream_response_t r = { .status = status, .keep_alive = true, .body_kind = HTTP_BODY_NONE };
    static http_header_t h[2];
    h[0] = (http_header_t){ ifr_cstr(name), ifr_cstr(value) };
    h[1] = (http_header_t){ IFR_LIT("Connection"), IFR_LIT("close") };
    r.headers = (http_headers_t){ h, 2, 2 };
    return ft.cb->on_head(ft.ud, &r);
}

static void test_parse_errors(void)
{
    static const char *const bad[] = {
        ":8080 {\n reverse_proxy\n}\n",
        ":8080 {\n reverse_proxy https://x:1 x:2\n}\n",
        ":8080 {\n reverse_proxy https://x:1 {\n transport http {\n tls_trusted_ca_certs /nonexistent.pem\n }\n }\n}\n",
        ":8080 {\n reverse_proxy https://x:1 {\n transport http {\n tls_server_name {host}\n }\n }\n}\n",
        ":8080 {\n reverse_proxy x:1 {\n transport http {\n tls_client_auth /nonexistent.pem\n }\n }\n}\n",
        ":8080 {\n reverse_proxy x:99999\n}\n",
        ":8080 {\n reverse_proxy x:1 {\n lb_policy header\n }\n}\n",
        ":8080 {\n reverse_proxy x:1 {\n lb_policy fastest\n }\n}\n",
        ":8080 {\n reverse_proxy x:1 {\n max_fails 0\n }\n}\n",
        ":8080 {\n reverse_proxy x:1 {\n transport gopher\n }\n}\n",
        ":8080 {\n reverse_proxy x:1 {\n flush_interval soon\n }\n}\n",
        ":8080 {\n reverse_proxy x:1 {\n helth_uri /h\n }\n}\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cfg_error_t err;
        route_plan_t *p = route_plan_load_text(bad[i], strlen(bad[i]), "t.caddy", &err);
        CHECK(p == NULL);
        if (p) route_plan_release(p);
    }
    route_plan_t *p = plan_from(":8080 {\n reverse_proxy localhost:1 http://127.0.0.1:2 unix//tmp/s.sock [::1]:3 {\n"
                                " to :4\n lb_policy cookie sticky\n lb_retries 2\n lb_try_duration 1s\n"
                                " health_uri /h\n health_status 2xx\n unhealthy_status 502 5xx\n flush_interval -1\n"
                                " transport http {\n dial_timeout 1s\n response_header_timeout 2s\n keepalive off\n"
                                " keepalive_idle_conns 4\n read_buffer 8KiB\n }\n }\n}\n");
    CHECK(p != NULL);
    if (p) route_plan_release(p);
    p = plan_from(":8080 {\n reverse_proxy https://a.test https://b.test:8443 {\n transport http {\n tls_server_name a.test\n"
                  " tls_insecure_skip_verify\n tls_timeout 2s\n }\n }\n}\n");
    CHECK(p != NULL);
    if (p) route_plan_release(p);
}

static void test_request_up(void)
{
    route_plan_t *p = plan_from(":8080 {\n uri strip_prefix /api\n reverse_proxy 127.0.0.1:9 {\n"
                                " header_up X-Up {upstream_hostport}\n header_up -X-Drop\n }\n}\n");
    const char *const hdrs[] = { "Connection: X-Hop", "X-Hop: 1", "Keep-Alive: 5", "X-Drop: 1",
                                 "X-Forwarded-For: 6.6.6.6", "X-Keep: 1", NULL };
    fake_t *f = proxy_run(p, "GET", "/api/x?q=1", hdrs);
    CHECK_INT_EQ(f->result, ROUTE_ASYNC);
    CHECK_INT_EQ(ft.starts, 1);
    if (!ft.starts) {   /* nothing more to look at */
        proxy_end(p, f);
        route_plan_release(p);
        return;
    }
    CHECK_MEM_EQ(ft.req.target.ptr, ft.req.target.len, "/x?q=1");
    CHECK_STR_EQ(up_header("Host"), "site.test");
    CHECK_STR_EQ(up_header("X-Forwarded-For"), "10.1.2.3");
    CHECK_STR_EQ(up_header("X-Forwarded-Proto"), "http");
    CHECK_STR_EQ(up_header("X-Forwarded-Host"), "site.test");
    CHECK_STR_EQ(up_header("X-Up"), "127.0.0.1:9");
    CHECK_STR_EQ(up_header("X-Keep"), "1");
    CHECK(up_header("X-Hop") == NULL && up_header("Keep-Alive") == NULL && up_header("Connection") == NULL);
    CHECK(up_header("X-Drop") == NULL);
    CHECK(!ft.req.with_body);
    proxy_end(p, f);
    route_plan_release(p);
}

static void test_response_down_and_retry(void)
{
    route_plan_t *p = plan_from(":8080 {\n reverse_proxy 127.0.0.1:1 127.0.0.1:2 {\n lb_policy first\n"
                                " lb_retries 1\n lb_try_interval 0\n fail_duration 30s\n header_down -X-Secret\n"
                                " header_down X-Via {upstream_hostport}\n }\n}\n");
    fake_t *f = proxy_run(p, "GET", "/", NULL);
    CHECK_MEM_EQ(ft.req.upstream->hostport.ptr, ft.req.upstream->hostport.len, "127.0.0.1:1");
    ft.cb->on_fail(ft.ud, ROUTE_PROXY_FAIL_DIAL, "refused", false);
    CHECK_INT_EQ(ft.starts, 2);   /* retried at once, on the other upstream: the first is down for 30s */
    CHECK_MEM_EQ(ft.req.upstream->hostport.ptr, ft.req.upstream->hostport.len, "127.0.0.1:2");
    CHECK_INT_EQ(answer(201, "X-Secret", "s"), 0);
    CHECK_INT_EQ(f->status, 201);
    CHECK_STR_EQ(fake_header(f, "X-Via"), "127.0.0.1:2");
    CHECK_STR_EQ(fake_header(f, "X-Secret"), "");
    CHECK_STR_EQ(fake_header(f, "Connection"), "");   /* hop-by-hop from upstream dropped */
    ft.cb->on_end(ft.ud, true);
    proxy_end(p, f);
    route_plan_release(p);
}

static void test_error_statuses(void)
{
    route_plan_t *p = plan_from(":8080 {\n reverse_proxy 127.0.0.1:1 {\n fail_duration 1m\n }\n}\n");
    fake_t *f = proxy_run(p, "GET", "/", NULL);
    ft.cb->on_fail(ft.ud, ROUTE_PROXY_FAIL_HEADER_TIMEOUT, "response_header_timeout", true);
    CHECK_INT_EQ(f->status, 504);
    proxy_end(p, f);
    /* That failure took the only upstream out for fail_duration: 503, no call. */
    f = proxy_run(p, "GET", "/", NULL);
    CHECK_INT_EQ(ft.starts, 0);
    CHECK_INT_EQ(f->status, 503);
    proxy_end(p, f);
    route_plan_release(p);

    p = plan_from(":8080 {\n reverse_proxy 127.0.0.1:1 {\n lb_retries 5\n lb_try_interval 0\n }\n}\n");
    f = proxy_run(p, "POST", "/", NULL);
    ft.cb->on_fail(ft.ud, ROUTE_PROXY_FAIL_PROTOCOL, "closed", true);
    CHECK_INT_EQ(ft.starts, 1);   /* a POST that reached the upstream is not sent again */
    CHECK_INT_EQ(f->status, 502);
    proxy_end(p, f);
    route_plan_release(p);
}

/* As Caddy 2.6.2, a retry asks the policy again with nothing remembered
 * of the attempts before: without passive health the dead first upstream
 * is picked every time. */
static void test_retry_repicks_by_policy(void)
{
    route_plan_t *p = plan_from(":8080 {\n reverse_proxy 127.0.0.1:1 127.0.0.1:2 {\n lb_policy first\n"
                                " lb_retries 1\n lb_try_interval 0\n }\n}\n");
    fake_t *f = proxy_run(p, "GET", "/", NULL);
    ft.cb->on_fail(ft.ud, ROUTE_PROXY_FAIL_DIAL, "refused", false);
    CHECK_INT_EQ(ft.starts, 2);
    CHECK_MEM_EQ(ft.req.upstream->hostport.ptr, ft.req.upstream->hostport.len, "127.0.0.1:1");
    ft.cb->on_fail(ft.ud, ROUTE_PROXY_FAIL_DIAL, "refused", false);
    CHECK_INT_EQ(ft.starts, 2);
    CHECK_INT_EQ(f->status, 502);
    proxy_end(p, f);
    route_plan_release(p);
}

static void test_cancel_on_exchange_end(void)
{
    route_plan_t *p = plan_from(":8080 {\n reverse_proxy 127.0.0.1:1\n}\n");
    fake_t *f = proxy_run(p, "GET", "/", NULL);
    proxy_end(p, f);   /* the client went away mid-call */
    CHECK_INT_EQ(ft.cancels, 1);
    route_plan_release(p);
}

static void test_lb_policies(void)
{
    route_plan_t *p = plan_from(":8080 {\n reverse_proxy 127.0.0.1:1 127.0.0.1:2 127.0.0.1:3 {\n lb_policy round_robin\n }\n}\n");
    char seen[7] = { 0 };
    for (int i = 0; i < 6; i++) {
        fake_t *f = proxy_run(p, "GET", "/", NULL);
        seen[i] = ft.req.upstream->hostport.ptr[ft.req.upstream->hostport.len - 1];
        proxy_end(p, f);
    }
    CHECK(seen[0] != seen[1] && seen[1] != seen[2] && seen[0] != seen[2] && seen[3] == seen[0] && seen[5] == seen[2]);
    route_plan_release(p);

    p = plan_from(":8080 {\n reverse_proxy 127.0.0.1:1 127.0.0.1:2 127.0.0.1:3 {\n lb_policy header X-User\n }\n}\n");
    const char *const alice[] = { "X-User: alice", NULL };
    const route_proxy_upstream_t *first = NULL;
    bool sticky = true;
    for (int i = 0; i < 5; i++) {
        fake_t *f = proxy_run(p, "GET", "/", alice);
        if (!first) first = ft.req.upstream;
        sticky &= ft.req.upstream == first;
        proxy_end(p, f);
    }
    CHECK(sticky);
    route_plan_release(p);
}

/* The upstream's trailer fields that go on: not hop-by-hop, not named by
 * its Connection field, none of RFC 9110 6.5.1's; order kept. */
static void test_trailers_down(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    http_upstream_response_t r = { .status = 200 };
    http_headers_add(&r.headers, &a, IFR_LIT("Connection"), IFR_LIT("keep-alive, X-Hop"));
    static const char *const in[] = { "X-Sum", "Content-Length", "Host", "Content-Type", "authorization",
                                      "Set-Cookie", "Cache-Control", "Trailer", "TE", "Keep-Alive", "X-Hop",
                                      "Content-Encoding", "WWW-Authenticate", "X-Other" };
    http_headers_t t = { 0 };
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) http_headers_add(&t, &a, ifr_cstr(in[i]), IFR_LIT("v"));
    route_proxy_trailers_down(&r, &t);
    CHECK_INT_EQ(t.count, 2);
    if (t.count == 2) {
        CHECK_MEM_EQ(t.items[0].name.ptr, t.items[0].name.len, "X-Sum");
        CHECK_MEM_EQ(t.items[1].name.ptr, t.items[1].name.len, "X-Other");
    }
    ifr_arena_destroy(&a);
}

int main(void)
{
    route_proxy_transport_register(&fake_transport);
    RUN(test_parse_errors);
    RUN(test_request_up);
    RUN(test_response_down_and_retry);
    RUN(test_retry_repicks_by_policy);
    RUN(test_error_statuses);
    RUN(test_cancel_on_exchange_end);
    RUN(test_lb_policies);
    RUN(test_trailers_down);
    return testing_done();
}
