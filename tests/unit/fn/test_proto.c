/* The function protocols as pure functions: CGI variables, Content-Type
 * sniffing, and Gojinn's JSON request/response documents. */
#define TEST_SUITE "fn/proto"
#include "testing.h"

#include <stdlib.h>

#include "base/json_read.h"
#include "fn/fn_proto.h"

static ifr_arena_t arena;

static http_request_t make_request(void)
{
    http_request_t r = { .method = IFR_LIT("POST"), .target = IFR_LIT("/api/x?a=1"), .path = IFR_LIT("/api/x"),
                         .query = IFR_LIT("a=1"), .version_major = 1, .version_minor = 1 };
    http_headers_add(&r.headers, &arena, IFR_LIT("host"), IFR_LIT("example.com"));
    http_headers_add(&r.headers, &arena, IFR_LIT("x-forwarded-for"), IFR_LIT("1.2.3.4"));
    http_headers_add(&r.headers, &arena, IFR_LIT("Content-Type"), IFR_LIT("application/json"));
    http_headers_add(&r.headers, &arena, IFR_LIT("X-Forwarded-For"), IFR_LIT("5.6.7.8"));
    return r;
}

typedef struct {
    char *items[64];
    int n;
} env_list_t;

static int collect(void *ud, const char *kv)
{
    env_list_t *l = ud;
    if (l->n == 64) return -1;
    l->items[l->n++] = (char *)kv;
    return 0;
}

static const char *find(const env_list_t *l, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < l->n; i++)
        if (!strncmp(l->items[i], name, n) && l->items[i][n] == '=') return l->items[i] + n + 1;
    return NULL;
}

static void test_cgi_variables(void)
{
    http_request_t req = make_request();
    route_conn_info_t conn = { .remote_ip = IFR_LIT("10.0.0.9"), .remote_port = 5555, .local_port = 8080 };
    route_exchange_t x = { .arena = &arena, .req = &req, .conn = &conn, .orig_uri = IFR_LIT("/orig?a=1") };
    env_list_t l = { .n = 0 };
    CHECK_INT_EQ(fn_cgi_env(&x, 42, collect, &l), 0);
    CHECK_STR_EQ(find(&l, "REQUEST_METHOD"), "POST");
    CHECK_STR_EQ(find(&l, "REQUEST_URI"), "/orig?a=1");
    CHECK_STR_EQ(find(&l, "PATH_INFO"), "/api/x");
    CHECK_STR_EQ(find(&l, "QUERY_STRING"), "a=1");
    CHECK_STR_EQ(find(&l, "CONTENT_LENGTH"), "42");
    CHECK_STR_EQ(find(&l, "CONTENT_TYPE"), "application/json");
    CHECK_STR_EQ(find(&l, "REMOTE_ADDR"), "10.0.0.9");
    CHECK_STR_EQ(find(&l, "REMOTE_PORT"), "5555");
    CHECK_STR_EQ(find(&l, "SERVER_PORT"), "8080");
    CHECK_STR_EQ(find(&l, "SERVER_PROTOCOL"), "HTTP/1.1");
    CHECK_STR_EQ(find(&l, "HTTP_HOST"), "example.com");
    CHECK_STR_EQ(find(&l, "HTTP_X_FORWARDED_FOR"), "1.2.3.4, 5.6.7.8");
    CHECK(find(&l, "HTTP_CONTENT_TYPE") == NULL);
}

static void test_sniff(void)
{
    CHECK_MEM_EQ(fn_sniff_content_type(IFR_LIT(" {\"a\":1}\n"), true).ptr, 16, "application/json");
    CHECK(ifr_str_eq_cstr(fn_sniff_content_type(IFR_LIT("[1,2"), true), "text/plain; charset=utf-8"));
    CHECK(ifr_str_eq_cstr(fn_sniff_content_type(IFR_LIT("[1,2"), false), "application/json"));
    CHECK(ifr_str_eq_cstr(fn_sniff_content_type(IFR_LIT("hello"), true), "text/plain; charset=utf-8"));
    CHECK(ifr_str_eq_cstr(fn_sniff_content_type(IFR_LIT(""), true), "text/plain; charset=utf-8"));
}

