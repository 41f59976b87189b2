/* The chunked decoder (whole, byte by byte, refusals, kept trailers) and
 * encoder. */
#include "testing.h"

#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "http/chunked.h"

/* Decodes text fed step bytes at a time; returns the final status and the
 * concatenated data in *out. */
static http_chunked_status_t decode_kept(const char *text, size_t len, size_t step, ifr_buf_t *out,
                                         size_t *left, ifr_buf_t *trailers)
{
    http_chunked_decoder_t d;
    http_chunked_decoder_init(&d);
    d.keep_trailers = trailers != NULL;
    size_t pos = 0, avail_end = 0;
    http_chunked_status_t st = HTTP_CHUNKED_AGAIN;
    while (pos < len) {
        avail_end = step ? (avail_end + step > len ? len : avail_end + step) : len;
        while (pos < avail_end) {
            size_t used;
            ifr_str_t data;
            st = http_chunked_decode(&d, text + pos, avail_end - pos, &used, &data);
            pos += used;
            if (st == HTTP_CHUNKED_DATA) ifr_buf_append_str(out, data);
            if (st == HTTP_CHUNKED_TRAILER) {
                CHECK(trailers != NULL);
                CHECK(data.len > 0);
                ifr_buf_append_str(trailers, data);
            }
            if (st == HTTP_CHUNKED_END || st == HTTP_CHUNKED_ERROR) { *left = len - pos; return st; }
            if (st == HTTP_CHUNKED_AGAIN) break;
        }
    }
    *left = len - pos;
    return st;
}

static http_chunked_status_t decode(const char *text, size_t len, size_t step, ifr_buf_t *out,
                                    size_t *left)
{
    return decode_kept(text, len, step, out, left, NULL);
}

static void test_whole_and_bytewise(void)
{
    static const char body[] = "5\r\nhello\r\n6;name=\"v\" ; x\r\n world\r\n0\r\nX-T: 1\r\n\r\nNEXT";
    for (size_t step = 0; step <= 3; step++) {
        ifr_buf_t out = IFR_BUF_INIT;
        size_t left;
        CHECK_INT_EQ(decode(body, sizeof body - 1, step, &out, &left), HTTP_CHUNKED_END);
        CHECK_MEM_EQ(out.data, out.len, "hello world");
        CHECK_INT_EQ(left, 4);
        ifr_buf_free(&out);
    }
}

static void test_empty_body(void)
{
    ifr_buf_t out = IFR_BUF_INIT;
    size_t left;
    CHECK_INT_EQ(decode("0\r\n\r\n", 5, 1, &out, &left), HTTP_CHUNKED_END);
    CHECK_INT_EQ(out.len, 0);
    CHECK_INT_EQ(decode("0\r\n", 3, 0, &out, &left), HTTP_CHUNKED_AGAIN);
    ifr_buf_free(&out);
}

static http_chunked_status_t status_of(const char *text)
{
    ifr_buf_t out = IFR_BUF_INIT;
    size_t left;
    http_chunked_status_t st = decode(text, strlen(text), 0, &out, &left);
    ifr_buf_free(&out);
    return st;
}

static void test_refusals(void)
{
    CHECK_INT_EQ(status_of("x\r\n"), HTTP_CHUNKED_ERROR);
    CHECK_INT_EQ(status_of("\r\n"), HTTP_CHUNKED_ERROR);
    CHECK_INT_EQ(status_of("-1\r\n"), HTTP_CHUNKED_ERROR);
    CHECK_INT_EQ(status_of("5\nhello\r\n"), HTTP_CHUNKED_ERROR);
    CHECK_INT_EQ(status_of("5\r\nhelloX\r\n"), HTTP_CHUNKED_ERROR);
    CHECK_INT_EQ(status_of("5\r\nhello\n0\r\n\r\n"), HTTP_CHUNKED_ERROR);
    CHECK_INT_EQ(status_of("1000000000000000\r\n"), HTTP_CHUNKED_ERROR);
    CHECK_INT_EQ(status_of("5 x\r\n"), HTTP_CHUNKED_ERROR);
    CHECK_INT_EQ(status_of("5;a\x01\r\n"), HTTP_CHUNKED_ERROR);
    CHECK_INT_EQ(status_of("0\r\n folded: x\r\n\r\n"), HTTP_CHUNKED_ERROR);
    CHECK_INT_EQ(status_of("0\r\nBad Name: x\r\n\r\n"), HTTP_CHUNKED_ERROR);
    CHECK_INT_EQ(status_of("0\r\nX: a\rb\r\n\r\n"), HTTP_CHUNKED_ERROR);
    CHECK_INT_EQ(status_of("0\r\n\rX"), HTTP_CHUNKED_ERROR);
    CHECK_INT_EQ(status_of("fffffffffffffff\r\n"), HTTP_CHUNKED_AGAIN);
    CHECK_INT_EQ(status_of("0000000000000001000000000000000\r\n"), HTTP_CHUNKED_ERROR);
}

