/* v128 values around the engine's edges (the instructions themselves are
 * the spec suite's job): arguments and results through iw_call next to
 * scalars (a v128 takes two frame slots), select and a branch carrying two
 * v128, exported v128 globals read and written by the host, host
 * signatures with v128 refused, a snapshot taken while v128 values sit in
 * locals, on the stack and in a global (restored twice, and reset), fuel
 * running out in a SIMD loop, a v128 load out of bounds, and relaxed SIMD
 * refused by name. */
#define TEST_SUITE "wasm/simd"
#include <string.h>

#include "testing.h"
#include "wat.h"

static const char *const WAT =
    "(module\n"
    "  (import \"host\" \"get\" (func $get (param i32) (result i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (global $acc (export \"acc\") (mut v128) (v128.const i32x4 0 0 0 0))\n"
    "  (func (export \"work\") (param $n i32) (param $scale v128) (result v128 i32)\n"
    "    (local $i i32) (local $v v128)\n"
    "    (loop $l\n"
    "      (local.set $v (i32x4.add (local.get $v)\n"
    "        (i32x4.mul (local.get $scale) (i32x4.splat (call $get (local.get $i))))))\n"
    "      (global.set $acc (i32x4.add (global.get $acc) (local.get $scale)))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
    "    (local.get $v) (local.get $i))\n"
    "  (func (export \"pick\") (param v128 v128 i32) (result v128)\n"
    "    (select (result v128) (local.get 0) (local.get 1) (local.get 2)))\n"
    "  (func (export \"swap\") (param v128 v128) (result v128 v128)\n"
    "    (block (result v128 v128) (local.get 1) (local.get 0) (br 0)))\n"
    "  (func (export \"spin\") (param $n i32) (result v128) (local $v v128)\n"
    "    (loop $l\n"
    "      (local.set $v (i8x16.add (local.get $v) (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $v))\n"
    "  (func (export \"load\") (param i32) (result v128) (v128.load (local.get 0)))\n"
    "  (func (export \"load_lane\") (param $addr i32) (param $x v128) (result v128)\n"
    "    (v128.load32_lane 1 (local.get $addr) (local.get $x)))\n"
    ")\n";

static bool suspend_get;

static iw_host_result_t host_get(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst, (void)env;
    if (suspend_get) return IW_HOST_SUSPEND;
    results[0] = (uint32_t)(args[0] + 3);
    return IW_HOST_OK;
}

static iw_module_t *module;
static iw_linker_t *linker;

static iw_val_t v128_i32x4(int32_t a, int32_t b, int32_t c, int32_t d)
{
    iw_val_t v;
    memset(&v, 0, sizeof v);
    v.type = IW_V128;
    int32_t lanes[4] = { a, b, c, d };
    memcpy(v.of.v128, lanes, 16);
    return v;
}

static int32_t lane(const iw_val_t *v, int i)
{
    int32_t x;
    memcpy(&x, v->of.v128 + 4 * i, 4);
    return x;
}

#define CHECK_LANES(v, a, b, c, d)                                            \
    do {                                                                      \
        CHECK_INT_EQ((v).type, IW_V128);                                      \
        CHECK_INT_EQ(lane(&(v), 0), a);                                       \
        CHECK_INT_EQ(lane(&(v), 1), b);                                       \
        CHECK_INT_EQ(lane(&(v), 2), c);                                       \
        CHECK_INT_EQ(lane(&(v), 3), d);                                       \
    } while (0)

static iw_status_t drive(iw_instance_t *inst, iw_status_t st)
{
    while (st == IW_SUSPENDED) {
        const uint64_t *args;
        if (iw_instance_suspended(inst, NULL, &args) != IW_SUSPEND_HOST) return IW_TRAPPED;
        uint64_t res = args[0] + 3;
        st = iw_resume(inst, &res);
    }
    return st;
}

static void test_values_in_and_out(void)
{
    suspend_get = false;
    iw_instance_t *inst = iw_instance_new(module, linker, NULL, NULL, NULL);
    CHECK(inst != NULL);
    if (!inst) return;
    iw_val_t args[3] = { v128_i32x4(1, 2, 3, 4), v128_i32x4(-5, -6, -7, -8), { .type = IW_I32, .of.i32 = 1 } };
    iw_val_t r[2];
    memset(r, 0, sizeof r);
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "pick"), args, 3, r, 1), IW_FINISHED);
    CHECK_LANES(r[0], 1, 2, 3, 4);
    args[2].of.i32 = 0;
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "pick"), args, 3, r, 1), IW_FINISHED);
    CHECK_LANES(r[0], -5, -6, -7, -8);
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "swap"), args, 2, r, 2), IW_FINISHED);
    CHECK_LANES(r[0], -5, -6, -7, -8);
    CHECK_LANES(r[1], 1, 2, 3, 4);
    /* a v128 result next to an i32 one, the loop calling the host */
    iw_val_t w[2] = { { .type = IW_I32, .of.i32 = 3 }, v128_i32x4(1, 2, 3, -4) };
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "work"), w, 2, r, 2), IW_FINISHED);
    CHECK_LANES(r[0], 12, 24, 36, -48);   /* (3 + 4 + 5) * scale */
    CHECK_INT_EQ(r[1].type, IW_I32);
    CHECK_INT_EQ(r[1].of.i32, 3);
    /* an i32 and a v128 in, a v128 of another width out: the vector is
     * the param's slots (1 and 2), the lane the zero word at address 8 */
    iw_val_t ll[2] = { { .type = IW_I32, .of.i32 = 8 }, v128_i32x4(1, 2, 3, 4) };
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "load_lane"), ll, 2, r, 1), IW_FINISHED);
    CHECK_LANES(r[0], 1, 0, 3, 4);
    /* a wrong argument type is refused, not misread */
    iw_val_t bad[3] = { args[0], { .type = IW_I32, .of.i32 = 0 }, args[2] };
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "pick"), bad, 3, r, 1), IW_TRAPPED);
    iw_instance_free(inst);
}

