/* Run-time objects: functions, memories, tables, globals, instances and the
 * execution state of a call. Internal to src/wasm. */
#ifndef IFRIT_WASM_RUNTIME_H
#define IFRIT_WASM_RUNTIME_H

#include <stdatomic.h>
#include <string.h>

#include "wasm/module.h"

struct iw_func {
    const char *sig;                /* iw_sig_t form */
    iw_instance_t *inst;            /* wasm: the owning instance */
    const iw_code_t *code;         /* wasm: the compiled body */
    iw_host_fn_t host;              /* host: the callback */
    void *env;
    const char *name;               /* host: "module.name", for suspension reports */
    uint32_t nparams, nresults;
};

typedef enum { IW_MEM_MALLOC, IW_MEM_MAPPED } iw_mem_kind_t;

/* mapped.c: an image's memory file and its idle copy-on-write mappings. */
typedef struct iw_map_pool iw_map_pool_t;

struct iw_memory {
    uint8_t *data;
    uint64_t size;                  /* bytes, a multiple of the page size */
    uint32_t max_pages;             /* declared maximum (or IW_MAX_PAGES) */
    bool has_max;
    uint64_t limit_bytes;           /* the embedder's cap, 0 = none */
    /* The instance that defines it: limit_bytes then caps the sum of all the
     * memories that instance defines (iw_memory_total). NULL = this one alone. */
    const iw_instance_t *owner;
    iw_mem_kind_t kind;
    size_t mapped_len;              /* MAPPED: reserved bytes, grow within */
    iw_map_pool_t *pool;           /* MAPPED from an image: where it goes back */
    /* Resettable instances (reset.c): one byte per IW_DIRTY_BLOCK bytes,
     * set when anything may have written the block (or the first 16 bytes
     * after it: a store marks only the block of its first byte); NULL = not
     * tracked. Owned. */
    uint8_t *dirty;
};

#define IW_DIRTY_BLOCK_SHIFT 10u
#define IW_DIRTY_BLOCK (1u << IW_DIRTY_BLOCK_SHIFT)
#define IW_DIRTY_SPILL 16u              /* the widest store (v128) */

/* Marks [offset, offset + len) written, for memories that track writes. */
static inline void iw_mark_dirty(iw_memory_t *m, uint64_t offset, uint64_t len)
{
    if (!m || !m->dirty || !len) return;
    uint64_t b = offset >> IW_DIRTY_BLOCK_SHIFT, e = (offset + len - 1) >> IW_DIRTY_BLOCK_SHIFT;
    memset(m->dirty + b, 1, (size_t)(e - b + 1));
}

struct iw_table {
    uint8_t elem;
    uint32_t size, max;             /* max: UINT32_MAX = none */
    uint64_t *items;                /* iw_func_t * or externref bits; 0 = null */
    bool changed;                   /* written by the guest (reset.c restores it) */
    /* Instances whose instantiation failed after storing references to
     * their functions here: the spec keeps those functions alive, so the
     * table owns such instances and frees them with itself. */
    iw_instance_t **kept;
    uint32_t nkept;
};

struct iw_global {
    uint64_t value;                 /* slot bits; a v128's first 8 bytes */
    uint64_t hi;                    /* a v128's last 8 bytes (right after value) */
    uint8_t type;
    bool mutable_;
};

/* One activation: the function running at this depth. */
typedef struct {
    const iw_word_t *ret_ip;       /* where the caller continues */
    uint64_t *fp;                   /* this function's frame */
    iw_instance_t *inst;            /* whose memory, globals and tables */
    const iw_code_t *fn;
    /* Set only by a call in compiled code (jit.h): the caller's native
     * code to return to. NULL: the return goes through the interpreter. */
    const void *jit_ret;
} iw_exec_frame_t;

typedef enum { IW_IDLE, IW_RUNNING, IW_PAUSED } iw_exec_state_t;

/* The state of the call in progress, kept in the instance that iw_call was
 * given (calls into other instances run on the caller's stacks). */
typedef struct {
    iw_exec_state_t state;
    uint64_t *stack;
    size_t stack_slots, stack_max_slots;
    iw_exec_frame_t *frames;
    uint32_t frame_cap, depth, max_depth;
    const iw_word_t *ip;           /* PAUSED: where to continue */
    iw_suspend_reason_t reason;
    iw_func_t *host;                /* SUSPEND_HOST: the host function */
    uint32_t host_base;             /* ... its argument slots (from stack) */
    iw_val_t *results;              /* the iw_call results array */
    uint32_t nresults;
    const iw_func_t *entry;         /* the function iw_call started */
    iw_status_t last_status;        /* of the last call that ended */

    uint64_t fuel_limit;            /* 0 = none */
    uint64_t consumed;              /* fuel used before the current budget */
    int64_t budget, budget_base;    /* the interpreter's countdown */
    uint64_t slice, slice_end;      /* 0 = no slicing */
    int64_t deadline_ns;
    atomic_int interrupt;
} iw_exec_t;

