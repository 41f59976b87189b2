/* Host calls inside src/fn: the state one request's host calls share, and
 * the host functions of the two import modules (Gojinn's `gojinn` and
 * ifrit's `ifrit_host`, docs/functions.md "Host calls").
 *
 * A host function finds its request through fn_host_current(): fn_run.c
 * sets it around every slice of the guest on this thread (a guest runs on
 * one worker thread, one slice at a time). While a function loads (its
 * snapshot run) there is no request, and every host call fails.
 *
 * A call that waits (outbound HTTP) prepares a job, records it here and
 * returns IW_HOST_SUSPEND; fn_run.c then hands the job to a helper thread
 * (fn_host_wait) and, when it is back on the worker's loop, resumes the
 * guest with the results (fn_host_take_results). */
#ifndef IFRIT_FN_FN_HOST_CALL_H
#define IFRIT_FN_FN_HOST_CALL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"
#include "fn/fn_call.h"
#include "fn/fn_host.h"

typedef struct fn_host_call {
    bool suspended;            /* the guest waits for pending: not started yet */
    bool ready;                /* results hold the suspended call's answer */
    uint64_t results[1];
    /* The job that waits: x->arena; offload copies it, work runs on a
     * helper thread, and the copy is written back. */
    void *pending;
    size_t pending_size;
    void (*work)(void *job);
    /* Or a job that waits on the loop (a shared KV store's call): start
     * begins it as route_io_t.offload would (0: it waits, and
     * fn_host_resume runs when it is done; 1: done already). Cleared when
     * fn_host_wait takes it. */
    int (*start)(fn_call_t *c);
    fn_http_job_t *job;        /* the last outbound call's job (reused when large enough) */
    size_t job_size;
    fn_db_job_t *db_job;       /* the last query's job, likewise */
    size_t db_job_size;
    /* Turns the finished job into the call's results (and guest memory). */
    void (*complete)(fn_call_t *c);
    route_resume_cb resume;    /* continues the guest once complete ran */
    /* Gojinn's host_http_get and host_ask_ai: where the answer goes (and
     * host_ask_ai's buffer size: its raw reply is larger than the text). */
    uint32_t out, out_max;
    /* ifrit's http_request: the last response, read by http_status,
     * http_headers and http_body (x->arena). */
    fn_http_job_t *response;
    /* ifrit's db_query: the last result, read by db_result (x->arena). */
    fn_db_job_t *result;
    /* A shared KV store's call (fn_host_kv_remote.c): its job, the guest
     * buffer its answer goes to, and this request's lock owner token. */
    fn_kv_job_t *kv_job;
    size_t kv_job_size;
    uint32_t kv_len_ptr;
    uint8_t kv_form;
    bool kv_cleanup;           /* the exchange's cleanup cancels a waiting kv_job */
    bool db_cleanup;           /* and a waiting PostgreSQL db_job */
    char kv_owner[33];         /* "" until its first lock */
    /* ifrit's ai_ask: the job whose response body is the last answer's
     * text, read by ai_answer; cleared when the job is reused. */
    fn_http_job_t *ai_answer;
} fn_host_call_t;

void fn_host_enter(fn_call_t *c);
void fn_host_leave(void);
/* The request whose guest runs on this thread, or NULL (at load). */
fn_call_t *fn_host_current(void);

/* c's host state, made in its arena at first use; NULL when out of memory. */
fn_host_call_t *fn_host_state(fn_call_t *c);

/* True when the guest is suspended in a host call whose job has not started. */
bool fn_host_suspended(const fn_call_t *c);
/* Starts that job on a helper thread. 0: it runs, and resume(x, c) is
 * called from the loop when its results are ready. 1: it finished already
 * (no helper threads here: it ran inline; or it failed at once): resume now. */
int fn_host_wait(fn_call_t *c, route_resume_cb resume);
/* A job begun by start is done (from the loop): completes the call and
 * resumes the guest, as an offloaded job's return does. ud is the call. */
void fn_host_resume(route_exchange_t *x, void *ud);
/* True, with *results, when a finished host call waits to be resumed. */
bool fn_host_take_results(fn_call_t *c, const uint64_t **results);

