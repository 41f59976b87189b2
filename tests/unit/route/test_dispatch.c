/* Plans from Caddyfile text, dispatched through a fake host: matchers,
 * ordering, blocks, errors, placeholders and the static directives. */
#define TEST_SUITE "route/dispatch"
#include "testing.h"

#include "fake_host.h"
#include "route/directive.h"

#define GET(p, target) fake_run(p, "GET", target, "localhost:8080", NULL)

static void expect(route_plan_t *p, const char *method, const char *target, const char *const *hdrs,
                   int status, const char *body, const char *where)
{
    fake_t *f = fake_run(p, method, target, "localhost:8080", hdrs);
    if (f->status != status || (body && strcmp(f->body, body) != 0)) {
        printf("# %s: %s %s -> %d \"%s\" (wanted %d \"%s\")\n", where, method, target, f->status, f->body,
               status, body ? body : "*");
        testing_failed_checks++;
    }
    fake_free(f);
}

static void test_respond_and_default(void)
{
    route_plan_t *p = plan_from(":8080 {\n respond /hi \"hello {method} {path}\" 201\n respond /bare 204\n}\n");
    CHECK(p != NULL);
    if (!p) return;
    fake_t *f = GET(p, "/hi");
    CHECK_INT_EQ(f->status, 201);
    CHECK_STR_EQ(f->body, "hello GET /hi");
    CHECK_STR_EQ(fake_header(f, "Content-Type"), "text/plain; charset=utf-8");
    fake_free(f);
    expect(p, "GET", "/bare", NULL, 204, "", "status only");
    expect(p, "GET", "/other", NULL, 200, "", "Caddy's default: empty 200");
    route_plan_release(p);
}

static void test_named_matchers(void)
{
    route_plan_t *p = plan_from(
        ":8080 {\n"
        " @post {\n  method POST\n  path /api/*\n }\n"
        " @either path /a /b\n"
        " @hdr header X-Mode fast*\n"
        " @nohdr header !X-Mode\n"
        " @q query debug=1 debug=yes\n"
        " @notapi not path /api/*\n"
        " @ip remote_ip 127.0.0.0/8\n"
        " @re path_regexp ver ^/v([0-9]+)/(?P<rest>.*)$\n"
        " @hre header_regexp ua User-Agent ^curl/([0-9.]+)\n"
        " @proto protocol http/1.1\n"
        " route {\n"
        "  respond @post \"post\"\n"
        "  respond @re \"v{re.ver.1} {re.ver.rest}\"\n"
        "  respond @hre \"curl {re.ua.1}\"\n"
        "  respond @hdr \"fast\"\n"
        "  respond @q \"debug\"\n"
        "  respond @either \"ab\"\n"
        "  respond @nohdr \"nohdr {http.request.uri.query}\"\n"
        " }\n"
        "}\n");
    CHECK(p != NULL);
    if (!p) return;
    expect(p, "POST", "/api/x", NULL, 200, "post", "method AND path");
    expect(p, "GET", "/api/x", (const char *[]){ "X-Mode: other", NULL }, 200, "", "method fails");
    expect(p, "GET", "/v2/a/b", NULL, 200, "v2 a/b", "regexp captures");
    expect(p, "GET", "/x", (const char *[]){ "User-Agent: curl/8.1", NULL }, 200, "curl 8.1", "header_regexp");
    expect(p, "GET", "/x", (const char *[]){ "X-Mode: faster", NULL }, 200, "fast", "header prefix");
    expect(p, "GET", "/x?debug=yes", (const char *[]){ "X-Mode: slow", NULL }, 200, "debug", "query OR");
    expect(p, "GET", "/b", (const char *[]){ "X-Mode: slow", NULL }, 200, "ab", "path OR");
    expect(p, "GET", "/z?k=v", NULL, 200, "nohdr k=v", "header absent");
    route_plan_release(p);
}

