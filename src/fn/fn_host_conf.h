/* What a function's block grants its host calls (docs/functions.md, "Host
 * calls"): the capabilities of `permissions { ... }`, the outbound hosts of
 * `allow_host`, the KV namespace and the outbound limits. Filled by
 * fn_host_directive.c; everything is off by default. */
#ifndef IFRIT_FN_FN_HOST_CONF_H
#define IFRIT_FN_FN_HOST_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One bit per capability a permissions block can grant. */
enum {
    FN_PERM_KV_READ = 1u << 0,   /* host_kv_get, kv_get */
    FN_PERM_KV_WRITE = 1u << 1,  /* host_kv_set, kv_set, kv_delete */
    FN_PERM_MUTEX = 1u << 2,     /* host_mutex_lock/unlock, lock/unlock */
    FN_PERM_HTTP_GET = 1u << 3,  /* host_http_get, http_request with GET */
    FN_PERM_HTTP = 1u << 4,      /* http_request with any method (implies http_get) */
    FN_PERM_DB = 1u << 5,        /* host_db_query, db_query (needs db_driver and db_dsn) */
    FN_PERM_ENQUEUE = 1u << 6,   /* host_enqueue, enqueue, X-Gojinn-Async requests, job states */
    FN_PERM_AI = 1u << 7,        /* host_ask_ai, ai_ask (the ai_endpoint's host must be in allow_host) */
};

/* The keys a kv_read or kv_write grant covers: none listed means every
 * key; otherwise keys starting with one of them ("*" is every key). */
typedef struct {
    const char **prefixes;
    size_t count;
} fn_key_scope_t;

#define FN_HTTP_DEFAULT_TIMEOUT_NS (10LL * 1000000000LL)
#define FN_HTTP_DEFAULT_MAX_RESPONSE (1u << 20)
#define FN_HTTP_MAX_REQUEST_BODY (1u << 20)
/* A job of this function is tried again this many times after a failure
 * (Gojinn's MaxRetries), waiting attempts x retry_backoff before each. */
#define FN_JOB_DEFAULT_MAX_RETRIES 5u
#define FN_JOB_DEFAULT_BACKOFF_NS (1000000000LL)

typedef struct {
    unsigned perms;                 /* FN_PERM_* */
    fn_key_scope_t kv_read, kv_write;
    const char **allow_hosts;       /* "api.example.com", "*.example.com", "*" */
    size_t nallow_hosts;
    const char *kv_namespace;       /* NULL: the module's own (its absolute path) */
    const char *kv_url;             /* `kv redis://...`: the shared store; NULL: the embedded one */
    int64_t http_timeout_ns;        /* per outbound call, never past the request's deadline */
    uint64_t http_max_response;     /* response body bytes */
    const char *storage_path;       /* the plan's data directory (storage file_system), NULL: the default */
    const char *db_path;            /* db_driver sqlite's db_dsn, resolved; NULL: no database */
    bool db_sqlite;                 /* db_driver sqlite (or sqlite3, libsql) was given */
    bool db_postgres;               /* db_driver postgres (or postgresql, pgx) was given */
    const char *db_dsn;             /* db_dsn as written: libpq's conninfo for postgres */
    uint32_t max_retries;           /* its jobs' retries after a failure */
    int64_t retry_backoff_ns;       /* the wait before retry N is N times this */
    bool ai_ollama;                 /* ai_provider ollama (else openai): the answer's shapes it reads */
    const char *ai_endpoint;        /* NULL: the provider's default (fn_host_ai.c) */
    const char *ai_model;           /* NULL: gpt-3.5-turbo, Gojinn's default */
    const char *ai_token;           /* sent as "Authorization: Bearer", never logged; NULL: none */
} fn_host_config_t;

#endif
