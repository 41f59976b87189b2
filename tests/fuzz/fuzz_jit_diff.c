/* libFuzzer target: differential testing of the x86-64 compiler against
 * the interpreter (issue 23). The fuzzer's bytes become a valid module
 * (wasm_gen.c), loaded once with each engine; an instance of each runs the
 * same calls with the same limits (fuel, call depth, value stack, memory
 * cap, and a fuel slice that pauses and resumes the call when the module
 * draws one). The host function env.h answers from its argument and how
 * many times it was called, and when the module draws it suspends every
 * n-th call, to be resumed with that answer; for some arguments it calls
 * f0 first (iw_call_from_host) and folds what that did into the answer;
 * a suspended call (a host
 * suspension or a slice pause) may also be captured in an image and go on
 * in a new instance made from it. When the module draws it, the calls run
 * in a resettable instance made from an image of the new one, reset after
 * every call (the memory must then be the image's again, which checks the
 * write map compiled stores keep). Any difference aborts with both sides
 * printed: status, results (bit for bit), trap kind, message and
 * backtrace, fuel used, pauses, host calls, and after each call a hash of
 * memory, its size and every global.
 *
 * FUZZ_JIT_DIFF_DUMP=FILE writes each generated module to FILE (to look at
 * one input's module with wasm2wat). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"   /* struct iw_memory: reading memory without marking its write map */
#include "wasm/wasm.h"
#include "wasm_gen.h"

#define MAX_RESULTS 4
#define MAX_GLOBALS 8
/* Snapshots per call at most: a restored instance starts with fresh fuel,
 * so unbounded restores need not end. */
#define MAX_SNAPSHOTS 3

/* What env.h keeps per engine (the instance's user data). */
typedef struct {
    uint64_t calls;
    uint32_t suspend_every;
    bool nested;            /* a call of f0 from env.h is running */
} host_state_t;

static uint32_t host_answer(uint64_t arg, uint64_t call) { return (uint32_t)(arg * 2654435761u + call); }

/* f0 called from inside env.h (as a host asks its guest to allocate),
 * with zero arguments; what it did, folded into a number. */
static uint32_t call_back(iw_instance_t *inst)
{
    iw_func_t *f = iw_instance_func(inst, "f0");
    const char *sig = iw_func_sig(f), *colon = strchr(sig, ':');
    iw_val_t args[WASM_GEN_MAX_ARGS], results[MAX_RESULTS];
    uint32_t nargs = (uint32_t)(colon - sig), nresults = (uint32_t)strlen(colon + 1);
    for (uint32_t i = 0; i < nargs; i++) {
        memset(&args[i], 0, sizeof args[i]);
        args[i].type = sig[i] == 'i' ? IW_I32 : sig[i] == 'I' ? IW_I64 : sig[i] == 'f' ? IW_F32
                     : sig[i] == 'F' ? IW_F64 : IW_V128;
    }
    iw_status_t status = iw_call_from_host(inst, f, args, nargs, results, nresults);
    uint32_t folded = (uint32_t)status * 7919u;
    if (status == IW_FINISHED && nresults) folded ^= (uint32_t)results[0].of.i64;
    if (status == IW_TRAPPED) folded ^= (uint32_t)iw_instance_trap(inst)->kind;
    return folded;
}

static iw_host_result_t host_h(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    host_state_t *st = iw_instance_user_data(inst);
    st->calls++;
    if (st->suspend_every && st->calls % st->suspend_every == 0) return IW_HOST_SUSPEND;
    results[0] = host_answer(args[0], st->calls);
    /* one level only: a guest calling env.h again from f0 gets the plain answer */
    if ((args[0] & 7) == 5 && !st->nested) {
        st->nested = true;
        results[0] ^= call_back(inst);
        st->nested = false;
    }
    return IW_HOST_OK;
}

