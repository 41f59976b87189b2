/* Jobs, the fn side (fn_jobs.h). The functions each plan loaded are kept
 * in a list under a spin lock (no threads library in the core layers:
 * the edge builds them for wasm32): a plan loads or goes on one thread
 * while a job thread or a worker looks a function up on another, and
 * both are rare next to requests. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "fn/fn_host_call.h"
#include "fn/fn_jobs.h"
#include "route/response.h"

typedef struct fn__jobs_entry {
    struct fn__jobs_entry *next;
    const struct route_plan *plan;
    fn_function_t *f;
    const fn_cron_entry_t *cron;   /* a cron's function (no route reaches it), or NULL */
} fn__jobs_entry_t;

static fn__jobs_entry_t *fn__jobs_list, **fn__jobs_tail = &fn__jobs_list;   /* in load order */
static atomic_flag fn__jobs_busy = ATOMIC_FLAG_INIT;
static atomic_uint_fast64_t fn__jobs_seq;

static void fn__jobs_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&fn__jobs_busy, memory_order_acquire)) {}
}

static void fn__jobs_unlock(void) { atomic_flag_clear_explicit(&fn__jobs_busy, memory_order_release); }

int fn_jobs_remember_cron(fn_function_t *f, const struct route_plan *plan, const fn_cron_entry_t *cron)
{
    fn__jobs_entry_t *e = malloc(sizeof *e);
    if (!e) return -1;
    e->plan = plan;
    e->f = f;
    e->cron = cron;
    e->next = NULL;
    fn__jobs_lock();
    *fn__jobs_tail = e;
    fn__jobs_tail = &e->next;
    fn__jobs_unlock();
    return 0;
}

int fn_jobs_remember(fn_function_t *f, const struct route_plan *plan) { return fn_jobs_remember_cron(f, plan, NULL); }

void fn_jobs_forget(fn_function_t *f)
{
    fn__jobs_lock();
    for (fn__jobs_entry_t **p = &fn__jobs_list; *p; p = &(*p)->next)
        if ((*p)->f == f) {
            fn__jobs_entry_t *e = *p;
            *p = e->next;
            if (fn__jobs_tail == &e->next) fn__jobs_tail = p;
            free(e);
            break;
        }
    fn__jobs_unlock();
}

/* The plan f was loaded in (NULL: none), and *ordinal: how many functions
 * of that plan were loaded from the same file before it (a job names its
 * function by both, so that it survives a restart). */
static const struct route_plan *fn__jobs_plan_of(const fn_function_t *f, uint32_t *ordinal)
{
    const struct route_plan *plan = NULL;
    uint32_t n = 0;
    fn__jobs_lock();
    for (fn__jobs_entry_t *e = fn__jobs_list; e; e = e->next)
        if (e->f == f) {
            plan = e->plan;
            break;
        }
    for (fn__jobs_entry_t *e = fn__jobs_list; plan && e && e->f != f; e = e->next)
        if (e->plan == plan && strcmp(e->f->conf->path, f->conf->path) == 0) n++;
    fn__jobs_unlock();
    *ordinal = n;
    return plan;
}

/* The ordinal-th function of plan loaded from path, or NULL. */
static fn_function_t *fn__jobs_at(const struct route_plan *plan, ifr_str_t path, uint32_t ordinal)
{
    fn_function_t *f = NULL;
    fn__jobs_lock();
    for (fn__jobs_entry_t *e = fn__jobs_list; e && !f; e = e->next)
        if (e->plan == plan && ifr_str_eq_cstr(path, e->f->conf->path) && ordinal-- == 0) f = e->f;
    fn__jobs_unlock();
    return f;
}

/* Whether name designates path: all of it, or its end after a '/'
 * ("./" before name is dropped). */
static bool fn__jobs_names(ifr_str_t name, const char *path)
{
    if (ifr_str_starts_with(name, IFR_LIT("./"))) name = ifr_str_sub(name, 2, name.len);
    ifr_str_t p = ifr_cstr(path);
    if (name.len == 0 || !ifr_str_ends_with(p, name)) return false;
    return p.len == name.len || p.ptr[p.len - name.len - 1] == '/';
}

