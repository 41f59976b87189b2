/* A request's sandbox: a new instance from the function's image (the
 * snapshot at the first stdin read or look at the environment, or the
 * fresh module), a clone of the
 * function's WASI state with this request's stdin, variables and output
 * sinks, and the request's limits (memory, fuel, deadline, slices). Before
 * it opens, the request is admitted: a pool slot (pool_size) and its
 * reserve of the server's guest memory budget (fn_budget.c). */
#include <inttypes.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "fn/fn_call.h"
#include "fn/fn_proto.h"

int64_t fn_clock_ns(void) { return ifr_monotonic_ns(); }

static int fn__add_env(void *ud, const char *kv) { return iwasi_ctx_add_env(ud, kv); }

int fn_env_add(fn_call_t *c, bool dynamic, int (*add)(void *ud, const char *kv), void *ud)
{
    const fn_config_t *conf = c->f->conf;
    for (size_t i = 0; i < conf->nenv; i++) {
        if (route_tmpl_is_static(conf->env[i].value) == dynamic) continue;
        ifr_str_t v;
        if (route_tmpl_render(c->x, conf->env[i].value, &v) < 0) return -1;
        char *kv = ifr_arena_printf(c->x->arena, "%s=%.*s", conf->env[i].key, (int)v.len, v.ptr);
        if (!kv || add(ud, kv) < 0) return -1;
    }
    return 0;
}

fn_admit_t fn_admit(fn_call_t *c)
{
    fn_function_t *f = c->f;
    uint32_t cap = f->conf->pool_size;
    if (cap && atomic_fetch_add(&f->live, 1) >= cap) {
        atomic_fetch_sub(&f->live, 1);
        return FN_ADMIT_POOL_FULL;
    }
    fn_admit_t got = f->reserve ? fn_budget_take(f->reserve) : FN_ADMIT_OK;
    if (got != FN_ADMIT_OK) {
        if (cap) atomic_fetch_sub(&f->live, 1);
        return got;
    }
    c->counted = true;
    return FN_ADMIT_OK;
}

void fn_admit_refused(fn_call_t *c, fn_admit_t why)
{
    unsigned long long id = (unsigned long long)c->x->id;
    uint64_t budget_mib = fn_memory_budget() >> 20, limit_mib = c->f->reserve >> 20;
    if (why == FN_ADMIT_POOL_FULL)
        ifr_log_warn(c->f->logger, "request %llu: all %u sandboxes busy until the timeout", id, c->f->conf->pool_size);
    else if (why == FN_ADMIT_NO_MEMORY)
        ifr_log_warn(c->f->logger, "request %llu: the guest memory budget (%" PRIu64 " MiB, wasm_memory_budget) "
                     "stayed in use until the timeout; each sandbox of this function reserves %" PRIu64 " MiB",
                     id, budget_mib, limit_mib);
    else
        ifr_log_error(c->f->logger, "request %llu: memory_limit (%" PRIu64 " MiB) is larger than the whole "
                      "guest memory budget (%" PRIu64 " MiB, wasm_memory_budget)", id, limit_mib, budget_mib);
}

int fn_sandbox_open(fn_call_t *c)
{
    fn_function_t *f = c->f;
    const fn_config_t *conf = f->conf;
    iw_limits_t limits = { .max_memory_bytes = fn_memory_limit(conf), .fuel = conf->fuel, .deadline_ns = c->deadline };
    iw_error_t err = { 0 };
    c->inst = iw_instance_from_image(f->image, &limits, &err);
    c->ctx = c->inst ? iwasi_ctx_clone(f->ctx) : NULL;
    if (!c->ctx) {
        ifr_log_error(f->logger, "request %llu: cannot make a sandbox: %s", (unsigned long long)c->x->id,
                      c->inst ? "out of memory" : err.message);
        return -1;
    }
    iw_instance_set_user_data(c->inst, c->ctx);
    iwasi_ctx_set_deadline(c->ctx, c->deadline);
    iwasi_ctx_output_callback(c->ctx, 1, fn_stdout_sink, c);
    iwasi_ctx_output_callback(c->ctx, 2, fn_stderr_sink, c);
    if (conf->request_env &&
        (fn_cgi_env(c->x, c->body.len, fn__add_env, c->ctx) < 0 || fn_env_add(c, true, fn__add_env, c->ctx) < 0)) {
        ifr_log_error(f->logger, "request %llu: out of memory for the environment", (unsigned long long)c->x->id);
        return -1;
    }
    const ifr_buf_t *in = conf->protocol == FN_PROTOCOL_JSON ? &c->input : &c->body;
    iwasi_ctx_stdin_bytes(c->ctx, in->data ? in->data : "", in->len);
    iw_instance_set_slice(c->inst, FN_SLICE_FUEL);
    return 0;
}

iw_status_t fn_sandbox_step(fn_call_t *c)
{
    if (c->started) return iw_resume(c->inst, NULL);
    c->started = true;
    /* A snapshot waits inside fd_read or environ_* for the stdin or the
     * variables just supplied; a fresh image has not begun `_start` yet. */
    if (c->f->image_suspended) return iwasi_resume(c->inst);
    return iw_call(c->inst, iw_instance_func(c->inst, "_start"), NULL, 0, NULL, 0);
}

void fn_sandbox_note_memory(fn_call_t *c)
{
    uint64_t used = iw_memory_total(c->inst), limit = fn_memory_limit(c->f->conf);
    if (used < limit - limit / 16) return;
    ifr_log_error(c->f->logger, "request %llu: the guest failed with its memory at %.1f of its %.1f MiB "
                  "(memory_limit%s): an allocation most likely failed", (unsigned long long)c->x->id,
                  (double)used / (1 << 20), (double)limit / (1 << 20), c->f->conf->memory_limit ? "" : ", the default");
}

void fn_sandbox_close(fn_call_t *c)
{
    if (c->inst) iw_instance_free(c->inst);
    iwasi_ctx_free(c->ctx);
    c->inst = NULL;
    c->ctx = NULL;
    if (c->counted) {
        if (c->f->conf->pool_size) atomic_fetch_sub(&c->f->live, 1);
        if (c->f->reserve) fn_budget_release(c->f->reserve);
    }
    c->counted = false;
}
