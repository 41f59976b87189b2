/* The chunked decoder (whole, byte by byte, refusals) and encoder. */
#include "testing.h"

#include "base/buf.h"
#include "http/chunked.h"

/* Decodes text fed step bytes at a time; returns the final status and the
 * concatenated data in *out. */
static http_chunked_status_t decode(const char *text, size_t len, size_t step, ifr_buf_t *out,
                                    size_t *left)
{
    http_chunked_decoder_t d;
    http_chunked_decoder_init(&d);
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
            if (st == HTTP_CHUNKED_END || st == HTTP_CHUNKED_ERROR) { *left = len - pos; return st; }
            if (st == HTTP_CHUNKED_AGAIN) break;
        }
    }
    *left = len - pos;
    return st;
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
    RUN(test_limits);
    RUN(test_chunk_head);
    return testing_done();
}