/* The first function of plan loaded from the file name designates: 1
 * found (*out), 0 none, 2 names more than one file (*out one of them). */
static int fn__jobs_find(const struct route_plan *plan, ifr_str_t name, fn_function_t **out)
{
    int found = 0;
    fn__jobs_lock();
    for (fn__jobs_entry_t *e = fn__jobs_list; e; e = e->next) {
        if (e->plan != plan || e->cron || !fn__jobs_names(name, e->f->conf->path)) continue;
        if (found && strcmp((*out)->conf->path, e->f->conf->path) == 0) continue;
        *out = e->f;
        found++;
    }
    fn__jobs_unlock();
    return found > 1 ? 2 : found;
}

/* Queues req for target: FN_HOST_E_* (logged when it failed). */
static int fn__jobs_queue(fn_call_t *c, const char *call, const fn_function_t *target, fn_job_request_t *req,
                          char *id)
{
    const fn_host_backend_t *b = fn_host_backend();
    fn__jobs_plan_of(target, &req->ordinal);
    req->function = ifr_cstr(target->conf->path);
    req->max_retries = target->conf->host.max_retries;
    req->backoff_ms = target->conf->host.retry_backoff_ns / 1000000;
    char why[300];
    if (!b || !b->job_enqueue || b->job_enqueue(c->f->conf->host.storage_path, req, id, why, sizeof why) != 0) {
        fn_host_log(c, IFR_LOG_ERROR, "%s: the job could not be queued: %s", call, b && b->job_enqueue ? why
                    : "jobs are not available in this build");
        return FN_HOST_E_UNAVAILABLE;
    }
    fn_host_log(c, IFR_LOG_INFO, "%s: job %s queued for %s", call, id, target->conf->path);
    return FN_HOST_E_OK;
}

int fn_jobs_enqueue(fn_call_t *c, const char *call, ifr_str_t name, ifr_str_t payload, char *id)
{
    if (!(c->f->conf->host.perms & FN_PERM_ENQUEUE)) {
        fn_host_log(c, IFR_LOG_WARN, "%s denied: the function's permissions do not grant enqueue", call);
        return FN_HOST_E_DENIED;
    }
    if (payload.len > FN_JOB_MAX_PAYLOAD) {
        fn_host_log(c, IFR_LOG_WARN, "%s: the payload has %zu bytes, more than the %u a job may carry", call,
                    payload.len, FN_JOB_MAX_PAYLOAD);
        return FN_HOST_E_TOO_LARGE;
    }
    uint32_t ordinal;
    const struct route_plan *plan = fn__jobs_plan_of(c->f, &ordinal);
    fn_function_t *target = NULL;
    int found = plan ? fn__jobs_find(plan, name, &target) : 0;
    int n = name.len > 200 ? 200 : (int)name.len;
    if (found != 1) {
        fn_host_log(c, IFR_LOG_WARN, "%s: '%.*s' names %s", call, n, name.ptr,
                    found ? "more than one function of this configuration: give more of its path"
                          : "no function of this configuration (the end of a wasm directive's module path)");
        return FN_HOST_E_INVALID;
    }
    fn_job_request_t req = { .method = IFR_LIT("ASYNC"), .uri = IFR_LIT("internal://async/job"),
                             .headers = IFR_LIT("X-Source: internal\r\n"), .body = payload };
    return fn__jobs_queue(c, call, target, &req, id);
}

bool fn_jobs_wanted(const fn_call_t *c)
{
    const http_header_t *h = http_headers_get(&c->x->req->headers, IFR_LIT("X-Gojinn-Async"));
    return h && ifr_str_eq_nocase(h->value, IFR_LIT("true"));
}

/* The job id at the end of path after "/_sys/jobs/", or an empty slice. */
static ifr_str_t fn__jobs_status_id(ifr_str_t path)
{
    static const char mark[] = "/_sys/jobs/";
    size_t m = sizeof mark - 1;
    if (path.len < m + FN_JOB_ID_LEN) return ifr_str(NULL, 0);
    ifr_str_t id = ifr_str_sub(path, path.len - FN_JOB_ID_LEN, path.len);
    if (memcmp(path.ptr + path.len - FN_JOB_ID_LEN - m, mark, m) != 0) return ifr_str(NULL, 0);
    for (size_t i = 0; i < id.len; i++)
        if (!((id.ptr[i] >= '0' && id.ptr[i] <= '9') || (id.ptr[i] >= 'a' && id.ptr[i] <= 'f'))) return ifr_str(NULL, 0);
    return id;
}

