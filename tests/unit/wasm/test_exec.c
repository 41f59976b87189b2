/* Execution control of the engine: fuel, slices, host suspension, exit,
 * host traps, interruption, deadlines, call depth, memory caps, aborting a
 * call, backtraces. */
#include <pthread.h>
#include <stdatomic.h>

#define TEST_SUITE "wasm/exec"
#include "testing.h"
#include "wat.h"

static const char *const WAT =
    "(module\n"
    "  (import \"host\" \"get\" (func $get (param i32) (result i32)))\n"
    "  (import \"host\" \"exit\" (func $exit (param i32)))\n"
    "  (import \"host\" \"fail\" (func $fail))\n"
    "  (import \"host\" \"poke\" (func $poke))\n"
    "  (memory (export \"memory\") 1 100)\n"
    "  (global $counter (mut i32) (i32.const 0))\n"
    "  (func $spin (export \"spin\") (param $n i32) (result i32) (local $acc i32)\n"
    "    (block $done (loop $l\n"
    "      (br_if $done (i32.eqz (local.get $n)))\n"
    "      (local.set $acc (i32.add (local.get $acc) (local.get $n)))\n"
    "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))\n"
    "      (br $l)))\n"
    "    (local.get $acc))\n"
    "  (func (export \"straight\") (result i32) (i32.add (i32.const 1) (i32.const 2)))\n"
    "  (func (export \"forever\") (loop $l (br $l)))\n"
    /* a resume switch as Go compiles every function: each path pays for
     * itself, not for the segments it jumps over (test_fuel) */
    "  (func (export \"dispatch\") (param $pc i32) (result i32)\n"
    "    (block $b2 (block $b1 (block $b0 (br_table $b0 $b1 $b2 (local.get $pc)))\n"
    "        (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0))\n"
    "        (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0))\n"
    "        (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (return (i32.const 0)))\n"
    "      (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0))\n"
    "      (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0))\n"
    "      (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (drop (i32.const 0)) (return (i32.const 1)))\n"
    "    (i32.const 2))\n"
    "  (func (export \"poke_forever\") (call $poke) (loop $l (br $l)))\n"
    "  (func $rec (export \"recurse\") (param i32) (result i32)\n"
    "    (i32.add (call $rec (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))\n"
    "  (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0)))\n"
    "  (func (export \"work\") (result i32) (local $i i32) (local $sum i32)\n"
    "    (loop $l\n"
    "      (local.set $sum (i32.add (local.get $sum) (call $get (local.get $i))))\n"
    "      (i32.store (i32.mul (local.get $i) (i32.const 4)) (local.get $sum))\n"
    "      (global.set $counter (i32.add (global.get $counter) (i32.const 1)))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))\n"
    "    (i32.add (i32.mul (local.get $sum) (i32.const 1000))\n"
    "             (i32.add (i32.load (i32.const 8)) (global.get $counter))))\n"
    "  (func (export \"do_exit\") (call $exit (i32.const 7)) unreachable)\n"
    "  (func (export \"do_fail\") (call $fail))\n"
    "  (func $inner (unreachable))\n"
    "  (func $outer (export \"nested_trap\") (call $inner))\n"
    ")\n";

/* work() = 33036 when get(i) = 10*i + 1: sum 33, mem[8] 33, counter 3. */
#define WORK_RESULT 33036

static bool suspend_get;   /* host "get" suspends instead of answering */

static iw_host_result_t host_get(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst, (void)env;
    if (suspend_get) return IW_HOST_SUSPEND;
    results[0] = (uint32_t)(args[0] * 10 + 1);
    return IW_HOST_OK;
}

static iw_host_result_t host_exit(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env, (void)results;
    iw_host_exit(inst, (int32_t)args[0]);
    return IW_HOST_EXIT;
}

static iw_host_result_t host_fail(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env, (void)args, (void)results;
    iw_host_trap(inst, "boom %d", 42);
    return IW_HOST_TRAP;
}

static iw_host_result_t host_poke(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env, (void)args, (void)results;
    iw_instance_interrupt(inst);
    return IW_HOST_OK;
}

static iw_module_t *module;
static iw_linker_t *linker;

static iw_instance_t *make(const iw_limits_t *lim)
{
    iw_error_t err;
    iw_trap_t trap;
    iw_instance_t *inst = iw_instance_new(module, linker, lim, &err, &trap);
    if (!inst) printf("instantiate failed: %s\n", err.message);
    return inst;
}

