/* The x86-64 encoder (see jit_x64.h). Encodings follow the Intel SDM,
 * volume 2: REX = 0100WRXB, ModRM = mod|reg|rm, SIB = scale|index|base;
 * rm 100 means a SIB byte follows (so rsp and r12 as a base need one) and
 * mod 00 with base 101 means no base (so rbp and r13 need a displacement). */
#include <stdlib.h>
#include <string.h>

#include "wasm/jit_x64.h"

void iw_x64_free(iw_x64_buf_t *b)
{
    free(b->p);
    *b = (iw_x64_buf_t){ 0 };
}

void iw_x64_byte_grow(iw_x64_buf_t *b, uint8_t v)
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

static void iw__x64_u32(iw_x64_buf_t *b, uint32_t v)
{
    if (b->cap - b->len >= 4) {     /* in place while there is room (little-endian host) */
        memcpy(b->p + b->len, &v, 4);
        b->len += 4;
        return;
    }
    for (int i = 0; i < 4; i++) iw_x64_byte(b, (uint8_t)(v >> (8 * i)));
}

bool iw_x64_reserve(iw_x64_buf_t *b, size_t n)
{
    if (b->oom || b->cap >= n) return !b->oom;
    uint8_t *p = realloc(b->p, n);
    if (!p) return false;
    b->p = p;
    b->cap = n;
    return true;
}

static void iw__x64_rex(iw_x64_buf_t *b, bool w, int reg, int index, int base)
{
    uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) | ((base & 8) ? 1 : 0));
    if (rex != 0x40) iw_x64_byte(b, rex);
}

void iw_x64_op_mem(iw_x64_buf_t *b, bool p66, bool w, const uint8_t *opc, int nopc, int reg, int base, int index,
                    int32_t disp)
{
    iw_x64_op_mem_scaled(b, p66, w, opc, nopc, reg, base, index, 0, disp);
}

void iw_x64_op_mem_scaled(iw_x64_buf_t *b, bool p66, bool w, const uint8_t *opc, int nopc, int reg, int base,
                          int index, int scale, int32_t disp)
{
    if (p66) iw_x64_byte(b, 0x66);
    iw__x64_rex(b, w, reg, index < 0 ? 0 : index, base);
    for (int i = 0; i < nopc; i++) iw_x64_byte(b, opc[i]);
    /* mod: no displacement, disp8 or disp32; base 101 (rbp, r13) always has one */
    int mod = disp == 0 && (base & 7) != 5 ? 0 : disp >= -128 && disp <= 127 ? 1 : 2;
    bool sib = index >= 0 || (base & 7) == 4;
    iw_x64_byte(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | (sib ? 4 : (base & 7))));
    if (sib) iw_x64_byte(b, (uint8_t)(scale << 6 | (index >= 0 ? (index & 7) : 4) << 3 | (base & 7)));
    if (mod == 1) iw_x64_byte(b, (uint8_t)(int8_t)disp);
    if (mod == 2) iw__x64_u32(b, (uint32_t)disp);
}

void iw_x64_op_rr(iw_x64_buf_t *b, bool w, const uint8_t *opc, int nopc, int reg, int rm)
{
    iw__x64_rex(b, w, reg, 0, rm);
    for (int i = 0; i < nopc; i++) iw_x64_byte(b, opc[i]);
    iw_x64_byte(b, (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7)));
}

void iw_x64_sse_mem(iw_x64_buf_t *b, uint8_t prefix, const uint8_t *opc, int nopc, int reg, int base, int index,
                    int32_t disp)
{
    if (prefix) iw_x64_byte(b, prefix);
    iw_x64_op_mem_scaled(b, false, false, opc, nopc, reg, base, index, 0, disp);
}

void iw_x64_sse_rr(iw_x64_buf_t *b, uint8_t prefix, const uint8_t *opc, int nopc, int reg, int rm)
{
    if (prefix) iw_x64_byte(b, prefix);
    iw_x64_op_rr(b, false, opc, nopc, reg, rm);
}

