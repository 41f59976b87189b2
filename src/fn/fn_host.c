/* What every host call shares (fn_host_call.h): the backend the host
 * registered, the request running on this thread, the per-request state,
 * the log, the grant checks, and handing a waiting call's job to a helper
 * thread and back. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log_budget.h"
#include "fn/fn_host_call.h"

static const fn_host_backend_t *fn__host_backend;
/* A guest runs on one thread at a time, so the request a host function
 * serves is the one this thread is running. */
static _Thread_local fn_call_t *fn__host_running;

void fn_host_backend_register(const fn_host_backend_t *b) { fn__host_backend = b; }
const fn_host_backend_t *fn_host_backend(void) { return fn__host_backend; }

const char *fn_host_error_name(int e)
{
    switch (e) {
#define FN__HOST_NAME(name, value, text) case value: return #name;
        FN_HOST_ERRORS(FN__HOST_NAME)
#undef FN__HOST_NAME
    }
    return "?";
}

void fn_host_enter(fn_call_t *c) { fn__host_running = c; }
void fn_host_leave(void) { fn__host_running = NULL; }
fn_call_t *fn_host_current(void) { return fn__host_running; }

fn_host_call_t *fn_host_state(fn_call_t *c)
{
    if (!c->host) c->host = ifr_arena_calloc(c->x->arena, 1, sizeof *c->host);
    return c->host;
}

void fn_host_log(fn_call_t *c, ifr_log_level_t level, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    uint64_t dropped;
    bool ok = ifr_log_budget_take(&c->f->log_budget, IFR_LOG_GUEST_RATE, (size_t)n, &dropped);
    if (dropped)
        ifr_log_warn(c->f->logger, "%llu lines of stderr and host calls dropped: over %u bytes a second",
                     (unsigned long long)dropped, IFR_LOG_GUEST_RATE);
    if (ok) ifr_log(level, c->f->logger, "request %llu: %s", (unsigned long long)c->x->id, msg);
}

bool fn_host_key_allowed(const fn_key_scope_t *s, ifr_str_t key)
{
    if (s->count == 0) return true;
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->prefixes[i], "*") == 0 || ifr_str_starts_with(key, ifr_cstr(s->prefixes[i]))) return true;
    return false;
}

void *fn_host_lift(iw_instance_t *inst, const char *call, const char *what, uint64_t ptr, uint64_t len)
{
    void *p = iw_memory_lift(inst, ptr, len);
    if (!p)
        iw_host_trap(inst, "%s: the %s (%llu bytes at %llu) is outside the guest's memory", call, what,
                     (unsigned long long)len, (unsigned long long)ptr);
    return p;
}

bool fn_host_suspended(const fn_call_t *c) { return c->host && c->host->suspended; }

bool fn_host_take_results(fn_call_t *c, const uint64_t **results)
{
    if (!c->host || !c->host->ready) return false;
    c->host->ready = false;
    *results = c->host->results;
    return true;
}

static void fn__host_finish(fn_call_t *c)
{
    fn_host_call_t *h = c->host;
    h->complete(c);
    h->ready = true;
}

/* Back on the loop: offload wrote the finished job over h->job (or a
 * started job is done). */
void fn_host_resume(route_exchange_t *x, void *ud)
{
    fn_call_t *c = ud;
    if (c->finished || !c->inst) return;
    fn__host_finish(c);
    c->host->resume(x, c);
}

int fn_host_wait(fn_call_t *c, route_resume_cb resume)
{
    fn_host_call_t *h = c->host;
    route_exchange_t *x = c->x;
    h->suspended = false;
    h->resume = resume;
    if (h->start) {
        int (*start)(fn_call_t *c) = h->start;
        h->start = NULL;
        if (start(c) == 0) return 0;
        fn__host_finish(c);
        return 1;
    }
    int rc = x->io->offload(x, h->work, h->pending, h->pending_size, fn_host_resume, c);
    if (rc == 0) return 0;
    if (rc == ROUTE_OFFLOAD_BUSY) {
        /* Both kinds of job start with the same out fields' meaning. */
        if (h->pending == h->job) {
            h->job->error = FN_HOST_E_UNAVAILABLE;
            snprintf(h->job->detail, sizeof h->job->detail, "every helper thread is busy and their queue is full");
        } else {
            h->db_job->error = FN_HOST_E_UNAVAILABLE;
            snprintf(h->db_job->detail, sizeof h->db_job->detail, "every helper thread is busy and their queue is full");
        }
    } else {
        h->work(h->pending);   /* no helper threads in this host: it runs here */
    }
    fn__host_finish(c);
    return 1;
}