static iw_status_t call1(iw_instance_t *inst, const char *name, int32_t arg, bool has_arg, int32_t *out)
{
    iw_val_t a = { .type = IW_I32, .of.i32 = arg }, r = { 0 };
    iw_func_t *f = iw_instance_func(inst, name);
    const char *sig = iw_func_sig(f);
    uint32_t nres = sig[strlen(sig) - 1] == ':' ? 0 : 1;
    iw_status_t st = iw_call(inst, f, &a, has_arg ? 1 : 0, &r, nres);
    if (out) *out = r.of.i32;
    return st;
}

static void test_runs(void)
{
    iw_instance_t *inst = make(NULL);
    int32_t r;
    CHECK_INT_EQ(call1(inst, "spin", 100, true, &r), IW_FINISHED);
    CHECK_INT_EQ(r, 5050);
    CHECK_INT_EQ(call1(inst, "work", 0, false, &r), IW_FINISHED);
    CHECK_INT_EQ(r, WORK_RESULT);
    uint32_t *word = iw_memory_lift(inst, 8, 4);
    CHECK(word && *word == 33);
    CHECK(iw_memory_lift(inst, 65536 - 3, 4) == NULL);
    CHECK(iw_memory_lift(inst, UINT64_MAX, 2) == NULL);
    iw_instance_free(inst);
}

static void test_fuel(void)
{
    iw_limits_t lim = { .fuel = 10000 };
    iw_instance_t *inst = make(&lim);
    CHECK_INT_EQ(call1(inst, "forever", 0, false, NULL), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_OUT_OF_FUEL);
    CHECK(iw_instance_fuel_used(inst) > 10000);
    iw_instance_free(inst);

    lim.fuel = 1000000;
    inst = make(&lim);
    int32_t r;
    CHECK_INT_EQ(call1(inst, "spin", 10, true, &r), IW_FINISHED);
    CHECK_INT_EQ(r, 55);
    CHECK(iw_instance_fuel_used(inst) > 0);
    iw_instance_free(inst);

    /* more fuel lets a spent instance run again */
    lim.fuel = 1000;
    inst = make(&lim);
    CHECK_INT_EQ(call1(inst, "spin", 100000, true, &r), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_OUT_OF_FUEL);
    iw_instance_add_fuel(inst, 100000);
    CHECK_INT_EQ(call1(inst, "spin", 100, true, &r), IW_FINISHED);
    CHECK_INT_EQ(r, 5050);
    CHECK_INT_EQ(iw_instance_suspended(inst, NULL, NULL), IW_SUSPEND_NONE);
    CHECK_INT_EQ(iw_resume(inst, NULL), IW_TRAPPED);   /* nothing to resume */
    iw_instance_free(inst);

    lim.fuel = 1000000;
    /* straight-line code is charged exactly: const, const, add, end */
    inst = make(&lim);
    CHECK_INT_EQ(call1(inst, "straight", 0, false, &r), IW_FINISHED);
    CHECK_INT_EQ(iw_instance_fuel_used(inst), 4);
    /* a loop costs the same for every iteration */
    uint64_t used[4];
    for (int i = 0; i < 4; i++) {
        used[i] = iw_instance_fuel_used(inst);
        if (i < 3) call1(inst, "spin", 10 * (i + 1), true, &r);
    }
    uint64_t c10 = used[1] - used[0], c20 = used[2] - used[1], c30 = used[3] - used[2];
    CHECK(c20 > c10);
    CHECK_INT_EQ(c30 - c20, c20 - c10);
    iw_instance_free(inst);

    /* a branch table's targets are charged per path: the last one runs
     * block x3, local.get, br_table, end, i32.const, end; the first two
     * their 60 drops and consts and a return too; the segments a path
     * jumps over cost it nothing */
    uint64_t per_pc[3];
    for (int pc = 0; pc < 3; pc++) {
        inst = make(&lim);
        CHECK_INT_EQ(call1(inst, "dispatch", pc, true, &r), IW_FINISHED);
        CHECK_INT_EQ(r, pc);
        per_pc[pc] = iw_instance_fuel_used(inst);
        iw_instance_free(inst);
    }
    CHECK(per_pc[2] <= 8);
    CHECK(per_pc[0] >= 60 && per_pc[0] < 70);
    CHECK_INT_EQ(per_pc[1], per_pc[0]);
}

