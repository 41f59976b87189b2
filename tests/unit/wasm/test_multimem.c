/* Multiple memories (WebAssembly 3.0) at the engine's edges; the
 * instructions' rules are the spec suite's job (memory-multi.wast and the
 * numbered scripts). Memory 1 is separate from memory 0 for loads, stores,
 * size, grow, fill, init and copy; data segments, exports and imports name
 * any memory; the embedder's cap holds for all together; fuel does not count the
 * memory switch; a trap on memory 1 has its backtrace; snapshots, restored
 * and reset instances carry every memory; host lifts stay on memory 0. */
#define TEST_SUITE "wasm/multimem"
#include "testing.h"
#include "wat.h"

static const char *const WAT =
    "(module\n"
    "  (memory $a (export \"zero\") 1 4)\n"
    "  (memory $b (export \"one\") 1 2)\n"
    "  (data (memory $b) (i32.const 8) \"\\07\\08\")\n"
    "  (data $p \"\\01\\02\\03\\04\")\n"
    "  (func (export \"load0\") (param i32) (result i32) (i32.load8_u $a (local.get 0)))\n"
    "  (func (export \"load1\") (param i32) (result i32) (i32.load8_u $b (local.get 0)))\n"
    "  (func (export \"store1\") (param i32 i32) (i32.store8 $b (local.get 0) (local.get 1)))\n"
    "  (func (export \"size1\") (result i32) (memory.size $b))\n"
    "  (func (export \"grow1\") (param i32) (result i32) (memory.grow $b (local.get 0)))\n"
    "  (func (export \"size0\") (result i32) (memory.size $a))\n"
    "  (func (export \"fill1\") (param i32) (memory.fill $b (local.get 0) (i32.const 9) (i32.const 4)))\n"
    "  (func (export \"init1\") (param i32) (memory.init $b $p (local.get 0) (i32.const 0) (i32.const 4)))\n"
    "  (func (export \"copy10\") (param i32) (memory.copy $a $b (local.get 0) (i32.const 8) (i32.const 2)))\n"
    "  (func (export \"load1_at_end\") (result i32)\n"
    "    (i32.load $b (i32.sub (i32.mul (memory.size $b) (i32.const 65536)) (i32.const 2))))\n"
    ")\n";

static const char *const WAT_IMPORTS =
    "(module\n"
    "  (import \"src\" \"one\" (memory $x 1))\n"
    "  (import \"src\" \"zero\" (memory $y 1))\n"
    "  (func (export \"read_x\") (param i32) (result i32) (i32.load8_u $x (local.get 0)))\n"
    "  (func (export \"read_y\") (param i32) (result i32) (i32.load8_u $y (local.get 0)))\n"
    ")\n";

static iw_module_t *module;

static iw_instance_t *make(const iw_limits_t *lim)
{
    iw_error_t err;
    iw_trap_t trap;
    iw_linker_t *l = iw_linker_new();
    iw_instance_t *inst = iw_instance_new(module, l, lim, &err, &trap);
    if (!inst) printf("instantiate failed: %s\n", err.message);
    iw_linker_free(l);
    return inst;
}

/* Calls an export with up to two i32 arguments; returns its i32 result, or
 * -1000 - status when it did not finish. */
static int32_t call(iw_instance_t *inst, const char *name, uint32_t nargs, int32_t a, int32_t b)
{
    iw_val_t args[2] = { { .type = IW_I32, .of.i32 = a }, { .type = IW_I32, .of.i32 = b } }, r = { 0 };
    iw_func_t *f = iw_instance_func(inst, name);
    const char *sig = iw_func_sig(f);
    uint32_t nres = sig[strlen(sig) - 1] == ':' ? 0 : 1;
    iw_status_t st = iw_call(inst, f, args, nargs, &r, nres);
    return st == IW_FINISHED ? r.of.i32 : -1000 - (int32_t)st;
}

static void test_memories_are_separate(void)
{
    iw_instance_t *inst = make(NULL);
    if (!inst) return;
    CHECK_INT_EQ(call(inst, "load1", 1, 8, 0), 7);     /* the data segment went to memory 1 */
    CHECK_INT_EQ(call(inst, "load0", 1, 8, 0), 0);
    CHECK_INT_EQ(call(inst, "store1", 2, 100, 55), 0);
    CHECK_INT_EQ(call(inst, "load1", 1, 100, 0), 55);
    CHECK_INT_EQ(call(inst, "load0", 1, 100, 0), 0);
    uint8_t *lift = iw_memory_lift(inst, 100, 1);       /* hosts see memory 0 */
    CHECK(lift && *lift == 0);
    /* exports name their own memory */
    uint64_t n0, n1;
    uint8_t *d0 = iw_memory_data(iw_instance_memory(inst, "zero"), &n0);
    uint8_t *d1 = iw_memory_data(iw_instance_memory(inst, "one"), &n1);
    CHECK(d0 && d1 && d0 != d1);
    CHECK(d1 && d1[100] == 55);
    /* size and grow per memory, each with its own maximum */
    CHECK_INT_EQ(call(inst, "grow1", 1, 1, 0), 1);
    CHECK_INT_EQ(call(inst, "grow1", 1, 1, 0), -1);    /* memory 1's maximum is 2 pages */
    CHECK_INT_EQ(call(inst, "size1", 0, 0, 0), 2);
    CHECK_INT_EQ(call(inst, "size0", 0, 0, 0), 1);
    /* fill, init and copy between memories */
    CHECK_INT_EQ(call(inst, "fill1", 1, 200, 0), 0);
    CHECK_INT_EQ(call(inst, "load1", 1, 203, 0), 9);
    CHECK_INT_EQ(call(inst, "load0", 1, 203, 0), 0);
    CHECK_INT_EQ(call(inst, "init1", 1, 300, 0), 0);
    CHECK_INT_EQ(call(inst, "load1", 1, 302, 0), 3);
    CHECK_INT_EQ(call(inst, "copy10", 1, 40, 0), 0);
    CHECK_INT_EQ(call(inst, "load0", 1, 41, 0), 8);
    iw_instance_free(inst);
}

