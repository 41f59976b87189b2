/* Binds the WASI host-call table to the engine: one trampoline for every
 * function (env = its table row), guest memory through iw_memory_lift, and
 * the completion of a call that suspended waiting for stdin. */
#include "wasi/call.h"

#define IWASI__MODULE "wasi_snapshot_preview1"

static void *iwasi__engine_lift(void *env, uint64_t offset, uint64_t len)
{
    return iw_memory_lift(env, offset, len);
}

static bool iwasi__has_result(const iwasi_hostcall_t *h)
{
    const char *colon = strchr(h->sig, ':');
    return colon && colon[1];
}

static iw_host_result_t iwasi__trampoline(iw_instance_t *inst, void *env, const uint64_t *args,
                                          uint64_t *results)
{
    const iwasi_hostcall_t *h = env;
    iwasi_ctx_t *ctx = iw_instance_user_data(inst);
    iwasi_mem_t mem = { iwasi__engine_lift, inst };
    int r = iwasi_hostcall_run(h, ctx, &mem, args);
    if (r == IWASI_CALL_EXIT) {
        iw_host_exit(inst, ctx->exit_code);
        return IW_HOST_EXIT;
    }
    if (r == IWASI_CALL_SUSPEND) return IW_HOST_SUSPEND;
    /* The witx (witx-docs.md, Pointers): a misaligned pointer, or one out of
     * bounds that the call needs, traps rather than answering EFAULT. The
     * calls give EFAULT for nothing else. */
    if (r == IWASI_EFAULT) {
        iw_host_trap(inst, "%s: a pointer argument is out of bounds or misaligned", h->name);
        return IW_HOST_TRAP;
    }
    if (iwasi__has_result(h)) results[0] = (uint32_t)r;
    return IW_HOST_OK;
}

int iwasi_link(iw_linker_t *l)
{
    for (size_t i = 0; i < iwasi_hostcall_count; i++) {
        const iwasi_hostcall_t *h = &iwasi_hostcalls[i];
        /* env is only ever read back as a const row (see the trampoline). */
        if (iw_linker_define_func(l, IWASI__MODULE, h->name, h->sig, iwasi__trampoline, (void *)h) < 0)
            return -1;
    }
    return 0;
}

iw_status_t iwasi_resume(iw_instance_t *inst)
{
    iwasi_ctx_t *ctx = iw_instance_user_data(inst);
    if (!ctx || !ctx->pending) return iw_resume(inst, NULL);
    const char *name = NULL;
    const uint64_t *args = NULL;
    if (iw_instance_suspended(inst, &name, &args) != IW_SUSPEND_HOST || !args) return IW_SUSPENDED;
    /* The call is redone from the start: the memory it had lifted may be
     * another one now (an instance made from a snapshot). */
    iwasi_mem_t mem = { iwasi__engine_lift, inst };
    int r = iwasi_hostcall_run(ctx->pending, ctx, &mem, args);
    if (r == IWASI_CALL_SUSPEND) return IW_SUSPENDED;
    uint64_t result = (uint32_t)r;
    return iw_resume(inst, &result);
}
