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
typedef enum { IW_X64_ADD = 0, IW_X64_OR = 1, IW_X64_AND = 4, IW_X64_SUB = 5, IW_X64_XOR = 6, IW_X64_CMP = 7 } iw_x64_alu_t;
/* The group-2 shifts, numbered as the ModRM reg field of 0xD3. */
typedef enum { IW_X64_ROL = 0, IW_X64_ROR = 1, IW_X64_SHL = 4, IW_X64_SHR = 5, IW_X64_SAR = 7 } iw_x64_shift_t;
/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc); cc ^ 1 negates. */
typedef enum {
    IW_X64_CC_B = 2, IW_X64_CC_AE = 3, IW_X64_CC_E = 4, IW_X64_CC_NE = 5, IW_X64_CC_BE = 6, IW_X64_CC_A = 7,
    IW_X64_CC_S = 8, IW_X64_CC_L = 0xC, IW_X64_CC_GE = 0xD, IW_X64_CC_LE = 0xE, IW_X64_CC_G = 0xF,
} iw_x64_cc_t;

typedef struct {
    uint8_t *p;
    size_t len, cap;
    bool oom;           /* an append failed: the buffer is unusable */
} iw_x64_buf_t;

void iw_x64_free(iw_x64_buf_t *b);
/* Makes room for n bytes in all at once (a guess of the final size saves
 * the copies of growing by doubling); false if that fails, which leaves the
 * buffer usable. */
bool iw_x64_reserve(iw_x64_buf_t *b, size_t n);
/* Appends one byte: in place while there is room (the common case, kept
 * inline: compiling is mostly appending bytes), else through
 * iw_x64_byte_grow. */
void iw_x64_byte_grow(iw_x64_buf_t *b, uint8_t v);
static inline void iw_x64_byte(iw_x64_buf_t *b, uint8_t v)
{
    if (b->len < b->cap) b->p[b->len++] = v;
    else iw_x64_byte_grow(b, v);
}

/* A general instruction: optional 0x66 prefix, REX as needed, 1-3 opcode
 * bytes, ModRM for register `reg` and the memory operand. */
void iw_x64_op_mem(iw_x64_buf_t *b, bool p66, bool w, const uint8_t *opc, int nopc, int reg, int base, int index,
                    int32_t disp);
/* The same with the index scaled by 1 << scale (0-3). */
void iw_x64_op_mem_scaled(iw_x64_buf_t *b, bool p66, bool w, const uint8_t *opc, int nopc, int reg, int base,
                          int index, int scale, int32_t disp);
/* The same with a register operand rm (ModRM mod = 3). */
void iw_x64_op_rr(iw_x64_buf_t *b, bool w, const uint8_t *opc, int nopc, int reg, int rm);

/* An SSE instruction: its mandatory prefix (0x66, 0xF3, 0xF2; 0 for none)
 * before any REX, then the opcode bytes (0x0F first), ModRM for xmm
 * register `reg` and the memory operand, or for the register rm. */
void iw_x64_sse_mem(iw_x64_buf_t *b, uint8_t prefix, const uint8_t *opc, int nopc, int reg, int base, int index,
                    int32_t disp);
void iw_x64_sse_rr(iw_x64_buf_t *b, uint8_t prefix, const uint8_t *opc, int nopc, int reg, int rm);

void iw_x64_load(iw_x64_buf_t *b, bool w, int reg, int base, int32_t disp);    /* mov reg, [base+disp] */
void iw_x64_store(iw_x64_buf_t *b, bool w, int base, int32_t disp, int reg);   /* mov [base+disp], reg */
void iw_x64_mov_rr(iw_x64_buf_t *b, bool w, int dst, int src);
void iw_x64_lea(iw_x64_buf_t *b, int dst, int base, int index, int32_t disp);  /* 64-bit */
/* lea dst, [rip + rel32] with a zero displacement: returns where the rel32
 * is, for iw_x64_patch (which makes it point to a buffer position). */
size_t iw_x64_lea_rip(iw_x64_buf_t *b, int dst);
/* mov (d/q)word [base+index+disp], imm32 (sign-extended in the 64-bit form) */
void iw_x64_store_imm(iw_x64_buf_t *b, bool w, int base, int index, int32_t disp, int32_t imm);
void iw_x64_jmp_mem(iw_x64_buf_t *b, int base, int32_t disp);                 /* jmp [base+disp] */
/* dst = imm: mov r32, imm32 when it zero-extends, else movabs. */
void iw_x64_mov_imm(iw_x64_buf_t *b, int dst, uint64_t imm);
void iw_x64_alu_rr(iw_x64_buf_t *b, iw_x64_alu_t op, bool w, int dst, int src);
void iw_x64_alu_rm(iw_x64_buf_t *b, iw_x64_alu_t op, bool w, int dst, int base, int32_t disp);
void iw_x64_alu_ri(iw_x64_buf_t *b, iw_x64_alu_t op, bool w, int dst, int32_t imm);
void iw_x64_alu_mi(iw_x64_buf_t *b, iw_x64_alu_t op, bool w, int base, int32_t disp, int32_t imm);
void iw_x64_imul_rr(iw_x64_buf_t *b, bool w, int dst, int src);
void iw_x64_shift_cl(iw_x64_buf_t *b, iw_x64_shift_t op, bool w, int dst);
void iw_x64_shift_ri(iw_x64_buf_t *b, iw_x64_shift_t op, bool w, int dst, uint8_t n);
void iw_x64_test_rr(iw_x64_buf_t *b, bool w, int a, int c);
/* op_rr where rm is read or written as a byte register: spl, bpl, sil and
 * dil need a REX prefix, which this adds. */
void iw_x64_op_rr_byte(iw_x64_buf_t *b, bool w, const uint8_t *opc, int nopc, int reg, int rm);
void iw_x64_setcc(iw_x64_buf_t *b, iw_x64_cc_t cc, int reg);      /* the low byte of any register */
void iw_x64_movzx8_rr(iw_x64_buf_t *b, int dst, int src);         /* dst32 = zero-extended src8 */
void iw_x64_cmov(iw_x64_buf_t *b, iw_x64_cc_t cc, bool w, int dst, int src);
void iw_x64_div(iw_x64_buf_t *b, bool w, bool is_signed, int src); /* (e/r)dx:(e/r)ax / src */
void iw_x64_sign_extend_ax(iw_x64_buf_t *b, bool w);              /* cdq / cqo */
void iw_x64_push(iw_x64_buf_t *b, int reg);
void iw_x64_pop(iw_x64_buf_t *b, int reg);
void iw_x64_ret(iw_x64_buf_t *b);
void iw_x64_jmp_reg(iw_x64_buf_t *b, int reg);
void iw_x64_call_reg(iw_x64_buf_t *b, int reg);
/* jmp / jcc rel32 with a zero displacement: return where the rel32 is, for
 * iw_x64_patch. */
size_t iw_x64_jmp(iw_x64_buf_t *b);
size_t iw_x64_jcc(iw_x64_buf_t *b, iw_x64_cc_t cc);
/* Points the rel32 at `at` to the buffer position `target`. */
void iw_x64_patch(iw_x64_buf_t *b, size_t at, size_t target);

#endif
