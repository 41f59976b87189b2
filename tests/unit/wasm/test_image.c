/* The module's 8 pages are above IW_IMAGE_COPY_MAX_BYTES, so on Linux the
 * copy-on-write mapping is what these tests exercise.
 *
 * Snapshots: an image captured in the middle of a suspended host call,
 * restored twice, gives the same results as an uninterrupted run; restored
 * instances do not see each other's writes (copy-on-write); tables and
 * globals holding function references keep working; an instance made after
 * another was freed (which may reuse its mapping) starts from the image,
 * not from what the freed one wrote or grew, byte for byte, whether its
 * written pages were put back in place or dropped (test_reset_every_byte).
 * A memory below that size is kept sparsely (its non-zero blocks) and
 * restored exactly. */
#define TEST_SUITE "wasm/image"
#include "testing.h"
#include "wat.h"
#include "wasm/config.h"

static const char *const WAT =
    "(module\n"
    "  (import \"host\" \"get\" (func $get (param i32) (result i32)))\n"
    "  (memory (export \"memory\") 8 20)\n"
    "  (table 2 funcref)\n"
    "  (elem (i32.const 0) $double $square)\n"
    "  (global $counter (mut i32) (i32.const 0))\n"
    "  (global $fn (mut funcref) (ref.func $square))\n"
    "  (type $unop (func (param i32) (result i32)))\n"
    "  (func $double (type $unop) (i32.mul (local.get 0) (i32.const 2)))\n"
    "  (func $square (type $unop) (i32.mul (local.get 0) (local.get 0)))\n"
    "  (func (export \"work\") (result i32) (local $i i32) (local $sum i32)\n"
    "    (loop $l\n"
    "      (local.set $sum (i32.add (local.get $sum)\n"
    "        (call_indirect (type $unop) (call $get (local.get $i)) (i32.rem_u (local.get $i) (i32.const 2)))))\n"
    "      (i32.store (i32.add (i32.const 65536) (i32.mul (local.get $i) (i32.const 4))) (local.get $sum))\n"
    "      (global.set $counter (i32.add (global.get $counter) (i32.const 1)))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br_if $l (i32.lt_u (local.get $i) (i32.const 4))))\n"
    "    (i32.add (i32.mul (local.get $sum) (i32.const 100)) (global.get $counter)))\n"
    "  (func (export \"peek\") (param i32) (result i32) (i32.load (local.get 0)))\n"
    "  (func (export \"poke\") (param i32 i32) (i32.store (local.get 0) (local.get 1)))\n"
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

/* Answers every suspended get(i) with i + 3 until the call ends. */
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

static int32_t peek(iw_instance_t *inst, int32_t addr)
{
    iw_val_t a = { .type = IW_I32, .of.i32 = addr }, r = { 0 };
    return iw_call(inst, iw_instance_func(inst, "peek"), &a, 1, &r, 1) == IW_FINISHED ? r.of.i32 : -1;
}

