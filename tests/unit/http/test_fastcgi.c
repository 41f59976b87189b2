/* The FastCGI codec: records and pairs as written, the reader (whole and
 * byte by byte, and what it refuses), and the CGI head. */
#define TEST_SUITE "http/fastcgi"
#include "testing.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "http/fastcgi.h"

/* A record as an application would send it. */
static void rec(ifr_buf_t *b, uint8_t type, uint16_t id, const char *content, size_t len, uint8_t pad)
{
    uint8_t h[8] = { 1, type, (uint8_t)(id >> 8), (uint8_t)id, (uint8_t)(len >> 8), (uint8_t)len, pad, 0 };
    ifr_buf_append(b, h, 8);
    ifr_buf_append(b, content, len);
    for (uint8_t i = 0; i < pad; i++) ifr_buf_append_byte(b, 'P');
}

static void end_request(ifr_buf_t *b, uint16_t id, uint32_t app, uint8_t proto)
{
    char e[8] = { (char)(app >> 24), (char)(app >> 16), (char)(app >> 8), (char)app, (char)proto, 0, 0, 0 };
    rec(b, HTTP_FCGI_END_REQUEST, id, e, 8, 0);
}

typedef struct {
    ifr_buf_t out, err;
    http_fcgi_event_t last;
    bool stdout_end;
    size_t left;       /* bytes not consumed after END or ERROR */
    const char *error;
    uint32_t app;
    uint8_t proto;
} reading_t;

static void read_all(const ifr_buf_t *in, size_t step, uint16_t id, reading_t *r)
{
    http_fcgi_reader_t rd;
    http_fcgi_reader_init(&rd, id);
    *r = (reading_t){ .out = IFR_BUF_INIT, .err = IFR_BUF_INIT, .last = HTTP_FCGI_AGAIN };
    size_t pos = 0;
    while (pos < in->len) {
        size_t avail = step && in->len - pos > step ? step : in->len - pos;
        size_t used;
        ifr_str_t data;
        http_fcgi_event_t ev = http_fcgi_read(&rd, in->data + pos, avail, &used, &data);
        pos += used;
        if (ev == HTTP_FCGI_STDOUT_DATA) ifr_buf_append_str(&r->out, data);
        if (ev == HTTP_FCGI_STDERR_DATA) ifr_buf_append_str(&r->err, data);
        if (ev == HTTP_FCGI_STDOUT_END) r->stdout_end = true;
        if (ev == HTTP_FCGI_END || ev == HTTP_FCGI_ERROR) {
            r->last = ev;
            r->left = in->len - pos;
            r->error = rd.error;
            r->app = rd.app_status;
            r->proto = rd.protocol_status;
            return;
        }
    }
}

static void reading_free(reading_t *r)
{
    ifr_buf_free(&r->out);
    ifr_buf_free(&r->err);
}

static void test_begin_and_pairs(void)
{
    ifr_buf_t b = IFR_BUF_INIT;
    CHECK(http_fcgi_begin_request(&b, 0x0102, true) == 0);
    static const uint8_t begin[] = { 1, 1, 1, 2, 0, 8, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0 };
    CHECK(b.len == sizeof begin && memcmp(b.data, begin, sizeof begin) == 0);
    ifr_buf_clear(&b);
    CHECK(http_fcgi_begin_request(&b, 1, false) == 0);
    CHECK(b.len == 16 && b.data[10] == 0);
    ifr_buf_clear(&b);
    /* Short lengths in one byte, long ones in four with the top bit set. */
    char big[300];
    memset(big, 'v', sizeof big);
    CHECK(http_fcgi_pair(&b, IFR_LIT("SCRIPT_NAME"), IFR_LIT("/index.php")) == 0);
    CHECK(http_fcgi_pair(&b, IFR_LIT("X"), ifr_str(big, sizeof big)) == 0);
    CHECK(http_fcgi_pair(&b, IFR_LIT("EMPTY"), IFR_LIT("")) == 0);
    CHECK(b.len == 2 + 11 + 10 + 5 + 1 + 300 + 2 + 5);
    CHECK(b.data[0] == 11 && b.data[1] == 10 && memcmp(b.data + 2, "SCRIPT_NAME/index.php", 21) == 0);
    const uint8_t *p = (const uint8_t *)b.data + 23;
    CHECK(p[0] == 1 && p[1] == 0x80 && p[2] == 0 && p[3] == 0x01 && p[4] == 0x2c && p[5] == 'X');
    p += 6 + 300;
    CHECK(p[0] == 5 && p[1] == 0 && memcmp(p + 2, "EMPTY", 5) == 0);
    ifr_buf_free(&b);
}

