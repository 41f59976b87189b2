/* The one source of the engine's opcode tables.
 *
 * IW_NUMERIC_OPS lists every plain numeric instruction of the binary format:
 *   X(opcode, NAME, "text", CLASS, IN, OUT, EXPR)
 * opcode is the byte (0xFCnn for the 0xFC-prefixed ones), IN and OUT the
 * operand and result types (I32 I64 F32 F64), CLASS how it behaves:
 *   UN   one operand a, result EXPR
 *   BIN  two operands a b, result EXPR
 *   CMP  an i32 comparison: like BIN, plus fused compare-and-branch forms
 *   UNT  one operand that may trap: EXPR names `int f(a, OUT *r)` returning
 *        0 or an iw_trap_kind_t
 *   BINT two operands that may trap, same helper shape with (a, b, r)
 * The validator takes the types from here, the compiler the internal op
 * numbers, and the interpreter generates its handlers from EXPR, so adding an
 * instruction is one line. Helpers live in numeric.h. The plain SIMD
 * instructions come from simd_table.h: one internal op and handler each. */
#ifndef IFRIT_WASM_OPS_H
#define IFRIT_WASM_OPS_H

#include "wasm/simd_table.h"

#define IW_NUMERIC_OPS(X)                                                     \
    X(0x45, I32_EQZ, "i32.eqz", UN, I32, I32, a == 0)                         \
    X(0x46, I32_EQ, "i32.eq", CMP, I32, I32, a == b)                          \
    X(0x47, I32_NE, "i32.ne", CMP, I32, I32, a != b)                          \
    X(0x48, I32_LT_S, "i32.lt_s", CMP, I32, I32, (int32_t)a < (int32_t)b)     \
    X(0x49, I32_LT_U, "i32.lt_u", CMP, I32, I32, a < b)                       \
    X(0x4A, I32_GT_S, "i32.gt_s", CMP, I32, I32, (int32_t)a > (int32_t)b)     \
    X(0x4B, I32_GT_U, "i32.gt_u", CMP, I32, I32, a > b)                       \
    X(0x4C, I32_LE_S, "i32.le_s", CMP, I32, I32, (int32_t)a <= (int32_t)b)    \
    X(0x4D, I32_LE_U, "i32.le_u", CMP, I32, I32, a <= b)                      \
    X(0x4E, I32_GE_S, "i32.ge_s", CMP, I32, I32, (int32_t)a >= (int32_t)b)    \
    X(0x4F, I32_GE_U, "i32.ge_u", CMP, I32, I32, a >= b)                      \
    X(0x50, I64_EQZ, "i64.eqz", UN, I64, I32, a == 0)                         \
    X(0x51, I64_EQ, "i64.eq", BIN, I64, I32, a == b)                          \
    X(0x52, I64_NE, "i64.ne", BIN, I64, I32, a != b)                          \
    X(0x53, I64_LT_S, "i64.lt_s", BIN, I64, I32, (int64_t)a < (int64_t)b)     \
    X(0x54, I64_LT_U, "i64.lt_u", BIN, I64, I32, a < b)                       \
    X(0x55, I64_GT_S, "i64.gt_s", BIN, I64, I32, (int64_t)a > (int64_t)b)     \
    X(0x56, I64_GT_U, "i64.gt_u", BIN, I64, I32, a > b)                       \
    X(0x57, I64_LE_S, "i64.le_s", BIN, I64, I32, (int64_t)a <= (int64_t)b)    \
    X(0x58, I64_LE_U, "i64.le_u", BIN, I64, I32, a <= b)                      \
    X(0x59, I64_GE_S, "i64.ge_s", BIN, I64, I32, (int64_t)a >= (int64_t)b)    \
    X(0x5A, I64_GE_U, "i64.ge_u", BIN, I64, I32, a >= b)                      \
    X(0x5B, F32_EQ, "f32.eq", BIN, F32, I32, a == b)                          \
    X(0x5C, F32_NE, "f32.ne", BIN, F32, I32, a != b)                          \
    X(0x5D, F32_LT, "f32.lt", BIN, F32, I32, a < b)                           \
    X(0x5E, F32_GT, "f32.gt", BIN, F32, I32, a > b)                           \
    X(0x5F, F32_LE, "f32.le", BIN, F32, I32, a <= b)                          \
    X(0x60, F32_GE, "f32.ge", BIN, F32, I32, a >= b)                          \
    X(0x61, F64_EQ, "f64.eq", BIN, F64, I32, a == b)                          \
    X(0x62, F64_NE, "f64.ne", BIN, F64, I32, a != b)                          \
    X(0x63, F64_LT, "f64.lt", BIN, F64, I32, a < b)                           \
    X(0x64, F64_GT, "f64.gt", BIN, F64, I32, a > b)                           \
    X(0x65, F64_LE, "f64.le", BIN, F64, I32, a <= b)                          \
    X(0x66, F64_GE, "f64.ge", BIN, F64, I32, a >= b)                          \
    X(0x67, I32_CLZ, "i32.clz", UN, I32, I32, a ? __builtin_clz(a) : 32)      \
    X(0x68, I32_CTZ, "i32.ctz", UN, I32, I32, a ? __builtin_ctz(a) : 32)      \
    X(0x69, I32_POPCNT, "i32.popcnt", UN, I32, I32, __builtin_popcount(a))    \
    X(0x6A, I32_ADD, "i32.add", BIN, I32, I32, a + b)                         \
    X(0x6B, I32_SUB, "i32.sub", BIN, I32, I32, a - b)                         \
    X(0x6C, I32_MUL, "i32.mul", BIN, I32, I32, a * b)                         \
    X(0x6D, I32_DIV_S, "i32.div_s", BINT, I32, I32, iw_i32_div_s)            \
    X(0x6E, I32_DIV_U, "i32.div_u", BINT, I32, I32, iw_i32_div_u)            \
    X(0x6F, I32_REM_S, "i32.rem_s", BINT, I32, I32, iw_i32_rem_s)            \
    X(0x70, I32_REM_U, "i32.rem_u", BINT, I32, I32, iw_i32_rem_u)            \
    X(0x71, I32_AND, "i32.and", BIN, I32, I32, a & b)                         \
    X(0x72, I32_OR, "i32.or", BIN, I32, I32, a | b)                           \
    X(0x73, I32_XOR, "i32.xor", BIN, I32, I32, a ^ b)                         \
    X(0x74, I32_SHL, "i32.shl", BIN, I32, I32, a << (b & 31))                 \
    X(0x75, I32_SHR_S, "i32.shr_s", BIN, I32, I32, (uint32_t)((int32_t)a >> (b & 31))) \
    X(0x76, I32_SHR_U, "i32.shr_u", BIN, I32, I32, a >> (b & 31))             \
    X(0x77, I32_ROTL, "i32.rotl", BIN, I32, I32, (a << (b & 31)) | (a >> ((32 - b) & 31))) \
    X(0x78, I32_ROTR, "i32.rotr", BIN, I32, I32, (a >> (b & 31)) | (a << ((32 - b) & 31))) \
    X(0x79, I64_CLZ, "i64.clz", UN, I64, I64, a ? __builtin_clzll(a) : 64)    \
    X(0x7A, I64_CTZ, "i64.ctz", UN, I64, I64, a ? __builtin_ctzll(a) : 64)    \
    X(0x7B, I64_POPCNT, "i64.popcnt", UN, I64, I64, __builtin_popcountll(a))  \
    X(0x7C, I64_ADD, "i64.add", BIN, I64, I64, a + b)                         \
    X(0x7D, I64_SUB, "i64.sub", BIN, I64, I64, a - b)                         \
    X(0x7E, I64_MUL, "i64.mul", BIN, I64, I64, a * b)                         \
    X(0x7F, I64_DIV_S, "i64.div_s", BINT, I64, I64, iw_i64_div_s)            \
    X(0x80, I64_DIV_U, "i64.div_u", BINT, I64, I64, iw_i64_div_u)            \
    X(0x81, I64_REM_S, "i64.rem_s", BINT, I64, I64, iw_i64_rem_s)            \
    X(0x82, I64_REM_U, "i64.rem_u", BINT, I64, I64, iw_i64_rem_u)            \
    X(0x83, I64_AND, "i64.and", BIN, I64, I64, a & b)                         \
    X(0x84, I64_OR, "i64.or", BIN, I64, I64, a | b)                           \
    X(0x85, I64_XOR, "i64.xor", BIN, I64, I64, a ^ b)                         \
    X(0x86, I64_SHL, "i64.shl", BIN, I64, I64, a << (b & 63))                 \
    X(0x87, I64_SHR_S, "i64.shr_s", BIN, I64, I64, (uint64_t)((int64_t)a >> (b & 63))) \
    X(0x88, I64_SHR_U, "i64.shr_u", BIN, I64, I64, a >> (b & 63))             \
    X(0x89, I64_ROTL, "i64.rotl", BIN, I64, I64, (a << (b & 63)) | (a >> ((64 - b) & 63))) \
    X(0x8A, I64_ROTR, "i64.rotr", BIN, I64, I64, (a >> (b & 63)) | (a << ((64 - b) & 63))) \
    X(0x8B, F32_ABS, "f32.abs", UN, F32, F32, iw_f32_abs(a))                 \
    X(0x8C, F32_NEG, "f32.neg", UN, F32, F32, iw_f32_neg(a))                 \
    X(0x8D, F32_CEIL, "f32.ceil", UN, F32, F32, iw_f32_round(a, ceilf))                     \
    X(0x8E, F32_FLOOR, "f32.floor", UN, F32, F32, iw_f32_round(a, floorf))                  \
    X(0x8F, F32_TRUNC, "f32.trunc", UN, F32, F32, iw_f32_round(a, truncf))                  \
    X(0x90, F32_NEAREST, "f32.nearest", UN, F32, F32, iw_f32_round(a, rintf))               \
    X(0x91, F32_SQRT, "f32.sqrt", UN, F32, F32, sqrtf(a))                     \
    X(0x92, F32_ADD, "f32.add", BIN, F32, F32, a + b)                         \
    X(0x93, F32_SUB, "f32.sub", BIN, F32, F32, a - b)                         \
    X(0x94, F32_MUL, "f32.mul", BIN, F32, F32, a * b)                         \
    X(0x95, F32_DIV, "f32.div", BIN, F32, F32, a / b)                         \
    X(0x96, F32_MIN, "f32.min", BIN, F32, F32, iw_f32_min(a, b))             \
    X(0x97, F32_MAX, "f32.max", BIN, F32, F32, iw_f32_max(a, b))             \
    X(0x98, F32_COPYSIGN, "f32.copysign", BIN, F32, F32, iw_f32_copysign(a, b)) \
    X(0x99, F64_ABS, "f64.abs", UN, F64, F64, iw_f64_abs(a))                 \
    X(0x9A, F64_NEG, "f64.neg", UN, F64, F64, iw_f64_neg(a))                 \
    X(0x9B, F64_CEIL, "f64.ceil", UN, F64, F64, iw_f64_round(a, ceil))                      \
    X(0x9C, F64_FLOOR, "f64.floor", UN, F64, F64, iw_f64_round(a, floor))                   \
    X(0x9D, F64_TRUNC, "f64.trunc", UN, F64, F64, iw_f64_round(a, trunc))                   \
    X(0x9E, F64_NEAREST, "f64.nearest", UN, F64, F64, iw_f64_round(a, rint))                \
    X(0x9F, F64_SQRT, "f64.sqrt", UN, F64, F64, sqrt(a))                      \
    X(0xA0, F64_ADD, "f64.add", BIN, F64, F64, a + b)                         \
    X(0xA1, F64_SUB, "f64.sub", BIN, F64, F64, a - b)                         \
    X(0xA2, F64_MUL, "f64.mul", BIN, F64, F64, a * b)                         \
    X(0xA3, F64_DIV, "f64.div", BIN, F64, F64, a / b)                         \
    X(0xA4, F64_MIN, "f64.min", BIN, F64, F64, iw_f64_min(a, b))             \
    X(0xA5, F64_MAX, "f64.max", BIN, F64, F64, iw_f64_max(a, b))             \
    X(0xA6, F64_COPYSIGN, "f64.copysign", BIN, F64, F64, iw_f64_copysign(a, b)) \
    X(0xA7, I32_WRAP_I64, "i32.wrap_i64", UN, I64, I32, (uint32_t)a)          \
    X(0xA8, I32_TRUNC_F32_S, "i32.trunc_f32_s", UNT, F32, I32, iw_i32_trunc_f32_s) \
    X(0xA9, I32_TRUNC_F32_U, "i32.trunc_f32_u", UNT, F32, I32, iw_i32_trunc_f32_u) \
    X(0xAA, I32_TRUNC_F64_S, "i32.trunc_f64_s", UNT, F64, I32, iw_i32_trunc_f64_s) \
    X(0xAB, I32_TRUNC_F64_U, "i32.trunc_f64_u", UNT, F64, I32, iw_i32_trunc_f64_u) \
    X(0xAC, I64_EXTEND_I32_S, "i64.extend_i32_s", UN, I32, I64, (uint64_t)(int64_t)(int32_t)a) \
    X(0xAD, I64_EXTEND_I32_U, "i64.extend_i32_u", UN, I32, I64, (uint64_t)a)  \
    X(0xAE, I64_TRUNC_F32_S, "i64.trunc_f32_s", UNT, F32, I64, iw_i64_trunc_f32_s) \
    X(0xAF, I64_TRUNC_F32_U, "i64.trunc_f32_u", UNT, F32, I64, iw_i64_trunc_f32_u) \
    X(0xB0, I64_TRUNC_F64_S, "i64.trunc_f64_s", UNT, F64, I64, iw_i64_trunc_f64_s) \
    X(0xB1, I64_TRUNC_F64_U, "i64.trunc_f64_u", UNT, F64, I64, iw_i64_trunc_f64_u) \
    X(0xB2, F32_CONVERT_I32_S, "f32.convert_i32_s", UN, I32, F32, (float)(int32_t)a) \
    X(0xB3, F32_CONVERT_I32_U, "f32.convert_i32_u", UN, I32, F32, (float)a)   \
    X(0xB4, F32_CONVERT_I64_S, "f32.convert_i64_s", UN, I64, F32, (float)(int64_t)a) \
    X(0xB5, F32_CONVERT_I64_U, "f32.convert_i64_u", UN, I64, F32, (float)a)   \
    X(0xB6, F32_DEMOTE_F64, "f32.demote_f64", UN, F64, F32, (float)a)         \
    X(0xB7, F64_CONVERT_I32_S, "f64.convert_i32_s", UN, I32, F64, (double)(int32_t)a) \
    X(0xB8, F64_CONVERT_I32_U, "f64.convert_i32_u", UN, I32, F64, (double)a)  \
    X(0xB9, F64_CONVERT_I64_S, "f64.convert_i64_s", UN, I64, F64, (double)(int64_t)a) \
    X(0xBA, F64_CONVERT_I64_U, "f64.convert_i64_u", UN, I64, F64, (double)a)  \
    X(0xBB, F64_PROMOTE_F32, "f64.promote_f32", UN, F32, F64, (double)a)      \
    X(0xC0, I32_EXTEND8_S, "i32.extend8_s", UN, I32, I32, (uint32_t)(int32_t)(int8_t)a) \
    X(0xC1, I32_EXTEND16_S, "i32.extend16_s", UN, I32, I32, (uint32_t)(int32_t)(int16_t)a) \
    X(0xC2, I64_EXTEND8_S, "i64.extend8_s", UN, I64, I64, (uint64_t)(int64_t)(int8_t)a) \
    X(0xC3, I64_EXTEND16_S, "i64.extend16_s", UN, I64, I64, (uint64_t)(int64_t)(int16_t)a) \
    X(0xC4, I64_EXTEND32_S, "i64.extend32_s", UN, I64, I64, (uint64_t)(int64_t)(int32_t)a) \
    X(0xFC00, I32_TRUNC_SAT_F32_S, "i32.trunc_sat_f32_s", UN, F32, I32, iw_i32_trunc_sat_f32_s(a)) \
    X(0xFC01, I32_TRUNC_SAT_F32_U, "i32.trunc_sat_f32_u", UN, F32, I32, iw_i32_trunc_sat_f32_u(a)) \
    X(0xFC02, I32_TRUNC_SAT_F64_S, "i32.trunc_sat_f64_s", UN, F64, I32, iw_i32_trunc_sat_f64_s(a)) \
    X(0xFC03, I32_TRUNC_SAT_F64_U, "i32.trunc_sat_f64_u", UN, F64, I32, iw_i32_trunc_sat_f64_u(a)) \
    X(0xFC04, I64_TRUNC_SAT_F32_S, "i64.trunc_sat_f32_s", UN, F32, I64, iw_i64_trunc_sat_f32_s(a)) \
    X(0xFC05, I64_TRUNC_SAT_F32_U, "i64.trunc_sat_f32_u", UN, F32, I64, iw_i64_trunc_sat_f32_u(a)) \
    X(0xFC06, I64_TRUNC_SAT_F64_S, "i64.trunc_sat_f64_s", UN, F64, I64, iw_i64_trunc_sat_f64_s(a)) \
    X(0xFC07, I64_TRUNC_SAT_F64_U, "i64.trunc_sat_f64_u", UN, F64, I64, iw_i64_trunc_sat_f64_u(a))