struct iw_instance {
    iw_module_t *module;
    iw_func_t **funcs;              /* function index space */
    iw_func_t *own_funcs;           /* host import copies + defined functions */
    iw_table_t **tables;
    iw_table_t *own_tables;         /* the defined tables */
    uint32_t nown_tables;
    iw_memory_t *memory;            /* memory 0 or NULL */
    iw_memory_t *own_memory;        /* set when memory 0 is defined here */
    iw_memory_t **memories;         /* the memory index space: memories[0] is memory */
    iw_memory_t *more_memories;     /* the defined memories after memory 0 (multiple memories) */
    uint32_t nmore_memories;
    iw_global_t **globals;
    iw_global_t *own_globals;
    bool *elem_dropped, *data_dropped;
    iw_limits_t limits;
    void *user_data;
    iw_exec_t ex;
    iw_trap_t trap;
    char host_message[200];         /* set by iw_host_trap */
    bool host_trapped;
    int32_t exit_code;
    iw_image_t *image;              /* resettable: what iw_instance_reset restores; a reference */
};

/* interp.c: runs inst->ex from its ip until it halts, traps or pauses. */
iw_status_t iw_run(iw_instance_t *root);
/* A one-instruction program that ends the call: the return address of the
 * function iw_call starts. */
const iw_word_t *iw_halt_code(void);

/* instance.c: an instance with its arrays and defined functions, nothing
 * linked or allocated yet. */
iw_instance_t *iw_instance_alloc(iw_module_t *m, const iw_limits_t *limits);

/* exec.c */
void iw_exec_init(iw_instance_t *inst);
void iw_exec_free(iw_instance_t *inst);
void iw_set_trap(iw_instance_t *root, iw_trap_kind_t kind, const char *detail);
/* The fuel/slice/interrupt/deadline slow path: returns 0 to go on (with a
 * fresh budget), or the trap kind, or -1 to pause for a slice. */
int iw_refuel(iw_instance_t *root);
/* Grows the value stack so that `need` slots from slot `from` fit. */
bool iw_stack_grow(iw_instance_t *root, size_t need_total);
bool iw_frames_grow(iw_instance_t *root);

/* objects.c */
int64_t iw_memory_try_grow(iw_memory_t *m, uint32_t delta);
int64_t iw_table_grow(iw_table_t *t, uint32_t delta, uint64_t init);
uint64_t iw_const_eval(const iw_instance_t *inst, const iw_const_t *c);
uint64_t iw_val_bits(iw_val_t v);
iw_val_t iw_bits_val(uint8_t type, uint64_t bits);
/* A value in frame slots: one slot, two for a v128 (returns how many). */
uint32_t iw_val_store(iw_val_t v, uint64_t *slots);
iw_val_t iw_val_load(uint8_t type, const uint64_t *slots);
void iw_const_eval_v128(const iw_instance_t *inst, const iw_const_t *c, uint64_t *lo, uint64_t *hi);
uint8_t iw_sig_type(char letter);     /* 0 for an unknown letter */
bool iw_memory_init(iw_memory_t *m, uint32_t min, uint32_t max_pages, uint64_t limit_bytes);
void iw_memory_release(iw_memory_t *m);
/* mapped.c: memories mapped from a snapshot (copy-on-write). The pool
 * takes the memfd holding `size` bytes; its mappings reserve `reserve`
 * bytes to grow within. NULL where the platform has no such mappings. */
iw_map_pool_t *iw_map_pool_new(int fd, uint64_t size, uint64_t reserve);
int iw_map_pool_fd(const iw_map_pool_t *p);
void iw_map_pool_release(iw_map_pool_t *p);
/* Gives m a mapping of the pool's file (an idle one if there is one). */
bool iw_mapped_map(iw_memory_t *m, iw_map_pool_t *p);
/* Moves a heap memory into a fresh reservation with `bytes` accessible. */
bool iw_mapped_adopt(iw_memory_t *m, uint64_t bytes);
bool iw_mapped_grow(iw_memory_t *m, uint64_t bytes);
/* A memory mapped from a pool back to the file's content at `size` bytes:
 * pages written hold the file's bytes again (copied back in place, or
 * dropped), pages grown into are inaccessible (and zero) again. Costs in
 * proportion to the pages touched, plus a pagemap read (mapped.c). */
bool iw_mapped_reset(iw_memory_t *m, uint64_t size);
void iw_mapped_release(iw_memory_t *m);
void iw_table_release(iw_table_t *t);
bool iw_table_init(iw_table_t *t, uint8_t elem, uint32_t min, uint32_t max);

#endif
