/* WebSocket frames: RFC 6455's own examples, each way a client frame is
 * refused (with its close code), fragments around a ping, and the size
 * cap decided from the header alone. */
#include "testing.h"

#include <stdlib.h>

#include "http/ws_frame.h"

/* A masked client frame of opcode op with payload s into out; its length. */
static size_t client_frame(uint8_t *out, bool fin, uint8_t op, const char *s, size_t n)
{
    static const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    size_t at = 0;
    out[at++] = (uint8_t)((fin ? 0x80 : 0) | op);
    if (n < 126) {
        out[at++] = (uint8_t)(0x80 | n);
    } else if (n <= 0xFFFF) {
        out[at++] = 0x80 | 126;
        out[at++] = (uint8_t)(n >> 8);
        out[at++] = (uint8_t)n;
    } else {
        out[at++] = 0x80 | 127;
        for (int i = 0; i < 8; i++) out[at++] = (uint8_t)((uint64_t)n >> (8 * (7 - i)));
    }
    memcpy(out + at, mask, 4);
    at += 4;
    for (size_t i = 0; i < n; i++) out[at + i] = (uint8_t)s[i] ^ mask[i & 3];
    return at + n;
}

static void test_rfc_masked_hello(void)
{
    /* RFC 6455 5.7: a single-frame masked text message "Hello". */
    uint8_t f[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    for (size_t k = 0; k < sizeof f; k++) {
        http_ws_frame_t part;
        CHECK_INT_EQ(http_ws_frame_parse(f, k, 1024, &part), HTTP_WS_FRAME_NEED_MORE);
    }
    http_ws_reader_t r;
    http_ws_reader_init(&r, 1024);
    http_ws_read_t ev;
    http_ws_reader_next(&r, f, sizeof f, &ev);
    CHECK_INT_EQ(ev.kind, HTTP_WS_READ_MESSAGE);
    CHECK_INT_EQ(ev.opcode, HTTP_WS_OP_TEXT);
    CHECK_INT_EQ(ev.consumed, sizeof f);
    CHECK_MEM_EQ(ev.data, ev.len, "Hello");
    http_ws_reader_free(&r);
}

static void test_refusals(void)
{
    http_ws_frame_t f;
    uint8_t unmasked[] = {0x81, 0x05, 'H', 'e', 'l', 'l', 'o'};
    CHECK_INT_EQ(http_ws_frame_parse(unmasked, sizeof unmasked, 1024, &f), HTTP_WS_FRAME_BAD);
    CHECK_INT_EQ(f.close_code, HTTP_WS_CLOSE_PROTOCOL);
    uint8_t rsv[] = {0xC1, 0x80, 0, 0, 0, 0};
    CHECK_INT_EQ(http_ws_frame_parse(rsv, sizeof rsv, 1024, &f), HTTP_WS_FRAME_BAD);
    CHECK_INT_EQ(f.close_code, HTTP_WS_CLOSE_PROTOCOL);
    uint8_t opcode3[] = {0x83, 0x80, 0, 0, 0, 0};
    CHECK_INT_EQ(http_ws_frame_parse(opcode3, sizeof opcode3, 1024, &f), HTTP_WS_FRAME_BAD);
    uint8_t fragmented_ping[] = {0x09, 0x80, 0, 0, 0, 0};
    CHECK_INT_EQ(http_ws_frame_parse(fragmented_ping, sizeof fragmented_ping, 1024, &f), HTTP_WS_FRAME_BAD);
    uint8_t long_ping[] = {0x89, 0x80 | 126, 0, 126};
    CHECK_INT_EQ(http_ws_frame_parse(long_ping, sizeof long_ping, 1024, &f), HTTP_WS_FRAME_BAD);
    uint8_t not_shortest[] = {0x82, 0x80 | 126, 0, 5};
    CHECK_INT_EQ(http_ws_frame_parse(not_shortest, sizeof not_shortest, 1024, &f), HTTP_WS_FRAME_BAD);
    uint8_t top_bit[] = {0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0};
    CHECK_INT_EQ(http_ws_frame_parse(top_bit, sizeof top_bit, UINT64_MAX, &f), HTTP_WS_FRAME_BAD);
    CHECK_INT_EQ(f.close_code, HTTP_WS_CLOSE_PROTOCOL);
    /* Over the cap: refused from the 4 header bytes, before any payload. */
    uint8_t big[] = {0x82, 0x80 | 126, 0x10, 0x00};
    CHECK_INT_EQ(http_ws_frame_parse(big, sizeof big, 4095, &f), HTTP_WS_FRAME_BAD);
    CHECK_INT_EQ(f.close_code, HTTP_WS_CLOSE_TOO_BIG);
    CHECK_INT_EQ(http_ws_frame_parse(big, sizeof big, 4096, &f), HTTP_WS_FRAME_NEED_MORE);
}

static void test_fragments_around_ping(void)
{
    uint8_t buf[256];
    size_t n = client_frame(buf, false, HTTP_WS_OP_TEXT, "Hel", 3);
    n += client_frame(buf + n, true, HTTP_WS_OP_PING, "p!", 2);
    n += client_frame(buf + n, true, HTTP_WS_OP_CONTINUATION, "lo", 2);
    http_ws_reader_t r;
    http_ws_reader_init(&r, 5);
    http_ws_read_t ev;
    size_t at = 0;
    http_ws_reader_next(&r, buf + at, n - at, &ev);
    CHECK_INT_EQ(ev.kind, HTTP_WS_READ_NEED_MORE);
    CHECK(ev.consumed > 0);
    at += ev.consumed;
    http_ws_reader_next(&r, buf + at, n - at, &ev);
    CHECK_INT_EQ(ev.kind, HTTP_WS_READ_PING);
    CHECK_MEM_EQ(ev.data, ev.len, "p!");
    at += ev.consumed;
    http_ws_reader_next(&r, buf + at, n - at, &ev);
    CHECK_INT_EQ(ev.kind, HTTP_WS_READ_MESSAGE);
    CHECK_MEM_EQ(ev.data, ev.len, "Hello");
    CHECK_INT_EQ(at + ev.consumed, n);
    http_ws_reader_free(&r);
}

static void test_message_cap_counts_fragments(void)
{
    uint8_t buf[64];
    size_t n = client_frame(buf, false, HTTP_WS_OP_BINARY, "abc", 3);
    size_t second = client_frame(buf + n, true, HTTP_WS_OP_CONTINUATION, "def", 3);
    http_ws_reader_t r;
    http_ws_reader_init(&r, 5);
    http_ws_read_t ev;
    http_ws_reader_next(&r, buf, n + second, &ev);
    CHECK_INT_EQ(ev.kind, HTTP_WS_READ_NEED_MORE);
    http_ws_reader_next(&r, buf + n, second, &ev);
    CHECK_INT_EQ(ev.kind, HTTP_WS_READ_FAIL);
    CHECK_INT_EQ(ev.close_code, HTTP_WS_CLOSE_TOO_BIG);
    http_ws_reader_free(&r);
}

static void test_sequence_errors(void)
{
    uint8_t buf[64];
    http_ws_reader_t r;
    http_ws_read_t ev;
    http_ws_reader_init(&r, 100);
    size_t n = client_frame(buf, true, HTTP_WS_OP_CONTINUATION, "x", 1);
    http_ws_reader_next(&r, buf, n, &ev);
    CHECK_INT_EQ(ev.kind, HTTP_WS_READ_FAIL);
    CHECK_INT_EQ(ev.close_code, HTTP_WS_CLOSE_PROTOCOL);
    http_ws_reader_free(&r);

    http_ws_reader_init(&r, 100);
    n = client_frame(buf, false, HTTP_WS_OP_TEXT, "a", 1);
    size_t m = client_frame(buf + n, true, HTTP_WS_OP_TEXT, "b", 1);
    http_ws_reader_next(&r, buf, n + m, &ev);
    http_ws_reader_next(&r, buf + n, m, &ev);
    CHECK_INT_EQ(ev.kind, HTTP_WS_READ_FAIL);
    CHECK_INT_EQ(ev.close_code, HTTP_WS_CLOSE_PROTOCOL);
    http_ws_reader_free(&r);

    http_ws_reader_init(&r, 100);
    n = client_frame(buf, true, HTTP_WS_OP_TEXT, "\xc3\x28", 2);
    http_ws_reader_next(&r, buf, n, &ev);
    CHECK_INT_EQ(ev.kind, HTTP_WS_READ_FAIL);
    CHECK_INT_EQ(ev.close_code, HTTP_WS_CLOSE_BAD_DATA);
    http_ws_reader_free(&r);
}

static void test_close_frames(void)
{
    uint8_t buf[64];
    http_ws_reader_t r;
    http_ws_read_t ev;
    http_ws_reader_init(&r, 100);
    size_t n = client_frame(buf, true, HTTP_WS_OP_CLOSE, "\x03\xe8" "bye", 5);
    http_ws_reader_next(&r, buf, n, &ev);
    CHECK_INT_EQ(ev.kind, HTTP_WS_READ_CLOSE);
    CHECK_INT_EQ(ev.close_code, 1000);
    CHECK_MEM_EQ(ev.data, ev.len, "bye");
    n = client_frame(buf, true, HTTP_WS_OP_CLOSE, "", 0);
    http_ws_reader_next(&r, buf, n, &ev);
    CHECK_INT_EQ(ev.close_code, HTTP_WS_CLOSE_NO_STATUS);
    n = client_frame(buf, true, HTTP_WS_OP_CLOSE, "\x03\xed", 2);   /* 1005 may not be sent */
    http_ws_reader_next(&r, buf, n, &ev);
    CHECK_INT_EQ(ev.kind, HTTP_WS_READ_FAIL);
    CHECK_INT_EQ(ev.close_code, HTTP_WS_CLOSE_PROTOCOL);
    n = client_frame(buf, true, HTTP_WS_OP_CLOSE, "\x03", 1);
    http_ws_reader_next(&r, buf, n, &ev);
    CHECK_INT_EQ(ev.kind, HTTP_WS_READ_FAIL);
    http_ws_reader_free(&r);
}

static void test_server_headers(void)
{
    uint8_t h[HTTP_WS_FRAME_HEADER_MAX];
    CHECK_INT_EQ(http_ws_frame_header_write(h, HTTP_WS_OP_TEXT, 5), 2);
    CHECK(h[0] == 0x81 && h[1] == 5);
    CHECK_INT_EQ(http_ws_frame_header_write(h, HTTP_WS_OP_BINARY, 256), 4);
    CHECK(h[0] == 0x82 && h[1] == 126 && h[2] == 1 && h[3] == 0);
    CHECK_INT_EQ(http_ws_frame_header_write(h, HTTP_WS_OP_BINARY, 65536), 10);
    CHECK(h[1] == 127 && h[7] == 1 && h[8] == 0 && h[9] == 0);
}

static void test_big_frame_64bit_length(void)
{
    size_t n = 70000;
    char *payload = malloc(n);
    uint8_t *buf = malloc(n + HTTP_WS_FRAME_HEADER_MAX);
    CHECK(payload && buf);
    if (!payload || !buf) return;
    memset(payload, 'z', n);
    size_t len = client_frame(buf, true, HTTP_WS_OP_BINARY, payload, n);
    CHECK_INT_EQ(len, n + 14);
    http_ws_reader_t r;
    http_ws_reader_init(&r, n);
    http_ws_read_t ev;
    http_ws_reader_next(&r, buf, len, &ev);
    CHECK_INT_EQ(ev.kind, HTTP_WS_READ_MESSAGE);
    CHECK_INT_EQ(ev.len, n);
    CHECK(ev.len == n && memcmp(ev.data, payload, n) == 0);
    http_ws_reader_free(&r);
    free(payload);
    free(buf);
}

int main(void)
{
    RUN(test_rfc_masked_hello);
    RUN(test_refusals);
    RUN(test_fragments_around_ping);
    RUN(test_message_cap_counts_fragments);
    RUN(test_sequence_errors);
    RUN(test_close_frames);
    RUN(test_server_headers);
    RUN(test_big_frame_64bit_length);
    return testing_done();
}
