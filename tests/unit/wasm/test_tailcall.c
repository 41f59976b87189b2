/* Tail calls (WebAssembly 3.0: return_call, return_call_indirect) at the
 * engine's edges; the instructions' rules are the spec suite's job. A tail
 * call reuses its caller's frame, so a loop of 10^7 tail calls runs inside
 * a value stack of 4 KiB and a call depth of 4; fuel, slices, host calls
 * that suspend, snapshots of a paused tail loop and backtraces keep
 * working. */
#define TEST_SUITE "wasm/tailcall"
#include "testing.h"
#include "wat.h"

static const char *const WAT =
    "(module\n"
    "  (import \"host\" \"twice\" (func $twice (param i64) (result i64)))\n"
    "  (type $to_i32 (func (param i64) (result i32)))\n"
    "  (type $to_i64 (func (param i64) (result i64)))\n"
    "  (table funcref (elem $even $odd $twice $boom))\n"
    "  (func $count (export \"count\") (param $n i64) (param $acc i64) (result i64)\n"
    "    (if (result i64) (i64.eqz (local.get $n)) (then (local.get $acc))\n"
    "      (else (return_call $count (i64.sub (local.get $n) (i64.const 1))\n"
    "                                (i64.add (local.get $acc) (i64.const 2))))))\n"
    "  (func $count_call (export \"count_call\") (param $n i64) (param $acc i64) (result i64)\n"
    "    (if (result i64) (i64.eqz (local.get $n)) (then (local.get $acc))\n"
    "      (else (call $count_call (i64.sub (local.get $n) (i64.const 1))\n"
    "                              (i64.add (local.get $acc) (i64.const 2))))))\n"
    "  (func $even (export \"even\") (param $n i64) (result i32)\n"
    "    (if (result i32) (i64.eqz (local.get $n)) (then (i32.const 1))\n"
    "      (else (return_call_indirect (type $to_i32) (i64.sub (local.get $n) (i64.const 1)) (i32.const 1)))))\n"
    "  (func $odd (param $n i64) (result i32)\n"
    "    (if (result i32) (i64.eqz (local.get $n)) (then (i32.const 0))\n"
    "      (else (return_call_indirect (type $to_i32) (i64.sub (local.get $n) (i64.const 1)) (i32.const 0)))))\n"
    "  (func (export \"to_host\") (param i64) (result i64)\n"
    "    (return_call $twice (i64.add (local.get 0) (i64.const 1))))\n"
    "  (func (export \"to_host_indirect\") (param i64) (result i64)\n"
    "    (return_call_indirect (type $to_i64) (local.get 0) (i32.const 2)))\n"
    "  (func (export \"wrong_type\") (result i64)\n"
    "    (return_call_indirect (type $to_i64) (i64.const 0) (i32.const 0)))\n"
    "  (func (export \"out_of_table\") (result i64)\n"
    "    (return_call_indirect (type $to_i64) (i64.const 0) (i32.const 9)))\n"
    "  (func $boom (param i64) (result i64) (unreachable))\n"
    "  (func $via (param i64) (result i64) (return_call $boom (local.get 0)))\n"
    "  (func $outer (export \"trap_outer\") (param i64) (result i64)\n"
    "    (i64.add (call $via (local.get 0)) (i64.const 1)))\n"
    "  (func $fresh (param $x i64) (result i64) (local $a i64) (local $b i64)\n"
    "    (i64.add (local.get $x) (i64.add (local.get $a) (local.get $b))))\n"
    "  (func (export \"dirty_locals\") (param $x i64) (result i64) (local $p i64) (local $q i64) (local $r i64)\n"
    "    (local.set $p (i64.const 99)) (local.set $q (i64.const 99)) (local.set $r (i64.const 99))\n"
    "    (return_call $fresh (local.get $x)))\n"
    ")\n";

static iw_module_t *module;
static iw_linker_t *linker;
static bool suspend_twice;

static iw_host_result_t host_twice(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst, (void)env;
    if (suspend_twice) return IW_HOST_SUSPEND;
    results[0] = args[0] * 2;
    return IW_HOST_OK;
}