static void test_handle_order_and_fallthrough(void)
{
    route_plan_t *p = plan_from(
        ":8080 {\n"
        " respond \"fallback\"\n"
        " handle /api/* {\n  respond \"api\"\n }\n"
        " handle /api/admin/* {\n  respond \"admin\"\n }\n"
        " handle /caught {\n  header X-Caught yes\n }\n"
        " handle_path /static/* {\n  respond \"static {path}\"\n }\n"
        " route /lit/* {\n  respond \"first\"\n  header X-No no\n }\n"
        "}\n");
    CHECK(p != NULL);
    if (!p) return;
    expect(p, "GET", "/api/admin/x", NULL, 200, "admin", "longer path first");
    expect(p, "GET", "/api/x", NULL, 200, "api", "handle");
    expect(p, "GET", "/static/css/a.css", NULL, 200, "static /css/a.css", "handle_path strips");
    fake_t *f = GET(p, "/caught");
    CHECK_STR_EQ(f->body, "fallback");        /* handle falls through to respond */
    CHECK_STR_EQ(fake_header(f, "X-Caught"), "yes");
    fake_free(f);
    expect(p, "GET", "/lit/x", NULL, 200, "first", "route keeps its order");
    route_plan_release(p);
}

static void test_directive_order(void)
{
    /* rewrite sorts before respond whatever the file order; only the first
     * matching rewrite runs. */
    route_plan_t *p = plan_from(
        ":8080 {\n"
        " respond \"{path} {query}\"\n"
        " rewrite /old /new?x=1\n"
        " rewrite /old /never\n"
        " uri /strip/* strip_prefix /strip\n"
        " uri /rep/* replace a b\n"
        " uri /re/* path_regexp ([0-9]+) n$1n\n"
        "}\n");
    CHECK(p != NULL);
    if (!p) return;
    expect(p, "GET", "/old?y=2", NULL, 200, "/new x=1", "rewrite");
    expect(p, "GET", "/strip/me", NULL, 200, "/me ", "strip_prefix");
    expect(p, "GET", "/rep/aaa", NULL, 200, "/rep/bbb ", "replace");
    expect(p, "GET", "/re/x42y", NULL, 200, "/re/xn42ny ", "uri path_regexp");
    route_plan_release(p);
}

static void test_errors(void)
{
    route_plan_t *p = plan_from(
        ":8080 {\n"
        " error /gone \"it is gone\" 410\n"
        " error /boom 500\n"
        " respond \"ok\"\n"
        " handle_errors 4xx {\n  respond \"{http.error.status_code} {http.error.status_text}: {http.error.message}\"\n }\n"
        "}\n");
    CHECK(p != NULL);
    if (!p) return;
    expect(p, "GET", "/gone", NULL, 410, "410 Gone: it is gone", "handle_errors");
    fake_t *f = GET(p, "/boom");
    CHECK_INT_EQ(f->result, ROUTE_DONE);         /* no handle_errors for 5xx: the bare status */
    CHECK_INT_EQ(f->status, 500);
    CHECK_INT_EQ(f->body_len, 0);
    fake_free(f);
    expect(p, "GET", "/fine", NULL, 200, "ok", "no error");
    route_plan_release(p);
}

static void test_redir_and_header(void)
{
    route_plan_t *p = plan_from(
        ":8080 {\n"
        " redir /old /new{uri} permanent\n"
        " redir /html https://example.com/?a=<b> html\n"
        " header X-Set one\n"
        " header +X-Add two\n"
        " header {\n  -Server\n  ?Content-Type text/x-default\n  X-Deferred {http.request.header.X-In}\n }\n"
        " respond /r \"r\"\n"
        "}\n");
    CHECK(p != NULL);
    if (!p) return;
    fake_t *f = GET(p, "/old?q=1");
    CHECK_INT_EQ(f->status, 301);
    CHECK_STR_EQ(fake_header(f, "Location"), "/new/old?q=1");
    fake_free(f);
    f = GET(p, "/html");
    CHECK_INT_EQ(f->status, 200);
    CHECK(strstr(f->body, "https://example.com/?a=&lt;b&gt;") != NULL);
    fake_free(f);
    f = fake_run(p, "GET", "/r", "localhost", (const char *[]){ "X-In: hi", NULL });
    CHECK_STR_EQ(fake_header(f, "X-Set"), "one");
    CHECK_STR_EQ(fake_header(f, "X-Add"), "two");
    CHECK_STR_EQ(fake_header(f, "X-Deferred"), "hi");
    CHECK_STR_EQ(fake_header(f, "Content-Type"), "text/plain; charset=utf-8");  /* ? keeps the handler's */
    fake_free(f);
    route_plan_release(p);
}

