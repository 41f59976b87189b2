/* The compiler's register cache (jit_compile.c, docs/engine.md
 * "Compiler"): which frame slots the registers r8-r11 and rdi hold copies
 * of.
 * It is write-through: every result is stored to its slot as well, so the
 * frame is exact at every instruction boundary and an exit, a trap, a
 * helper or the interpreter only ever reads slots; the cache saves the
 * loads of values computed or read a moment before (and the store-to-load
 * latency they cost), and across a loop's back-edge it keeps the locals the
 * loop was entered with in the same registers. A register may hold several
 * slots (a copy adds one); a slot is in at most one register. Registers
 * read or defined by the instruction being translated are pinned until
 * iw_jit_cache_unpin, so that its result never evicts one of its operands.
 * The cache owns no memory; the caller owns the buffer it emits into. */
#ifndef IFRIT_WASM_JIT_CACHE_H
#define IFRIT_WASM_JIT_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "wasm/jit_x64.h"

#define IW_JIT_CACHE_REGS 5
#define IW_JIT_CACHE_ENTRIES 12

typedef struct {
    uint32_t slot[IW_JIT_CACHE_ENTRIES];
    uint8_t reg[IW_JIT_CACHE_ENTRIES];      /* register index: r8-r11, rdi */
    uint8_t n;                              /* entries in use */
    uint8_t pinned;                         /* bit per register */
    uint32_t last_use[IW_JIT_CACHE_REGS];
    uint32_t tick;
    uint32_t locals;                        /* the function's locals are the slots below */
} iw_jit_cache_t;

/* Forgets every register (at labels, and after anything that may write
 * slots or clobber the cache registers: calls, helpers); keeps `locals`. */
void iw_jit_cache_clear(iw_jit_cache_t *c);
static inline bool iw_jit_cache_empty(const iw_jit_cache_t *c) { return c->n == 0; }
void iw_jit_cache_unpin(iw_jit_cache_t *c);
/* The register holding slot (pinned), or -1. */
int iw_jit_cache_find(iw_jit_cache_t *c, uint32_t slot);
/* A register holding slot's 64 bits (pinned): loaded from the frame (rbx)
 * on a miss. */
int iw_jit_cache_read(iw_jit_cache_t *c, iw_x64_buf_t *b, uint32_t slot);
/* A register for slot's new value (pinned); the caller computes the value
 * into it and stores it with iw_jit_cache_write. */
int iw_jit_cache_def(iw_jit_cache_t *c, uint32_t slot);
/* Stores reg's 64 bits to slot (write-through). */
void iw_jit_cache_write(iw_x64_buf_t *b, uint32_t slot, int reg);
/* slot now also lives in reg, a register of the cache (a copy). */
void iw_jit_cache_alias(iw_jit_cache_t *c, uint32_t slot, int reg);
/* slot was written behind the cache's back: no register holds it now. */
void iw_jit_cache_forget(iw_jit_cache_t *c, uint32_t slot);
/* Keeps only the entries of slots below `below` (a loop keeps its locals). */
void iw_jit_cache_keep_below(iw_jit_cache_t *c, uint32_t below);

/* Keeps one slot per register (a loop header's state: copies made before
 * the loop may part in it). */
void iw_jit_cache_one_per_reg(iw_jit_cache_t *c);

/* Makes the registers hold what `want` (one slot per register) says, coming from the state `have`
 * (on a branch to a loop header): register moves where `have` has the slot
 * in another register, loads from the frame otherwise (the frame is exact,
 * so a load is always right; a cycle of moves is made of loads). */
void iw_jit_cache_establish(iw_x64_buf_t *b, const iw_jit_cache_t *have, const iw_jit_cache_t *want);
/* Whether establish would emit nothing. */
bool iw_jit_cache_holds(const iw_jit_cache_t *have, const iw_jit_cache_t *want);

#endif