static iw_instance_t *make(const iw_limits_t *lim)
{
    iw_error_t err;
    iw_trap_t trap;
    iw_instance_t *inst = iw_instance_new(module, linker, lim, &err, &trap);
    if (!inst) printf("instantiate failed: %s\n", err.message);
    return inst;
}

/* Calls an export with one or two i64 arguments; *out gets an i64 or i32 result. */
static iw_status_t call(iw_instance_t *inst, const char *name, int64_t a, int64_t b, uint32_t nargs, int64_t *out)
{
    iw_val_t args[2] = { { .type = IW_I64, .of.i64 = a }, { .type = IW_I64, .of.i64 = b } }, r = { 0 };
    iw_status_t st = iw_call(inst, iw_instance_func(inst, name), args, nargs, &r, 1);
    if (out) *out = r.type == IW_I32 ? r.of.i32 : r.of.i64;
    return st;
}

static void test_constant_stacks(void)
{
    /* 4 KiB of value stack and 4 frames: 10^7 tail calls fit, 100 plain calls do not */
    iw_limits_t lim = { .max_stack_bytes = 4096, .max_call_depth = 4 };
    iw_instance_t *inst = make(&lim);
    int64_t r = 0;
    CHECK_INT_EQ(call(inst, "count", 10000000, 0, 2, &r), IW_FINISHED);
    CHECK_INT_EQ(r, 20000000);
    CHECK_INT_EQ(call(inst, "even", 10000001, 0, 1, &r), IW_FINISHED);   /* through the table */
    CHECK_INT_EQ(r, 0);
    CHECK_INT_EQ(call(inst, "count_call", 100, 0, 2, &r), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_STACK_EXHAUSTED);
    CHECK_INT_EQ(call(inst, "count", 7, 1, 2, &r), IW_FINISHED);   /* usable after */
    CHECK_INT_EQ(r, 15);
    iw_instance_free(inst);
}

static void test_locals_start_at_zero(void)
{
    iw_instance_t *inst = make(NULL);
    int64_t r = 0;
    CHECK_INT_EQ(call(inst, "dirty_locals", 5, 0, 1, &r), IW_FINISHED);
    CHECK_INT_EQ(r, 5);
    iw_instance_free(inst);
}

static void test_fuel_and_slices(void)
{
    iw_limits_t lim = { .fuel = 100000000 };
    iw_instance_t *inst = make(&lim);
    /* every tail call is charged: the cost grows by the same amount per 10 calls */
    uint64_t used[4];
    for (int i = 0; i < 4; i++) {
        used[i] = iw_instance_fuel_used(inst);
        if (i < 3) CHECK_INT_EQ(call(inst, "count", 10 * (i + 1), 0, 2, NULL), IW_FINISHED);
    }
    CHECK(used[2] - used[1] > used[1] - used[0]);
    CHECK_INT_EQ(used[3] - used[2] - (used[2] - used[1]), used[2] - used[1] - (used[1] - used[0]));
    iw_instance_free(inst);

    lim.fuel = 1000;
    inst = make(&lim);
    CHECK_INT_EQ(call(inst, "count", 1000000, 0, 2, NULL), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_OUT_OF_FUEL);
    iw_instance_free(inst);

    inst = make(NULL);
    iw_instance_set_slice(inst, 1000);
    int64_t r = 0;
    iw_status_t st = call(inst, "count", 100000, 0, 2, &r);
    int pauses = 0;
    iw_val_t out = { 0 };
    while (st == IW_SUSPENDED) {
        pauses++;
        st = iw_resume(inst, NULL);
    }
    CHECK_INT_EQ(st, IW_FINISHED);
    CHECK(pauses > 10);
    CHECK_INT_EQ(iw_instance_results(inst, &out, 1), 1);
    CHECK_INT_EQ(out.of.i64, 200000);
    iw_instance_free(inst);
}

