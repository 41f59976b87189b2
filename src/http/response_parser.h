/* An incremental, sans-I/O HTTP/1.1 response head parser (RFC 9112), for
 * the reverse proxy reading what an upstream sends.
 *
 * Feed it the growing input buffer after each read; it remembers how far it
 * looked, so bytes may arrive one at a time without rescanning. Limits are
 * enforced as bytes arrive, so an upstream sending an endless head is
 * refused before it costs more than the limit. Interim responses (1xx
 * other than 101) are complete heads too: the caller skips them and starts
 * again after head_len.
 *
 * An upstream is less trusted than it looks: framing that could be read two
 * ways (Content-Length with Transfer-Encoding, two lengths) is an error,
 * never a guess.
 *
 * Ownership: the header array comes from the arena given to the parse
 * call; every slice points into the caller's input buffer, which the caller
 * keeps unchanged for as long as it uses the response. */
#ifndef IFRIT_HTTP_RESPONSE_PARSER_H
#define IFRIT_HTTP_RESPONSE_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "http/message.h"

#define HTTP_RESP_MAX_STATUS_LINE 4096   /* bytes without CRLF */
#define HTTP_RESP_MAX_FIELD_SECTION 65536
#define HTTP_RESP_MAX_FIELDS 200

typedef enum {
    HTTP_RESP_INCOMPLETE,   /* need more bytes */
    HTTP_RESP_COMPLETE,     /* *out is filled; the head is out->head_len bytes */
    HTTP_RESP_ERROR         /* reason says why (static text for the log) */
} http_resp_status_t;

typedef struct {
    size_t scanned;        /* input bytes examined so far */
    size_t line_start;     /* offset of the line being scanned */
    size_t fields_start;   /* offset after the status line; 0 = not seen yet */
    uint32_t fields;       /* field lines seen */
    bool head_request;     /* the request was HEAD: no body follows */
    const char *reason;    /* on HTTP_RESP_ERROR */
} http_resp_parser_t;

typedef struct {
    int status;                   /* 100..999 */
    uint8_t version_minor;        /* HTTP/1.x */
    http_headers_t headers;       /* all fields as received, framing ones included */
    http_body_kind_t body_kind;   /* NONE for HEAD, 1xx, 204, 304 */
    uint64_t content_length;      /* when body_kind == HTTP_BODY_LENGTH */
    bool keep_alive;              /* the connection may carry another request after the body */
    size_t head_len;              /* bytes of the head, including the empty line */
} http_upstream_response_t;

/* head_request: the request this answers was HEAD (the response then has
 * no body whatever its fields say). */
void http_resp_parser_init(http_resp_parser_t *p, bool head_request);

/* Looks at buf[0..len), which starts with the same bytes as in previous
 * calls. On COMPLETE, *out is filled (headers allocated from a). */
http_resp_status_t http_resp_parse(http_resp_parser_t *p, const char *buf, size_t len,
                                   ifr_arena_t *a, http_upstream_response_t *out);

/* After the caller copied the head from `from` to `to` (head_len bytes):
 * points every slice of r into the copy. */
void http_resp_rebase(http_upstream_response_t *r, const char *from, const char *to);

#endif
