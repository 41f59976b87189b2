/* The request head parser: happy paths, every limit, every refusal, and
 * byte-at-a-time delivery. */
#include "testing.h"

#include <stdio.h>
#include <stdlib.h>

#include "http/request_parser.h"

typedef struct {
    ifr_arena_t arena;
    http_request_t req;
    http_parse_error_t err;
    int rc;              /* 0 parsed, -1 refused, 1 incomplete */
} parsed_t;

/* Scans then parses text fed in steps of `step` bytes (0 = all at once). */
static void parse_in_steps(parsed_t *p, const char *text, size_t len, size_t step)
{
    http_head_scanner_t s;
    http_head_scan_init(&s);
    ifr_arena_init(&p->arena, 0);
    p->rc = 1;
    size_t fed = step ? 0 : len;
    for (;;) {
        if (step) fed = fed + step > len ? len : fed + step;
        http_head_status_t st = http_head_scan(&s, text, fed);
        if (st == HTTP_HEAD_ERROR) { p->err = s.err; p->rc = -1; return; }
        if (st == HTTP_HEAD_COMPLETE) {
            p->rc = http_request_parse(&p->req, text + s.head_start, s.head_end - s.head_start,
                                       &p->arena, &p->err);
            return;
        }
        if (fed == len) return;
    }
}

static void parse(parsed_t *p, const char *text) { parse_in_steps(p, text, strlen(text), 0); }
static void done(parsed_t *p) { ifr_arena_destroy(&p->arena); }

/* The status a request is refused with (0 if accepted, 1 if incomplete). */
static int refusal(const char *text)
{
    parsed_t p;
    parse(&p, text);
    int status = p.rc == 0 ? 0 : p.rc == 1 ? 1 : p.err.status;
    done(&p);
    return status;
}

static void test_simple_get(void)
{
    parsed_t p;
    parse(&p, "GET /a/b?x=1&y HTTP/1.1\r\nHost: example.com\r\nUser-Agent:  curl \r\n\r\n");
    CHECK_INT_EQ(p.rc, 0);
    CHECK_MEM_EQ(p.req.method.ptr, p.req.method.len, "GET");
    CHECK_MEM_EQ(p.req.target.ptr, p.req.target.len, "/a/b?x=1&y");
    CHECK_MEM_EQ(p.req.path.ptr, p.req.path.len, "/a/b");
    CHECK_MEM_EQ(p.req.query.ptr, p.req.query.len, "x=1&y");
    CHECK_MEM_EQ(p.req.host.ptr, p.req.host.len, "example.com");
    CHECK_INT_EQ(p.req.version_minor, 1);
    CHECK_INT_EQ(p.req.headers.count, 2);
    CHECK_MEM_EQ(p.req.headers.items[1].name.ptr, p.req.headers.items[1].name.len, "User-Agent");
    CHECK_MEM_EQ(p.req.headers.items[1].value.ptr, p.req.headers.items[1].value.len, "curl");
    CHECK(p.req.keep_alive);
    CHECK_INT_EQ(p.req.body_kind, HTTP_BODY_NONE);
    done(&p);
}

static void test_one_byte_at_a_time(void)
{
    const char *text = "\r\nPOST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\nX-Empty:\r\n\r\nBODY";
    parsed_t p;
    parse_in_steps(&p, text, strlen(text), 1);
    CHECK_INT_EQ(p.rc, 0);
    CHECK_MEM_EQ(p.req.method.ptr, p.req.method.len, "POST");
    CHECK_INT_EQ(p.req.body_kind, HTTP_BODY_LENGTH);
    CHECK_INT_EQ(p.req.content_length, 12);
    CHECK_INT_EQ(p.req.headers.count, 3);
    CHECK_INT_EQ(p.req.headers.items[2].value.len, 0);
    done(&p);
}

static void test_incomplete(void)
{
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost: a\r\n"), 1);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost: a\r\n\r"), 1);
}

static void test_chunked_and_connection(void)
{
    parsed_t p;
    parse(&p, "PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\nConnection: Keep-Alive, close\r\n"
              "Expect: 100-Continue\r\n\r\n");
    CHECK_INT_EQ(p.rc, 0);
    CHECK_INT_EQ(p.req.body_kind, HTTP_BODY_CHUNKED);
    CHECK(!p.req.keep_alive);
    CHECK(p.req.expect_continue);
    done(&p);
}

