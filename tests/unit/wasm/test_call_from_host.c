/* iw_call_from_host: a host function calling back into the instance whose
 * call is running (how a proxy-wasm host has the guest allocate): the
 * nested call's result comes back and the outer call goes on where it
 * was, its fuel counts toward the outer call, a trap in it reaches the
 * host, and from an idle instance it is a plain call. */
#define TEST_SUITE "wasm/call_from_host"
#include "testing.h"
#include "wat.h"

static const char *const WAT =
    "(module\n"
    "  (import \"host\" \"give\" (func $give (param i32) (result i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (global $next (mut i32) (i32.const 1024))\n"
    "  (global $allocs (export \"allocs\") (mut i32) (i32.const 0))\n"
    /* a bump allocator that burns n*10 iterations first; 0 bytes traps */
    "  (func $alloc (export \"alloc\") (param $n i32) (result i32) (local $i i32) (local $p i32)\n"
    "    (if (i32.eqz (local.get $n)) (then unreachable))\n"
    "    (local.set $i (i32.mul (local.get $n) (i32.const 10)))\n"
    "    (block $done (loop $l\n"
    "      (br_if $done (i32.eqz (local.get $i)))\n"
    "      (local.set $i (i32.sub (local.get $i) (i32.const 1)))\n"
    "      (br $l)))\n"
    "    (global.set $allocs (i32.add (global.get $allocs) (i32.const 1)))\n"
    "    (local.set $p (global.get $next))\n"
    "    (global.set $next (i32.add (global.get $next) (local.get $n)))\n"
    "    (local.get $p))\n"
    /* asks the host for n bytes twice, returns the sum of their first bytes
       plus a local kept across the host calls */
    "  (func (export \"run\") (param $n i32) (result i32) (local $keep i32) (local $a i32) (local $b i32)\n"
    "    (local.set $keep (i32.const 1000))\n"
    "    (local.set $a (call $give (local.get $n)))\n"
    "    (local.set $b (call $give (local.get $n)))\n"
    "    (i32.add (local.get $keep) (i32.add (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b))))))\n";

static iw_module_t *module;
static iw_linker_t *linker;
static iw_instance_t *inst;

/* give(n): the guest's alloc(n), filled with 7s; its address. */
static iw_host_result_t host_give(iw_instance_t *in, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    iw_val_t arg = { .type = IW_I32, .of.i32 = (int32_t)args[0] }, res = { .type = IW_I32 };
    if (iw_call_from_host(in, iw_instance_func(in, "alloc"), &arg, 1, &res, 1) != IW_FINISHED) {
        const iw_trap_t *t = iw_instance_trap(in);
        iw_host_trap(in, "alloc failed: %s", t ? t->message : "?");
        return IW_HOST_TRAP;
    }
    uint8_t *p = iw_memory_lift(in, (uint32_t)res.of.i32, (uint32_t)args[0]);
    if (!p) return IW_HOST_TRAP;
    for (uint32_t i = 0; i < (uint32_t)args[0]; i++) p[i] = 7;
    results[0] = (uint32_t)res.of.i32;
    return IW_HOST_OK;
}

static iw_instance_t *make(uint64_t fuel)
{
    iw_limits_t lim = { .fuel = fuel };
    iw_error_t e;
    return iw_instance_new(module, linker, &lim, &e, NULL);
}

static int32_t allocs(iw_instance_t *in)
{
    return iw_global_get(iw_instance_global(in, "allocs")).of.i32;
}

static void test_nested_result_and_outer_state(void)
{
    iw_val_t arg = { .type = IW_I32, .of.i32 = 4 }, r = { .type = IW_I32 };
    CHECK(iw_call(inst, iw_instance_func(inst, "run"), &arg, 1, &r, 1) == IW_FINISHED);
    CHECK_INT_EQ(r.of.i32, 1014);
    CHECK_INT_EQ(allocs(inst), 2);
    /* and again: the instance is idle and whole afterwards */
    CHECK(iw_call(inst, iw_instance_func(inst, "run"), &arg, 1, &r, 1) == IW_FINISHED);
    CHECK_INT_EQ(r.of.i32, 1014);
    CHECK_INT_EQ(allocs(inst), 4);
}

static void test_nested_trap_reaches_the_host(void)
{
    iw_val_t arg = { .type = IW_I32, .of.i32 = 0 }, r = { .type = IW_I32 };
    CHECK(iw_call(inst, iw_instance_func(inst, "run"), &arg, 1, &r, 1) == IW_TRAPPED);
    const iw_trap_t *t = iw_instance_trap(inst);
    CHECK(t && strstr(t->message, "alloc failed: unreachable") != NULL);
    arg.of.i32 = 1;
    CHECK(iw_call(inst, iw_instance_func(inst, "run"), &arg, 1, &r, 1) == IW_FINISHED);
    CHECK_INT_EQ(r.of.i32, 1014);
}

static void test_idle_instance_is_a_plain_call(void)
{
    iw_val_t arg = { .type = IW_I32, .of.i32 = 8 }, r = { .type = IW_I32 };
    int32_t before = allocs(inst);
    CHECK(iw_call_from_host(inst, iw_instance_func(inst, "alloc"), &arg, 1, &r, 1) == IW_FINISHED);
    CHECK_INT_EQ(allocs(inst), before + 1);
}

/* The allocator's loop (n*10 iterations) is what costs: with n large, the
 * outer call alone is cheap but the nested ones are not. */
static void test_nested_fuel_counts(void)
{
    iw_val_t arg = { .type = IW_I32, .of.i32 = 2000 }, r = { .type = IW_I32 };
    iw_instance_t *big = make(10000000);
    CHECK(big && iw_call(big, iw_instance_func(big, "run"), &arg, 1, &r, 1) == IW_FINISHED);
    uint64_t used = big ? iw_instance_fuel_used(big) : 0;
    CHECK(used > 2 * 2000 * 10);   /* both nested loops are in the outer call's count */
    iw_instance_free(big);
    iw_instance_t *small = make(used / 2);
    CHECK(small && iw_call(small, iw_instance_func(small, "run"), &arg, 1, &r, 1) == IW_TRAPPED);
    const iw_trap_t *t = small ? iw_instance_trap(small) : NULL;
    CHECK(t && (t->kind == IW_TRAP_OUT_OF_FUEL || strstr(t->message, "out of fuel") != NULL));
    iw_instance_free(small);
}

int main(void)
{
    module = wat_module(WAT);
    if (!module) {
        printf("FAIL wasm/call_from_host: the test module does not load\n");
        return 1;
    }
    linker = iw_linker_new();
    iw_linker_define_func(linker, "host", "give", "i:i", host_give, NULL);
    inst = make(0);
    if (!inst) {
        printf("FAIL wasm/call_from_host: no instance\n");
        return 1;
    }
    RUN(test_nested_result_and_outer_state);
    RUN(test_nested_trap_reaches_the_host);
    RUN(test_idle_instance_is_a_plain_call);
    RUN(test_nested_fuel_counts);
    iw_instance_free(inst);
    iw_linker_free(linker);
    iw_module_release(module);
    return testing_done();
}
