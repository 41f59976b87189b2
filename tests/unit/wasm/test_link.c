/* Linking: every import is matched against what the linker offers, with
 * the spec's rules (imports.wast): a function's type exactly, a table's
 * element type and limits, a memory's limits, a global's type and
 * mutability, and the kind. Host functions are checked like the exports
 * of other instances; the cases mirror imports.wast's, with host functions
 * in place of its registered module. */
#include <stdint.h>

#define TEST_SUITE "wasm/link"
#include "testing.h"
#include "wat.h"

static int host_calls;      /* calls of any host function below */
static uint64_t host_args[4];

static iw_host_result_t host_fn(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst;
    const char *sig = env;
    host_calls++;
    size_t np = (size_t)(strchr(sig, ':') - sig);
    for (size_t i = 0; i < np && i < 4; i++) host_args[i] = args[i];
    if (sig[np + 1]) results[0] = 42;
    return IW_HOST_OK;
}

/* The spectest functions, plus host functions of the shapes of
 * imports.wast's registered "test" module, and a WASI-shaped one. */
static const char *const host_funcs[][2] = {
    { "print", ":" },          { "print_i32", "i:" },       { "print_i64", "I:" },
    { "print_f32", "f:" },     { "print_f64", "F:" },       { "print_i32_f32", "if:" },
    { "print_f64_f64", "FF:" }, { "func->i32", ":i" },      { "func-i32->i32", "i:i" },
    { "fd_write", "iiii:i" },
};

static iw_memory_t *memory, *memory_nomax;
static iw_table_t *table, *table_nomax;
static iw_global_t *global_i32, *global_mut_i32;

static iw_linker_t *spectest(void)
{
    iw_linker_t *l = iw_linker_new();
    for (size_t i = 0; i < sizeof host_funcs / sizeof host_funcs[0]; i++)
        iw_linker_define_func(l, "spectest", host_funcs[i][0], host_funcs[i][1], host_fn, (void *)host_funcs[i][1]);
    iw_linker_define_memory(l, "spectest", "memory", memory);
    iw_linker_define_memory(l, "spectest", "memory-1-inf", memory_nomax);
    iw_linker_define_table(l, "spectest", "table", table);
    iw_linker_define_table(l, "spectest", "table-10-inf", table_nomax);
    iw_linker_define_global(l, "spectest", "global_i32", global_i32);
    iw_linker_define_global(l, "spectest", "global-mut-i32", global_mut_i32);
    return l;
}

/* Instantiates a one-import module; returns whether it linked, and the
 * error in *err. The instance, if any, is freed. */
static bool links(iw_linker_t *l, const char *import, iw_error_t *err)
{
    char wat[512];
    snprintf(wat, sizeof wat, "(module %s)", import);
    iw_module_t *m = wat_module(wat);
    if (!m) {
        snprintf(err->message, sizeof err->message, "module did not load");
        return false;
    }
    iw_trap_t trap;
    iw_instance_t *inst = iw_instance_new(m, l, NULL, err, &trap);
    iw_instance_free(inst);
    iw_module_release(m);
    return inst != NULL;
}

/* The import must be refused with the spec's "incompatible import type"
 * (or the given text), naming module.name. */
#define CHECK_UNLINKABLE(l, import, text, what)                                \
    do {                                                                       \
        iw_error_t e_ = { 0 };                                                 \
        CHECK(!links(l, import, &e_));                                         \
        if (strncmp(e_.message, text, strlen(text)) != 0 || !strstr(e_.message, what)) \
            printf("  %s: \"%s\"\n", import, e_.message);                      \
        CHECK(strncmp(e_.message, text, strlen(text)) == 0);                   \
        CHECK(strstr(e_.message, what) != NULL);                               \
    } while (0)

#define CHECK_LINKS(l, import)                                                 \
    do {                                                                       \
        iw_error_t e_ = { 0 };                                                 \
        bool ok_ = links(l, import, &e_);                                      \
        if (!ok_) printf("  %s: \"%s\"\n", import, e_.message);                \
        CHECK(ok_);                                                            \
    } while (0)

#define INCOMPATIBLE "incompatible import type"