static void test_restore_suspended_twice(void)
{
    /* the uninterrupted run */
    suspend_get = false;
    iw_instance_t *plain = iw_instance_new(module, linker, NULL, NULL, NULL);
    iw_val_t r = { 0 };
    CHECK_INT_EQ(iw_call(plain, iw_instance_func(plain, "work"), NULL, 0, &r, 1), IW_FINISHED);
    int32_t expected = r.of.i32;
    /* get(i) = i+3: double(3) + square(4) + double(5) + square(6) = 6+16+10+36 = 68 */
    CHECK_INT_EQ(expected, 68 * 100 + 4);

    /* the same call, suspended at its second host call, captured there */
    suspend_get = true;
    iw_instance_t *orig = iw_instance_new(module, linker, NULL, NULL, NULL);
    iw_status_t st = iw_call(orig, iw_instance_func(orig, "work"), NULL, 0, &r, 1);
    CHECK_INT_EQ(st, IW_SUSPENDED);
    uint64_t first = 3;
    CHECK_INT_EQ(iw_resume(orig, &first), IW_SUSPENDED);
    iw_image_t *img = iw_image_capture(orig);
    CHECK(img != NULL);
    if (!img) return;

    for (int k = 0; k < 2; k++) {
        iw_error_t err;
        iw_instance_t *copy = iw_instance_from_image(img, NULL, &err);
        CHECK(copy != NULL);
        if (!copy) continue;
        const uint64_t *args;
        CHECK_INT_EQ(iw_instance_suspended(copy, NULL, &args), IW_SUSPEND_HOST);
        CHECK_INT_EQ(args[0], 1);
        CHECK_INT_EQ(drive(copy, IW_SUSPENDED), IW_FINISHED);
        iw_val_t out = { 0 };
        CHECK_INT_EQ(iw_instance_results(copy, &out, 1), 1);
        CHECK_INT_EQ(out.of.i32, expected);
        CHECK_INT_EQ(peek(copy, 65536 + 12), 68);
        iw_instance_free(copy);
    }
    /* the original goes on unchanged */
    CHECK_INT_EQ(drive(orig, IW_SUSPENDED), IW_FINISHED);
    CHECK_INT_EQ(r.of.i32, expected);
    suspend_get = false;
    iw_image_release(img);
    iw_instance_free(orig);
    iw_instance_free(plain);
}

static void test_copy_on_write(void)
{
    suspend_get = false;
    iw_instance_t *orig = iw_instance_new(module, linker, NULL, NULL, NULL);
    iw_val_t args[2] = { { .type = IW_I32, .of.i32 = 100 }, { .type = IW_I32, .of.i32 = 1234 } };
    CHECK_INT_EQ(iw_call(orig, iw_instance_func(orig, "poke"), args, 2, NULL, 0), IW_FINISHED);
    iw_image_t *img = iw_image_capture(orig);
    iw_instance_free(orig);   /* the image does not depend on it */
    iw_instance_t *a = iw_instance_from_image(img, NULL, NULL);
    iw_instance_t *b = iw_instance_from_image(img, NULL, NULL);
    CHECK(a && b);
    if (!a || !b) return;
    CHECK_INT_EQ(peek(a, 100), 1234);
    args[1].of.i32 = 99;
    CHECK_INT_EQ(iw_call(a, iw_instance_func(a, "poke"), args, 2, NULL, 0), IW_FINISHED);
    CHECK_INT_EQ(peek(a, 100), 99);
    CHECK_INT_EQ(peek(b, 100), 1234);
    /* restored instances run calls through the table and grow as usual */
    iw_val_t r = { 0 };
    CHECK_INT_EQ(iw_call(b, iw_instance_func(b, "work"), NULL, 0, &r, 1), IW_FINISHED);
    CHECK_INT_EQ(r.of.i32, 68 * 100 + 4);
    CHECK_INT_EQ(iw_memory_grow(iw_instance_memory(b, "memory"), 3), 8);
    CHECK_INT_EQ(iw_memory_size(b), 11 * 65536);
    CHECK_INT_EQ(peek(b, 11 * 65536 - 4), 0);
    CHECK_INT_EQ(iw_memory_grow(iw_instance_memory(b, "memory"), 10), -1);   /* max 20 pages */
    iw_instance_free(a);
    iw_instance_free(b);
    /* the limits of the new instance apply */
    iw_limits_t lim = { .max_memory_bytes = 65536 };
    iw_error_t err;
    CHECK(iw_instance_from_image(img, &lim, &err) == NULL);
    iw_image_release(img);
}