static void fn__jobs_answer_json(fn_call_t *c, int status, ifr_str_t body)
{
    route_exchange_t *x = c->x;
    http_headers_set(&x->resp.headers, x->arena, IFR_LIT("Content-Type"), IFR_LIT("application/json"));
    c->finished = true;
    route_send_simple(x, status, body);
}

int fn_jobs_intercept(fn_call_t *c)
{
    route_exchange_t *x = c->x;
    bool granted = c->f->conf->host.perms & FN_PERM_ENQUEUE;
    if (fn_jobs_wanted(c) && !granted) {
        fn_host_log(c, IFR_LOG_WARN, "X-Gojinn-Async denied: the function's permissions do not grant enqueue");
        fn_reply_status(c, 403);
        return 1;
    }
    ifr_str_t id = fn__jobs_status_id(x->req->path);
    if (!granted || !id.len || !ifr_str_eq_cstr(x->req->method, "GET")) return 0;
    const fn_host_backend_t *b = fn_host_backend();
    char *out = ifr_arena_alloc(x->arena, 4096);
    size_t len = 0;
    int rc = b && b->job_state && out ? b->job_state(c->f->conf->host.storage_path, id, out, 4096, &len) : -1;
    if (rc < 0) fn_reply_status(c, 500);
    else if (rc == 0) fn__jobs_answer_json(c, 404, IFR_LIT("{\"error\":\"no such job\"}"));
    else fn__jobs_answer_json(c, 200, ifr_str(out, len));
    return 1;
}

void fn_jobs_accept(fn_call_t *c)
{
    route_exchange_t *x = c->x;
    ifr_buf_t headers = IFR_BUF_INIT;
    for (uint32_t i = 0; i < x->req->headers.count; i++) {
        const http_header_t *h = &x->req->headers.items[i];
        /* The job runs the function itself: it must not ask for a job again. */
        if (ifr_str_eq_nocase(h->name, IFR_LIT("X-Gojinn-Async"))) continue;
        ifr_buf_append_str(&headers, h->name);
        ifr_buf_append(&headers, ": ", 2);
        ifr_buf_append_str(&headers, h->value);
        ifr_buf_append(&headers, "\r\n", 2);
    }
    fn_job_request_t req = { .method = x->req->method, .uri = x->orig_uri.len ? x->orig_uri : x->req->target,
                             .headers = ifr_buf_str(&headers), .body = ifr_buf_str(&c->body) };
    char id[FN_JOB_ID_LEN + 1];
    int e = c->body.len > FN_JOB_MAX_PAYLOAD ? FN_HOST_E_TOO_LARGE
            : headers.data || !x->req->headers.count ? fn__jobs_queue(c, "X-Gojinn-Async", c->f, &req, id)
                                                      : FN_HOST_E_UNAVAILABLE;
    ifr_buf_free(&headers);
    if (e == FN_HOST_E_TOO_LARGE) {
        fn_host_log(c, IFR_LOG_WARN, "X-Gojinn-Async: the body has %zu bytes, more than the %u a job may carry",
                    c->body.len, FN_JOB_MAX_PAYLOAD);
        fn_reply_status(c, 413);
        return;
    }
    if (e) {
        fn_reply_status(c, 503);
        return;
    }
    ifr_str_t path = x->req->path;
    char *loc = ifr_arena_printf(x->arena, "%.*s%s_sys/jobs/%s", (int)path.len, path.ptr,
                                 path.len && path.ptr[path.len - 1] == '/' ? "" : "/", id);
    char *body = ifr_arena_printf(x->arena, "{\"status\":\"queued\",\"job_id\":\"%s\",\"status_url\":\"%s\"}", id,
                                  loc ? loc : "");
    if (!loc || !body || http_headers_set(&x->resp.headers, x->arena, IFR_LIT("X-Gojinn-Job-ID"), ifr_cstr(id)) < 0 ||
        http_headers_set(&x->resp.headers, x->arena, IFR_LIT("Location"), ifr_cstr(loc)) < 0) {
        fn_reply_status(c, 500);
        return;
    }
    fn__jobs_answer_json(c, 202, ifr_cstr(body));
}