static void test_sites_by_host(void)
{
    route_plan_t *p = plan_from(
        "http://a.example.com:8080 {\n respond \"a\"\n}\n"
        "http://*.example.com:8080 {\n respond \"wild {labels.2}\"\n}\n"
        ":8080 {\n respond \"any\"\n}\n"
        ":9090 {\n respond \"other port\"\n}\n");
    CHECK(p != NULL);
    if (!p) return;
    const char *cases[][2] = { { "a.example.com", "a" }, { "b.example.com:8080", "wild b" }, { "zzz", "any" } };
    for (size_t i = 0; i < 3; i++) {
        fake_t *f = fake_run(p, "GET", "/", cases[i][0], NULL);
        CHECK_STR_EQ(f->body, cases[i][1]);
        fake_free(f);
    }
    const route_listener_t *ls;
    size_t n = route_plan_listeners(p, &ls);
    CHECK_INT_EQ(n, 2);
    route_plan_release(p);
}

static void test_config_errors(void)
{
    cfg_error_t err;
    const char *bad = ":8080 {\n  respnd \"x\"\n}\n";
    CHECK(route_plan_load_text(bad, strlen(bad), "bad.caddy", &err) == NULL);
    CHECK_INT_EQ(err.line, 2);
    CHECK_INT_EQ(err.col, 3);
    CHECK(strstr(err.message, "respond") != NULL);
    const char *bad2 = ":8080 {\n @m pth /x\n respond @m 1\n}\n";
    CHECK(route_plan_load_text(bad2, strlen(bad2), "bad.caddy", &err) == NULL);
    CHECK(strstr(err.message, "path") != NULL);
    CHECK_INT_EQ(err.line, 2);
    const char *bad3 = ":8080 {\n respond @nope 1\n}\n";
    CHECK(route_plan_load_text(bad3, strlen(bad3), "bad.caddy", &err) == NULL);
    CHECK(strstr(err.message, "@nope") != NULL);
    const char *bad4 = ":8080 {\n @r path_regexp (\n}\n";
    CHECK(route_plan_load_text(bad4, strlen(bad4), "bad.caddy", &err) == NULL);
    const char *bad5 = ":8080 {\n handle {\n  log\n }\n}\n";
    CHECK(route_plan_load_text(bad5, strlen(bad5), "bad.caddy", &err) == NULL);
}

static void test_parse_path(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    cfg_error_t err;
    route_parse_t p = { .arena = &a, .err = &err, .base_dir = "/etc/ifrit" };
    CHECK_STR_EQ(route_parse_path(&p, IFR_LIT("fn/x.wasm")), "/etc/ifrit/fn/x.wasm");
    CHECK_STR_EQ(route_parse_path(&p, IFR_LIT("/abs/x.wasm")), "/abs/x.wasm");
    p.base_dir = "";
    CHECK_STR_EQ(route_parse_path(&p, IFR_LIT("x.wasm")), "x.wasm");
    ifr_arena_destroy(&a);
}

static void test_request_body(void)
{
    route_plan_t *p = plan_from(":8080 {\n request_body {\n  max_size 10\n }\n respond \"ok\"\n}\n");
    CHECK(p != NULL);
    if (!p) return;
    fake_t *f = calloc(1, sizeof(*f));
    free(f);
    f = fake_run(p, "POST", "/", "x", NULL);
    CHECK_INT_EQ(f->x.body_limit, 10);
    fake_free(f);
    route_plan_release(p);
}

int main(void)
{
    RUN(test_respond_and_default);
    RUN(test_named_matchers);
    RUN(test_handle_order_and_fallthrough);
    RUN(test_directive_order);
    RUN(test_errors);
    RUN(test_redir_and_header);
    RUN(test_sites_by_host);
    RUN(test_config_errors);
    RUN(test_request_body);
    RUN(test_parse_path);
    return testing_done();
}
