/* The interpreter: one function, computed-goto dispatch over the internal
 * code built by compile.c. Every instruction is an op word (the address of
 * its handler) followed by operand words; slots are addressed relative to
 * the frame pointer fp. Calls between wasm functions push an explicit frame
 * (no C recursion), which is also what lets a call pause and resume.
 *
 * The heavy macros of the engine live here and only here: they generate the
 * numeric handlers from the tables in ops.h. */
#include <stdio.h>
#include <string.h>

#include "wasm/config.h"
#include "wasm/jit.h"
#include "wasm/numeric.h"
#include "wasm/ops.h"
#include "wasm/runtime.h"
#include "wasm/simd.h"
#include "wasm/simd_ops.h"
#include "wasm/simd_sse.h"

#define IW__CT_I32 uint32_t
#define IW__CT_I64 uint64_t
#define IW__CT_F32 float
#define IW__CT_F64 double
#define IW__GET_I32(x) ((uint32_t)(x))
#define IW__GET_I64(x) ((uint64_t)(x))
#define IW__GET_F32(x) iw_f32_from((uint32_t)(x))
#define IW__GET_F64(x) iw_f64_from((uint64_t)(x))
#define IW__PUT_I32(v) ((uint64_t)(uint32_t)(v))
#define IW__PUT_I64(v) ((uint64_t)(v))
#define IW__PUT_F32(v) ((uint64_t)iw_f32_bits(v))
#define IW__PUT_F64(v) iw_f64_bits(v)

/* Moves n values down the frame (dst <= src, so ascending order is safe). */
static inline void iw__move(uint64_t *fp, uint32_t dst, uint32_t src, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) fp[dst + i] = fp[src + i];
}