/* RFC 9112 allows any number of leading zeros in a chunk size: only the
 * significant digits count toward the 15-digit cap (issue 14 item 10). */
static void test_leading_zeros(void)
{
    ifr_buf_t out = IFR_BUF_INIT;
    size_t left;
    const char *t = "000000000000000000005\r\nhello\r\n00000000000000000000\r\n\r\n";
    CHECK_INT_EQ(decode(t, strlen(t), 0, &out, &left), HTTP_CHUNKED_END);
    CHECK_MEM_EQ(out.data, out.len, "hello");
    ifr_buf_free(&out);
    CHECK_INT_EQ(status_of("00000000000000000000fffffffffffffff\r\n"), HTTP_CHUNKED_AGAIN);
}

static void test_limits(void)
{
    ifr_buf_t t = IFR_BUF_INIT;
    ifr_buf_append_cstr(&t, "1;");
    for (int i = 0; i < HTTP_CHUNK_LINE_MAX; i++) ifr_buf_append_byte(&t, 'e');
    ifr_buf_append_cstr(&t, "\r\n");
    ifr_buf_append_byte(&t, '\0');
    CHECK_INT_EQ(status_of(t.data), HTTP_CHUNKED_ERROR);
    ifr_buf_clear(&t);
    ifr_buf_append_cstr(&t, "0\r\n");
    for (int i = 0; i <= HTTP_CHUNK_TRAILER_FIELDS; i++) ifr_buf_append_cstr(&t, "T: v\r\n");
    ifr_buf_append_cstr(&t, "\r\n");
    ifr_buf_append_byte(&t, '\0');
    CHECK_INT_EQ(status_of(t.data), HTTP_CHUNKED_ERROR);
    ifr_buf_free(&t);
}

/* keep_trailers: the section comes back whole however the input is cut,
 * without the final CRLF, and splits into fields with OWS trimmed. */
static void test_kept_trailers(void)
{
    static const char body[] = "3\r\nabc\r\n0\r\nX-A: 1\r\nX-Checksum:\t two words \r\nE:\r\n\r\nNEXT";
    static const char section[] = "X-A: 1\r\nX-Checksum:\t two words \r\nE:\r\n";
    for (size_t step = 0; step <= 4; step++) {
        ifr_buf_t out = IFR_BUF_INIT, tr = IFR_BUF_INIT;
        size_t left;
        CHECK_INT_EQ(decode_kept(body, sizeof body - 1, step, &out, &left, &tr), HTTP_CHUNKED_END);
        CHECK_MEM_EQ(out.data, out.len, "abc");
        CHECK_MEM_EQ(tr.data, tr.len, section);
        CHECK_INT_EQ(left, 4);
        ifr_buf_free(&out);
        ifr_buf_free(&tr);
    }
    ifr_arena_t a;
    ifr_arena_init(&a, 1024);
    http_headers_t h = { 0 };
    CHECK_INT_EQ(http_chunked_trailers(ifr_str(section, sizeof section - 1), &a, &h), 0);
    CHECK_INT_EQ(h.count, 3);
    CHECK_MEM_EQ(h.items[0].name.ptr, h.items[0].name.len, "X-A");
    CHECK_MEM_EQ(h.items[0].value.ptr, h.items[0].value.len, "1");
    CHECK_MEM_EQ(h.items[1].name.ptr, h.items[1].name.len, "X-Checksum");
    CHECK_MEM_EQ(h.items[1].value.ptr, h.items[1].value.len, "two words");
    CHECK_MEM_EQ(h.items[2].name.ptr, h.items[2].name.len, "E");
    CHECK_INT_EQ(h.items[2].value.len, 0);
    /* Not what the decoder hands back: refused, not overrun. */
    h.count = 0;
    CHECK_INT_EQ(http_chunked_trailers(IFR_LIT("X-A: 1"), &a, &h), -1);
    CHECK_INT_EQ(http_chunked_trailers(IFR_LIT(": 1\r\n"), &a, &h), -1);
    CHECK_INT_EQ(http_chunked_trailers(IFR_LIT("X-A 1\r\n"), &a, &h), -1);
    ifr_arena_destroy(&a);

    /* No trailers: nothing kept. */
    ifr_buf_t out = IFR_BUF_INIT, tr = IFR_BUF_INIT;
    size_t left;
    CHECK_INT_EQ(decode_kept("0\r\n\r\n", 5, 1, &out, &left, &tr), HTTP_CHUNKED_END);
    CHECK_INT_EQ(tr.len, 0);
    ifr_buf_free(&out);
    ifr_buf_free(&tr);
}