/* ---- cron ------------------------------------------------------------------ */

size_t fn_cron_count(struct route_plan *plan)
{
    size_t n = 0;
    fn__jobs_lock();
    for (fn__jobs_entry_t *e = fn__jobs_list; e; e = e->next) n += e->plan == plan && e->cron;
    fn__jobs_unlock();
    return n;
}

int64_t fn_cron_at(struct route_plan *plan, size_t i, int64_t after_ms, fn_job_request_t *job, const char **storage,
                   const char **spec)
{
    fn_function_t *f = NULL;
    const fn_cron_entry_t *cron = NULL;
    fn__jobs_lock();
    for (fn__jobs_entry_t *e = fn__jobs_list; e && !f; e = e->next)
        if (e->plan == plan && e->cron && i-- == 0) {
            f = e->f;
            cron = e->cron;
        }
    fn__jobs_unlock();
    if (!f) return -1;
    /* Gojinn's cron event (its runBackgroundJob), in its job request. */
    *job = (fn_job_request_t){ .method = IFR_LIT("ASYNC"), .uri = IFR_LIT("internal://async/job"),
                               .headers = IFR_LIT("X-Source: internal\r\n"),
                               .body = IFR_LIT("{\"event_type\": \"cron\", \"source\": \"gojinn_scheduler\"}"),
                               .function = ifr_cstr(f->conf->path), .max_retries = f->conf->host.max_retries,
                               .backoff_ms = f->conf->host.retry_backoff_ns / 1000000 };
    fn__jobs_plan_of(f, &job->ordinal);
    *storage = f->conf->host.storage_path;
    *spec = cron->text;
    return fn_cron_next(&cron->spec, after_ms);
}

/* ---- running a job -------------------------------------------------------- */

/* The exchange a job runs in: no client, no loop. */
typedef struct {
    route_exchange_t x;
    http_request_t req;
    route_conn_info_t conn;
    ifr_str_t body;
    bool ended, cut;
} fn__job_exchange_t;

static int fn__job_send_head(route_exchange_t *x)
{
    x->head_sent = true;
    return 0;
}

static int fn__job_send_body(route_exchange_t *x, const void *data, size_t len, bool is_last)
{
    (void)data;
    (void)len;
    if (is_last) ((fn__job_exchange_t *)x)->ended = true;
    return 0;
}

static int fn__job_read_body(route_exchange_t *x, route_body_cb cb, void *ud)
{
    fn__job_exchange_t *jx = (fn__job_exchange_t *)x;
    cb(x, jx->body.ptr, jx->body.len, true, ud);
    return 0;
}

static uint64_t fn__job_queued(route_exchange_t *x)
{
    (void)x;
    return 0;
}

static int fn__job_abort(route_exchange_t *x)
{
    fn__job_exchange_t *jx = (fn__job_exchange_t *)x;
    jx->cut = jx->ended = true;
    return 0;
}

/* What a host without a loop answers: no, carry on at once (fn_run then
 * blocks this thread for sleeps and runs outbound calls inline). */
static int fn__job_no_wait(route_exchange_t *x, route_resume_cb cb, void *ud)
{
    (void)x;
    (void)cb;
    (void)ud;
    return -1;
}

static int fn__job_no_timer(route_exchange_t *x, int64_t delay_ns, route_resume_cb cb, void *ud)
{
    (void)delay_ns;
    return fn__job_no_wait(x, cb, ud);
}

static int fn__job_no_offload(route_exchange_t *x, void (*work)(void *arg), void *arg, size_t size,
                              route_resume_cb done, void *ud)
{
    (void)work;
    (void)arg;
    (void)size;
    return fn__job_no_wait(x, done, ud);
}

static const route_io_t fn__job_io = {
    .send_head = fn__job_send_head, .send_body = fn__job_send_body, .read_body = fn__job_read_body,
    .queued = fn__job_queued, .wait_writable = fn__job_no_wait, .defer = fn__job_no_wait,
    .timer = fn__job_no_timer, .abort = fn__job_abort, .offload = fn__job_no_offload,
};

