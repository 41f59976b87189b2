/* An x86-64 instruction encoder for the compiler (jit_compile.c): the forms
 * it needs, appended to a growable byte buffer, and rel32 jumps patched
 * once their target is known. Memory operands are [base + index + disp]
 * with index -1 for none; `w` selects the 64-bit form (REX.W). */
#ifndef IFRIT_WASM_JIT_X64_H
#define IFRIT_WASM_JIT_X64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    IW_X64_RAX, IW_X64_RCX, IW_X64_RDX, IW_X64_RBX, IW_X64_RSP, IW_X64_RBP, IW_X64_RSI, IW_X64_RDI,
    IW_X64_R8, IW_X64_R9, IW_X64_R10, IW_X64_R11, IW_X64_R12, IW_X64_R13, IW_X64_R14, IW_X64_R15,
};

/* The group-1 ALU operations, numbered as the ModRM reg field of 0x81. */
typedef enum { IW_X64_ADD = 0, IW_X64_OR = 1, IW_X64_AND = 4, IW_X64_SUB = 5, IW_X64_XOR = 6, IW_X64_CMP = 7 } iw__x64_alu_t;
/* The group-2 shifts, numbered as the ModRM reg field of 0xD3. */
typedef enum { IW_X64_ROL = 0, IW_X64_ROR = 1, IW_X64_SHL = 4, IW_X64_SHR = 5, IW_X64_SAR = 7 } iw__x64_shift_t;
/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc); cc ^ 1 negates. */
typedef enum {
    IW_X64_CC_B = 2, IW_X64_CC_AE = 3, IW_X64_CC_E = 4, IW_X64_CC_NE = 5, IW_X64_CC_BE = 6, IW_X64_CC_A = 7,
    IW_X64_CC_S = 8, IW_X64_CC_L = 0xC, IW_X64_CC_GE = 0xD, IW_X64_CC_LE = 0xE, IW_X64_CC_G = 0xF,
} iw__x64_cc_t;

typedef struct {
    uint8_t *p;
    size_t len, cap;
    bool oom;           /* an append failed: the buffer is unusable */
} iw__x64_buf_t;

void iw__x64_free(iw__x64_buf_t *b);
void iw__x64_byte(iw__x64_buf_t *b, uint8_t v);

/* A general instruction: optional 0x66 prefix, REX as needed, 1-3 opcode
 * bytes, ModRM for register `reg` and the memory operand. */
void iw__x64_op_mem(iw__x64_buf_t *b, bool p66, bool w, const uint8_t *opc, int nopc, int reg, int base, int index,
                    int32_t disp);
/* The same with a register operand rm (ModRM mod = 3). */
void iw__x64_op_rr(iw__x64_buf_t *b, bool w, const uint8_t *opc, int nopc, int reg, int rm);

void iw__x64_load(iw__x64_buf_t *b, bool w, int reg, int base, int32_t disp);    /* mov reg, [base+disp] */
void iw__x64_store(iw__x64_buf_t *b, bool w, int base, int32_t disp, int reg);   /* mov [base+disp], reg */
void iw__x64_mov_rr(iw__x64_buf_t *b, bool w, int dst, int src);
/* dst = imm: mov r32, imm32 when it zero-extends, else movabs. */
void iw__x64_mov_imm(iw__x64_buf_t *b, int dst, uint64_t imm);
void iw__x64_alu_rr(iw__x64_buf_t *b, iw__x64_alu_t op, bool w, int dst, int src);
void iw__x64_alu_rm(iw__x64_buf_t *b, iw__x64_alu_t op, bool w, int dst, int base, int32_t disp);
void iw__x64_alu_ri(iw__x64_buf_t *b, iw__x64_alu_t op, bool w, int dst, int32_t imm);
void iw__x64_alu_mi(iw__x64_buf_t *b, iw__x64_alu_t op, bool w, int base, int32_t disp, int32_t imm);
void iw__x64_imul_rr(iw__x64_buf_t *b, bool w, int dst, int src);
void iw__x64_shift_cl(iw__x64_buf_t *b, iw__x64_shift_t op, bool w, int dst);
void iw__x64_shift_ri(iw__x64_buf_t *b, iw__x64_shift_t op, bool w, int dst, uint8_t n);
void iw__x64_test_rr(iw__x64_buf_t *b, bool w, int a, int c);
void iw__x64_setcc(iw__x64_buf_t *b, iw__x64_cc_t cc, int reg);      /* reg: al, cl, dl or bl */
void iw__x64_movzx8_rr(iw__x64_buf_t *b, int dst, int src);         /* dst32 = zero-extended src8 */
void iw__x64_cmov(iw__x64_buf_t *b, iw__x64_cc_t cc, bool w, int dst, int src);
void iw__x64_div(iw__x64_buf_t *b, bool w, bool is_signed, int src); /* (e/r)dx:(e/r)ax / src */
void iw__x64_sign_extend_ax(iw__x64_buf_t *b, bool w);              /* cdq / cqo */
void iw__x64_push(iw__x64_buf_t *b, int reg);
void iw__x64_pop(iw__x64_buf_t *b, int reg);
void iw__x64_ret(iw__x64_buf_t *b);
void iw__x64_jmp_reg(iw__x64_buf_t *b, int reg);
/* jmp / jcc rel32 with a zero displacement: return where the rel32 is, for
 * iw__x64_patch. */
size_t iw__x64_jmp(iw__x64_buf_t *b);
size_t iw__x64_jcc(iw__x64_buf_t *b, iw__x64_cc_t cc);
/* Points the rel32 at `at` to the buffer position `target`. */
void iw__x64_patch(iw__x64_buf_t *b, size_t at, size_t target);

#endif