static void test_host_func_types(void)
{
    iw_linker_t *l = spectest();
    CHECK_LINKS(l, "(import \"spectest\" \"print\" (func))");
    CHECK_LINKS(l, "(import \"spectest\" \"print_i32\" (func (param i32)))");
    CHECK_LINKS(l, "(import \"spectest\" \"print_i32_f32\" (func (param i32 f32)))");
    CHECK_LINKS(l, "(import \"spectest\" \"func->i32\" (func (result i32)))");
    CHECK_LINKS(l, "(import \"spectest\" \"func-i32->i32\" (func (param i32) (result i32)))");

    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print\" (func (param i32)))", INCOMPATIBLE, "spectest.print");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print\" (func (result i32)))", INCOMPATIBLE, "spectest.print");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print\" (func (param i32) (result i32)))", INCOMPATIBLE,
                     "spectest.print");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print_i32\" (func))", INCOMPATIBLE, "spectest.print_i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print_i32\" (func (result i32)))", INCOMPATIBLE,
                     "spectest.print_i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print_i32\" (func (param f32)))", INCOMPATIBLE,
                     "spectest.print_i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print_i32\" (func (param i64)))", INCOMPATIBLE,
                     "spectest.print_i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print_i32\" (func (param i32) (result i32)))", INCOMPATIBLE,
                     "spectest.print_i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print_i64\" (func (param i32)))", INCOMPATIBLE,
                     "spectest.print_i64");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print_f64\" (func (param f32)))", INCOMPATIBLE,
                     "spectest.print_f64");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print_i32_f32\" (func (param f32 i32)))", INCOMPATIBLE,
                     "spectest.print_i32_f32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print_f64_f64\" (func (param f64)))", INCOMPATIBLE,
                     "spectest.print_f64_f64");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"func->i32\" (func))", INCOMPATIBLE, "spectest.func->i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"func->i32\" (func (param i32)))", INCOMPATIBLE,
                     "spectest.func->i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"func->i32\" (func (result f32)))", INCOMPATIBLE,
                     "spectest.func->i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"func->i32\" (func (result i64)))", INCOMPATIBLE,
                     "spectest.func->i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"func-i32->i32\" (func))", INCOMPATIBLE, "spectest.func-i32->i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"func-i32->i32\" (func (param i32)))", INCOMPATIBLE,
                     "spectest.func-i32->i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"func-i32->i32\" (func (result i32)))", INCOMPATIBLE,
                     "spectest.func-i32->i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"unknown\" (func))", "unknown import", "spectest.unknown");
    iw_linker_free(l);
}

/* The case of the robustness issue: a () -> () import of the four-argument
 * fd_write, called from the start function, which has 4,095 locals, so a
 * host function linked anyway reads its arguments past the caller's frame
 * (past the value stack under ASan). Linking must fail before anything
 * runs. The text format has no repeat count for locals, hence bytes. */
static void test_host_func_wrong_type_many_locals(void)
{
    static const uint8_t bin[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                         /* type 0: () -> () */
        0x02, 0x23, 0x01, 0x16, 'w', 'a', 's', 'i', '_', 's', 'n', 'a', 'p', 's', 'h', 'o', 't', '_',
        'p', 'r', 'e', 'v', 'i', 'e', 'w', '1', 0x08, 'f', 'd', '_', 'w', 'r', 'i', 't', 'e', 0x00, 0x00,
        0x03, 0x02, 0x01, 0x00,                                     /* func 1: type 0 */
        0x08, 0x01, 0x01,                                           /* start: func 1 */
        0x0a, 0x09, 0x01, 0x07, 0x01, 0xff, 0x1f, 0x7f, 0x10, 0x00, 0x0b, /* 4,095 i32 locals; call 0 */
    };
    iw_linker_t *wasi = iw_linker_new();
    iw_linker_define_func(wasi, "wasi_snapshot_preview1", "fd_write", "iiii:i", host_fn, (void *)"iiii:i");
    iw_error_t err;
    iw_module_t *m = iw_module_new(bin, sizeof bin, &err);
    if (!m) printf("  load: %s\n", err.message);
    CHECK(m != NULL);
    if (m) {
        host_calls = 0;
        iw_trap_t trap;
        iw_instance_t *inst = iw_instance_new(m, wasi, NULL, &err, &trap);
        CHECK(inst == NULL);
        CHECK(strstr(err.message, "incompatible import type for wasi_snapshot_preview1.fd_write") != NULL);
        CHECK_INT_EQ(host_calls, 0);
        iw_instance_free(inst);
        iw_module_release(m);
    }
    iw_linker_free(wasi);
}

