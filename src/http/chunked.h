/* The chunked transfer coding (RFC 9112 section 7.1), sans-I/O.
 *
 * Decoding: feed whatever bytes arrived; the decoder hands back the data
 * parts as slices of the input (no copy) and remembers where it is in the
 * framing, so a body may arrive one byte at a time. Chunk extensions are
 * checked and ignored. Trailer fields are checked as header fields are (a
 * token name, a colon, a value without control bytes, CRLF; no obs-fold, no
 * bare CR) and limited; they are dropped unless the caller sets
 * keep_trailers, which hands them back as raw bytes (HTTP_CHUNKED_TRAILER)
 * for http_chunked_trailers to split into fields.
 *
 * Encoding: a chunk is http_chunk_head(n), the n bytes, then CRLF; the body
 * ends with HTTP_CHUNKED_LAST. */
#ifndef IFRIT_HTTP_CHUNKED_H
#define IFRIT_HTTP_CHUNKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/str.h"
#include "http/message.h"

/* The trailer limits stay well inside a header section's (the response
 * parser allows 64 KiB and 200 fields): a trailer section is rarer and
 * smaller, and a caller keeping one needs room for all of it. */
#define HTTP_CHUNK_LINE_MAX 4096      /* size line with extensions */
#define HTTP_CHUNK_TRAILER_MAX 8192   /* bytes of all trailer lines, CRLFs included */
#define HTTP_CHUNK_TRAILER_FIELDS 32

typedef enum {
    HTTP_CHUNKED_AGAIN,  /* all input consumed, need more */
    HTTP_CHUNKED_DATA,   /* *data holds body bytes (a slice of the input) */
    HTTP_CHUNKED_TRAILER,/* keep_trailers: *data holds trailer bytes (a slice
                            of the input): whole "name: value\r\n" lines once
                            all pieces are put together, in order */
    HTTP_CHUNKED_END,    /* the last chunk and trailers were read */
    HTTP_CHUNKED_ERROR   /* malformed: answer 400 and close */
} http_chunked_status_t;

typedef struct {
    uint8_t state;
    uint8_t size_digits;      /* significant hex digits of the size (leading zeros not counted) */
    bool size_seen;           /* the size line has a digit */
    uint8_t in_name;          /* inside a trailer field name */
    bool keep_trailers;       /* set after init: report trailer bytes */
    uint64_t remaining;       /* data bytes left in the current chunk */
    uint32_t line_bytes;      /* bytes of the current size line */
    uint32_t trailer_bytes;
    uint32_t trailer_fields;
    const char *error;        /* static reason on HTTP_CHUNKED_ERROR */
} http_chunked_decoder_t;

void http_chunked_decoder_init(http_chunked_decoder_t *d);

/* Decodes from in[0..len). *consumed says how many input bytes were used
 * (the caller drops them); call again with the rest until AGAIN or END. */
http_chunked_status_t http_chunked_decode(http_chunked_decoder_t *d, const char *in, size_t len,
                                          size_t *consumed, ifr_str_t *data);

/* Splits a trailer section kept from HTTP_CHUNKED_TRAILER pieces (at most
 * HTTP_CHUNK_TRAILER_MAX bytes, already checked by the decoder) into fields
 * appended to *out; names and values are slices of raw, which must outlive
 * them. 0, or -1 when raw is not such a section or the arena is exhausted. */
int http_chunked_trailers(ifr_str_t raw, ifr_arena_t *a, http_headers_t *out);

/* Writes "<hex size>\r\n" into out (at least HTTP_CHUNK_HEAD_MAX bytes);
 * returns its length. */
#define HTTP_CHUNK_HEAD_MAX 20
size_t http_chunk_head(char *out, uint64_t n);

#define HTTP_CHUNKED_LAST "0\r\n\r\n"

#endif
