/* Loading, introspection and linking: import/export information, errors
 * with offsets, host-made objects, linking one instance's exports into
 * another, link errors. */
#define TEST_SUITE "wasm/module"
#include "testing.h"
#include "wat.h"

static const char *const LIB =
    "(module\n"
    "  (memory (export \"mem\") 1 4)\n"
    "  (table (export \"tab\") 2 funcref)\n"
    "  (global (export \"counter\") (mut i32) (i32.const 40))\n"
    "  (func $add (export \"add\") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))\n"
    "  (func (export \"bump\") (global.set 0 (i32.add (global.get 0) (i32.const 1))))\n"
    "  (elem (i32.const 1) $add)\n"
    ")\n";

static const char *const APP =
    "(module\n"
    "  (import \"lib\" \"add\" (func $add (param i32 i32) (result i32)))\n"
    "  (import \"lib\" \"mem\" (memory 1))\n"
    "  (import \"lib\" \"tab\" (table 2 funcref))\n"
    "  (import \"lib\" \"counter\" (global $c (mut i32)))\n"
    "  (import \"env\" \"scale\" (global $scale i64))\n"
    "  (type $bin (func (param i32 i32) (result i32)))\n"
    "  (func (export \"run\") (param i32) (result i32)\n"
    "    (i32.store (i32.const 0) (call $add (local.get 0) (global.get $c)))\n"
    "    (call_indirect (type $bin) (i32.load (i32.const 0)) (i32.wrap_i64 (global.get $scale)) (i32.const 1)))\n"
    ")\n";

static void test_introspection(void)
{
    iw_module_t *m = wat_module(APP);
    CHECK(m != NULL);
    if (!m) return;
    CHECK_INT_EQ(iw_module_import_count(m), 5);
    CHECK_INT_EQ(iw_module_export_count(m), 1);
    iw_extern_info_t info;
    iw_module_import_info(m, 0, &info);
    CHECK_STR_EQ(info.module, "lib");
    CHECK_STR_EQ(info.name, "add");
    CHECK_INT_EQ(info.kind, IW_EXTERN_FUNC);
    iw_module_import_info(m, 4, &info);
    CHECK_INT_EQ(info.kind, IW_EXTERN_GLOBAL);
    CHECK_INT_EQ(info.index, 1);
    iw_module_export_info(m, 0, &info);
    CHECK_STR_EQ(info.name, "run");
    CHECK_INT_EQ(info.index, 1);
    CHECK_STR_EQ(iw_module_func_sig(m, 0), "ii:i");
    CHECK_STR_EQ(iw_module_func_sig(m, 1), "i:i");
    CHECK(iw_module_func_sig(m, 2) == NULL);
    iw_module_release(m);
}

static void test_linking_instances(void)
{
    iw_module_t *lib = wat_module(LIB), *app = wat_module(APP);
    CHECK(lib && app);
    if (!lib || !app) return;
    iw_linker_t *l = iw_linker_new();
    iw_instance_t *li = iw_instance_new(lib, NULL, NULL, NULL, NULL);
    CHECK(li != NULL);
    CHECK_INT_EQ(iw_linker_define_instance(l, "lib", li), 0);

    /* a missing import is a link error naming it */
    iw_error_t err;
    CHECK(iw_instance_new(app, l, NULL, &err, NULL) == NULL);
    CHECK(strstr(err.message, "env.scale") != NULL);
    /* so is one of the wrong type */
    iw_global_t *wrong = iw_global_new((iw_val_t){ .type = IW_I32, .of.i32 = 2 }, false);
    iw_linker_define_global(l, "env", "scale", wrong);
    CHECK(iw_instance_new(app, l, NULL, &err, NULL) == NULL);
    CHECK(strstr(err.message, "incompatible") != NULL);
    /* a later definition replaces it */
    iw_global_t *scale = iw_global_new((iw_val_t){ .type = IW_I64, .of.i64 = 5 }, false);
    CHECK_INT_EQ(iw_linker_define_global(l, "env", "scale", scale), 0);
    iw_instance_t *ai = iw_instance_new(app, l, NULL, &err, NULL);
    CHECK(ai != NULL);
    if (ai) {
        /* add(2, counter 40) = 42 stored in lib's memory, then add(42, 5) through lib's table */
        iw_val_t a = { .type = IW_I32, .of.i32 = 2 }, r = { 0 };
        CHECK_INT_EQ(iw_call(ai, iw_instance_func(ai, "run"), &a, 1, &r, 1), IW_FINISHED);
        CHECK_INT_EQ(r.of.i32, 47);
        uint64_t size;
        uint8_t *mem = iw_memory_data(iw_instance_memory(li, "mem"), &size);
        CHECK_INT_EQ(size, 65536);
        CHECK_INT_EQ(mem[0], 42);
        /* globals are shared, not copied */
        CHECK_INT_EQ(iw_call(li, iw_instance_func(li, "bump"), NULL, 0, NULL, 0), IW_FINISHED);
        CHECK_INT_EQ(iw_call(ai, iw_instance_func(ai, "run"), &a, 1, &r, 1), IW_FINISHED);
        CHECK_INT_EQ(r.of.i32, 48);
        CHECK_INT_EQ(iw_global_get(iw_instance_global(li, "counter")).of.i32, 41);
        /* wrong argument count or types trap as host errors */
        CHECK_INT_EQ(iw_call(ai, iw_instance_func(ai, "run"), NULL, 0, &r, 1), IW_TRAPPED);
        CHECK_INT_EQ(iw_instance_trap(ai)->kind, IW_TRAP_HOST);
        iw_val_t f = { .type = IW_F32, .of.f32 = 1.0f };
        CHECK_INT_EQ(iw_call(ai, iw_instance_func(ai, "run"), &f, 1, &r, 1), IW_TRAPPED);
        iw_instance_free(ai);
    }
    CHECK(iw_instance_func(li, "nope") == NULL);
    CHECK(iw_instance_func(li, "mem") == NULL);   /* exists, but not a function */
    iw_instance_free(li);
    iw_linker_free(l);
    iw_global_free(wrong);
    iw_global_free(scale);
    iw_module_release(lib);
    iw_module_release(app);
}

