/* Running calls: iw_call and iw_resume set up or continue the explicit
 * stacks and hand over to the interpreter; the fuel, slice, interrupt and
 * deadline slow path; traps with backtraces; stack growth. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm/config.h"
#include "wasm/runtime.h"

const char *iw_trap_kind_name(iw_trap_kind_t kind)
{
    static const char *const names[] = {
#define IW__X(name, short_name, text) short_name,
        IW_TRAP_KINDS(IW__X)
#undef IW__X
    };
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

static const char *iw__trap_text(iw_trap_kind_t kind)
{
    static const char *const texts[] = {
#define IW__X(name, short_name, text) text,
        IW_TRAP_KINDS(IW__X)
#undef IW__X
    };
    return (unsigned)kind < sizeof texts / sizeof texts[0] ? texts[kind] : "trap";
}

void iw_exec_init(iw_instance_t *inst)
{
    iw_exec_t *ex = &inst->ex;
    const iw_limits_t *lim = &inst->limits;
    ex->max_depth = lim->max_call_depth ? lim->max_call_depth : IW_DEFAULT_CALL_DEPTH;
    ex->stack_max_slots = (lim->max_stack_bytes ? lim->max_stack_bytes : IW_DEFAULT_STACK_BYTES) / sizeof(uint64_t);
    ex->fuel_limit = lim->fuel;
    ex->deadline_ns = lim->deadline_ns;
    atomic_init(&ex->interrupt, 0);
}

void iw_exec_free(iw_instance_t *inst)
{
    free(inst->ex.stack);
    free(inst->ex.frames);
}

/* Value stack growth: doubling, up to the limit; frame pointers into the
 * old stack are moved along. */
bool iw_stack_grow(iw_instance_t *root, size_t need_total)
{
    iw_exec_t *ex = &root->ex;
    if (need_total > ex->stack_max_slots) return false;
    size_t n = ex->stack_slots ? ex->stack_slots : IW_INITIAL_STACK_SLOTS;
    while (n < need_total) n *= 2;
    if (n > ex->stack_max_slots) n = ex->stack_max_slots;
    uintptr_t old = (uintptr_t)ex->stack;   /* as a number: only offsets are kept */
    uint64_t *p = realloc(ex->stack, n * sizeof *p);
    if (!p) return false;
    for (uint32_t i = 0; old && i <= ex->depth && ex->frames; i++)
        if (ex->frames[i].fp) ex->frames[i].fp = p + ((uintptr_t)ex->frames[i].fp - old) / sizeof *p;
    ex->stack = p;
    ex->stack_slots = n;
    return true;
}

bool iw_frames_grow(iw_instance_t *root)
{
    iw_exec_t *ex = &root->ex;
    if (ex->depth + 1 > ex->max_depth) return false;
    uint32_t n = ex->frame_cap ? ex->frame_cap * 2 : IW_INITIAL_FRAMES;
    if (n > ex->max_depth + 2) n = ex->max_depth + 2;
    iw_exec_frame_t *p = realloc(ex->frames, n * sizeof *p);
    if (!p) return false;
    ex->frames = p;
    ex->frame_cap = n;
    return true;
}

/* The guest frames of ex's call, innermost first, at most max. past: the
 * innermost ip has already moved past its instruction. */
static uint32_t iw__frames(const iw_exec_t *ex, bool past, iw_frame_t *frames, uint32_t max)
{
    uint32_t n = 0;
    for (uint32_t d = ex->depth; d >= 1 && ex->frames && n < max; d--) {
        const iw_exec_frame_t *f = &ex->frames[d];
        if (!f->fn) continue;
        const iw_module_t *m = f->inst->module;
        const iw_word_t *ip = d == ex->depth ? ex->ip : ex->frames[d + 1].ret_ip;
        iw_frame_t *out = &frames[n++];
        out->func_index = f->fn->func_index;
        out->code_offset = f->fn->body_offset;
        if (ip >= f->fn->code)
            out->code_offset = iw_code_offset(f->fn, (uint32_t)(ip - f->fn->code), d != ex->depth || past);
        out->name = m->func_names ? m->func_names[f->fn->func_index] : NULL;
    }
    return n;
}