/* Kept or not, trailers are refused as header fields are. */
static void test_kept_refusals(void)
{
    static const char *const bad[] = {
        "0\r\n folded: x\r\n\r\n",      /* obs-fold as the first line */
        "0\r\nX: a\r\n\tmore\r\n\r\n",   /* obs-fold continuing a field */
        "0\r\nX: a\rb\r\n\r\n",           /* bare CR in a value */
        "0\r\nX: a\nY: b\r\n\r\n",        /* bare LF */
        "0\r\nX: a\r\n\r\r\n",            /* bare CR at the end */
        "0\r\nBad Name: x\r\n\r\n",
        "0\r\nX : x\r\n\r\n",              /* space before the colon */
        "0\r\n:x\r\n\r\n",
        "0\r\nNoColon\r\n\r\n",
        "0\r\nX: a\x01\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        for (size_t step = 0; step <= 1; step++) {
            ifr_buf_t out = IFR_BUF_INIT, tr = IFR_BUF_INIT;
            size_t left;
            CHECK_INT_EQ(decode_kept(bad[i], strlen(bad[i]), step, &out, &left, &tr), HTTP_CHUNKED_ERROR);
            CHECK_INT_EQ(decode(bad[i], strlen(bad[i]), step, &out, &left), HTTP_CHUNKED_ERROR);
            ifr_buf_free(&out);
            ifr_buf_free(&tr);
        }
}

/* The byte limit counts whole lines, CRLFs included: a section of exactly
 * HTTP_CHUNK_TRAILER_MAX bytes passes, one more byte is refused; so is a
 * field past HTTP_CHUNK_TRAILER_FIELDS. */
static void test_kept_limits(void)
{
    for (int extra = 0; extra <= 1; extra++) {
        ifr_buf_t t = IFR_BUF_INIT, out = IFR_BUF_INIT, tr = IFR_BUF_INIT;
        ifr_buf_append_cstr(&t, "0\r\nX: ");
        while (t.len < 3 + HTTP_CHUNK_TRAILER_MAX - 2 + (size_t)extra) ifr_buf_append_byte(&t, 'v');
        ifr_buf_append_cstr(&t, "\r\n\r\n");
        size_t left;
        CHECK_INT_EQ(decode_kept(t.data, t.len, 0, &out, &left, &tr), extra ? HTTP_CHUNKED_ERROR : HTTP_CHUNKED_END);
        if (!extra) CHECK_INT_EQ(tr.len, HTTP_CHUNK_TRAILER_MAX);
        ifr_buf_free(&t);
        ifr_buf_free(&out);
        ifr_buf_free(&tr);
    }
    for (int extra = 0; extra <= 1; extra++) {
        ifr_buf_t t = IFR_BUF_INIT, out = IFR_BUF_INIT, tr = IFR_BUF_INIT;
        ifr_buf_append_cstr(&t, "0\r\n");
        for (int i = 0; i < HTTP_CHUNK_TRAILER_FIELDS + extra; i++) ifr_buf_append_cstr(&t, "T: v\r\n");
        ifr_buf_append_cstr(&t, "\r\n");
        size_t left;
        CHECK_INT_EQ(decode_kept(t.data, t.len, 1, &out, &left, &tr), extra ? HTTP_CHUNKED_ERROR : HTTP_CHUNKED_END);
        ifr_buf_free(&t);
        ifr_buf_free(&out);
        ifr_buf_free(&tr);
    }
}

static void test_chunk_head(void)
{
    char b[HTTP_CHUNK_HEAD_MAX];
    size_t n = http_chunk_head(b, 0);
    CHECK_MEM_EQ(b, n, "0\r\n");
    n = http_chunk_head(b, 0x1a2b);
    CHECK_MEM_EQ(b, n, "1a2b\r\n");
    n = http_chunk_head(b, UINT64_MAX);
    CHECK_MEM_EQ(b, n, "ffffffffffffffff\r\n");
}

int main(void)
{
    RUN(test_whole_and_bytewise);
    RUN(test_empty_body);
    RUN(test_refusals);
    RUN(test_leading_zeros);
    RUN(test_limits);
    RUN(test_kept_trailers);
    RUN(test_kept_refusals);
    RUN(test_kept_limits);
    RUN(test_chunk_head);
    return testing_done();
}
