/* v128 in the x86-64 compiler (docs/engine.md, "Compiler"): a module using
 * SIMD of every kind (lane arithmetic, comparisons, shuffles, lanes,
 * float NaNs and signed zeros, loads and stores of every width, v128
 * locals, globals and select) compiles whole, and gives what the
 * interpreter gives: results, memory, traps with their messages, fuel at
 * every limit tried, slices paused and resumed, and a snapshot taken while
 * a compiled call is suspended with v128 values in its locals and on its
 * operand stack. */
#include <string.h>

#define TEST_SUITE "wasm/jit_simd"
#include "testing.h"
#include "wat.h"
#include "wasm/jit.h"

static const char *const WAT =
    "(module\n"
    "  (import \"host\" \"get\" (func $get (param i32) (result i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (global $acc (mut v128) (v128.const i32x4 1 2 3 4))\n"
    "  (data (i32.const 0) \"\\00\\01\\02\\03\\80\\ff\\7f\\fe\\10\\20\\30\\40\\50\\60\\70\\90\")\n"
    "  (data (i32.const 16) \"\\00\\00\\c0\\7f\\00\\00\\00\\80\\00\\00\\80\\3f\\00\\00\\00\\00\")\n"
    /* $n rounds over the first 32 bytes; every result goes to memory at 256 + 16*k and into $h */
    "  (func (export \"mix\") (param $n i32) (result i64) (local $i i32) (local $v v128) (local $w v128)\n"
    "    (local $h i64) (local $k i32)\n"
    "    (local.set $v (v128.load (i32.const 0)))\n"
    "    (local.set $w (v128.load offset=16 (i32.const 0)))\n"
    "    (loop $l\n"
    "      (local.set $v (i8x16.add (local.get $v) (i8x16.splat (local.get $i))))\n"
    "      (local.set $v (i16x8.sub (local.get $v) (v128.load8x8_s (i32.const 3))))\n"
    "      (local.set $v (v128.xor (local.get $v) (i32x4.mul (local.get $v) (i32x4.splat (i32.const 0x01000193)))))\n"
    "      (local.set $v (i64x2.add (local.get $v) (i64x2.shl (local.get $v) (local.get $i))))\n"
    "      (local.set $v (v128.or (v128.and (local.get $v) (i8x16.gt_s (local.get $v) (v128.load (i32.const 0))))\n"
    "        (v128.andnot (local.get $v) (i16x8.eq (local.get $v) (local.get $v)))))\n"
    "      (local.set $v (i8x16.shuffle 15 3 17 0 31 8 9 2 20 21 5 6 7 1 30 4 (local.get $v) (global.get $acc)))\n"
    "      (local.set $v (i8x16.swizzle (local.get $v) (v128.const i8x16 1 0 3 2 5 4 7 6 9 8 11 10 13 200 16 14)))\n"
    "      (local.set $v (i32x4.replace_lane 2 (local.get $v)\n"
    "        (i32.add (i32x4.extract_lane 1 (local.get $v)) (i8x16.extract_lane_s 5 (local.get $v)))))\n"
    "      (local.set $w (f32x4.min (local.get $w) (f32x4.convert_i32x4_s (local.get $v))))\n"
    "      (local.set $w (f32x4.add (f32x4.nearest (local.get $w)) (f32x4.max (local.get $w) (f32x4.neg (local.get $w)))))\n"
    "      (local.set $k (i32.add (local.get $k) (i8x16.bitmask (local.get $v))))\n"
    "      (local.set $k (i32.add (local.get $k) (v128.any_true (local.get $v))))\n"
    "      (local.set $k (i32.add (local.get $k) (i32x4.all_true (local.get $v))))\n"
    "      (global.set $acc (i32x4.add (global.get $acc) (i32x4.dot_i16x8_s (local.get $v) (local.get $v))))\n"
    "      (v128.store offset=256 (i32.shl (local.get $i) (i32.const 4)) (local.get $v))\n"
    "      (v128.store offset=512 (i32.shl (local.get $i) (i32.const 4))\n"
    "        (select (local.get $w) (f64x2.sqrt (local.get $w)) (i32.and (local.get $i) (i32.const 1))))\n"
    "      (v128.store16_lane offset=768 3 (local.get $i) (i16x8.narrow_i32x4_s (local.get $v) (local.get $v)))\n"
    "      (local.set $v (v128.load32_lane offset=256 1 (local.get $i) (local.get $v)))\n"
    "      (local.set $v (v128.or (local.get $v) (v128.load16_splat offset=768 (local.get $i))))\n"
    "      (local.set $w (v128.xor (local.get $w) (v128.load64_zero offset=512 (local.get $i))))\n"
    "      (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))\n"
    "        (i64.xor (i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $w)))))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
    "    (i64.add (i64.add (local.get $h) (i64.extend_i32_u (local.get $k)))\n"
    "      (i64x2.extract_lane 1 (global.get $acc))))\n"
    "  (func (export \"mix2\") (param $n i32) (result i64) (local $i i32) (local $v v128) (local $w v128) (local $h i64)\n"
    "    (local.set $v (v128.load (i32.const 0)))\n"
    "    (local.set $w (v128.load offset=4 (i32.const 0)))\n"
    "    (loop $l\n"
    "      (local.set $v (v128.bitselect (local.get $v) (local.get $w) (i8x16.gt_u (local.get $v) (local.get $w))))\n"
    "      (local.set $w (v128.xor (local.get $w) (i16x8.le_u (local.get $v) (local.get $w))))\n"
    "      (local.set $v (i8x16.sub (local.get $v) (i32x4.ge_u (local.get $w) (local.get $v))))\n"
    "      (local.set $w (i16x8.add (local.get $w) (i32x4.lt_u (local.get $v) (local.get $w))))\n"
    "      (local.set $v (i32x4.add (local.get $v) (i16x8.extend_high_i8x16_u (local.get $w))))\n"
    "      (local.set $w (i64x2.add (local.get $w) (i32x4.extend_low_i16x8_s (local.get $v))))\n"
    "      (local.set $v (i16x8.shr_s (local.get $v) (i32.add (local.get $i) (i32.const 14))))\n"
    "      (local.set $w (i32x4.shr_u (local.get $w) (i32.sub (i32.const 33) (local.get $i))))\n"
    "      (local.set $v (v128.load8_lane 9 (local.get $i) (local.get $v)))\n"
    "      (local.set $w (v128.load64_lane offset=3 1 (local.get $i) (local.get $w)))\n"
    "      (local.set $v (i16x8.min_u (local.get $v) (i8x16.max_s (local.get $w) (local.get $v))))\n"
    "      (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 37))\n"
    "        (i64.add (i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $w)))))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
    "    (local.get $h))\n"
    "  (func (export \"load_at\") (param i32) (result i32) (i32x4.extract_lane 3 (v128.load (local.get 0))))\n"
    "  (func (export \"store_at\") (param i32) (result i32)\n"
    "    (v128.store64_lane 1 (local.get 0) (v128.const i64x2 7 8)) (i32.const 1))\n"
    "  (func (export \"splat_at\") (param i32) (result i32) (i32x4.extract_lane 0 (v128.load32_splat (local.get 0))))\n"
    /* a host call with v128 values in locals and under it on the operand stack */
    "  (func (export \"around_host\") (param $n i32) (result i64) (local $v v128)\n"
    "    (local.set $v (v128.const i32x4 5 6 7 8))\n"
    "    (loop $l\n"
    "      (local.set $v (i32x4.add (local.get $v)\n"
    "        (i32x4.mul (local.get $v) (i32x4.splat (call $get (local.get $n))))))\n"
    "      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))\n"
    "      (br_if $l))\n"
    "    (i64.xor (i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $v))))\n"
    ")\n";

