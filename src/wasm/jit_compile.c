/* The compiler: each function's internal code (compile.c) translated to
 * x86-64, one internal instruction at a time, into one executable mapping
 * per module (docs/engine.md, "Compiler"). Every result is stored to its
 * frame slot, so every instruction boundary is a place where the interpreter
 * and compiled code can hand the frame to each other; r8-r11 and rdi are
 * a register cache of slots (jit_cache.h). Fixed registers:
 *   rbx frame pointer, r12 context (iw_jit_ctx_t), r13 memory base,
 *   r14 memory size, r15 fuel countdown, rbp the interrupt flag's address,
 *   rsi the current frame record; rax, rcx, rdx scratch (and the cache's
 *   registers within a call sequence, which empties the cache).
 * Calls to compiled functions of the same instance push a frame record as
 * the interpreter does and jump to the callee; returns pop it and jump
 * back (no native stack is used, so guest recursion never touches the C
 * stack). Anything the compiled code does not do itself (a failed check
 * that will trap, the fuel slow path, other calls and returns) is an exit:
 * eax = the internal instruction's position, then the module's exit
 * sequence stores its address and the countdown in the context and returns to the
 * interpreter, which runs that instruction in the frame record at the
 * depth. A check always exits before the instruction has any effect. */
#include "wasm/jit.h"

#if IW_JIT
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/config.h"
#include "wasm/compile.h"
#include "wasm/jit_cache.h"
#include "wasm/jit_code.h"
#include "wasm/jit_helpers.h"
#include "wasm/jit_x64.h"
#include "wasm/ops.h"
#include "wasm/runtime.h"
#include "wasm/simd_sse.h"

#define IW__RAX IW_X64_RAX
#define IW__RCX IW_X64_RCX
#define IW__RDX IW_X64_RDX
#define IW__RBX IW_X64_RBX
#define IW__RBP IW_X64_RBP
#define IW__RSI IW_X64_RSI
#define IW__RDI IW_X64_RDI
#define IW__R8 IW_X64_R8
#define IW__R9 IW_X64_R9
#define IW__R12 IW_X64_R12
#define IW__R13 IW_X64_R13
#define IW__R14 IW_X64_R14
#define IW__R15 IW_X64_R15

struct iw_jit_module {
    iw_jit_code_t code;
    size_t code_bytes;              /* of code's mapping, the machine code's */
    struct iw_jit_func *funcs;     /* one per defined function */
    uint32_t nfuncs;
};

/* ---- what each internal op is to the compiler ---------------------------- */

typedef enum {
    IW__J_NONE,         /* not compiled yet: the function stays interpreted */
    IW__J_EXIT,         /* the interpreter runs it (imported calls, unreachable) */
    IW__J_CALL,         /* call, call_indirect, return: compiled when they stay in compiled code */
    IW__J_CONTROL,      /* branches, fuel, copies, constants, globals (by op) */
    IW__J_ALU, IW__J_MUL, IW__J_SHIFT, IW__J_CMP, IW__J_DIV,     /* binary, _SS/_SI */
    IW__J_CMP_BRANCH,   /* i32 compare-and-branch forms */
    IW__J_UN,           /* one operand: arg says which */
    IW__J_LOAD, IW__J_STORE,
    IW__J_NUMERIC,      /* a call of its numeric helper (jit_helpers.h) */
    IW__J_OPHELPER,     /* a call of its memory/table/reference helper */
    IW__J_BR_TABLE,
    IW__J_SIMD,         /* a v128 instruction translated inline: arg says how (iw__jit_simd_t) */
    IW__J_FLOAT,        /* f32/f64 add, sub, mul, div: arg the SSE opcode after 0x0F */
} iw__jit_class_t;

/* The inline v128 forms: BIN an SSE instruction on two vectors (opc after
 * 0x0F; vflags may swap the operands and negate the result), LOAD a whole
 * vector, LOAD_EXT an SSE4.1 widening load of 8 bytes (pmovsx/pmovzx),
 * LOAD_ZERO and LOAD_SPLAT `size` bytes, STORE the vector or a lane's
 * bytes, SPLAT/EXTRACT/REPLACE a lane of `size` bytes (w: extract signed),
 * ANY_TRUE, BITMASK8 (i8x16.bitmask). */
typedef enum {
    IW__V_BIN, IW__V_LOAD, IW__V_LOAD_EXT, IW__V_LOAD_ZERO, IW__V_LOAD_SPLAT, IW__V_STORE, IW__V_SPLAT,
    IW__V_EXTRACT, IW__V_REPLACE, IW__V_ANY_TRUE, IW__V_BITMASK8,
    IW__V_CMP_U,        /* unsigned compare: pmaxu (opc) then pcmpeq (size) against b or a (w) */
    IW__V_EXTEND,       /* pmovsx/pmovzx (opc) of the low or high half (w) of the operand */
    IW__V_SHIFT,        /* by b's i32 modulo the lane bits (size): opc the xmm-count form */
    IW__V_BITSELECT, IW__V_LOAD_LANE,
} iw__jit_simd_t;
#define IW__VF_SWAP 1u      /* op b, a instead of op a, b */
#define IW__VF_NOT 2u       /* the result's bits inverted */

typedef enum { IW__U_EQZ, IW__U_ZX32, IW__U_SX32, IW__U_SX8, IW__U_SX16 } iw__jit_un_t;
typedef enum { IW__F_SS, IW__F_SI, IW__F_BT, IW__F_BF, IW__F_BL, IW__F_ADD, IW__F_ADDS, IW__F_I, IW__F_ADDI, IW__F_PLAIN } iw__jit_form_t;

typedef struct {
    uint8_t cls, form, arg, size;   /* arg: ALU/shift op, cc, division kind, unary kind; size: memory bytes */
    bool w;                         /* 64-bit */
    bool imm_b;                     /* BT/BF/BL forms: b is an immediate */
    uint8_t opc[2], nopc;           /* loads: the x86 opcode; SIMD: the SSE opcode after 0x0F */
    uint8_t vflags;                 /* SIMD BIN: IW__VF_* */
} iw__jit_info_t;

/* Division kinds in arg: bit 0 signed, bit 1 remainder. */
#define IW__DIV_S 1u
#define IW__DIV_REM 2u

#define IW__JIT_BINARY(X)                                                                                    \
    X(I32_ADD, ALU, 0, IW_X64_ADD) X(I32_SUB, ALU, 0, IW_X64_SUB) X(I32_AND, ALU, 0, IW_X64_AND)            \
    X(I32_OR, ALU, 0, IW_X64_OR) X(I32_XOR, ALU, 0, IW_X64_XOR) X(I32_MUL, MUL, 0, 0)                       \
    X(I32_SHL, SHIFT, 0, IW_X64_SHL) X(I32_SHR_S, SHIFT, 0, IW_X64_SAR) X(I32_SHR_U, SHIFT, 0, IW_X64_SHR)  \
    X(I32_ROTL, SHIFT, 0, IW_X64_ROL) X(I32_ROTR, SHIFT, 0, IW_X64_ROR)                                     \
    X(I32_DIV_S, DIV, 0, IW__DIV_S) X(I32_DIV_U, DIV, 0, 0) X(I32_REM_S, DIV, 0, IW__DIV_S | IW__DIV_REM)   \
    X(I32_REM_U, DIV, 0, IW__DIV_REM)                                                                        \
    X(I64_ADD, ALU, 1, IW_X64_ADD) X(I64_SUB, ALU, 1, IW_X64_SUB) X(I64_AND, ALU, 1, IW_X64_AND)            \
    X(I64_OR, ALU, 1, IW_X64_OR) X(I64_XOR, ALU, 1, IW_X64_XOR) X(I64_MUL, MUL, 1, 0)                       \
    X(I64_SHL, SHIFT, 1, IW_X64_SHL) X(I64_SHR_S, SHIFT, 1, IW_X64_SAR) X(I64_SHR_U, SHIFT, 1, IW_X64_SHR)  \
    X(I64_ROTL, SHIFT, 1, IW_X64_ROL) X(I64_ROTR, SHIFT, 1, IW_X64_ROR)                                     \
    X(I64_DIV_S, DIV, 1, IW__DIV_S) X(I64_DIV_U, DIV, 1, 0) X(I64_REM_S, DIV, 1, IW__DIV_S | IW__DIV_REM)   \
    X(I64_REM_U, DIV, 1, IW__DIV_REM)                                                                        \
    X(I64_EQ, CMP, 1, IW_X64_CC_E) X(I64_NE, CMP, 1, IW_X64_CC_NE) X(I64_LT_S, CMP, 1, IW_X64_CC_L)         \
    X(I64_LT_U, CMP, 1, IW_X64_CC_B) X(I64_GT_S, CMP, 1, IW_X64_CC_G) X(I64_GT_U, CMP, 1, IW_X64_CC_A)      \
    X(I64_LE_S, CMP, 1, IW_X64_CC_LE) X(I64_LE_U, CMP, 1, IW_X64_CC_BE) X(I64_GE_S, CMP, 1, IW_X64_CC_GE)   \
    X(I64_GE_U, CMP, 1, IW_X64_CC_AE)

#define IW__JIT_I32_CMP(X)                                                                                   \
    X(I32_EQ, IW_X64_CC_E) X(I32_NE, IW_X64_CC_NE) X(I32_LT_S, IW_X64_CC_L) X(I32_LT_U, IW_X64_CC_B)        \
    X(I32_GT_S, IW_X64_CC_G) X(I32_GT_U, IW_X64_CC_A) X(I32_LE_S, IW_X64_CC_LE) X(I32_LE_U, IW_X64_CC_BE)   \
    X(I32_GE_S, IW_X64_CC_GE) X(I32_GE_U, IW_X64_CC_AE)

#define IW__JIT_UNARY(X)                                                                                     \
    X(I32_EQZ, 0, IW__U_EQZ) X(I64_EQZ, 1, IW__U_EQZ) X(I32_WRAP_I64, 0, IW__U_ZX32)                        \
    X(I64_EXTEND_I32_U, 0, IW__U_ZX32) X(I64_EXTEND_I32_S, 1, IW__U_SX32) X(I32_EXTEND8_S, 0, IW__U_SX8)    \
    X(I32_EXTEND16_S, 0, IW__U_SX16) X(I64_EXTEND8_S, 1, IW__U_SX8) X(I64_EXTEND16_S, 1, IW__U_SX16)        \
    X(I64_EXTEND32_S, 1, IW__U_SX32)

/* Loads: X(NAME, w, opcode bytes...) of `op reg, [mem]` leaving the slot's
 * value in rax (32-bit forms zero the upper half, as the slots want). */
#define IW__JIT_LOADS(X)                                                                                     \
    X(I32_LOAD, 0, 0x8B) X(I64_LOAD, 1, 0x8B) X(F32_LOAD, 0, 0x8B) X(F64_LOAD, 1, 0x8B)                     \
    X(I32_LOAD8_S, 0, 0x0F, 0xBE) X(I32_LOAD8_U, 0, 0x0F, 0xB6) X(I32_LOAD16_S, 0, 0x0F, 0xBF)              \
    X(I32_LOAD16_U, 0, 0x0F, 0xB7) X(I64_LOAD8_S, 1, 0x0F, 0xBE) X(I64_LOAD8_U, 0, 0x0F, 0xB6)              \
    X(I64_LOAD16_S, 1, 0x0F, 0xBF) X(I64_LOAD16_U, 0, 0x0F, 0xB7) X(I64_LOAD32_S, 1, 0x63)                  \
    X(I64_LOAD32_U, 0, 0x8B)

/* The v128 instructions with one SSE instruction each: X(fn, SSE4.1
 * needed, opcode bytes after 0x0F, flags). Integer lanes only: the results
 * are exact, so they are those of the interpreter's functions; float lanes
 * keep their helpers (NaN choice and signed zeros as the interpreter). */
#define IW__JIT_SIMD_BIN(X)                                                                                  \
    X(v128_and, 0, 0xDB, 0, 0) X(v128_or, 0, 0xEB, 0, 0) X(v128_xor, 0, 0xEF, 0, 0)                         \
    X(v128_andnot, 0, 0xDF, 0, IW__VF_SWAP)                                                                  \
    X(i8x16_add, 0, 0xFC, 0, 0) X(i16x8_add, 0, 0xFD, 0, 0) X(i32x4_add, 0, 0xFE, 0, 0)                     \
    X(i64x2_add, 0, 0xD4, 0, 0) X(i8x16_sub, 0, 0xF8, 0, 0) X(i16x8_sub, 0, 0xF9, 0, 0)                     \
    X(i32x4_sub, 0, 0xFA, 0, 0) X(i64x2_sub, 0, 0xFB, 0, 0) X(i16x8_mul, 0, 0xD5, 0, 0)                     \
    X(i32x4_mul, 1, 0x38, 0x40, 0)                                                                           \
    X(i8x16_add_sat_s, 0, 0xEC, 0, 0) X(i8x16_add_sat_u, 0, 0xDC, 0, 0) X(i8x16_sub_sat_s, 0, 0xE8, 0, 0)   \
    X(i8x16_sub_sat_u, 0, 0xD8, 0, 0) X(i16x8_add_sat_s, 0, 0xED, 0, 0) X(i16x8_add_sat_u, 0, 0xDD, 0, 0)   \
    X(i16x8_sub_sat_s, 0, 0xE9, 0, 0) X(i16x8_sub_sat_u, 0, 0xD9, 0, 0)                                     \
    X(i8x16_min_u, 0, 0xDA, 0, 0) X(i8x16_max_u, 0, 0xDE, 0, 0) X(i16x8_min_s, 0, 0xEA, 0, 0)               \
    X(i16x8_max_s, 0, 0xEE, 0, 0) X(i8x16_min_s, 1, 0x38, 0x38, 0) X(i8x16_max_s, 1, 0x38, 0x3C, 0)         \
    X(i16x8_min_u, 1, 0x38, 0x3A, 0) X(i16x8_max_u, 1, 0x38, 0x3E, 0) X(i32x4_min_s, 1, 0x38, 0x39, 0)      \
    X(i32x4_max_s, 1, 0x38, 0x3D, 0) X(i32x4_min_u, 1, 0x38, 0x3B, 0) X(i32x4_max_u, 1, 0x38, 0x3F, 0)      \
    X(i8x16_avgr_u, 0, 0xE0, 0, 0) X(i16x8_avgr_u, 0, 0xE3, 0, 0) X(i32x4_dot_i16x8_s, 0, 0xF5, 0, 0)       \
    X(i8x16_eq, 0, 0x74, 0, 0) X(i16x8_eq, 0, 0x75, 0, 0) X(i32x4_eq, 0, 0x76, 0, 0)                        \
    X(i64x2_eq, 1, 0x38, 0x29, 0)                                                                            \
    X(i8x16_ne, 0, 0x74, 0, IW__VF_NOT) X(i16x8_ne, 0, 0x75, 0, IW__VF_NOT) X(i32x4_ne, 0, 0x76, 0, IW__VF_NOT) \
    X(i64x2_ne, 1, 0x38, 0x29, IW__VF_NOT)                                                                   \
    X(i8x16_gt_s, 0, 0x64, 0, 0) X(i16x8_gt_s, 0, 0x65, 0, 0) X(i32x4_gt_s, 0, 0x66, 0, 0)                  \
    X(i8x16_lt_s, 0, 0x64, 0, IW__VF_SWAP) X(i16x8_lt_s, 0, 0x65, 0, IW__VF_SWAP)                           \
    X(i32x4_lt_s, 0, 0x66, 0, IW__VF_SWAP)                                                                   \
    X(i8x16_le_s, 0, 0x64, 0, IW__VF_NOT) X(i16x8_le_s, 0, 0x65, 0, IW__VF_NOT) X(i32x4_le_s, 0, 0x66, 0, IW__VF_NOT) \
    X(i8x16_ge_s, 0, 0x64, 0, IW__VF_SWAP | IW__VF_NOT) X(i16x8_ge_s, 0, 0x65, 0, IW__VF_SWAP | IW__VF_NOT) \
    X(i32x4_ge_s, 0, 0x66, 0, IW__VF_SWAP | IW__VF_NOT)