typedef struct {
    iw_status_t status;
    uint32_t nresults;
    iw_val_t results[MAX_RESULTS];
    iw_trap_kind_t trap;
    char message[200];
    uint32_t frame_count;
    iw_frame_t frames[IW_BACKTRACE_MAX];
    uint64_t fuel;
    uint64_t pauses;
    uint64_t host_calls;
    uint64_t memory_size;
    uint64_t memory_hash;
    iw_val_t globals[MAX_GLOBALS];
    int reset;                  /* iw_instance_reset's answer, 1 when not reset */
    uint64_t reset_hash;        /* memory's hash after the reset */
} outcome_t;

static uint64_t fnv1a(const uint8_t *p, uint64_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint64_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* The memory's bytes read in place: iw_memory_data would mark the whole
 * write map of a resettable instance (a host may write through it), and a
 * reset would then put back every block whatever the guest's stores
 * marked. */
static uint64_t memory_hash(iw_instance_t *inst, uint64_t *size)
{
    const iw_memory_t *m = iw_instance_memory(inst, "mem");
    if (size) *size = m->size;
    return fnv1a(m->data, m->size);
}

/* The bytes of a value that matter for its type (f32 NaN bits included). */
static size_t value_bytes(const iw_val_t *v, const uint8_t **p)
{
    *p = (const uint8_t *)&v->of;
    switch (v->type) {
    case IW_I32: case IW_F32: return 4;
    case IW_V128: return 16;
    default: return 8;
    }
}

static bool same_value(const iw_val_t *a, const iw_val_t *b)
{
    const uint8_t *pa, *pb;
    size_t na = value_bytes(a, &pa), nb = value_bytes(b, &pb);
    return a->type == b->type && na == nb && memcmp(pa, pb, na) == 0;
}

static void print_value(const iw_val_t *v)
{
    const uint8_t *p;
    size_t n = value_bytes(v, &p);
    fprintf(stderr, " %02x:", v->type);
    for (size_t i = n; i > 0; i--) fprintf(stderr, "%02x", p[i - 1]);
}

static void print_outcome(const char *engine, const outcome_t *o, uint32_t nglobals)
{
    fprintf(stderr, "  %-11s status %d, fuel %" PRIu64 ", pauses %" PRIu64 ", host calls %" PRIu64 ", memory %" PRIu64
            " bytes hash %016" PRIx64 ", results", engine, (int)o->status, o->fuel, o->pauses, o->host_calls,
            o->memory_size, o->memory_hash);
    if (o->reset != 1) fprintf(stderr, ", reset %d, memory then %016" PRIx64, o->reset, o->reset_hash);
    for (uint32_t i = 0; i < o->nresults; i++) print_value(&o->results[i]);
    fprintf(stderr, ", globals");
    for (uint32_t i = 0; i < nglobals; i++) print_value(&o->globals[i]);
    fprintf(stderr, "\n");
    if (o->status == IW_TRAPPED) {
        fprintf(stderr, "  %-11s trap %s \"%s\", frames", engine, iw_trap_kind_name(o->trap), o->message);
        for (uint32_t i = 0; i < o->frame_count; i++)
            fprintf(stderr, " f%u@%u", o->frames[i].func_index, o->frames[i].code_offset);
        fprintf(stderr, "\n");
    }
}

static bool same_outcome(const outcome_t *a, const outcome_t *b, uint32_t nglobals)
{
    if (a->status != b->status || a->nresults != b->nresults || a->fuel != b->fuel || a->pauses != b->pauses ||
        a->host_calls != b->host_calls || a->reset != b->reset || a->reset_hash != b->reset_hash || a->memory_size != b->memory_size || a->memory_hash != b->memory_hash)
        return false;
    for (uint32_t i = 0; i < a->nresults; i++)
        if (!same_value(&a->results[i], &b->results[i])) return false;
    for (uint32_t i = 0; i < nglobals; i++)
        if (!same_value(&a->globals[i], &b->globals[i])) return false;
    if (a->status != IW_TRAPPED) return true;
    if (a->trap != b->trap || strcmp(a->message, b->message) != 0 || a->frame_count != b->frame_count) return false;
    for (uint32_t i = 0; i < a->frame_count; i++)
        if (a->frames[i].func_index != b->frames[i].func_index ||
            a->frames[i].code_offset != b->frames[i].code_offset)
            return false;
    return true;
}

/* Captures *inst (a call suspended in it) and goes on in a new instance
 * made from the image; *inst is left as it was if that fails. */
static void move_to_image(iw_instance_t **inst, const iw_limits_t *lim)
{
    iw_image_t *img = iw_image_capture(*inst);
    if (!img) return;
    iw_error_t err;
    iw_instance_t *restored = iw_instance_from_image(img, lim, &err);
    iw_image_release(img);
    if (!restored) return;
    iw_instance_set_user_data(restored, iw_instance_user_data(*inst));
    iw_instance_free(*inst);
    *inst = restored;
}

/* One call of the plan on *inst, resumed after every pause (a slice used
 * up, or env.h suspended). */
static void run_call(iw_instance_t **inst, const wasm_gen_module_t *g, const iw_limits_t *lim,
                     const wasm_gen_call_t *call, outcome_t *o)
{
    memset(o, 0, sizeof *o);
    host_state_t *st = iw_instance_user_data(*inst);
    uint64_t calls_before = st->calls;
    char name[16];
    snprintf(name, sizeof name, "f%u", call->func);
    iw_func_t *f = iw_instance_func(*inst, name);
    const char *results = strchr(iw_func_sig(f), ':') + 1;
    o->nresults = (uint32_t)strlen(results);
    iw_instance_set_slice(*inst, g->slice);
    o->status = iw_call(*inst, f, call->args, call->nargs, o->results, o->nresults);
    /* every pause uses up fuel or a host call, both bounded, so this ends */
    for (uint32_t snapshots = 0; o->status == IW_SUSPENDED; o->pauses++) {
        if (g->snapshot && snapshots < MAX_SNAPSHOTS) {
            snapshots++;
            move_to_image(inst, lim);
        }
        const uint64_t *args;
        if (iw_instance_suspended(*inst, NULL, &args) == IW_SUSPEND_HOST) {
            uint64_t answer = host_answer(args[0], st->calls);
            o->status = iw_resume(*inst, &answer);
        } else {
            o->status = iw_resume(*inst, NULL);
        }
    }
    o->host_calls = st->calls - calls_before;
    if (o->status == IW_FINISHED) o->nresults = iw_instance_results(*inst, o->results, o->nresults);
    else o->nresults = 0;
    o->fuel = iw_instance_fuel_used(*inst);
    if (o->status == IW_TRAPPED) {
        const iw_trap_t *t = iw_instance_trap(*inst);
        o->trap = t->kind;
        snprintf(o->message, sizeof o->message, "%s", t->message);
        o->frame_count = t->frame_count;
        memcpy(o->frames, t->frames, t->frame_count * sizeof t->frames[0]);
    }
    o->memory_hash = memory_hash(*inst, &o->memory_size);
    for (uint32_t i = 0; i < g->nglobals && i < MAX_GLOBALS; i++) {
        snprintf(name, sizeof name, "g%u", i);
        o->globals[i] = iw_global_get(iw_instance_global(*inst, name));
    }
}


/* Makes *inst a resettable instance in its present state. */
static void make_resettable(iw_instance_t **inst, const iw_limits_t *lim)
{
    iw_image_t *img = iw_image_capture(*inst);
    if (!img) abort();
    iw_error_t err;
    iw_instance_t *r = iw_instance_from_image_resettable(img, lim, &err);
    iw_image_release(img);
    if (!r) {
        fprintf(stderr, "fuzz_jit_diff: no resettable instance: %s\n", err.message);
        abort();
    }
    iw_instance_set_user_data(r, iw_instance_user_data(*inst));
    iw_instance_free(*inst);
    *inst = r;
}

static iw_module_t *load(iw_engine_t engine, const wasm_gen_module_t *g)
{
    iw_set_engine(engine);
    iw_error_t err;
    iw_module_t *m = iw_module_new(g->bytes, g->len, &err);
    if (!m) {
        /* the generator promises valid modules: this is its bug (or the validator's) */
        fprintf(stderr, "fuzz_jit_diff: generated module refused at %" PRIu64 ": %s\n", err.offset, err.message);
        abort();
    }
    return m;
}

static void dump(const wasm_gen_module_t *g)
{
    const char *path = getenv("FUZZ_JIT_DIFF_DUMP");
    if (!path) return;
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(g->bytes, 1, g->len, f);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_gen_module_t g;
    if (wasm_gen_module(data, size, &g) != 0) return 0;
    dump(&g);
    iw_module_t *modules[2] = { load(IW_ENGINE_INTERPRETER, &g), load(IW_ENGINE_COMPILER, &g) };
    uint32_t defined = 0, compiled = iw_module_compiled_count(modules[1], &defined);
    if (compiled != defined) {
        /* the generator uses only what the compiler translates: a function
         * left to the interpreter would hide the compiler from this test */
        fprintf(stderr, "fuzz_jit_diff: %u of %u functions compiled\n", compiled, defined);
        abort();
    }
    iw_limits_t lim = { .max_memory_bytes = 4 * 65536, .fuel = g.fuel, .max_call_depth = 40,
                        .max_stack_bytes = 1 << 16 };
    iw_linker_t *linker = iw_linker_new();
    if (!linker || iw_linker_define_func(linker, "env", "h", "i:i", host_h, NULL) != 0) abort();
    iw_instance_t *inst[2];
    host_state_t host[2] = { { .suspend_every = g.suspend_every }, { .suspend_every = g.suspend_every } };
    for (int e = 0; e < 2; e++) {
        iw_error_t err = { 0 };
        iw_trap_t trap;
        inst[e] = iw_instance_new(modules[e], linker, &lim, &err, &trap);
        if (!inst[e]) {
            fprintf(stderr, "fuzz_jit_diff: the generated module does not instantiate: %s\n", err.message);
            abort();
        }
        iw_instance_set_user_data(inst[e], &host[e]);
        if (g.resettable) make_resettable(&inst[e], &lim);
    }
    uint64_t initial_hash = memory_hash(inst[0], NULL);
    for (uint32_t i = 0; i < g.ncalls; i++) {
        outcome_t o[2];
        for (int e = 0; e < 2; e++) {
            run_call(&inst[e], &g, &lim, &g.calls[i], &o[e]);
            o[e].reset = 1;
            if (g.resettable) {
                /* -1 once a snapshot replaced the instance with a plain one */
                o[e].reset = iw_instance_reset(inst[e], &lim);
                o[e].reset_hash = memory_hash(inst[e], NULL);
                if (o[e].reset == 0 && o[e].reset_hash != initial_hash) {
                    fprintf(stderr, "fuzz_jit_diff: call %u: the %s's memory after a reset is not the image's\n",
                            i + 1, e ? "compiler" : "interpreter");
                    abort();
                }
            }
        }
        if (!same_outcome(&o[0], &o[1], g.nglobals)) {
            fprintf(stderr, "fuzz_jit_diff: call %u of %u (f%u, fuel %" PRIu64 ", slice %" PRIu64
                    ", host suspends every %u, snapshots %s, resettable %s) differs:\n", i + 1, g.ncalls,
                    g.calls[i].func, g.fuel, g.slice, g.suspend_every, g.snapshot ? "yes" : "no",
                    g.resettable ? "yes" : "no");
            print_outcome("interpreter", &o[0], g.nglobals);
            print_outcome("compiler", &o[1], g.nglobals);
            abort();
        }
    }
    for (int e = 0; e < 2; e++) {
        iw_instance_free(inst[e]);
        iw_module_release(modules[e]);
    }
    iw_linker_free(linker);
    wasm_gen_free(&g);
    return 0;
}