static void test_stream_framing(void)
{
    ifr_buf_t b = IFR_BUF_INIT;
    CHECK(http_fcgi_stream(&b, HTTP_FCGI_STDIN, 1, "hello", 5) == 0);
    static const uint8_t hello[] = { 1, 5, 0, 1, 0, 5, 3, 0, 'h', 'e', 'l', 'l', 'o', 0, 0, 0 };
    CHECK(b.len == sizeof hello && memcmp(b.data, hello, sizeof hello) == 0);
    CHECK(http_fcgi_stream_overhead(5) == 11);
    ifr_buf_clear(&b);
    CHECK(http_fcgi_stream(&b, HTTP_FCGI_PARAMS, 1, NULL, 0) == 0);
    static const uint8_t empty[] = { 1, 4, 0, 1, 0, 0, 0, 0 };
    CHECK(b.len == 8 && memcmp(b.data, empty, 8) == 0);
    ifr_buf_clear(&b);
    /* 65535 + 65535 + 10: three records, each header's length its own. */
    size_t n = 2 * 65535 + 10;
    char *big = malloc(n);
    memset(big, 'x', n);
    CHECK(http_fcgi_stream(&b, HTTP_FCGI_STDIN, 7, big, n) == 0);
    CHECK(b.len == n + http_fcgi_stream_overhead(n));
    CHECK_INT_EQ(http_fcgi_stream_overhead(n), 8 + 1 + 8 + 1 + 8 + 6);
    const uint8_t *p = (const uint8_t *)b.data;
    CHECK(p[4] == 0xff && p[5] == 0xff && p[6] == 1);
    p += 8 + 65535 + 1;
    CHECK(p[4] == 0xff && p[5] == 0xff && p[6] == 1);
    p += 8 + 65535 + 1;
    CHECK(p[4] == 0 && p[5] == 10 && p[6] == 6);
    free(big);
    ifr_buf_free(&b);
}

static void test_reader(void)
{
    ifr_buf_t in = IFR_BUF_INIT;
    rec(&in, HTTP_FCGI_STDERR, 3, "warn", 4, 4);
    rec(&in, HTTP_FCGI_STDOUT, 3, "Content-Type: text/html\r\n\r\n", 27, 5);
    rec(&in, HTTP_FCGI_STDOUT, 3, "<p>", 3, 0);
    rec(&in, HTTP_FCGI_STDERR, 3, "", 0, 0);
    rec(&in, HTTP_FCGI_STDOUT, 3, "", 0, 0);
    end_request(&in, 3, 7, HTTP_FCGI_REQUEST_COMPLETE);
    for (size_t step = 0; step <= 9; step++) {
        reading_t r;
        read_all(&in, step, 3, &r);
        CHECK(r.last == HTTP_FCGI_END && r.left == 0 && r.stdout_end);
        CHECK(r.app == 7 && r.proto == HTTP_FCGI_REQUEST_COMPLETE);
        CHECK(r.out.len == 30 && memcmp(r.out.data, "Content-Type: text/html\r\n\r\n<p>", 30) == 0);
        CHECK(r.err.len == 4 && memcmp(r.err.data, "warn", 4) == 0);
        reading_free(&r);
    }
    /* Bytes after END_REQUEST are left for the caller. */
    rec(&in, HTTP_FCGI_STDOUT, 3, "x", 1, 0);
    reading_t r;
    read_all(&in, 0, 3, &r);
    CHECK(r.last == HTTP_FCGI_END && r.left == 9);
    reading_free(&r);
    ifr_buf_free(&in);
}