static bool suspend_get;

static iw_host_result_t host_get(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst, (void)env;
    if (suspend_get) return IW_HOST_SUSPEND;
    results[0] = (uint32_t)(args[0] * 3 + 1);
    return IW_HOST_OK;
}

/* One module per engine, loaded with that engine selected. */
static iw_module_t *modules[2];
static iw_linker_t *linker;

typedef struct {
    iw_status_t status;
    int64_t value;
    uint64_t fuel;
    iw_trap_kind_t kind;
    char message[200];
    uint8_t mem[1024];
} outcome_t;

static outcome_t run(int engine, const char *name, int32_t arg, const iw_limits_t *lim)
{
    outcome_t o;
    memset(&o, 0, sizeof o);
    iw_instance_t *inst = iw_instance_new(modules[engine], linker, lim, NULL, NULL);
    CHECK(inst != NULL);
    if (!inst) return o;
    iw_val_t a = { .type = IW_I32, .of.i32 = arg }, r = { 0 };
    o.status = iw_call(inst, iw_instance_func(inst, name), &a, 1, &r, 1);
    o.value = r.type == IW_I64 ? r.of.i64 : r.of.i32;
    o.fuel = iw_instance_fuel_used(inst);
    if (o.status == IW_TRAPPED) {
        o.kind = iw_instance_trap(inst)->kind;
        snprintf(o.message, sizeof o.message, "%s", iw_instance_trap(inst)->message);
    }
    memcpy(o.mem, iw_memory_lift(inst, 0, sizeof o.mem), sizeof o.mem);
    iw_instance_free(inst);
    return o;
}

