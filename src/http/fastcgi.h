/* FastCGI 1.0 from the web server's side (the Responder role), sans-I/O:
 * the records a server writes to an application such as php-fpm, a
 * reader for the records it answers with, and the CGI head that starts
 * its standard output.
 *
 * A record is an 8-byte header (version 1, type, request id, content
 * length, padding length, a reserved byte), up to 65535 content bytes and
 * up to 255 padding bytes. A request is BEGIN_REQUEST, the PARAMS stream
 * (name-value pairs, ended by an empty PARAMS record), the STDIN stream
 * (the request body, ended by an empty STDIN record); the application
 * answers with STDOUT and STDERR streams and one END_REQUEST.
 *
 * The reader trusts nothing: another version, another request id, a
 * record type an application may not send, a malformed END_REQUEST or
 * stream data after its end is an error naming what came, never a guess
 * (the caller answers 502 and closes the connection). Content is handed
 * out as it arrives, so nothing here holds a whole record.
 *
 * Ownership: writers append to the caller's buffer; the reader's slices
 * point into the caller's input; http_fcgi_head's headers come from the
 * arena given and point into its input. */
#ifndef IFRIT_HTTP_FASTCGI_H
#define IFRIT_HTTP_FASTCGI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "http/response_parser.h"

#define HTTP_FCGI_HEADER_LEN 8
#define HTTP_FCGI_MAX_CONTENT 65535

/* Record types (FastCGI 1.0, section 8). */
enum {
    HTTP_FCGI_BEGIN_REQUEST = 1,
    HTTP_FCGI_ABORT_REQUEST = 2,
    HTTP_FCGI_END_REQUEST = 3,
    HTTP_FCGI_PARAMS = 4,
    HTTP_FCGI_STDIN = 5,
    HTTP_FCGI_STDOUT = 6,
    HTTP_FCGI_STDERR = 7,
    HTTP_FCGI_DATA = 8,
    HTTP_FCGI_GET_VALUES = 9,
    HTTP_FCGI_GET_VALUES_RESULT = 10,
    HTTP_FCGI_UNKNOWN_TYPE = 11,
};

/* END_REQUEST's protocolStatus. */
enum {
    HTTP_FCGI_REQUEST_COMPLETE = 0,
    HTTP_FCGI_CANT_MPX_CONN = 1,
    HTTP_FCGI_OVERLOADED = 2,
    HTTP_FCGI_UNKNOWN_ROLE = 3,
};

/* BEGIN_REQUEST for the Responder role; keep_conn asks the application
 * to keep the connection open after END_REQUEST. -1 out of memory. */
int http_fcgi_begin_request(ifr_buf_t *b, uint16_t id, bool keep_conn);

/* Appends one name-value pair (not framed: the content of PARAMS
 * records). Lengths below 128 take one byte, others four; a name or a
 * value longer than 2^31-1 bytes is refused (-1), as is out of memory. */
int http_fcgi_pair(ifr_buf_t *b, ifr_str_t name, ifr_str_t value);

/* Frames len bytes of a stream (PARAMS, STDIN) as records of at most
 * HTTP_FCGI_MAX_CONTENT bytes, padded to a multiple of 8 as the
 * specification recommends; len 0 is the empty record that ends the
 * stream. -1 out of memory. */
int http_fcgi_stream(ifr_buf_t *b, uint8_t type, uint16_t id, const void *data, size_t len);

/* The bytes http_fcgi_stream adds around len bytes of content. */
size_t http_fcgi_stream_overhead(size_t len);

typedef enum {
    HTTP_FCGI_AGAIN,    /* all input used; more is needed */
    HTTP_FCGI_STDOUT_DATA, /* *out: standard output bytes */
    HTTP_FCGI_STDERR_DATA, /* *out: standard error bytes */
    HTTP_FCGI_STDOUT_END,  /* the empty record that ends standard output */
    HTTP_FCGI_END,      /* END_REQUEST: app_status, protocol_status are set */
    HTTP_FCGI_ERROR,    /* error says why (static text) */
} http_fcgi_event_t;

typedef struct {
    uint16_t id;              /* the request id expected */
    uint8_t head[HTTP_FCGI_HEADER_LEN];
    uint8_t head_len;         /* header bytes gathered */
    uint8_t type;             /* of the record being read */
    uint32_t content_left;    /* its content bytes still to come */
    uint8_t padding_left;
    uint8_t end_body[8];      /* END_REQUEST's content, gathered */
    uint8_t end_len;
    bool stdout_ended, stderr_ended, ended;
    uint32_t app_status;
    uint8_t protocol_status;
    const char *error;
} http_fcgi_reader_t;

void http_fcgi_reader_init(http_fcgi_reader_t *r, uint16_t id);

/* Reads from data[0..len): returns the next event, *used bytes consumed
 * (the rest is for the next call). Call again while it returns data
 * events; AGAIN means every byte given was used. After END, bytes left
 * over are not part of this request (a connection with any is not
 * reusable); after ERROR, the reader stays in error. */
http_fcgi_event_t http_fcgi_read(http_fcgi_reader_t *r, const void *data, size_t len, size_t *used, ifr_str_t *out);

/* The CGI head at the start of standard output (RFC 3875 section 6):
 * header lines ended by LF or CRLF, then an empty line. */
#define HTTP_FCGI_HEAD_MAX 65536    /* bytes, as an HTTP field section */
#define HTTP_FCGI_HEAD_FIELDS 200

typedef enum { HTTP_FCGI_HEAD_AGAIN, HTTP_FCGI_HEAD_DONE, HTTP_FCGI_HEAD_ERROR } http_fcgi_head_status_t;

/* Looks for a whole head in buf[0..len) (the standard output gathered so
 * far). DONE fills *out: status from Status (200 without one; 302 for a
 * Location alone, RFC 3875's client redirect), the fields in order (Status
 * among them: Caddy passes it on), body_kind LENGTH with Content-Length, else
 * UNTIL_CLOSE (the body ends with standard output), NONE for HEAD, 1xx,
 * 204 and 304; head_len is the head's size with its empty line. AGAIN
 * with more needed (ERROR past HTTP_FCGI_HEAD_MAX); ERROR with *why for a
 * malformed line, a bad Status, two Content-Lengths or a
 * Transfer-Encoding (a CGI body is never framed). */
http_fcgi_head_status_t http_fcgi_head(const char *buf, size_t len, bool head_request, ifr_arena_t *a,
                                       http_upstream_response_t *out, const char **why);

#endif
