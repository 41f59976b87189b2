/* The WebAssembly 3.0 proposals the engine does not implement, and the one
 * error every refusal of them gives at load: "the <proposal> proposal is
 * not supported (<what was found>)". The spec runner reads the proposal's
 * name back from that sentence to count a script as skipped. */
#ifndef IFRIT_WASM_PROPOSALS_H
#define IFRIT_WASM_PROPOSALS_H

#include <stdbool.h>
#include <stdint.h>

#include "wasm/reader.h"

typedef enum {
    IW_PROP_NONE = -1,
    IW_PROP_EXCEPTIONS,
    IW_PROP_GC,
    IW_PROP_FUNC_REFS,
    IW_PROP_MEMORY64,
    IW_PROP_RELAXED_SIMD,
} iw_proposal_t;

/* Records the refusal at `at`; always false. */
bool iw_unsupported(iw_reader_t *r, const uint8_t *at, iw_proposal_t p, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The proposal a byte that is no value type of WebAssembly 2.0 belongs to
 * as a value type (ref, ref null, exnref, GC's abstract heap types), or
 * IW_PROP_NONE when it is simply malformed. */
iw_proposal_t iw_valtype_proposal(uint8_t byte);

/* The proposal a one-byte opcode unknown to WebAssembly 2.0 belongs to, or
 * IW_PROP_NONE (0xfb, GC's prefix, included). */
iw_proposal_t iw_opcode_proposal(uint8_t op);

/* A u32 where WebAssembly 3.0 reads a u64 (memory64: limits, memory
 * offsets): one of 6 to 10 bytes, too long for a u32, is refused as that
 * proposal, the sentence keeping 2.0's "integer representation too long". */
bool iw_read_u32_not_u64(iw_reader_t *r, uint32_t *out, const char *what);

#endif
