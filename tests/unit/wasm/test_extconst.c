/* Extended constant expressions (WebAssembly 3.0): i32/i64 add, sub and
 * mul and global.get of imported globals in globals' initializers and in
 * data and element segment offsets, evaluated at instantiation with the
 * imports' values; wrapping as the instructions wrap; type errors and the
 * depth limit (IW_MAX_CONST_DEPTH) refused at load. */
#define TEST_SUITE "wasm/extconst"
#include "testing.h"
#include "wat.h"

static const char *const WAT =
    "(module\n"
    "  (import \"env\" \"base\" (global $base i32))\n"
    "  (import \"env\" \"big\" (global $big i64))\n"
    "  (memory 1)\n"
    "  (table 8 funcref)\n"
    "  (global (export \"sum\") i32 (i32.add (global.get $base) (i32.const 5)))\n"
    "  (global (export \"poly\") i32 (i32.sub (i32.mul (global.get $base) (global.get $base)) (i32.const 1)))\n"
    "  (global (export \"wrap32\") i32 (i32.mul (i32.const 0x10000) (i32.const 0x10001)))\n"
    "  (global (export \"wide\") i64 (i64.add (i64.mul (global.get $big) (i64.const 3)) (i64.const -1)))\n"
    "  (data (i32.add (global.get $base) (i32.const 16)) \"\\2a\")\n"
    "  (elem (offset (i32.sub (i32.const 10) (global.get $base))) $seven)\n"
    "  (func $seven (result i32) (i32.const 7))\n"
    "  (func (export \"peek\") (param i32) (result i32) (i32.load8_u (local.get 0)))\n"
    "  (func (export \"slot\") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))\n"
    ")\n";

static int64_t global_of(iw_instance_t *inst, const char *name)
{
    iw_val_t v = iw_global_get(iw_instance_global(inst, name));
    return v.type == IW_I32 ? (int64_t)(uint32_t)v.of.i32 : v.of.i64;
}

static int32_t call_i32(iw_instance_t *inst, const char *name, int32_t arg)
{
    iw_val_t a = { .type = IW_I32, .of.i32 = arg }, r = { 0 };
    if (iw_call(inst, iw_instance_func(inst, name), &a, 1, &r, 1) != IW_FINISHED) return -1;
    return r.of.i32;
}

static void test_values_from_imports(void)
{
    iw_module_t *m = wat_module(WAT);
    CHECK(m != NULL);
    if (!m) return;
    for (int32_t base = 3; base <= 4; base++) {
        iw_global_t *gb = iw_global_new((iw_val_t){ .type = IW_I32, .of.i32 = base }, false);
        iw_global_t *gg = iw_global_new((iw_val_t){ .type = IW_I64, .of.i64 = INT64_MAX }, false);
        iw_linker_t *l = iw_linker_new();
        iw_linker_define_global(l, "env", "base", gb);
        iw_linker_define_global(l, "env", "big", gg);
        iw_error_t err;
        iw_trap_t trap;
        iw_instance_t *inst = iw_instance_new(m, l, NULL, &err, &trap);
        CHECK(inst != NULL);
        if (inst) {
            CHECK_INT_EQ(global_of(inst, "sum"), base + 5);
            CHECK_INT_EQ(global_of(inst, "poly"), base * base - 1);
            CHECK_INT_EQ(global_of(inst, "wrap32"), 0x10000);            /* 2^32 + 2^16 wraps */
            CHECK_INT_EQ(global_of(inst, "wide"), INT64_MAX - 3);        /* 3 * INT64_MAX - 1 wraps to it */
            CHECK_INT_EQ(call_i32(inst, "peek", base + 16), 42);
            CHECK_INT_EQ(call_i32(inst, "peek", base + 17), 0);
            CHECK_INT_EQ(call_i32(inst, "slot", 10 - base), 7);
            iw_instance_free(inst);
        } else {
            printf("  instantiate: %s\n", err.message);
        }
        iw_linker_free(l);
        iw_global_free(gb);
        iw_global_free(gg);
    }
    iw_module_release(m);
}

static const char *refused_text(const uint8_t *bytes, size_t len)
{
    static iw_error_t err;
    iw_module_t *m = iw_module_new(bytes, len, &err);
    if (m) {
        iw_module_release(m);
        return "(loaded)";
    }
    return err.message;
}

static void test_refused(void)
{
    /* global i32 = (i64.const 1) (i32.const 2) (i32.add): operand types */
    static const uint8_t mixed[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0x06, 0x09, 0x01, 0x7f, 0x00,
                                     0x42, 0x01, 0x41, 0x02, 0x6a, 0x0b };
    /* global i32 = (i32.const 1) (i32.add): one operand missing */
    static const uint8_t short_[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0x06, 0x07, 0x01, 0x7f, 0x00,
                                      0x41, 0x01, 0x6a, 0x0b };
    /* global i64 = (i32.const 1) (i32.const 2) (i32.add): the result's type */
    static const uint8_t result[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0x06, 0x09, 0x01, 0x7e, 0x00,
                                      0x41, 0x01, 0x41, 0x02, 0x6a, 0x0b };
    CHECK(strstr(refused_text(mixed, sizeof mixed), "type mismatch") == refused_text(mixed, sizeof mixed));
    CHECK(strstr(refused_text(short_, sizeof short_), "type mismatch") == refused_text(short_, sizeof short_));
    CHECK(strstr(refused_text(result, sizeof result), "type mismatch") == refused_text(result, sizeof result));

    /* 257 constants then 256 adds: deeper than IW_MAX_CONST_DEPTH values;
     * 256 of them are fine */
    static uint8_t deep[8 + 6 + 2 * 257 + 256 + 1 + 8];
    for (int n = 256; n <= 257; n++) {
        size_t k = 0, body = 2 + 2 * (size_t)n + (size_t)(n - 1) + 1;
        memcpy(deep, "\0asm\1\0\0\0", 8);
        k = 8;
        deep[k++] = 0x06;
        size_t size = 1 + body;
        deep[k++] = (uint8_t)(0x80 | (size & 0x7f));
        deep[k++] = (uint8_t)(size >> 7);
        deep[k++] = 0x01;
        deep[k++] = 0x7f;
        deep[k++] = 0x00;
        for (int i = 0; i < n; i++) { deep[k++] = 0x41; deep[k++] = 0x01; }
        for (int i = 0; i < n - 1; i++) deep[k++] = 0x6a;
        deep[k++] = 0x0b;
        const char *msg = refused_text(deep, k);
        if (n == 256) CHECK_STR_EQ(msg, "(loaded)");
        else CHECK(strstr(msg, "constant expression too deep") != NULL);
    }
}

int main(void)
{
    RUN(test_values_from_imports);
    RUN(test_refused);
    return testing_done();
}
