/* The snapshot's layout, shared by image.c (capture, new instances) and
 * reset.c (putting a resettable instance back). Internal to src/wasm. */
#ifndef IFRIT_WASM_IMAGE_H
#define IFRIT_WASM_IMAGE_H

#include "wasm/runtime.h"

/* Zero blocks of this size are left out of an image (memory sizes are
 * multiples of it). */
#define IW_IMAGE_BLOCK 4096u

/* A defined memory other than memory 0 (multiple memories): its bytes
 * copied whole, restored and reset by copying. */
typedef struct {
    uint8_t *data;
    uint64_t size;
    uint32_t max_pages;
    bool has_max;
} iw_image_mem_t;

struct iw_image {
    atomic_int refs;
    iw_module_t *module;
    iw_func_t **funcs;              /* the imported functions as captured */
    iw_func_t *host_funcs;          /* copies of host imports (same indices) */
    uintptr_t own_lo, own_hi;       /* address range of the source's own functions */
    iw_table_t **tables;            /* imported: shared pointers */
    iw_table_t *own_tables;         /* defined: copies */
    uint32_t nown_tables;
    iw_memory_t **memories;         /* the memory index space; imported ones shared */
    bool has_own_memory;            /* memory 0 is defined (kept in the mem_* fields) */
    iw_image_mem_t *more;           /* the instance's more_memories: plain copies */
    uint32_t nmore;
    uint64_t mem_size;
    uint32_t mem_max_pages;
    bool mem_has_max;
    iw_map_pool_t *mem_pool;       /* NULL: use the sparse copy */
    uint8_t *mem_blocks;            /* the non-zero blocks, in address order */
    uint32_t *mem_block_at;         /* block number of each */
    uint32_t mem_nblocks;
    /* The whole memory, built at the first resettable instance (reset.c). */
    _Atomic(uint8_t *) mem_flat;
    iw_global_t **globals;          /* imported: shared */
    iw_global_t *own_globals;
    bool *elem_dropped, *data_dropped;
    /* The call in progress, if it was paused. */
    bool paused;
    uint64_t *stack;
    size_t stack_used;
    iw_exec_frame_t *frames;
    uint32_t depth;
    const iw_word_t *ip;
    iw_suspend_reason_t reason;
    uint32_t host_index;            /* SUSPEND_HOST: function index */
    uint32_t host_base;
    uint32_t entry_index;
    uint32_t nresults;
};

/* A slot value pointing at one of the source's own functions, moved to the
 * same function of inst. */
uint64_t iw_rebase(const iw_image_t *img, const iw_instance_t *inst, uint64_t v);

/* Restoring an instance's state from img, shared by a new instance
 * (image.c) and a reset (reset.c):
 *   iw_image_memory_new  inst's own memory, empty, with the image's
 *                         maximum and inst's limit; NULL when out of
 *                         memory or when the image's memory is over the
 *                         limit (inst owns what was made either way)
 *   iw_image_memory_copy the image's memory (mem_size bytes) into dst,
 *                         which is zero: its stored blocks, or its file
 *                         read through; false when the read fails
 *   iw_image_table_copy  a table's items and size from the image's src
 *   iw_image_globals_copy the module's own globals */
iw_memory_t *iw_image_memory_new(const iw_image_t *img, iw_instance_t *inst);
bool iw_image_memory_copy(const iw_image_t *img, uint8_t *dst);
void iw_image_table_copy(const iw_image_t *img, const iw_instance_t *inst, iw_table_t *t, const iw_table_t *src);
void iw_image_globals_copy(const iw_image_t *img, iw_instance_t *inst);

/* The image's more memories into inst's (allocated by the caller, nmore
 * of them, fresh or to be reset); false when out of memory or over
 * inst's limit. */
bool iw_image_more_memories_copy(const iw_image_t *img, iw_instance_t *inst);

/* reset.c: the memory of a resettable instance made from img (a heap copy
 * with a write map). false when out of memory or over the limit. */
bool iw_reset_memory_new(iw_image_t *img, iw_instance_t *inst);
/* reset.c: frees what image.c's iw__image_free must (the flat copy). */
void iw_reset_image_free(iw_image_t *img);

#endif
