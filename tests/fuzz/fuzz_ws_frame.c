/* libFuzzer target for the WebSocket frame parser and message reader
 * (src/http/http_ws_frame*.c). The first byte picks the message cap; the rest
 * is what a client sent. Checks, besides "never crash, never read past
 * n": a frame is decided by its own bytes (every shorter prefix of an OK
 * frame is NEED_MORE), a refusal always has a close code and a reason,
 * and the reader, fed frame by frame, always moves forward, never hands
 * out a message over the cap or a text message that is not UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "http/ws_frame.h"

static void check_frame(const uint8_t *p, size_t n, uint64_t cap)
{
    http_ws_frame_t f;
    http_ws_frame_result_t r = http_ws_frame_parse(p, n, cap, &f);
    if (r == HTTP_WS_FRAME_BAD && (!f.error || !f.close_code)) abort();
    if (r != HTTP_WS_FRAME_OK) return;
    if (f.header_len + f.payload_len > n || f.payload_len > cap) abort();
    for (size_t k = 0; k < f.header_len + f.payload_len; k++) {
        http_ws_frame_t part;
        if (http_ws_frame_parse(p, k, cap, &part) != HTTP_WS_FRAME_NEED_MORE) abort();
    }
}

static void run_reader(uint8_t *p, size_t n, uint64_t cap)
{
    http_ws_reader_t r;
    http_ws_reader_init(&r, cap);
    size_t at = 0;
    for (;;) {
        http_ws_read_t ev;
        http_ws_reader_next(&r, p + at, n - at, &ev);
        if (ev.consumed > n - at) abort();
        if (ev.kind == HTTP_WS_READ_FAIL) {
            if (!ev.error || !ev.close_code) abort();
            break;
        }
        if (ev.kind == HTTP_WS_READ_MESSAGE) {
            if (ev.len > cap) abort();
            if (ev.opcode == HTTP_WS_OP_TEXT && !ifr_utf8_valid(ev.data, ev.len)) abort();
        }
        if (ev.kind == HTTP_WS_READ_CLOSE) break;
        if (ev.consumed == 0) break;   /* NEED_MORE with nothing taken: the input ran out */
        at += ev.consumed;
    }
    http_ws_reader_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint64_t cap = (uint64_t)data[0] * 64;
    size_t n = size - 1;
    /* A copy of exactly n bytes: ASan catches a read past the end. */
    uint8_t *p = malloc(n ? n : 1);
    if (!p) return 0;
    memcpy(p, data + 1, n);
    check_frame(p, n, cap);
    run_reader(p, n, cap);   /* unmasks p in place: after check_frame */
    free(p);
    return 0;
}
