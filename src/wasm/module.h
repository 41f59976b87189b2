/* The decoded, validated and compiled module: internal to src/wasm.
 * Everything hangs off the module's arena and is freed with it. */
#ifndef IFRIT_WASM_MODULE_H
#define IFRIT_WASM_MODULE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "wasm/wasm.h"

/* One word of compiled code: an op (a handler address) or an operand.
 * Two 32-bit halves when an instruction packs two slot numbers. */

typedef union {
    const void *op;
    uint64_t u;
    int64_t i;
    struct { uint32_t lo, hi; } p;
    const void *ptr;
} iw_word_t;

typedef struct {
    uint32_t nparams, nresults;
    const uint8_t *params, *results;   /* valtype bytes */
    const char *sig;                   /* iw_sig_t form: "ii:i" */
    uint32_t param_slots;              /* frame slots of the params (a v128 takes two) */
} iw_functype_t;

/* A constant expression (globals, segment offsets, element items): one
 * instruction, or (extended constant expressions, WebAssembly 3.0) EXPR,
 * a postfix program of such instructions and ARITH ones (i32/i64 add,
 * sub, mul) that iw_const_eval runs on a small stack. */
typedef enum { IW_CONST_VALUE, IW_CONST_GLOBAL, IW_CONST_FUNC, IW_CONST_ARITH, IW_CONST_EXPR } iw_const_kind_t;
typedef struct iw_const {
    iw_const_kind_t kind;
    uint64_t value;     /* VALUE: the slot bits (ref.null is 0); a v128's first 8 bytes */
    uint32_t index;     /* GLOBAL / FUNC index; ARITH: the opcode; EXPR: how many instructions */
    uint64_t hi;        /* VALUE: a v128's last 8 bytes */
    const struct iw_const *expr;    /* EXPR: the instructions, none of them EXPR */
} iw_const_t;

typedef struct { uint32_t min, max; bool has_max; } iw_decl_limits_t;
typedef struct { uint8_t elem; iw_decl_limits_t lim; } iw_tabletype_t;
typedef struct { uint8_t type; bool mutable_; iw_const_t init; } iw_globaltype_t;

typedef struct {
    const char *module, *name;
    iw_extern_kind_t kind;
    uint32_t index;                 /* index in its space */
    union {
        uint32_t func_type;
        iw_tabletype_t table;
        iw_decl_limits_t memory;
        iw_globaltype_t global;
    } u;
} iw_import_t;

typedef struct { const char *name; uint32_t name_len; iw_extern_kind_t kind; uint32_t index; } iw_export_t;

typedef enum { IW_SEG_ACTIVE, IW_SEG_PASSIVE, IW_SEG_DECLARATIVE } iw_segmode_t;

typedef struct {
    iw_segmode_t mode;
    uint8_t type;           /* IW_FUNCREF or IW_EXTERNREF */
    uint32_t table;
    iw_const_t offset;
    uint32_t count;
    iw_const_t *items;
} iw_elem_t;

typedef struct {
    iw_segmode_t mode;
    uint32_t memory;
    iw_const_t offset;
    const uint8_t *bytes;   /* a copy in the module's arena */
    uint32_t len;
} iw_data_t;

/* A compiled function body. */
typedef struct iw_code {
    const iw_word_t *code;
    const iw_functype_t *type;
    uint32_t func_index;    /* in the function index space */
    uint32_t nparams, nlocals;      /* nlocals includes the params */
    uint32_t frame_slots;   /* locals + deepest operand stack */
    uint32_t fuel;          /* charged on entry: instructions outside loops */
    uint32_t body_offset;   /* byte offset of the body in the binary */
    /* Where each internal instruction came from, for backtraces: pairs
     * (code word index, byte offset in the binary), ascending. */
    const uint32_t *srcmap;
    uint32_t nsrcmap;
    const struct iw_jit_func *jit;     /* machine code (jit.h), NULL: interpreted */
} iw_code_t;

/* The byte offset of the instruction at word `pos` of a function (or, when
 * before is set, of the last one starting before it: a return address). */
uint32_t iw_code_offset(const iw_code_t *c, uint32_t pos, bool before);

struct iw_module {
    atomic_int refs;
    ifr_arena_t arena;

    iw_functype_t *types;
    uint32_t ntypes;
    uint32_t *func_types;           /* type index of every function, imports first */
    uint32_t nfuncs, nimported_funcs;
    iw_tabletype_t *tables;
    uint32_t ntables, nimported_tables;
    iw_decl_limits_t *memories;
    uint32_t nmemories, nimported_memories;
    iw_globaltype_t *globals;
    uint32_t nglobals, nimported_globals;

    iw_import_t *imports;
    uint32_t nimports;
    iw_export_t *exports;
    uint32_t nexports;
    int64_t start;                  /* -1: none */
    iw_elem_t *elems;
    uint32_t nelems;
    iw_data_t *datas;
    uint32_t ndatas;
    bool has_data_count;
    uint32_t data_count;

    uint8_t *declared_funcs;        /* bitmap: may appear in ref.func */
    iw_code_t *codes;              /* one per defined function */
    const char **func_names;        /* name section, NULL where absent */
    struct iw_jit_module *jit;     /* the compiled code (jit.h), NULL when none */
};

/* The index of the first defined memory that is not memory 0 (the
 * instance's more_memories start there); nmemories when there is none. */
static inline uint32_t iw_first_more_memory(const iw_module_t *m)
{
    uint32_t first = m->nimported_memories ? m->nimported_memories : 1;
    return first < m->nmemories ? first : m->nmemories;
}

/* Decoding and compiling (decode.c, compile.c). */
iw_module_t *iw_decode(const uint8_t *bytes, size_t len, iw_error_t *err);
const iw_functype_t *iw_func_type(const iw_module_t *m, uint32_t func);

#endif
