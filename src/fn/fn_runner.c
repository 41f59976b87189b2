/* See fn_runner.h. */
#include "fn/fn_runner.h"

#include <stdio.h>

#include "fn/fn_call.h"
#include "fn/fn_proto.h"

static const fn_runner_t *fn__runner_current;

void fn_runner_register(const fn_runner_t *h) { fn__runner_current = h; }
const fn_runner_t *fn_runner_get(void) { return fn__runner_current; }

route_exchange_t *fn_runner_exchange(const fn_call_t *c) { return c->x; }
const fn_config_t *fn_runner_config(const fn_call_t *c) { return c->f->conf; }

ifr_str_t fn_runner_stdin(const fn_call_t *c)
{
    return ifr_buf_str(c->f->conf->protocol == FN_PROTOCOL_JSON ? &c->input : &c->body);
}

int fn_runner_env(fn_call_t *c, int (*add)(void *ud, const char *kv), void *ud)
{
    if (fn_env_add(c, false, add, ud) < 0) return -1;
    if (!c->f->conf->request_env) return 0;   /* the static env only */
    if (fn_cgi_env(c->x, c->body.len, add, ud) < 0) return -1;
    return fn_env_add(c, true, add, ud);
}

void fn_runner_done(fn_call_t *c, fn_runner_end_t how, int exit_code, ifr_str_t out, ifr_str_t err, ifr_str_t detail)
{
    if (c->finished) return;
    fn_end_t end = { .st = IW_EXITED, .exit_code = exit_code, .trap = { .kind = IW_TRAP_NONE } };
    if (how != FN_RUNNER_EXITED) {
        end.st = IW_TRAPPED;
        end.trap.kind = how == FN_RUNNER_TIMED_OUT ? IW_TRAP_INTERRUPTED : IW_TRAP_HOST;
        snprintf(end.trap.message, sizeof end.trap.message, "%.*s", (int)detail.len, detail.ptr);
    }
    /* The sinks stop taking output past max_output; the outcome says so. */
    if (out.len) fn_stdout_sink(c, out.ptr, out.len);
    if (err.len) fn_stderr_sink(c, err.ptr, err.len);
    fn_reply_end(c, &end);
}