static void same(const char *name, int32_t arg, const iw_limits_t *lim, iw_status_t want)
{
    outcome_t a = run(0, name, arg, lim), b = run(1, name, arg, lim);
    CHECK_INT_EQ(a.status, want);
    CHECK_INT_EQ(b.status, a.status);
    CHECK_INT_EQ(b.value, a.value);
    CHECK_INT_EQ(b.fuel, a.fuel);
    CHECK_INT_EQ(b.kind, a.kind);
    CHECK_STR_EQ(b.message, a.message);
    CHECK(memcmp(a.mem, b.mem, sizeof a.mem) == 0);
}

static void test_all_compiled(void)
{
    uint32_t defined = 0;
    CHECK_INT_EQ(iw_module_compiled_count(modules[0], &defined), 0);
    CHECK_INT_EQ(defined, 6);
    CHECK_INT_EQ(iw_module_compiled_count(modules[1], NULL), IW_JIT ? 6 : 0);
}

static void test_results_match(void)
{
    for (int32_t n = 1; n <= 16; n += 5) same("mix", n, NULL, IW_FINISHED);
    CHECK(run(1, "mix", 16, NULL).value != run(1, "mix", 15, NULL).value);
    for (int32_t n = 1; n <= 20; n += 19) same("mix2", n, NULL, IW_FINISHED);
    same("around_host", 9, NULL, IW_FINISHED);
}

/* Bounds: the last address that fits and the first that does not, for a
 * 16-byte load, an 8-byte lane store and a 4-byte splat. */
static void test_traps_match(void)
{
    same("load_at", 65536 - 16, NULL, IW_FINISHED);
    same("load_at", 65536 - 15, NULL, IW_TRAPPED);
    same("load_at", -1, NULL, IW_TRAPPED);
    same("store_at", 65536 - 8, NULL, IW_FINISHED);
    same("store_at", 65536 - 7, NULL, IW_TRAPPED);
    same("splat_at", 65536 - 4, NULL, IW_FINISHED);
    same("splat_at", 65536 - 3, NULL, IW_TRAPPED);
    CHECK_INT_EQ(run(1, "load_at", 65536 - 15, NULL).kind, IW_TRAP_MEMORY_OOB);
}

static void test_fuel_match(void)
{
    for (uint64_t fuel = 1; fuel < 2000; fuel += 97) {
        iw_limits_t lim = { .fuel = fuel };
        same("mix", 16, &lim, IW_TRAPPED);
        same("mix2", 200, &lim, IW_TRAPPED);
    }
}