/* What the reader refuses, and the words it uses. */
static void refused(const char *what, void (*build)(ifr_buf_t *), const char *needle)
{
    ifr_buf_t in = IFR_BUF_INIT;
    build(&in);
    for (size_t step = 0; step <= 3; step++) {
        reading_t r;
        read_all(&in, step, 1, &r);
        if (r.last != HTTP_FCGI_ERROR || !r.error || !strstr(r.error, needle)) {
            printf("# %s (step %zu): %s\n", what, step, r.error ? r.error : "accepted");
            testing_failed_checks++;
        }
        reading_free(&r);
    }
    ifr_buf_free(&in);
}

static void build_version(ifr_buf_t *b) { ifr_buf_append(b, "\x02\x06\x00\x01\x00\x00\x00\x00", 8); }
static void build_other_id(ifr_buf_t *b) { rec(b, HTTP_FCGI_STDOUT, 2, "x", 1, 0); }
static void build_unknown_type(ifr_buf_t *b) { rec(b, HTTP_FCGI_UNKNOWN_TYPE, 0, "\x0c\0\0\0\0\0\0\0", 8, 0); }
static void build_params(ifr_buf_t *b) { rec(b, HTTP_FCGI_PARAMS, 1, "", 0, 0); }
static void build_short_end(ifr_buf_t *b) { rec(b, HTTP_FCGI_END_REQUEST, 1, "\0\0\0\0", 4, 0); }
static void build_after_end(ifr_buf_t *b)
{
    rec(b, HTTP_FCGI_STDOUT, 1, "", 0, 0);
    rec(b, HTTP_FCGI_STDOUT, 1, "late", 4, 0);
}
static void build_http(ifr_buf_t *b) { ifr_buf_append_cstr(b, "HTTP/1.1 200 OK\r\n\r\n"); }

static void test_reader_refuses(void)
{
    refused("version 2", build_version, "another version");
    refused("another id", build_other_id, "another request id");
    refused("UNKNOWN_TYPE", build_unknown_type, "did not know a record type");
    refused("PARAMS from the application", build_params, "does not send");
    refused("a 4-byte END_REQUEST", build_short_end, "not 8 bytes");
    refused("STDOUT after its end", build_after_end, "after the end of STDOUT");
    refused("an HTTP answer", build_http, "another version");
    /* An error stays. */
    ifr_buf_t in = IFR_BUF_INIT;
    build_other_id(&in);
    http_fcgi_reader_t rd;
    http_fcgi_reader_init(&rd, 1);
    size_t used;
    ifr_str_t data;
    CHECK(http_fcgi_read(&rd, in.data, in.len, &used, &data) == HTTP_FCGI_ERROR);
    CHECK(http_fcgi_read(&rd, in.data, in.len, &used, &data) == HTTP_FCGI_ERROR && used == 0);
    ifr_buf_free(&in);
}

static http_fcgi_head_status_t head(const char *text, bool head_request, ifr_arena_t *a, http_upstream_response_t *r,
                                    const char **why)
{
    *why = NULL;
    return http_fcgi_head(text, strlen(text), head_request, a, r, why);
}