static void test_host_objects(void)
{
    iw_global_t *g = iw_global_new((iw_val_t){ .type = IW_F64, .of.f64 = 1.5 }, true);
    CHECK(g != NULL);
    CHECK_INT_EQ(iw_global_set(g, (iw_val_t){ .type = IW_F64, .of.f64 = 2.5 }), 0);
    CHECK(iw_global_get(g).of.f64 == 2.5);
    CHECK_INT_EQ(iw_global_set(g, (iw_val_t){ .type = IW_I32, .of.i32 = 1 }), -1);
    iw_global_free(g);
    g = iw_global_new((iw_val_t){ .type = IW_I32, .of.i32 = 1 }, false);
    CHECK_INT_EQ(iw_global_set(g, (iw_val_t){ .type = IW_I32, .of.i32 = 2 }), -1);
    iw_global_free(g);

    iw_memory_t *m = iw_memory_new(1, 3);
    CHECK_INT_EQ(iw_memory_grow(m, 2), 1);
    CHECK_INT_EQ(iw_memory_grow(m, 1), -1);
    uint64_t size;
    CHECK(iw_memory_data(m, &size) != NULL);
    CHECK_INT_EQ(size, 3 * 65536);
    iw_memory_free(m);
    CHECK(iw_memory_new(5, 2) == NULL);
    CHECK(iw_memory_new(70000, UINT32_MAX) == NULL);
    CHECK(iw_table_new(IW_I32, 1, 2) == NULL);
    iw_table_t *t = iw_table_new(IW_EXTERNREF, 0, 10);
    CHECK(t != NULL);
    iw_table_free(t);

    iw_linker_t *l = iw_linker_new();
    CHECK_INT_EQ(iw_linker_define_func(l, "m", "f", "ix", NULL, NULL), -1);
    iw_linker_free(l);
}

static void test_errors(void)
{
    static const struct { const uint8_t *bytes; size_t len; const char *words; } cases[] = {
        { (const uint8_t *)"\0asm\1\0\0\0\1", 9, "unexpected end" },
        { (const uint8_t *)"\0asm\1\0\0\0\x0d\0", 10, "section id" },
        { (const uint8_t *)"\0asm\1\0\0\0\1\5\1\x60\0\0\0", 15, "section size mismatch" },
        { (const uint8_t *)"\0asm\1\0\0\0\5\1\x65", 11, "too many memories" },   /* 101 > IW_MAX_MEMORIES */
        { (const uint8_t *)"\0asm\1\0\0\0\3\2\1\0", 12, "unknown type" },
        { (const uint8_t *)"\0asm\1\0\0\0\1\4\1\x60\0\0\3\2\1\0", 18, "inconsistent lengths" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        iw_error_t err;
        iw_module_t *m = iw_module_new(cases[i].bytes, cases[i].len, &err);
        CHECK(m == NULL);
        if (m) { iw_module_release(m); continue; }
        if (!strstr(err.message, cases[i].words))
            printf("  case %zu: \"%s\" at %llu\n", i, err.message, (unsigned long long)err.offset);
        CHECK(strstr(err.message, cases[i].words) != NULL);
        CHECK(err.offset <= cases[i].len);
    }
}

int main(void)
{
    RUN(test_introspection);
    RUN(test_linking_instances);
    RUN(test_host_objects);
    RUN(test_errors);
    return testing_done();
}
