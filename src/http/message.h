/* The HTTP request and response model shared by the parser (src/http), the
 * router and handlers (src/route), the native server (src/server) and the
 * edge entry point (src/edge). Plain data: no sockets, no I/O.
 *
 * Ownership: every slice in a request or response points into memory owned
 * by the exchange's arena (or, for the request head, into the connection's
 * read buffer that the server keeps untouched until the exchange ends).
 * Nothing here is freed one piece at a time. */
#ifndef IFRIT_HTTP_MESSAGE_H
#define IFRIT_HTTP_MESSAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/str.h"

typedef struct {
    ifr_str_t name;    /* as received (case kept); compare with ifr_str_eq_nocase */
    ifr_str_t value;   /* leading/trailing whitespace removed */
} http_header_t;

/* A list of header fields in arrival order. items is arena memory. */
typedef struct {
    http_header_t *items;
    uint32_t count;
    uint32_t cap;
} http_headers_t;

typedef enum {
    HTTP_BODY_NONE,      /* no body (no Content-Length, no Transfer-Encoding) */
    HTTP_BODY_LENGTH,    /* Content-Length bytes follow */
    HTTP_BODY_CHUNKED,   /* Transfer-Encoding: chunked */
    HTTP_BODY_UNTIL_CLOSE /* responses only: body ends when the peer closes */
} http_body_kind_t;

typedef struct {
    ifr_str_t method;        /* "GET", case-sensitive as in RFC 9110 */
    ifr_str_t target;        /* the request-target as received */
    ifr_str_t path;          /* target up to '?', percent-encoding kept; may be rewritten */
    ifr_str_t query;         /* after '?', without it; empty if none */
    uint8_t version_major;   /* 1 (2 for HTTP/2 streams) */
    uint8_t version_minor;   /* 0 or 1 */
    http_headers_t headers;
    ifr_str_t host;          /* Host header value (or authority for HTTP/2) */
    http_body_kind_t body_kind;
    uint64_t content_length; /* when body_kind == HTTP_BODY_LENGTH */
    bool keep_alive;         /* the client allows reuse after this exchange */
    bool expect_continue;    /* Expect: 100-continue */
} http_request_t;

typedef struct {
    int status;              /* 0 until a handler decides */
    http_headers_t headers;
    /* Set by a handler that knows the body length up front; -1 = unknown
     * (the server then uses chunked encoding for HTTP/1.1 or closes for 1.0). */
    int64_t content_length;
} http_response_t;

/* Header list helpers. All allocate from the arena and return -1 on failure. */
int http_headers_add(http_headers_t *h, ifr_arena_t *a, ifr_str_t name, ifr_str_t value);
/* Replaces every field called name with one field (appends if absent). */
int http_headers_set(http_headers_t *h, ifr_arena_t *a, ifr_str_t name, ifr_str_t value);
/* Removes every field called name; returns how many were removed. */
uint32_t http_headers_remove(http_headers_t *h, ifr_str_t name);
/* The first field called name, or NULL. */
const http_header_t *http_headers_get(const http_headers_t *h, ifr_str_t name);

/* s without the blanks (SP, HTAB) around it. */
ifr_str_t http_trim_ows(ifr_str_t s);
/* Whether a comma-separated field value (Connection, Vary, TE, ...) has an
 * element equal to token, case-insensitively, ignoring the blanks around
 * elements. */
bool http_list_has(ifr_str_t list, ifr_str_t token);

/* The reason phrase for a status code ("Not Found"), "" if unknown. */
const char *http_status_reason(int status);

#endif