static void test_traps_and_fuel(void)
{
    iw_instance_t *inst = make(NULL);
    if (!inst) return;
    CHECK_INT_EQ(call(inst, "load1", 1, 65536, 0), -1000 - IW_TRAPPED);
    const iw_trap_t *t = iw_instance_trap(inst);
    CHECK_INT_EQ(t->kind, IW_TRAP_MEMORY_OOB);
    CHECK_INT_EQ(t->frame_count, 1);
    /* the offset is the load's (i32.load8_u, 0x2d), not the switch's */
    CHECK(t->frames[0].code_offset < wat_len && wat_bytes[t->frames[0].code_offset] == 0x2d);
    CHECK_INT_EQ(call(inst, "load1_at_end", 0, 0, 0), -1000 - IW_TRAPPED);
    /* an access on memory 1 costs the fuel one on memory 0 costs */
    uint64_t before = iw_instance_fuel_used(inst);
    call(inst, "load0", 1, 4, 0);
    uint64_t mid = iw_instance_fuel_used(inst);
    call(inst, "load1", 1, 4, 0);
    CHECK_INT_EQ(iw_instance_fuel_used(inst) - mid, mid - before);
    iw_instance_free(inst);
    /* the embedder's cap holds for the memories together (test_memcap) */
    iw_limits_t lim = { .max_memory_bytes = 2 * 65536 };
    inst = make(&lim);
    CHECK(inst != NULL);
    if (inst) {
        CHECK_INT_EQ(call(inst, "grow1", 1, 1, 0), -1);
        iw_instance_free(inst);
    }
}

static void test_imports(void)
{
    iw_instance_t *src = make(NULL);
    iw_module_t *m2 = wat_module(WAT_IMPORTS);
    CHECK(src && m2);
    if (!src || !m2) return;
    iw_linker_t *l = iw_linker_new();
    iw_linker_define_instance(l, "src", src);
    iw_error_t err;
    iw_trap_t trap;
    iw_instance_t *user = iw_instance_new(m2, l, NULL, &err, &trap);
    CHECK(user != NULL);
    if (user) {
        CHECK_INT_EQ(call(src, "store1", 2, 12, 66), 0);
        CHECK_INT_EQ(call(user, "read_x", 1, 12, 0), 66);   /* its memory 0 is src's memory 1 */
        CHECK_INT_EQ(call(user, "read_y", 1, 12, 0), 0);
        CHECK_INT_EQ(call(user, "read_x", 1, 8, 0), 7);
        iw_instance_free(user);
    }
    iw_linker_free(l);
    iw_module_release(m2);
    iw_instance_free(src);
}

static void test_snapshots(void)
{
    iw_instance_t *orig = make(NULL);
    if (!orig) return;
    CHECK_INT_EQ(call(orig, "store1", 2, 500, 77), 0);
    CHECK_INT_EQ(call(orig, "grow1", 1, 1, 0), 1);
    iw_image_t *img = iw_image_capture(orig);
    CHECK(img != NULL);
    if (!img) return;
    CHECK_INT_EQ(call(orig, "store1", 2, 500, 1), 0);   /* the image does not follow */
    iw_instance_t *copy = iw_instance_from_image(img, NULL, NULL);
    CHECK(copy != NULL);
    if (copy) {
        CHECK_INT_EQ(call(copy, "load1", 1, 500, 0), 77);
        CHECK_INT_EQ(call(copy, "size1", 0, 0, 0), 2);
        CHECK_INT_EQ(call(copy, "load1", 1, 8, 0), 7);
        iw_instance_free(copy);
    }
    iw_instance_t *res = iw_instance_from_image_resettable(img, NULL, NULL);
    CHECK(res != NULL);
    if (res) {
        for (int round = 0; round < 3; round++) {
            CHECK_INT_EQ(call(res, "load1", 1, 500, 0), 77);
            CHECK_INT_EQ(call(res, "size1", 0, 0, 0), 2);
            CHECK_INT_EQ(call(res, "load1", 1, 70000, 0), 0);
            CHECK_INT_EQ(call(res, "store1", 2, 500, 3), 0);
            CHECK_INT_EQ(call(res, "store1", 2, 70000, 4), 0);
            CHECK_INT_EQ(iw_instance_reset(res, NULL), 0);
        }
        iw_instance_free(res);
    }
    /* a new instance's cap: the image's memory 1 (2 pages) is over it */
    iw_limits_t lim = { .max_memory_bytes = 65536 };
    iw_error_t err;
    CHECK(iw_instance_from_image(img, &lim, &err) == NULL);
    iw_image_release(img);
    iw_instance_free(orig);
}

int main(void)
{
    module = wat_module(WAT);
    if (!module) { printf("FAIL wasm/multimem: the test module does not load\n"); return 1; }
    RUN(test_memories_are_separate);
    RUN(test_traps_and_fuel);
    RUN(test_imports);
    RUN(test_snapshots);
    iw_module_release(module);
    return testing_done();
}
