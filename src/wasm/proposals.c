/* Refusing the WebAssembly 3.0 proposals the engine does not implement:
 * which bytes belong to which proposal, and the sentence that names it. */
#include <stdarg.h>
#include <stdio.h>

#include "wasm/proposals.h"

static const char *const iw__proposal_names[] = {
    [IW_PROP_EXCEPTIONS] = "exception handling",
    [IW_PROP_GC] = "GC",
    [IW_PROP_FUNC_REFS] = "typed function references",
    [IW_PROP_MEMORY64] = "memory64",
    [IW_PROP_RELAXED_SIMD] = "relaxed SIMD",
};

bool iw_unsupported(iw_reader_t *r, const uint8_t *at, iw_proposal_t p, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return iw_fail_at(r, at, "the %s proposal is not supported (%s)", iw__proposal_names[p], what);
}

iw_proposal_t iw_valtype_proposal(uint8_t byte)
{
    switch (byte) {
    case 0x63: case 0x64: return IW_PROP_FUNC_REFS;        /* ref null ht, ref ht */
    case 0x69: case 0x74: return IW_PROP_EXCEPTIONS;       /* exnref, nullexnref */
    case 0x6a: case 0x6b: case 0x6c: case 0x6d: case 0x6e: /* arrayref structref i31ref eqref anyref */
    case 0x71: case 0x72: case 0x73:                        /* nullref nullexternref nullfuncref */
        return IW_PROP_GC;
    default: return IW_PROP_NONE;
    }
}

iw_proposal_t iw_opcode_proposal(uint8_t op)
{
    switch (op) {
    case 0x06: case 0x07: case 0x08: case 0x09: case 0x0a: /* try catch throw rethrow throw_ref */
    case 0x18: case 0x19: case 0x1f:                        /* delegate catch_all try_table */
        return IW_PROP_EXCEPTIONS;
    case 0x14: case 0x15: case 0xd4: case 0xd5: case 0xd6: /* call_ref return_call_ref ref.as_non_null br_on_(non_)null */
        return IW_PROP_FUNC_REFS;
    case 0xd3: case 0xfb: return IW_PROP_GC;               /* ref.eq, the GC prefix */
    default: return IW_PROP_NONE;
    }
}

bool iw_read_u32_not_u64(iw_reader_t *r, uint32_t *out, const char *what)
{
    size_t n = 0;
    while (n < iw_left(r) && n < 10 && (r->p[n] & 0x80)) n++;
    if (n >= 5 && n < 10)
        return iw_unsupported(r, r->p, IW_PROP_MEMORY64, "integer representation too long for a 32-bit %s, a 64-bit one in 3.0",
                               what);
    return iw_read_u32(r, out);
}