static void test_slices(void)
{
    iw_instance_t *inst = make(NULL);
    iw_instance_set_slice(inst, 500);
    iw_val_t a = { .type = IW_I32, .of.i32 = 100000 }, r = { 0 };
    iw_status_t st = iw_call(inst, iw_instance_func(inst, "spin"), &a, 1, &r, 1);
    int pauses = 0;
    while (st == IW_SUSPENDED) {
        CHECK_INT_EQ(iw_instance_suspended(inst, NULL, NULL), IW_SUSPEND_SLICE);
        pauses++;
        st = iw_resume(inst, NULL);
    }
    CHECK_INT_EQ(st, IW_FINISHED);
    CHECK(pauses > 10);
    CHECK_INT_EQ(r.of.i32, (int32_t)705082704);   /* 100000*100001/2 mod 2^32 */
    iw_instance_free(inst);
}

static void test_host_suspend(void)
{
    iw_instance_t *inst = make(NULL);
    suspend_get = true;
    iw_val_t r = { 0 };
    iw_status_t st = iw_call(inst, iw_instance_func(inst, "work"), NULL, 0, &r, 1);
    int calls = 0;
    while (st == IW_SUSPENDED) {
        const char *name;
        const uint64_t *args;
        CHECK_INT_EQ(iw_instance_suspended(inst, &name, &args), IW_SUSPEND_HOST);
        CHECK_STR_EQ(name, "get");
        CHECK_INT_EQ(args[0], calls);
        uint64_t res = (uint64_t)(args[0] * 10 + 1);
        calls++;
        st = iw_resume(inst, &res);
    }
    suspend_get = false;
    CHECK_INT_EQ(st, IW_FINISHED);
    CHECK_INT_EQ(calls, 3);
    CHECK_INT_EQ(r.of.i32, WORK_RESULT);

    /* abandoning a suspended call leaves the instance usable */
    suspend_get = true;
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "work"), NULL, 0, &r, 1), IW_SUSPENDED);
    suspend_get = false;
    CHECK_INT_EQ(call1(inst, "spin", 1, true, NULL), IW_TRAPPED);   /* busy */
    iw_instance_abort_call(inst);
    int32_t v;
    CHECK_INT_EQ(call1(inst, "spin", 3, true, &v), IW_FINISHED);
    CHECK_INT_EQ(v, 6);
    iw_instance_free(inst);
}

static void test_exit_and_host_trap(void)
{
    iw_instance_t *inst = make(NULL);
    CHECK_INT_EQ(call1(inst, "do_exit", 0, false, NULL), IW_EXITED);
    CHECK_INT_EQ(iw_instance_exit_code(inst), 7);
    CHECK_INT_EQ(call1(inst, "do_fail", 0, false, NULL), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_HOST);
    CHECK_STR_EQ(iw_instance_trap(inst)->message, "boom 42");
    iw_instance_free(inst);
}

static void test_backtrace(void)
{
    iw_instance_t *inst = make(NULL);
    CHECK_INT_EQ(call1(inst, "nested_trap", 0, false, NULL), IW_TRAPPED);
    const iw_trap_t *t = iw_instance_trap(inst);
    CHECK_INT_EQ(t->kind, IW_TRAP_UNREACHABLE);
    CHECK_STR_EQ(t->message, "unreachable executed");
    CHECK_INT_EQ(t->frame_count, 2);
    CHECK_STR_EQ(t->frames[0].name, "inner");
    CHECK_STR_EQ(t->frames[1].name, "outer");
    /* offsets point at the unreachable in $inner and the call in $outer */
    CHECK(t->frames[0].code_offset < wat_len && wat_bytes[t->frames[0].code_offset] == 0x00);
    CHECK(t->frames[1].code_offset < wat_len && wat_bytes[t->frames[1].code_offset] == 0x10);
    CHECK(t->frames[0].code_offset < t->frames[1].code_offset);
    CHECK_STR_EQ(iw_trap_kind_name(IW_TRAP_MEMORY_OOB), "memory_oob");
    iw_instance_free(inst);
}

static void test_call_depth(void)
{
    iw_limits_t lim = { .max_call_depth = 100 };
    iw_instance_t *inst = make(&lim);
    CHECK_INT_EQ(call1(inst, "recurse", 0, true, NULL), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_STACK_EXHAUSTED);
    CHECK_STR_EQ(iw_instance_trap(inst)->message, "call stack exhausted");
    iw_instance_free(inst);
    /* the default limits: deep, but never the host's C stack */
    inst = make(NULL);
    CHECK_INT_EQ(call1(inst, "recurse", 0, true, NULL), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_STACK_EXHAUSTED);
    int32_t v;
    CHECK_INT_EQ(call1(inst, "spin", 4, true, &v), IW_FINISHED);   /* usable after */
    CHECK_INT_EQ(v, 10);
    iw_instance_free(inst);
}

