/* What a function's host calls reach outside its sandbox: the KV store
 * (values and locks) and outbound HTTP. Both are native (SQLite, sockets,
 * TLS), so src/fn defines this small interface and the native server
 * fills it at start-up (src/server/srv_fnhost_kv.c, srv_fnhost_http.c),
 * as route's codec.h and fs.h are filled. A build without a backend (the
 * edge) refuses at load a function whose block grants a capability the
 * backend would serve.
 *
 * Threads: every function here may be called from any worker thread at
 * once. The KV calls return in microseconds (an embedded store) and run on
 * the worker; http_fetch blocks for up to its timeout and runs only on a
 * helper thread (route_io_t.offload), never on a worker's loop. */
#ifndef IFRIT_FN_FN_HOST_H
#define IFRIT_FN_FN_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/str.h"
#include "route/exchange.h"

/* The error codes of ifrit's own host module (include/ifrit_host.h has
 * the same values for guests): name, value, sentence. */
#define FN_HOST_ERRORS(X)                                                                     \
    X(OK, 0, "success")                                                                        \
    X(NOT_FOUND, 1, "no such key")                                                             \
    X(DENIED, 2, "the function's permissions do not grant this call")                         \
    X(TOO_LARGE, 3, "a key, value or request is over its limit")                              \
    X(BUFFER_TOO_SMALL, 4, "the buffer is smaller than the value; the length says how large") \
    X(INVALID, 5, "an argument is malformed (an empty key, a bad URL or header)")             \
    X(UNAVAILABLE, 6, "the store or the helper threads failed; see the server log")           \
    X(BLOCKED, 7, "the address is loopback, link-local or private and allow_host does not name the host") \
    X(TIMEOUT, 8, "the outbound call did not finish within its timeout")                      \
    X(BUSY, 9, "the lock is held")                                                             \
    X(NETWORK, 10, "the connection or the TLS handshake failed, or the peer broke HTTP")      \
    X(RESPONSE_TOO_LARGE, 11, "the response is larger than http_max_response")                \
    X(NO_RESPONSE, 12, "no outbound response (or query result) is held")                    \
    X(QUERY, 13, "the database refused the query; see the server log")                     \
    X(BAD_ANSWER, 14, "the AI endpoint answered an error status or a reply without a completion")

typedef enum {
#define FN_HOST_ENUM(name, value, text) FN_HOST_E_##name = value,
    FN_HOST_ERRORS(FN_HOST_ENUM)
#undef FN_HOST_ENUM
} fn_host_error_t;

/* "NOT_FOUND", or "?" for an unknown value. */
const char *fn_host_error_name(int e);

/* Limits of the KV store (docs/functions.md, "Limits"). */
#define FN_KV_MAX_KEY 1024u
#define FN_KV_MAX_VALUE (1u << 20)

typedef struct fn_kv_store fn_kv_store_t;   /* the backend's */

/* A KV call on a shared store (`kv redis://HOST:PORT/DB`): the store
 * answers over the network, so the guest is suspended while it waits
 * (fn_host_call.h) and the backend fills the out fields. One block in
 * the exchange's arena: data holds the namespace, the key, the lock
 * owner's token, then the value (a set) or room for value_len bytes of it
 * (a get). */
typedef struct fn_kv_remote fn_kv_remote_t;   /* the backend's */
typedef enum { FN_KV_OP_GET, FN_KV_OP_SET, FN_KV_OP_DELETE, FN_KV_OP_LOCK, FN_KV_OP_UNLOCK } fn_kv_op_t;
typedef struct {
    /* in */
    fn_kv_remote_t *store;
    fn_kv_op_t op;
    int64_t ttl_ms;              /* set and lock: 0 none */
    uint32_t ns_len, key_len, owner_len;
    uint64_t value_len;          /* set: the value's bytes; get: the room for them */
    /* out */
    int rc;                      /* 1 found (get) or done, 0 absent (get, delete), held (lock) or
                                    not held (unlock), -1 failed */
    uint64_t len;                /* get: the value's whole length */
    char detail[200];            /* why it failed (rc -1), for the log */
    void *inflight;              /* the backend's, while the call waits */
    unsigned char data[];
} fn_kv_job_t;

