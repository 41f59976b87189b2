/* WebSocket messages from frames: fragments joined, control frames
 * (which may come between fragments) handed out on their own. */
#include "http/ws_frame.h"

#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

void http_ws_reader_init(http_ws_reader_t *r, uint64_t max_message)
{
    memset(r, 0, sizeof *r);
    r->max_message = max_message;
}

void http_ws_reader_free(http_ws_reader_t *r)
{
    free(r->data);
    memset(r, 0, sizeof *r);
}

static void http__ws_fail(http_ws_read_t *out, uint16_t code, const char *why)
{
    out->kind = HTTP_WS_READ_FAIL;
    out->close_code = code;
    out->error = why;
}

static bool http__ws_append(http_ws_reader_t *r, const uint8_t *p, size_t n)
{
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n) cap *= 2;
        uint8_t *grown = realloc(r->data, cap);
        if (!grown) return false;
        r->data = grown;
        r->cap = cap;
    }
    if (n) memcpy(r->data + r->len, p, n);
    r->len += n;
    return true;
}

/* A close frame's payload: empty, or a valid code and a UTF-8 reason. */
static void http__ws_read_close(uint8_t *payload, size_t len, http_ws_read_t *out)
{
    if (len == 0) {
        out->kind = HTTP_WS_READ_CLOSE;
        out->close_code = HTTP_WS_CLOSE_NO_STATUS;
        return;
    }
    if (len == 1) return http__ws_fail(out, HTTP_WS_CLOSE_PROTOCOL, "a close frame with half a code");
    uint16_t code = (uint16_t)(payload[0] << 8 | payload[1]);
    if (!http_ws_close_code_valid(code)) return http__ws_fail(out, HTTP_WS_CLOSE_PROTOCOL, "a close frame with a bad code");
    if (!ifr_utf8_valid(payload + 2, len - 2)) return http__ws_fail(out, HTTP_WS_CLOSE_BAD_DATA, "a close reason that is not UTF-8");
    out->kind = HTTP_WS_READ_CLOSE;
    out->close_code = code;
    out->data = payload + 2;
    out->len = len - 2;
}

void http_ws_reader_next(http_ws_reader_t *r, uint8_t *p, size_t n, http_ws_read_t *out)
{
    memset(out, 0, sizeof *out);
    /* Room for the fragments already held: a frame is never larger than
     * what is left of the message cap. */
    uint64_t room = r->max_message - (r->in_message ? r->len : 0);
    http_ws_frame_t f;
    http_ws_frame_result_t res = http_ws_frame_parse(p, n, room, &f);
    if (res == HTTP_WS_FRAME_BAD && f.close_code == HTTP_WS_CLOSE_TOO_BIG && (f.opcode & 0x8))
        res = http_ws_frame_parse(p, n, HTTP_WS_CONTROL_MAX, &f);   /* a control frame does not count */
    if (res == HTTP_WS_FRAME_NEED_MORE) {
        out->kind = HTTP_WS_READ_NEED_MORE;
        return;
    }
    if (res == HTTP_WS_FRAME_BAD) return http__ws_fail(out, f.close_code, f.error);
    uint8_t *payload = p + f.header_len;
    size_t len = (size_t)f.payload_len;
    http_ws_unmask(payload, len, f.mask, 0);
    out->consumed = f.header_len + len;
    switch (f.opcode) {
    case HTTP_WS_OP_PING:
        out->kind = HTTP_WS_READ_PING;
        out->data = payload;
        out->len = len;
        return;
    case HTTP_WS_OP_PONG:
        out->kind = HTTP_WS_READ_PONG;
        return;
    case HTTP_WS_OP_CLOSE:
        return http__ws_read_close(payload, len, out);
    case HTTP_WS_OP_CONTINUATION:
        if (!r->in_message) return http__ws_fail(out, HTTP_WS_CLOSE_PROTOCOL, "a continuation with no message started");
        break;
    default:   /* text or binary: a new message */
        if (r->in_message) return http__ws_fail(out, HTTP_WS_CLOSE_PROTOCOL, "a new message before the last one ended");
        r->in_message = true;
        r->opcode = f.opcode;
        r->len = 0;
        break;
    }
    if (!http__ws_append(r, payload, len)) return http__ws_fail(out, HTTP_WS_CLOSE_INTERNAL, "out of memory for the message");
    if (!f.fin) {
        out->kind = HTTP_WS_READ_NEED_MORE;
        return;
    }
    r->in_message = false;
    if (r->opcode == HTTP_WS_OP_TEXT && !ifr_utf8_valid(r->data, r->len))
        return http__ws_fail(out, HTTP_WS_CLOSE_BAD_DATA, "a text message that is not UTF-8");
    out->kind = HTTP_WS_READ_MESSAGE;
    out->opcode = r->opcode;
    out->data = r->data;
    out->len = r->len;
}