/* Adds the "Name: value" lines of text to h. */
static int fn__job_headers(http_headers_t *h, ifr_arena_t *a, ifr_str_t text)
{
    while (text.len) {
        long nl = ifr_str_find_char(text, '\n');
        ifr_str_t line = ifr_str_sub(text, 0, nl < 0 ? text.len : (size_t)nl);
        text = nl < 0 ? ifr_str(NULL, 0) : ifr_str_sub(text, (size_t)nl + 1, text.len);
        if (line.len && line.ptr[line.len - 1] == '\r') line.len--;
        long colon = ifr_str_find_char(line, ':');
        if (colon <= 0) continue;
        ifr_str_t name = ifr_str_sub(line, 0, (size_t)colon);
        ifr_str_t value = http_trim_ows(ifr_str_sub(line, (size_t)colon + 1, line.len));
        if (http_headers_add(h, a, name, value) < 0) return -1;
    }
    return 0;
}

void fn_job_run(struct route_plan *plan, const fn_job_request_t *job, const char *id, fn_job_outcome_t *out)
{
    out->status = 0;
    out->detail[0] = '\0';
    fn_function_t *f = fn__jobs_at(plan, job->function, job->ordinal);
    if (!f) {
        snprintf(out->detail, sizeof out->detail, "the configuration has no function number %u loaded from %.*s",
                 job->ordinal + 1, (int)(job->function.len > 150 ? 150 : job->function.len), job->function.ptr);
        return;
    }
    fn__job_exchange_t *jx = calloc(1, sizeof *jx);
    ifr_arena_t *a = malloc(sizeof *a);
    if (!jx || !a) {
        free(jx);
        free(a);
        snprintf(out->detail, sizeof out->detail, "out of memory");
        return;
    }
    ifr_arena_init(a, 4096);
    http_request_t *r = &jx->req;
    r->method = ifr_arena_str(a, job->method);
    r->target = ifr_arena_str(a, job->uri);
    /* Gojinn's internal://async/job is no path: the guest sees "/". */
    ifr_str_t path = r->target.len && r->target.ptr[0] == '/' ? r->target : IFR_LIT("/");
    long q = ifr_str_find_char(path, '?');
    r->path = q < 0 ? path : ifr_str_sub(path, 0, (size_t)q);
    r->query = q < 0 ? ifr_str(NULL, 0) : ifr_str_sub(path, (size_t)q + 1, path.len);
    r->version_major = r->version_minor = 1;
    jx->body = ifr_arena_str(a, job->body);
    r->body_kind = job->body.len ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
    r->content_length = job->body.len;
    const http_header_t *host = NULL;
    if (fn__job_headers(&r->headers, a, job->headers) == 0 && (host = http_headers_get(&r->headers, IFR_LIT("Host"))))
        r->host = host->value;
    jx->conn.remote_ip = IFR_LIT("");
    jx->conn.local_ip = IFR_LIT("");
    route_exchange_t *x = &jx->x;
    x->arena = a;
    x->req = r;
    x->conn = &jx->conn;
    x->io = &fn__job_io;
    x->io_ctx = jx;
    x->resp.content_length = -1;
    x->orig_uri = r->target;
    x->orig_method = r->method;
    x->id = (1ull << 62) + atomic_fetch_add(&fn__jobs_seq, 1);
    ifr_log_info(f->logger, "request %llu: job %s (%.*s %.*s)", (unsigned long long)x->id, id,
                 (int)r->method.len, r->method.ptr, (int)(r->target.len > 100 ? 100 : r->target.len), r->target.ptr);
    fn_run(x, f);
    out->status = x->resp.status;
    if (!jx->ended) snprintf(out->detail, sizeof out->detail, "the function did not finish its answer");
    else if (jx->cut) snprintf(out->detail, sizeof out->detail, "the function failed after its answer had begun");
    else if (out->status >= 500) snprintf(out->detail, sizeof out->detail, "the function answered %d (the log of "
                                          "request %llu says why)", out->status, (unsigned long long)x->id);
    if (!jx->ended || jx->cut) out->status = out->status >= 500 ? out->status : 500;
    ifr_arena_destroy(a);
    free(a);
    free(jx);
}