/* `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]` (port 6379 and database
 * 0 by default; USER and PASSWORD percent-encoded; no query or fragment):
 * 0, or -1 with a sentence in why (which never repeats the password). */
typedef struct {
    char host[256];              /* a name or an address (an IPv6 one without its brackets) */
    unsigned port, db;
    bool auth;                   /* AUTH [user] password before anything else */
    char user[128];              /* decoded; "" for AUTH with the password alone */
    char password[256];          /* decoded */
    size_t password_len;         /* it may hold any byte but NUL */
    char shown[300];             /* redis://HOST:PORT/DB, for log lines: no credentials */
} fn_kv_url_t;
int fn_kv_url_parse(ifr_str_t url, fn_kv_url_t *u, char *why, size_t size);

static inline unsigned char *fn_kv_job_ns(fn_kv_job_t *j) { return j->data; }
static inline unsigned char *fn_kv_job_key(fn_kv_job_t *j) { return j->data + j->ns_len; }
static inline unsigned char *fn_kv_job_owner(fn_kv_job_t *j) { return fn_kv_job_key(j) + j->key_len; }
static inline unsigned char *fn_kv_job_value(fn_kv_job_t *j) { return fn_kv_job_owner(j) + j->owner_len; }

/* One outbound request and, when it is done, its response: one
 * self-contained block (no pointers), as route_io_t.offload needs, so the
 * helper thread touches nothing the exchange owns. data holds the
 * request's method, URL, host, header lines ("Name: value\r\n" each) and
 * body one after the other, then room for the response: its header lines
 * (FN_HTTP_MAX_RESPONSE_HEADERS) and its body (max_body). */
#define FN_HTTP_MAX_RESPONSE_HEADERS (64u * 1024)
typedef struct {
    /* in */
    int64_t timeout_ms;          /* the whole exchange, connect to last byte */
    uint64_t max_body;           /* response body bytes kept */
    bool truncate;               /* over max_body: keep the first max_body (Gojinn's form), else an error */
    bool allow_private;          /* allow_host names this host: private addresses allowed */
    uint32_t method_len, url_len, host_len, headers_len;
    uint64_t body_len;
    /* out */
    int error;                   /* FN_HOST_E_* */
    int status;                  /* the response's, when error is 0 */
    uint32_t resp_headers_len;
    uint64_t resp_body_len;
    char detail[200];            /* why it failed, for the log */
    unsigned char data[];
} fn_http_job_t;

/* Where each part of a job sits in data. */
static inline unsigned char *fn_http_job_method(fn_http_job_t *j) { return j->data; }
static inline unsigned char *fn_http_job_url(fn_http_job_t *j) { return j->data + j->method_len; }
static inline unsigned char *fn_http_job_host(fn_http_job_t *j) { return fn_http_job_url(j) + j->url_len; }
static inline unsigned char *fn_http_job_headers(fn_http_job_t *j) { return fn_http_job_host(j) + j->host_len; }
static inline unsigned char *fn_http_job_body(fn_http_job_t *j) { return fn_http_job_headers(j) + j->headers_len; }
static inline unsigned char *fn_http_job_resp_headers(fn_http_job_t *j) { return fn_http_job_body(j) + j->body_len; }
static inline unsigned char *fn_http_job_resp_body(fn_http_job_t *j)
{
    return fn_http_job_resp_headers(j) + FN_HTTP_MAX_RESPONSE_HEADERS;
}

/* One database query and, when it is done, its rows as JSON: one
 * self-contained block like fn_http_job_t (db or pg is the backend's,
 * alive as long as the process). data holds the SQL, the parameters (a
 * JSON array, or nothing), then room for the result (max_result bytes). */