/* Loads and stores: X(opcode, NAME, "text", VALTYPE, natural align log2,
 * C type in memory, conversion of the loaded value v / stored value a). */
#define IW_LOAD_OPS(X)                                                        \
    X(0x28, I32_LOAD, "i32.load", I32, 2, uint32_t, v)                        \
    X(0x29, I64_LOAD, "i64.load", I64, 3, uint64_t, v)                        \
    X(0x2A, F32_LOAD, "f32.load", F32, 2, uint32_t, v)                        \
    X(0x2B, F64_LOAD, "f64.load", F64, 3, uint64_t, v)                        \
    X(0x2C, I32_LOAD8_S, "i32.load8_s", I32, 0, int8_t, (uint32_t)(int32_t)v) \
    X(0x2D, I32_LOAD8_U, "i32.load8_u", I32, 0, uint8_t, (uint32_t)v)         \
    X(0x2E, I32_LOAD16_S, "i32.load16_s", I32, 1, int16_t, (uint32_t)(int32_t)v) \
    X(0x2F, I32_LOAD16_U, "i32.load16_u", I32, 1, uint16_t, (uint32_t)v)      \
    X(0x30, I64_LOAD8_S, "i64.load8_s", I64, 0, int8_t, (uint64_t)(int64_t)v) \
    X(0x31, I64_LOAD8_U, "i64.load8_u", I64, 0, uint8_t, (uint64_t)v)         \
    X(0x32, I64_LOAD16_S, "i64.load16_s", I64, 1, int16_t, (uint64_t)(int64_t)v) \
    X(0x33, I64_LOAD16_U, "i64.load16_u", I64, 1, uint16_t, (uint64_t)v)      \
    X(0x34, I64_LOAD32_S, "i64.load32_s", I64, 2, int32_t, (uint64_t)(int64_t)v) \
    X(0x35, I64_LOAD32_U, "i64.load32_u", I64, 2, uint32_t, (uint64_t)v)

