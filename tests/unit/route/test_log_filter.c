/* The field filters of `format filter` and the encoders (issue 18): each
 * filter on a small entry, SHA-256 against the FIPS 180-2 vectors, Go's
 * ReplaceAllString and query encoding, and the errors. */
#define TEST_SUITE "route/log_filter"
#include "testing.h"

#include <stdio.h>
#include <string.h>

#include "config/caddyfile.h"
#include "route/log.h"

static ifr_arena_t arena;

/* An entry: {"request":{"remote_ip":IP,"uri":URI,"headers":{"Cookie":[..],"X":[..]}},"status":200} */
static route_log_entry_t entry(const char *ip, const char *uri, const char *cookie, const char *x)
{
    route_lf_t *req = ifr_arena_calloc(&arena, 3, sizeof(route_lf_t));
    route_lf_t *top = ifr_arena_calloc(&arena, 2, sizeof(route_lf_t));
    route_lf_t *hdr = ifr_arena_calloc(&arena, 2, sizeof(route_lf_t));
    ifr_str_t *cv = ifr_arena_calloc(&arena, 1, sizeof(ifr_str_t));
    ifr_str_t *xv = ifr_arena_calloc(&arena, 1, sizeof(ifr_str_t));
    *cv = ifr_cstr(cookie);
    *xv = ifr_cstr(x);
    hdr[0] = (route_lf_t){ .key = IFR_LIT("Cookie"), .kind = ROUTE_LF_STRS, .strs = cv, .n = 1 };
    hdr[1] = (route_lf_t){ .key = IFR_LIT("X"), .kind = ROUTE_LF_STRS, .strs = xv, .n = 1 };
    req[0] = (route_lf_t){ .key = IFR_LIT("remote_ip"), .kind = ROUTE_LF_STR, .str = ifr_cstr(ip) };
    req[1] = (route_lf_t){ .key = IFR_LIT("uri"), .kind = ROUTE_LF_STR, .str = ifr_cstr(uri) };
    req[2] = (route_lf_t){ .key = IFR_LIT("headers"), .kind = ROUTE_LF_OBJ, .kids = hdr, .n = 2 };
    top[0] = (route_lf_t){ .key = IFR_LIT("request"), .kind = ROUTE_LF_OBJ, .kids = req, .n = 3 };
    top[1] = (route_lf_t){ .key = IFR_LIT("status"), .kind = ROUTE_LF_RAW, .str = IFR_LIT("200") };
    return (route_log_entry_t){ .level = ROUTE_LOG_INFO, .ts_ns = 1700000000123456789LL, .logger = IFR_LIT("l"),
                                .msg = IFR_LIT("m"), .fields = { .kind = ROUTE_LF_OBJ, .kids = top, .n = 2 } };
}

/* The filter lines of a `format filter` body; NULL with err filled when one is refused. */
static const route_log_filter_t *filters(const char *lines, cfg_error_t *err)
{
    char text[4096];
    snprintf(text, sizeof text, ":80 {\n%s\n}\n", lines);
    cfg_doc_t *doc;
    if (cfg_parse_text(&arena, text, strlen(text), "t", NULL, &doc, err) != 0) return NULL;
    const route_log_filter_t *list = NULL;
    for (size_t i = 0; i < doc->sites[0].body.count; i++)
        if (route_log_filter_parse(&arena, &doc->sites[0].body.items[i], &list, err) != 0) return NULL;
    return list;
}

/* The entry's fields as JSON after the filters (the line without its
 * fixed head, level to msg, and its closing brace). */
static const char *apply(const char *lines, route_log_entry_t e)
{
    static char out[4096];
    cfg_error_t err = { 0 };
    const route_log_filter_t *f = filters(lines, &err);
    if (!f) {
        snprintf(out, sizeof out, "ERR %s", err.message);
        return out;
    }
    route_log_filters_apply(&arena, f, &e);
    ifr_buf_t b = IFR_BUF_INIT;
    route_log_encode(ROUTE_LOG_FMT_JSON, &e, &b);
    const char *body = strstr(b.data, "\"msg\":\"m\",");
    snprintf(out, sizeof out, "%.*s", b.len ? (int)(b.data + b.len - body - 11) : 0, body ? body + 10 : "");
    ifr_buf_free(&b);
    return out;
}