/* Unsigned compares: X(fn, SSE4.1 needed, pmaxu opcode bytes, lane bytes,
 * flags): a > b is !(max(a, b) == b), a >= b is max(a, b) == a (w), and
 * lt/le swap the operands. */
#define IW__JIT_SIMD_CMP_U(X)                                                                                \
    X(i8x16_gt_u, 0, 0xDE, 0, 1, 0, IW__VF_NOT) X(i8x16_lt_u, 0, 0xDE, 0, 1, 0, IW__VF_SWAP | IW__VF_NOT)   \
    X(i8x16_ge_u, 0, 0xDE, 0, 1, 1, 0) X(i8x16_le_u, 0, 0xDE, 0, 1, 1, IW__VF_SWAP)                         \
    X(i16x8_gt_u, 1, 0x38, 0x3E, 2, 0, IW__VF_NOT) X(i16x8_lt_u, 1, 0x38, 0x3E, 2, 0, IW__VF_SWAP | IW__VF_NOT) \
    X(i16x8_ge_u, 1, 0x38, 0x3E, 2, 1, 0) X(i16x8_le_u, 1, 0x38, 0x3E, 2, 1, IW__VF_SWAP)                   \
    X(i32x4_gt_u, 1, 0x38, 0x3F, 4, 0, IW__VF_NOT) X(i32x4_lt_u, 1, 0x38, 0x3F, 4, 0, IW__VF_SWAP | IW__VF_NOT) \
    X(i32x4_ge_u, 1, 0x38, 0x3F, 4, 1, 0) X(i32x4_le_u, 1, 0x38, 0x3F, 4, 1, IW__VF_SWAP)

/* Widening (SSE4.1): X(fn, pmov opcode after 0x0F 0x38, high half) */
#define IW__JIT_SIMD_EXTEND(X)                                                                               \
    X(i16x8_extend_low_i8x16_s, 0x20, 0) X(i16x8_extend_high_i8x16_s, 0x20, 1)                              \
    X(i16x8_extend_low_i8x16_u, 0x30, 0) X(i16x8_extend_high_i8x16_u, 0x30, 1)                              \
    X(i32x4_extend_low_i16x8_s, 0x23, 0) X(i32x4_extend_high_i16x8_s, 0x23, 1)                              \
    X(i32x4_extend_low_i16x8_u, 0x33, 0) X(i32x4_extend_high_i16x8_u, 0x33, 1)                              \
    X(i64x2_extend_low_i32x4_s, 0x25, 0) X(i64x2_extend_high_i32x4_s, 0x25, 1)                              \
    X(i64x2_extend_low_i32x4_u, 0x35, 0) X(i64x2_extend_high_i32x4_u, 0x35, 1)

/* Shifts of 16-, 32- and 64-bit lanes (SSE2; bytes and i64x2.shr_s have
 * no SSE form): X(fn, psll/psrl/psra opcode, lane bits) */
#define IW__JIT_SIMD_SHIFT(X)                                                                                \
    X(i16x8_shl, 0xF1, 16) X(i16x8_shr_u, 0xD1, 16) X(i16x8_shr_s, 0xE1, 16)                                \
    X(i32x4_shl, 0xF2, 32) X(i32x4_shr_u, 0xD2, 32) X(i32x4_shr_s, 0xE2, 32)                                \
    X(i64x2_shl, 0xF3, 64) X(i64x2_shr_u, 0xD3, 64)

/* SPLAT/EXTRACT/REPLACE: X(fn, kind, lane bytes, signed) */
#define IW__JIT_SIMD_LANES(X)                                                                                \
    X(i8x16_splat, SPLAT, 1, 0) X(i16x8_splat, SPLAT, 2, 0) X(i32x4_splat, SPLAT, 4, 0)                     \
    X(i64x2_splat, SPLAT, 8, 0) X(f32x4_splat, SPLAT, 4, 0) X(f64x2_splat, SPLAT, 8, 0)                     \
    X(i8x16_extract_lane_s, EXTRACT, 1, 1) X(i8x16_extract_lane_u, EXTRACT, 1, 0)                           \
    X(i16x8_extract_lane_s, EXTRACT, 2, 1) X(i16x8_extract_lane_u, EXTRACT, 2, 0)                           \
    X(i32x4_extract_lane, EXTRACT, 4, 0) X(i64x2_extract_lane, EXTRACT, 8, 0)                               \
    X(f32x4_extract_lane, EXTRACT, 4, 0) X(f64x2_extract_lane, EXTRACT, 8, 0)                               \
    X(i8x16_replace_lane, REPLACE, 1, 0) X(i16x8_replace_lane, REPLACE, 2, 0)                               \
    X(i32x4_replace_lane, REPLACE, 4, 0) X(i64x2_replace_lane, REPLACE, 8, 0)                               \
    X(f32x4_replace_lane, REPLACE, 4, 0) X(f64x2_replace_lane, REPLACE, 8, 0)

/* Loads other than v128.load: X(op, kind, bytes, pmov opcode after 0x0F 0x38) */
#define IW__JIT_SIMD_LOADS(X)                                                                                \
    X(V128_LOAD8X8_S, LOAD_EXT, 8, 0x20) X(V128_LOAD8X8_U, LOAD_EXT, 8, 0x30)                               \
    X(V128_LOAD16X4_S, LOAD_EXT, 8, 0x23) X(V128_LOAD16X4_U, LOAD_EXT, 8, 0x33)                             \
    X(V128_LOAD32X2_S, LOAD_EXT, 8, 0x25) X(V128_LOAD32X2_U, LOAD_EXT, 8, 0x35)                             \
    X(V128_LOAD8_SPLAT, LOAD_SPLAT, 1, 0) X(V128_LOAD16_SPLAT, LOAD_SPLAT, 2, 0)                            \
    X(V128_LOAD32_SPLAT, LOAD_SPLAT, 4, 0) X(V128_LOAD64_SPLAT, LOAD_SPLAT, 8, 0)                           \
    X(V128_LOAD32_ZERO, LOAD_ZERO, 4, 0) X(V128_LOAD64_ZERO, LOAD_ZERO, 8, 0)

