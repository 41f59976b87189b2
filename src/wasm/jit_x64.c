/* The x86-64 encoder (see jit_x64.h). Encodings follow the Intel SDM,
 * volume 2: REX = 0100WRXB, ModRM = mod|reg|rm, SIB = scale|index|base;
 * rm 100 means a SIB byte follows (so rsp and r12 as a base need one) and
 * mod 00 with base 101 means no base (so rbp and r13 need a displacement). */
#include <stdlib.h>
#include <string.h>

#include "wasm/jit_x64.h"

void iw__x64_free(iw__x64_buf_t *b)
{
    free(b->p);
    *b = (iw__x64_buf_t){ 0 };
}

void iw__x64_byte(iw__x64_buf_t *b, uint8_t v)
{
    if (b->oom) return;
    if (b->len == b->cap) {
        size_t n = b->cap ? b->cap * 2 : 4096;
        uint8_t *p = realloc(b->p, n);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = n;
    }
    b->p[b->len++] = v;
}

static void iw__x64_u32(iw__x64_buf_t *b, uint32_t v)
{
    for (int i = 0; i < 4; i++) iw__x64_byte(b, (uint8_t)(v >> (8 * i)));
}

static void iw__x64_rex(iw__x64_buf_t *b, bool w, int reg, int index, int base)
{
    uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) | ((base & 8) ? 1 : 0));
    if (rex != 0x40) iw__x64_byte(b, rex);
}

void iw__x64_op_mem(iw__x64_buf_t *b, bool p66, bool w, const uint8_t *opc, int nopc, int reg, int base, int index,
                    int32_t disp)
{
    if (p66) iw__x64_byte(b, 0x66);
    iw__x64_rex(b, w, reg, index < 0 ? 0 : index, base);
    for (int i = 0; i < nopc; i++) iw__x64_byte(b, opc[i]);
    /* mod: no displacement, disp8 or disp32; base 101 (rbp, r13) always has one */
    int mod = disp == 0 && (base & 7) != 5 ? 0 : disp >= -128 && disp <= 127 ? 1 : 2;
    bool sib = index >= 0 || (base & 7) == 4;
    iw__x64_byte(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | (sib ? 4 : (base & 7))));
    if (sib) iw__x64_byte(b, (uint8_t)((index >= 0 ? (index & 7) : 4) << 3 | (base & 7)));
    if (mod == 1) iw__x64_byte(b, (uint8_t)(int8_t)disp);
    if (mod == 2) iw__x64_u32(b, (uint32_t)disp);
}

void iw__x64_op_rr(iw__x64_buf_t *b, bool w, const uint8_t *opc, int nopc, int reg, int rm)
{
    iw__x64_rex(b, w, reg, 0, rm);
    for (int i = 0; i < nopc; i++) iw__x64_byte(b, opc[i]);
    iw__x64_byte(b, (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7)));
}

void iw__x64_load(iw__x64_buf_t *b, bool w, int reg, int base, int32_t disp)
{
    iw__x64_op_mem(b, false, w, (const uint8_t[]){ 0x8B }, 1, reg, base, -1, disp);
}

void iw__x64_store(iw__x64_buf_t *b, bool w, int base, int32_t disp, int reg)
{
    iw__x64_op_mem(b, false, w, (const uint8_t[]){ 0x89 }, 1, reg, base, -1, disp);
}

void iw__x64_mov_rr(iw__x64_buf_t *b, bool w, int dst, int src)
{
    iw__x64_op_rr(b, w, (const uint8_t[]){ 0x89 }, 1, src, dst);
}

void iw__x64_mov_imm(iw__x64_buf_t *b, int dst, uint64_t imm)
{
    iw__x64_rex(b, imm > UINT32_MAX, 0, 0, dst);
    iw__x64_byte(b, (uint8_t)(0xB8 | (dst & 7)));
    iw__x64_u32(b, (uint32_t)imm);
    if (imm > UINT32_MAX) iw__x64_u32(b, (uint32_t)(imm >> 32));
}

void iw__x64_alu_rr(iw__x64_buf_t *b, iw__x64_alu_t op, bool w, int dst, int src)
{
    iw__x64_op_rr(b, w, (const uint8_t[]){ (uint8_t)(op << 3 | 1) }, 1, src, dst);
}

void iw__x64_alu_rm(iw__x64_buf_t *b, iw__x64_alu_t op, bool w, int dst, int base, int32_t disp)
{
    iw__x64_op_mem(b, false, w, (const uint8_t[]){ (uint8_t)(op << 3 | 3) }, 1, dst, base, -1, disp);
}

