/* The upstream response head parser: framing decisions, limits, and input
 * arriving one byte at a time. */
#include "testing.h"

#include "http/response_parser.h"

static ifr_arena_t arena;

/* Parses text fed byte by byte; returns the final status. */
static http_resp_status_t parse_bytewise(const char *text, bool head, http_upstream_response_t *out,
                                         const char **reason)
{
    http_resp_parser_t p;
    http_resp_parser_init(&p, head);
    size_t n = strlen(text);
    http_resp_status_t st = HTTP_RESP_INCOMPLETE;
    for (size_t i = 1; i <= n && st == HTTP_RESP_INCOMPLETE; i++) st = http_resp_parse(&p, text, i, &arena, out);
    *reason = p.reason;
    return st;
}

static void test_content_length(void)
{
    http_upstream_response_t r;
    const char *why;
    CHECK_INT_EQ(parse_bytewise("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b \r\n\r\nhello", false, &r, &why),
                 HTTP_RESP_COMPLETE);
    CHECK_INT_EQ(r.status, 200);
    CHECK_INT_EQ(r.body_kind, HTTP_BODY_LENGTH);
    CHECK_INT_EQ(r.content_length, 5);
    CHECK(r.keep_alive);
    CHECK_INT_EQ(r.headers.count, 2);
    CHECK_MEM_EQ(r.headers.items[1].value.ptr, r.headers.items[1].value.len, "b");
    CHECK_INT_EQ(r.head_len, strlen("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b \r\n\r\n"));
}

static void test_chunked_and_close(void)
{
    http_upstream_response_t r;
    const char *why;
    CHECK_INT_EQ(parse_bytewise("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", false, &r, &why),
                 HTTP_RESP_COMPLETE);
    CHECK_INT_EQ(r.body_kind, HTTP_BODY_CHUNKED);
    CHECK_INT_EQ(parse_bytewise("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", false, &r, &why), HTTP_RESP_COMPLETE);
    CHECK_INT_EQ(r.body_kind, HTTP_BODY_UNTIL_CLOSE);
    CHECK(!r.keep_alive);
    CHECK_INT_EQ(parse_bytewise("HTTP/1.0 200 OK\nContent-Length: 1\n\n", false, &r, &why), HTTP_RESP_COMPLETE);
    CHECK(!r.keep_alive);   /* 1.0 without keep-alive */
    CHECK_INT_EQ(r.version_minor, 0);
}

static void test_bodiless(void)
{
    http_upstream_response_t r;
    const char *why;
    CHECK_INT_EQ(parse_bytewise("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true, &r, &why), HTTP_RESP_COMPLETE);
    CHECK_INT_EQ(r.body_kind, HTTP_BODY_NONE);
    CHECK(r.keep_alive);
    CHECK_INT_EQ(parse_bytewise("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", false, &r, &why),
                 HTTP_RESP_COMPLETE);
    CHECK_INT_EQ(r.body_kind, HTTP_BODY_NONE);
    CHECK_INT_EQ(parse_bytewise("HTTP/1.1 100 Continue\r\n\r\n", false, &r, &why), HTTP_RESP_COMPLETE);
    CHECK_INT_EQ(r.status, 100);
    CHECK_INT_EQ(r.body_kind, HTTP_BODY_NONE);
}

static void test_refusals(void)
{
    http_upstream_response_t r;
    const char *why;
    static const char *const bad[] = {
        "garbage\r\n\r\n",
        "HTTP/2.0 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: v\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT_EQ(parse_bytewise(bad[i], false, &r, &why), HTTP_RESP_ERROR);
        CHECK(why != NULL);
        /* The same, arriving in one piece. */
        http_resp_parser_t p;
        http_resp_parser_init(&p, false);
        CHECK_INT_EQ(http_resp_parse(&p, bad[i], strlen(bad[i]), &arena, &r), HTTP_RESP_ERROR);
    }
}

static void test_limits(void)
{
    static char big[HTTP_RESP_MAX_FIELD_SECTION + 200];
    strcpy(big, "HTTP/1.1 200 OK\r\nX: ");
    size_t n = strlen(big);
    memset(big + n, 'a', sizeof big - n - 1);
    http_resp_parser_t p;
    http_resp_parser_init(&p, false);
    http_upstream_response_t r;
    CHECK_INT_EQ(http_resp_parse(&p, big, sizeof big - 1, &arena, &r), HTTP_RESP_ERROR);
    /* Many small fields. */
    static char many[8192];
    strcpy(many, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i <= HTTP_RESP_MAX_FIELDS; i++) strcat(many, "A: b\r\n");
    strcat(many, "\r\n");
    http_resp_parser_init(&p, false);
    CHECK_INT_EQ(http_resp_parse(&p, many, strlen(many), &arena, &r), HTTP_RESP_ERROR);
    /* A status line one byte too long, whole and byte by byte. */
    static char line[HTTP_RESP_MAX_STATUS_LINE + 8];
    memcpy(line, "HTTP/1.1 200 ", 13);
    memset(line + 13, 'a', HTTP_RESP_MAX_STATUS_LINE + 1 - 13);
    strcpy(line + HTTP_RESP_MAX_STATUS_LINE + 1, "\r\n\r\n");
    http_resp_parser_init(&p, false);
    CHECK_INT_EQ(http_resp_parse(&p, line, strlen(line), &arena, &r), HTTP_RESP_ERROR);
    const char *why;
    CHECK_INT_EQ(parse_bytewise(line, false, &r, &why), HTTP_RESP_ERROR);
    line[HTTP_RESP_MAX_STATUS_LINE] = 0;   /* at the limit it passes */
    strcat(line, "\r\n\r\n");
    CHECK_INT_EQ(parse_bytewise(line, false, &r, &why), HTTP_RESP_COMPLETE);
}

/* The head moved to a copy: the fields point into the copy. */
static void test_rebase(void)
{
    char head[] = "HTTP/1.1 200 OK\r\nX-A: b\r\n\r\n";
    http_resp_parser_t p;
    http_resp_parser_init(&p, false);
    http_upstream_response_t r;
    CHECK_INT_EQ(http_resp_parse(&p, head, strlen(head), &arena, &r), HTTP_RESP_COMPLETE);
    char copy[sizeof head];
    memcpy(copy, head, sizeof head);
    memset(head, '#', strlen(head));
    http_resp_rebase(&r, head, copy);
    CHECK_INT_EQ(r.headers.count, 1);
    CHECK(ifr_str_eq(r.headers.items[0].name, IFR_LIT("X-A")));
    CHECK(ifr_str_eq(r.headers.items[0].value, IFR_LIT("b")));
}

int main(void)
{
    ifr_arena_init(&arena, 0);
    RUN(test_content_length);
    RUN(test_chunked_and_close);
    RUN(test_bodiless);
    RUN(test_refusals);
    RUN(test_limits);
    RUN(test_rebase);
    ifr_arena_destroy(&arena);
    return testing_done();
}