static void test_reuse_after_free(void)
{
    iw_instance_t *orig = iw_instance_new(module, linker, NULL, NULL, NULL);
    iw_val_t args[2] = { { .type = IW_I32, .of.i32 = 300000 }, { .type = IW_I32, .of.i32 = 7 } };
    CHECK_INT_EQ(iw_call(orig, iw_instance_func(orig, "poke"), args, 2, NULL, 0), IW_FINISHED);
    iw_image_t *img = iw_image_capture(orig);
    iw_instance_free(orig);
    for (int round = 0; round < 3; round++) {
        iw_instance_t *a = iw_instance_from_image(img, NULL, NULL);
        CHECK(a != NULL);
        if (!a) break;
        CHECK_INT_EQ(iw_memory_size(a), 8 * 65536);
        CHECK_INT_EQ(peek(a, 300000), 7);
        CHECK_INT_EQ(peek(a, 8), 0);
        /* dirty a page of the image, a zero page, and grown memory */
        args[1].of.i32 = 100 + round;
        CHECK_INT_EQ(iw_call(a, iw_instance_func(a, "poke"), args, 2, NULL, 0), IW_FINISHED);
        iw_val_t zero_page[2] = { { .type = IW_I32, .of.i32 = 8 }, { .type = IW_I32, .of.i32 = 5 } };
        CHECK_INT_EQ(iw_call(a, iw_instance_func(a, "poke"), zero_page, 2, NULL, 0), IW_FINISHED);
        CHECK_INT_EQ(iw_memory_grow(iw_instance_memory(a, "memory"), 2), 8);
        iw_val_t grown[2] = { { .type = IW_I32, .of.i32 = 9 * 65536 }, { .type = IW_I32, .of.i32 = 6 } };
        CHECK_INT_EQ(iw_call(a, iw_instance_func(a, "poke"), grown, 2, NULL, 0), IW_FINISHED);
        iw_instance_free(a);
    }
    /* the grown pages were given back: growing again shows zeros */
    iw_instance_t *b = iw_instance_from_image(img, NULL, NULL);
    CHECK(b != NULL);
    if (b) {
        CHECK_INT_EQ(iw_memory_grow(iw_instance_memory(b, "memory"), 2), 8);
        CHECK_INT_EQ(peek(b, 9 * 65536), 0);
        iw_instance_free(b);
    }
    iw_image_release(img);
}

/* Two pages, under IW_IMAGE_COPY_MAX_BYTES: the sparse copy. The data
 * segment also shows the module keeps it after the binary is gone. */
static const char *const SMALL_WAT =
    "(module\n"
    "  (memory 2)\n"
    "  (data (i32.const 4095) \"\\01\\02\")\n"
    "  (func (export \"peek\") (param i32) (result i32) (i32.load (local.get 0)))\n"
    "  (func (export \"poke\") (param i32 i32) (i32.store (local.get 0) (local.get 1)))\n"
    ")\n";

static void test_small_memory(void)
{
    iw_module_t *small = wat_module(SMALL_WAT);
    CHECK(small != NULL);
    if (!small) return;
    memset(wat_bytes, 0, wat_len);
    iw_instance_t *orig = iw_instance_new(small, NULL, NULL, NULL, NULL);
    CHECK(orig != NULL);
    if (!orig) { iw_module_release(small); return; }
    CHECK_INT_EQ(peek(orig, 4092), 0x01000000);
    CHECK_INT_EQ(peek(orig, 4096), 0x02);
    /* a write in the last block; the blocks between stay zero */
    iw_val_t args[2] = { { .type = IW_I32, .of.i32 = 2 * 65536 - 4 }, { .type = IW_I32, .of.i32 = -7 } };
    CHECK_INT_EQ(iw_call(orig, iw_instance_func(orig, "poke"), args, 2, NULL, 0), IW_FINISHED);
    iw_image_t *img = iw_image_capture(orig);
    iw_instance_free(orig);
    CHECK(img != NULL);
    for (int k = 0; img && k < 2; k++) {
        iw_instance_t *a = iw_instance_from_image(img, NULL, NULL);
        CHECK(a != NULL);
        if (!a) break;
        CHECK_INT_EQ(iw_memory_size(a), 2 * 65536);
        CHECK_INT_EQ(peek(a, 4092), 0x01000000);
        CHECK_INT_EQ(peek(a, 4096), 0x02);
        CHECK_INT_EQ(peek(a, 2 * 65536 - 4), -7);
        CHECK_INT_EQ(peek(a, 0), 0);
        CHECK_INT_EQ(peek(a, 65536), 0);
        /* not seen by the next instance */
        iw_val_t w[2] = { { .type = IW_I32, .of.i32 = 65536 }, { .type = IW_I32, .of.i32 = 5 } };
        CHECK_INT_EQ(iw_call(a, iw_instance_func(a, "poke"), w, 2, NULL, 0), IW_FINISHED);
        iw_instance_free(a);
    }
    iw_image_release(img);
    iw_module_release(small);
}