#define IW_STORE_OPS(X)                                                       \
    X(0x36, I32_STORE, "i32.store", I32, 2, uint32_t)                         \
    X(0x37, I64_STORE, "i64.store", I64, 3, uint64_t)                         \
    X(0x38, F32_STORE, "f32.store", F32, 2, uint32_t)                         \
    X(0x39, F64_STORE, "f64.store", F64, 3, uint64_t)                         \
    X(0x3A, I32_STORE8, "i32.store8", I32, 0, uint8_t)                        \
    X(0x3B, I32_STORE16, "i32.store16", I32, 1, uint16_t)                     \
    X(0x3C, I64_STORE8, "i64.store8", I64, 0, uint8_t)                        \
    X(0x3D, I64_STORE16, "i64.store16", I64, 1, uint16_t)                     \
    X(0x3E, I64_STORE32, "i64.store32", I64, 2, uint32_t)

/* The binary format's other one-byte opcodes (control, parametric,
 * variable, table and memory-size instructions, constants, references,
 * reinterpretations and the two prefixes), named as IW_OPCODE_<NAME>:
 *   X(opcode, NAME, "text")
 * The validator and compiler switch on these names, never on the bytes. */
#define IW_OTHER_OPCODES(X)                                                   \
    X(0x00, UNREACHABLE, "unreachable") X(0x01, NOP, "nop")                   \
    X(0x02, BLOCK, "block") X(0x03, LOOP, "loop") X(0x04, IF, "if")           \
    X(0x05, ELSE, "else") X(0x0B, END, "end") X(0x0C, BR, "br")               \
    X(0x0D, BR_IF, "br_if") X(0x0E, BR_TABLE, "br_table")                     \
    X(0x0F, RETURN, "return") X(0x10, CALL, "call")                           \
    X(0x11, CALL_INDIRECT, "call_indirect") X(0x12, RETURN_CALL, "return_call") \
    X(0x13, RETURN_CALL_INDIRECT, "return_call_indirect") X(0x1A, DROP, "drop") \
    X(0x1B, SELECT, "select") X(0x1C, SELECT_T, "select t")                   \
    X(0x20, LOCAL_GET, "local.get") X(0x21, LOCAL_SET, "local.set")           \
    X(0x22, LOCAL_TEE, "local.tee") X(0x23, GLOBAL_GET, "global.get")         \
    X(0x24, GLOBAL_SET, "global.set") X(0x25, TABLE_GET, "table.get")         \
    X(0x26, TABLE_SET, "table.set") X(0x3F, MEMORY_SIZE, "memory.size")       \
    X(0x40, MEMORY_GROW, "memory.grow") X(0x41, I32_CONST, "i32.const")       \
    X(0x42, I64_CONST, "i64.const") X(0x43, F32_CONST, "f32.const")           \
    X(0x44, F64_CONST, "f64.const")                                           \
    X(0xBC, I32_REINTERPRET_F32, "i32.reinterpret_f32")                       \
    X(0xBD, I64_REINTERPRET_F64, "i64.reinterpret_f64")                       \
    X(0xBE, F32_REINTERPRET_I32, "f32.reinterpret_i32")                       \
    X(0xBF, F64_REINTERPRET_I64, "f64.reinterpret_i64")                       \
    X(0xD0, REF_NULL, "ref.null") X(0xD1, REF_IS_NULL, "ref.is_null")         \
    X(0xD2, REF_FUNC, "ref.func") X(0xFC, PREFIX_FC, "0xfc prefix")           \
    X(0xFD, PREFIX_SIMD, "0xfd prefix")

