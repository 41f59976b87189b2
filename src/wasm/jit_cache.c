/* The compiler's register cache (see jit_cache.h). */
#include "wasm/jit_cache.h"

#include <string.h>

static const int iw__cache_reg[IW_JIT_CACHE_REGS] = { IW_X64_R8, IW_X64_R9, IW_X64_R10, IW_X64_R11, IW_X64_RDI };

void iw_jit_cache_clear(iw_jit_cache_t *c)
{
    uint32_t locals = c->locals;
    memset(c, 0, sizeof *c);
    c->locals = locals;
}

void iw_jit_cache_unpin(iw_jit_cache_t *c) { c->pinned = 0; }

static void iw__cache_touch(iw_jit_cache_t *c, int i)
{
    c->last_use[i] = ++c->tick;
    c->pinned |= (uint8_t)(1u << i);
}

static int iw__cache_entry(const iw_jit_cache_t *c, uint32_t slot)
{
    for (int e = 0; e < c->n; e++)
        if (c->slot[e] == slot) return e;
    return -1;
}

static void iw__cache_drop(iw_jit_cache_t *c, int e)
{
    c->n--;
    c->slot[e] = c->slot[c->n];
    c->reg[e] = c->reg[c->n];
}

int iw_jit_cache_find(iw_jit_cache_t *c, uint32_t slot)
{
    int e = iw__cache_entry(c, slot);
    if (e < 0) return -1;
    iw__cache_touch(c, c->reg[e]);
    return iw__cache_reg[c->reg[e]];
}

void iw_jit_cache_forget(iw_jit_cache_t *c, uint32_t slot)
{
    int e = iw__cache_entry(c, slot);
    if (e >= 0) iw__cache_drop(c, e);
}

void iw_jit_cache_keep_below(iw_jit_cache_t *c, uint32_t below)
{
    for (int e = c->n - 1; e >= 0; e--)
        if (c->slot[e] >= below) iw__cache_drop(c, e);
}

/* Adds slot -> register index i, making room by dropping the entry of
 * another register when all are in use (write-through: nothing is lost). */
static void iw__cache_add(iw_jit_cache_t *c, uint32_t slot, int i)
{
    if (c->n == IW_JIT_CACHE_ENTRIES) {
        /* another register's least recently used entry; when every entry
         * names register i (one value copied to many slots), one of those */
        int victim = 0;
        for (int e = 0; e < c->n; e++)
            if (c->reg[e] != i && (c->reg[victim] == i || c->last_use[c->reg[e]] < c->last_use[c->reg[victim]]))
                victim = e;
        iw__cache_drop(c, victim);
    }
    c->slot[c->n] = slot;
    c->reg[c->n] = (uint8_t)i;
    c->n++;
}

/* A register that is not pinned, emptied: a free one, else the least
 * recently used of those holding no local (operand stack values only,
 * which wasm code reads once, soon after they are made), else the least
 * recently used. */
static int iw__cache_take(iw_jit_cache_t *c)
{
    bool used[IW_JIT_CACHE_REGS] = { false }, local[IW_JIT_CACHE_REGS] = { false };
    for (int e = 0; e < c->n; e++) {
        used[c->reg[e]] = true;
        if (c->slot[e] < c->locals) local[c->reg[e]] = true;
    }
    int best = -1;
    for (int i = 0; i < IW_JIT_CACHE_REGS; i++) {
        if (c->pinned & (1u << i)) continue;
        if (!used[i]) {
            best = i;
            break;
        }
        if (best < 0 || (local[best] && !local[i]) || (local[i] == local[best] && c->last_use[i] < c->last_use[best]))
            best = i;
    }
    /* at most three registers are pinned by one instruction, so one is left */
    if (used[best])
        for (int e = c->n - 1; e >= 0; e--)
            if (c->reg[e] == best) iw__cache_drop(c, e);
    iw__cache_touch(c, best);
    return best;
}

int iw_jit_cache_read(iw_jit_cache_t *c, iw_x64_buf_t *b, uint32_t slot)
{
    int r = iw_jit_cache_find(c, slot);
    if (r >= 0) return r;
    int i = iw__cache_take(c);
    iw__cache_add(c, slot, i);
    iw_x64_load(b, true, iw__cache_reg[i], IW_X64_RBX, (int32_t)(slot * 8));
    return iw__cache_reg[i];
}

int iw_jit_cache_def(iw_jit_cache_t *c, uint32_t slot)
{
    iw_jit_cache_forget(c, slot);
    int i = iw__cache_take(c);
    iw__cache_add(c, slot, i);
    return iw__cache_reg[i];
}

void iw_jit_cache_alias(iw_jit_cache_t *c, uint32_t slot, int reg)
{
    iw_jit_cache_forget(c, slot);
    for (int i = 0; i < IW_JIT_CACHE_REGS; i++) {
        if (iw__cache_reg[i] != reg) continue;
        iw__cache_touch(c, i);
        iw__cache_add(c, slot, i);
    }
}

void iw_jit_cache_write(iw_x64_buf_t *b, uint32_t slot, int reg)
{
    iw_x64_store(b, true, IW_X64_RBX, (int32_t)(slot * 8), reg);
}

bool iw_jit_cache_holds(const iw_jit_cache_t *have, const iw_jit_cache_t *want)
{
    for (int e = 0; e < want->n; e++) {
        int h = iw__cache_entry(have, want->slot[e]);
        if (h < 0 || have->reg[h] != want->reg[e]) return false;
    }
    return true;
}

void iw_jit_cache_one_per_reg(iw_jit_cache_t *c)
{
    for (int e = c->n - 1; e >= 0; e--)
        for (int k = 0; k < e; k++)
            if (c->reg[k] == c->reg[e]) {
                iw__cache_drop(c, e);
                break;
            }
}

void iw_jit_cache_establish(iw_x64_buf_t *b, const iw_jit_cache_t *have, const iw_jit_cache_t *want)
{
    /* per target register: its slot and where that value is now (a
     * register index, -1 the frame only, -2 already in place or nothing
     * wanted); `want` has one entry per register */
    uint32_t slot[IW_JIT_CACHE_REGS] = { 0 };
    int src[IW_JIT_CACHE_REGS];
    for (int i = 0; i < IW_JIT_CACHE_REGS; i++) src[i] = -2;
    for (int e = 0; e < want->n; e++) {
        int i = want->reg[e], h = iw__cache_entry(have, want->slot[e]);
        slot[i] = want->slot[e];
        src[i] = h < 0 ? -1 : have->reg[h] == i ? -2 : have->reg[h];
    }
    /* register moves whose target no pending move still reads; when only
     * a cycle is left, its targets are loaded from the frame instead */
    for (;;) {
        bool pending = false, moved = false;
        for (int i = 0; i < IW_JIT_CACHE_REGS; i++) {
            if (src[i] < 0) continue;
            pending = true;
            bool read = false;
            for (int k = 0; k < IW_JIT_CACHE_REGS; k++)
                if (k != i && src[k] == i) read = true;
            if (read) continue;
            iw_x64_mov_rr(b, true, iw__cache_reg[i], iw__cache_reg[src[i]]);
            src[i] = -2;
            moved = true;
        }
        if (!pending) break;
        if (!moved)
            for (int i = 0; i < IW_JIT_CACHE_REGS; i++)
                if (src[i] >= 0) src[i] = -1;
    }
    for (int i = 0; i < IW_JIT_CACHE_REGS; i++)
        if (src[i] == -1) iw_x64_load(b, true, iw__cache_reg[i], IW_X64_RBX, (int32_t)(slot[i] * 8));
}