static void test_memory_cap(void)
{
    iw_limits_t lim = { .max_memory_bytes = 3 * 65536 };
    iw_instance_t *inst = make(&lim);
    int32_t r;
    CHECK_INT_EQ(call1(inst, "grow", 2, true, &r), IW_FINISHED);
    CHECK_INT_EQ(r, 1);
    CHECK_INT_EQ(call1(inst, "grow", 1, true, &r), IW_FINISHED);
    CHECK_INT_EQ(r, -1);
    CHECK_INT_EQ(iw_memory_size(inst), 3 * 65536);
    iw_instance_free(inst);
    inst = make(NULL);   /* the module's own maximum (100 pages) */
    CHECK_INT_EQ(call1(inst, "grow", 100, true, &r), IW_FINISHED);
    CHECK_INT_EQ(r, -1);
    CHECK_INT_EQ(call1(inst, "grow", 99, true, &r), IW_FINISHED);
    CHECK_INT_EQ(r, 1);
    iw_instance_free(inst);
}

static void test_interrupt_and_deadline(void)
{
    iw_instance_t *inst = make(NULL);
    CHECK_INT_EQ(call1(inst, "poke_forever", 0, false, NULL), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_INTERRUPTED);
    iw_instance_free(inst);

    iw_limits_t lim = { .deadline_ns = 1 };   /* long past */
    inst = make(&lim);
    CHECK_INT_EQ(call1(inst, "forever", 0, false, NULL), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_INTERRUPTED);
    iw_instance_set_deadline(inst, 0);   /* lifted: finite work finishes */
    int32_t r;
    CHECK_INT_EQ(call1(inst, "spin", 100000, true, &r), IW_FINISHED);
    iw_instance_set_deadline(inst, 1);
    CHECK_INT_EQ(call1(inst, "spin", 100000, true, &r), IW_TRAPPED);
    iw_instance_free(inst);
}

static void *interrupter(void *arg)
{
    iw_instance_t *inst = arg;
    usleep(20000);
    iw_instance_interrupt(inst);
    return NULL;
}

static void test_interrupt_from_thread(void)
{
    iw_instance_t *inst = make(NULL);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, interrupter, inst) == 0);
    CHECK_INT_EQ(call1(inst, "forever", 0, false, NULL), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_INTERRUPTED);
    pthread_join(th, NULL);
    iw_instance_free(inst);
}

static void test_bad_modules(void)
{
    static const uint8_t garbage[] = { 0, 'a', 's', 'm', 2, 0, 0, 0 };
    iw_error_t err;
    CHECK(iw_module_new(garbage, sizeof garbage, &err) == NULL);
    CHECK(strstr(err.message, "version") != NULL);
    CHECK(iw_module_new(garbage, 3, &err) == NULL);
    /* a function body that adds an i32 to an f64 */
    static const uint8_t bad[] = { 0, 'a', 's', 'm', 1, 0, 0, 0,
                                   1, 4, 1, 0x60, 0, 0,           /* type () -> () */
                                   3, 2, 1, 0,                    /* func 0: type 0 */
                                   10, 16, 1, 14, 0, 0x41, 1, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0x6a, 0x0b };
    CHECK(iw_module_new(bad, sizeof bad, &err) == NULL);
    CHECK(strstr(err.message, "type mismatch") != NULL);
    CHECK(err.offset > 20);
}

int main(void)
{
    module = wat_module(WAT);
    if (!module) { printf("FAIL wasm/exec: the test module does not load\n"); return 1; }
    linker = iw_linker_new();
    iw_linker_define_func(linker, "host", "get", "i:i", host_get, NULL);
    iw_linker_define_func(linker, "host", "exit", "i:", host_exit, NULL);
    iw_linker_define_func(linker, "host", "fail", ":", host_fail, NULL);
    iw_linker_define_func(linker, "host", "poke", ":", host_poke, NULL);
    RUN(test_runs);
    RUN(test_fuel);
    RUN(test_slices);
    RUN(test_host_suspend);
    RUN(test_exit_and_host_trap);
    RUN(test_backtrace);
    RUN(test_call_depth);
    RUN(test_memory_cap);
    RUN(test_interrupt_and_deadline);
    RUN(test_interrupt_from_thread);
    RUN(test_bad_modules);
    iw_linker_free(linker);
    iw_module_release(module);
    return testing_done();
}
