/* One request through a function: read the body, wait for a free sandbox
 * when pool_size says so, then run the guest one fuel slice at a time.
 * Between slices the guest yields to the worker's loop (x->io->defer), so
 * a function that spins until its timeout never holds up the other
 * requests on the same worker. A guest that sleeps or yields (poll_oneoff
 * on a clock, sched_yield) is suspended inside that WASI call
 * (iwasi_ctx_suspend_waits) and resumed from the loop, by a timer for a
 * sleep (x->io->timer): it never blocks the worker either. A host call
 * that waits (outbound HTTP, fn_host_call.h) suspends the guest the same
 * way and runs on a helper thread (x->io->offload).
 *
 * The timeout bounds the whole request from the handler's start: a timer
 * at the deadline covers the wait for the request body; the deadline is
 * checked between slices and wakes, enforced inside a slice by the
 * instance's deadline, and a sleep never wakes after it. */
#include "base/log.h"
#include "fn/fn_call.h"
#include "fn/fn_host_call.h"
#include "fn/fn_jobs.h"
#include "fn/fn_runner.h"
#include "fn/fn_traffic_check.h"
#include "fn/fn_proto.h"
#include "route/response.h"

static void fn__continue(route_exchange_t *x, void *ud);

/* The timer set at the deadline while the request waits for its body, or
 * for a client that stopped reading (which must not keep the sandbox and
 * its pool slot longer): the call ends with 504; a response already
 * streaming is cut off. A client still sending its body loses the
 * connection too, so the rest of that body is not waited for. */
static void fn__deadline_passed(route_exchange_t *x, void *ud)
{
    fn_call_t *c = ud;
    if (c->finished) return;
    unsigned long long id = (unsigned long long)x->id;
    if (c->body_pending) {
        ifr_log_error(c->f->logger, "request %llu: timed out waiting for the request body", id);
        http_headers_set(&x->resp.headers, x->arena, IFR_LIT("Connection"), IFR_LIT("close"));
    } else if (c->inst) {
        ifr_log_error(c->f->logger, "request %llu: timed out%s", id,
                      c->streaming && x->io->queued(x) > FN_QUEUE_HIGH ? " waiting for the client to read" : "");
    } else {
        return;   /* the guest runs elsewhere (fn_runner.h), which keeps the time */
    }
    fn_sandbox_close(c);
    fn_reply_status(c, 504);
}

void fn_call_release(fn_call_t *c)
{
    fn_sandbox_close(c);
    ifr_buf_free(&c->body);
    ifr_buf_free(&c->input);
    ifr_buf_free(&c->out);
    ifr_buf_free(&c->err_line);
}

/* The exchange ended (answered, or the client left): free what is left. */
static void fn__call_cleanup(void *data) { fn_call_release(data); }

/* A guest suspended inside a host call whose answer is in resumes with
 * it; one suspended inside a WASI call (a sleep or a yield) completes that
 * call first; otherwise the sandbox starts it or runs a slice. Host calls
 * find their request through fn_host_current while it runs. */
static iw_status_t fn__step(fn_call_t *c)
{
    const uint64_t *results;
    fn_host_enter(c);
    iw_status_t st = fn_host_take_results(c, &results) ? iw_resume(c->inst, results)
                   : c->started && iwasi_ctx_waiting(c->ctx) ? iwasi_resume(c->inst)
                   : fn_sandbox_step(c);
    fn_host_leave();
    return st;
}

/* Runs slices until the guest stops or sleeps, the client must catch up,
 * or it is the loop's turn. */
static void fn__drive(fn_call_t *c)
{
    route_exchange_t *x = c->x;
    for (;;) {
        /* Checked before the guest goes on: a sleep woken at the deadline
         * ends here, not in the guest. */
        if (fn_clock_ns() >= c->deadline) {
            ifr_log_error(c->f->logger, "request %llu: timed out", (unsigned long long)x->id);
            fn_sandbox_close(c);
            fn_reply_status(c, 504);
            return;
        }
        iw_status_t st = fn__step(c);
        iw_suspend_reason_t why = st == IW_SUSPENDED ? iw_instance_suspended(c->inst, NULL, NULL) : IW_SUSPEND_NONE;
        int64_t wake = 0;
        bool waits = why == IW_SUSPEND_HOST && iwasi_ctx_wake_at(c->ctx, &wake);
        bool host_call = why == IW_SUSPEND_HOST && !waits && fn_host_suspended(c);
        /* Another host suspension is a read of stdin, which has all it
         * will ever get: fn_reply answers 500. */
        if ((why != IW_SUSPEND_SLICE && !waits && !host_call) || c->client_gone || c->overflow) {
            fn_reply(c, st);
            return;
        }
        if (host_call) {
            /* An outbound call: a helper thread does it, the loop serves
             * the others, and the guest resumes when its answer is in (or
             * at the deadline, which ends the request). */
            if (fn_host_wait(c, fn__continue) == 0) {
                x->io->timer(x, c->deadline - fn_clock_ns(), fn__deadline_passed, c);
                return;
            }
            continue;   /* answered at once: resume with it */
        }
        int64_t now = fn_clock_ns();
        if (waits && wake > now) {
            /* Asleep: the loop's timer wakes it, at the deadline at the
             * latest (the check above then ends it). */
            int64_t at = wake < c->deadline ? wake : c->deadline;
            if (x->io->timer(x, at - now, fn__continue, c) == 0) return;
            /* No timer in this host: the rest of the sleep blocks. */
            iwasi_ctx_suspend_waits(c->ctx, false);
            continue;
        }
        if (c->streaming && x->io->queued(x) > FN_QUEUE_HIGH) {
            if (x->io->wait_writable(x, fn__continue, c) == 0) {
                x->io->timer(x, c->deadline - fn_clock_ns(), fn__deadline_passed, c);
                return;
            }
        } else if (x->io->defer(x, fn__continue, c) == 0) {
            return;
        }
        /* No loop to yield to (or it refused): go on at once. */
    }
}

