/* ifrit's host module for functions (`wasm` directive): the guest side of
 * the "ifrit_host" imports, for functions written in C and compiled with
 * clang for wasm32-wasi as commands:
 *
 *   clang --target=wasm32-wasi -O2 -I include fn.c -o fn.wasm
 *
 * Each call is allowed only when the function's block grants it
 * (`permissions { kv_read kv_write mutex http_get http db enqueue ai }`, `allow_host`;
 * docs/functions.md, "Host calls"); a denied call returns
 * IFRIT_HOST_DENIED and the server logs a line.
 *
 * Conventions:
 * - Strings and bytes are (pointer, length) pairs; nothing is
 *   NUL-terminated.
 * - Calls return 0 (IFRIT_HOST_OK) or one of the codes below.
 * - A call that fills a buffer writes the full length to *len. When the
 *   buffer is smaller it returns IFRIT_HOST_BUFFER_TOO_SMALL (the buffer
 *   holds the first cap bytes): call with cap 0 to learn the size, then
 *   with a buffer that large.
 * - A pointer/length outside the guest's memory traps the call (the
 *   request gets 500).
 * - An outbound call suspends the guest until its response is in; the
 *   server serves other requests meanwhile. */
#ifndef IFRIT_HOST_H
#define IFRIT_HOST_H

#include <stdint.h>

enum {
    IFRIT_HOST_OK = 0,
    IFRIT_HOST_NOT_FOUND = 1,          /* no such key (or it expired); unlock of a lock not held */
    IFRIT_HOST_DENIED = 2,             /* the function's permissions do not grant this call */
    IFRIT_HOST_TOO_LARGE = 3,          /* a key over 1024 bytes, a value over 1 MiB, a request body over 1 MiB */
    IFRIT_HOST_BUFFER_TOO_SMALL = 4,   /* *len says how large the buffer must be */
    IFRIT_HOST_INVALID = 5,            /* an empty key, a bad URL, method or header line */
    IFRIT_HOST_UNAVAILABLE = 6,        /* the store or the helper threads failed (see the log) */
    IFRIT_HOST_BLOCKED = 7,            /* a loopback, link-local or private address allow_host does not name */
    IFRIT_HOST_TIMEOUT = 8,            /* no complete response within http_timeout */
    IFRIT_HOST_BUSY = 9,               /* the lock is held */
    IFRIT_HOST_NETWORK = 10,           /* connection, TLS or HTTP failure */
    IFRIT_HOST_RESPONSE_TOO_LARGE = 11, /* the body is over http_max_response */
    IFRIT_HOST_NO_RESPONSE = 12,       /* http_headers/http_body (db_result) with no response (result) held */
    IFRIT_HOST_QUERY = 13,             /* the database refused the query (the log says why) */
    IFRIT_HOST_BAD_ANSWER = 14,        /* the AI endpoint answered an error status, or no completion */
};

enum { IFRIT_HOST_LOG_DEBUG = 0, IFRIT_HOST_LOG_INFO = 1, IFRIT_HOST_LOG_WARN = 2, IFRIT_HOST_LOG_ERROR = 3 };

#ifdef __wasm__
#define IFRIT_HOST_IMPORT(n) __attribute__((import_module("ifrit_host"), import_name(n)))
#else   /* a native build (a tool reading the codes) sees plain declarations */
#define IFRIT_HOST_IMPORT(n)
#endif

/* A line in the server log, tagged with the function and the request. */
IFRIT_HOST_IMPORT("log") void ifrit_host_log(int32_t level, const char *msg, uint32_t len);

/* The KV store (kv_read / kv_write), namespaced per function unless the
 * block sets kv_namespace. ttl_ms 0: kept until replaced or deleted. */