static void test_globals(void)
{
    suspend_get = false;
    iw_instance_t *inst = iw_instance_new(module, linker, NULL, NULL, NULL);
    CHECK(inst != NULL);
    if (!inst) return;
    iw_global_t *acc = iw_instance_global(inst, "acc");
    CHECK(acc != NULL);
    if (!acc) { iw_instance_free(inst); return; }
    iw_val_t g = iw_global_get(acc);
    CHECK_LANES(g, 0, 0, 0, 0);
    CHECK_INT_EQ(iw_global_set(acc, v128_i32x4(100, 200, 300, 400)), 0);
    iw_val_t w[2] = { { .type = IW_I32, .of.i32 = 2 }, v128_i32x4(1, 2, 3, 4) }, r[2];
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "work"), w, 2, r, 2), IW_FINISHED);
    g = iw_global_get(acc);
    CHECK_LANES(g, 102, 204, 306, 408);
    iw_val_t i = { .type = IW_I32, .of.i32 = 7 };
    CHECK_INT_EQ(iw_global_set(acc, i), -1);   /* wrong type */
    /* a host-made v128 global */
    iw_global_t *mine = iw_global_new(v128_i32x4(9, 8, 7, 6), true);
    CHECK(mine != NULL);
    if (mine) {
        g = iw_global_get(mine);
        CHECK_LANES(g, 9, 8, 7, 6);
        iw_global_free(mine);
    }
    iw_instance_free(inst);
}

static iw_host_result_t host_noop(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst, (void)env, (void)args, (void)results;
    return IW_HOST_OK;
}

static void test_host_signatures_refuse_v128(void)
{
    iw_linker_t *l = iw_linker_new();
    CHECK_INT_EQ(iw_linker_define_func(l, "h", "f", "v:", host_noop, NULL), -1);
    CHECK_INT_EQ(iw_linker_define_func(l, "h", "f", "i:v", host_noop, NULL), -1);
    CHECK_INT_EQ(iw_linker_define_func(l, "h", "f", "i:i", host_noop, NULL), 0);
    /* an import with v128 in its type meets the host function or global:
     * the link error names v128 */
    iw_global_t *g = iw_global_new((iw_val_t){ .type = IW_I32, .of.i32 = 1 }, false);
    CHECK(g != NULL);
    if (g) CHECK_INT_EQ(iw_linker_define_global(l, "h", "g", g), 0);
    const char *const wats[2] = { "(module (import \"h\" \"f\" (func (param v128 i32) (result i32))))",
                                  "(module (import \"h\" \"g\" (global v128)))" };
    const char *const want[2] = { "imported as (v128, i32) -> (i32), it is (i32) -> (i32)",
                                  "imported as v128, it is i32" };
    for (int k = 0; k < 2; k++) {
        iw_module_t *m = wat_module(wats[k]);
        CHECK(m != NULL);
        if (!m) continue;
        iw_error_t err;
        CHECK(iw_instance_new(m, l, NULL, &err, NULL) == NULL);
        if (!strstr(err.message, want[k])) printf("  link error: %s\n", err.message);
        CHECK(strstr(err.message, want[k]) != NULL);
        iw_module_release(m);
    }
    iw_linker_free(l);
    if (g) iw_global_free(g);
}