/* A slice pauses compiled SIMD code and resuming goes on to the same
 * result and the same number of pauses as the interpreter. */
static void test_slices_match(void)
{
    int64_t got[2] = { 0, 0 };
    uint32_t pauses[2] = { 0, 0 };
    for (int e = 0; e < 2; e++) {
        iw_instance_t *inst = iw_instance_new(modules[e], linker, NULL, NULL, NULL);
        CHECK(inst != NULL);
        if (!inst) return;
        iw_instance_set_slice(inst, 60);
        iw_val_t n = { .type = IW_I32, .of.i32 = 16 }, r = { 0 };
        iw_status_t st = iw_call(inst, iw_instance_func(inst, "mix"), &n, 1, &r, 1);
        while (st == IW_SUSPENDED && pauses[e] < 10000) {
            pauses[e]++;
            st = iw_resume(inst, NULL);
        }
        CHECK_INT_EQ(st, IW_FINISHED);
        got[e] = r.of.i64;
        iw_instance_free(inst);
    }
    CHECK_INT_EQ(got[1], got[0]);
    CHECK_INT_EQ(pauses[1], pauses[0]);
    CHECK(pauses[0] > 5);
}

/* Suspended in the host call (v128 values live in the compiled frame), captured,
 * and restored twice: each copy finishes with the interpreter's result. */
static void test_snapshot_match(void)
{
    int64_t want = run(0, "around_host", 5, NULL).value;
    iw_instance_t *inst = iw_instance_new(modules[1], linker, NULL, NULL, NULL);
    CHECK(inst != NULL);
    if (!inst) return;
    suspend_get = true;
    iw_val_t n = { .type = IW_I32, .of.i32 = 5 }, r = { 0 };
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "around_host"), &n, 1, &r, 1), IW_SUSPENDED);
    uint64_t first = 5 * 3 + 1;
    CHECK_INT_EQ(iw_resume(inst, &first), IW_SUSPENDED);
    iw_image_t *img = iw_image_capture(inst);
    CHECK(img != NULL);
    for (int k = 0; img && k < 2; k++) {
        iw_instance_t *copy = iw_instance_from_image(img, NULL, NULL);
        CHECK(copy != NULL);
        if (!copy) continue;
        iw_status_t st = IW_SUSPENDED;
        while (st == IW_SUSPENDED) {
            const uint64_t *args;
            if (iw_instance_suspended(copy, NULL, &args) != IW_SUSPEND_HOST) break;
            uint64_t res = args[0] * 3 + 1;
            st = iw_resume(copy, &res);
        }
        CHECK_INT_EQ(st, IW_FINISHED);
        iw_val_t out = { 0 };
        CHECK_INT_EQ(iw_instance_results(copy, &out, 1), 1);
        CHECK_INT_EQ(out.of.i64, want);
        iw_instance_free(copy);
    }
    suspend_get = false;
    if (img) iw_image_release(img);
    iw_instance_free(inst);
}

int main(void)
{
    linker = iw_linker_new();
    iw_linker_define_func(linker, "host", "get", "i:i", host_get, NULL);
    iw_set_engine(IW_ENGINE_INTERPRETER);
    modules[0] = wat_module(WAT);
    iw_set_engine(IW_ENGINE_COMPILER);
    modules[1] = wat_module(WAT);
    iw_set_engine(IW_ENGINE_DEFAULT);
    CHECK(modules[0] && modules[1]);
    if (modules[0] && modules[1]) {
        RUN(test_all_compiled);
        RUN(test_results_match);
        RUN(test_traps_match);
        RUN(test_fuel_match);
        RUN(test_slices_match);
        RUN(test_snapshot_match);
    }
    iw_module_release(modules[0]);
    iw_module_release(modules[1]);
    iw_linker_free(linker);
    return testing_done();
}