#define FN_DB_MAX_RESULT (1u << 20)
typedef struct fn_db fn_db_t;
typedef struct fn_pg fn_pg_t;
typedef struct {
    fn_db_t *db;                 /* an SQLite database, run on a helper thread */
    fn_pg_t *pg;                 /* or a PostgreSQL one, run on the loop (db_start) */
    void *inflight;              /* the backend's, while a PostgreSQL query waits */
    uint32_t sql_len, params_len;
    uint64_t max_result;
    bool truncate;               /* over max_result: keep the first bytes (Gojinn's form), else an error */
    int error;                   /* FN_HOST_E_* */
    uint64_t result_len;
    char detail[200];
    unsigned char data[];
} fn_db_job_t;

static inline unsigned char *fn_db_job_result(fn_db_job_t *j) { return j->data + j->sql_len + j->params_len; }

/* A job (docs/functions.md, "Jobs"): a request with no client, for the
 * function loaded from path, kept in the data directory until it ran.
 * headers are "Name: value\r\n" lines. An id is FN_JOB_ID_LEN hex
 * digits, random. */
#define FN_JOB_ID_LEN 32
#define FN_JOB_MAX_PAYLOAD (1u << 20)
typedef struct {
    ifr_str_t function;          /* the module's path, as its config resolved it */
    uint32_t ordinal;            /* which of the functions loaded from that file (0: the first) */
    ifr_str_t method, uri, headers, body;
    uint32_t max_retries;        /* the function's max_retries */
    int64_t backoff_ms;          /* its retry_backoff */
} fn_job_request_t;

/* How a job's run ended: the status the function answered (0: it could
 * not run; 500 and up: it failed, trapped or timed out) and why, for the
 * job's state and the log. */
typedef struct {
    int status;
    char detail[200];
} fn_job_outcome_t;

struct route_plan;
/* Runs a job with the function plan loaded from job->function, to its
 * end, on the calling thread (a host's job thread: no loop, so sleeps and
 * outbound calls block it, never a worker). plan is held by the caller. */
void fn_job_run(struct route_plan *plan, const fn_job_request_t *job, const char *id, fn_job_outcome_t *out);

/* The cron schedules of plan (its wasm blocks' cron lines), in load
 * order. */
size_t fn_cron_count(struct route_plan *plan);
/* Schedule i of plan: the job it queues each time (Gojinn's cron event
 * as its body) in *job, the data directory of its jobs in *storage, its
 * schedule as written in *spec (all the plan's memory); returns the first
 * time after after_ms (ms since the epoch) it fires, -1 never (or no
 * schedule i). */
int64_t fn_cron_at(struct route_plan *plan, size_t i, int64_t after_ms, fn_job_request_t *job, const char **storage,
                   const char **spec);

