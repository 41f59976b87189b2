/* The wording of load errors and traps where the spec's scripts name the
 * reason (issue 24: tests/spec/suite.sh checks them strictly; these keep
 * them checked where ../shared is missing): a header cut short, limits
 * flags, constant expressions, a code section twice, table.init's order of checks, and the
 * element a call_indirect trap names. */
#define TEST_SUITE "wasm/errors"
#include "testing.h"
#include "wat.h"

/* The engine's error for bytes, which must be refused. */
static const char *refused(const uint8_t *bytes, size_t len)
{
    static iw_error_t err;
    memset(&err, 0, sizeof err);
    iw_module_t *m = iw_module_new(bytes, len, &err);
    if (m) {
        iw_module_release(m);
        return "(loaded)";
    }
    return err.message;
}

#define CHECK_STARTS(msg, prefix)                                                 \
    do {                                                                          \
        const char *m_ = (msg);                                                   \
        if (strncmp(m_, prefix, strlen(prefix)) != 0) printf("  got \"%s\"\n", m_); \
        CHECK(strncmp(m_, prefix, strlen(prefix)) == 0);                         \
    } while (0)

static void test_header_cut_short(void)
{
    CHECK_STARTS(refused((const uint8_t *)"", 0), "unexpected end");
    CHECK_STARTS(refused((const uint8_t *)"\1", 1), "unexpected end");
    CHECK_STARTS(refused((const uint8_t *)"\0as", 3), "unexpected end");
    CHECK_STARTS(refused((const uint8_t *)"asm\0", 4), "magic header not detected");
    CHECK_STARTS(refused((const uint8_t *)"\0asm\1\0\0", 7), "unexpected end");
    CHECK_STARTS(refused((const uint8_t *)"\0asm\2\0\0\0", 8), "unknown binary version");
}

static void test_limits_flags(void)
{
    /* a memory section with one memory whose flags byte is 0x81, 0x02 */
    static const uint8_t too_long[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0x05, 0x05, 0x01, 0x81, 0x00, 0x00, 0x00 };
    static const uint8_t too_large[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0x05, 0x03, 0x01, 0x02, 0x00 };
    CHECK(strstr(refused(too_long, sizeof too_long), "integer representation too long") != NULL);
    CHECK(strstr(refused(too_large, sizeof too_large), "integer too large") != NULL);
}

static void test_constant_expressions(void)
{
    /* global i32 = (i32.const 0) (i32.const 1) (i32.div_s): not constant,
     * not even with 3.0's extended constant expressions (add, sub, mul) */
    static const uint8_t add[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0x06, 0x09, 0x01, 0x7f, 0x00,
                                   0x41, 0x00, 0x41, 0x01, 0x6d, 0x0b };
    /* global i32 = (i32.const 0) (i32.const 1): two values */
    static const uint8_t two[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0x06, 0x08, 0x01, 0x7f, 0x00,
                                   0x41, 0x00, 0x41, 0x01, 0x0b };
    /* global i32 = 0xf3: no such instruction */
    static const uint8_t bad[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0x06, 0x05, 0x01, 0x7f, 0x00, 0xf3, 0x0b };
    CHECK(strstr(refused(add, sizeof add), "constant expression required") != NULL);
    CHECK_STARTS(refused(two, sizeof two), "type mismatch");
    CHECK_STARTS(refused(bad, sizeof bad), "illegal opcode");
}

static void test_body_without_end(void)
{
    /* type () -> (), one function whose body is `i32.const 1 drop` */
    static const uint8_t bin[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
                                   0x03, 0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x01, 0x1a };
    const char *msg = refused(bin, sizeof bin);
    CHECK_STARTS(msg, "unexpected end of section or function");
    CHECK(strstr(msg, "END opcode expected") != NULL);
}

static void test_table_init_checks_the_table_first(void)
{
    /* no table, no element segment: (table.init 0 0 (i32.const 0) x3) */
    static const uint8_t bin[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
                                   0x03, 0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00,
                                   0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0c, 0x00, 0x00, 0x0b };
    CHECK_STARTS(refused(bin, sizeof bin), "unknown table 0");
}

static void test_call_indirect_traps_name_the_element(void)
{
    iw_module_t *m = wat_module("(module (type $t (func)) (table 3 funcref)"
                                " (func (export \"call\") (param i32) (call_indirect (type $t) (local.get 0))))");
    CHECK(m != NULL);
    if (!m) return;
    iw_error_t err;
    iw_trap_t trap;
    iw_instance_t *inst = iw_instance_new(m, NULL, NULL, &err, &trap);
    iw_val_t a = { .type = IW_I32, .of.i32 = 2 };
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "call"), &a, 1, NULL, 0), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_UNINITIALIZED_ELEMENT);
    CHECK_STR_EQ(iw_instance_trap(inst)->message, "uninitialized element 2");
    a.of.i32 = 7;
    CHECK_INT_EQ(iw_call(inst, iw_instance_func(inst, "call"), &a, 1, NULL, 0), IW_TRAPPED);
    CHECK_INT_EQ(iw_instance_trap(inst)->kind, IW_TRAP_TABLE_OOB);
    CHECK_STR_EQ(iw_instance_trap(inst)->message, "undefined element 7");
    iw_instance_free(inst);
    iw_module_release(m);
}

/* Two code sections of one body each for two functions: the reference
 * reads every section before comparing counts, so the second section's
 * place is the error (binary.wast of the 3.0 suite). */
static void test_code_section_twice(void)
{
    static const uint8_t twice[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
                                     0x03, 0x03, 0x02, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
                                     0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b };
    /* one body for two functions, nothing after it: the counts */
    static const uint8_t short_[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
                                      0x03, 0x03, 0x02, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b };
    CHECK_STARTS(refused(twice, sizeof twice), "unexpected content after last section");
    CHECK_STARTS(refused(short_, sizeof short_), "function and code section have inconsistent lengths");
}

int main(void)
{
    RUN(test_code_section_twice);
    RUN(test_header_cut_short);
    RUN(test_limits_flags);
    RUN(test_constant_expressions);
    RUN(test_body_without_end);
    RUN(test_table_init_checks_the_table_first);
    RUN(test_call_indirect_traps_name_the_element);
    return testing_done();
}