static void test_http10(void)
{
    parsed_t p;
    parse(&p, "GET / HTTP/1.0\r\n\r\n");
    CHECK_INT_EQ(p.rc, 0);
    CHECK_INT_EQ(p.req.version_minor, 0);
    CHECK(!p.req.keep_alive);
    CHECK_INT_EQ(p.req.host.len, 0);
    done(&p);
    parse(&p, "GET / HTTP/1.0\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n\r\n");
    CHECK_INT_EQ(p.rc, 0);
    CHECK(p.req.keep_alive);
    CHECK(!p.req.expect_continue);
    done(&p);
    CHECK_INT_EQ(refusal("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
}

static void test_target_forms(void)
{
    parsed_t p;
    parse(&p, "GET http://Example.com:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n");
    CHECK_INT_EQ(p.rc, 0);
    CHECK_MEM_EQ(p.req.host.ptr, p.req.host.len, "Example.com:8080");
    CHECK_MEM_EQ(p.req.path.ptr, p.req.path.len, "/p");
    CHECK_MEM_EQ(p.req.query.ptr, p.req.query.len, "q");
    done(&p);
    parse(&p, "GET http://h?x HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK_INT_EQ(p.rc, 0);
    CHECK_MEM_EQ(p.req.path.ptr, p.req.path.len, "/");
    CHECK_MEM_EQ(p.req.query.ptr, p.req.query.len, "x");
    done(&p);
    parse(&p, "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK_INT_EQ(p.rc, 0);
    done(&p);
    CHECK_INT_EQ(refusal("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET foo HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET /a#f HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n"), 501);
}

static void test_malformed_request_line(void)
{
    CHECK_INT_EQ(refusal("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET /\r\nHost: h\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505);
    CHECK_INT_EQ(refusal("GET / HTTX/1.1\r\nHost: h\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"), 400);
}

static void test_smuggling_vectors(void)
{
    CHECK_INT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nContent-Length :5\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501);
    CHECK_INT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n  , identity\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost: h\nX: a\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01" "b\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost: h\r\nX y: a\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost: h\r\n: a\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"), 400);
}

static void test_nul_in_value(void)
{
    static const char text[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";
    parsed_t p;
    parse_in_steps(&p, text, sizeof text - 1, 0);
    CHECK_INT_EQ(p.rc, -1);
    CHECK_INT_EQ(p.err.status, 400);
    done(&p);
}

static void test_host_rules(void)
{
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"), 0);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost:\r\n\r\n"), 0);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n"), 417);
    /* the port is a number up to 65535, possibly empty (issue 14 item 10) */
    const char *good[] = { "a.example:8080", "a:", "10.0.0.1:1", "[::1]", "[2001:db8::1]:443", "x%41y", "a-b_c~d", "h:65535" };
    const char *bad[] = { "x:abc", "x:80:80", "x:65536", "x:123456", "[::1", "[::1]x", "[zz]", "a]b", "[]", "x%4", "x%zz1", "a@b" };
    char req[128];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", good[i]);
        CHECK_INT_EQ(refusal(req), 0);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", bad[i]);
        CHECK_INT_EQ(refusal(req), 400);
    }
    CHECK_INT_EQ(refusal("GET http://x:abc/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    /* an absolute target's authority is checked as Host, and userinfo or
     * an empty host is refused too (RFC 9110 sections 4.2.1 and 4.2.4) */
    const char *bad_authority[] = { "u@h", "u:p@h:81", "u:p@h", "@h", "", ":80", ":" };
    for (size_t i = 0; i < sizeof bad_authority / sizeof bad_authority[0]; i++) {
        snprintf(req, sizeof req, "GET http://%s/x HTTP/1.1\r\nHost: h\r\n\r\n", bad_authority[i]);
        CHECK_INT_EQ(refusal(req), 400);
    }
    CHECK_INT_EQ(refusal("GET http://h:/x HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
    CHECK_INT_EQ(refusal("GET https://[::1]:8443/x HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
}

/* A request line that cannot be HTTP/1.x is refused when it ends, not after
 * a wait for field lines (issue 14 item 10: HTTP/0.9's bare "GET /"). */
static void test_http09_refused_at_once(void)
{
    CHECK_INT_EQ(refusal("GET /\r\n"), 400);
    CHECK_INT_EQ(refusal("hello\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / FTP/1.0\r\n"), 400);
    CHECK_INT_EQ(refusal("GET / HTTP/1.1\r\n"), 1);
    CHECK_INT_EQ(refusal("GET / HTTP/2.0\r\n"), 1);   /* a version problem: 505 once the head is read */
}

/* Builds a request with a target of n bytes. */
static char *long_target(size_t n)
{
    char *t = malloc(n + 64);
    strcpy(t, "GET /");
    memset(t + 5, 'a', n - 1);
    strcpy(t + 4 + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
    return t;
}

static void test_request_line_limit(void)
{
    /* "GET " + target + " HTTP/1.1" = 13 + n bytes. */
    char *ok = long_target(HTTP_MAX_REQUEST_LINE - 13);
    CHECK_INT_EQ(refusal(ok), 0);
    free(ok);
    char *big = long_target(HTTP_MAX_REQUEST_LINE - 12);
    CHECK_INT_EQ(refusal(big), 414);
    free(big);
    /* Refused before the line ends, so a client cannot make us buffer more. */
    char *huge = long_target(3 * HTTP_MAX_REQUEST_LINE);
    huge[HTTP_MAX_REQUEST_LINE + 100] = '\0';
    CHECK_INT_EQ(refusal(huge), 414);
    free(huge);
}

static void test_field_limits(void)
{
    char *text = malloc(64 * 1024);
    strcpy(text, "GET / HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < HTTP_MAX_FIELDS - 1; i++) sprintf(text + strlen(text), "X-%d: v\r\n", i);
    strcat(text, "\r\n");
    CHECK_INT_EQ(refusal(text), 0);
    parsed_t p;
    parse(&p, text);
    CHECK_INT_EQ(p.req.headers.count, HTTP_MAX_FIELDS);
    done(&p);
    text[strlen(text) - 2] = '\0';
    strcat(text, "X-last: v\r\n\r\n");
    CHECK_INT_EQ(refusal(text), 431);

    strcpy(text, "GET / HTTP/1.1\r\nHost: h\r\nX-Big: ");
    size_t at = strlen(text);
    memset(text + at, 'v', HTTP_MAX_FIELD_SECTION);
    strcpy(text + at + HTTP_MAX_FIELD_SECTION, "\r\n\r\n");
    CHECK_INT_EQ(refusal(text), 431);
    free(text);
}

/* The scanner jumps from line end to line end; wherever the input is cut
 * (a CR at the end of one piece, its LF or a stray byte at the start of
 * the next), the verdict is the one for the whole input. */
static void test_any_split(void)
{
    static const char *const texts[] = {
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\nX: a\r\n\r\n",
        "GET / HTTP/1.1\r\r\nHost: h\r\n\r\n",
        "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
    };
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        size_t len = strlen(texts[t]);
        http_head_scanner_t whole;
        http_head_scan_init(&whole);
        http_head_status_t want = http_head_scan(&whole, texts[t], len);
        for (size_t cut = 0; cut <= len; cut++) {
            http_head_scanner_t s;
            http_head_scan_init(&s);
            http_head_status_t st = http_head_scan(&s, texts[t], cut);
            if (st == HTTP_HEAD_INCOMPLETE) st = http_head_scan(&s, texts[t], len);
            CHECK_INT_EQ(st, want);
            CHECK_INT_EQ(s.err.status, whole.err.status);
            CHECK_INT_EQ(s.head_end, whole.head_end);
        }
    }
}

/* max_head caps the whole head, the empty line included: a head of
 * exactly that many bytes passes, one byte more is 431, fed whole or a
 * byte at a time; a cap above the field section's limit lets a larger
 * field section through, and a request line longer than the cap is 431
 * (not 414). */
static void test_max_head(void)
{
    const char *head = "GET / HTTP/1.1\r\nHost: h\r\nX: abcdef\r\n\r\n";
    size_t len = strlen(head);
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        for (size_t cap = len - 1; cap <= len; cap++) {
            http_head_scanner_t s;
            http_head_scan_init(&s);
            s.max_head = cap;
            http_head_status_t st = HTTP_HEAD_INCOMPLETE;
            for (size_t n = bytewise ? 1 : len; n <= len && st == HTTP_HEAD_INCOMPLETE; n++)
                st = http_head_scan(&s, head, n);
            CHECK_INT_EQ(st, cap == len ? HTTP_HEAD_COMPLETE : HTTP_HEAD_ERROR);
            CHECK_INT_EQ(s.err.status, cap == len ? 0 : 431);
        }
    }
    size_t big = HTTP_MAX_FIELD_SECTION + 1000;
    char *text = malloc(big + 64);
    CHECK(text != NULL);
    int n = snprintf(text, 64, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
    memset(text + n, 'a', big);
    memcpy(text + n + big, "\r\n\r\n", 4);
    size_t total = (size_t)n + big + 4;
    http_head_scanner_t s;
    http_head_scan_init(&s);
    CHECK_INT_EQ(http_head_scan(&s, text, total), HTTP_HEAD_ERROR);
    CHECK_INT_EQ(s.err.status, 431);
    http_head_scan_init(&s);
    s.max_head = total;
    CHECK_INT_EQ(http_head_scan(&s, text, total), HTTP_HEAD_COMPLETE);
    free(text);
    const char *line = "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\nHost: h\r\n\r\n";
    http_head_scan_init(&s);
    s.max_head = 20;
    CHECK_INT_EQ(http_head_scan(&s, line, strlen(line)), HTTP_HEAD_ERROR);
    CHECK_INT_EQ(s.err.status, 431);
}

int main(void)
{
    RUN(test_simple_get);
    RUN(test_one_byte_at_a_time);
    RUN(test_incomplete);
    RUN(test_chunked_and_connection);
    RUN(test_http10);
    RUN(test_target_forms);
    RUN(test_malformed_request_line);
    RUN(test_smuggling_vectors);
    RUN(test_nul_in_value);
    RUN(test_host_rules);
    RUN(test_http09_refused_at_once);
    RUN(test_request_line_limit);
    RUN(test_field_limits);
    RUN(test_any_split);
    RUN(test_max_head);
    return testing_done();
}