typedef struct {
    /* The store in the data directory storage_path (NULL: the default
     * one), opened once per process and shared by every function and
     * reload. NULL with a sentence in why. */
    fn_kv_store_t *(*kv_open)(const char *storage_path, char *why, size_t size);
    /* The namespace of a function without kv_namespace, malloc'd: "fn:"
     * and its module's absolute path (stable across reloads, restarts and
     * working directories). NULL when out of memory. */
    char *(*kv_default_namespace)(const char *module_path);
    /* 1: found; min(value length, cap) bytes copied to out, *len = the
     * value's length. 0: absent or expired. -1: the store failed (the
     * backend logs why). */
    int (*kv_get)(fn_kv_store_t *s, ifr_str_t ns, ifr_str_t key, void *out, size_t cap, size_t *len);
    /* ttl_ms 0: kept until replaced or deleted. 0, or -1 (logged). */
    int (*kv_set)(fn_kv_store_t *s, ifr_str_t ns, ifr_str_t key, ifr_str_t value, int64_t ttl_ms);
    /* 1 deleted, 0 absent, -1 failed. */
    int (*kv_delete)(fn_kv_store_t *s, ifr_str_t ns, ifr_str_t key);
    /* Never waits: 1 taken, 0 held (and not expired), -1 failed. ttl_ms 0:
     * held until unlocked. */
    int (*lock)(fn_kv_store_t *s, ifr_str_t ns, ifr_str_t key, int64_t ttl_ms);
    /* 1 released, 0 not held, -1 failed. */
    int (*unlock)(fn_kv_store_t *s, ifr_str_t ns, ifr_str_t key);
    /* The shared store at url (`redis://HOST[:PORT][/DB]`, checked by the
     * config), opened once per process (its host resolved now, at load).
     * NULL with a sentence in why. */
    fn_kv_remote_t *(*kv_remote_open)(const char *url, char *why, size_t size);
    /* Starts job for the exchange x, from x's thread. 0: it waits, and
     * done(x, ud) runs from x's loop once the out fields are filled. 1:
     * it finished already (it failed at once, or x has no loop, as a
     * job's run: then it blocked until answered). */
    int (*kv_remote_start)(route_exchange_t *x, fn_kv_job_t *job, route_resume_cb done, void *ud);
    /* The exchange of a waiting job ends: its answer is dropped unread and
     * done is never called. */
    void (*kv_remote_cancel)(fn_kv_job_t *job);
    /* Performs the job (blocking; helper threads only) and fills its out
     * fields. */
    void (*http_fetch)(fn_http_job_t *job);
    /* The SQLite database at path (made when absent), opened once per
     * process. NULL with a sentence in why. */
    fn_db_t *(*db_open)(const char *path, char *why, size_t size);
    /* Runs the job's one statement with its parameters bound (helper
     * threads only): the rows as a JSON array of objects, one member per
     * column in column order. */
    void (*db_query)(fn_db_job_t *job);
    /* The PostgreSQL database of dsn (libpq's: key=value pairs or a
     * postgres:// URL), one per dsn and process; no connection is made
     * yet. NULL with a sentence in why. */
    fn_pg_t *(*pg_open)(const char *dsn, char *why, size_t size);
    /* Starts a query on job->pg for the exchange x, as kv_remote_start
     * (0: done(x, ud) from the loop later; 1: finished, or blocked where
     * x's thread has no loop), and drops a waiting one's answer. */
    int (*db_start)(route_exchange_t *x, fn_db_job_t *job, route_resume_cb done, void *ud);
    void (*db_cancel)(fn_db_job_t *job);
    /* The jobs file of the data directory storage_path, opened once per
     * process (at load, so a function granted enqueue fails there if it
     * cannot be): 0, or -1 with a sentence in why. */
    int (*jobs_open)(const char *storage_path, char *why, size_t size);
    /* Queues job durably (committed before it returns): 0 with its id in
     * id (FN_JOB_ID_LEN digits and a NUL), or -1 with why. */
    int (*job_enqueue)(const char *storage_path, const fn_job_request_t *job, char *id, char *why, size_t size);
    /* The job's state as a JSON object in out (cap bytes): 1 (*len its
     * length), 0 no such job, -1 failed (logged). */
    int (*job_state)(const char *storage_path, ifr_str_t id, char *out, size_t cap, size_t *len);
    /* Whether sig (64 bytes) is key's (32 bytes) Ed25519 signature of msg. */
    bool (*verify_ed25519)(const uint8_t *key, const uint8_t *msg, size_t len, const uint8_t *sig);
} fn_host_backend_t;

/* Once, at start-up, before a plan is loaded. */
void fn_host_backend_register(const fn_host_backend_t *b);
/* NULL when none was registered. */
const fn_host_backend_t *fn_host_backend(void);

/* Whether an outbound call may reach ip (4 bytes IPv4 or 16 bytes IPv6,
 * network order) without allow_host naming its host: false for
 * unspecified, loopback, private, shared (100.64/10), link-local,
 * multicast, benchmarking, documentation and reserved ranges, also inside
 * the IPv4-mapped, IPv4-compatible, NAT64 and 6to4 IPv6 forms. */
bool fn_host_ip_is_public(const uint8_t *ip, size_t len);

#endif
