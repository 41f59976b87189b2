/* Resettable instances: whatever a call changes (a global, memory cells,
 * grown pages, a store straddling the image's end, a table slot, a dropped
 * data segment) is gone after iw_instance_reset, so every call reports the
 * same; a trapped call and a call cut short by fuel are reset too; the
 * limits given at reset apply to the next call; an instance not made
 * resettable refuses. */
#define TEST_SUITE "wasm/reset"
#include "testing.h"
#include "wat.h"

static const char *const WAT =
    "(module\n"
    "  (memory 1 4)\n"
    "  (table 2 funcref)\n"
    "  (elem (i32.const 0) $one $two)\n"
    "  (data $d \"\\07\")\n"
    "  (global $g (mut i32) (i32.const 0))\n"
    "  (type $t (func (result i32)))\n"
    "  (func $one (result i32) (i32.const 1))\n"
    "  (func $two (result i32) (i32.const 2))\n"
    "  (func (export \"bump\") (result i32) (local $acc i32)\n"
    "    (global.set $g (i32.add (global.get $g) (i32.const 1)))\n"
    "    (i32.store (i32.const 100) (i32.add (i32.load (i32.const 100)) (i32.const 1)))\n"
    "    (local.set $acc (i32.add (i32.mul (global.get $g) (i32.const 10000))\n"
    "                             (i32.mul (i32.load (i32.const 100)) (i32.const 1000))))\n"
    "    ;; grown bytes, and the first bytes past the image's end, read zero before the write\n"
    "    (drop (memory.grow (i32.const 1)))\n"
    "    (local.set $acc (i32.add (local.get $acc) (i32.mul (i32.load (i32.const 65536)) (i32.const 100))))\n"
    "    (i64.store (i32.const 65532) (i64.const -1))\n"
    "    (i32.store (i32.const 70000) (i32.const 9))\n"
    "    (memory.fill (i32.const 200) (i32.const 5) (i32.const 3000))\n"
    "    ;; the table slot 0 and the data segment, then changed\n"
    "    (local.set $acc (i32.add (local.get $acc) (i32.mul (call_indirect (type $t) (i32.const 0)) (i32.const 10))))\n"
    "    (table.set 0 (i32.const 0) (ref.func $two))\n"
    "    (memory.init $d (i32.const 300) (i32.const 0) (i32.const 1))\n"
    "    (data.drop $d)\n"
    "    (i32.add (local.get $acc) (memory.size)))\n"
    "  (func (export \"peek\") (param i32) (result i32) (i32.load (local.get 0)))\n"
    "  (func (export \"dirty_then_trap\") (i32.store (i32.const 100) (i32.const 55)) (unreachable))\n"
    "  (func (export \"spin\") (loop $l (br $l)))\n"
    "  (func (export \"init_again\") (memory.init $d (i32.const 300) (i32.const 0) (i32.const 1)))\n"
    ")\n";

static iw_module_t *module;
static iw_image_t *image;

static iw_status_t call0(iw_instance_t *inst, const char *name, int32_t *out)
{
    iw_val_t r = { .type = IW_I32 };
    iw_status_t st = iw_call(inst, iw_instance_func(inst, name), NULL, 0, &r, out ? 1 : 0);
    if (out) *out = r.of.i32;
    return st;
}

static int32_t peek(iw_instance_t *inst, int32_t addr)
{
    iw_val_t a = { .type = IW_I32, .of.i32 = addr }, r = { 0 };
    return iw_call(inst, iw_instance_func(inst, "peek"), &a, 1, &r, 1) == IW_FINISHED ? r.of.i32 : -1;
}

/* g=1, cell=1, grown page read 0, table slot 0 = $one, 2 pages */
#define BUMP_FRESH (1 * 10000 + 1 * 1000 + 0 * 100 + 1 * 10 + 2)

static void test_every_call_starts_fresh(void)
{
    iw_instance_t *inst = iw_instance_from_image_resettable(image, NULL, NULL);
    CHECK(inst != NULL);
    if (!inst) return;
    for (int k = 0; k < 3; k++) {
        int32_t v = 0;
        CHECK_INT_EQ(call0(inst, "bump", &v), IW_FINISHED);
        CHECK_INT_EQ(v, BUMP_FRESH);
        CHECK_INT_EQ(iw_instance_reset(inst, NULL), 0);
        CHECK_INT_EQ(iw_memory_size(inst), 65536);
        CHECK_INT_EQ(peek(inst, 100), 0);
        CHECK_INT_EQ(peek(inst, 200), 0);
        CHECK_INT_EQ(peek(inst, 3196), 0);
        CHECK_INT_EQ(peek(inst, 300), 0);
        CHECK_INT_EQ(peek(inst, 65532), 0);
        CHECK_INT_EQ(iw_instance_reset(inst, NULL), 0);
    }
    iw_instance_free(inst);
}

static void test_reset_after_trap_and_fuel(void)
{
    iw_limits_t lim = { .fuel = 10000 };
    iw_instance_t *inst = iw_instance_from_image_resettable(image, &lim, NULL);
    CHECK(inst != NULL);
    if (!inst) return;
    CHECK_INT_EQ(call0(inst, "dirty_then_trap", NULL), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_reset(inst, &lim), 0);
    CHECK_INT_EQ(peek(inst, 100), 0);
    CHECK_INT_EQ(iw_instance_reset(inst, &lim), 0);
    CHECK_INT_EQ(call0(inst, "spin", NULL), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_OUT_OF_FUEL);
    /* the fuel is per call: a reset gives the full amount again */
    CHECK_INT_EQ(iw_instance_reset(inst, &lim), 0);
    int32_t v = 0;
    CHECK_INT_EQ(call0(inst, "bump", &v), IW_FINISHED);
    CHECK_INT_EQ(v, BUMP_FRESH);
    /* the dropped segment comes back */
    CHECK_INT_EQ(iw_instance_reset(inst, &lim), 0);
    CHECK_INT_EQ(call0(inst, "init_again", NULL), IW_FINISHED);
    CHECK_INT_EQ(peek(inst, 300), 7);
    /* a memory limit below the image's size is refused */
    iw_limits_t tiny = { .max_memory_bytes = 1024 };
    CHECK_INT_EQ(iw_instance_reset(inst, &tiny), -1);
    iw_instance_free(inst);
}

static void test_plain_instance_refuses(void)
{
    iw_instance_t *inst = iw_instance_from_image(image, NULL, NULL);
    CHECK(inst != NULL);
    if (!inst) return;
    CHECK_INT_EQ(iw_instance_reset(inst, NULL), -1);
    iw_instance_free(inst);
}

int main(void)
{
    module = wat_module(WAT);
    if (!module) { printf("FAIL wasm/reset: the test module does not load\n"); return 1; }
    iw_instance_t *orig = iw_instance_new(module, NULL, NULL, NULL, NULL);
    image = orig ? iw_image_capture(orig) : NULL;
    iw_instance_free(orig);
    if (!image) { printf("FAIL wasm/reset: no image\n"); return 1; }
    RUN(test_every_call_starts_fresh);
    RUN(test_reset_after_trap_and_fuel);
    RUN(test_plain_instance_refuses);
    iw_image_release(image);
    iw_module_release(module);
    return testing_done();
}
