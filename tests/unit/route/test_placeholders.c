/* Placeholder templates. */
#define TEST_SUITE "route/placeholders"
#include "testing.h"

#include <stdlib.h>
#include <time.h>

#include "fake_host.h"
#include "route/tmpl.h"

static ifr_arena_t plan_arena;

/* Renders text for a request built by hand. */
static const char *render(fake_t *f, const char *text)
{
    route_tmpl_t *t = route_tmpl_compile(&plan_arena, ifr_cstr(text));
    ifr_str_t out;
    if (!t || route_tmpl_render(&f->x, t, &out) != 0) return "(fail)";
    return ifr_arena_strndup(&f->arena, out.ptr, out.len);
}

static fake_t *request(const char *target, const char *const *hdrs)
{
    fake_t *f = calloc(1, sizeof(*f));
    ifr_arena_init(&f->arena, 0);
    f->req.method = IFR_LIT("GET");
    f->req.target = ifr_cstr(target);
    const char *q = strchr(target, '?');
    f->req.path = q ? ifr_str(target, (size_t)(q - target)) : ifr_cstr(target);
    f->req.query = q ? ifr_cstr(q + 1) : IFR_LIT("");
    f->req.version_major = 1;
    f->req.version_minor = 1;
    f->req.host = IFR_LIT("www.example.com:8443");
    for (size_t i = 0; hdrs && hdrs[i]; i++) {
        const char *colon = strchr(hdrs[i], ':');
        http_headers_add(&f->req.headers, &f->arena, ifr_str(hdrs[i], (size_t)(colon - hdrs[i])),
                         ifr_cstr(colon + 2));
    }
    f->conn = (route_conn_info_t){ .remote_ip = IFR_LIT("::1"), .remote_port = 4242, .local_port = 8443, .tls = true };
    f->x = (route_exchange_t){ .arena = &f->arena, .req = &f->req, .conn = &f->conn, .io = &fake_io, .io_ctx = f, .id = 7 };
    return f;
}

static void test_request_values(void)
{
    fake_t *f = request("/a/b%20c/file.tar.gz?q=1&name=x%2By", (const char *[]){ "X-Id: 99", "Cookie: a=1; sid=abc", NULL });
    CHECK_STR_EQ(render(f, "{path}"), "/a/b c/file.tar.gz");
    CHECK_STR_EQ(render(f, "{dir}|{file}|{http.request.uri.path.file.ext}"), "/a/b c/|file.tar.gz|.gz");
    CHECK_STR_EQ(render(f, "{query}"), "q=1&name=x%2By");
    CHECK_STR_EQ(render(f, "{query.name}"), "x+y");
    CHECK_STR_EQ(render(f, "{uri}"), "/a/b%20c/file.tar.gz?q=1&name=x%2By");
    CHECK_STR_EQ(render(f, "{host} {hostport} {port} {scheme}"), "www.example.com www.example.com:8443 8443 https");
    CHECK_STR_EQ(render(f, "{remote} {remote_host} {remote_port}"), "[::1]:4242 ::1 4242");
    CHECK_STR_EQ(render(f, "{http.request.header.x-id} {header.X-Id} {cookie.sid}"), "99 99 abc");
    CHECK_STR_EQ(render(f, "{labels.0}.{labels.1}.{path.0}"), "com.example.a");
    CHECK_STR_EQ(render(f, "{http.request.header.Missing}"), "");
    CHECK_STR_EQ(render(f, "{method} {http.request.proto}"), "GET HTTP/1.1");
    const char *u1 = render(f, "{http.request.uuid}"), *u2 = render(f, "{id}");
    CHECK_INT_EQ(strlen(u1), 36);
    CHECK_STR_EQ(u1, u2);          /* stable within one request */
    CHECK(strlen(render(f, "{time.now.unix}")) >= 10);
    ifr_str_t v;
    CHECK(route_tmpl_get(&f->x, IFR_LIT("http.request.header.X-Id"), &v));
    CHECK_MEM_EQ(v.ptr, v.len, "99");
    CHECK(!route_tmpl_get(&f->x, IFR_LIT("no.such.thing"), &v));
    ifr_arena_destroy(&f->arena);
    free(f);
}