/* A correct import gets its arguments and gives its result. */
static void test_host_func_call(void)
{
    iw_linker_t *l = spectest();
    iw_module_t *m = wat_module("(module (import \"spectest\" \"func-i32->i32\" (func $f (param i32) (result i32)))"
                                " (func (export \"go\") (result i32) (call $f (i32.const 7))))");
    CHECK(m != NULL);
    if (m) {
        iw_error_t err;
        iw_trap_t trap;
        iw_instance_t *inst = iw_instance_new(m, l, NULL, &err, &trap);
        CHECK(inst != NULL);
        iw_val_t r = { 0 };
        host_calls = 0;
        CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "go"), NULL, 0, &r, 1), IW_FINISHED);
        CHECK_INT_EQ(host_calls, 1);
        CHECK_INT_EQ(host_args[0], 7);
        CHECK_INT_EQ(r.of.i32, 42);
        iw_instance_free(inst);
        iw_module_release(m);
    }
    iw_linker_free(l);
}

/* imports.wast's kind mismatches, against host objects. */
static void test_kinds(void)
{
    iw_linker_t *l = spectest();
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print_i32\" (global i32))", INCOMPATIBLE, "spectest.print_i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print_i32\" (table 10 funcref))", INCOMPATIBLE, "spectest.print_i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"print_i32\" (memory 1))", INCOMPATIBLE, "spectest.print_i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"global_i32\" (func))", INCOMPATIBLE, "spectest.global_i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"table\" (func))", INCOMPATIBLE, "spectest.table");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"memory\" (func))", INCOMPATIBLE, "spectest.memory");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"memory\" (table 10 funcref))", INCOMPATIBLE, "spectest.memory");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"table\" (memory 1))", INCOMPATIBLE, "spectest.table");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"global_i32\" (memory 1))", INCOMPATIBLE, "spectest.global_i32");
    iw_linker_free(l);
}

/* Host-made globals, tables and memories: types, mutability, limits. */
static void test_host_objects(void)
{
    iw_linker_t *l = spectest();
    CHECK_LINKS(l, "(import \"spectest\" \"global_i32\" (global i32))");
    CHECK_LINKS(l, "(import \"spectest\" \"global-mut-i32\" (global (mut i32)))");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"global_i32\" (global i64))", INCOMPATIBLE, "spectest.global_i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"global_i32\" (global f32))", INCOMPATIBLE, "spectest.global_i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"global_i32\" (global (mut i32)))", INCOMPATIBLE,
                     "spectest.global_i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"global-mut-i32\" (global i32))", INCOMPATIBLE,
                     "spectest.global-mut-i32");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"global-mut-i32\" (global (mut i64)))", INCOMPATIBLE,
                     "spectest.global-mut-i32");

    /* table 10..20 and 10..none */
    CHECK_LINKS(l, "(import \"spectest\" \"table\" (table 10 funcref))");
    CHECK_LINKS(l, "(import \"spectest\" \"table\" (table 5 20 funcref))");
    CHECK_LINKS(l, "(import \"spectest\" \"table\" (table 10 25 funcref))");
    CHECK_LINKS(l, "(import \"spectest\" \"table-10-inf\" (table 0 funcref))");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"table\" (table 12 funcref))", INCOMPATIBLE, "spectest.table");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"table\" (table 10 15 funcref))", INCOMPATIBLE, "spectest.table");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"table\" (table 10 externref))", INCOMPATIBLE, "spectest.table");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"table-10-inf\" (table 10 20 funcref))", INCOMPATIBLE,
                     "spectest.table-10-inf");

    /* memory 1..2 and 1..none */
    CHECK_LINKS(l, "(import \"spectest\" \"memory\" (memory 1))");
    CHECK_LINKS(l, "(import \"spectest\" \"memory\" (memory 0 2))");
    CHECK_LINKS(l, "(import \"spectest\" \"memory\" (memory 1 3))");
    CHECK_LINKS(l, "(import \"spectest\" \"memory-1-inf\" (memory 0))");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"memory\" (memory 2))", INCOMPATIBLE, "spectest.memory");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"memory\" (memory 1 1))", INCOMPATIBLE, "spectest.memory");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"memory-1-inf\" (memory 1 2))", INCOMPATIBLE,
                     "spectest.memory-1-inf");

    /* a memory that grew is imported at its current size */
    CHECK_INT_EQ(iw_memory_grow(memory_nomax, 2), 1);
    CHECK_LINKS(l, "(import \"spectest\" \"memory-1-inf\" (memory 3))");
    CHECK_UNLINKABLE(l, "(import \"spectest\" \"memory-1-inf\" (memory 4))", INCOMPATIBLE, "spectest.memory-1-inf");
    iw_linker_free(l);
}

