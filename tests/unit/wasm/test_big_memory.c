/* A memory declared big but barely used costs what the guest touches
 * (robustness issue, item 5): instantiating a 4 GiB memory, capturing an
 * image of it, making instances from the image, and a resettable
 * instance of a 512 MiB image with its resets, each touch a bounded
 * number of pages, counted as the process's minor page faults (a page
 * touched for the first time is one fault; the whole 4 GiB would be a
 * million). The contents stay right: data segments, stores before the
 * capture, stores after it, grown pages, resets. */
#include <sys/resource.h>

#define TEST_SUITE "wasm/big_memory"
#include "testing.h"
#include "wat.h"

/* Far below a million (4 GiB / 4 KiB) or 131,072 (512 MiB): room for
 * the allocator, the test and the sanitizer's own pages. */
#define FAULTS_MAX 20000

static const char *const WAT_4G =
    "(module\n"
    "  (memory (export \"memory\") 65536)\n"
    "  (data (i32.const 0x80000000) \"hi\")\n"
    "  (func (export \"store\") (param i32 i32) (i32.store (local.get 0) (local.get 1)))\n"
    "  (func (export \"load\") (param i32) (result i32) (i32.load (local.get 0))))\n";

static const char *const WAT_512M =
    "(module\n"
    "  (memory 8192 8200)\n"
    "  (data (i32.const 0x10000000) \"\\2a\")\n"
    "  (func (export \"store\") (param i32 i32) (i32.store (local.get 0) (local.get 1)))\n"
    "  (func (export \"load\") (param i32) (result i32) (i32.load (local.get 0)))\n"
    "  (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0))))\n";

static long faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static int32_t load(iw_instance_t *inst, uint32_t addr)
{
    iw_val_t a = { .type = IW_I32, .of.i32 = (int32_t)addr }, r = { 0 };
    return iw_call(inst, iw_instance_func(inst, "load"), &a, 1, &r, 1) == IW_FINISHED ? r.of.i32 : -1;
}

static bool store(iw_instance_t *inst, uint32_t addr, int32_t v)
{
    iw_val_t a[2] = { { .type = IW_I32, .of.i32 = (int32_t)addr }, { .type = IW_I32, .of.i32 = v } };
    return iw_call(inst, iw_instance_func(inst, "store"), a, 2, NULL, 0) == IW_FINISHED;
}

static void test_4gib_memory_instance_image_and_copies(void)
{
    iw_module_t *m = wat_module(WAT_4G);
    CHECK(m != NULL);
    if (!m) return;
    long before = faults();
    iw_error_t err;
    iw_trap_t trap;
    iw_instance_t *inst = iw_instance_new(m, NULL, NULL, &err, &trap);
    CHECK(inst != NULL);
    if (!inst) {
        printf("  %s\n", err.message);
        iw_module_release(m);
        return;
    }
    CHECK_INT_EQ(iw_memory_size(inst), 65536ull * 65536ull);
    CHECK_INT_EQ(load(inst, 0x80000000u) & 0xffff, 'h' | 'i' << 8);
    CHECK(store(inst, 0xfffffff0u, 77));
    CHECK(store(inst, 1000, 5));
    iw_image_t *img = iw_image_capture(inst);
    CHECK(img != NULL);
    iw_instance_free(inst);
    long after_capture = faults();
    if (after_capture - before >= FAULTS_MAX) printf("  instantiate + capture: %ld faults\n", after_capture - before);
    CHECK(after_capture - before < FAULTS_MAX);
    for (int i = 0; img && i < 3; i++) {
        iw_instance_t *c = iw_instance_from_image(img, NULL, &err);
        CHECK(c != NULL);
        if (!c) break;
        CHECK_INT_EQ(load(c, 0x80000000u) & 0xffff, 'h' | 'i' << 8);
        CHECK_INT_EQ(load(c, 0xfffffff0u), 77);
        CHECK_INT_EQ(load(c, 1000), 5);
        CHECK_INT_EQ(load(c, 0x40000000u), 0);
        CHECK(store(c, 1000, 6 + i));     /* the image keeps its own */
        CHECK_INT_EQ(load(c, 1000), 6 + i);
        iw_instance_free(c);
    }
    long after_copies = faults();
    if (after_copies - after_capture >= FAULTS_MAX) printf("  3 instances: %ld faults\n", after_copies - after_capture);
    CHECK(after_copies - after_capture < FAULTS_MAX);
    iw_image_release(img);
    iw_module_release(m);
}

static void test_512mib_image_resettable(void)
{
    iw_module_t *m = wat_module(WAT_512M);
    CHECK(m != NULL);
    if (!m) return;
    iw_error_t err;
    iw_trap_t trap;
    iw_instance_t *inst = iw_instance_new(m, NULL, NULL, &err, &trap);
    CHECK(inst != NULL);
    if (!inst) {
        iw_module_release(m);
        return;
    }
    CHECK(store(inst, 0x1ffffff0u, 9));
    iw_image_t *img = iw_image_capture(inst);
    iw_instance_free(inst);
    CHECK(img != NULL);
    if (!img) {
        iw_module_release(m);
        return;
    }
    long before = faults();
    iw_instance_t *r = iw_instance_from_image_resettable(img, NULL, &err);
    CHECK(r != NULL);
    for (int i = 0; r && i < 3; i++) {
        CHECK_INT_EQ(load(r, 0x10000000u) & 0xff, 0x2a);
        CHECK_INT_EQ(load(r, 0x1ffffff0u), 9);
        CHECK_INT_EQ(load(r, 4096), 0);
        CHECK_INT_EQ(load(r, 0x20000000u), -1);   /* past the end: traps */
        CHECK(store(r, 4096, 1));
        CHECK(store(r, 0x1ffffff0u, 10));
        iw_val_t a = { .type = IW_I32, .of.i32 = 1 }, res = { 0 };
        CHECK_INT_EQ(iw_call(r, iw_instance_func(r, "grow"), &a, 1, &res, 1), IW_FINISHED);
        CHECK_INT_EQ(res.of.i32, 8192);
        CHECK_INT_EQ(load(r, 0x20000000u), 0);   /* grown pages read zero ... */
        CHECK(store(r, 0x20000000u, 3));         /* ... until written, and reset after */
        CHECK_INT_EQ(iw_instance_reset(r, NULL), 0);
        CHECK_INT_EQ(iw_memory_size(r), 8192ull * 65536ull);
    }
    iw_instance_free(r);
    long spent = faults() - before;
    if (spent >= FAULTS_MAX) printf("  resettable instance and 3 resets: %ld faults\n", spent);
    CHECK(spent < FAULTS_MAX);
    iw_image_release(img);
    iw_module_release(m);
}

int main(void)
{
    RUN(test_4gib_memory_instance_image_and_copies);
    RUN(test_512mib_image_resettable);
    return testing_done();
}