enum {
#define IW__X(code, N, text) IW_OPCODE_##N = code,
    IW_OTHER_OPCODES(IW__X)
#undef IW__X
};

/* Internal instructions that are not generated from the tables above. The
 * word layout of each is written next to its handler in interp.c and its
 * emitter in compile.c. */
#define IW_CONTROL_OPS(X)                                                     \
    X(HALT) X(UNREACHABLE) X(BR) X(BR_MOVE) X(BRZ) X(BRNZ) X(BRNZ_MOVE)        \
    X(BR_LOOP) X(BRZ_LOOP) X(BRNZ_LOOP)                                       \
    X(BR_TABLE) X(RETURN) X(CALL) X(CALL_IMPORT) X(CALL_INDIRECT) X(LOOP) X(FUEL) \
    X(COPY) X(CONST) X(SELECT) X(GLOBAL_GET) X(GLOBAL_SET)                     \
    X(MEMORY_SIZE) X(MEMORY_GROW) X(MEMORY_INIT) X(DATA_DROP) X(MEMORY_COPY)   \
    X(MEMORY_FILL) X(TABLE_GET) X(TABLE_SET) X(TABLE_SIZE) X(TABLE_GROW)       \
    X(TABLE_FILL) X(TABLE_COPY) X(TABLE_INIT) X(ELEM_DROP) X(REF_FUNC)           \
    X(COPY128) X(CONST128) X(SELECT128) X(GLOBAL_GET128) X(GLOBAL_SET128)       \
    X(SHUFFLE) X(SIMD_STORE)                                                  \
    X(RETURN_CALL) X(RETURN_CALL_IMPORT) X(RETURN_CALL_INDIRECT)              \
    X(MEM_SELECT) X(MEMORY_COPY_MM)