static void test_host_callee(void)
{
    iw_instance_t *inst = make(NULL);
    int64_t r = 0;
    CHECK_INT_EQ(call(inst, "to_host", 20, 0, 1, &r), IW_FINISHED);
    CHECK_INT_EQ(r, 42);
    CHECK_INT_EQ(call(inst, "to_host_indirect", 21, 0, 1, &r), IW_FINISHED);
    CHECK_INT_EQ(r, 42);
    /* the host suspends inside the tail call; its results end the call */
    suspend_twice = true;
    CHECK_INT_EQ(call(inst, "to_host", 4, 0, 1, &r), IW_SUSPENDED);
    const char *name;
    const uint64_t *args;
    CHECK_INT_EQ(iw_instance_suspended(inst, &name, &args), IW_SUSPEND_HOST);
    CHECK_STR_EQ(name, "twice");
    CHECK_INT_EQ(args[0], 5);
    uint64_t res = 77;
    CHECK_INT_EQ(iw_resume(inst, &res), IW_FINISHED);
    iw_val_t out = { 0 };
    CHECK_INT_EQ(iw_instance_results(inst, &out, 1), 1);
    CHECK_INT_EQ(out.of.i64, 77);
    suspend_twice = false;
    iw_instance_free(inst);
}

static void test_traps(void)
{
    iw_instance_t *inst = make(NULL);
    CHECK_INT_EQ(call(inst, "wrong_type", 0, 0, 0, NULL), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_INDIRECT_MISMATCH);
    CHECK_INT_EQ(call(inst, "out_of_table", 0, 0, 0, NULL), IW_TRAPPED);
    CHECK_STR_EQ(iw_instance_trap(inst)->message, "undefined element 9");
    /* $via tail-called $boom: its frame is gone, $outer called it */
    CHECK_INT_EQ(call(inst, "trap_outer", 0, 0, 1, NULL), IW_TRAPPED);
    const iw_trap_t *t = iw_instance_trap(inst);
    CHECK_INT_EQ(t->kind, IW_TRAP_UNREACHABLE);
    CHECK_INT_EQ(t->frame_count, 2);
    CHECK_STR_EQ(t->frames[0].name, "boom");
    CHECK_STR_EQ(t->frames[1].name, "outer");
    CHECK(t->frames[0].code_offset < wat_len && wat_bytes[t->frames[0].code_offset] == 0x00);
    CHECK(t->frames[1].code_offset < wat_len && wat_bytes[t->frames[1].code_offset] == 0x10);
    iw_instance_free(inst);
}

static void test_snapshot_of_a_tail_loop(void)
{
    iw_instance_t *orig = make(NULL);
    iw_instance_set_slice(orig, 5000);
    CHECK_INT_EQ(call(orig, "count", 100000, 3, 2, NULL), IW_SUSPENDED);
    iw_image_t *img = iw_image_capture(orig);
    CHECK(img != NULL);
    if (!img) return;
    for (int k = 0; k < 2; k++) {
        iw_error_t err;
        iw_instance_t *copy = iw_instance_from_image(img, NULL, &err);
        CHECK(copy != NULL);
        if (!copy) continue;
        iw_status_t st = IW_SUSPENDED;
        while (st == IW_SUSPENDED) st = iw_resume(copy, NULL);
        CHECK_INT_EQ(st, IW_FINISHED);
        iw_val_t out = { 0 };
        CHECK_INT_EQ(iw_instance_results(copy, &out, 1), 1);
        CHECK_INT_EQ(out.of.i64, 200003);
        iw_instance_free(copy);
    }
    iw_image_release(img);
    iw_instance_free(orig);
}

int main(void)
{
    module = wat_module(WAT);
    if (!module) { printf("FAIL wasm/tailcall: the test module does not load\n"); return 1; }
    linker = iw_linker_new();
    iw_linker_define_func(linker, "host", "twice", "I:I", host_twice, NULL);
    RUN(test_constant_stacks);
    RUN(test_locals_start_at_zero);
    RUN(test_fuel_and_slices);
    RUN(test_host_callee);
    RUN(test_traps);
    RUN(test_snapshot_of_a_tail_loop);
    iw_linker_free(linker);
    iw_module_release(module);
    return testing_done();
}