void iw_set_trap(iw_instance_t *root, iw_trap_kind_t kind, const char *detail)
{
    iw_trap_t *t = &root->trap;
    t->kind = kind;
    snprintf(t->message, sizeof t->message, "%s", detail ? detail : iw__trap_text(kind));
    /* Traps raised inside an instruction leave ip on it; host calls and
     * the fuel/interrupt slow path have already moved past it. */
    bool past = kind == IW_TRAP_HOST || kind == IW_TRAP_OUT_OF_FUEL || kind == IW_TRAP_INTERRUPTED;
    t->frame_count = iw__frames(&root->ex, past, t->frames, IW_BACKTRACE_MAX);
}

static int64_t iw__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The next countdown: the check period, cut short by the fuel limit or the
 * end of the slice so that those are noticed on time. */
/* Adds what the countdown used since it was set to the total. */
static void iw__fuel_settle(iw_exec_t *ex)
{
    ex->consumed += (uint64_t)(ex->budget_base - ex->budget);
    ex->budget_base = ex->budget;
}

static void iw__budget_reset(iw_exec_t *ex)
{
    int64_t next = IW_CHECK_PERIOD;
    if (ex->fuel_limit) {
        uint64_t left = ex->fuel_limit > ex->consumed ? ex->fuel_limit - ex->consumed : 0;
        if ((uint64_t)next > left) next = (int64_t)left;
    }
    if (ex->slice) {
        uint64_t left = ex->slice_end > ex->consumed ? ex->slice_end - ex->consumed : 0;
        if ((uint64_t)next > left) next = (int64_t)left;
    }
    ex->budget = ex->budget_base = next;
}

int iw_refuel(iw_instance_t *root)
{
    iw_exec_t *ex = &root->ex;
    iw__fuel_settle(ex);
    if (ex->fuel_limit && ex->consumed > ex->fuel_limit) return IW_TRAP_OUT_OF_FUEL;
    if (atomic_exchange(&ex->interrupt, 0)) return IW_TRAP_INTERRUPTED;
    if (ex->deadline_ns && iw__now_ns() >= ex->deadline_ns) return IW_TRAP_INTERRUPTED;
    if (ex->slice && ex->consumed >= ex->slice_end) {
        ex->slice_end = ex->consumed + ex->slice;
        iw__budget_reset(ex);
        return -1;
    }
    iw__budget_reset(ex);
    return 0;
}