void iw__x64_alu_ri(iw__x64_buf_t *b, iw__x64_alu_t op, bool w, int dst, int32_t imm)
{
    bool small = imm >= -128 && imm <= 127;
    iw__x64_op_rr(b, w, (const uint8_t[]){ small ? 0x83 : 0x81 }, 1, (int)op, dst);
    if (small) iw__x64_byte(b, (uint8_t)(int8_t)imm);
    else iw__x64_u32(b, (uint32_t)imm);
}

void iw__x64_alu_mi(iw__x64_buf_t *b, iw__x64_alu_t op, bool w, int base, int32_t disp, int32_t imm)
{
    bool small = imm >= -128 && imm <= 127;
    iw__x64_op_mem(b, false, w, (const uint8_t[]){ small ? 0x83 : 0x81 }, 1, (int)op, base, -1, disp);
    if (small) iw__x64_byte(b, (uint8_t)(int8_t)imm);
    else iw__x64_u32(b, (uint32_t)imm);
}

void iw__x64_imul_rr(iw__x64_buf_t *b, bool w, int dst, int src)
{
    iw__x64_op_rr(b, w, (const uint8_t[]){ 0x0F, 0xAF }, 2, dst, src);
}

void iw__x64_shift_cl(iw__x64_buf_t *b, iw__x64_shift_t op, bool w, int dst)
{
    iw__x64_op_rr(b, w, (const uint8_t[]){ 0xD3 }, 1, (int)op, dst);
}

void iw__x64_shift_ri(iw__x64_buf_t *b, iw__x64_shift_t op, bool w, int dst, uint8_t n)
{
    iw__x64_op_rr(b, w, (const uint8_t[]){ 0xC1 }, 1, (int)op, dst);
    iw__x64_byte(b, n);
}

void iw__x64_test_rr(iw__x64_buf_t *b, bool w, int a, int c)
{
    iw__x64_op_rr(b, w, (const uint8_t[]){ 0x85 }, 1, c, a);
}

void iw__x64_setcc(iw__x64_buf_t *b, iw__x64_cc_t cc, int reg)
{
    iw__x64_op_rr(b, false, (const uint8_t[]){ 0x0F, (uint8_t)(0x90 | cc) }, 2, 0, reg);
}

void iw__x64_movzx8_rr(iw__x64_buf_t *b, int dst, int src)
{
    iw__x64_op_rr(b, false, (const uint8_t[]){ 0x0F, 0xB6 }, 2, dst, src);
}

void iw__x64_cmov(iw__x64_buf_t *b, iw__x64_cc_t cc, bool w, int dst, int src)
{
    iw__x64_op_rr(b, w, (const uint8_t[]){ 0x0F, (uint8_t)(0x40 | cc) }, 2, dst, src);
}

void iw__x64_div(iw__x64_buf_t *b, bool w, bool is_signed, int src)
{
    iw__x64_op_rr(b, w, (const uint8_t[]){ 0xF7 }, 1, is_signed ? 7 : 6, src);
}

void iw__x64_sign_extend_ax(iw__x64_buf_t *b, bool w)
{
    if (w) iw__x64_byte(b, 0x48);
    iw__x64_byte(b, 0x99);
}

void iw__x64_push(iw__x64_buf_t *b, int reg)
{
    iw__x64_rex(b, false, 0, 0, reg);
    iw__x64_byte(b, (uint8_t)(0x50 | (reg & 7)));
}

void iw__x64_pop(iw__x64_buf_t *b, int reg)
{
    iw__x64_rex(b, false, 0, 0, reg);
    iw__x64_byte(b, (uint8_t)(0x58 | (reg & 7)));
}

void iw__x64_ret(iw__x64_buf_t *b) { iw__x64_byte(b, 0xC3); }

void iw__x64_jmp_reg(iw__x64_buf_t *b, int reg)
{
    iw__x64_op_rr(b, false, (const uint8_t[]){ 0xFF }, 1, 4, reg);
}

size_t iw__x64_jmp(iw__x64_buf_t *b)
{
    iw__x64_byte(b, 0xE9);
    size_t at = b->len;
    iw__x64_u32(b, 0);
    return at;
}

size_t iw__x64_jcc(iw__x64_buf_t *b, iw__x64_cc_t cc)
{
    iw__x64_byte(b, 0x0F);
    iw__x64_byte(b, (uint8_t)(0x80 | cc));
    size_t at = b->len;
    iw__x64_u32(b, 0);
    return at;
}

void iw__x64_patch(iw__x64_buf_t *b, size_t at, size_t target)
{
    if (b->oom || at + 4 > b->len) return;
    uint32_t rel = (uint32_t)((int64_t)target - (int64_t)(at + 4));
    memcpy(b->p + at, &rel, 4);
}