void iw_x64_load(iw_x64_buf_t *b, bool w, int reg, int base, int32_t disp)
{
    iw_x64_op_mem(b, false, w, (const uint8_t[]){ 0x8B }, 1, reg, base, -1, disp);
}

void iw_x64_store(iw_x64_buf_t *b, bool w, int base, int32_t disp, int reg)
{
    iw_x64_op_mem(b, false, w, (const uint8_t[]){ 0x89 }, 1, reg, base, -1, disp);
}

void iw_x64_mov_rr(iw_x64_buf_t *b, bool w, int dst, int src)
{
    iw_x64_op_rr(b, w, (const uint8_t[]){ 0x89 }, 1, src, dst);
}

void iw_x64_lea(iw_x64_buf_t *b, int dst, int base, int index, int32_t disp)
{
    iw_x64_op_mem(b, false, true, (const uint8_t[]){ 0x8D }, 1, dst, base, index, disp);
}

size_t iw_x64_lea_rip(iw_x64_buf_t *b, int dst)
{
    iw__x64_rex(b, true, dst, 0, 0);
    iw_x64_byte(b, 0x8D);
    iw_x64_byte(b, (uint8_t)((dst & 7) << 3 | 5));     /* mod 00, rm 101: [rip + rel32] */
    size_t at = b->len;
    iw__x64_u32(b, 0);
    return at;
}

void iw_x64_store_imm(iw_x64_buf_t *b, bool w, int base, int index, int32_t disp, int32_t imm)
{
    iw_x64_op_mem(b, false, w, (const uint8_t[]){ 0xC7 }, 1, 0, base, index, disp);
    iw__x64_u32(b, (uint32_t)imm);
}

void iw_x64_jmp_mem(iw_x64_buf_t *b, int base, int32_t disp)
{
    iw_x64_op_mem(b, false, false, (const uint8_t[]){ 0xFF }, 1, 4, base, -1, disp);
}

void iw_x64_mov_imm(iw_x64_buf_t *b, int dst, uint64_t imm)
{
    iw__x64_rex(b, imm > UINT32_MAX, 0, 0, dst);
    iw_x64_byte(b, (uint8_t)(0xB8 | (dst & 7)));
    iw__x64_u32(b, (uint32_t)imm);
    if (imm > UINT32_MAX) iw__x64_u32(b, (uint32_t)(imm >> 32));
}

void iw_x64_alu_rr(iw_x64_buf_t *b, iw_x64_alu_t op, bool w, int dst, int src)
{
    iw_x64_op_rr(b, w, (const uint8_t[]){ (uint8_t)(op << 3 | 1) }, 1, src, dst);
}

void iw_x64_alu_rm(iw_x64_buf_t *b, iw_x64_alu_t op, bool w, int dst, int base, int32_t disp)
{
    iw_x64_op_mem(b, false, w, (const uint8_t[]){ (uint8_t)(op << 3 | 3) }, 1, dst, base, -1, disp);
}

void iw_x64_alu_ri(iw_x64_buf_t *b, iw_x64_alu_t op, bool w, int dst, int32_t imm)
{
    bool small = imm >= -128 && imm <= 127;
    iw_x64_op_rr(b, w, (const uint8_t[]){ small ? 0x83 : 0x81 }, 1, (int)op, dst);
    if (small) iw_x64_byte(b, (uint8_t)(int8_t)imm);
    else iw__x64_u32(b, (uint32_t)imm);
}

void iw_x64_alu_mi(iw_x64_buf_t *b, iw_x64_alu_t op, bool w, int base, int32_t disp, int32_t imm)
{
    bool small = imm >= -128 && imm <= 127;
    iw_x64_op_mem(b, false, w, (const uint8_t[]){ small ? 0x83 : 0x81 }, 1, (int)op, base, -1, disp);
    if (small) iw_x64_byte(b, (uint8_t)(int8_t)imm);
    else iw__x64_u32(b, (uint32_t)imm);
}

void iw_x64_imul_rr(iw_x64_buf_t *b, bool w, int dst, int src)
{
    iw_x64_op_rr(b, w, (const uint8_t[]){ 0x0F, 0xAF }, 2, dst, src);
}