static void fn__continue(route_exchange_t *x, void *ud)
{
    fn_call_t *c = ud;
    (void)x;
    if (!c->finished && c->inst) fn__drive(c);
}

static void fn__start(fn_call_t *c)
{
    if (c->f->conf->protocol == FN_PROTOCOL_JSON) {
        ifr_str_t uri = c->x->orig_uri.len ? c->x->orig_uri : c->x->req->target;
        if (fn_json_request(&c->input, c->x->arena, c->x->req, uri, ifr_buf_str(&c->body)) < 0) {
            fn_reply_status(c, 500);
            return;
        }
    }
    const fn_runner_t *runner = fn_runner_get();
    if (runner) {   /* the guest runs elsewhere; fn_runner_done continues */
        if (runner->start(c) < 0) fn_reply_status(c, 500);
        return;
    }
    if (c->f->prelude_len && fn_stdout_sink(c, c->f->prelude, c->f->prelude_len) != 0) {
        fn_reply_status(c, 500);
        return;
    }
    if (fn_sandbox_open(c) < 0) {
        fn_sandbox_close(c);
        fn_reply_status(c, 500);
        return;
    }
    iwasi_ctx_suspend_waits(c->ctx, true);
    fn__drive(c);
}

/* A pool slot and the memory budget (fn_admit), or look again shortly
 * until the deadline (503). */
static void fn__acquire(route_exchange_t *x, void *ud)
{
    fn_call_t *c = ud;
    fn_admit_t why = fn_admit(c);
    if (why == FN_ADMIT_OK) {
        fn__start(c);
        return;
    }
    int64_t now = fn_clock_ns();
    if (why != FN_ADMIT_NEVER && now < c->deadline) {
        int64_t wait = c->deadline - now < FN_POOL_POLL_NS ? c->deadline - now : FN_POOL_POLL_NS;
        if (x->io->timer(x, wait, fn__acquire, c) == 0) return;
    }
    fn_admit_refused(c, why);
    fn_reply_status(c, 503);
}

static int fn__body_chunk(route_exchange_t *x, const void *data, size_t len, bool is_last, void *ud)
{
    fn_call_t *c = ud;
    uint64_t max = x->body_limit ? x->body_limit : FN_DEFAULT_BODY_MAX;
    if (c->body.len + len > max) {
        fn_reply_status(c, 413);
        return 1;
    }
    if (ifr_buf_append(&c->body, data, len) < 0) {
        fn_reply_status(c, 500);
        return 1;
    }
    if (is_last) {
        c->body_pending = false;
        if (c->job) fn_jobs_accept(c);
        else fn__acquire(x, c);
    }
    return 0;
}

route_result_t fn_run(route_exchange_t *x, fn_function_t *f)
{
    fn_call_t *c = ifr_arena_calloc(x->arena, 1, sizeof *c);
    if (!c || ifr_arena_on_cleanup(x->arena, fn__call_cleanup, c) < 0) return route_fail(x, 500, "out of memory");
    c->x = x;
    c->f = f;
    c->deadline = fn_clock_ns() + f->conf->timeout_ns;
    int refused = fn_traffic_check(c);   /* cors_origin, api_key, rate_limit */
    if (refused) {
        fn_reply_status(c, refused);
        return ROUTE_DONE;
    }
    if (fn_jobs_intercept(c)) return ROUTE_DONE;   /* a job's state, or X-Gojinn-Async refused */
    c->job = fn_jobs_wanted(c);
    if (x->req->body_kind == HTTP_BODY_NONE) {
        if (c->job) fn_jobs_accept(c);
        else fn__acquire(x, c);
        return c->finished ? ROUTE_DONE : ROUTE_ASYNC;
    }
    c->body_pending = true;
    if (x->io->read_body(x, fn__body_chunk, c) < 0) return ROUTE_DONE;   /* refused (413) or the client left */
    /* The timeout covers waiting for the body (which comes from the loop,
     * not from inside read_body). */
    if (c->body_pending) x->io->timer(x, f->conf->timeout_ns, fn__deadline_passed, c);
    return c->finished ? ROUTE_DONE : ROUTE_ASYNC;
}