static void test_sha256_vectors(void)
{
    char h[9];
    route_log_hash(IFR_LIT(""), h);
    CHECK_STR_EQ(h, "e3b0c442");
    route_log_hash(IFR_LIT("abc"), h);
    CHECK_STR_EQ(h, "ba7816bf");
    route_log_hash(IFR_LIT("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), h);   /* two blocks */
    CHECK_STR_EQ(h, "248d6a61");
    static char million[1000000];
    memset(million, 'a', sizeof million);
    route_log_hash(ifr_str(million, sizeof million), h);
    CHECK_STR_EQ(h, "cdc76e5c");
    char fifty_five[56];   /* the tail that just fits its length in one block */
    memset(fifty_five, 'a', 55);
    route_log_hash(ifr_str(fifty_five, 55), h);
    CHECK_STR_EQ(h, "9f4390f8");
}

static void test_filters(void)
{
    route_log_entry_t e = entry("192.168.7.9", "/p?b=2&a=1", "s=1", "v");
    CHECK_STR_EQ(apply("request>headers>X delete\nstatus rename code", e),
                 "\"request\":{\"remote_ip\":\"192.168.7.9\",\"uri\":\"/p?b=2&a=1\",\"headers\":{\"Cookie\":[\"s=1\"]}},\"code\":200}");
    e = entry("192.168.7.9", "/", "", "v");
    CHECK_STR_EQ(apply("request>remote_ip ip_mask 16\nrequest>headers>X replace gone\nrequest>uri hash", e),
                 "\"request\":{\"remote_ip\":\"192.168.0.0\",\"uri\":\"8a5edab2\",\"headers\":{\"Cookie\":[\"\"],\"X\":\"gone\"}},"
                 "\"status\":200}");
    /* A list, ports, IPv6 with the block form, and what is no address. */
    e = entry("10.1.2.3:80, [2001:db8:1:2::5]:443, 2001:db8:ff::1, junk", "/", "", "");
    CHECK(strstr(apply("request>remote_ip ip_mask {\n\tipv4 8\n\tipv6 32\n}", e),
                 "\"10.0.0.0:80, [2001:db8::]:443, 2001:db8::, junk\"") != NULL);
}

static void test_query_cookie_regexp(void)
{
    route_log_entry_t e = entry("", "/s?z=a%20b&token=t&gone=1&a=x&a=y&h=abc#frag", "a=1; secret=2; id=abc; b=3", "");
    const char *q = apply("request>uri query {\n\tdelete gone\n\treplace token R\n\thash h\n}\n"
                          "request>headers>Cookie cookie {\n\treplace a X\n\tdelete secret\n\thash id\n\tdelete a\n}",
                          e);
    /* Keys sorted, values kept in order, escaped as Go's QueryEscape. */
    CHECK(strstr(q, "\"uri\":\"/s?a=x&a=y&h=ba7816bf&token=R&z=a+b#frag\"") != NULL);
    CHECK(strstr(q, "\"Cookie\":[\"a=X; id=ba7816bf; b=3\"]") != NULL);   /* the first action for a name */
    /* Go's ReplaceAllString: no empty match right after a match. */
    e = entry("", "abc", "", "1234-5678 9999-0000");
    q = apply("request>uri regexp x* -\nrequest>headers>X regexp \"(?P<a>\\d{4})-\\d{4}\" \"${a}-$$-$1x\"", e);
    CHECK(strstr(q, "\"uri\":\"-a-b-c-\"") != NULL);
    CHECK(strstr(q, "\"X\":[\"1234-$- 9999-$-\"]") != NULL);   /* $1x is the group named 1x: empty */
}

static void test_console(void)
{
    route_log_entry_t e = entry("1.2.3.4", "/", "", "");
    ifr_buf_t b = IFR_BUF_INIT;
    CHECK_INT_EQ(route_log_encode(ROUTE_LOG_FMT_CONSOLE, &e, &b), 0);
    CHECK_MEM_EQ(b.data, 40, "2023/11/14 22:13:20.123\tINFO\tl\tm\t{\"reque");
    ifr_buf_free(&b);
}

static void test_errors(void)
{
    route_log_entry_t e = entry("", "", "", "");
    CHECK(strstr(apply("request>uri frob", e), "unknown log field filter 'frob'") != NULL);
    CHECK(strstr(apply("msg delete", e), "cannot be filtered") != NULL);
    CHECK(strstr(apply("request>>uri delete", e), "empty name") != NULL);
    CHECK(strstr(apply("request>uri", e), "expected a filter") != NULL);
    CHECK(strstr(apply("request>uri query", e), "expected a block") != NULL);
    CHECK(strstr(apply("request>uri query {\n\treplace a\n}", e), "expected") != NULL);
    CHECK(strstr(apply("request>uri regexp (", e), "regexp") != NULL);
    CHECK(strstr(apply("request>remote_ip ip_mask 33", e), "0 to 32") != NULL);
    CHECK(strstr(apply("request>remote_ip ip_mask", e), "bits to keep") != NULL);
    CHECK(strstr(apply("a>b>c>d>e>f>g>h>i delete", e), "deeper") != NULL);
}

int main(void)
{
    ifr_arena_init(&arena, 4096);
    RUN(test_sha256_vectors);
    RUN(test_filters);
    RUN(test_query_cookie_regexp);
    RUN(test_console);
    RUN(test_errors);
    ifr_arena_destroy(&arena);
    return testing_done();
}
