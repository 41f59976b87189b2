/* Resettable instances: an instance made from an image that can be put
 * back into the image's exact state after a call, at a cost in proportion
 * to what the call changed rather than to the instance's size.
 *
 * Its memory is a heap copy of the image's memory with a write map (one
 * byte per IW_DIRTY_BLOCK bytes) that the interpreter's stores, the bulk
 * memory instructions, memory.grow and host lifts keep up to date. A reset
 * copies back the marked blocks from a flat copy of the image's memory
 * (built once per image, at its first resettable instance), zeroes what
 * was written past the image's size and shrinks the memory back. An image
 * bigger than IW_RESET_COPY_MAX_BYTES is not copied: the memory maps the
 * image's file copy-on-write, as iw_instance_from_image does, and a reset
 * puts back the pages written (iw_mapped_reset), so a memory declared big
 * but barely used costs what the guest touched, not its size (twice). Globals
 * and dropped-segment flags are few and are copied whole; a table is
 * restored only when the guest wrote it. */
#include <stdlib.h>
#include <string.h>

#include "wasm/config.h"
#include "wasm/image.h"

/* The image's whole memory, built on first use; NULL when out of memory.
 * Threads may race to build it: one copy wins, the others are freed. */
static const uint8_t *iw__image_flat(iw_image_t *img)
{
    uint8_t *flat = atomic_load_explicit(&img->mem_flat, memory_order_acquire);
    if (flat) return flat;
    flat = calloc(img->mem_size ? (size_t)img->mem_size : 1, 1);
    if (!flat) return NULL;
    if (!iw_image_memory_copy(img, flat)) {
        free(flat);
        return NULL;
    }
    uint8_t *expected = NULL;
    if (!atomic_compare_exchange_strong_explicit(&img->mem_flat, &expected, flat, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        free(flat);
        flat = expected;
    }
    return flat;
}

void iw_reset_image_free(iw_image_t *img)
{
    free(atomic_load_explicit(&img->mem_flat, memory_order_relaxed));
}

bool iw_reset_memory_new(iw_image_t *img, iw_instance_t *inst)
{
    iw_memory_t *mem = iw_image_memory_new(img, inst);
    if (!mem) return false;
    /* A big image: a copy-on-write mapping of its file and no write map;
     * a reset puts back the pages written (iw_mapped_reset). */
    if (img->mem_pool && img->mem_size > IW_RESET_COPY_MAX_BYTES && iw_mapped_map(mem, img->mem_pool)) return true;
    const uint8_t *flat = iw__image_flat(img);
    if (!flat) return false;
    mem->data = malloc(img->mem_size ? (size_t)img->mem_size : 1);
    mem->dirty = calloc((size_t)(img->mem_size >> IW_DIRTY_BLOCK_SHIFT) + 1, 1);
    if (!mem->data || !mem->dirty) return false;
    memcpy(mem->data, flat, (size_t)img->mem_size);
    mem->size = img->mem_size;
    return true;
}

/* Block b back to the image: its bytes (and the spill after it) below the
 * image's size from the flat copy, those past it zero. */
static void iw__reset_block(iw_memory_t *m, const uint8_t *flat, uint64_t img_size, uint64_t b)
{
    uint64_t lo = b << IW_DIRTY_BLOCK_SHIFT, hi = lo + IW_DIRTY_BLOCK + IW_DIRTY_SPILL;
    if (hi > m->size) hi = m->size;
    uint64_t mid = hi < img_size ? hi : img_size;
    if (lo < mid) memcpy(m->data + lo, flat + lo, (size_t)(mid - lo));
    if (mid < hi) memset(m->data + (lo > mid ? lo : mid), 0, (size_t)(hi - (lo > mid ? lo : mid)));
}

static bool iw__reset_memory(iw_image_t *img, iw_memory_t *m)
{
    if (m->pool) return iw_mapped_reset(m, img->mem_size);
    const uint8_t *flat = atomic_load_explicit(&img->mem_flat, memory_order_acquire);
    uint64_t nblocks = (m->size >> IW_DIRTY_BLOCK_SHIFT) + 1;
    uint64_t b = 0;
    /* 32 clean blocks at a time: most of the map is clean */
    for (; b + 32 <= nblocks; b += 32) {
        uint64_t w[4];
        memcpy(w, m->dirty + b, sizeof w);
        if (!(w[0] | w[1] | w[2] | w[3])) continue;
        for (int i = 0; i < 4; i++)
            for (uint64_t bits = w[i]; bits; bits &= bits - 1)   /* each set byte's lowest bit */
                iw__reset_block(m, flat, img->mem_size, b + (uint64_t)i * 8 + (uint64_t)__builtin_ctzll(bits) / 8);
        memset(m->dirty + b, 0, 32);
    }
    for (; b < nblocks; b++)
        if (m->dirty[b]) {
            iw__reset_block(m, flat, img->mem_size, b);
            m->dirty[b] = 0;
        }
    /* grown pages are zero again; the allocation stays for the next grow */
    m->size = img->mem_size;
    return true;
}

int iw_instance_reset(iw_instance_t *inst, const iw_limits_t *limits)
{
    iw_image_t *img = inst->image;
    if (!img) return -1;
    iw_module_t *m = inst->module;
    iw_instance_abort_call(inst);
    iw_image_globals_copy(img, inst);
    /* a table only grows, so the captured items fit */
    for (uint32_t i = 0; i < inst->nown_tables; i++)
        if (inst->own_tables[i].changed) {
            iw_image_table_copy(img, inst, &inst->own_tables[i], &img->own_tables[i]);
            inst->own_tables[i].changed = false;
        }
    if (m->nelems) memcpy(inst->elem_dropped, img->elem_dropped, m->nelems);
    if (m->ndatas) memcpy(inst->data_dropped, img->data_dropped, m->ndatas);
    inst->limits = limits ? *limits : (iw_limits_t){ 0 };
    if (inst->own_memory) {
        if (!iw__reset_memory(img, inst->own_memory)) return -1;
        inst->own_memory->limit_bytes = inst->limits.max_memory_bytes;
        if (inst->limits.max_memory_bytes && img->mem_size > inst->limits.max_memory_bytes) return -1;
    }
    if (!iw_image_more_memories_copy(img, inst)) return -1;
    iw_exec_t *ex = &inst->ex;
    iw_exec_init(inst);
    ex->consumed = 0;
    ex->budget = ex->budget_base = 0;
    ex->slice = ex->slice_end = 0;
    ex->last_status = IW_FINISHED;
    ex->entry = NULL;
    /* not the whole iw_trap_t: its backtrace is a kilobyte */
    inst->trap.kind = IW_TRAP_NONE;
    inst->trap.message[0] = 0;
    inst->trap.frame_count = 0;
    inst->host_trapped = false;
    inst->exit_code = 0;
    return 0;
}

int iw_instance_make_resettable(iw_instance_t *inst)
{
    if (inst->image) return -1;
    iw_image_t *img = iw_image_capture(inst);
    if (!img || img->paused) {
        if (img) iw_image_release(img);
        return -1;
    }
    iw_memory_t *m = inst->own_memory;
    /* a memory made by iw_instance_new has no image file behind it: its
     * resets copy back from the image's flat copy */
    if (m && !m->dirty) {
        uint8_t *dirty = calloc((size_t)(m->size >> IW_DIRTY_BLOCK_SHIFT) + 1, 1);
        if (!dirty || m->pool || !iw__image_flat(img)) {
            free(dirty);
            iw_image_release(img);
            return -1;
        }
        m->dirty = dirty;
    }
    for (uint32_t i = 0; i < inst->nown_tables; i++) inst->own_tables[i].changed = false;
    inst->image = img;
    return 0;
}
