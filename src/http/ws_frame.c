/* WebSocket frame headers: parsing a client's, writing a server's. */
#include "http/ws_frame.h"

#include <string.h>

static http_ws_frame_result_t http__ws_bad(http_ws_frame_t *out, uint16_t code, const char *why)
{
    out->close_code = code;
    out->error = why;
    return HTTP_WS_FRAME_BAD;
}

static bool http__ws_opcode_known(uint8_t op)
{
    return op == HTTP_WS_OP_CONTINUATION || op == HTTP_WS_OP_TEXT || op == HTTP_WS_OP_BINARY || op == HTTP_WS_OP_CLOSE ||
           op == HTTP_WS_OP_PING || op == HTTP_WS_OP_PONG;
}

http_ws_frame_result_t http_ws_frame_parse(const uint8_t *p, size_t n, uint64_t max_payload, http_ws_frame_t *out)
{
    memset(out, 0, sizeof *out);
    if (n < 2) return HTTP_WS_FRAME_NEED_MORE;
    out->fin = (p[0] & 0x80) != 0;
    out->opcode = p[0] & 0x0F;
    if (p[0] & 0x70) return http__ws_bad(out, HTTP_WS_CLOSE_PROTOCOL, "a reserved bit is set (no extension was agreed)");
    if (!http__ws_opcode_known(out->opcode)) return http__ws_bad(out, HTTP_WS_CLOSE_PROTOCOL, "an unknown opcode");
    bool control = (out->opcode & 0x8) != 0;
    if (!(p[1] & 0x80)) return http__ws_bad(out, HTTP_WS_CLOSE_PROTOCOL, "an unmasked frame from the client");
    uint8_t len7 = p[1] & 0x7F;
    if (control && !out->fin) return http__ws_bad(out, HTTP_WS_CLOSE_PROTOCOL, "a fragmented control frame");
    if (control && len7 > HTTP_WS_CONTROL_MAX) return http__ws_bad(out, HTTP_WS_CLOSE_PROTOCOL, "a control frame over 125 bytes");
    size_t at = 2;
    uint64_t len = len7;
    if (len7 == 126) {
        if (n < 4) return HTTP_WS_FRAME_NEED_MORE;
        len = (uint64_t)p[2] << 8 | p[3];
        at = 4;
        if (len < 126) return http__ws_bad(out, HTTP_WS_CLOSE_PROTOCOL, "a length not in its shortest form");
    } else if (len7 == 127) {
        if (n < 10) return HTTP_WS_FRAME_NEED_MORE;
        len = 0;
        for (int i = 0; i < 8; i++) len = len << 8 | p[2 + i];
        at = 10;
        if (len >> 63) return http__ws_bad(out, HTTP_WS_CLOSE_PROTOCOL, "a length with its top bit set");
        if (len <= 0xFFFF) return http__ws_bad(out, HTTP_WS_CLOSE_PROTOCOL, "a length not in its shortest form");
    }
    if (len > max_payload) return http__ws_bad(out, HTTP_WS_CLOSE_TOO_BIG, "a frame over the message size cap");
    if (n < at + 4) return HTTP_WS_FRAME_NEED_MORE;
    memcpy(out->mask, p + at, 4);
    out->header_len = at + 4;
    out->payload_len = len;
    if ((uint64_t)(n - out->header_len) < len) return HTTP_WS_FRAME_NEED_MORE;
    return HTTP_WS_FRAME_OK;
}

void http_ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t offset)
{
    for (size_t i = 0; i < n; i++) p[i] ^= mask[(offset + i) & 3];
}

size_t http_ws_frame_header_write(uint8_t out[HTTP_WS_FRAME_HEADER_MAX], uint8_t opcode, uint64_t len)
{
    out[0] = (uint8_t)(0x80 | (opcode & 0x0F));
    if (len < 126) {
        out[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xFFFF) {
        out[1] = 126;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; i++) out[2 + i] = (uint8_t)(len >> (8 * (7 - i)));
    return 10;
}

bool http_ws_close_code_valid(uint16_t code)
{
    /* 1004 is reserved; 1005, 1006 and 1015 are only ever reported locally. */
    if (code >= 1000 && code <= 1003) return true;
    if (code >= 1007 && code <= 1014) return true;
    return code >= 3000 && code <= 4999;
}
