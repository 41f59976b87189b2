/* WebAssembly 3.0 proposals the engine does not implement are refused at
 * load with one sentence naming the proposal (src/wasm/proposals.c), which
 * tests/tools/spec_run.c reads back to count a spec script as skipped; the
 * 2.0 wording the 2.0 scripts expect stays in the message. */
#define TEST_SUITE "wasm/proposals"
#include <stdint.h>
#include <string.h>

#include "testing.h"
#include "wasm/wasm.h"

static const char *refused(const char *bytes, size_t len)
{
    static iw_error_t err;
    memset(&err, 0, sizeof err);
    iw_module_t *m = iw_module_new((const uint8_t *)bytes, len, &err);
    if (m) {
        iw_module_release(m);
        return "(loaded)";
    }
    return err.message;
}

#define HEADER "\0asm\1\0\0\0"
#define REFUSED(bytes, part)                                                   \
    do {                                                                       \
        const char *m_ = refused(HEADER bytes, sizeof HEADER bytes - 1);       \
        if (!strstr(m_, part)) printf("  got \"%s\", expected \"%s\"\n", m_, part); \
        CHECK(strstr(m_, part) != NULL);                                       \
    } while (0)

#define ONE_FUNC "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00"

static void test_each_proposal_is_named(void)
{
    REFUSED("\x0d\x01\x00", "the exception handling proposal is not supported (the tag section");
    REFUSED(ONE_FUNC "\x0a\x06\x01\x04\x00\x08\x00\x0b", "the exception handling proposal is not supported (opcode 0x08)");
    REFUSED("\x01\x03\x01\x5f\x00", "the GC proposal is not supported (type form 0x5f)");
    REFUSED("\x01\x06\x01\x60\x01\x64\x70\x00", "the typed function references proposal is not supported (value type 0x64)");
    REFUSED("\x05\x03\x01\x04\x00", "the memory64 proposal is not supported (64-bit limits");
    /* a limit and a memory offset of 6 bytes: too long for 2.0's u32, a u64 in 3.0 */
    REFUSED("\x05\x08\x01\x00\x82\x80\x80\x80\x80\x00", "the memory64 proposal is not supported (integer representation too long");
    REFUSED("\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00" "\x05\x03\x01\x00\x01"
            "\x0a\x10\x01\x0e\x00\x41\x00\x28\x02\x82\x80\x80\x80\x80\x80\x00\x1a\x0b",
            "the memory64 proposal is not supported (integer representation too long for a 32-bit memory offset");
}

static void test_the_2_0_wording_stays(void)
{
    REFUSED("\x0d\x01\x00", "malformed section id");
    REFUSED("\x06\x09\x01\x7f\x00\x41\x01\x41\x02\x6d\x0b", "constant expression required");   /* i32.div_s */
    /* global.get of a global the module defines: 3.0 (with GC) allows it */
    REFUSED("\x06\x0b\x02\x7f\x00\x41\x01\x0b\x7f\x00\x23\x00\x0b", "unknown global 0");
    REFUSED(ONE_FUNC "\x0a\x05\x01\x03\x00\xff\x0b", "illegal opcode ff");
}

int main(void)
{
    RUN(test_each_proposal_is_named);
    RUN(test_the_2_0_wording_stays);
    return testing_done();
}