static iw_status_t iw__exec(iw_instance_t *root, const void *const **ops_out, const iw_word_t **halt_out)
{
    static const void *const ops[IW_OP_COUNT] = {
#define IW__X(N) [IW_OP_##N] = &&L_##N,
        IW_CONTROL_OPS(IW__X)
#undef IW__X
#define IW__L_UN(N) [IW_OP_##N##_S] = &&L_##N##_S,
#define IW__L_UNT(N) IW__L_UN(N)
#define IW__L_BIN(N) [IW_OP_##N##_SS] = &&L_##N##_SS, [IW_OP_##N##_SI] = &&L_##N##_SI,
#define IW__L_BINT(N) IW__L_BIN(N)
#define IW__L_CMP(N) IW__L_BIN(N) [IW_OP_##N##_BTSS] = &&L_##N##_BTSS, [IW_OP_##N##_BTSI] = &&L_##N##_BTSI, \
    [IW_OP_##N##_BFSS] = &&L_##N##_BFSS, [IW_OP_##N##_BFSI] = &&L_##N##_BFSI,                        \
    [IW_OP_##N##_BLSS] = &&L_##N##_BLSS, [IW_OP_##N##_BLSI] = &&L_##N##_BLSI,
#define IW__X(code, N, text, cls, in, out, expr) IW__L_##cls(N)
        IW_NUMERIC_OPS(IW__X)
#undef IW__X
#define IW__X(code, N, text, vt, al, ct, conv) [IW_OP_##N] = &&L_##N, [IW_OP_##N##_ADD] = &&L_##N##_ADD, \
        [IW_OP_##N##_ADDS] = &&L_##N##_ADDS,
        IW_LOAD_OPS(IW__X)
#undef IW__X
#define IW__X(code, N, text, vt, al, ct) [IW_OP_##N] = &&L_##N, [IW_OP_##N##_ADD] = &&L_##N##_ADD, \
        [IW_OP_##N##_I] = &&L_##N##_I, [IW_OP_##N##_ADDI] = &&L_##N##_ADDI, [IW_OP_##N##_ADDS] = &&L_##N##_ADDS,
        IW_STORE_OPS(IW__X)
#undef IW__X
#define IW__X(code, kind, scalar, lanes, fn, text) [IW_OP_SIMD_##fn] = &&L_SIMD_##fn,
        IW_SIMD_OPS(IW__X)
#undef IW__X
#define IW__L_LOAD(N) [IW_OP_##N] = &&L_##N,
#define IW__L_LOAD_LANE(N) IW__L_LOAD(N)
#define IW__L_STORE(N)
#define IW__L_STORE_LANE(N)
#define IW__X(code, N, kind, bytes, align, lanes, fn, text) IW__L_##kind(N)
        IW_SIMD_MEM_OPS(IW__X)
#undef IW__X
    };
    static const iw_word_t halt[1] = { { .op = &&L_HALT } };

    if (!root) {
        *ops_out = ops;
        *halt_out = halt;
        return IW_FINISHED;
    }

    iw_exec_t *ex = &root->ex;
    iw_exec_frame_t *frame = &ex->frames[ex->depth];
    iw_instance_t *inst = frame->inst;
    uint64_t *fp = frame->fp;
    uint64_t *stack_end = ex->stack + ex->stack_slots;
    const iw_word_t *ip = ex->ip;
    int64_t budget = ex->budget;
    uint8_t *mem;
    uint64_t memsize;
    uint8_t *dirty;     /* the memory's write map, NULL when not tracked */
    iw_memory_t *memobj;    /* the memory mem is: memory 0 but between MEM_SELECTs */
    int trap_kind;
    const char *trap_detail = NULL;
    char trap_text[48];     /* a detail with a number in it */

#define IW__NEXT() goto *ip->op
#define IW__RELOAD_MEM() do { memobj = inst->memory; IW__REFRESH_MEM(); } while (0)
/* after memobj changed or grew */
#define IW__REFRESH_MEM()                                                         \
    do {                                                                      \
        mem = memobj ? memobj->data : NULL;                                   \
        memsize = memobj ? memobj->size : 0;                                  \
        dirty = memobj ? memobj->dirty : NULL;                                \
    } while (0)
#define IW__SAVE() (ex->ip = ip, ex->budget = budget)
#define IW__TRAP(kind) do { trap_kind = (kind); goto trap; } while (0)
#define IW__TRAP_MSG(kind, msg) do { trap_kind = (kind); trap_detail = (msg); goto trap; } while (0)
#define IW__U32(x) ((uint32_t)(x))
/* Loop back-edges and calls look at the interrupt flag every time (a
 * relaxed load); the clock is read only in the slow path. */
#define IW__INTERRUPTED() atomic_load_explicit(&ex->interrupt, memory_order_relaxed)
/* A back-edge: jump by `offset` to a LOOP instruction and do its work
 * (charge the loop's fuel, look at the interrupt flag) without
 * dispatching it, one dispatch less per iteration. */
#define IW__ENTER_LOOP(offset)                                                    \
    do {                                                                      \
        ip += (offset);                                                       \
        budget -= ip[1].i;                                                    \
        ip += 2;                                                              \
        if (budget < 0 || IW__INTERRUPTED()) goto refuel;                         \
        IW__NEXT();                                                               \
    } while (0)

/* Where a frame may go on in compiled code (jit.h): function entry, a
 * return into it, after a host call and after the fuel slow path. */
#if IW_JIT
#define IW__JIT_TRY() do { if (frame->fn && frame->fn->jit) goto jit_run; } while (0)
#else
#define IW__JIT_TRY() do { } while (0)
#endif

    IW__RELOAD_MEM();
    ex->state = IW_RUNNING;
    IW__JIT_TRY();
    IW__NEXT();

    /* ---- control ---- */
L_HALT:
    IW__SAVE();
    ex->state = IW_IDLE;
    return IW_FINISHED;
L_UNREACHABLE:
    IW__TRAP(IW_TRAP_UNREACHABLE);
L_BR:             /* w1 offset */
    ip += ip[1].i;
    IW__NEXT();
L_BR_MOVE:        /* w1 offset, w2 {dst, src}, w3 n */
    iw__move(fp, ip[2].p.lo, ip[2].p.hi, ip[3].u);
    ip += ip[1].i;
    IW__NEXT();
L_BRZ:            /* w1 {cond}, w2 offset */
    ip += IW__U32(fp[ip[1].p.lo]) == 0 ? ip[2].i : 3;
    IW__NEXT();
L_BRNZ:
    ip += IW__U32(fp[ip[1].p.lo]) != 0 ? ip[2].i : 3;
    IW__NEXT();
L_BRNZ_MOVE:      /* w1 {cond}, w2 offset, w3 {dst, src}, w4 n */
    if (IW__U32(fp[ip[1].p.lo])) {
        iw__move(fp, ip[3].p.lo, ip[3].p.hi, ip[4].u);
        ip += ip[2].i;
    } else {
        ip += 5;
    }
    IW__NEXT();
L_BR_LOOP:        /* like BR, BRZ, BRNZ, the target a LOOP instruction */
    IW__ENTER_LOOP(ip[1].i);
L_BRZ_LOOP:
    if (IW__U32(fp[ip[1].p.lo]) == 0) IW__ENTER_LOOP(ip[2].i);
    ip += 3;
    IW__NEXT();
L_BRNZ_LOOP:
    if (IW__U32(fp[ip[1].p.lo]) != 0) IW__ENTER_LOOP(ip[2].i);
    ip += 3;
    IW__NEXT();
L_BR_TABLE: {     /* w1 {index, n}, then n+1 entries {offset, {dst, src}, count} */
    uint32_t i = IW__U32(fp[ip[1].p.lo]), n = ip[1].p.hi;
    const iw_word_t *e = ip + 2 + 3 * (uint64_t)(i < n ? i : n);
    if (e[2].u) iw__move(fp, e[1].p.lo, e[1].p.hi, e[2].u);
    ip += e[0].i;
    IW__NEXT();
}
L_RETURN: {       /* w1 {src, n} */
    uint32_t src = ip[1].p.lo, n = ip[1].p.hi;
    if (src) iw__move(fp, 0, src, n);
    ip = frame->ret_ip;     /* frame is always &ex->frames[ex->depth] */
    frame--;
    ex->depth--;
    fp = frame->fp;
    if (frame->inst != inst) {
        inst = frame->inst;
        IW__RELOAD_MEM();
    }
    IW__JIT_TRY();
    IW__NEXT();
}
L_LOOP:           /* w1 fuel of the block at the loop header */
    budget -= ip[1].i;
    ip += 2;
    if (budget < 0 || IW__INTERRUPTED()) goto refuel;
    IW__NEXT();
L_FUEL:           /* w1 fuel of the block starting here (a merge point) */
    budget -= ip[1].i;
    ip += 2;
    if (budget < 0) goto refuel;
    IW__NEXT();

    /* ---- calls ---- */
    {
        const iw_code_t *callee;
        iw_instance_t *callee_inst;
        iw_func_t *fn;
        uint64_t *nfp;
        const iw_word_t *ret;
        uint32_t base;

L_CALL:           /* w1 code, w2 base slot */
        callee = ip[1].ptr;
        callee_inst = inst;
        base = (uint32_t)ip[2].u;
        ret = ip + 3;
        goto enter;
L_CALL_IMPORT:    /* w1 function index, w2 base slot */
        fn = inst->funcs[ip[1].u];
        base = (uint32_t)ip[2].u;
        ret = ip + 3;
        goto call_func;
L_CALL_INDIRECT: {/* w1 {table, base}, w2 type */
        const iw_functype_t *type = ip[2].ptr;
        iw_table_t *tab = inst->tables[ip[1].p.lo];
        base = ip[1].p.hi;
        uint32_t i = IW__U32(fp[base + type->param_slots]);
        /* the element's index in the message, as the reference interpreter words it */
        if (i >= tab->size) {
            snprintf(trap_text, sizeof trap_text, "undefined element %u", i);
            IW__TRAP_MSG(IW_TRAP_TABLE_OOB, trap_text);
        }
        fn = (iw_func_t *)(uintptr_t)tab->items[i];
        if (!fn) {
            snprintf(trap_text, sizeof trap_text, "uninitialized element %u", i);
            IW__TRAP_MSG(IW_TRAP_UNINITIALIZED_ELEMENT, trap_text);
        }
        if (fn->sig != type->sig && strcmp(fn->sig, type->sig) != 0) IW__TRAP(IW_TRAP_INDIRECT_MISMATCH);
        ret = ip + 3;
        goto call_func;
    }
        /* Tail calls: the callee takes the caller's frame (same fp, same
         * return address), so neither stack grows. A host callee is called
         * as CALL calls it; the RETURN the compiler put after the
         * instruction then returns its results. */
L_RETURN_CALL:    /* w1 code, w2 base slot */
        callee = ip[1].ptr;
        callee_inst = inst;
        base = (uint32_t)ip[2].u;
        goto tail_enter;
L_RETURN_CALL_IMPORT: /* w1 function index, w2 base slot; then RETURN */
        fn = inst->funcs[ip[1].u];
        base = (uint32_t)ip[2].u;
        ret = ip + 3;
        if (fn->host) goto call_func;
        callee = fn->code;
        callee_inst = fn->inst;
        goto tail_enter;
L_RETURN_CALL_INDIRECT: { /* w1 {table, base}, w2 type; then RETURN */
        const iw_functype_t *type = ip[2].ptr;
        iw_table_t *tab = inst->tables[ip[1].p.lo];
        base = ip[1].p.hi;
        uint32_t i = IW__U32(fp[base + type->param_slots]);
        if (i >= tab->size) {
            snprintf(trap_text, sizeof trap_text, "undefined element %u", i);
            IW__TRAP_MSG(IW_TRAP_TABLE_OOB, trap_text);
        }
        fn = (iw_func_t *)(uintptr_t)tab->items[i];
        if (!fn) {
            snprintf(trap_text, sizeof trap_text, "uninitialized element %u", i);
            IW__TRAP_MSG(IW_TRAP_UNINITIALIZED_ELEMENT, trap_text);
        }
        if (fn->sig != type->sig && strcmp(fn->sig, type->sig) != 0) IW__TRAP(IW_TRAP_INDIRECT_MISMATCH);
        ret = ip + 3;
        if (fn->host) goto call_func;
        callee = fn->code;
        callee_inst = fn->inst;
        goto tail_enter;
    }
tail_enter:
        if (fp + callee->frame_slots > stack_end) {
            size_t fp_off = (size_t)(fp - ex->stack);
            IW__SAVE();
            if (!iw_stack_grow(root, fp_off + callee->frame_slots)) IW__TRAP(IW_TRAP_STACK_EXHAUSTED);
            fp = ex->stack + fp_off;
            stack_end = ex->stack + ex->stack_slots;
        }
        iw__move(fp, 0, base, callee->nparams);
        frame->inst = callee_inst;
        frame->fn = callee;
        for (uint32_t k = callee->nparams; k < callee->nlocals; k++) fp[k] = 0;
        ip = callee->code;
        if (callee_inst != inst) {
            inst = callee_inst;
            IW__RELOAD_MEM();
        }
        budget -= callee->fuel;
        if (budget < 0 || IW__INTERRUPTED()) goto refuel;
        IW__JIT_TRY();
        IW__NEXT();
call_func:
        if (fn->host) {
            uint64_t res[IW_HOST_MAX_RESULTS];
            ip = ret;
            IW__SAVE();
            inst->host_trapped = false;
            iw_host_result_t r = fn->host(inst, fn->env, fp + base, res);
            switch (r) {
            case IW_HOST_OK:
                memcpy(fp + base, res, fn->nresults * sizeof(uint64_t));
                IW__RELOAD_MEM();   /* the host may have grown the memory */
                IW__JIT_TRY();
                IW__NEXT();
            case IW_HOST_SUSPEND:
                ex->reason = IW_SUSPEND_HOST;
                ex->host = fn;
                ex->host_base = (uint32_t)(fp + base - ex->stack);
                ex->state = IW_PAUSED;
                return IW_SUSPENDED;
            case IW_HOST_EXIT:
                root->exit_code = inst->exit_code;
                ex->state = IW_IDLE;
                ex->depth = 0;
                return IW_EXITED;
            default:
                IW__TRAP_MSG(IW_TRAP_HOST, inst->host_trapped ? inst->host_message : "host function failed");
            }
        }
        callee = fn->code;
        callee_inst = fn->inst;
enter:
        nfp = fp + base;
        if (nfp + callee->frame_slots > stack_end) {
            size_t fp_off = (size_t)(fp - ex->stack), nfp_off = (size_t)(nfp - ex->stack);
            IW__SAVE();
            if (!iw_stack_grow(root, nfp_off + callee->frame_slots)) IW__TRAP(IW_TRAP_STACK_EXHAUSTED);
            fp = ex->stack + fp_off;
            nfp = ex->stack + nfp_off;
            stack_end = ex->stack + ex->stack_slots;
        }
        if (ex->depth + 1 >= ex->frame_cap) {
            IW__SAVE();
            if (!iw_frames_grow(root)) IW__TRAP(IW_TRAP_STACK_EXHAUSTED);
        }
        frame = &ex->frames[++ex->depth];
        frame->ret_ip = ret;
        frame->fp = nfp;
        frame->inst = callee_inst;
        frame->fn = callee;
        frame->jit_ret = NULL;
        /* declared locals start at zero; usually a handful, so no memset call */
        for (uint32_t k = callee->nparams; k < callee->nlocals; k++) nfp[k] = 0;
        fp = nfp;
        ip = callee->code;
        if (callee_inst != inst) {
            inst = callee_inst;
            IW__RELOAD_MEM();
        }
        budget -= callee->fuel;
        if (budget < 0 || IW__INTERRUPTED()) goto refuel;
        IW__JIT_TRY();
        IW__NEXT();
    }

    /* ---- variables and constants ---- */
L_COPY:           /* w1 {dst, src} */
    fp[ip[1].p.lo] = fp[ip[1].p.hi];
    ip += 2;
    IW__NEXT();
L_CONST:          /* w1 {dst}, w2 value */
    fp[ip[1].p.lo] = ip[2].u;
    ip += 3;
    IW__NEXT();
L_SELECT:         /* w1 {dst, cond}, w2 {a, b} */
    fp[ip[1].p.lo] = IW__U32(fp[ip[1].p.hi]) ? fp[ip[2].p.lo] : fp[ip[2].p.hi];
    ip += 3;
    IW__NEXT();
L_GLOBAL_GET:     /* w1 {dst, global} */
    fp[ip[1].p.lo] = inst->globals[ip[1].p.hi]->value;
    ip += 2;
    IW__NEXT();
L_GLOBAL_SET:     /* w1 {src, global} */
    inst->globals[ip[1].p.hi]->value = fp[ip[1].p.lo];
    ip += 2;
    IW__NEXT();
L_REF_FUNC:       /* w1 {dst, function} */
    fp[ip[1].p.lo] = (uint64_t)(uintptr_t)inst->funcs[ip[1].p.hi];
    ip += 2;
    IW__NEXT();

    /* ---- v128: two slots each (simd.h) ---- */
L_COPY128:        /* w1 {dst, src} */
    fp[ip[1].p.lo] = fp[ip[1].p.hi];
    fp[ip[1].p.lo + 1] = fp[ip[1].p.hi + 1];
    ip += 2;
    IW__NEXT();
L_CONST128:       /* w1 {dst}, w2 bytes 0-7, w3 bytes 8-15 */
    fp[ip[1].p.lo] = ip[2].u;
    fp[ip[1].p.lo + 1] = ip[3].u;
    ip += 4;
    IW__NEXT();
L_SELECT128: {    /* w1 {dst, cond}, w2 {a, b} */
    uint32_t s = IW__U32(fp[ip[1].p.hi]) ? ip[2].p.lo : ip[2].p.hi;
    fp[ip[1].p.lo] = fp[s];
    fp[ip[1].p.lo + 1] = fp[s + 1];
    ip += 3;
    IW__NEXT();
}
L_GLOBAL_GET128: { /* w1 {dst, global} */
    const iw_global_t *g = inst->globals[ip[1].p.hi];
    fp[ip[1].p.lo] = g->value;
    fp[ip[1].p.lo + 1] = g->hi;
    ip += 2;
    IW__NEXT();
}
L_GLOBAL_SET128: { /* w1 {src, global} */
    iw_global_t *g = inst->globals[ip[1].p.hi];
    g->value = fp[ip[1].p.lo];
    g->hi = fp[ip[1].p.lo + 1];
    ip += 2;
    IW__NEXT();
}
/* The plain SIMD instructions, one handler each (simd_table.h), the
 * function of simd_ops.h inlined: w1 {dst, a}, w2 {b, c}, w3 the lane
 * immediate. Operands are read as 16 bytes whatever their type (a scalar's
 * second slot is the next slot of the frame, ignored; the compiler
 * reserves one slot above the stack for it) into locals first, so dst may
 * be any operand's slot. TEST and EXTRACT write one slot, the others a
 * v128. */
#define IW__SIMD_OUT_UN memcpy(fp + ip[1].p.lo, &r_, 16)
#define IW__SIMD_OUT_BIN IW__SIMD_OUT_UN
#define IW__SIMD_OUT_TERN IW__SIMD_OUT_UN
#define IW__SIMD_OUT_SHIFT IW__SIMD_OUT_UN
#define IW__SIMD_OUT_SPLAT IW__SIMD_OUT_UN
#define IW__SIMD_OUT_REPLACE IW__SIMD_OUT_UN
#define IW__SIMD_OUT_TEST fp[ip[1].p.lo] = r_.u64[0]
#define IW__SIMD_OUT_EXTRACT IW__SIMD_OUT_TEST
#define IW__X(code, kind, scalar, lanes, fn, text)                            \
L_SIMD_##fn: {                                                                \
    iw_v128_t a_, b_, c_, r_;                                                \
    memcpy(&a_, fp + ip[1].p.hi, 16);                                         \
    memcpy(&b_, fp + ip[2].p.lo, 16);                                         \
    memcpy(&c_, fp + ip[2].p.hi, 16);                                         \
    if (iw_simd_fast[IW_SIMD_FN_##fn]) /* SSE4.1 (simd_sse.h) */              \
        iw_simd_fast[IW_SIMD_FN_##fn](&r_, &a_, &b_, &c_, ip[3].u);           \
    else                                                                      \
        iw_simd_##fn(&r_, &a_, &b_, &c_, ip[3].u);                            \
    IW__SIMD_OUT_##kind;                                                      \
    ip += 4;                                                                  \
    IW__NEXT();                                                                   \
}
    IW_SIMD_OPS(IW__X)
#undef IW__X
#undef IW__SIMD_OUT_UN
#undef IW__SIMD_OUT_BIN
#undef IW__SIMD_OUT_TERN
#undef IW__SIMD_OUT_SHIFT
#undef IW__SIMD_OUT_SPLAT
#undef IW__SIMD_OUT_REPLACE
#undef IW__SIMD_OUT_TEST
#undef IW__SIMD_OUT_EXTRACT
L_SHUFFLE: {      /* w1 {dst, a}, w2 {b}, w3 lane indices 0-7, w4 8-15 */
    uint8_t ab[32], idx[16], r[16];
    memcpy(ab, fp + ip[1].p.hi, 16);
    memcpy(ab + 16, fp + ip[2].p.lo, 16);
    memcpy(idx, &ip[3].u, 8);
    memcpy(idx + 8, &ip[4].u, 8);
    if (iw_simd_fast_shuffle) iw_simd_fast_shuffle(r, ab, idx);
    else for (int i = 0; i < 16; i++) r[i] = ab[idx[i]];
    memcpy(fp + ip[1].p.lo, r, 16);
    ip += 5;
    IW__NEXT();
}
/* The loads, one handler each (simd_table.h): w1 {dst, addr}, w2 offset,
 * w3 {vector operand, lane} (the _lane forms). The bytes read, zero above,
 * and the vector operand go to the function, which makes the result. */
#define IW__LOAD_H_LOAD(N, bytes, fn)                                         \
L_##N: {                                                                      \
    uint64_t ea = (uint64_t)IW__U32(fp[ip[1].p.hi]) + ip[2].u;                    \
    if (ea + (bytes) > memsize) IW__TRAP(IW_TRAP_MEMORY_OOB);                     \
    iw_v128_t a_, b_, r_;                                                    \
    memset(&a_, 0, sizeof a_);                                                \
    memcpy(&a_, mem + ea, (bytes));                                           \
    memcpy(&b_, fp + ip[3].p.lo, 16);                                         \
    iw_simd_##fn(&r_, &a_, &b_, &b_, ip[3].p.hi);                             \
    memcpy(fp + ip[1].p.lo, &r_, 16);                                         \
    ip += 4;                                                                  \
    IW__NEXT();                                                                   \
}
#define IW__LOAD_H_LOAD_LANE IW__LOAD_H_LOAD
#define IW__LOAD_H_STORE(N, bytes, fn)
#define IW__LOAD_H_STORE_LANE(N, bytes, fn)
#define IW__X(code, N, kind, bytes, align, lanes, fn, text) IW__LOAD_H_##kind(N, bytes, fn)
    IW_SIMD_MEM_OPS(IW__X)
#undef IW__X
#undef IW__LOAD_H_LOAD
#undef IW__LOAD_H_LOAD_LANE
#undef IW__LOAD_H_STORE
#undef IW__LOAD_H_STORE_LANE
L_SIMD_STORE: {   /* w1 {addr, value}, w2 offset, w3 {bytes, lane} */
    uint64_t ea = (uint64_t)IW__U32(fp[ip[1].p.lo]) + ip[2].u;
    uint32_t n = ip[3].p.lo;
    if (ea + n > memsize) IW__TRAP(IW_TRAP_MEMORY_OOB);
    memcpy(mem + ea, (const uint8_t *)(fp + ip[1].p.hi) + (size_t)ip[3].p.hi * n, n);
    if (dirty) dirty[ea >> IW_DIRTY_BLOCK_SHIFT] = 1;
    ip += 4;
    IW__NEXT();
}

    /* ---- memory ---- */
/* w1 {dst, addr}, w2 offset; the _ADD form adds the immediate w3 to the
 * address first, the _ADDS form slot w3 */
#define IW__LOAD(LBL, ct, conv, ADDR, SIZE)                                    \
    LBL: {                                                                     \
        uint64_t ea = (uint64_t)(ADDR) + ip[2].u;                              \
        if (ea + sizeof(ct) > memsize) IW__TRAP(IW_TRAP_MEMORY_OOB);               \
        ct v;                                                                  \
        memcpy(&v, mem + ea, sizeof v);                                        \
        fp[ip[1].p.lo] = (uint64_t)(conv);                                     \
        ip += SIZE;                                                            \
        IW__NEXT();                                                                \
    }
#define IW__X(code, N, text, vt, al, ct, conv)                                 \
    IW__LOAD(L_##N, ct, conv, IW__U32(fp[ip[1].p.hi]), 3)                          \
    IW__LOAD(L_##N##_ADD, ct, conv, IW__U32(IW__U32(fp[ip[1].p.hi]) + IW__U32(ip[3].u)), 4) \
    IW__LOAD(L_##N##_ADDS, ct, conv, IW__U32(IW__U32(fp[ip[1].p.hi]) + IW__U32(fp[ip[3].u])), 4)
    IW_LOAD_OPS(IW__X)
#undef IW__X
/* w1 {addr, value}, w2 offset; the _ADD form adds the immediate w3 to the
 * address first, the _ADDS form slot w3. The _I forms store an immediate
 * instead of a slot: w3 (w4 for _ADDI). */
#define IW__STORE(LBL, ct, ADDR, VALUE, SIZE)                                  \
    LBL: {                                                                     \
        uint64_t ea = (uint64_t)(ADDR) + ip[2].u;                              \
        if (ea + sizeof(ct) > memsize) IW__TRAP(IW_TRAP_MEMORY_OOB);               \
        ct v = (ct)(VALUE);                                                    \
        memcpy(mem + ea, &v, sizeof v);                                        \
        if (dirty) dirty[ea >> IW_DIRTY_BLOCK_SHIFT] = 1;                      \
        ip += SIZE;                                                            \
        IW__NEXT();                                                                \
    }
#define IW__X(code, N, text, vt, al, ct)                                       \
    IW__STORE(L_##N, ct, IW__U32(fp[ip[1].p.lo]), fp[ip[1].p.hi], 3)               \
    IW__STORE(L_##N##_ADD, ct, IW__U32(IW__U32(fp[ip[1].p.lo]) + IW__U32(ip[3].u)), fp[ip[1].p.hi], 4) \
    IW__STORE(L_##N##_I, ct, IW__U32(fp[ip[1].p.lo]), ip[3].u, 4)                  \
    IW__STORE(L_##N##_ADDI, ct, IW__U32(IW__U32(fp[ip[1].p.lo]) + IW__U32(ip[3].u)), ip[4].u, 5) \
    IW__STORE(L_##N##_ADDS, ct, IW__U32(IW__U32(fp[ip[1].p.lo]) + IW__U32(fp[ip[3].u])), fp[ip[1].p.hi], 4)
    IW_STORE_OPS(IW__X)
#undef IW__X
L_MEMORY_SIZE:    /* w1 {dst} */
    fp[ip[1].p.lo] = memsize / IW_PAGE_SIZE;
    ip += 2;
    IW__NEXT();
L_MEMORY_GROW:    /* w1 {dst, delta} */
    fp[ip[1].p.lo] = IW__U32(iw_memory_try_grow(memobj, IW__U32(fp[ip[1].p.hi])));
    IW__REFRESH_MEM();
    ip += 2;
    IW__NEXT();
L_MEM_SELECT:     /* w1 memory index: the memory the next instruction uses (0: back to memory 0) */
    memobj = inst->memories[ip[1].u];
    IW__REFRESH_MEM();
    ip += 2;
    IW__NEXT();
L_MEMORY_INIT: {  /* w1 {base: dst src n, segment} */
    uint64_t *a = fp + ip[1].p.lo;
    uint32_t seg = ip[1].p.hi;
    const iw_data_t *ds = &inst->module->datas[seg];
    uint64_t len = inst->data_dropped[seg] ? 0 : ds->len;
    uint64_t d = IW__U32(a[0]), s = IW__U32(a[1]), n = IW__U32(a[2]);
    if (s + n > len || d + n > memsize) IW__TRAP(IW_TRAP_MEMORY_OOB);
    if (n) memcpy(mem + d, ds->bytes + s, n);
    iw_mark_dirty(memobj, d, n);
    ip += 2;
    IW__NEXT();
}
L_DATA_DROP:      /* w1 segment */
    inst->data_dropped[ip[1].u] = true;
    ip += 2;
    IW__NEXT();
L_MEMORY_COPY: {  /* w1 {base: dst src n} */
    uint64_t *a = fp + ip[1].p.lo;
    uint64_t d = IW__U32(a[0]), s = IW__U32(a[1]), n = IW__U32(a[2]);
    if (s + n > memsize || d + n > memsize) IW__TRAP(IW_TRAP_MEMORY_OOB);
    if (n) memmove(mem + d, mem + s, n);
    iw_mark_dirty(memobj, d, n);
    ip += 2;
    IW__NEXT();
}
L_MEMORY_COPY_MM: { /* w1 {base: dst src n}, w2 {dst memory, src memory} */
    uint64_t *a = fp + ip[1].p.lo;
    iw_memory_t *md = inst->memories[ip[2].p.lo], *ms = inst->memories[ip[2].p.hi];
    uint64_t d = IW__U32(a[0]), s = IW__U32(a[1]), n = IW__U32(a[2]);
    if (s + n > ms->size || d + n > md->size) IW__TRAP(IW_TRAP_MEMORY_OOB);
    if (n) memmove(md->data + d, ms->data + s, n);
    iw_mark_dirty(md, d, n);
    ip += 3;
    IW__NEXT();
}
L_MEMORY_FILL: {  /* w1 {base: dst value n} */
    uint64_t *a = fp + ip[1].p.lo;
    uint64_t d = IW__U32(a[0]), n = IW__U32(a[2]);
    if (d + n > memsize) IW__TRAP(IW_TRAP_MEMORY_OOB);
    if (n) memset(mem + d, (int)(uint8_t)a[1], n);
    iw_mark_dirty(memobj, d, n);
    ip += 2;
    IW__NEXT();
}

    /* ---- tables ---- */
L_TABLE_GET: {    /* w1 {dst, index}, w2 table */
    iw_table_t *t = inst->tables[ip[2].u];
    uint32_t i = IW__U32(fp[ip[1].p.hi]);
    if (i >= t->size) IW__TRAP(IW_TRAP_TABLE_OOB);
    fp[ip[1].p.lo] = t->items[i];
    ip += 3;
    IW__NEXT();
}
L_TABLE_SET: {    /* w1 {base: index value, table} */
    iw_table_t *t = inst->tables[ip[1].p.hi];
    uint64_t *a = fp + ip[1].p.lo;
    if (IW__U32(a[0]) >= t->size) IW__TRAP(IW_TRAP_TABLE_OOB);
    t->items[IW__U32(a[0])] = a[1];
    t->changed = true;
    ip += 2;
    IW__NEXT();
}
L_TABLE_SIZE:     /* w1 {dst, table} */
    fp[ip[1].p.lo] = inst->tables[ip[1].p.hi]->size;
    ip += 2;
    IW__NEXT();
L_TABLE_GROW: {   /* w1 {base: init delta -> result, table} */
    uint64_t *a = fp + ip[1].p.lo;
    inst->tables[ip[1].p.hi]->changed = true;
    a[0] = IW__U32(iw_table_grow(inst->tables[ip[1].p.hi], IW__U32(a[1]), a[0]));
    ip += 2;
    IW__NEXT();
}
L_TABLE_FILL: {   /* w1 {base: index value n, table} */
    iw_table_t *t = inst->tables[ip[1].p.hi];
    uint64_t *a = fp + ip[1].p.lo;
    uint64_t i = IW__U32(a[0]), n = IW__U32(a[2]);
    if (i + n > t->size) IW__TRAP(IW_TRAP_TABLE_OOB);
    for (uint64_t k = 0; k < n; k++) t->items[i + k] = a[1];
    t->changed = true;
    ip += 2;
    IW__NEXT();
}
L_TABLE_COPY: {   /* w1 {base: dst src n, dst table}, w2 src table */
    iw_table_t *td = inst->tables[ip[1].p.hi], *ts = inst->tables[ip[2].u];
    uint64_t *a = fp + ip[1].p.lo;
    uint64_t d = IW__U32(a[0]), s = IW__U32(a[1]), n = IW__U32(a[2]);
    if (s + n > ts->size || d + n > td->size) IW__TRAP(IW_TRAP_TABLE_OOB);
    if (n) memmove(td->items + d, ts->items + s, n * sizeof(uint64_t));
    td->changed = true;
    ip += 3;
    IW__NEXT();
}
L_TABLE_INIT: {   /* w1 {base: dst src n, table}, w2 segment */
    iw_table_t *t = inst->tables[ip[1].p.hi];
    uint32_t seg = (uint32_t)ip[2].u;
    const iw_elem_t *es = &inst->module->elems[seg];
    uint64_t *a = fp + ip[1].p.lo;
    uint64_t count = inst->elem_dropped[seg] ? 0 : es->count;
    uint64_t d = IW__U32(a[0]), s = IW__U32(a[1]), n = IW__U32(a[2]);
    if (s + n > count || d + n > t->size) IW__TRAP(IW_TRAP_TABLE_OOB);
    for (uint64_t k = 0; k < n; k++) t->items[d + k] = iw_const_eval(inst, &es->items[s + k]);
    t->changed = true;
    ip += 3;
    IW__NEXT();
}
L_ELEM_DROP:      /* w1 segment */
    inst->elem_dropped[ip[1].u] = true;
    ip += 2;
    IW__NEXT();

    /* ---- numeric, generated from IW_NUMERIC_OPS ---- */
#define IW__H_UN(N, IN, OUT, EXPR)                                             \
    L_##N##_S: {  /* w1 {dst, a} */                                            \
        IW__CT_##IN a = IW__GET_##IN(fp[ip[1].p.hi]);                          \
        fp[ip[1].p.lo] = IW__PUT_##OUT(EXPR);                                  \
        ip += 2;                                                               \
        IW__NEXT();                                                                \
    }
#define IW__H_BIN_FORM(LBL, IN, OUT, EXPR, BSRC)                               \
    LBL: {        /* w1 {dst, a}, w2 b slot or immediate */                    \
        IW__CT_##IN a = IW__GET_##IN(fp[ip[1].p.hi]), b = IW__GET_##IN(BSRC);  \
        fp[ip[1].p.lo] = IW__PUT_##OUT(EXPR);                                  \
        ip += 3;                                                               \
        IW__NEXT();                                                                \
    }
#define IW__H_BIN(N, IN, OUT, EXPR)                                            \
    IW__H_BIN_FORM(L_##N##_SS, IN, OUT, EXPR, fp[ip[2].u])                     \
    IW__H_BIN_FORM(L_##N##_SI, IN, OUT, EXPR, ip[2].u)
#define IW__H_UNT(N, IN, OUT, FN)                                              \
    L_##N##_S: {                                                               \
        IW__CT_##IN a = IW__GET_##IN(fp[ip[1].p.hi]);                          \
        IW__CT_##OUT r;                                                        \
        int k = FN(a, &r);                                                     \
        if (k) IW__TRAP(k);                                                        \
        fp[ip[1].p.lo] = IW__PUT_##OUT(r);                                     \
        ip += 2;                                                               \
        IW__NEXT();                                                                \
    }
#define IW__H_BINT_FORM(LBL, IN, OUT, FN, BSRC)                                \
    LBL: {                                                                     \
        IW__CT_##IN a = IW__GET_##IN(fp[ip[1].p.hi]), b = IW__GET_##IN(BSRC);  \
        IW__CT_##OUT r;                                                        \
        int k = FN(a, b, &r);                                                  \
        if (k) IW__TRAP(k);                                                        \
        fp[ip[1].p.lo] = IW__PUT_##OUT(r);                                     \
        ip += 3;                                                               \
        IW__NEXT();                                                                \
    }
#define IW__H_BINT(N, IN, OUT, FN)                                             \
    IW__H_BINT_FORM(L_##N##_SS, IN, OUT, FN, fp[ip[2].u])                      \
    IW__H_BINT_FORM(L_##N##_SI, IN, OUT, FN, ip[2].u)
/* Compare-and-branch: w1 {a}, w2 b slot or immediate, w3 offset. */
#define IW__H_BRANCH_FORM(LBL, IN, EXPR, BSRC, WHEN)                           \
    LBL: {                                                                     \
        IW__CT_##IN a = IW__GET_##IN(fp[ip[1].p.lo]), b = IW__GET_##IN(BSRC);  \
        ip += (WHEN(EXPR)) ? ip[3].i : 4;                                      \
        IW__NEXT();                                                                \
    }
#define IW__H_LOOP_BRANCH_FORM(LBL, IN, EXPR, BSRC)                            \
    LBL: {                                                                     \
        IW__CT_##IN a = IW__GET_##IN(fp[ip[1].p.lo]), b = IW__GET_##IN(BSRC);  \
        if (EXPR) IW__ENTER_LOOP(ip[3].i);                                         \
        ip += 4;                                                               \
        IW__NEXT();                                                                \
    }
#define IW__TRUE(x) (x)
#define IW__FALSE(x) !(x)
#define IW__H_CMP(N, IN, OUT, EXPR)                                            \
    IW__H_BIN(N, IN, OUT, EXPR)                                                \
    IW__H_BRANCH_FORM(L_##N##_BTSS, IN, EXPR, fp[ip[2].u], IW__TRUE)           \
    IW__H_BRANCH_FORM(L_##N##_BTSI, IN, EXPR, ip[2].u, IW__TRUE)               \
    IW__H_BRANCH_FORM(L_##N##_BFSS, IN, EXPR, fp[ip[2].u], IW__FALSE)          \
    IW__H_BRANCH_FORM(L_##N##_BFSI, IN, EXPR, ip[2].u, IW__FALSE)              \
    IW__H_LOOP_BRANCH_FORM(L_##N##_BLSS, IN, EXPR, fp[ip[2].u])                \
    IW__H_LOOP_BRANCH_FORM(L_##N##_BLSI, IN, EXPR, ip[2].u)
#define IW__X(code, N, text, cls, in, out, expr) IW__H_##cls(N, in, out, expr)
    IW_NUMERIC_OPS(IW__X)
#undef IW__X

    /* ---- slow paths ---- */
refuel: {
    IW__SAVE();
    int r = iw_refuel(root);
    if (r == 0) {
        budget = ex->budget;
        IW__JIT_TRY();
        IW__NEXT();
    }
    if (r < 0) {
        ex->reason = IW_SUSPEND_SLICE;
        ex->state = IW_PAUSED;
        return IW_SUSPENDED;
    }
    trap_kind = r;
    goto trap;
}
#if IW_JIT
jit_run: {
    iw_jit_ctx_t jc = { .budget = budget, .mem = mem, .memsize = memsize, .dirty = dirty,
                        .interrupt = &ex->interrupt, .globals = inst->globals, .inst = inst,
                        .tables = inst->tables, .frame = frame, .depth = &ex->depth,
                        .frames_last = ex->frames + ex->frame_cap - 1, .stack_end = stack_end };
    ip = iw_jit_run(frame->fn, ip, fp, &jc);
    budget = jc.budget;
    /* compiled code may have called and returned (go on in the frame it
     * left) and grown the memory */
    frame = &ex->frames[ex->depth];
    fp = frame->fp;
    inst = frame->inst;
    IW__RELOAD_MEM();
    IW__NEXT();
}
#endif
trap:
    IW__SAVE();
    iw_set_trap(root, (iw_trap_kind_t)trap_kind, trap_detail);
    ex->state = IW_IDLE;
    ex->depth = 0;
    return IW_TRAPPED;

#undef IW__NEXT
#undef IW__RELOAD_MEM
#undef IW__REFRESH_MEM
#undef IW__SAVE
#undef IW__TRAP
#undef IW__TRAP_MSG
#undef IW__U32
#undef IW__INTERRUPTED
#undef IW__ENTER_LOOP
#undef IW__JIT_TRY
}

iw_status_t iw_run(iw_instance_t *root) { return iw__exec(root, NULL, NULL); }

const void *const *iw_interp_ops(void)
{
    const void *const *ops;
    const iw_word_t *halt;
    iw__exec(NULL, &ops, &halt);
    return ops;
}

const iw_word_t *iw_halt_code(void)
{
    const void *const *ops;
    const iw_word_t *halt;
    iw__exec(NULL, &ops, &halt);
    return halt;
}
