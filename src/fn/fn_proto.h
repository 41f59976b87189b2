/* The two protocols between a request and a function, as pure functions
 * (unit-tested in tests/unit/fn/test_proto.c):
 *   cgi   CGI variables added to the guest's environment, and the
 *         Content-Type sniffed from its output;
 *   json  Gojinn's contract: the request as one JSON document on stdin,
 *         the response as one JSON document on stdout. */
#ifndef IFRIT_FN_FN_PROTO_H
#define IFRIT_FN_FN_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/str.h"
#include "http/message.h"
#include "route/exchange.h"

/* Calls add(ud, "NAME=value") for REQUEST_METHOD, REQUEST_URI, PATH_INFO,
 * QUERY_STRING, CONTENT_TYPE, CONTENT_LENGTH (body_len), REMOTE_ADDR,
 * REMOTE_PORT, SERVER_PROTOCOL, SERVER_PORT and one HTTP_NAME per request
 * header (repeated fields joined with ", "). Strings are arena memory.
 * -1 when the arena is exhausted or add fails. */
int fn_cgi_env(route_exchange_t *x, uint64_t body_len, int (*add)(void *ud, const char *kv), void *ud);

/* "application/json" for output that is a JSON object or array, else
 * "text/plain; charset=utf-8". complete says whether out is the whole
 * body (then it must parse as JSON; a prefix only has to start like it). */
ifr_str_t fn_sniff_content_type(ifr_str_t out, bool complete);

/* Go's canonical header spelling: "content-type" -> "Content-Type". */
void fn_canonical_header(char *name, size_t len);

/* {"method":..,"uri":..,"headers":{"Name":["v1","v2"]},"body":..} with
 * header names canonical and repeated fields grouped. -1 if b cannot grow. */
int fn_json_request(ifr_buf_t *b, ifr_arena_t *scratch, const http_request_t *req, ifr_str_t uri,
                    ifr_str_t body);

/* A decoded answer. Strings and headers live in the arena given. */
typedef struct {
    int status;              /* 200 when the document has none */
    http_headers_t headers;
    ifr_str_t body;
} fn_json_reply_t;

/* Decodes the guest's stdout. -1 with a sentence in why when it breaks the
 * contract (not JSON, not an object, status not an integer 100..599,
 * headers not an object of arrays of strings, body not a string). */
int fn_json_reply_parse(ifr_arena_t *a, ifr_str_t out, fn_json_reply_t *r, char *why, size_t size);

#endif
