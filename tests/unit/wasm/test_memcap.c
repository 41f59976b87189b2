/* The embedder's memory cap (iw_limits_t.max_memory_bytes) bounds all the
 * memories an instance defines together, not each on its own: the initial
 * sizes together over it fail instantiation with a sentence saying so,
 * memory.grow on any memory returns -1 when the sum would pass it, and
 * instances made from a snapshot, or reset to one, keep to it. */
#define TEST_SUITE "wasm/memcap"
#include "testing.h"
#include "wat.h"

#define PAGE 65536u

static const char *const WAT_TWO =
    "(module\n"
    "  (memory $a 1)\n"
    "  (memory $b 1)\n"
    "  (func (export \"grow0\") (param i32) (result i32) (memory.grow $a (local.get 0)))\n"
    "  (func (export \"grow1\") (param i32) (result i32) (memory.grow $b (local.get 0)))\n"
    "  (func (export \"store1\") (param i32 i32) (i32.store8 $b (local.get 0) (local.get 1)))\n"
    "  (func (export \"load1\") (param i32) (result i32) (i32.load8_u $b (local.get 0)))\n"
    ")\n";

static const char *const WAT_THREE =
    "(module\n"
    "  (memory $a 1)\n"
    "  (memory $b 2)\n"
    "  (memory $c 1)\n"
    "  (func (export \"grow0\") (param i32) (result i32) (memory.grow $a (local.get 0)))\n"
    "  (func (export \"grow1\") (param i32) (result i32) (memory.grow $b (local.get 0)))\n"
    "  (func (export \"grow2\") (param i32) (result i32) (memory.grow $c (local.get 0)))\n"
    ")\n";

static iw_module_t *two, *three;

static iw_instance_t *make(iw_module_t *m, uint64_t cap, iw_error_t *err)
{
    iw_limits_t lim = { .max_memory_bytes = cap };
    iw_trap_t trap;
    iw_linker_t *l = iw_linker_new();
    iw_instance_t *inst = iw_instance_new(m, l, &lim, err, &trap);
    iw_linker_free(l);
    return inst;
}

/* An export with up to two i32 arguments; its i32 result, or -1000 when the
 * call did not finish. */
static int32_t call(iw_instance_t *inst, const char *name, uint32_t nargs, int32_t a, int32_t b)
{
    iw_val_t args[2] = { { .type = IW_I32, .of.i32 = a }, { .type = IW_I32, .of.i32 = b } }, r = { 0 };
    iw_func_t *f = iw_instance_func(inst, name);
    const char *sig = iw_func_sig(f);
    uint32_t nres = sig[strlen(sig) - 1] == ':' ? 0 : 1;
    if (iw_call(inst, f, args, nargs, &r, nres) != IW_FINISHED) return -1000;
    return nres ? r.of.i32 : 0;
}

static void test_two_memories(void)
{
    iw_error_t err;
    /* 2 pages together, each alone under the cap of 1 */
    CHECK(make(two, PAGE, &err) == NULL);
    CHECK(strstr(err.message, "exceed the memory limit") != NULL);
    iw_instance_t *inst = make(two, 3 * PAGE, &err);
    CHECK(inst != NULL);
    if (!inst) return;
    CHECK_INT_EQ(iw_memory_total(inst), 2 * PAGE);
    CHECK_INT_EQ(call(inst, "grow1", 1, 1, 0), 1);   /* 3 pages: at the cap */
    CHECK_INT_EQ(call(inst, "grow0", 1, 1, 0), -1);  /* 4 would pass it, though memory 0 alone is 1 page */
    CHECK_INT_EQ(call(inst, "grow1", 1, 1, 0), -1);
    CHECK_INT_EQ(call(inst, "grow0", 1, 0, 0), 1);   /* growing by 0 still answers the size */
    CHECK_INT_EQ(iw_memory_total(inst), 3 * PAGE);
    iw_instance_free(inst);
}

static void test_three_memories(void)
{
    iw_error_t err;
    CHECK(make(three, 3 * PAGE, &err) == NULL);      /* 1 + 2 + 1 pages */
    CHECK(strstr(err.message, "3 memories") != NULL);
    iw_instance_t *inst = make(three, 6 * PAGE, &err);
    CHECK(inst != NULL);
    if (!inst) return;
    CHECK_INT_EQ(call(inst, "grow2", 1, 1, 0), 1);
    CHECK_INT_EQ(call(inst, "grow0", 1, 2, 0), -1);  /* 7 pages */
    CHECK_INT_EQ(call(inst, "grow0", 1, 1, 0), 1);   /* 6 pages */
    CHECK_INT_EQ(call(inst, "grow1", 1, 1, 0), -1);
    CHECK_INT_EQ(call(inst, "grow2", 1, 1, 0), -1);
    CHECK_INT_EQ(iw_memory_total(inst), 6 * PAGE);
    iw_instance_free(inst);
    /* without a cap only the modules' limits count */
    inst = make(three, 0, &err);
    CHECK(inst != NULL);
    if (inst) {
        CHECK_INT_EQ(call(inst, "grow1", 1, 10, 0), 2);
        iw_instance_free(inst);
    }
}

static void test_snapshots(void)
{
    iw_error_t err;
    iw_instance_t *orig = make(two, 0, &err);
    CHECK(orig != NULL);
    if (!orig) return;
    CHECK_INT_EQ(call(orig, "grow0", 1, 1, 0), 1);
    CHECK_INT_EQ(call(orig, "grow1", 1, 1, 0), 1);   /* 4 pages, 2 each */
    CHECK_INT_EQ(call(orig, "store1", 2, 70000, 5), 0);
    iw_image_t *img = iw_image_capture(orig);
    iw_instance_free(orig);
    CHECK(img != NULL);
    if (!img) return;
    iw_limits_t small = { .max_memory_bytes = 3 * PAGE }, room = { .max_memory_bytes = 5 * PAGE };
    CHECK(iw_instance_from_image(img, &small, &err) == NULL);
    CHECK(iw_instance_from_image_resettable(img, &small, &err) == NULL);
    iw_instance_t *copy = iw_instance_from_image(img, &room, &err);
    CHECK(copy != NULL);
    if (copy) {
        CHECK_INT_EQ(call(copy, "load1", 1, 70000, 0), 5);
        CHECK_INT_EQ(call(copy, "grow1", 1, 1, 0), 2);
        CHECK_INT_EQ(call(copy, "grow0", 1, 1, 0), -1);
        iw_instance_free(copy);
    }
    iw_instance_t *res = iw_instance_from_image_resettable(img, &room, &err);
    CHECK(res != NULL);
    if (res) {
        for (int round = 0; round < 2; round++) {
            CHECK_INT_EQ(call(res, "grow0", 1, 1, 0), 2);
            CHECK_INT_EQ(call(res, "grow1", 1, 1, 0), -1);
            CHECK_INT_EQ(iw_instance_reset(res, &room), 0);
            CHECK_INT_EQ(iw_memory_total(res), 4 * PAGE);
        }
        /* a reset under a cap the image's memories together pass fails */
        CHECK_INT_EQ(iw_instance_reset(res, &small), -1);
        iw_instance_free(res);
    }
    iw_image_release(img);
}

int main(void)
{
    two = wat_module(WAT_TWO);
    three = wat_module(WAT_THREE);
    if (!two || !three) { printf("FAIL wasm/memcap: the test modules do not load\n"); return 1; }
    RUN(test_two_memories);
    RUN(test_three_memories);
    RUN(test_snapshots);
    iw_module_release(two);
    iw_module_release(three);
    return testing_done();
}
