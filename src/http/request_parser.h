/* A strict, sans-I/O HTTP/1.1 request head parser (RFC 9112).
 *
 * Two steps, so that bytes may arrive one at a time without rescanning and
 * without any allocation until the head is complete:
 *   1. http_head_scan() is fed the growing input buffer after each read. It
 *      remembers how far it looked, enforces the size limits as bytes
 *      arrive (414, 431) and refuses bare CR / bare LF (400). It reports
 *      COMPLETE with the head's byte range.
 *   2. http_request_parse() parses that complete head into an
 *      http_request_t: one arena array for all header fields, every string
 *      a slice of the head bytes (which the caller must keep alive as long
 *      as the request: the server copies the head into the exchange arena).
 *
 * Anything the parser refuses comes with the status to answer and a short
 * reason for the log; the server closes the connection after it. */
#ifndef IFRIT_HTTP_REQUEST_PARSER_H
#define IFRIT_HTTP_REQUEST_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "http/message.h"

#define HTTP_MAX_REQUEST_LINE 8192    /* bytes, without CRLF; longer: 414 */
#define HTTP_MAX_FIELD_SECTION 32768  /* bytes of all field lines; more: 431 */
#define HTTP_MAX_FIELDS 100           /* field lines; more: 431 */

typedef struct {
    int status;          /* 400, 414, 431, 417, 501, 505 */
    const char *reason;  /* static text for the log */
} http_parse_error_t;

typedef enum {
    HTTP_HEAD_INCOMPLETE,  /* need more bytes */
    HTTP_HEAD_COMPLETE,    /* head_start..head_end holds the whole head */
    HTTP_HEAD_ERROR        /* err says which status to answer */
} http_head_status_t;

typedef struct {
    size_t scanned;       /* input bytes examined so far */
    size_t line_start;    /* offset of the line being scanned */
    size_t head_start;    /* offset of the request line (after ignored empty lines) */
    size_t fields_start;  /* offset after the request line; 0 = not seen yet */
    size_t head_end;      /* on COMPLETE: offset just past the empty line */
    uint32_t fields;      /* field lines seen */
    /* Caddy's max_header_size: the most bytes of the head, from its
     * request line to the end of its empty line (more: 431). 0: the
     * separate limits above. Set after http_head_scan_init. */
    size_t max_head;
    http_parse_error_t err;
} http_head_scanner_t;

/* Clears *s, max_head too. */
void http_head_scan_init(http_head_scanner_t *s);

/* Looks at buf[0..len), which must start with the same bytes as in the
 * previous calls (the caller appends; it may not consume until COMPLETE). */
http_head_status_t http_head_scan(http_head_scanner_t *s, const char *buf, size_t len);

/* Parses a complete head (request line, fields, empty line) into *req,
 * which it fully initialises. Returns 0, or -1 with *err filled. The header
 * array comes from a (one allocation); slices point into head. */
int http_request_parse(http_request_t *req, const char *head, size_t len, ifr_arena_t *a,
                       http_parse_error_t *err);

#endif