/* Images of `pages` pages (max 200), their first half filled with 0x11.
 * Each round checks every byte of a new instance, then writes every page
 * and `grow` more: below IW_MAPPED_KEEP_MAX_BYTES a reset copies the
 * image back into the written pages, above it drops them; both must give
 * the next instance the image exactly, and zeros when it grows. */
static const char *const FILL_WAT =
    "(module\n"
    "  (memory (export \"memory\") %u 200)\n"
    "  (func (export \"fill\") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))\n"
    ")\n";

static bool image_bytes_ok(iw_instance_t *inst, uint32_t pages, uint32_t grown)
{
    uint64_t size = (uint64_t)(pages + grown) * 65536;
    const uint8_t *mem = iw_memory_size(inst) == size ? iw_memory_lift(inst, 0, size) : NULL;
    if (!mem) return false;
    for (uint64_t i = 0; i < size; i++)
        if (mem[i] != (i < (uint64_t)pages / 2 * 65536 ? 0x11 : 0)) return false;
    return true;
}

static void reset_rounds(uint32_t pages, uint32_t grow)
{
    char wat[512];
    snprintf(wat, sizeof wat, FILL_WAT, pages);
    iw_module_t *m = wat_module(wat);
    CHECK(m != NULL);
    if (!m) return;
    iw_instance_t *orig = iw_instance_new(m, NULL, NULL, NULL, NULL);
    iw_val_t half[3] = { { .type = IW_I32, .of.i32 = 0 }, { .type = IW_I32, .of.i32 = 0x11 },
                         { .type = IW_I32, .of.i32 = (int32_t)(pages / 2 * 65536) } };
    CHECK(orig && iw_call(orig, iw_instance_func(orig, "fill"), half, 3, NULL, 0) == IW_FINISHED);
    iw_image_t *img = orig ? iw_image_capture(orig) : NULL;
    if (orig) iw_instance_free(orig);
    CHECK(img != NULL);
    for (int round = 0; img && round < 3; round++) {
        iw_instance_t *a = iw_instance_from_image(img, NULL, NULL);
        CHECK(a != NULL);
        if (!a) break;
        CHECK(image_bytes_ok(a, pages, 0));
        CHECK_INT_EQ(iw_memory_grow(iw_instance_memory(a, "memory"), grow), pages);
        CHECK(image_bytes_ok(a, pages, grow));
        iw_val_t all[3] = { { .type = IW_I32, .of.i32 = 0 }, { .type = IW_I32, .of.i32 = 0x22 + round },
                            { .type = IW_I32, .of.i32 = (int32_t)((pages + grow) * 65536) } };
        CHECK_INT_EQ(iw_call(a, iw_instance_func(a, "fill"), all, 3, NULL, 0), IW_FINISHED);
        iw_instance_free(a);
    }
    if (img) iw_image_release(img);
    iw_module_release(m);
}

static void test_reset_every_byte(void)
{
    reset_rounds(8, 4);     /* 768 KiB written: put back in place */
    CHECK((8 + 4) * 65536 < IW_MAPPED_KEEP_MAX_BYTES);
    reset_rounds(96, 8);    /* 6.5 MiB: dropped */
    CHECK((96 + 8) * 65536 > IW_MAPPED_KEEP_MAX_BYTES);
}

int main(void)
{
    module = wat_module(WAT);
    if (!module) { printf("FAIL wasm/image: the test module does not load\n"); return 1; }
    linker = iw_linker_new();
    iw_linker_define_func(linker, "host", "get", "i:i", host_get, NULL);
    RUN(test_restore_suspended_twice);
    RUN(test_copy_on_write);
    RUN(test_reuse_after_free);
    RUN(test_small_memory);
    RUN(test_reset_every_byte);
    iw_linker_free(linker);
    iw_module_release(module);
    return testing_done();
}