/* The internal op numbers: one per control op, and per numeric op one per
 * operand form (_S: slot; _SS: two slots; _SI: slot and immediate; the
 * fused compare-and-branch forms _BT* jump when true, _BF* when false,
 * _BL* jump when true to a loop header and charge it).
 * Loads and stores also have an _ADD form whose address is slot + i32
 * immediate and an _ADDS form whose address is slot + slot (an i32.add
 * folded in, wrapping in 32 bits as wasm does), and stores _I and _ADDI
 * forms that store an immediate value. */
#define IW_OPS_UN(N) IW_OP_##N##_S,
#define IW_OPS_UNT(N) IW_OP_##N##_S,
#define IW_OPS_BIN(N) IW_OP_##N##_SS, IW_OP_##N##_SI,
#define IW_OPS_BINT(N) IW_OP_##N##_SS, IW_OP_##N##_SI,
#define IW_OPS_CMP(N) IW_OP_##N##_SS, IW_OP_##N##_SI, IW_OP_##N##_BTSS, \
    IW_OP_##N##_BTSI, IW_OP_##N##_BFSS, IW_OP_##N##_BFSI, IW_OP_##N##_BLSS, IW_OP_##N##_BLSI,

typedef enum {
#define IW__X(N) IW_OP_##N,
    IW_CONTROL_OPS(IW__X)
#undef IW__X
#define IW__X(code, N, text, cls, in, out, expr) IW_OPS_##cls(N)
    IW_NUMERIC_OPS(IW__X)
#undef IW__X
#define IW__X(code, N, text, vt, al, ct, conv) IW_OP_##N, IW_OP_##N##_ADD, IW_OP_##N##_ADDS,
    IW_LOAD_OPS(IW__X)
#undef IW__X
#define IW__X(code, N, text, vt, al, ct) IW_OP_##N, IW_OP_##N##_ADD, IW_OP_##N##_I, IW_OP_##N##_ADDI, \
    IW_OP_##N##_ADDS,
    IW_STORE_OPS(IW__X)
#undef IW__X
#define IW__X(code, kind, scalar, lanes, fn, text) IW_OP_SIMD_##fn,
    IW_SIMD_OPS(IW__X)
#undef IW__X
#define IW_OPS_LOAD(N) IW_OP_##N,
#define IW_OPS_LOAD_LANE(N) IW_OP_##N,
#define IW_OPS_STORE(N)
#define IW_OPS_STORE_LANE(N)
#define IW__X(code, N, kind, bytes, align, lanes, fn, text) IW_OPS_##kind(N)
    IW_SIMD_MEM_OPS(IW__X)
#undef IW__X
    IW_OP_COUNT
} iw_op_t;

#endif
