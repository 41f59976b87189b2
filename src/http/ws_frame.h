/* WebSocket frames (RFC 6455 section 5) as a server reads and writes them,
 * for functions that upgrade their request (host_ws_* in src/fn; the
 * connection side in src/server/srv_fnhost_ws*). Pure code over bytes the
 * caller holds: no I/O, and nothing kept between calls except in a
 * http_ws_reader_t, which owns the message it assembles.
 *
 * No extension is ever negotiated, so every RSV bit must be 0. A client's
 * frames must be masked; a server's are not. A failure carries the close
 * code the server sends before closing (1002 protocol, 1007 bad UTF-8,
 * 1009 too big). */
#ifndef IFRIT_HTTP_WS_FRAME_H
#define IFRIT_HTTP_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    HTTP_WS_OP_CONTINUATION = 0x0,
    HTTP_WS_OP_TEXT = 0x1,
    HTTP_WS_OP_BINARY = 0x2,
    HTTP_WS_OP_CLOSE = 0x8,
    HTTP_WS_OP_PING = 0x9,
    HTTP_WS_OP_PONG = 0xA,
};

enum {
    HTTP_WS_CLOSE_NORMAL = 1000,
    HTTP_WS_CLOSE_GOING_AWAY = 1001,
    HTTP_WS_CLOSE_PROTOCOL = 1002,
    HTTP_WS_CLOSE_NO_STATUS = 1005,        /* never sent: a close frame without a code */
    HTTP_WS_CLOSE_BAD_DATA = 1007,         /* a text message that is not UTF-8 */
    HTTP_WS_CLOSE_POLICY = 1008,
    HTTP_WS_CLOSE_TOO_BIG = 1009,
    HTTP_WS_CLOSE_INTERNAL = 1011,
};

#define HTTP_WS_CONTROL_MAX 125            /* a control frame's payload, at most */
#define HTTP_WS_FRAME_HEADER_MAX 14        /* 2 + 8 (length) + 4 (mask) */

typedef enum {
    HTTP_WS_FRAME_NEED_MORE,   /* the bytes so far may still become a frame */
    HTTP_WS_FRAME_OK,          /* a whole frame: header_len + payload_len bytes */
    HTTP_WS_FRAME_BAD,         /* not a frame a server may accept (close_code, error) */
} http_ws_frame_result_t;

typedef struct {
    bool fin;
    uint8_t opcode;
    uint8_t mask[4];
    size_t header_len;
    uint64_t payload_len;
    uint16_t close_code;   /* BAD: the code to close with */
    const char *error;     /* BAD: why, a static string */
} http_ws_frame_t;

/* Looks at the first n bytes of what a client sent. A frame whose payload
 * is over max_payload is BAD (1009) as soon as its header is there, before
 * its payload arrives; so is an unmasked one (1002). OK means the whole
 * frame is within the n bytes; its payload is still masked (http_ws_unmask). */
http_ws_frame_result_t http_ws_frame_parse(const uint8_t *p, size_t n, uint64_t max_payload, http_ws_frame_t *out);

/* Unmasks n payload bytes in place; offset is how far into the payload p
 * starts (so a payload can be unmasked in pieces). */
void http_ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t offset);

/* Writes the header of an unmasked server frame (fin set) for a payload
 * of len bytes into out; returns its length (2, 4 or 10). */
size_t http_ws_frame_header_write(uint8_t out[HTTP_WS_FRAME_HEADER_MAX], uint8_t opcode, uint64_t len);

/* Whether code may stand in a close frame on the wire (RFC 6455 7.4). */
bool http_ws_close_code_valid(uint16_t code);

/* ---- Messages: frames reassembled, control frames taken out ---- */

typedef enum {
    /* nothing complete yet; consumed > 0 when a fragment was taken in
     * (drop it and call again), 0 when more bytes must be read */
    HTTP_WS_READ_NEED_MORE,
    HTTP_WS_READ_MESSAGE,     /* a whole text or binary message */
    HTTP_WS_READ_PING,        /* answer with a pong carrying data */
    HTTP_WS_READ_PONG,        /* nothing to do */
    HTTP_WS_READ_CLOSE,       /* the client closes: close_code (1005 when it gave none) */
    HTTP_WS_READ_FAIL,        /* close with close_code; error says why */
} http_ws_read_kind_t;

typedef struct {
    http_ws_read_kind_t kind;
    size_t consumed;        /* input bytes used: drop them after using data */
    uint8_t opcode;         /* MESSAGE: HTTP_WS_OP_TEXT or HTTP_WS_OP_BINARY */
    const uint8_t *data;    /* MESSAGE: in the reader's buffer, valid until the
                               next http_ws_reader_next; PING/CLOSE: in the input
                               (unmasked in place), valid until dropped */
    size_t len;
    uint16_t close_code;
    const char *error;
} http_ws_read_t;

typedef struct {
    uint64_t max_message;   /* a message (all its fragments) over this fails 1009 */
    bool in_message;        /* a fragmented message was started */
    uint8_t opcode;         /* its type */
    uint8_t *data;          /* owned: the fragments so far */
    size_t len, cap;
} http_ws_reader_t;

/* A reader with nothing held that accepts messages up to max_message bytes. */
void http_ws_reader_init(http_ws_reader_t *r, uint64_t max_message);
/* Frees what the reader holds. */
void http_ws_reader_free(http_ws_reader_t *r);
/* Takes the next event from the n input bytes at p (unmasking them in
 * place). Call again after dropping consumed bytes: one call handles at
 * most one frame. After FAIL or CLOSE the reader must not be fed again. */
void http_ws_reader_next(http_ws_reader_t *r, uint8_t *p, size_t n, http_ws_read_t *out);

#endif