static void test_snapshot_with_v128_state(void)
{
    /* the uninterrupted run */
    suspend_get = false;
    iw_instance_t *plain = iw_instance_new(module, linker, NULL, NULL, NULL);
    CHECK(plain != NULL);
    if (!plain) return;
    iw_val_t w[2] = { { .type = IW_I32, .of.i32 = 4 }, v128_i32x4(1, -2, 3, 1000) }, r[2];
    CHECK_INT_EQ(iw_call(plain, iw_instance_func(plain, "work"), w, 2, r, 2), IW_FINISHED);
    CHECK_LANES(r[0], 18, -36, 54, 18000);   /* (3 + 4 + 5 + 6) * scale */

    /* suspended in the second host call: $v and $scale hold v128s, the
     * operand stack holds $v and $scale under the call, $acc is half done */
    suspend_get = true;
    iw_instance_t *orig = iw_instance_new(module, linker, NULL, NULL, NULL);
    CHECK(orig != NULL);
    if (!orig) { iw_instance_free(plain); return; }
    CHECK_INT_EQ(iw_call(orig, iw_instance_func(orig, "work"), w, 2, r, 2), IW_SUSPENDED);
    uint64_t first = 3;
    CHECK_INT_EQ(iw_resume(orig, &first), IW_SUSPENDED);
    iw_image_t *img = iw_image_capture(orig);
    CHECK(img != NULL);
    if (!img) { iw_instance_free(orig); iw_instance_free(plain); return; }
    for (int k = 0; k < 2; k++) {
        iw_instance_t *copy = iw_instance_from_image(img, NULL, NULL);
        CHECK(copy != NULL);
        if (!copy) continue;
        CHECK_INT_EQ(drive(copy, IW_SUSPENDED), IW_FINISHED);
        iw_val_t out[2];
        memset(out, 0, sizeof out);
        CHECK_INT_EQ(iw_instance_results(copy, out, 2), 2);
        CHECK_LANES(out[0], 18, -36, 54, 18000);
        CHECK_INT_EQ(out[1].of.i32, 4);
        iw_val_t g = iw_global_get(iw_instance_global(copy, "acc"));
        CHECK_LANES(g, 4, -8, 12, 4000);
        iw_instance_free(copy);
    }
    iw_image_release(img);

    /* an idle image with a v128 global: a reset instance gets it back */
    suspend_get = false;
    CHECK_INT_EQ(drive(orig, IW_SUSPENDED), IW_FINISHED);
    img = iw_image_capture(orig);
    CHECK(img != NULL);
    iw_instance_t *res = img ? iw_instance_from_image_resettable(img, NULL, NULL) : NULL;
    CHECK(res != NULL);
    for (int k = 0; res && k < 2; k++) {
        iw_val_t g = iw_global_get(iw_instance_global(res, "acc"));
        CHECK_LANES(g, 4, -8, 12, 4000);
        CHECK_INT_EQ(iw_call(res, iw_instance_func(res, "work"), w, 2, r, 2), IW_FINISHED);
        g = iw_global_get(iw_instance_global(res, "acc"));
        CHECK_LANES(g, 8, -16, 24, 8000);
        CHECK_INT_EQ(iw_instance_reset(res, NULL), 0);
    }
    iw_instance_free(res);
    if (img) iw_image_release(img);
    iw_instance_free(orig);
    iw_instance_free(plain);
}

static void test_fuel_and_traps(void)
{
    suspend_get = false;
    iw_limits_t lim = { .fuel = 1000 };
    iw_instance_t *inst = iw_instance_new(module, linker, &lim, NULL, NULL);
    CHECK(inst != NULL);
    if (!inst) return;
    iw_val_t n = { .type = IW_I32, .of.i32 = 10 }, r;
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "spin"), &n, 1, &r, 1), IW_FINISHED);
    CHECK_INT_EQ(r.of.v128[0], 10);
    CHECK_INT_EQ(r.of.v128[15], 10);
    n.of.i32 = 1000000;
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "spin"), &n, 1, &r, 1), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_OUT_OF_FUEL);
    iw_instance_free(inst);

    inst = iw_instance_new(module, linker, NULL, NULL, NULL);
    CHECK(inst != NULL);
    if (!inst) return;
    iw_val_t addr = { .type = IW_I32, .of.i32 = 65536 - 16 };
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "load"), &addr, 1, &r, 1), IW_FINISHED);
    addr.of.i32 = 65536 - 15;   /* the last byte would be past the end */
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "load"), &addr, 1, &r, 1), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_MEMORY_OOB);
    iw_instance_free(inst);
}

/* A relaxed SIMD instruction (a later proposal) is refused by name, an
 * unassigned SIMD opcode as illegal. */
static void test_relaxed_simd_refused(void)
{
    /* (func (drop (OP (v128.const 0) (v128.const 0)))), OP as a 2-byte LEB */
    uint8_t bin[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 44, 1, 42, 0,
                      0xfd, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                      0xfd, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                      0xfd, 0x80, 0x02, 0x1a, 0x0b };
    iw_error_t err;
    CHECK(iw_module_new(bin, sizeof bin, &err) == NULL);
    CHECK(strstr(err.message, "the relaxed SIMD proposal is not supported (opcode 0xfd 256)") != NULL);
    bin[sizeof bin - 4] = 0x94;   /* 0x114: not assigned */
    CHECK(iw_module_new(bin, sizeof bin, &err) == NULL);
    CHECK(strstr(err.message, "illegal opcode 0xfd 276") != NULL);
}

int main(void)
{
    module = wat_module(WAT);
    if (!module) { printf("FAIL wasm/simd: the test module does not load\n"); return 1; }
    linker = iw_linker_new();
    iw_linker_define_func(linker, "host", "get", "i:i", host_get, NULL);
    RUN(test_values_in_and_out);
    RUN(test_globals);
    RUN(test_host_signatures_refuse_v128);
    RUN(test_snapshot_with_v128_state);
    RUN(test_fuel_and_traps);
    RUN(test_relaxed_simd_refused);
    iw_linker_free(linker);
    iw_module_release(module);
    return testing_done();
}