static void iw__jit_simd_info(iw__jit_info_t *info)
{
    /* the SSE4.1 forms only where simd_sse.c chose SSE4.1 (the CPU has it,
     * IFRIT_SIMD=portable not set); SSE2 is baseline x86-64 */
    bool sse41 = iw_simd_fast_shuffle != NULL;
#define IW__V(kind_, ...) (iw__jit_info_t){ .cls = IW__J_SIMD, .arg = IW__V_##kind_, __VA_ARGS__ }
#define IW__X(fn, needs41, o1, o2, flags)                                                                    \
    if (sse41 || !(needs41))                                                                                 \
        info[IW_OP_SIMD_##fn] = IW__V(BIN, .opc = { o1, o2 }, .nopc = (o1) == 0x38 ? 2 : 1, .vflags = flags);
    IW__JIT_SIMD_BIN(IW__X)
#undef IW__X
#define IW__X(fn, kind_, bytes, sgn) info[IW_OP_SIMD_##fn] = IW__V(kind_, .size = bytes, .w = sgn);
    IW__JIT_SIMD_LANES(IW__X)
#undef IW__X
#define IW__X(N, kind_, bytes, o)                                                                            \
    if (sse41 || IW__V_##kind_ != IW__V_LOAD_EXT)                                                             \
        info[IW_OP_##N] = IW__V(kind_, .size = bytes, .opc = { 0x38, o }, .nopc = 2);
    IW__JIT_SIMD_LOADS(IW__X)
#undef IW__X
#define IW__X(fn, needs41, o1, o2, bytes, vs_a, flags)                                                     \
    if (sse41 || !(needs41))                                                                                 \
        info[IW_OP_SIMD_##fn] = IW__V(CMP_U, .opc = { o1, o2 }, .nopc = (o1) == 0x38 ? 2 : 1, .size = bytes,  \
                                      .w = vs_a, .vflags = flags);
    IW__JIT_SIMD_CMP_U(IW__X)
#undef IW__X
#define IW__X(fn, o, high)                                                                                   \
    if (sse41) info[IW_OP_SIMD_##fn] = IW__V(EXTEND, .opc = { 0x38, o }, .nopc = 2, .w = high);
    IW__JIT_SIMD_EXTEND(IW__X)
#undef IW__X
#define IW__X(fn, o, bits) info[IW_OP_SIMD_##fn] = IW__V(SHIFT, .opc = { o }, .nopc = 1, .size = bits);
    IW__JIT_SIMD_SHIFT(IW__X)
#undef IW__X
    info[IW_OP_SIMD_v128_bitselect] = IW__V(BITSELECT);
    info[IW_OP_V128_LOAD8_LANE] = IW__V(LOAD_LANE, .size = 1);
    info[IW_OP_V128_LOAD16_LANE] = IW__V(LOAD_LANE, .size = 2);
    info[IW_OP_V128_LOAD32_LANE] = IW__V(LOAD_LANE, .size = 4);
    info[IW_OP_V128_LOAD64_LANE] = IW__V(LOAD_LANE, .size = 8);
    info[IW_OP_V128_LOAD] = IW__V(LOAD, .size = 16);
    info[IW_OP_SIMD_STORE] = IW__V(STORE);
    info[IW_OP_SIMD_v128_any_true] = IW__V(ANY_TRUE);
    info[IW_OP_SIMD_i8x16_bitmask] = IW__V(BITMASK8);
#undef IW__V
}

static void iw__jit_info_init(iw__jit_info_t *info, const iw_jit_numeric_t *numeric)
{
    memset(info, 0, IW_OP_COUNT * sizeof *info);
    info[IW_OP_UNREACHABLE].cls = info[IW_OP_CALL_IMPORT].cls = IW__J_EXIT;
    info[IW_OP_CALL].cls = info[IW_OP_CALL_INDIRECT].cls = info[IW_OP_RETURN].cls = IW__J_CALL;
    static const iw_op_t control[] = { IW_OP_BR, IW_OP_BR_MOVE, IW_OP_BRZ, IW_OP_BRNZ, IW_OP_BRNZ_MOVE,
                                       IW_OP_BR_LOOP, IW_OP_BRZ_LOOP, IW_OP_BRNZ_LOOP, IW_OP_LOOP, IW_OP_FUEL,
                                       IW_OP_COPY, IW_OP_CONST, IW_OP_SELECT, IW_OP_GLOBAL_GET,
                                       IW_OP_GLOBAL_SET, IW_OP_MEMORY_SIZE, IW_OP_COPY128, IW_OP_CONST128,
                                       IW_OP_SELECT128, IW_OP_GLOBAL_GET128, IW_OP_GLOBAL_SET128 };
    for (size_t i = 0; i < sizeof control / sizeof control[0]; i++) info[control[i]].cls = IW__J_CONTROL;
#define IW__X(N, cls_, w_, arg_)                                                                             \
    info[IW_OP_##N##_SS] = (iw__jit_info_t){ .cls = IW__J_##cls_, .form = IW__F_SS, .w = w_, .arg = arg_ };  \
    info[IW_OP_##N##_SI] = (iw__jit_info_t){ .cls = IW__J_##cls_, .form = IW__F_SI, .w = w_, .arg = arg_ };
    IW__JIT_BINARY(IW__X)
#undef IW__X
#define IW__B(N, f, imm) (iw__jit_info_t){ .cls = IW__J_CMP_BRANCH, .form = f, .arg = cc, .imm_b = imm }
#define IW__X(N, cc_)                                                                                        \
    {                                                                                                        \
        uint8_t cc = cc_;                                                                                    \
        info[IW_OP_##N##_SS] = (iw__jit_info_t){ .cls = IW__J_CMP, .form = IW__F_SS, .arg = cc };            \
        info[IW_OP_##N##_SI] = (iw__jit_info_t){ .cls = IW__J_CMP, .form = IW__F_SI, .arg = cc };            \
        info[IW_OP_##N##_BTSS] = IW__B(N, IW__F_BT, false);                                                  \
        info[IW_OP_##N##_BTSI] = IW__B(N, IW__F_BT, true);                                                   \
        info[IW_OP_##N##_BFSS] = IW__B(N, IW__F_BF, false);                                                  \
        info[IW_OP_##N##_BFSI] = IW__B(N, IW__F_BF, true);                                                   \
        info[IW_OP_##N##_BLSS] = IW__B(N, IW__F_BL, false);                                                  \
        info[IW_OP_##N##_BLSI] = IW__B(N, IW__F_BL, true);                                                   \
    }
    IW__JIT_I32_CMP(IW__X)
#undef IW__X
#undef IW__B
#define IW__X(N, w_, kind) info[IW_OP_##N##_S] = (iw__jit_info_t){ .cls = IW__J_UN, .w = w_, .arg = kind };
    IW__JIT_UNARY(IW__X)
#undef IW__X
    static const uint8_t load_opc[][3] = {
#define IW__X(N, w_, ...) { __VA_ARGS__ },
        IW__JIT_LOADS(IW__X)
#undef IW__X
    };
    static const bool load_w[] = {
#define IW__X(N, w_, ...) w_,
        IW__JIT_LOADS(IW__X)
#undef IW__X
    };
    static const iw_op_t load_ops[] = {
#define IW__X(N, w_, ...) IW_OP_##N,
        IW__JIT_LOADS(IW__X)
#undef IW__X
    };
    for (size_t i = 0; i < sizeof load_ops / sizeof load_ops[0]; i++) {
        iw__jit_info_t l = { .cls = IW__J_LOAD, .w = load_w[i], .opc = { load_opc[i][0], load_opc[i][1] },
                             .nopc = load_opc[i][0] == 0x0F ? 2 : 1 };
        info[load_ops[i]] = l;
    }
#define IW__X(code, N, text, vt, al, ct, conv)                                                               \
    info[IW_OP_##N].size = sizeof(ct);                                                                       \
    info[IW_OP_##N].form = IW__F_PLAIN;                                                                      \
    info[IW_OP_##N##_ADD] = info[IW_OP_##N];                                                                 \
    info[IW_OP_##N##_ADD].form = IW__F_ADD;                                                                  \
    info[IW_OP_##N##_ADDS] = info[IW_OP_##N];                                                                \
    info[IW_OP_##N##_ADDS].form = IW__F_ADDS;
    IW_LOAD_OPS(IW__X)
#undef IW__X
#define IW__S(N, f, ct) (iw__jit_info_t){ .cls = IW__J_STORE, .form = f, .size = sizeof(ct) }
#define IW__X(code, N, text, vt, al, ct)                                                                     \
    info[IW_OP_##N] = IW__S(N, IW__F_PLAIN, ct);                                                             \
    info[IW_OP_##N##_ADD] = IW__S(N, IW__F_ADD, ct);                                                         \
    info[IW_OP_##N##_I] = IW__S(N, IW__F_I, ct);                                                             \
    info[IW_OP_##N##_ADDI] = IW__S(N, IW__F_ADDI, ct);                                                       \
    info[IW_OP_##N##_ADDS] = IW__S(N, IW__F_ADDS, ct);
    IW_STORE_OPS(IW__X)
#undef IW__X
#undef IW__S
    info[IW_OP_BR_TABLE].cls = IW__J_BR_TABLE;
    /* the scalar float arithmetic the helpers do with one SSE instruction
     * (movq in, op xmm0 xmm1, movq out: the same instructions, so the same
     * bits, NaNs included) */
#define IW__X(N, w_, opc_)                                                                                   \
    info[IW_OP_##N##_SS] = (iw__jit_info_t){ .cls = IW__J_FLOAT, .form = IW__F_SS, .w = w_, .arg = opc_ };   \
    info[IW_OP_##N##_SI] = (iw__jit_info_t){ .cls = IW__J_FLOAT, .form = IW__F_SI, .w = w_, .arg = opc_ };
    IW__X(F32_ADD, 0, 0x58) IW__X(F32_SUB, 0, 0x5C) IW__X(F32_MUL, 0, 0x59) IW__X(F32_DIV, 0, 0x5E)
    IW__X(F64_ADD, 1, 0x58) IW__X(F64_SUB, 1, 0x5C) IW__X(F64_MUL, 1, 0x59) IW__X(F64_DIV, 1, 0x5E)
#undef IW__X
    iw__jit_simd_info(info);
    /* what has no inline translation calls its helper */
    for (uint32_t op = 0; op < IW_OP_COUNT; op++) {
        uint32_t len;
        if (info[op].cls != IW__J_NONE) continue;
        if (numeric[op].fn) {
            uint8_t form = numeric[op].unary ? IW__F_PLAIN : numeric[op].imm ? IW__F_SI : IW__F_SS;
            info[op] = (iw__jit_info_t){ .cls = IW__J_NUMERIC, .form = form };
        } else if (iw_jit_op_helper((iw_op_t)op, &len)) {
            info[op] = (iw__jit_info_t){ .cls = IW__J_OPHELPER, .size = (uint8_t)len };
        }
    }
}

/* Words of an instruction (op word included). */
static uint32_t iw__jit_len(const iw__jit_info_t *in, iw_op_t op)
{
    switch ((iw__jit_class_t)in->cls) {
    case IW__J_NONE: return 0;
    case IW__J_EXIT: case IW__J_CALL:
        return op == IW_OP_UNREACHABLE ? 1 : op == IW_OP_RETURN ? 2 : 3;
    case IW__J_CONTROL:
        switch (op) {
        case IW_OP_BR: case IW_OP_BR_LOOP: case IW_OP_LOOP: case IW_OP_FUEL: case IW_OP_COPY:
        case IW_OP_GLOBAL_GET: case IW_OP_GLOBAL_SET: case IW_OP_MEMORY_SIZE: case IW_OP_COPY128:
        case IW_OP_GLOBAL_GET128: case IW_OP_GLOBAL_SET128:
            return 2;
        case IW_OP_BRZ: case IW_OP_BRNZ: case IW_OP_BRZ_LOOP: case IW_OP_BRNZ_LOOP: case IW_OP_CONST:
        case IW_OP_SELECT: case IW_OP_SELECT128:
            return 3;
        case IW_OP_CONST128: return 4;
        case IW_OP_BR_MOVE: return 4;
        case IW_OP_BRNZ_MOVE: return 5;
        default: return 0;
        }
    case IW__J_ALU: case IW__J_MUL: case IW__J_SHIFT: case IW__J_CMP: case IW__J_DIV: case IW__J_FLOAT: return 3;
    case IW__J_CMP_BRANCH: return 4;
    case IW__J_UN: return 2;
    case IW__J_LOAD: return in->form == IW__F_PLAIN ? 3 : 4;
    case IW__J_STORE: return in->form == IW__F_PLAIN ? 3 : in->form == IW__F_ADDI ? 5 : 4;
    case IW__J_NUMERIC: return in->form == IW__F_PLAIN ? 2 : 3;
    case IW__J_OPHELPER: return in->size;
    case IW__J_BR_TABLE: return 0;     /* variable: the walk reads it */
    case IW__J_SIMD: return 4;
    }
    return 0;
}

/* ---- handler address -> op ----------------------------------------------- */

#define IW__OPMAP_BITS 12u
typedef struct { const void *addr; uint32_t op; } iw__opmap_t;

static uint32_t iw__opmap_hash(const void *addr)
{
    uint64_t h = (uint64_t)(uintptr_t)addr * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> (64 - IW__OPMAP_BITS));
}

static void iw__opmap_init(iw__opmap_t *map)
{
    memset(map, 0, (1u << IW__OPMAP_BITS) * sizeof *map);
    const void *const *ops = iw_interp_ops();
    for (uint32_t op = 0; op < IW_OP_COUNT; op++) {
        uint32_t h = iw__opmap_hash(ops[op]);
        while (map[h].addr && map[h].addr != ops[op]) h = (h + 1) & ((1u << IW__OPMAP_BITS) - 1);
        if (!map[h].addr) map[h] = (iw__opmap_t){ ops[op], op };
    }
}

static int64_t iw__opmap_get(const iw__opmap_t *map, const void *addr)
{
    for (uint32_t h = iw__opmap_hash(addr); map[h].addr; h = (h + 1) & ((1u << IW__OPMAP_BITS) - 1))
        if (map[h].addr == addr) return map[h].op;
    return -1;
}

/* ---- one function -------------------------------------------------------- */

typedef struct { size_t at; uint32_t target; } iw__jit_fix_t;
typedef struct { size_t at; uint32_t pos; int32_t undo; } iw__jit_stub_t;
/* A loop header reached only by falling into it and by its back-edges:
 * the locals the registers held on the way in stay there (every back-edge
 * puts them back). */
typedef struct { uint32_t pos; iw_jit_cache_t state; } iw__jit_loop_t;

typedef struct {
    iw_x64_buf_t b;
    const iw__jit_info_t *info;
    const iw__opmap_t *opmap;
    size_t exit_at;                 /* the module's exit sequence */
    const iw_module_t *m;
    const bool *planned;            /* per defined function: will have native code */
    const iw_jit_numeric_t *numeric;    /* per op */
    iw__jit_fix_t *calls;           /* direct calls: rel32 -> a callee's entry (target = its index) */
    uint32_t ncalls, calls_cap;
    /* per function */
    const iw_code_t *fn;
    uint32_t *native;               /* per code word; 0 = no instruction */
    uint32_t ncode, native_cap;
    uint32_t native_hi;             /* entries [0, native_hi) may be non-zero */
    iw__jit_fix_t *fix;
    uint32_t nfix, fix_cap;
    iw__jit_stub_t *stubs;
    uint32_t nstubs, stubs_cap;
    iw_jit_cache_t cache;           /* what the cache registers hold at the instruction being translated */
    iw__jit_loop_t *loops;          /* the loop headers translated so far, by position */
    uint32_t nloops, loops_cap;
    bool oom;
} iw__jit_t;

/* In j->native during the walk: the instruction at this position is a
 * branch target, and one from an instruction before it (its op + 1 is in
 * the other bits). During translation IW__NATIVE_LABEL marks an offset
 * where the interpreter must not enter (the cache is not empty there). */
#define IW__NATIVE_LABEL 0x80000000u
#define IW__NATIVE_FORWARD 0x40000000u
#define IW__NATIVE_FLAGS (IW__NATIVE_LABEL | IW__NATIVE_FORWARD)

static bool iw__jit_grow(iw__jit_t *j, void **p, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap) return true;
    uint32_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    void *q = realloc(*p, (size_t)n * size);
    if (!q) return !(j->oom = true);
    if (p == (void **)&j->native) memset((uint32_t *)q + *cap, 0, (size_t)(n - *cap) * size);
    *p = q;
    *cap = n;
    return true;
}

/* Clears the marks and offsets the last function left (only as far as it
 * went: clearing the whole array per function made compiling a module
 * with many small functions and one big one quadratic). */
static void iw__jit_clear_native(iw__jit_t *j)
{
    if (j->native_hi) memset(j->native, 0, (size_t)j->native_hi * sizeof *j->native);
    j->native_hi = 0;
}

/* Whether the srcmap has an instruction at pos (every emitted instruction
 * has one): a cross-check of the walk below. */
static bool iw__jit_in_srcmap(const iw_code_t *c, uint32_t pos, uint32_t *k)
{
    /* the walk asks in ascending order: a cursor instead of a search */
    while (*k < c->nsrcmap && c->srcmap[2 * *k] < pos) (*k)++;
    return *k < c->nsrcmap && c->srcmap[2 * *k] == pos;
}

/* A branch at pos goes to t: the register cache starts empty there, or
 * for a loop header only branched to from below, as the loop was entered. */
static bool iw__jit_mark_label(iw__jit_t *j, uint32_t pos, uint32_t t)
{
    if (!iw__jit_grow(j, (void **)&j->native, &j->native_cap, t + 1, sizeof *j->native)) return false;
    j->native[t] |= IW__NATIVE_LABEL | (t > pos ? IW__NATIVE_FORWARD : 0);
    if (t + 1 > j->native_hi) j->native_hi = t + 1;
    return true;
}

/* The instructions of fn, in order, marked in j->native (a start holds its
 * op + 1, so translating needs no second look-up, and IW__NATIVE_LABEL
 * when a branch goes there), and j->ncode. The code
 * has no length of its own: the walk follows fall-through and ends after an
 * instruction that does not fall through when no branch seen so far goes
 * further. false when an instruction is not compiled yet, or anything
 * looks wrong, or does not fit the encodings (fuel charges and slot
 * displacements must fit an imm32; frames are at most IW_MAX_FRAME_SLOTS):
 * then the function stays interpreted. */
static bool iw__jit_walk(iw__jit_t *j)
{
    const iw_word_t *code = j->fn->code;
    uint32_t pos = 0, furthest = 0, k = 0;
    if ((uint64_t)j->fn->frame_slots * 8 >= INT32_MAX) return false;
    for (;;) {
        if (!iw__jit_in_srcmap(j->fn, pos, &k)) return false;
        int64_t op = iw__opmap_get(j->opmap, code[pos].op);
        if (op < 0) return false;
        const iw__jit_info_t *in = &j->info[op];
        uint32_t len = iw__jit_len(in, (iw_op_t)op);
        if (op == IW_OP_BR_TABLE) len = 2 + 3 * (code[pos + 1].p.hi + 1);
        if (!len) return false;
        if (!iw__jit_grow(j, (void **)&j->native, &j->native_cap, pos + len + 1, sizeof *j->native)) return false;
        j->native[pos] = (j->native[pos] & IW__NATIVE_FLAGS) | ((uint32_t)op + 1);
        if (pos + 1 > j->native_hi) j->native_hi = pos + 1;
        if ((op == IW_OP_LOOP || op == IW_OP_FUEL) && (code[pos + 1].i < 0 || code[pos + 1].i > INT32_MAX))
            return false;
        int64_t off = 0;
        bool ends = false;
        switch (op) {
        case IW_OP_BR: case IW_OP_BR_MOVE: case IW_OP_BR_LOOP: off = code[pos + 1].i; ends = true; break;
        case IW_OP_BRZ: case IW_OP_BRNZ: case IW_OP_BRZ_LOOP: case IW_OP_BRNZ_LOOP: case IW_OP_BRNZ_MOVE:
            off = code[pos + 2].i;
            break;
        case IW_OP_RETURN: case IW_OP_UNREACHABLE: ends = true; break;
        case IW_OP_BR_TABLE:
            ends = true;
            for (uint32_t e = 0; e <= code[pos + 1].p.hi; e++) {
                int64_t t = (int64_t)pos + code[pos + 2 + 3 * e].i;
                if (t < 0 || t > (int64_t)UINT32_MAX / 2) return false;
                if ((uint32_t)t > furthest) furthest = (uint32_t)t;
                if (!iw__jit_mark_label(j, pos, (uint32_t)t)) return false;
            }
            break;
        default:
            if (in->cls == IW__J_CMP_BRANCH) off = code[pos + 3].i;
            break;
        }
        if (off) {
            int64_t t = (int64_t)pos + off;
            if (t < 0 || t > (int64_t)UINT32_MAX / 2) return false;
            if ((uint32_t)t > furthest) furthest = (uint32_t)t;
            if (!iw__jit_mark_label(j, pos, (uint32_t)t)) return false;
        }
        pos += len;
        if (ends && furthest < pos) break;
    }
    j->ncode = pos;
    return true;
}

static int32_t iw__slot(uint64_t slot) { return (int32_t)(slot * 8); }

static void iw__jit_branch(iw__jit_t *j, size_t at, uint32_t target)
{
    if (!iw__jit_grow(j, (void **)&j->fix, &j->fix_cap, j->nfix + 1, sizeof *j->fix)) return;
    j->fix[j->nfix++] = (iw__jit_fix_t){ at, target };
}

/* The state a back-edge to target must restore, or NULL (a forward
 * branch, or a label where the cache starts empty). */
static const iw_jit_cache_t *iw__jit_loop_state(const iw__jit_t *j, uint32_t target)
{
    uint32_t lo = 0, hi = j->nloops;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (j->loops[mid].pos < target) lo = mid + 1;
        else hi = mid;
    }
    return lo < j->nloops && j->loops[lo].pos == target ? &j->loops[lo].state : NULL;
}

/* A jump (cc < 0) or conditional jump to target with the registers as
 * `have` says (j->cache, or a copy less the slots a branch's moves wrote):
 * when target is a loop header that keeps registers, they are put back
 * first, on the taken path only. */
static void iw__jit_jump(iw__jit_t *j, const iw_jit_cache_t *have, int cc, uint32_t target)
{
    iw_x64_buf_t *b = &j->b;
    const iw_jit_cache_t *want = iw__jit_loop_state(j, target);
    if (!want || iw_jit_cache_holds(have, want)) {
        iw__jit_branch(j, cc < 0 ? iw_x64_jmp(b) : iw_x64_jcc(b, (iw_x64_cc_t)cc), target);
        return;
    }
    size_t skip = cc < 0 ? 0 : iw_x64_jcc(b, (iw_x64_cc_t)(cc ^ 1));
    iw_jit_cache_establish(b, have, want);
    iw__jit_branch(j, iw_x64_jmp(b), target);
    if (cc >= 0) iw_x64_patch(b, skip, b->len);
}

/* j->cache less the n slots from dst on, which a branch's moves wrote. */
static iw_jit_cache_t iw__jit_after_moves(const iw__jit_t *j, iw_word_t pair, uint64_t n)
{
    iw_jit_cache_t c = j->cache;
    for (uint64_t k = 0; k < n; k++) iw_jit_cache_forget(&c, (uint32_t)(pair.p.lo + k));
    return c;
}

/* A conditional exit to the interpreter at instruction pos (undoing a fuel
 * charge first). */
static void iw__jit_exit_if(iw__jit_t *j, iw_x64_cc_t cc, uint32_t pos, int32_t undo)
{
    size_t at = iw_x64_jcc(&j->b, cc);
    if (!iw__jit_grow(j, (void **)&j->stubs, &j->stubs_cap, j->nstubs + 1, sizeof *j->stubs)) return;
    j->stubs[j->nstubs++] = (iw__jit_stub_t){ at, pos, undo };
}

/* Exits at instruction pos of the running function: eax = pos (5 bytes
 * where the instruction's address took 10), which the exit sequence turns
 * into the address from the frame record's function. */
static void iw__jit_exit(iw__jit_t *j, uint32_t pos)
{
    iw_x64_mov_imm(&j->b, IW__RAX, pos);
    iw_x64_patch(&j->b, iw_x64_jmp(&j->b), j->exit_at);
}

/* n slots from src to dst, in ascending order as the interpreter moves
 * them; a source still in a register is read from it unless an earlier
 * move of this one wrote it. The cache is left as it was (a branch's moves
 * are on the taken path only). */
static void iw__jit_moves(iw__jit_t *j, iw_word_t pair, uint64_t n)
{
    uint64_t dst = pair.p.lo, src = pair.p.hi;
    for (uint64_t k = 0; k < n; k++) {
        bool rewritten = src + k >= dst && src + k < dst + k;
        iw_jit_cache_t keep = j->cache;
        int r = rewritten ? -1 : iw_jit_cache_find(&j->cache, (uint32_t)(src + k));
        j->cache = keep;
        if (r < 0) {
            r = IW__RAX;
            iw_x64_load(&j->b, true, IW__RAX, IW__RBX, iw__slot(src + k));
        }
        iw_x64_store(&j->b, true, IW__RBX, iw__slot(dst + k), r);
    }
}

/* rcx = operand b of a binary instruction: slot w or immediate w. */
static void iw__jit_operand_b(iw__jit_t *j, bool imm, bool w, iw_word_t word)
{
    if (imm) iw_x64_mov_imm(&j->b, IW__RCX, w ? word.u : (uint32_t)word.u);
    else iw_x64_mov_rr(&j->b, w, IW__RCX, iw_jit_cache_read(&j->cache, &j->b, (uint32_t)word.u));
}

/* An immediate operand that fits the sign-extended imm32 of a 64-bit (w)
 * or a 32-bit operation. */
static bool iw__jit_imm32(bool w, uint64_t v)
{
    return !w || (int64_t)v == (int64_t)(int32_t)(uint32_t)v;
}

/* rax = the effective address of a load or store at pos, bounds-checked
 * for `size` bytes (a failed check exits). */
static void iw__jit_address(iw__jit_t *j, const iw_word_t *ins, uint32_t addr_slot, int form, uint32_t size,
                            uint32_t pos)
{
    iw_x64_buf_t *b = &j->b;
    iw_x64_mov_rr(b, false, IW__RAX, iw_jit_cache_read(&j->cache, b, addr_slot));
    if (form == IW__F_ADD || form == IW__F_ADDI) iw_x64_alu_ri(b, IW_X64_ADD, false, IW__RAX, (int32_t)(uint32_t)ins[3].u);
    if (form == IW__F_ADDS)
        iw_x64_alu_rr(b, IW_X64_ADD, false, IW__RAX, iw_jit_cache_read(&j->cache, b, (uint32_t)ins[3].u));
    if (ins[2].u && ins[2].u <= INT32_MAX) {
        iw_x64_alu_ri(b, IW_X64_ADD, true, IW__RAX, (int32_t)ins[2].u);
    } else if (ins[2].u) {
        iw_x64_mov_imm(b, IW__RCX, ins[2].u);
        iw_x64_alu_rr(b, IW_X64_ADD, true, IW__RAX, IW__RCX);
    }
    iw_x64_lea(b, IW__RCX, IW__RAX, -1, (int32_t)size);
    iw_x64_alu_rr(b, IW_X64_CMP, true, IW__RCX, IW__R14);
    iw__jit_exit_if(j, IW_X64_CC_A, pos, 0);
}

static void iw__jit_div(iw__jit_t *j, const iw__jit_info_t *in, const iw_word_t *ins, uint32_t pos)
{
    iw_x64_buf_t *b = &j->b;
    bool w = in->w, sgn = in->arg & IW__DIV_S;
    iw_x64_mov_rr(b, w, IW__RAX, iw_jit_cache_read(&j->cache, b, ins[1].p.hi));
    iw__jit_operand_b(j, in->form == IW__F_SI, w, ins[2]);
    iw_x64_test_rr(b, w, IW__RCX, IW__RCX);
    iw__jit_exit_if(j, IW_X64_CC_E, pos, 0);
    if (sgn) {
        /* INT_MIN / -1 traps and INT_MIN % -1 is 0: both left to the interpreter */
        iw_x64_alu_ri(b, IW_X64_CMP, w, IW__RCX, -1);
        size_t skip = iw_x64_jcc(b, IW_X64_CC_NE);
        iw_x64_mov_imm(b, IW__RDX, w ? 0x8000000000000000ull : 0x80000000u);
        iw_x64_alu_rr(b, IW_X64_CMP, w, IW__RAX, IW__RDX);
        iw__jit_exit_if(j, IW_X64_CC_E, pos, 0);
        iw_x64_patch(b, skip, b->len);
        iw_x64_sign_extend_ax(b, w);
    } else {
        iw_x64_alu_rr(b, IW_X64_XOR, false, IW__RDX, IW__RDX);
    }
    iw_x64_div(b, w, sgn, IW__RCX);
    int rd = iw_jit_cache_def(&j->cache, ins[1].p.lo);
    iw_x64_mov_rr(b, true, rd, (in->arg & IW__DIV_REM) ? IW__RDX : IW__RAX);
    iw_jit_cache_write(b, ins[1].p.lo, rd);
}

static void iw__jit_fuel(iw__jit_t *j, const iw_word_t *ins, uint32_t pos, bool interrupt)
{
    iw_x64_buf_t *b = &j->b;
    int32_t fuel = (int32_t)ins[1].i;
    iw_x64_alu_ri(b, IW_X64_SUB, true, IW__R15, fuel);
    iw__jit_exit_if(j, IW_X64_CC_S, pos, fuel);
    if (interrupt) {
        /* the flag is an atomic_int; a plain load is the relaxed load on x86-64 */
        iw_x64_alu_mi(b, IW_X64_CMP, false, IW__RBP, 0, 0);
        iw__jit_exit_if(j, IW_X64_CC_NE, pos, fuel);
    }
}

static void iw__jit_control(iw__jit_t *j, iw_op_t op, const iw_word_t *ins, uint32_t pos)
{
    iw_x64_buf_t *b = &j->b;
    switch (op) {
    case IW_OP_BR: case IW_OP_BR_LOOP:
        iw__jit_jump(j, &j->cache, -1, (uint32_t)(pos + ins[1].i));
        break;
    case IW_OP_BR_MOVE: {
        iw__jit_moves(j, ins[2], ins[3].u);
        iw_jit_cache_t have = iw__jit_after_moves(j, ins[2], ins[3].u);
        iw__jit_jump(j, &have, -1, (uint32_t)(pos + ins[1].i));
        break;
    }
    case IW_OP_BRZ: case IW_OP_BRNZ: case IW_OP_BRZ_LOOP: case IW_OP_BRNZ_LOOP: {
        int rc = iw_jit_cache_read(&j->cache, b, ins[1].p.lo);
        iw_x64_test_rr(b, false, rc, rc);
        iw__jit_jump(j, &j->cache, op == IW_OP_BRZ || op == IW_OP_BRZ_LOOP ? IW_X64_CC_E : IW_X64_CC_NE,
                     (uint32_t)(pos + ins[2].i));
        break;
    }
    case IW_OP_BRNZ_MOVE: {
        int rc = iw_jit_cache_read(&j->cache, b, ins[1].p.lo);
        iw_x64_test_rr(b, false, rc, rc);
        size_t skip = iw_x64_jcc(b, IW_X64_CC_E);
        iw__jit_moves(j, ins[3], ins[4].u);
        iw_jit_cache_t have = iw__jit_after_moves(j, ins[3], ins[4].u);
        iw__jit_jump(j, &have, -1, (uint32_t)(pos + ins[2].i));
        iw_x64_patch(b, skip, b->len);
        break;
    }
    case IW_OP_LOOP: iw__jit_fuel(j, ins, pos, true); break;
    case IW_OP_FUEL: iw__jit_fuel(j, ins, pos, false); break;
    case IW_OP_COPY: {     /* w1 {dst, src}: dst becomes another name of src's register */
        int rs = iw_jit_cache_read(&j->cache, b, ins[1].p.hi);
        iw_jit_cache_write(b, ins[1].p.lo, rs);
        iw_jit_cache_alias(&j->cache, ins[1].p.lo, rs);
        break;
    }
    case IW_OP_CONST: {
        int rd = iw_jit_cache_def(&j->cache, ins[1].p.lo);
        iw_x64_mov_imm(b, rd, ins[2].u);
        iw_jit_cache_write(b, ins[1].p.lo, rd);
        break;
    }
    case IW_OP_SELECT: {    /* w1 {dst, cond}, w2 {a, b} */
        int rc = iw_jit_cache_read(&j->cache, b, ins[1].p.hi);
        int ra = iw_jit_cache_read(&j->cache, b, ins[2].p.lo);
        int rb = iw_jit_cache_read(&j->cache, b, ins[2].p.hi);
        iw_x64_mov_rr(b, true, IW__RAX, ra);
        iw_x64_test_rr(b, false, rc, rc);
        iw_x64_cmov(b, IW_X64_CC_E, true, IW__RAX, rb);
        int rd = iw_jit_cache_def(&j->cache, ins[1].p.lo);
        iw_x64_mov_rr(b, true, rd, IW__RAX);
        iw_jit_cache_write(b, ins[1].p.lo, rd);
        break;
    }
    case IW_OP_GLOBAL_GET: {    /* w1 {dst, global} */
        iw_x64_load(b, true, IW__RAX, IW__R12, (int32_t)offsetof(iw_jit_ctx_t, globals));
        iw_x64_load(b, true, IW__RAX, IW__RAX, iw__slot(ins[1].p.hi));
        int rd = iw_jit_cache_def(&j->cache, ins[1].p.lo);
        iw_x64_load(b, true, rd, IW__RAX, (int32_t)offsetof(iw_global_t, value));
        iw_jit_cache_write(b, ins[1].p.lo, rd);
        break;
    }
    case IW_OP_GLOBAL_SET: {    /* w1 {src, global} */
        int rs = iw_jit_cache_read(&j->cache, b, ins[1].p.lo);
        iw_x64_load(b, true, IW__RAX, IW__R12, (int32_t)offsetof(iw_jit_ctx_t, globals));
        iw_x64_load(b, true, IW__RAX, IW__RAX, iw__slot(ins[1].p.hi));
        iw_x64_store(b, true, IW__RAX, (int32_t)offsetof(iw_global_t, value), rs);
        break;
    }
    case IW_OP_COPY128: iw__jit_moves(j, ins[1], 2); break;
    case IW_OP_CONST128:    /* w1 {dst}, w2 bytes 0-7, w3 bytes 8-15 */
        for (int k = 0; k < 2; k++) {
            iw_x64_mov_imm(b, IW__RAX, ins[2 + k].u);
            iw_x64_store(b, true, IW__RBX, iw__slot(ins[1].p.lo + (uint64_t)k), IW__RAX);
        }
        break;
    case IW_OP_SELECT128:   /* w1 {dst, cond}, w2 {a, b}: rcx = the chosen operand's address */
        iw_x64_load(b, false, IW__RAX, IW__RBX, iw__slot(ins[1].p.hi));
        iw_x64_lea(b, IW__RCX, IW__RBX, -1, iw__slot(ins[2].p.lo));
        iw_x64_lea(b, IW__RDX, IW__RBX, -1, iw__slot(ins[2].p.hi));
        iw_x64_test_rr(b, false, IW__RAX, IW__RAX);
        iw_x64_cmov(b, IW_X64_CC_E, true, IW__RCX, IW__RDX);
        for (int k = 0; k < 2; k++) {
            iw_x64_load(b, true, IW__RAX, IW__RCX, 8 * k);
            iw_x64_store(b, true, IW__RBX, iw__slot(ins[1].p.lo + (uint64_t)k), IW__RAX);
        }
        break;
    case IW_OP_GLOBAL_GET128:   /* w1 {dst, global} */
        iw_x64_load(b, true, IW__RCX, IW__R12, (int32_t)offsetof(iw_jit_ctx_t, globals));
        iw_x64_load(b, true, IW__RCX, IW__RCX, iw__slot(ins[1].p.hi));
        iw_x64_load(b, true, IW__RAX, IW__RCX, (int32_t)offsetof(iw_global_t, value));
        iw_x64_store(b, true, IW__RBX, iw__slot(ins[1].p.lo), IW__RAX);
        iw_x64_load(b, true, IW__RAX, IW__RCX, (int32_t)offsetof(iw_global_t, hi));
        iw_x64_store(b, true, IW__RBX, iw__slot(ins[1].p.lo + 1ull), IW__RAX);
        break;
    case IW_OP_GLOBAL_SET128:   /* w1 {src, global} */
        iw_x64_load(b, true, IW__RCX, IW__R12, (int32_t)offsetof(iw_jit_ctx_t, globals));
        iw_x64_load(b, true, IW__RCX, IW__RCX, iw__slot(ins[1].p.hi));
        iw_x64_load(b, true, IW__RAX, IW__RBX, iw__slot(ins[1].p.lo));
        iw_x64_store(b, true, IW__RCX, (int32_t)offsetof(iw_global_t, value), IW__RAX);
        iw_x64_load(b, true, IW__RAX, IW__RBX, iw__slot(ins[1].p.lo + 1ull));
        iw_x64_store(b, true, IW__RCX, (int32_t)offsetof(iw_global_t, hi), IW__RAX);
        break;
    case IW_OP_MEMORY_SIZE: {
        int rd = iw_jit_cache_def(&j->cache, ins[1].p.lo);
        iw_x64_mov_rr(b, true, rd, IW__R14);
        iw_x64_shift_ri(b, IW_X64_SHR, true, rd, 16);
        iw_jit_cache_write(b, ins[1].p.lo, rd);
        break;
    }
    default: break;
    }
}

/* mov [base + index + disp], the low `size` bytes of reg (rax-rdx) */
static void iw__jit_store_n(iw_x64_buf_t *b, int base, int index, int32_t disp, int reg, unsigned size)
{
    uint8_t opc = size == 1 ? 0x88 : 0x89;
    iw_x64_op_mem(b, size == 2, size == 8, &opc, 1, reg, base, index, disp);
}

/* reg = the `size` bytes at [base + index + disp], zero- or (sgn, to 32
 * bits) sign-extended: the upper half is zero but for 8 bytes. */
static void iw__jit_load_n(iw_x64_buf_t *b, int reg, int base, int index, int32_t disp, unsigned size, bool sgn)
{
    uint8_t opc[2] = { 0x0F, size == 1 ? (sgn ? 0xBE : 0xB6) : (sgn ? 0xBF : 0xB7) };
    if (size <= 2) iw_x64_op_mem(b, false, false, opc, 2, reg, base, index, disp);
    else iw_x64_op_mem(b, false, size == 8, (const uint8_t[]){ 0x8B }, 1, reg, base, index, disp);
}

/* The write map of a resettable instance, after a store at rax: the block
 * of the first byte (runtime.h). */
static void iw__jit_mark_dirty(iw__jit_t *j)
{
    iw_x64_buf_t *b = &j->b;
    iw_x64_load(b, true, IW__RDX, IW__R12, (int32_t)offsetof(iw_jit_ctx_t, dirty));
    iw_x64_test_rr(b, true, IW__RDX, IW__RDX);
    size_t skip = iw_x64_jcc(b, IW_X64_CC_E);
    iw_x64_shift_ri(b, IW_X64_SHR, true, IW__RAX, IW_DIRTY_BLOCK_SHIFT);
    iw_x64_op_mem(b, false, false, (const uint8_t[]){ 0xC6 }, 1, 0, IW__RDX, IW__RAX, 0);
    iw_x64_byte(b, 1);
    iw_x64_patch(b, skip, b->len);
}

static void iw__jit_store(iw__jit_t *j, const iw__jit_info_t *in, const iw_word_t *ins, uint32_t pos)
{
    iw_x64_buf_t *b = &j->b;
    iw__jit_address(j, ins, ins[1].p.lo, in->form, in->size, pos);
    int rv = IW__RCX;
    if (in->form == IW__F_I) iw_x64_mov_imm(b, IW__RCX, ins[3].u);
    else if (in->form == IW__F_ADDI) iw_x64_mov_imm(b, IW__RCX, ins[4].u);
    else rv = iw_jit_cache_read(&j->cache, b, ins[1].p.hi);
    iw__jit_store_n(b, IW__R13, IW__RAX, 0, rv, in->size);
    iw__jit_mark_dirty(j);
}

/* ---- v128 inline (IW__J_SIMD) ------------------------------------------------ */

/* movdqu xmm, [base + index + disp] and back: frame slots are 8-byte aligned */
static void iw__jit_vload(iw_x64_buf_t *b, int xmm, int base, int index, int32_t disp)
{
    iw_x64_sse_mem(b, 0xF3, (const uint8_t[]){ 0x0F, 0x6F }, 2, xmm, base, index, disp);
}

static void iw__jit_vstore(iw_x64_buf_t *b, int base, int index, int32_t disp, int xmm)
{
    iw_x64_sse_mem(b, 0xF3, (const uint8_t[]){ 0x0F, 0x7F }, 2, xmm, base, index, disp);
}

/* The v128 at slot dst = rcx's low `size` bytes in every lane. */
static void iw__jit_splat(iw_x64_buf_t *b, unsigned size, uint32_t dst)
{
    if (size < 8) {
        iw_x64_mov_imm(b, IW__RDX, size == 1 ? 0x0101010101010101ull : size == 2 ? 0x0001000100010001ull : 0x100000001ull);
        iw_x64_imul_rr(b, true, IW__RCX, IW__RDX);
    }
    iw_x64_store(b, true, IW__RBX, iw__slot(dst), IW__RCX);
    iw_x64_store(b, true, IW__RBX, iw__slot(dst + 1ull), IW__RCX);
}

/* The plain forms: w1 {dst, a}, w2 {b, c}, w3 lane; the loads: w1 {dst,
 * addr}, w2 offset; SIMD_STORE: w1 {addr, value}, w2 offset, w3 {bytes,
 * lane}. Every operand is read before dst is written (dst may be one). */
static void iw__jit_simd(iw__jit_t *j, const iw__jit_info_t *in, const iw_word_t *ins, uint32_t pos)
{
    iw_x64_buf_t *b = &j->b;
    uint32_t dst = ins[1].p.lo, a = ins[1].p.hi;
    unsigned size = in->size;
    switch ((iw__jit_simd_t)in->arg) {
    case IW__V_BIN: {
        bool swap = in->vflags & IW__VF_SWAP;
        int r = swap ? 1 : 0;
        uint8_t opc[3] = { 0x0F, in->opc[0], in->opc[1] };
        iw__jit_vload(b, 0, IW__RBX, -1, iw__slot(a));
        iw__jit_vload(b, 1, IW__RBX, -1, iw__slot(ins[2].p.lo));
        iw_x64_sse_rr(b, 0x66, opc, 1 + in->nopc, r, swap ? 0 : 1);
        if (in->vflags & IW__VF_NOT) {
            iw_x64_sse_rr(b, 0x66, (const uint8_t[]){ 0x0F, 0x74 }, 2, 2, 2);   /* pcmpeqb xmm2, xmm2: all ones */
            iw_x64_sse_rr(b, 0x66, (const uint8_t[]){ 0x0F, 0xEF }, 2, r, 2);   /* pxor */
        }
        iw__jit_vstore(b, IW__RBX, -1, iw__slot(dst), r);
        break;
    }
    case IW__V_LOAD:
        iw__jit_address(j, ins, a, IW__F_PLAIN, 16, pos);
        iw__jit_vload(b, 0, IW__R13, IW__RAX, 0);
        iw__jit_vstore(b, IW__RBX, -1, iw__slot(dst), 0);
        break;
    case IW__V_LOAD_EXT: {
        uint8_t opc[3] = { 0x0F, in->opc[0], in->opc[1] };
        iw__jit_address(j, ins, a, IW__F_PLAIN, 8, pos);
        iw_x64_sse_mem(b, 0x66, opc, 3, 0, IW__R13, IW__RAX, 0);
        iw__jit_vstore(b, IW__RBX, -1, iw__slot(dst), 0);
        break;
    }
    case IW__V_LOAD_ZERO: case IW__V_LOAD_SPLAT:
        iw__jit_address(j, ins, a, IW__F_PLAIN, size, pos);
        iw__jit_load_n(b, IW__RCX, IW__R13, IW__RAX, 0, size, false);
        if (in->arg == IW__V_LOAD_SPLAT) {
            iw__jit_splat(b, size, dst);
        } else {
            iw_x64_store(b, true, IW__RBX, iw__slot(dst), IW__RCX);
            iw_x64_store_imm(b, true, IW__RBX, -1, iw__slot(dst + 1ull), 0);
        }
        break;
    case IW__V_STORE: {
        unsigned n = ins[3].p.lo;
        int32_t src = iw__slot(a) + (int32_t)(ins[3].p.hi * n);
        iw__jit_address(j, ins, dst, IW__F_PLAIN, n, pos);
        if (n == 16) {
            iw__jit_vload(b, 0, IW__RBX, -1, src);
            iw__jit_vstore(b, IW__R13, IW__RAX, 0, 0);
        } else {
            iw__jit_load_n(b, IW__RCX, IW__RBX, -1, src, n, false);
            iw__jit_store_n(b, IW__R13, IW__RAX, 0, IW__RCX, n);
        }
        iw__jit_mark_dirty(j);
        break;
    }
    case IW__V_SPLAT:
        iw__jit_load_n(b, IW__RCX, IW__RBX, -1, iw__slot(a), size, false);
        iw__jit_splat(b, size, dst);
        break;
    case IW__V_EXTRACT:
        iw__jit_load_n(b, IW__RCX, IW__RBX, -1, iw__slot(a) + (int32_t)(ins[3].u * size), size, in->w);
        iw_x64_store(b, true, IW__RBX, iw__slot(dst), IW__RCX);
        break;
    case IW__V_REPLACE:
        iw_x64_load(b, true, IW__RCX, IW__RBX, iw__slot(ins[2].p.lo));
        iw_x64_load(b, true, IW__RAX, IW__RBX, iw__slot(a));
        iw_x64_load(b, true, IW__RDX, IW__RBX, iw__slot(a + 1ull));
        iw_x64_store(b, true, IW__RBX, iw__slot(dst), IW__RAX);
        iw_x64_store(b, true, IW__RBX, iw__slot(dst + 1ull), IW__RDX);
        iw__jit_store_n(b, IW__RBX, -1, iw__slot(dst) + (int32_t)(ins[3].u * size), IW__RCX, size);
        break;
    case IW__V_ANY_TRUE:
        iw_x64_load(b, true, IW__RAX, IW__RBX, iw__slot(a));
        iw_x64_alu_rm(b, IW_X64_OR, true, IW__RAX, IW__RBX, iw__slot(a + 1ull));
        iw_x64_setcc(b, IW_X64_CC_NE, IW__RAX);
        iw_x64_movzx8_rr(b, IW__RAX, IW__RAX);
        iw_x64_store(b, true, IW__RBX, iw__slot(dst), IW__RAX);
        break;
    case IW__V_CMP_U: {
        /* xmm0 = x, xmm1 = y (b, a when swapped), xmm2 = x kept */
        bool swap = in->vflags & IW__VF_SWAP;
        uint8_t opc[3] = { 0x0F, in->opc[0], in->opc[1] };
        uint8_t eq[2] = { 0x0F, size == 1 ? 0x74 : size == 2 ? 0x75 : 0x76 };
        iw__jit_vload(b, 0, IW__RBX, -1, iw__slot(swap ? ins[2].p.lo : a));
        iw__jit_vload(b, 1, IW__RBX, -1, iw__slot(swap ? a : ins[2].p.lo));
        iw_x64_sse_rr(b, 0x66, (const uint8_t[]){ 0x0F, 0x6F }, 2, 2, 0);      /* movdqa xmm2, xmm0 */
        iw_x64_sse_rr(b, 0x66, opc, 1 + in->nopc, 0, 1);                        /* pmaxu xmm0, xmm1 */
        iw_x64_sse_rr(b, 0x66, eq, 2, 0, in->w ? 2 : 1);
        if (in->vflags & IW__VF_NOT) {
            iw_x64_sse_rr(b, 0x66, (const uint8_t[]){ 0x0F, 0x74 }, 2, 2, 2);
            iw_x64_sse_rr(b, 0x66, (const uint8_t[]){ 0x0F, 0xEF }, 2, 0, 2);
        }
        iw__jit_vstore(b, IW__RBX, -1, iw__slot(dst), 0);
        break;
    }
    case IW__V_EXTEND: {
        uint8_t opc[3] = { 0x0F, in->opc[0], in->opc[1] };
        iw_x64_sse_mem(b, 0x66, opc, 3, 0, IW__RBX, -1, iw__slot(a) + (in->w ? 8 : 0));
        iw__jit_vstore(b, IW__RBX, -1, iw__slot(dst), 0);
        break;
    }
    case IW__V_SHIFT:
        iw_x64_load(b, false, IW__RCX, IW__RBX, iw__slot(ins[2].p.lo));
        iw_x64_alu_ri(b, IW_X64_AND, false, IW__RCX, (int32_t)size - 1);
        iw_x64_sse_rr(b, 0x66, (const uint8_t[]){ 0x0F, 0x6E }, 2, 1, IW__RCX);   /* movd xmm1, ecx */
        iw__jit_vload(b, 0, IW__RBX, -1, iw__slot(a));
        iw_x64_sse_rr(b, 0x66, (const uint8_t[]){ 0x0F, in->opc[0] }, 2, 0, 1);
        iw__jit_vstore(b, IW__RBX, -1, iw__slot(dst), 0);
        break;
    case IW__V_BITSELECT:   /* (a & c) | (b & ~c) */
        iw__jit_vload(b, 0, IW__RBX, -1, iw__slot(a));
        iw__jit_vload(b, 1, IW__RBX, -1, iw__slot(ins[2].p.lo));
        iw__jit_vload(b, 2, IW__RBX, -1, iw__slot(ins[2].p.hi));
        iw_x64_sse_rr(b, 0x66, (const uint8_t[]){ 0x0F, 0xDB }, 2, 0, 2);      /* pand xmm0, xmm2 */
        iw_x64_sse_rr(b, 0x66, (const uint8_t[]){ 0x0F, 0xDF }, 2, 2, 1);      /* pandn xmm2, xmm1 */
        iw_x64_sse_rr(b, 0x66, (const uint8_t[]){ 0x0F, 0xEB }, 2, 0, 2);      /* por xmm0, xmm2 */
        iw__jit_vstore(b, IW__RBX, -1, iw__slot(dst), 0);
        break;
    case IW__V_LOAD_LANE: {     /* w3 {vector, lane} */
        uint32_t vec = ins[3].p.lo;
        iw__jit_address(j, ins, a, IW__F_PLAIN, size, pos);
        iw__jit_load_n(b, IW__RCX, IW__R13, IW__RAX, 0, size, false);
        iw_x64_load(b, true, IW__R8, IW__RBX, iw__slot(vec));
        iw_x64_load(b, true, IW__R9, IW__RBX, iw__slot(vec + 1ull));
        iw_x64_store(b, true, IW__RBX, iw__slot(dst), IW__R8);
        iw_x64_store(b, true, IW__RBX, iw__slot(dst + 1ull), IW__R9);
        iw__jit_store_n(b, IW__RBX, -1, iw__slot(dst) + (int32_t)(ins[3].p.hi * size), IW__RCX, size);
        break;
    }
    case IW__V_BITMASK8:
        iw__jit_vload(b, 0, IW__RBX, -1, iw__slot(a));
        iw_x64_sse_rr(b, 0x66, (const uint8_t[]){ 0x0F, 0xD7 }, 2, IW__RAX, 0);     /* pmovmskb eax, xmm0 */
        iw_x64_store(b, true, IW__RBX, iw__slot(dst), IW__RAX);
        break;
    }
}

static void iw__jit_unary(iw__jit_t *j, const iw__jit_info_t *in, const iw_word_t *ins)
{
    iw_x64_buf_t *b = &j->b;
    int rs = iw_jit_cache_read(&j->cache, b, ins[1].p.hi);
    int rd = iw_jit_cache_def(&j->cache, ins[1].p.lo);
    switch ((iw__jit_un_t)in->arg) {
    case IW__U_EQZ:
        iw_x64_alu_rr(b, IW_X64_XOR, false, rd, rd);
        iw_x64_test_rr(b, in->w, rs, rs);
        iw_x64_setcc(b, IW_X64_CC_E, rd);
        break;
    case IW__U_ZX32: iw_x64_mov_rr(b, false, rd, rs); break;
    case IW__U_SX32: iw_x64_op_rr(b, true, (const uint8_t[]){ 0x63 }, 1, rd, rs); break;
    case IW__U_SX8: iw_x64_op_rr_byte(b, in->w, (const uint8_t[]){ 0x0F, 0xBE }, 2, rd, rs); break;
    case IW__U_SX16: iw_x64_op_rr(b, in->w, (const uint8_t[]){ 0x0F, 0xBF }, 2, rd, rs); break;
    }
    iw_jit_cache_write(b, ins[1].p.lo, rd);
}

/* ---- calls and returns ----------------------------------------------------- */

#define IW__FRAME(field) ((int32_t)offsetof(iw_exec_frame_t, field))
#define IW__CTX(field) ((int32_t)offsetof(iw_jit_ctx_t, field))

/* The checks of the interpreter's call that do not depend on the callee
 * being known: a free frame record and the interrupt flag. rax = the fuel
 * countdown after the callee's entry charge, which must not be negative.
 * Each failing check exits at the call, before it had any effect. */
static void iw__jit_call_checks(iw__jit_t *j, uint32_t pos)
{
    iw_x64_buf_t *b = &j->b;
    iw__jit_exit_if(j, IW_X64_CC_S, pos, 0);
    iw_x64_alu_mi(b, IW_X64_CMP, false, IW__RBP, 0, 0);
    iw__jit_exit_if(j, IW_X64_CC_NE, pos, 0);
    iw_x64_lea(b, IW__RCX, IW__RSI, -1, (int32_t)sizeof(iw_exec_frame_t));
    iw_x64_alu_rm(b, IW_X64_CMP, true, IW__RCX, IW__R12, IW__CTX(frames_last));
    iw__jit_exit_if(j, IW_X64_CC_A, pos, 0);
}

/* Past the checks: charges the entry fuel (rax), pushes the frame record
 * for the call at pos (callee code in rdx) with the native return address
 * (the next instruction), and makes rbx the callee's frame. */
static void iw__jit_push_frame(iw__jit_t *j, uint32_t pos, uint32_t base)
{
    iw_x64_buf_t *b = &j->b;
    iw_x64_mov_rr(b, true, IW__R15, IW__RAX);
    iw_x64_alu_ri(b, IW_X64_ADD, true, IW__RSI, (int32_t)sizeof(iw_exec_frame_t));
    iw_x64_mov_imm(b, IW__RAX, (uint64_t)(uintptr_t)(j->fn->code + pos + 3));
    iw_x64_store(b, true, IW__RSI, IW__FRAME(ret_ip), IW__RAX);
    iw_x64_lea(b, IW__RBX, IW__RBX, -1, iw__slot(base));
    iw_x64_store(b, true, IW__RSI, IW__FRAME(fp), IW__RBX);
    iw_x64_load(b, true, IW__RAX, IW__R12, IW__CTX(inst));
    iw_x64_store(b, true, IW__RSI, IW__FRAME(inst), IW__RAX);
    iw_x64_store(b, true, IW__RSI, IW__FRAME(fn), IW__RDX);
    iw__jit_branch(j, iw_x64_lea_rip(b, IW__RAX), pos + 3);
    iw_x64_store(b, true, IW__RSI, IW__FRAME(jit_ret), IW__RAX);
    iw_x64_load(b, true, IW__RAX, IW__R12, IW__CTX(depth));
    iw_x64_alu_mi(b, IW_X64_ADD, false, IW__RAX, 0, 1);
}

/* Declared locals start at zero: slots [r8, r9) of the frame in rbx, both
 * in bytes. */
static void iw__jit_zero_loop(iw__jit_t *j)
{
    iw_x64_buf_t *b = &j->b;
    size_t test = iw_x64_jmp(b);
    size_t loop = b->len;
    iw_x64_store_imm(b, true, IW__RBX, IW__R8, 0, 0);
    iw_x64_alu_ri(b, IW_X64_ADD, true, IW__R8, 8);
    iw_x64_patch(b, test, b->len);
    iw_x64_alu_rr(b, IW_X64_CMP, true, IW__R8, IW__R9);
    iw_x64_patch(b, iw_x64_jcc(b, IW_X64_CC_B), loop);
}

/* call: w1 callee code, w2 base slot. A callee with native code in this
 * module is entered directly; any other goes through the interpreter. */
static void iw__jit_call(iw__jit_t *j, const iw_word_t *ins, uint32_t pos)
{
    iw_x64_buf_t *b = &j->b;
    const iw_code_t *callee = ins[1].ptr;
    uint32_t base = (uint32_t)ins[2].u;
    size_t idx = (size_t)(callee - j->m->codes);
    if (!j->planned[idx] || callee->fuel > INT32_MAX) {
        iw__jit_exit(j, pos);
        return;
    }
    iw_x64_lea(b, IW__RCX, IW__RBX, -1, iw__slot((uint64_t)base + callee->frame_slots));
    iw_x64_alu_rm(b, IW_X64_CMP, true, IW__RCX, IW__R12, IW__CTX(stack_end));
    iw__jit_exit_if(j, IW_X64_CC_A, pos, 0);
    iw_x64_mov_rr(b, true, IW__RAX, IW__R15);
    iw_x64_alu_ri(b, IW_X64_SUB, true, IW__RAX, (int32_t)callee->fuel);
    iw__jit_call_checks(j, pos);
    iw_x64_mov_imm(b, IW__RDX, (uint64_t)(uintptr_t)callee);
    iw__jit_push_frame(j, pos, base);
    uint32_t nzero = callee->nlocals - callee->nparams;
    if (nzero <= 8) {
        for (uint32_t k = 0; k < nzero; k++) iw_x64_store_imm(b, true, IW__RBX, -1, iw__slot(callee->nparams + k), 0);
    } else {
        iw_x64_mov_imm(b, IW__R8, (uint64_t)callee->nparams * 8);
        iw_x64_mov_imm(b, IW__R9, (uint64_t)callee->nlocals * 8);
        iw__jit_zero_loop(j);
    }
    size_t at = iw_x64_jmp(b);
    if (!iw__jit_grow(j, (void **)&j->calls, &j->calls_cap, j->ncalls + 1, sizeof *j->calls)) return;
    j->calls[j->ncalls++] = (iw__jit_fix_t){ at, (uint32_t)idx };
}

/* call_indirect: w1 {table, base}, w2 type. The element must be in the
 * table, not null, of the same signature string (other strings may still
 * match: the interpreter compares them), a wasm function of this instance
 * with native code; anything else, and every trap, goes through the
 * interpreter, which checks again and raises the trap itself. */
static void iw__jit_call_indirect(iw__jit_t *j, const iw_word_t *ins, uint32_t pos)
{
    iw_x64_buf_t *b = &j->b;
    const iw_functype_t *type = ins[2].ptr;
    uint32_t base = ins[1].p.hi;
    iw_x64_load(b, true, IW__RAX, IW__R12, IW__CTX(tables));
    iw_x64_load(b, true, IW__RAX, IW__RAX, iw__slot(ins[1].p.lo));
    iw_x64_load(b, false, IW__RCX, IW__RBX, iw__slot((uint64_t)base + type->param_slots));
    iw_x64_alu_rm(b, IW_X64_CMP, false, IW__RCX, IW__RAX, (int32_t)offsetof(iw_table_t, size));
    iw__jit_exit_if(j, IW_X64_CC_AE, pos, 0);
    iw_x64_load(b, true, IW__RAX, IW__RAX, (int32_t)offsetof(iw_table_t, items));
    iw_x64_op_mem_scaled(b, false, true, (const uint8_t[]){ 0x8B }, 1, IW__RDX, IW__RAX, IW__RCX, 3, 0);   /* items[i] */
    iw_x64_test_rr(b, true, IW__RDX, IW__RDX);
    iw__jit_exit_if(j, IW_X64_CC_E, pos, 0);
    iw_x64_mov_imm(b, IW__RAX, (uint64_t)(uintptr_t)type->sig);
    iw_x64_alu_rm(b, IW_X64_CMP, true, IW__RAX, IW__RDX, (int32_t)offsetof(iw_func_t, sig));
    iw__jit_exit_if(j, IW_X64_CC_NE, pos, 0);
    iw_x64_alu_mi(b, IW_X64_CMP, true, IW__RDX, (int32_t)offsetof(iw_func_t, host), 0);
    iw__jit_exit_if(j, IW_X64_CC_NE, pos, 0);
    iw_x64_load(b, true, IW__RAX, IW__R12, IW__CTX(inst));
    iw_x64_alu_rm(b, IW_X64_CMP, true, IW__RAX, IW__RDX, (int32_t)offsetof(iw_func_t, inst));
    iw__jit_exit_if(j, IW_X64_CC_NE, pos, 0);
    iw_x64_load(b, true, IW__RDX, IW__RDX, (int32_t)offsetof(iw_func_t, code));
    iw_x64_load(b, true, IW__R9, IW__RDX, (int32_t)offsetof(iw_code_t, jit));
    iw_x64_test_rr(b, true, IW__R9, IW__R9);
    iw__jit_exit_if(j, IW_X64_CC_E, pos, 0);
    iw_x64_load(b, false, IW__RCX, IW__RDX, (int32_t)offsetof(iw_code_t, frame_slots));
    /* the callee's frame end: rbx + (base + frame_slots) * 8 */
    iw_x64_op_mem_scaled(b, false, true, (const uint8_t[]){ 0x8D }, 1, IW__RCX, IW__RBX, IW__RCX, 3, iw__slot(base));
    iw_x64_alu_rm(b, IW_X64_CMP, true, IW__RCX, IW__R12, IW__CTX(stack_end));
    iw__jit_exit_if(j, IW_X64_CC_A, pos, 0);
    iw_x64_load(b, false, IW__RCX, IW__RDX, (int32_t)offsetof(iw_code_t, fuel));
    iw_x64_mov_rr(b, true, IW__RAX, IW__R15);
    iw_x64_alu_rr(b, IW_X64_SUB, true, IW__RAX, IW__RCX);
    iw__jit_call_checks(j, pos);
    iw__jit_push_frame(j, pos, base);
    iw_x64_load(b, false, IW__R8, IW__RDX, (int32_t)offsetof(iw_code_t, nparams));
    iw_x64_shift_ri(b, IW_X64_SHL, true, IW__R8, 3);
    iw_x64_load(b, false, IW__RCX, IW__RDX, (int32_t)offsetof(iw_code_t, nlocals));
    iw_x64_shift_ri(b, IW_X64_SHL, true, IW__RCX, 3);
    iw_x64_load(b, true, IW__RAX, IW__R9, (int32_t)offsetof(struct iw_jit_func, entry));
    iw_x64_mov_rr(b, true, IW__R9, IW__RCX);
    iw__jit_zero_loop(j);
    iw_x64_jmp_reg(b, IW__RAX);
}

/* return: w1 {src, n}. Back into the caller's native code when a compiled
 * call pushed this frame within the same instance; the results move to
 * slot 0 only once that is known (the interpreter would move them again). */
static void iw__jit_return(iw__jit_t *j, const iw_word_t *ins, uint32_t pos)
{
    iw_x64_buf_t *b = &j->b;
    iw_x64_load(b, true, IW__RAX, IW__RSI, IW__FRAME(jit_ret));
    iw_x64_test_rr(b, true, IW__RAX, IW__RAX);
    iw__jit_exit_if(j, IW_X64_CC_E, pos, 0);
    iw_x64_load(b, true, IW__RCX, IW__RSI, IW__FRAME(inst) - (int32_t)sizeof(iw_exec_frame_t));
    iw_x64_alu_rm(b, IW_X64_CMP, true, IW__RCX, IW__R12, IW__CTX(inst));
    iw__jit_exit_if(j, IW_X64_CC_NE, pos, 0);
    uint32_t src = ins[1].p.lo, n = ins[1].p.hi;
    for (uint32_t k = 0; src && k < n; k++) {
        iw_x64_load(b, true, IW__RCX, IW__RBX, iw__slot((uint64_t)src + k));
        iw_x64_store(b, true, IW__RBX, iw__slot(k), IW__RCX);
    }
    iw_x64_alu_ri(b, IW_X64_SUB, true, IW__RSI, (int32_t)sizeof(iw_exec_frame_t));
    iw_x64_load(b, true, IW__RCX, IW__R12, IW__CTX(depth));
    iw_x64_alu_mi(b, IW_X64_SUB, false, IW__RCX, 0, 1);
    iw_x64_load(b, true, IW__RBX, IW__RSI, IW__FRAME(fp));
    iw_x64_jmp_reg(b, IW__RAX);
}

/* ---- helper calls ------------------------------------------------------------ */

/* A call of a C function: rsi is saved around it (the other fixed
 * registers are callee-saved; the caller-saved ones are the register
 * cache's, which the caller empties after), the stack stays 16-byte
 * aligned; the arguments are set between begin and call. */
static void iw__jit_c_begin(iw__jit_t *j)
{
    iw_x64_push(&j->b, IW__RSI);
    iw_x64_alu_ri(&j->b, IW_X64_SUB, true, IW_X64_RSP, 8);
}

static void iw__jit_c_call(iw__jit_t *j, uint64_t fn)
{
    iw_x64_mov_imm(&j->b, IW__RAX, fn);
    iw_x64_call_reg(&j->b, IW__RAX);
    iw_x64_alu_ri(&j->b, IW_X64_ADD, true, IW_X64_RSP, 8);
    iw_x64_pop(&j->b, IW__RSI);
}

/* _S: w1 {dst, a}; _SS/_SI: w1 {dst, a}, w2 b slot or immediate. */
static void iw__jit_numeric(iw__jit_t *j, const iw__jit_info_t *in, iw_op_t op, const iw_word_t *ins,
                            uint32_t pos)
{
    iw_x64_buf_t *b = &j->b;
    const iw_jit_numeric_t *h = &j->numeric[op];
    iw__jit_c_begin(j);
    iw_x64_load(b, true, IW__RDI, IW__RBX, iw__slot(ins[1].p.hi));
    if (in->form == IW__F_SS) iw_x64_load(b, true, IW__RSI, IW__RBX, iw__slot(ins[2].u));
    if (in->form == IW__F_SI) iw_x64_mov_imm(b, IW__RSI, ins[2].u);
    if (h->traps) iw_x64_lea(b, IW__RDX, IW__R12, -1, IW__CTX(scratch));
    iw__jit_c_call(j, (uint64_t)(uintptr_t)h->fn);
    if (h->traps) {
        iw_x64_test_rr(b, true, IW__RAX, IW__RAX);
        iw__jit_exit_if(j, IW_X64_CC_NE, pos, 0);
        iw_x64_load(b, true, IW__RAX, IW__R12, IW__CTX(scratch));
    }
    iw_x64_store(b, true, IW__RBX, iw__slot(ins[1].p.lo), IW__RAX);
}

static void iw__jit_ophelper(iw__jit_t *j, iw_op_t op, uint32_t pos)
{
    iw_x64_buf_t *b = &j->b;
    uint32_t len;
    iw_jit_op_fn fn = iw_jit_op_helper(op, &len);
    iw__jit_c_begin(j);
    iw_x64_mov_rr(b, true, IW__RDI, IW__R12);
    iw_x64_mov_rr(b, true, IW__RSI, IW__RBX);
    iw_x64_mov_imm(b, IW__RDX, (uint64_t)(uintptr_t)(j->fn->code + pos));
    iw__jit_c_call(j, (uint64_t)(uintptr_t)fn);
    iw_x64_test_rr(b, false, IW__RAX, IW__RAX);
    iw__jit_exit_if(j, IW_X64_CC_NE, pos, 0);
    if (op == IW_OP_MEMORY_GROW) {
        iw_x64_load(b, true, IW__R13, IW__R12, IW__CTX(mem));
        iw_x64_load(b, true, IW__R14, IW__R12, IW__CTX(memsize));
    }
}

/* br_table: w1 {index, n}, then n+1 entries {offset, {dst, src}, count}.
 * A table of rel32 offsets (from the table's start) to one stub per entry
 * that makes the entry's moves and jumps to its target. */
static void iw__jit_br_table(iw__jit_t *j, const iw_word_t *ins, uint32_t pos)
{
    iw_x64_buf_t *b = &j->b;
    uint32_t n = ins[1].p.hi;
    iw_x64_load(b, false, IW__RAX, IW__RBX, iw__slot(ins[1].p.lo));
    iw_x64_mov_imm(b, IW__RCX, n);
    iw_x64_alu_rr(b, IW_X64_CMP, false, IW__RAX, IW__RCX);
    iw_x64_cmov(b, IW_X64_CC_A, false, IW__RAX, IW__RCX);
    size_t lea = iw_x64_lea_rip(b, IW__RCX);
    /* movsxd rax, dword [rcx + rax*4]; add rax, rcx; jmp rax */
    iw_x64_op_mem_scaled(b, false, true, (const uint8_t[]){ 0x63 }, 1, IW__RAX, IW__RCX, IW__RAX, 2, 0);
    iw_x64_alu_rr(b, IW_X64_ADD, true, IW__RAX, IW__RCX);
    iw_x64_jmp_reg(b, IW__RAX);
    size_t table = b->len;
    iw_x64_patch(b, lea, table);
    for (uint32_t e = 0; e <= n; e++)
        for (int k = 0; k < 4; k++) iw_x64_byte(b, 0);
    for (uint32_t e = 0; e <= n; e++) {
        const iw_word_t *en = ins + 2 + 3 * (uint64_t)e;
        uint32_t rel = (uint32_t)(b->len - table);
        if (!b->oom) memcpy(b->p + table + 4 * (size_t)e, &rel, 4);
        iw__jit_moves(j, en[1], en[2].u);
        iw_jit_cache_t have = iw__jit_after_moves(j, en[1], en[2].u);
        iw__jit_jump(j, &have, -1, (uint32_t)(pos + en[0].i));
    }
}

/* ALU, MUL, SHIFT, CMP: w1 {dst, a}, w2 b (slot or immediate). */
static void iw__jit_binary(iw__jit_t *j, const iw__jit_info_t *in, const iw_word_t *ins)
{
    iw_x64_buf_t *b = &j->b;
    bool w = in->w, si = in->form == IW__F_SI;
    uint64_t imm = w ? ins[2].u : (uint32_t)ins[2].u;
    int ra = iw_jit_cache_read(&j->cache, b, ins[1].p.hi);
    int rb = IW__RCX;
    if (!si) rb = iw_jit_cache_read(&j->cache, b, (uint32_t)ins[2].u);
    else if (in->cls == IW__J_SHIFT) rb = -1;                  /* shift_ri below */
    else if (!iw__jit_imm32(w, imm) || in->cls == IW__J_MUL) iw_x64_mov_imm(b, IW__RCX, imm);
    else rb = -1;                                              /* an imm32 operand */
    int rd = iw_jit_cache_def(&j->cache, ins[1].p.lo);
    switch ((iw__jit_class_t)in->cls) {
    case IW__J_CMP:
        iw_x64_alu_rr(b, IW_X64_XOR, false, rd, rd);
        if (rb < 0) iw_x64_alu_ri(b, IW_X64_CMP, w, ra, (int32_t)imm);
        else iw_x64_alu_rr(b, IW_X64_CMP, w, ra, rb);
        iw_x64_setcc(b, (iw_x64_cc_t)in->arg, rd);
        break;
    case IW__J_SHIFT:
        iw_x64_mov_rr(b, true, rd, ra);
        if (rb < 0) {
            iw_x64_shift_ri(b, (iw_x64_shift_t)in->arg, w, rd, (uint8_t)(imm & (w ? 63 : 31)));
        } else {
            iw_x64_mov_rr(b, false, IW__RCX, rb);
            iw_x64_shift_cl(b, (iw_x64_shift_t)in->arg, w, rd);
        }
        break;
    case IW__J_MUL:
        iw_x64_mov_rr(b, true, rd, ra);
        iw_x64_imul_rr(b, w, rd, rb);
        break;
    default:
        iw_x64_mov_rr(b, true, rd, ra);
        if (rb < 0) iw_x64_alu_ri(b, (iw_x64_alu_t)in->arg, w, rd, (int32_t)imm);
        else iw_x64_alu_rr(b, (iw_x64_alu_t)in->arg, w, rd, rb);
        break;
    }
    iw_jit_cache_write(b, ins[1].p.lo, rd);
}

/* 66 (REX.W) 0F opc: movd/movq between an xmm register and a general one */
static void iw__jit_movq(iw_x64_buf_t *b, bool w, uint8_t opc, int xmm, int gpr)
{
    iw_x64_byte(b, 0x66);
    iw_x64_op_rr(b, w, (const uint8_t[]){ 0x0F, opc }, 2, xmm, gpr);
}

/* FLOAT: w1 {dst, a}, w2 b (slot or the immediate's bits): the helper's
 * own instructions, movq xmm0 = a, xmm1 = b, op xmm0, xmm1, movq out. */
static void iw__jit_float(iw__jit_t *j, const iw__jit_info_t *in, const iw_word_t *ins)
{
    iw_x64_buf_t *b = &j->b;
    bool w = in->w;
    int ra = iw_jit_cache_read(&j->cache, b, ins[1].p.hi);
    int rb = IW__RCX;
    if (in->form == IW__F_SI) iw_x64_mov_imm(b, IW__RCX, w ? ins[2].u : (uint32_t)ins[2].u);
    else rb = iw_jit_cache_read(&j->cache, b, (uint32_t)ins[2].u);
    iw__jit_movq(b, w, 0x6E, 0, ra);
    iw__jit_movq(b, w, 0x6E, 1, rb);
    iw_x64_sse_rr(b, w ? 0xF2 : 0xF3, (const uint8_t[]){ 0x0F, in->arg }, 2, 0, 1);
    int rd = iw_jit_cache_def(&j->cache, ins[1].p.lo);
    iw__jit_movq(b, w, 0x7E, 0, rd);
    iw_jit_cache_write(b, ins[1].p.lo, rd);
}

static void iw__jit_instr(iw__jit_t *j, iw_op_t op, const iw_word_t *ins, uint32_t pos)
{
    iw_x64_buf_t *b = &j->b;
    const iw__jit_info_t *in = &j->info[op];
    switch ((iw__jit_class_t)in->cls) {
    case IW__J_NONE: break;
    case IW__J_EXIT: iw__jit_exit(j, pos); iw_jit_cache_clear(&j->cache); break;
    case IW__J_CALL:
        if (op == IW_OP_CALL) iw__jit_call(j, ins, pos);
        else if (op == IW_OP_CALL_INDIRECT) iw__jit_call_indirect(j, ins, pos);
        else iw__jit_return(j, ins, pos);
        iw_jit_cache_clear(&j->cache);
        break;
    case IW__J_CONTROL:
        iw__jit_control(j, op, ins, pos);
        /* the v128 moves write slots behind the cache; BR and BR_MOVE do not fall through */
        if (op == IW_OP_BR || op == IW_OP_BR_LOOP || op == IW_OP_BR_MOVE || op == IW_OP_COPY128 ||
            op == IW_OP_CONST128 || op == IW_OP_SELECT128 || op == IW_OP_GLOBAL_GET128)
            iw_jit_cache_clear(&j->cache);
        break;
    case IW__J_ALU: case IW__J_MUL: case IW__J_SHIFT: case IW__J_CMP: iw__jit_binary(j, in, ins); break;
    case IW__J_DIV: iw__jit_div(j, in, ins, pos); break;
    case IW__J_CMP_BRANCH: {    /* w1 {a}, w2 b, w3 offset */
        int ra = iw_jit_cache_read(&j->cache, b, ins[1].p.lo);
        if (in->imm_b) iw_x64_alu_ri(b, IW_X64_CMP, false, ra, (int32_t)(uint32_t)ins[2].u);
        else iw_x64_alu_rr(b, IW_X64_CMP, false, ra, iw_jit_cache_read(&j->cache, b, (uint32_t)ins[2].u));
        int cc = in->form == IW__F_BF ? in->arg ^ 1 : in->arg;
        iw__jit_jump(j, &j->cache, cc, (uint32_t)(pos + ins[3].i));
        break;
    }
    case IW__J_UN: iw__jit_unary(j, in, ins); break;
    case IW__J_LOAD: {
        iw__jit_address(j, ins, ins[1].p.hi, in->form, in->size, pos);
        int rd = iw_jit_cache_def(&j->cache, ins[1].p.lo);
        iw_x64_op_mem(b, false, in->w, in->opc, in->nopc, rd, IW__R13, IW__RAX, 0);
        iw_jit_cache_write(b, ins[1].p.lo, rd);
        break;
    }
    case IW__J_STORE: iw__jit_store(j, in, ins, pos); break;
    case IW__J_FLOAT: iw__jit_float(j, in, ins); break;
    /* the rest may write slots behind the cache, and calls and helpers
     * clobber the cache registers */
    case IW__J_NUMERIC: iw__jit_numeric(j, in, op, ins, pos); iw_jit_cache_clear(&j->cache); break;
    case IW__J_OPHELPER: iw__jit_ophelper(j, op, pos); iw_jit_cache_clear(&j->cache); break;
    case IW__J_BR_TABLE: iw__jit_br_table(j, ins, pos); iw_jit_cache_clear(&j->cache); break;     /* no fall-through */
    case IW__J_SIMD: iw__jit_simd(j, in, ins, pos); iw_jit_cache_clear(&j->cache); break;
    }
}

/* Compiles j->fn into j->b; fills j->native with offsets. false: the
 * function is not compiled (j->b is left as it was). */
static bool iw__jit_function(iw__jit_t *j)
{
    j->ncode = j->nfix = j->nstubs = 0;
    iw__jit_clear_native(j);
    if (!j->fn->code || !iw__jit_walk(j)) return false;
    size_t start = j->b.len;
    const iw_word_t *code = j->fn->code;
    j->cache.locals = j->fn->nlocals;
    iw_jit_cache_clear(&j->cache);
    j->nloops = 0;
    for (uint32_t pos = 0; pos < j->ncode; pos++) {
        uint32_t mark = j->native[pos];
        if (!(mark & ~IW__NATIVE_FLAGS)) {
            j->native[pos] = 0;
            continue;
        }
        iw_op_t op = (iw_op_t)((mark & ~IW__NATIVE_FLAGS) - 1);
        if (op == IW_OP_LOOP && !(mark & IW__NATIVE_FORWARD)) {
            /* fallen into and branched back to: the locals in registers stay */
            iw_jit_cache_keep_below(&j->cache, j->fn->nlocals);
            iw_jit_cache_one_per_reg(&j->cache);
            if (!iw__jit_grow(j, (void **)&j->loops, &j->loops_cap, j->nloops + 1, sizeof *j->loops)) return false;
            j->loops[j->nloops++] = (iw__jit_loop_t){ pos, j->cache };
        } else if ((mark & IW__NATIVE_LABEL) || op == IW_OP_LOOP || op == IW_OP_FUEL) {
            iw_jit_cache_clear(&j->cache);
        }
        /* the interpreter enters compiled code only at function entry, after
         * a call and after LOOP/FUEL (interp.c's IW__JIT_TRY); where the
         * cache is not empty the offset is marked, and below either made an
         * entry that loads the registers (after a loop header) or cleared
         * (so entering there stays in the interpreter) */
        j->native[pos] = (uint32_t)j->b.len | (iw_jit_cache_empty(&j->cache) ? 0 : IW__NATIVE_LABEL);
        iw_jit_cache_unpin(&j->cache);
        iw__jit_instr(j, op, code + pos, pos);
    }
    for (uint32_t i = 0; i < j->nstubs; i++) {
        iw_x64_patch(&j->b, j->stubs[i].at, j->b.len);
        if (j->stubs[i].undo) iw_x64_alu_ri(&j->b, IW_X64_ADD, true, IW__R15, j->stubs[i].undo);
        iw__jit_exit(j, j->stubs[i].pos);
    }
    for (uint32_t i = 0; i < j->nfix; i++) {
        uint32_t t = j->fix[i].target;
        if (t >= j->ncode || !j->native[t]) {     /* never: the walk saw every target */
            j->b.len = start;
            return false;
        }
        iw_x64_patch(&j->b, j->fix[i].at, j->native[t] & ~IW__NATIVE_LABEL);
    }
    /* the slice and fuel slow paths go on after a loop header's LOOP: an
     * entry there loads the loop's registers first */
    for (uint32_t i = 0; i < j->nloops; i++) {
        uint32_t body = j->loops[i].pos + 2;
        if (body >= j->ncode || !(j->native[body] & IW__NATIVE_LABEL)) continue;
        iw_jit_cache_t none = { .locals = j->fn->nlocals };
        size_t entry = j->b.len;
        iw_jit_cache_establish(&j->b, &none, &j->loops[i].state);
        iw_x64_patch(&j->b, iw_x64_jmp(&j->b), j->native[body] & ~IW__NATIVE_LABEL);
        j->native[body] = (uint32_t)entry;
    }
    for (uint32_t pos = 0; pos < j->ncode; pos++)
        if (j->native[pos] & IW__NATIVE_LABEL) j->native[pos] = 0;
    if (j->b.oom || j->oom || j->b.len >= IW__NATIVE_LABEL) return false;
    return true;
}

/* The module's entry and exit, at offset 0 of its code:
 *   enter(fp, ctx, target): saves the callee-saved registers, loads the
 *   fixed ones from the context and jumps to target (rdi and rsi, the
 *   arguments, are free once read);
 *   exit (rax = the position of the instruction to continue at, in the
 *   function of the frame record in rsi): stores its address and the
 *   countdown in the context and returns to the interpreter. */
static void iw__jit_trampoline(iw__jit_t *j)
{
    iw_x64_buf_t *b = &j->b;
    static const int saved[] = { IW__RBP, IW__RBX, IW__R12, IW__R13, IW__R14, IW__R15 };
    for (int i = 0; i < 6; i++) iw_x64_push(b, saved[i]);
    iw_x64_alu_ri(b, IW_X64_SUB, true, IW_X64_RSP, 8);     /* 16-byte aligned for helper calls */
    iw_x64_mov_rr(b, true, IW__RBX, IW__RDI);
    iw_x64_mov_rr(b, true, IW__R12, IW__RSI);
    iw_x64_load(b, true, IW__R15, IW__R12, (int32_t)offsetof(iw_jit_ctx_t, budget));
    iw_x64_load(b, true, IW__R13, IW__R12, (int32_t)offsetof(iw_jit_ctx_t, mem));
    iw_x64_load(b, true, IW__R14, IW__R12, (int32_t)offsetof(iw_jit_ctx_t, memsize));
    iw_x64_load(b, true, IW__RBP, IW__R12, (int32_t)offsetof(iw_jit_ctx_t, interrupt));
    iw_x64_load(b, true, IW__RSI, IW__R12, (int32_t)offsetof(iw_jit_ctx_t, frame));
    iw_x64_jmp_reg(b, IW__RDX);
    j->exit_at = b->len;
    iw_x64_load(b, true, IW__RCX, IW__RSI, IW__FRAME(fn));
    iw_x64_load(b, true, IW__RCX, IW__RCX, (int32_t)offsetof(iw_code_t, code));
    iw_x64_op_mem_scaled(b, false, true, (const uint8_t[]){ 0x8D }, 1, IW__RAX, IW__RCX, IW__RAX, 3, 0);
    iw_x64_store(b, true, IW__R12, (int32_t)offsetof(iw_jit_ctx_t, exit_ip), IW__RAX);
    iw_x64_store(b, true, IW__R12, (int32_t)offsetof(iw_jit_ctx_t, budget), IW__R15);
    iw_x64_alu_ri(b, IW_X64_ADD, true, IW_X64_RSP, 8);
    for (int i = 5; i >= 0; i--) iw_x64_pop(b, saved[i]);
    iw_x64_ret(b);
}

static iw_engine_t iw__engine = IW_ENGINE_DEFAULT;

void iw_set_engine(iw_engine_t e) { iw__engine = e; }

static bool iw__jit_wanted(void)
{
    if (iw__engine != IW_ENGINE_DEFAULT) return iw__engine == IW_ENGINE_COMPILER;
    const char *env = getenv("IFRIT_ENGINE");
    return env && strcmp(env, "compiler") == 0;
}

void iw_jit_compile_module(iw_module_t *m)
{
    uint32_t ndefined = m->nfuncs - m->nimported_funcs;
    if (!ndefined || !iw__jit_wanted()) return;
    iw__jit_info_t *info = malloc(IW_OP_COUNT * sizeof *info);
    iw__opmap_t *opmap = malloc((1u << IW__OPMAP_BITS) * sizeof *opmap);
    struct iw_jit_module *jm = calloc(1, sizeof *jm);
    uint32_t **natives = calloc(ndefined, sizeof *natives);
    uint32_t *ncodes = calloc(ndefined, sizeof *ncodes);
    bool *planned = calloc(ndefined, sizeof *planned);
    iw_jit_numeric_t *numeric = malloc(IW_OP_COUNT * sizeof *numeric);
    iw__jit_t j = { .info = info, .opmap = opmap, .m = m, .planned = planned, .numeric = numeric };
    bool ok = info && opmap && jm && natives && ncodes && planned && numeric;
    if (ok) {
        iw_jit_numeric_helpers(numeric);
        iw__jit_info_init(info, numeric);
        iw__opmap_init(opmap);
        /* which functions will have native code, so that a call knows
         * whether it can enter its callee directly */
        size_t instructions = 0;
        for (uint32_t i = 0; i < ndefined && !j.oom; i++) {
            j.fn = &m->codes[i];
            j.ncode = 0;
            iw__jit_clear_native(&j);
            planned[i] = j.fn->code && iw__jit_walk(&j);
            if (planned[i]) instructions += j.fn->nsrcmap;
        }
        /* about 12 bytes of machine code per internal instruction (esbuild
         * and the bench kernels); growing past a guess still works */
        iw_x64_reserve(&j.b, 4096 + instructions * 12);
        iw__jit_trampoline(&j);
        for (uint32_t i = 0; i < ndefined && ok && !j.oom && !j.b.oom; i++) {
            if (!planned[i]) continue;
            j.fn = &m->codes[i];
            /* a planned function that does not compile would leave calls
             * to it pointing nowhere: then nothing of the module is compiled */
            if (!iw__jit_function(&j)) ok = false;
            /* keep only the entries: (position, offset) pairs, position 0 first */
            uint32_t n = 0;
            for (uint32_t pos = 0; ok && pos < j.ncode; pos++) n += j.native[pos] != 0;
            natives[i] = ok ? malloc((size_t)n * 2 * sizeof **natives) : NULL;
            if (!natives[i]) ok = false;
            for (uint32_t pos = 0, k = 0; ok && pos < j.ncode; pos++) {
                if (!j.native[pos]) continue;
                natives[i][k++] = pos;
                natives[i][k++] = j.native[pos];
            }
            ncodes[i] = n;
        }
        for (uint32_t k = 0; ok && k < j.ncalls; k++) iw_x64_patch(&j.b, j.calls[k].at, natives[j.calls[k].target][1]);
        ok = ok && !j.oom && !j.b.oom;
    }
    jm = ok ? jm : (free(jm), NULL);
    if (jm) jm->funcs = calloc(ndefined, sizeof *jm->funcs);
    if (jm && jm->funcs && iw_jit_code_new(&jm->code, j.b.p, j.b.len)) {
        jm->nfuncs = ndefined;
        jm->code_bytes = j.b.len;
        for (uint32_t i = 0; i < ndefined; i++) {
            jm->funcs[i] = (struct iw_jit_func){ jm, natives[i], ncodes[i], NULL };
            if (!natives[i]) continue;
            jm->funcs[i].entry = jm->code.base + natives[i][1];
            m->codes[i].jit = &jm->funcs[i];
        }
        m->jit = jm;
    } else {
        for (uint32_t i = 0; natives && i < ndefined; i++) free(natives[i]);
        if (jm) free(jm->funcs);
        free(jm);
    }
    free(natives);
    free(ncodes);
    free(planned);
    free(numeric);
    free(info);
    free(opmap);
    free(j.native);
    free(j.fix);
    free(j.stubs);
    free(j.loops);
    free(j.calls);
    iw_x64_free(&j.b);
}

void iw_jit_module_free(struct iw_jit_module *jm)
{
    if (!jm) return;
    for (uint32_t i = 0; i < jm->nfuncs; i++) free((void *)jm->funcs[i].entries);
    free(jm->funcs);
    iw_jit_code_free(&jm->code);
    free(jm);
}

size_t iw_jit_module_code_bytes(const struct iw_jit_module *jm, size_t *tables)
{
    size_t t = 0;
    for (uint32_t i = 0; jm && i < jm->nfuncs; i++) t += (size_t)jm->funcs[i].nentries * 2 * sizeof *jm->funcs[i].entries;
    if (tables) *tables = t;
    return jm ? jm->code_bytes : 0;
}

uint32_t iw_module_compiled_count(const iw_module_t *m, uint32_t *defined)
{
    if (defined) *defined = m->nfuncs - m->nimported_funcs;
    uint32_t n = 0;
    for (uint32_t i = 0; m->jit && i < m->jit->nfuncs; i++) n += m->jit->funcs[i].entries != NULL;
    return n;
}

typedef void (*iw__jit_enter_fn)(uint64_t *fp, iw_jit_ctx_t *ctx, const uint8_t *target);

const iw_word_t *iw_jit_run(const iw_code_t *fn, const iw_word_t *ip, uint64_t *fp, iw_jit_ctx_t *ctx)
{
    const struct iw_jit_func *jf = fn->jit;
    uint64_t pos = (uint64_t)(ip - fn->code);
    uint32_t lo = 0, hi = jf->nentries;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (jf->entries[2 * mid] < pos) lo = mid + 1;
        else hi = mid;
    }
    if (ip < fn->code || lo == jf->nentries || jf->entries[2 * lo] != pos) return ip;
    const uint8_t *base = jf->module->code.base;
    iw__jit_enter_fn enter;
    memcpy(&enter, &base, sizeof enter);   /* the trampoline is at offset 0 */
    enter(fp, ctx, base + jf->entries[2 * lo + 1]);
    return ctx->exit_ip;
}
#else
#include "wasm/module.h"

void iw_set_engine(iw_engine_t e) { (void)e; }
void iw_jit_compile_module(iw_module_t *m) { (void)m; }
void iw_jit_module_free(struct iw_jit_module *jm) { (void)jm; }
size_t iw_jit_module_code_bytes(const struct iw_jit_module *jm, size_t *tables)
{
    (void)jm;
    if (tables) *tables = 0;
    return 0;
}
uint32_t iw_module_compiled_count(const iw_module_t *m, uint32_t *defined)
{
    if (defined) *defined = m->nfuncs - m->nimported_funcs;
    return 0;
}
#endif