static void test_cgi_head(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    http_upstream_response_t r;
    const char *why;
    CHECK(head("Content-Type: text/html\r\nX-A:  b \r\n\r\nbody", false, &a, &r, &why) == HTTP_FCGI_HEAD_DONE);
    CHECK(r.status == 200 && r.head_len == 37 && r.body_kind == HTTP_BODY_UNTIL_CLOSE && r.headers.count == 2);
    CHECK(ifr_str_eq_cstr(r.headers.items[1].value, "b"));
    /* LF alone ends lines too; Status sets the code and stays a field. */
    CHECK(head("Status: 404 Not Found\nContent-Length: 4\n\nnope", false, &a, &r, &why) == HTTP_FCGI_HEAD_DONE);
    CHECK(r.status == 404 && r.head_len == 41 && r.body_kind == HTTP_BODY_LENGTH && r.content_length == 4);
    CHECK(http_headers_get(&r.headers, IFR_LIT("status")) != NULL);
    CHECK(head("Status: 201\r\n\r\n", false, &a, &r, &why) == HTTP_FCGI_HEAD_DONE && r.status == 201);
    /* A Location alone is a redirect. */
    CHECK(head("Location: /there\r\n\r\n", false, &a, &r, &why) == HTTP_FCGI_HEAD_DONE && r.status == 302);
    CHECK(head("Status: 301\r\nLocation: /there\r\n\r\n", false, &a, &r, &why) == HTTP_FCGI_HEAD_DONE &&
          r.status == 301);
    /* No fields at all. */
    CHECK(head("\r\nbare", false, &a, &r, &why) == HTTP_FCGI_HEAD_DONE && r.head_len == 2 && r.headers.count == 0);
    CHECK(head("\nbare", false, &a, &r, &why) == HTTP_FCGI_HEAD_DONE && r.head_len == 1);
    /* No body for HEAD, 204, 304. */
    CHECK(head("Content-Length: 9\r\n\r\n", true, &a, &r, &why) == HTTP_FCGI_HEAD_DONE && r.body_kind == HTTP_BODY_NONE);
    CHECK(head("Status: 304\r\n\r\n", false, &a, &r, &why) == HTTP_FCGI_HEAD_DONE && r.body_kind == HTTP_BODY_NONE);
    /* Not yet whole. */
    CHECK(head("Content-Type: text/html\r\n", false, &a, &r, &why) == HTTP_FCGI_HEAD_AGAIN);
    CHECK(head("Content-Type: text/html\r\n\r", false, &a, &r, &why) == HTTP_FCGI_HEAD_AGAIN);
    CHECK(head("", false, &a, &r, &why) == HTTP_FCGI_HEAD_AGAIN);
    CHECK(head("\r", false, &a, &r, &why) == HTTP_FCGI_HEAD_AGAIN);
    ifr_arena_destroy(&a);
}

static void head_refused(const char *text, const char *needle)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    http_upstream_response_t r;
    const char *why;
    http_fcgi_head_status_t st = head(text, false, &a, &r, &why);
    if (st != HTTP_FCGI_HEAD_ERROR || !why || !strstr(why, needle)) {
        printf("# %s: %s\n", text, why ? why : "accepted");
        testing_failed_checks++;
    }
    ifr_arena_destroy(&a);
}

static void test_cgi_head_refuses(void)
{
    head_refused("Status: abc\r\n\r\n", "CGI Status");
    head_refused("Status: 99\r\n\r\n", "CGI Status");
    head_refused("Status: 100 Continue\r\n\r\n", "CGI Status");
    head_refused("Status: 2000\r\n\r\n", "CGI Status");
    head_refused("no colon here\r\n\r\n", "without a name");
    head_refused("A: b\r\n folded\r\n\r\n", "folded");
    head_refused("Bad Name: x\r\n\r\n", "not a token");
    head_refused("X: a\x01b\r\n\r\n", "control byte");
    head_refused("X: a\rb\r\n\r\n", "control byte");
    head_refused("Transfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding");
    head_refused("Content-Length: 1\r\nContent-Length: 2\r\n\r\n", "two different");
    head_refused("Content-Length: 1x\r\n\r\n", "not a number");
    head_refused("Content-Length: 99999999999999999999999\r\n\r\n", "not a number");
    /* Endless heads and too many lines. */
    size_t n = HTTP_FCGI_HEAD_MAX + 10;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[0] = 'X', big[1] = ':';
    big[n] = 0;
    head_refused(big, "larger than 64 KiB");
    ifr_buf_t many = IFR_BUF_INIT;
    for (int i = 0; i < 201; i++) ifr_buf_printf(&many, "X-%d: v\r\n", i);
    ifr_buf_append(&many, "\r\n", 3);
    head_refused(many.data, "more than 200");
    ifr_buf_free(&many);
    free(big);
}

int main(void)
{
    RUN(test_begin_and_pairs);
    RUN(test_stream_framing);
    RUN(test_reader);
    RUN(test_reader_refuses);
    RUN(test_cgi_head);
    RUN(test_cgi_head_refuses);
    return testing_done();
}
