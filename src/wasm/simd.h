/* 128-bit SIMD (the 0xFD prefix of WebAssembly 2.0), portable C.
 *
 * A v128 takes two consecutive frame slots: the first holds bytes 0-7, the
 * second bytes 8-15, in memory order (the engine runs on little-endian
 * hosts: x86-64 and wasm32), so lane i of any shape is where the spec puts
 * it. Each instruction but v128.const, i8x16.shuffle and the stores is
 * one inline C function (simd_ops.h) in a row of simd_table.h, and has its
 * own internal op and handler; this header gives the validator and the
 * compiler each instruction's operand kinds and immediates. */
#ifndef IFRIT_WASM_SIMD_H
#define IFRIT_WASM_SIMD_H

#include <stdint.h>

#include "wasm/module.h"

typedef union iw_v128 {
    uint8_t u8[16];
    int8_t i8[16];
    uint16_t u16[8];
    int16_t i16[8];
    uint32_t u32[4];
    int32_t i32[4];
    uint64_t u64[2];
    int64_t i64[2];
    float f32[4];
    double f64[2];
} iw_v128_t;

/* How an instruction takes and gives its values:
 *   UN v128 -> v128; BIN (v128, v128) -> v128; TERN three v128 -> v128;
 *   TEST v128 -> i32; SHIFT (v128, i32) -> v128; SPLAT scalar -> v128;
 *   EXTRACT v128 -> scalar (lane immediate); REPLACE (v128, scalar) -> v128
 *   (lane immediate). The function gets the scalar operand in lane 0 of its
 *   operand (b for SHIFT and REPLACE, a for SPLAT) and gives a scalar
 *   result in r->u64[0]; imm is the lane. */
typedef enum {
    IW_SIMD_UN, IW_SIMD_BIN, IW_SIMD_TERN, IW_SIMD_TEST, IW_SIMD_SHIFT,
    IW_SIMD_SPLAT, IW_SIMD_EXTRACT, IW_SIMD_REPLACE
} iw_simd_kind_t;

typedef struct {
    iw_simd_kind_t kind;
    uint8_t scalar;         /* SPLAT/EXTRACT/REPLACE: the scalar's type */
    uint8_t lanes;          /* EXTRACT/REPLACE: lanes of the shape */
    uint32_t op;            /* the internal op (ops.h), its own handler */
    const char *name;
} iw_simd_info_t;

/* NULL for the sub-opcodes that are not plain operations (memory,
 * v128.const, i8x16.shuffle) and for unknown ones. */
const iw_simd_info_t *iw_simd_info(uint32_t sub);

/* Memory instructions: LOAD reads `bytes` (16, 8 for the extending loads,
 * the lane size for splats and _zero) into a zeroed v128 given to the
 * load's function (simd_table.h) as a;
 * LOAD_LANE also passes the vector operand as b and the lane as imm; STORE
 * writes the whole vector, STORE_LANE `bytes` of one lane. */
typedef enum { IW_SIMD_LOAD, IW_SIMD_LOAD_LANE, IW_SIMD_STORE, IW_SIMD_STORE_LANE } iw_simd_mem_kind_t;

typedef struct {
    iw_simd_mem_kind_t kind;
    uint8_t bytes;
    uint8_t align;          /* natural alignment, log2 */
    uint8_t lanes;          /* _LANE forms: lanes of the shape */
    uint32_t op;            /* the internal op: a load's own, SIMD_STORE for stores */
    const char *name;
} iw_simd_mem_info_t;

const iw_simd_mem_info_t *iw_simd_mem_info(uint32_t sub);

#endif