void iw_x64_shift_cl(iw_x64_buf_t *b, iw_x64_shift_t op, bool w, int dst)
{
    iw_x64_op_rr(b, w, (const uint8_t[]){ 0xD3 }, 1, (int)op, dst);
}

void iw_x64_shift_ri(iw_x64_buf_t *b, iw_x64_shift_t op, bool w, int dst, uint8_t n)
{
    iw_x64_op_rr(b, w, (const uint8_t[]){ 0xC1 }, 1, (int)op, dst);
    iw_x64_byte(b, n);
}

void iw_x64_test_rr(iw_x64_buf_t *b, bool w, int a, int c)
{
    iw_x64_op_rr(b, w, (const uint8_t[]){ 0x85 }, 1, c, a);
}

void iw_x64_op_rr_byte(iw_x64_buf_t *b, bool w, const uint8_t *opc, int nopc, int reg, int rm)
{
    /* without a REX prefix, byte registers 4-7 are ah, ch, dh, bh */
    if (!w && (rm & ~3) == 4 && reg < 8) iw_x64_byte(b, 0x40);
    iw_x64_op_rr(b, w, opc, nopc, reg, rm);
}

void iw_x64_setcc(iw_x64_buf_t *b, iw_x64_cc_t cc, int reg)
{
    iw_x64_op_rr_byte(b, false, (const uint8_t[]){ 0x0F, (uint8_t)(0x90 | cc) }, 2, 0, reg);
}

void iw_x64_movzx8_rr(iw_x64_buf_t *b, int dst, int src)
{
    iw_x64_op_rr(b, false, (const uint8_t[]){ 0x0F, 0xB6 }, 2, dst, src);
}

void iw_x64_cmov(iw_x64_buf_t *b, iw_x64_cc_t cc, bool w, int dst, int src)
{
    iw_x64_op_rr(b, w, (const uint8_t[]){ 0x0F, (uint8_t)(0x40 | cc) }, 2, dst, src);
}

void iw_x64_div(iw_x64_buf_t *b, bool w, bool is_signed, int src)
{
    iw_x64_op_rr(b, w, (const uint8_t[]){ 0xF7 }, 1, is_signed ? 7 : 6, src);
}

void iw_x64_sign_extend_ax(iw_x64_buf_t *b, bool w)
{
    if (w) iw_x64_byte(b, 0x48);
    iw_x64_byte(b, 0x99);
}

void iw_x64_push(iw_x64_buf_t *b, int reg)
{
    iw__x64_rex(b, false, 0, 0, reg);
    iw_x64_byte(b, (uint8_t)(0x50 | (reg & 7)));
}

void iw_x64_pop(iw_x64_buf_t *b, int reg)
{
    iw__x64_rex(b, false, 0, 0, reg);
    iw_x64_byte(b, (uint8_t)(0x58 | (reg & 7)));
}

void iw_x64_ret(iw_x64_buf_t *b) { iw_x64_byte(b, 0xC3); }

void iw_x64_call_reg(iw_x64_buf_t *b, int reg)
{
    iw_x64_op_rr(b, false, (const uint8_t[]){ 0xFF }, 1, 2, reg);
}

void iw_x64_jmp_reg(iw_x64_buf_t *b, int reg)
{
    iw_x64_op_rr(b, false, (const uint8_t[]){ 0xFF }, 1, 4, reg);
}

size_t iw_x64_jmp(iw_x64_buf_t *b)
{
    iw_x64_byte(b, 0xE9);
    size_t at = b->len;
    iw__x64_u32(b, 0);
    return at;
}

size_t iw_x64_jcc(iw_x64_buf_t *b, iw_x64_cc_t cc)
{
    iw_x64_byte(b, 0x0F);
    iw_x64_byte(b, (uint8_t)(0x80 | cc));
    size_t at = b->len;
    iw__x64_u32(b, 0);
    return at;
}

void iw_x64_patch(iw_x64_buf_t *b, size_t at, size_t target)
{
    if (b->oom || at + 4 > b->len) return;
    uint32_t rel = (uint32_t)((int64_t)target - (int64_t)(at + 4));
    memcpy(b->p + at, &rel, 4);
}
