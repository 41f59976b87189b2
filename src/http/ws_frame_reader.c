/* WebSocket messages from frames: fragments joined, control frames
 * (which may come between fragments) handed out on their own. */
#include "http/ws_frame.h"

#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

void ws_reader_init(ws_reader_t *r, uint64_t max_message)
{
    memset(r, 0, sizeof *r);
    r->max_message = max_message;
}

void ws_reader_free(ws_reader_t *r)
{
    free(r->data);
    memset(r, 0, sizeof *r);
}

static void fail(ws_read_t *out, uint16_t code, const char *why)
{
    out->kind = WS_READ_FAIL;
    out->close_code = code;
    out->error = why;
}

static bool append(ws_reader_t *r, const uint8_t *p, size_t n)
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
static void read_close(uint8_t *payload, size_t len, ws_read_t *out)
{
    if (len == 0) {
        out->kind = WS_READ_CLOSE;
        out->close_code = WS_CLOSE_NO_STATUS;
        return;
    }
    if (len == 1) return fail(out, WS_CLOSE_PROTOCOL, "a close frame with half a code");
    uint16_t code = (uint16_t)(payload[0] << 8 | payload[1]);
    if (!ws_close_code_valid(code)) return fail(out, WS_CLOSE_PROTOCOL, "a close frame with a bad code");
    if (!ifr_utf8_valid(payload + 2, len - 2)) return fail(out, WS_CLOSE_BAD_DATA, "a close reason that is not UTF-8");
    out->kind = WS_READ_CLOSE;
    out->close_code = code;
    out->data = payload + 2;
    out->len = len - 2;
}

void ws_reader_next(ws_reader_t *r, uint8_t *p, size_t n, ws_read_t *out)
{
    memset(out, 0, sizeof *out);
    /* Room for the fragments already held: a frame is never larger than
     * what is left of the message cap. */
    uint64_t room = r->max_message - (r->in_message ? r->len : 0);
    ws_frame_t f;
    ws_frame_result_t res = ws_frame_parse(p, n, room, &f);
    if (res == WS_FRAME_BAD && f.close_code == WS_CLOSE_TOO_BIG && (f.opcode & 0x8))
        res = ws_frame_parse(p, n, WS_CONTROL_MAX, &f);   /* a control frame does not count */
    if (res == WS_FRAME_NEED_MORE) {
        out->kind = WS_READ_NEED_MORE;
        return;
    }
    if (res == WS_FRAME_BAD) return fail(out, f.close_code, f.error);
    uint8_t *payload = p + f.header_len;
    size_t len = (size_t)f.payload_len;
    ws_unmask(payload, len, f.mask, 0);
    out->consumed = f.header_len + len;
    switch (f.opcode) {
    case WS_OP_PING:
        out->kind = WS_READ_PING;
        out->data = payload;
        out->len = len;
        return;
    case WS_OP_PONG:
        out->kind = WS_READ_PONG;
        return;
    case WS_OP_CLOSE:
        return read_close(payload, len, out);
    case WS_OP_CONTINUATION:
        if (!r->in_message) return fail(out, WS_CLOSE_PROTOCOL, "a continuation with no message started");
        break;
    default:   /* text or binary: a new message */
        if (r->in_message) return fail(out, WS_CLOSE_PROTOCOL, "a new message before the last one ended");
        r->in_message = true;
        r->opcode = f.opcode;
        r->len = 0;
        break;
    }
    if (!append(r, payload, len)) return fail(out, WS_CLOSE_INTERNAL, "out of memory for the message");
    if (!f.fin) {
        out->kind = WS_READ_NEED_MORE;
        return;
    }
    r->in_message = false;
    if (r->opcode == WS_OP_TEXT && !ifr_utf8_valid(r->data, r->len))
        return fail(out, WS_CLOSE_BAD_DATA, "a text message that is not UTF-8");
    out->kind = WS_READ_MESSAGE;
    out->opcode = r->opcode;
    out->data = r->data;
    out->len = r->len;
}