/* The exports of another instance (imports.wast's registered "test"). */
static void test_instance_exports(void)
{
    iw_module_t *src = wat_module("(module"
                                  " (func (export \"func-i32\") (param i32))"
                                  " (func (export \"func->i32\") (result i32) (i32.const 1))"
                                  " (global (export \"global-i32\") i32 (i32.const 55))"
                                  " (global (export \"global-mut-i64\") (mut i64) (i64.const 66))"
                                  " (table (export \"table-10-20\") 10 20 funcref)"
                                  " (memory (export \"memory-2-inf\") 2))");
    CHECK(src != NULL);
    if (!src) return;
    iw_error_t err;
    iw_trap_t trap;
    iw_instance_t *test = iw_instance_new(src, NULL, NULL, &err, &trap);
    CHECK(test != NULL);
    iw_linker_t *l = iw_linker_new();
    iw_linker_define_instance(l, "test", test);
    CHECK_LINKS(l, "(import \"test\" \"func-i32\" (func (param i32)))");
    CHECK_LINKS(l, "(import \"test\" \"func->i32\" (func (result i32)))");
    CHECK_LINKS(l, "(import \"test\" \"global-i32\" (global i32))");
    CHECK_LINKS(l, "(import \"test\" \"global-mut-i64\" (global (mut i64)))");
    CHECK_LINKS(l, "(import \"test\" \"table-10-20\" (table 10 20 funcref))");
    CHECK_LINKS(l, "(import \"test\" \"memory-2-inf\" (memory 2))");
    CHECK_UNLINKABLE(l, "(import \"test\" \"func-i32\" (func))", INCOMPATIBLE, "test.func-i32");
    CHECK_UNLINKABLE(l, "(import \"test\" \"func-i32\" (func (param i64)))", INCOMPATIBLE, "test.func-i32");
    CHECK_UNLINKABLE(l, "(import \"test\" \"func->i32\" (func (result i64)))", INCOMPATIBLE, "test.func->i32");
    CHECK_UNLINKABLE(l, "(import \"test\" \"global-i32\" (global (mut i32)))", INCOMPATIBLE, "test.global-i32");
    CHECK_UNLINKABLE(l, "(import \"test\" \"global-mut-i64\" (global i64))", INCOMPATIBLE, "test.global-mut-i64");
    CHECK_UNLINKABLE(l, "(import \"test\" \"table-10-20\" (table 12 20 funcref))", INCOMPATIBLE, "test.table-10-20");
    CHECK_UNLINKABLE(l, "(import \"test\" \"table-10-20\" (table 10 externref))", INCOMPATIBLE, "test.table-10-20");
    CHECK_UNLINKABLE(l, "(import \"test\" \"memory-2-inf\" (memory 3))", INCOMPATIBLE, "test.memory-2-inf");
    CHECK_UNLINKABLE(l, "(import \"test\" \"memory-2-inf\" (memory 2 3))", INCOMPATIBLE, "test.memory-2-inf");
    CHECK_UNLINKABLE(l, "(import \"test\" \"func-i32\" (global i32))", INCOMPATIBLE, "test.func-i32");
    CHECK_UNLINKABLE(l, "(import \"test\" \"unknown\" (func))", "unknown import", "test.unknown");
    iw_linker_free(l);
    iw_instance_free(test);
    iw_module_release(src);
}

int main(void)
{
    memory = iw_memory_new(1, 2);
    memory_nomax = iw_memory_new(1, UINT32_MAX);
    table = iw_table_new(IW_FUNCREF, 10, 20);
    table_nomax = iw_table_new(IW_FUNCREF, 10, UINT32_MAX);
    global_i32 = iw_global_new((iw_val_t){ .type = IW_I32, .of.i32 = 666 }, false);
    global_mut_i32 = iw_global_new((iw_val_t){ .type = IW_I32, .of.i32 = 1 }, true);
    RUN(test_host_func_types);
    RUN(test_host_func_wrong_type_many_locals);
    RUN(test_host_func_call);
    RUN(test_kinds);
    RUN(test_host_objects);
    RUN(test_instance_exports);
    iw_memory_free(memory);
    iw_memory_free(memory_nomax);
    iw_table_free(table);
    iw_table_free(table_nomax);
    iw_global_free(global_i32);
    iw_global_free(global_mut_i32);
    return testing_done();
}