/* A line about c's host calls ("request 12: host_kv_set denied: ..."),
 * within the function's log budget like its stderr. */
void fn_host_log(fn_call_t *c, ifr_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Whether the grant covers key (fn_key_scope_t). */
bool fn_host_key_allowed(const fn_key_scope_t *s, ifr_str_t key);

/* The guest's bytes [ptr, ptr+len), or NULL after iw_host_trap naming the
 * call and what (the caller returns IW_HOST_TRAP). */
void *fn_host_lift(iw_instance_t *inst, const char *call, const char *what, uint64_t ptr, uint64_t len);

/* fn_host_net.c: the parts of an outbound URL allow_host and the backend
 * need. 0, or -1 with a sentence in why. host is the name or address as
 * written (an IPv6 literal without its brackets), lowercased into hbuf. */
typedef struct {
    bool https;
    ifr_str_t host;
    unsigned port;
} fn_url_t;
int fn_host_url_parse(ifr_str_t url, fn_url_t *u, char *hbuf, size_t hsize, char *why, size_t size);
/* 0: allow_host does not cover host. 1: covered by a wildcard ("*",
 * "*.example.com"): public addresses only. 2: named exactly: private
 * addresses allowed too. */
int fn_host_allowed(const fn_host_config_t *h, ifr_str_t host);

/* fn_host_kv_remote.c: a KV call on the function's shared store (its
 * grant and limits already checked): prepares the job in c's host state
 * and suspends (the caller returns IW_HOST_SUSPEND), complete turning the
 * answer into the results. value: a set's; cap: a get's room (out at
 * h->out). FN_HOST_E_OK, or the error (logged). */
int fn_host_kv_remote_prepare(fn_call_t *c, const char *call, fn_kv_op_t op, ifr_str_t key, ifr_str_t value,
                              int64_t ttl_ms, uint64_t cap, void (*complete)(fn_call_t *c));

/* fn_host_http.c: checks that perm (need, named grant in the log) and
 * allow_host cover url, and prepares the outbound job in c's host state
 * (c->host->job; the caller sets complete and suspends): FN_HOST_E_OK, or
 * the error (logged). max_body bytes of the response are kept; truncate:
 * a longer body is cut there, else it is RESPONSE_TOO_LARGE. */
int fn_host_http_prepare(fn_call_t *c, const char *call, unsigned need, const char *grant, ifr_str_t method,
                         ifr_str_t url, ifr_str_t headers, ifr_str_t body, uint64_t max_body, bool truncate);
/* The request a host call serves, or NULL while f loads (logged). */
fn_call_t *fn_host_request_of(fn_function_t *f, const char *call);

/* Host functions, in the import tables of fn_host_link.c. */
#define FN_HOST_FN(name) iw_host_result_t name(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
FN_HOST_FN(fn_gojinn_log);
FN_HOST_FN(fn_gojinn_kv_set);
FN_HOST_FN(fn_gojinn_kv_get32);
FN_HOST_FN(fn_gojinn_kv_get64);
FN_HOST_FN(fn_gojinn_mutex_lock);
FN_HOST_FN(fn_gojinn_mutex_unlock);
FN_HOST_FN(fn_gojinn_http_get);
FN_HOST_FN(fn_ifrit_log);
FN_HOST_FN(fn_ifrit_kv_get);
FN_HOST_FN(fn_ifrit_kv_set);
FN_HOST_FN(fn_ifrit_kv_delete);
FN_HOST_FN(fn_ifrit_lock);
FN_HOST_FN(fn_ifrit_unlock);
FN_HOST_FN(fn_ifrit_http_request);
FN_HOST_FN(fn_ifrit_http_status);
FN_HOST_FN(fn_ifrit_http_headers);
FN_HOST_FN(fn_ifrit_http_body);
FN_HOST_FN(fn_gojinn_db_query);
FN_HOST_FN(fn_ifrit_db_query);
FN_HOST_FN(fn_ifrit_db_result);
FN_HOST_FN(fn_gojinn_enqueue);
FN_HOST_FN(fn_ifrit_enqueue);
FN_HOST_FN(fn_gojinn_ask_ai);
FN_HOST_FN(fn_ifrit_ai_ask);
FN_HOST_FN(fn_ifrit_ai_answer);

#endif
