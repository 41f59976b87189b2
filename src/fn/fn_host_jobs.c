/* The job host functions of both modules (fn_jobs.h queues): Gojinn's
 * host_enqueue(module, mlen, payload, plen) -> i32, 0 queued and 1 not
 * (Gojinn's host returns 1 when it cannot read the guest's memory; here a
 * range outside it traps, and 1 means denied, no such function, or the
 * queue failed, each logged), and ifrit's enqueue(name, nlen, payload,
 * plen, id_out) -> error code, the job's id (FN_JOB_ID_LEN hex digits, no
 * NUL) written at id_out. */
#include <string.h>

#include "fn/fn_host_call.h"
#include "fn/fn_jobs.h"

/* FN_HOST_E_*, with the id in id. */
static int fn__job_call(iw_instance_t *inst, fn_function_t *f, const char *call, const uint64_t *args, char *id,
                        bool *trapped)
{
    const char *name = fn_host_lift(inst, call, "function name", (uint32_t)args[0], (uint32_t)args[1]);
    const char *payload = name ? fn_host_lift(inst, call, "payload", (uint32_t)args[2], (uint32_t)args[3]) : NULL;
    *trapped = !payload;
    if (!payload) return FN_HOST_E_INVALID;
    fn_call_t *c = fn_host_current();
    if (!c || c->f != f) {
        ifr_log_warn(f->logger, "%s while the function loads (before its first read of stdin or of its "
                     "environment): host calls are not available there, it fails", call);
        return FN_HOST_E_UNAVAILABLE;
    }
    return fn_jobs_enqueue(c, call, ifr_str(name, (uint32_t)args[1]), ifr_str(payload, (uint32_t)args[3]), id);
}

FN_HOST_FN(fn_gojinn_enqueue)
{
    char id[FN_JOB_ID_LEN + 1];
    bool trapped;
    int e = fn__job_call(inst, env, "host_enqueue", args, id, &trapped);
    if (trapped) return IW_HOST_TRAP;
    results[0] = e == FN_HOST_E_OK ? 0 : 1;
    return IW_HOST_OK;
}

FN_HOST_FN(fn_ifrit_enqueue)
{
    char *out = fn_host_lift(inst, "enqueue", "id buffer", (uint32_t)args[4], FN_JOB_ID_LEN);
    if (!out) return IW_HOST_TRAP;
    char id[FN_JOB_ID_LEN + 1];
    bool trapped;
    int e = fn__job_call(inst, env, "enqueue", args, id, &trapped);
    if (trapped) return IW_HOST_TRAP;
    if (e == FN_HOST_E_OK) memcpy(out, id, FN_JOB_ID_LEN);
    results[0] = (uint32_t)e;
    return IW_HOST_OK;
}