static void test_canonical_header(void)
{
    char a[] = "content-TYPE", b[] = "x-forwarded-for", c[] = "WWW-AUTHENTICATE";
    fn_canonical_header(a, strlen(a));
    fn_canonical_header(b, strlen(b));
    fn_canonical_header(c, strlen(c));
    CHECK_STR_EQ(a, "Content-Type");
    CHECK_STR_EQ(b, "X-Forwarded-For");
    CHECK_STR_EQ(c, "Www-Authenticate");
}

static void test_json_request(void)
{
    http_request_t req = make_request();
    ifr_buf_t b = IFR_BUF_INIT;
    CHECK_INT_EQ(fn_json_request(&b, &arena, &req, IFR_LIT("/api/x?a=1"), IFR_LIT("q\"\n\x01")), 0);
    CHECK_MEM_EQ(b.data, b.len,
                 "{\"method\":\"POST\",\"uri\":\"/api/x?a=1\",\"headers\":{\"Host\":[\"example.com\"],"
                 "\"X-Forwarded-For\":[\"1.2.3.4\",\"5.6.7.8\"],\"Content-Type\":[\"application/json\"]},"
                 "\"body\":\"q\\\"\\n\\u0001\"}");
    ifr_json_error_t err;
    CHECK(ifr_json_parse(&arena, b.data, b.len, &err) != NULL);
    ifr_buf_free(&b);
}

static void test_json_reply(void)
{
    fn_json_reply_t r;
    char why[200];
    ifr_str_t ok = IFR_LIT("{\"status\":404,\"headers\":{\"X-A\":[\"1\",\"2\"],\"Content-Type\":[\"text/html\"]},"
                           "\"body\":\"<p>gone</p>\"}");
    CHECK_INT_EQ(fn_json_reply_parse(&arena, ok, &r, why, sizeof why), 0);
    CHECK_INT_EQ(r.status, 404);
    CHECK_INT_EQ(r.headers.count, 3);
    CHECK_MEM_EQ(r.headers.items[1].value.ptr, r.headers.items[1].value.len, "2");
    CHECK_MEM_EQ(r.body.ptr, r.body.len, "<p>gone</p>");
    CHECK_INT_EQ(fn_json_reply_parse(&arena, IFR_LIT("{\"body\":\"x\"}"), &r, why, sizeof why), 0);
    CHECK_INT_EQ(r.status, 200);
    CHECK_INT_EQ(fn_json_reply_parse(&arena, IFR_LIT("{}"), &r, why, sizeof why), 0);
    CHECK_INT_EQ(r.body.len, 0);
}

static void test_json_reply_contract_violations(void)
{
    static const struct {
        const char *out, *why;
    } bad[] = {
        { "not json", "output is not JSON" },
        { "[1]", "output is not a JSON object" },
        { "{\"status\":\"200\"}", "\"status\" is not an integer from 100 to 599" },
        { "{\"status\":20.5}", "\"status\" is not an integer" },
        { "{\"status\":99}", "\"status\" is not an integer" },
        { "{\"headers\":[]}", "\"headers\" is not an object" },
        { "{\"headers\":{\"A\":\"v\"}}", "header \"A\": value is not an array of strings" },
        { "{\"headers\":{\"A\":[1]}}", "header \"A\": value is not an array of strings" },
        { "{\"body\":42}", "\"body\" is not a string" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fn_json_reply_t r;
        char why[200] = "";
        CHECK_INT_EQ(fn_json_reply_parse(&arena, ifr_cstr(bad[i].out), &r, why, sizeof why), -1);
        if (!strstr(why, bad[i].why)) {
            printf("FAIL %s/%s: case %zu: want \"%s\" in \"%s\"\n", TEST_SUITE, testing_current, i, bad[i].why, why);
            testing_failed_checks++;
        }
    }
}

int main(void)
{
    ifr_arena_init(&arena, 0);
    RUN(test_cgi_variables);
    RUN(test_sniff);
    RUN(test_canonical_header);
    RUN(test_json_request);
    RUN(test_json_reply);
    RUN(test_json_reply_contract_violations);
    ifr_arena_destroy(&arena);
    return testing_done();
}