static int64_t mono_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_caddy_common_placeholders(void)
{
    fake_t *f = request("/a/b%20c/x+y.txt?q=a b&r=%2F", NULL);
    f->conn.local_ip = IFR_LIT("127.0.0.1");
    CHECK_STR_EQ(render(f, "{client_ip} {http.vars.client_ip}"), "::1 ::1");
    CHECK_STR_EQ(render(f, "{http.request.local} {http.request.local.host} {http.request.local.port}"),
                 "127.0.0.1:8443 127.0.0.1 8443");
    /* escaped as Go's url.QueryEscape, from the decoded path */
    CHECK_STR_EQ(render(f, "{http.request.uri.path_escaped}"), "%2Fa%2Fb+c%2Fx%2By.txt");
    CHECK_STR_EQ(render(f, "{%path}"), "%2Fa%2Fb+c%2Fx%2By.txt");
    CHECK_STR_EQ(render(f, "{http.request.uri.query_escaped}"), "q%3Da+b%26r%3D%252F");
    CHECK_STR_EQ(render(f, "{%query}|{?query}"), "q%3Da+b%26r%3D%252F|?q=a b&r=%2F");
    CHECK_STR_EQ(render(f, "{%uri}"), "%2Fa%2Fb%2520c%2Fx%2By.txt%3Fq%3Da+b%26r%3D%252F");
    CHECK_STR_EQ(render(f, "{file.base}|{file.ext}"), "x+y|.txt");
    CHECK_STR_EQ(render(f, "{orig_path}|{orig_dir}|{orig_file}|{orig_query}|{orig_?query}"),
                 "/a/b c/x+y.txt|/a/b c/|x+y.txt|q=a b&r=%2F|?q=a b&r=%2F");
    f->req.query = IFR_LIT("");
    CHECK_STR_EQ(render(f, "[{?query}]"), "[]");
    /* durations, Go's time.Duration text and milliseconds */
    CHECK_STR_EQ(render(f, "{http.request.duration} {http.request.duration_ms}"), "0s 0");
    f->x.start_ns = mono_now_ns() - 1500000000;
    const char *d = render(f, "{http.request.duration}"), *ms = render(f, "{http.request.duration_ms}");
    CHECK(starts_with(d, "1.5") && d[strlen(d) - 1] == 's' && !strchr(d, 'm'));
    CHECK(starts_with(ms, "150") && strlen(ms) >= 4 && strlen(ms) <= 11);
    f->x.start_ns = mono_now_ns() - 3600000000000;
    CHECK(starts_with(render(f, "{http.request.duration}"), "1h0m0"));
    f->x.start_ns = mono_now_ns() - 62000000000;
    CHECK(starts_with(render(f, "{http.request.duration}"), "1m2"));
    f->x.start_ns = mono_now_ns() - 2000000;
    d = render(f, "{http.request.duration}");
    CHECK(starts_with(d, "2.") && strcmp(d + strlen(d) - 2, "ms") == 0);
    f->x.start_ns = mono_now_ns();
    d = render(f, "{http.request.duration}");
    CHECK(strcmp(d + strlen(d) - 2, "ns") == 0 || strcmp(d + strlen(d) - 3, "\xc2\xb5s") == 0 ||
          strcmp(d + strlen(d) - 2, "ms") == 0);   /* a slow (sanitized) run may take a while */
    ifr_arena_destroy(&f->arena);
    free(f);
}

static void test_literals(void)
{
    fake_t *f = request("/", NULL);
    setenv("IFRIT_TEST_PH", "from-env", 1);
    route_tmpl_t *t = route_tmpl_compile(&plan_arena, IFR_LIT("a {env.IFRIT_TEST_PH} b"));
    CHECK(route_tmpl_is_static(t));           /* env is read at load */
    CHECK_STR_EQ(render(f, "a {env.IFRIT_TEST_PH} b"), "a from-env b");
    CHECK_STR_EQ(render(f, "{unknown} {not a placeholder} {}"), "{unknown} {not a placeholder} {}");
    CHECK_STR_EQ(render(f, "\\{path} {path}"), "{path} /");
    CHECK_STR_EQ(render(f, "{\"json\": 1}"), "{\"json\": 1}");
    char buf[8];
    size_t n = route_tmpl_render_to(&f->x, route_tmpl_compile(&plan_arena, IFR_LIT("{method}-{path}-long")), buf, sizeof(buf));
    CHECK_INT_EQ(n, 10);
    CHECK(memcmp(buf, "GET-/-lo", 8) == 0);
    ifr_arena_destroy(&f->arena);
    free(f);
}

int main(void)
{
    ifr_arena_init(&plan_arena, 0);
    RUN(test_request_values);
    RUN(test_caddy_common_placeholders);
    RUN(test_literals);
    ifr_arena_destroy(&plan_arena);
    return testing_done();
}