IFRIT_HOST_IMPORT("kv_get")
int32_t ifrit_kv_get(const char *key, uint32_t key_len, void *out, uint32_t cap, uint32_t *len);
IFRIT_HOST_IMPORT("kv_set")
int32_t ifrit_kv_set(const char *key, uint32_t key_len, const void *value, uint32_t value_len, int64_t ttl_ms);
IFRIT_HOST_IMPORT("kv_delete") int32_t ifrit_kv_delete(const char *key, uint32_t key_len);

/* Locks on the KV store (mutex): never waits; IFRIT_HOST_BUSY when held.
 * A lock expires after ttl_ms (0: held until unlocked). */
IFRIT_HOST_IMPORT("lock") int32_t ifrit_lock(const char *key, uint32_t key_len, int64_t ttl_ms);
IFRIT_HOST_IMPORT("unlock") int32_t ifrit_unlock(const char *key, uint32_t key_len);

/* An outbound request (http_get for GET, http for any method; the host
 * must be named by allow_host). headers: "Name: value" lines separated by
 * "\n" or "\r\n" (Host, Content-Length, Transfer-Encoding and Connection
 * are ifrit's). Redirects are not followed. On IFRIT_HOST_OK the response
 * is held until the next http_request: read it with the three below. */
IFRIT_HOST_IMPORT("http_request")
int32_t ifrit_http_request(const char *method, uint32_t method_len, const char *url, uint32_t url_len,
                           const char *headers, uint32_t headers_len, const void *body, uint32_t body_len);
/* The held response's status, or 0 when none is held. */
IFRIT_HOST_IMPORT("http_status") int32_t ifrit_http_status(void);
/* Its header fields as "Name: value\r\n" lines. */
IFRIT_HOST_IMPORT("http_headers") int32_t ifrit_http_headers(char *out, uint32_t cap, uint32_t *len);
IFRIT_HOST_IMPORT("http_body") int32_t ifrit_http_body(void *out, uint32_t cap, uint32_t *len);

/* One SQL statement on the function's database (db, with db_driver sqlite
 * and db_dsn), params a JSON array bound to ?1, ?2, ... (null, true/false,
 * numbers, strings; empty: none). On IFRIT_HOST_OK the rows are held,
 * until the next query, as a JSON array of objects (one member per
 * column, in column order): read them with db_result. The guest waits
 * while the query runs; the server does not. */
IFRIT_HOST_IMPORT("db_query")
int32_t ifrit_db_query(const char *sql, uint32_t sql_len, const char *params, uint32_t params_len);
IFRIT_HOST_IMPORT("db_result") int32_t ifrit_db_result(char *out, uint32_t cap, uint32_t *len);

/* Jobs (permission enqueue): queues payload for the function name
 * designates (its module path, or the end of it: "worker.wasm") in this
 * configuration; it runs later with payload on stdin, with no client.
 * On IFRIT_HOST_OK the job's id (32 hex digits, no NUL) is at id_out; a
 * GET of .../_sys/jobs/ID on a function granted enqueue tells its state.
 * IFRIT_HOST_INVALID: no such function (or more than one); TOO_LARGE: a
 * payload over 1 MiB. */
IFRIT_HOST_IMPORT("enqueue")
int32_t ifrit_enqueue(const char *name, uint32_t name_len, const char *payload, uint32_t payload_len, char *id_out);

/* A chat completion (permission ai; the block's ai_provider, ai_endpoint,
 * ai_model and ai_token, and allow_host naming the endpoint's host): the
 * prompt goes as the one user message. On IFRIT_HOST_OK the answer's text
 * (the completion's message content) is held until the next outbound
 * call: read it with ai_answer (cap 0 first to learn its size).
 * IFRIT_HOST_BAD_ANSWER: an error status, or a reply that is not a
 * completion (the log says which). */
IFRIT_HOST_IMPORT("ai_ask") int32_t ifrit_ai_ask(const char *prompt, uint32_t prompt_len);
/* The held answer; IFRIT_HOST_NO_RESPONSE when none is held. */
IFRIT_HOST_IMPORT("ai_answer") int32_t ifrit_ai_answer(char *out, uint32_t cap, uint32_t *len);

#endif
