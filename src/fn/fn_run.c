/* One request through a function: read the body, wait for a free sandbox
 * when pool_size says so, then run the guest one fuel slice at a time.
 * Between slices the guest yields to the worker's loop (x->io->defer), so
 * a function that spins until its timeout never holds up the other
 * requests on the same worker; the timeout is checked between slices and
 * enforced inside them by the instance's deadline. */
#include "base/log.h"
#include "fn/fn_call.h"
#include "fn/fn_host.h"
#include "fn/fn_proto.h"
#include "route/response.h"

static void fn_continue(route_exchange_t *x, void *ud);

/* A client that stops reading must not keep the sandbox (and its pool
 * slot) past the deadline: the timer set while waiting for it ends the
 * call; the response, already streaming, is cut off. */
static void fn_deadline_passed(route_exchange_t *x, void *ud)
{
    fn_call_t *c = ud;
    if (c->finished || !c->inst) return;
    ifr_log_error(c->f->logger, "request %llu: timed out waiting for the client to read",
                  (unsigned long long)x->id);
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
static void fn_call_cleanup(void *data) { fn_call_release(data); }

/* Runs slices until the guest stops, the client must catch up, or it is
 * the loop's turn. */
static void fn_drive(fn_call_t *c)
{
    route_exchange_t *x = c->x;
    for (;;) {
        iw_status_t st = fn_sandbox_step(c);
        if (st != IW_SUSPENDED || iw_instance_suspended(c->inst, NULL, NULL) != IW_SUSPEND_SLICE ||
            c->client_gone || c->overflow) {
            fn_reply(c, st);
            return;
        }
        if (fn_clock_ns() >= c->deadline) {
            ifr_log_error(c->f->logger, "request %llu: timed out", (unsigned long long)x->id);
            fn_sandbox_close(c);
            fn_reply_status(c, 504);
            return;
        }
        if (c->streaming && x->io->queued(x) > FN_QUEUE_HIGH) {
            if (x->io->wait_writable(x, fn_continue, c) == 0) {
                x->io->timer(x, c->deadline - fn_clock_ns(), fn_deadline_passed, c);
                return;
            }
        } else if (x->io->defer(x, fn_continue, c) == 0) {
            return;
        }
        /* No loop to yield to (or it refused): go on at once. */
    }
}

static void fn_continue(route_exchange_t *x, void *ud)
{
    fn_call_t *c = ud;
    (void)x;
    if (!c->finished && c->inst) fn_drive(c);
}

static void fn_start(fn_call_t *c)
{
    if (c->f->conf->protocol == FN_PROTOCOL_JSON) {
        ifr_str_t uri = c->x->orig_uri.len ? c->x->orig_uri : c->x->req->target;
        if (fn_json_request(&c->input, c->x->arena, c->x->req, uri, ifr_buf_str(&c->body)) < 0) {
            fn_reply_status(c, 500);
            return;
        }
    }
    const fn_host_t *host = fn_host_get();
    if (host) {   /* the guest runs elsewhere; fn_host_done continues */
        if (host->start(c) < 0) fn_reply_status(c, 500);
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
    fn_drive(c);
}

/* pool_size: take a slot, or look again shortly until the deadline (503). */
static void fn_acquire(route_exchange_t *x, void *ud)
{
    fn_call_t *c = ud;
    uint32_t cap = c->f->conf->pool_size;
    if (!cap || atomic_fetch_add(&c->f->live, 1) < cap) {
        if (cap) c->counted = true;
        fn_start(c);
        return;
    }
    atomic_fetch_sub(&c->f->live, 1);
    int64_t now = fn_clock_ns();
    if (now < c->deadline) {
        int64_t wait = c->deadline - now < FN_POOL_POLL_NS ? c->deadline - now : FN_POOL_POLL_NS;
        if (x->io->timer(x, wait, fn_acquire, c) == 0) return;
    }
    ifr_log_warn(c->f->logger, "request %llu: all %u sandboxes busy until the timeout", (unsigned long long)x->id, cap);
    fn_reply_status(c, 503);
}

static int fn_body_chunk(route_exchange_t *x, const void *data, size_t len, bool is_last, void *ud)
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
    if (is_last) fn_acquire(x, c);
    return 0;
}

route_result_t fn_run(route_exchange_t *x, fn_function_t *f)
{
    fn_call_t *c = ifr_arena_calloc(x->arena, 1, sizeof *c);
    if (!c || ifr_arena_on_cleanup(x->arena, fn_call_cleanup, c) < 0) return route_fail(x, 500, "out of memory");
    c->x = x;
    c->f = f;
    c->deadline = fn_clock_ns() + f->conf->timeout_ns;
    if (x->req->body_kind == HTTP_BODY_NONE) {
        fn_acquire(x, c);
    } else if (x->io->read_body(x, fn_body_chunk, c) < 0) {
        return ROUTE_DONE;   /* the host refused the body (413) or the client left */
    }
    return c->finished ? ROUTE_DONE : ROUTE_ASYNC;
}