static iw_status_t iw__host_trap_status(iw_instance_t *inst, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static iw_status_t iw__host_trap_status(iw_instance_t *inst, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[200];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* a misuse while a call is paused or running must not disturb it */
    if (inst->ex.state == IW_IDLE) inst->ex.depth = 0;
    iw_set_trap(inst, IW_TRAP_HOST, msg);
    return IW_TRAPPED;
}

/* After the interpreter: results of a finished call go to the caller. */
static iw_status_t iw__finish(iw_instance_t *inst, iw_status_t st)
{
    iw_exec_t *ex = &inst->ex;
    if (st == IW_FINISHED && ex->results) {
        const char *rs = ex->entry->sig + ex->entry->nparams + 1;   /* one letter per parameter, then ':' */
        const uint64_t *slot = ex->stack;
        for (uint32_t i = 0; i < ex->nresults && rs[i]; i++) {
            ex->results[i] = iw_val_load(iw_sig_type(rs[i]), slot);
            slot += rs[i] == 'v' ? 2 : 1;
        }
    }
    if (st != IW_SUSPENDED) {
        ex->last_status = st;
        ex->state = IW_IDLE;
        ex->depth = 0;
    }
    return st;
}

static iw_status_t iw__start(iw_instance_t *inst)
{
    iw_exec_t *ex = &inst->ex;
    if (ex->budget < 0) {
        int r = iw_refuel(inst);
        if (r > 0) {
            iw_set_trap(inst, (iw_trap_kind_t)r, NULL);
            return iw__finish(inst, IW_TRAPPED);
        }
        if (r < 0) {
            ex->reason = IW_SUSPEND_SLICE;
            ex->state = IW_PAUSED;
            return IW_SUSPENDED;
        }
    }
    return iw__finish(inst, iw_run(inst));
}

iw_status_t iw_call(iw_instance_t *inst, iw_func_t *f, const iw_val_t *args, uint32_t nargs,
                    iw_val_t *results, uint32_t nresults)
{
    iw_exec_t *ex = &inst->ex;
    if (ex->state != IW_IDLE)
        return iw__host_trap_status(inst, "a call is already in progress on this instance");
    if (!f) return iw__host_trap_status(inst, "no function to call");
    if (nargs != f->nparams || nresults < f->nresults)
        return iw__host_trap_status(inst, "wrong number of arguments or results for a function of type %s", f->sig);
    for (uint32_t i = 0; i < nargs; i++)
        if ((uint8_t)args[i].type != iw_sig_type(f->sig[i]))
            return iw__host_trap_status(inst, "argument %u has the wrong type for a function of type %s", i, f->sig);
    size_t need = f->code ? f->code->frame_slots : f->nparams + IW_HOST_MAX_RESULTS;
    if ((!ex->frames || ex->frame_cap < 2) && !iw_frames_grow(inst))
        return iw__host_trap_status(inst, "out of memory for the call stack");
    if (ex->stack_slots < need && !iw_stack_grow(inst, need)) {
        ex->depth = 0;
        iw_set_trap(inst, IW_TRAP_STACK_EXHAUSTED, NULL);
        return IW_TRAPPED;
    }
    for (uint32_t i = 0, k = 0; i < nargs; i++) k += iw_val_store(args[i], ex->stack + k);
    ex->results = results;
    ex->nresults = nresults;
    ex->entry = f;
    ex->reason = IW_SUSPEND_NONE;
    ex->host = NULL;
    atomic_store(&ex->interrupt, 0);
    iw__fuel_settle(ex);
    ex->slice_end = ex->consumed + ex->slice;
    iw__budget_reset(ex);
    ex->frames[0] = (iw_exec_frame_t){ NULL, ex->stack, inst, NULL, NULL };
    ex->depth = 0;

    if (f->host) {
        /* A host function called directly: run it here; if it suspends,
         * resuming continues at a HALT that returns its results. */
        uint64_t res[IW_HOST_MAX_RESULTS];
        inst->host_trapped = false;
        ex->state = IW_RUNNING;
        iw_host_result_t r = f->host(inst, f->env, ex->stack, res);
        switch (r) {
        case IW_HOST_OK:
            memcpy(ex->stack, res, f->nresults * sizeof *res);
            return iw__finish(inst, IW_FINISHED);
        case IW_HOST_SUSPEND:
            ex->state = IW_PAUSED;
            ex->reason = IW_SUSPEND_HOST;
            ex->host = f;
            ex->host_base = 0;
            ex->ip = iw_halt_code();
            return IW_SUSPENDED;
        case IW_HOST_EXIT:
            return iw__finish(inst, IW_EXITED);
        default:
            iw_set_trap(inst, IW_TRAP_HOST, inst->host_trapped ? inst->host_message : "host function failed");
            return iw__finish(inst, IW_TRAPPED);
        }
    }

    const iw_code_t *c = f->code;
    ex->frames[1] = (iw_exec_frame_t){ iw_halt_code(), ex->stack, f->inst, c, NULL };
    ex->depth = 1;
    memset(ex->stack + c->nparams, 0, (c->nlocals - c->nparams) * sizeof(uint64_t));
    ex->ip = c->code;
    ex->budget -= c->fuel;
    return iw__start(inst);
}

iw_status_t iw_call_from_host(iw_instance_t *inst, iw_func_t *f, const iw_val_t *args, uint32_t nargs,
                              iw_val_t *results, uint32_t nresults)
{
    iw_exec_t *ex = &inst->ex;
    if (ex->state == IW_IDLE) return iw_call(inst, f, args, nargs, results, nresults);
    if (ex->state != IW_RUNNING) return iw__host_trap_status(inst, "a nested call needs a running call");
    /* The outer call's state is set aside whole (its interpreter loop
     * keeps pointers into its stacks, which stay as they are) and the
     * nested call runs on stacks of its own with the fuel that is left. */
    iw__fuel_settle(ex);
    uint64_t left = ex->fuel_limit > ex->consumed ? ex->fuel_limit - ex->consumed : 0;
    if (ex->fuel_limit && left == 0) {
        iw_set_trap(inst, IW_TRAP_OUT_OF_FUEL, NULL);
        return IW_TRAPPED;
    }
    iw_exec_t outer;
    memcpy(&outer, ex, sizeof outer);
    memset(ex, 0, sizeof *ex);
    iw_exec_init(inst);
    ex->fuel_limit = outer.fuel_limit ? left : 0;
    ex->deadline_ns = outer.deadline_ns;
    iw_status_t st = iw_call(inst, f, args, nargs, results, nresults);
    if (st == IW_SUSPENDED) {
        iw_instance_abort_call(inst);
        iw_set_trap(inst, IW_TRAP_HOST, "a nested call cannot suspend");
        st = IW_TRAPPED;
    }
    uint64_t used = iw_instance_fuel_used(inst);
    iw_exec_free(inst);
    memcpy(ex, &outer, sizeof *ex);
    ex->consumed += used;
    return st;
}

iw_status_t iw_resume(iw_instance_t *inst, const uint64_t *host_results)
{
    iw_exec_t *ex = &inst->ex;
    if (ex->state != IW_PAUSED) return iw__host_trap_status(inst, "no suspended call to resume");
    if (ex->reason == IW_SUSPEND_HOST && ex->host->nresults) {
        if (!host_results) return iw__host_trap_status(inst, "resuming a host call needs its results");
        memcpy(ex->stack + ex->host_base, host_results, ex->host->nresults * sizeof(uint64_t));
    }
    ex->reason = IW_SUSPEND_NONE;
    ex->host = NULL;
    iw__fuel_settle(ex);
    ex->slice_end = ex->consumed + ex->slice;
    iw__budget_reset(ex);
    return iw__finish(inst, iw_run(inst));
}

void iw_instance_set_slice(iw_instance_t *inst, uint64_t fuel)
{
    iw_exec_t *ex = &inst->ex;
    iw__fuel_settle(ex);
    ex->slice = fuel;
    ex->slice_end = ex->consumed + fuel;
}

iw_suspend_reason_t iw_instance_suspended(const iw_instance_t *inst, const char **import_name,
                                          const uint64_t **args)
{
    const iw_exec_t *ex = &inst->ex;
    if (ex->state != IW_PAUSED) return IW_SUSPEND_NONE;
    if (import_name) *import_name = ex->reason == IW_SUSPEND_HOST ? ex->host->name : NULL;
    if (args) *args = ex->reason == IW_SUSPEND_HOST ? ex->stack + ex->host_base : NULL;
    return ex->reason;
}

uint32_t iw_instance_frames(const iw_instance_t *inst, iw_frame_t *frames, uint32_t max)
{
    const iw_exec_t *ex = &inst->ex;
    return ex->state == IW_PAUSED ? iw__frames(ex, true, frames, max) : 0;
}

void iw_instance_abort_call(iw_instance_t *inst)
{
    iw_exec_t *ex = &inst->ex;
    ex->state = IW_IDLE;
    ex->depth = 0;
    ex->reason = IW_SUSPEND_NONE;
    ex->host = NULL;
}

uint32_t iw_instance_results(const iw_instance_t *inst, iw_val_t *out, uint32_t n)
{
    const iw_exec_t *ex = &inst->ex;
    if (!ex->entry || ex->state != IW_IDLE || ex->last_status != IW_FINISHED) return 0;
    const char *rs = strchr(ex->entry->sig, ':') + 1;
    uint32_t k = 0;
    const uint64_t *slot = ex->stack;
    for (; k < n && rs[k]; k++) {
        out[k] = iw_val_load(iw_sig_type(rs[k]), slot);
        slot += rs[k] == 'v' ? 2 : 1;
    }
    return k;
}

const iw_trap_t *iw_instance_trap(const iw_instance_t *inst) { return &inst->trap; }
int32_t iw_instance_exit_code(const iw_instance_t *inst) { return inst->exit_code; }

uint64_t iw_instance_fuel_used(const iw_instance_t *inst)
{
    const iw_exec_t *ex = &inst->ex;
    int64_t pending = ex->budget_base - ex->budget;
    return ex->consumed + (pending > 0 ? (uint64_t)pending : 0);
}

void iw_instance_add_fuel(iw_instance_t *inst, uint64_t fuel)
{
    iw_exec_t *ex = &inst->ex;
    if (ex->fuel_limit) ex->fuel_limit += fuel;
}

void iw_instance_interrupt(iw_instance_t *inst) { atomic_store(&inst->ex.interrupt, 1); }
void iw_instance_set_deadline(iw_instance_t *inst, int64_t deadline_ns) { inst->ex.deadline_ns = deadline_ns; }

void iw_host_trap(iw_instance_t *inst, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(inst->host_message, sizeof inst->host_message, fmt, ap);
    va_end(ap);
    inst->host_trapped = true;
}

void iw_host_exit(iw_instance_t *inst, int32_t code) { inst->exit_code = code; }
