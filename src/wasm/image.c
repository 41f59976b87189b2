/* Snapshots: an immutable image of an instance (memory, globals, tables,
 * dropped segments and a paused call's stacks) and new instances made from
 * it. On Linux a memory larger than IW_IMAGE_COPY_MAX_BYTES goes into a
 * memfd that every new instance maps MAP_PRIVATE (mapped.c): copy-on-write,
 * so starting from an image costs about the same whatever the memory size.
 * Elsewhere, and for small memories, the memory is copied into new
 * instances from a sparse copy: only its non-zero 4 KiB blocks are kept,
 * since an image is held for as long as its function is configured and a
 * small guest's memory is mostly untouched.
 *
 * References to the captured instance's own functions (in tables, globals
 * and stack slots) are remembered by address range and rebased onto the new
 * instance's functions. Stack slots are untyped, so a slot is rebased when
 * it holds exactly such an address: an integer with that value would be
 * rebased too, which is accepted as vanishingly unlikely. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/config.h"
#include "wasm/image.h"
#include "wasm/touched.h"

#ifdef __linux__
#include <sys/mman.h>
#include <unistd.h>
#endif

static void iw__image_free(iw_image_t *img)
{
    if (!img) return;
    for (uint32_t i = 0; i < img->nown_tables; i++) free(img->own_tables[i].items);
    iw_map_pool_release(img->mem_pool);
    free(img->own_tables);
    free(img->funcs);
    free(img->host_funcs);
    free(img->tables);
    free(img->mem_blocks);
    for (uint32_t i = 0; i < img->nmore; i++) free(img->more[i].data);
    free(img->more);
    free(img->memories);
    free(img->mem_block_at);
    free(img->globals);
    free(img->own_globals);
    free(img->elem_dropped);
    free(img->data_dropped);
    free(img->stack);
    free(img->frames);
    iw_reset_image_free(img);
    if (img->module) iw_module_release(img->module);
    free(img);
}

void iw_image_retain(iw_image_t *img) { atomic_fetch_add(&img->refs, 1); }

void iw_image_release(iw_image_t *img)
{
    if (img && atomic_fetch_sub(&img->refs, 1) == 1) iw__image_free(img);
}

static uint32_t iw__func_index_of(const iw_instance_t *inst, const iw_func_t *f)
{
    for (uint32_t i = 0; i < inst->module->nfuncs; i++)
        if (inst->funcs[i] == f) return i;
    return 0;
}

static bool iw__zero_block(const uint8_t *p, size_t n)
{
    static const uint8_t zeros[IW_IMAGE_BLOCK];
    return memcmp(p, zeros, n) == 0;
}

/* Where the zero blocks of a memory are found: untouched pages are zero
 * without a look (touched.c), so a big memory the guest barely used costs
 * a capture what it used. A memory mapped from an image's file reads the
 * file where it is untouched, so each of its blocks is looked at. */
typedef struct {
    const iw_memory_t *mem;
    iw_touched_t *touched;     /* NULL: look at every block */
} iw__scan_t;

static bool iw__scan_open(iw__scan_t *s, const iw_memory_t *mem)
{
    s->mem = mem;
    s->touched = NULL;
    if (mem->pool) return true;
    s->touched = malloc(sizeof *s->touched);
    if (!s->touched) return false;
    iw_touched_open(s->touched);
    return true;
}

static void iw__scan_close(iw__scan_t *s)
{
    if (s->touched) iw_touched_close(s->touched);
    free(s->touched);
    s->touched = NULL;
}

/* Whether the n bytes at offset at are all zero. */
static bool iw__scan_zero(iw__scan_t *s, size_t at, size_t n)
{
    const uint8_t *p = s->mem->data + at;
    if (s->touched && !iw_touched(s->touched, p) && !iw_touched(s->touched, p + n - 1)) return true;
    return iw__zero_block(p, n);
}

#ifdef __linux__

/* Writes the memory into a new memfd, leaving holes where it is zero so
 * that untouched guest memory costs the image nothing. -1 on failure. */
static int iw__memory_file(const iw_memory_t *mem)
{
    iw__scan_t scan;
    if (!iw__scan_open(&scan, mem)) return -1;
    int fd = memfd_create("ifrit-image", MFD_CLOEXEC);
    if (fd < 0) goto fail;
    if (ftruncate(fd, (off_t)mem->size) != 0) goto fail;
    const size_t block = IW_IMAGE_BLOCK;
    size_t at = 0;
    while (at < mem->size) {
        size_t left = (size_t)mem->size - at, n = left < block ? left : block;
        if (iw__scan_zero(&scan, at, n)) {
            at += n;
            continue;
        }
        size_t end = at + n;     /* extend the run over non-zero blocks */
        while (end < mem->size) {
            size_t m = (size_t)mem->size - end < block ? (size_t)mem->size - end : block;
            if (iw__scan_zero(&scan, end, m)) break;
            end += m;
        }
        while (at < end) {
            ssize_t w = pwrite(fd, mem->data + at, end - at, (off_t)at);
            if (w <= 0) goto fail;
            at += (size_t)w;
        }
    }
    iw__scan_close(&scan);
    return fd;
fail:
    iw__scan_close(&scan);
    if (fd >= 0) close(fd);
    return -1;
}
#endif

/* The memory's non-zero blocks, with their block numbers. */
static bool iw__capture_blocks(iw_image_t *img, const iw_memory_t *mem)
{
    iw__scan_t scan;
    if (!iw__scan_open(&scan, mem)) return false;
    uint32_t nblocks = (uint32_t)(mem->size / IW_IMAGE_BLOCK), n = 0;
    for (uint32_t b = 0; b < nblocks; b++) n += !iw__scan_zero(&scan, (size_t)b * IW_IMAGE_BLOCK, IW_IMAGE_BLOCK);
    img->mem_blocks = malloc(n ? (size_t)n * IW_IMAGE_BLOCK : 1);
    img->mem_block_at = malloc((n ? n : 1) * sizeof *img->mem_block_at);
    bool ok = img->mem_blocks && img->mem_block_at;
    for (uint32_t b = 0; ok && b < nblocks; b++) {
        if (iw__scan_zero(&scan, (size_t)b * IW_IMAGE_BLOCK, IW_IMAGE_BLOCK)) continue;
        memcpy(img->mem_blocks + (size_t)img->mem_nblocks * IW_IMAGE_BLOCK,
               mem->data + (size_t)b * IW_IMAGE_BLOCK, IW_IMAGE_BLOCK);
        img->mem_block_at[img->mem_nblocks++] = b;
    }
    iw__scan_close(&scan);
    return ok;
}

/* The memory's bytes into a memfd with a pool of mappings (Linux, big
 * memories) or a sparse copy. */
static bool iw__capture_memory(iw_image_t *img, const iw_memory_t *mem)
{
    img->mem_size = mem->size;
    img->mem_max_pages = mem->max_pages;
    img->mem_has_max = mem->has_max;
#ifdef __linux__
    int fd = mem->size > IW_IMAGE_COPY_MAX_BYTES ? iw__memory_file(mem) : -1;
    if (fd >= 0) {
        img->mem_pool = iw_map_pool_new(fd, mem->size, (uint64_t)mem->max_pages * IW_PAGE_SIZE);
        if (img->mem_pool) return true;
        close(fd);
    }
#endif
    return iw__capture_blocks(img, mem);
}

iw_image_t *iw_image_capture(iw_instance_t *inst)
{
    iw_module_t *m = inst->module;
    const iw_exec_t *ex = &inst->ex;
    if (ex->state == IW_RUNNING) return NULL;
    iw_image_t *img = calloc(1, sizeof *img);
    if (!img) return NULL;
    atomic_init(&img->refs, 1);
    iw_module_retain(m);
    img->module = m;
    img->own_lo = (uintptr_t)inst->own_funcs;
    img->own_hi = (uintptr_t)(inst->own_funcs + m->nfuncs);
    /* Defined functions are the new instance's own; only imports are kept. */
    img->funcs = malloc((m->nimported_funcs + 1) * sizeof *img->funcs);
    img->host_funcs = malloc((m->nimported_funcs + 1) * sizeof *img->host_funcs);
    img->tables = malloc((m->ntables + 1) * sizeof *img->tables);
    img->own_tables = calloc(inst->nown_tables + 1, sizeof *img->own_tables);
    img->globals = malloc((m->nglobals + 1) * sizeof *img->globals);
    img->own_globals = malloc((m->nglobals + 1) * sizeof *img->own_globals);
    img->elem_dropped = malloc(m->nelems + 1);
    img->data_dropped = malloc(m->ndatas + 1);
    if (!img->funcs || !img->host_funcs || !img->tables || !img->own_tables || !img->globals ||
        !img->own_globals || !img->elem_dropped || !img->data_dropped)
        goto fail;
    memcpy(img->funcs, inst->funcs, m->nimported_funcs * sizeof *img->funcs);
    memcpy(img->host_funcs, inst->own_funcs, m->nimported_funcs * sizeof *img->host_funcs);
    memcpy(img->tables, inst->tables, m->ntables * sizeof *img->tables);
    for (uint32_t i = 0; i < inst->nown_tables; i++) {
        const iw_table_t *t = &inst->own_tables[i];
        iw_table_t *c = &img->own_tables[i];
        *c = (iw_table_t){ .elem = t->elem, .size = t->size, .max = t->max };
        c->items = malloc((t->size ? t->size : 1) * sizeof *c->items);
        if (!c->items) goto fail;
        img->nown_tables = i + 1;
        memcpy(c->items, t->items, t->size * sizeof *c->items);
    }
    memcpy(img->globals, inst->globals, m->nglobals * sizeof *img->globals);
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++) img->own_globals[i] = *inst->globals[i];
    memcpy(img->elem_dropped, inst->elem_dropped, m->nelems);
    memcpy(img->data_dropped, inst->data_dropped, m->ndatas);
    img->memories = malloc((m->nmemories + 1) * sizeof *img->memories);
    img->more = calloc(inst->nmore_memories + 1, sizeof *img->more);
    if (!img->memories || !img->more) goto fail;
    memcpy(img->memories, inst->memories, m->nmemories * sizeof *img->memories);
    if (inst->own_memory) {
        img->has_own_memory = true;
        if (!iw__capture_memory(img, inst->own_memory)) goto fail;
    }
    for (uint32_t i = 0; i < inst->nmore_memories; i++) {
        const iw_memory_t *src = &inst->more_memories[i];
        iw_image_mem_t *c = &img->more[i];
        *c = (iw_image_mem_t){ .size = src->size, .max_pages = src->max_pages, .has_max = src->has_max };
        c->data = malloc(src->size ? (size_t)src->size : 1);
        if (!c->data) goto fail;
        img->nmore = i + 1;
        memcpy(c->data, src->data, (size_t)src->size);
    }
    if (ex->state == IW_PAUSED) {
        const iw_exec_frame_t *top = &ex->frames[ex->depth];
        size_t used = (size_t)(top->fp - ex->stack) + (top->fn ? top->fn->frame_slots : 0);
        if (ex->reason == IW_SUSPEND_HOST) {
            size_t host_end = ex->host_base + IW_HOST_MAX_RESULTS;
            if (used < host_end) used = host_end;
        }
        if (used > ex->stack_slots) used = ex->stack_slots;
        img->paused = true;
        img->stack_used = used;
        img->stack = malloc((used ? used : 1) * sizeof *img->stack);
        img->frames = malloc((ex->depth + 1) * sizeof *img->frames);
        if (!img->stack || !img->frames) goto fail;
        memcpy(img->stack, ex->stack, used * sizeof *img->stack);
        for (uint32_t d = 0; d <= ex->depth; d++) {
            img->frames[d] = ex->frames[d];
            /* frame pointers become offsets; the instance is marked NULL
             * when it is the captured one */
            img->frames[d].fp = (uint64_t *)(uintptr_t)(ex->frames[d].fp - ex->stack);
            if (img->frames[d].inst == inst) img->frames[d].inst = NULL;
        }
        img->depth = ex->depth;
        img->ip = ex->ip;
        img->reason = ex->reason;
        img->host_index = ex->host ? iw__func_index_of(inst, ex->host) : 0;
        img->host_base = ex->host_base;
        img->entry_index = ex->entry ? iw__func_index_of(inst, ex->entry) : 0;
        img->nresults = ex->entry ? ex->entry->nresults : 0;
    }
    return img;
fail:
    iw__image_free(img);
    return NULL;
}

uint64_t iw_rebase(const iw_image_t *img, const iw_instance_t *inst, uint64_t v)
{
    if (v < img->own_lo || v >= img->own_hi || (v - img->own_lo) % sizeof(iw_func_t)) return v;
    return (uint64_t)(uintptr_t)&inst->own_funcs[(v - img->own_lo) / sizeof(iw_func_t)];
}

iw_memory_t *iw_image_memory_new(const iw_image_t *img, iw_instance_t *inst)
{
    iw_memory_t *mem = malloc(sizeof *mem);
    if (!mem) return NULL;
    uint64_t limit = inst->limits.max_memory_bytes;
    if (!iw_memory_init(mem, 0, img->mem_has_max ? img->mem_max_pages : UINT32_MAX, limit)) {
        free(mem);
        return NULL;
    }
    mem->owner = inst;
    inst->own_memory = mem;
    inst->memory = mem;
    inst->memories[0] = mem;
    if (limit && img->mem_size > limit) return NULL;
    return mem;
}

bool iw_image_more_memories_copy(const iw_image_t *img, iw_instance_t *inst)
{
    uint64_t limit = inst->limits.max_memory_bytes;
    for (uint32_t i = 0; i < img->nmore; i++) {
        const iw_image_mem_t *src = &img->more[i];
        iw_memory_t *mem = &inst->more_memories[i];
        if (limit && src->size > limit) return false;
        mem->limit_bytes = 0;   /* the image's size was allowed; the limit holds from here on */
        if (mem->size < src->size && iw_memory_try_grow(mem, (uint32_t)((src->size - mem->size) / IW_PAGE_SIZE)) < 0)
            return false;
        memcpy(mem->data, src->data, (size_t)src->size);
        /* pages grown past the image are zero again; the allocation stays */
        if (mem->size > src->size) memset(mem->data + src->size, 0, (size_t)(mem->size - src->size));
        mem->size = src->size;
        mem->limit_bytes = limit;
    }
    /* the cap is on all the instance's memories together */
    return !limit || iw_memory_total(inst) <= limit;
}

bool iw_image_memory_copy(const iw_image_t *img, uint8_t *dst)
{
    if (!img->mem_pool) {
        for (uint32_t k = 0; k < img->mem_nblocks; k++)
            memcpy(dst + (size_t)img->mem_block_at[k] * IW_IMAGE_BLOCK, img->mem_blocks + (size_t)k * IW_IMAGE_BLOCK,
                   IW_IMAGE_BLOCK);
        return true;
    }
#ifdef __linux__
    size_t done = 0;
    while (done < img->mem_size) {
        ssize_t n = pread(iw_map_pool_fd(img->mem_pool), dst + done, (size_t)img->mem_size - done, (off_t)done);
        if (n <= 0) return false;
        done += (size_t)n;
    }
#endif
    return true;
}

void iw_image_table_copy(const iw_image_t *img, const iw_instance_t *inst, iw_table_t *t, const iw_table_t *src)
{
    for (uint32_t k = 0; k < src->size; k++)
        t->items[k] = src->elem == IW_FUNCREF ? iw_rebase(img, inst, src->items[k]) : src->items[k];
    t->size = src->size;
}

void iw_image_globals_copy(const iw_image_t *img, iw_instance_t *inst)
{
    const iw_module_t *m = inst->module;
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++) {
        iw_global_t *g = &inst->own_globals[i - m->nimported_globals];
        *g = img->own_globals[i];
        if (g->type == IW_FUNCREF) g->value = iw_rebase(img, inst, g->value);
    }
}

/* A plain instance's memory: a copy-on-write mapping of the image's file,
 * or (no file, or no address space for the mapping) a copy. */
static bool iw__restore_memory(const iw_image_t *img, iw_instance_t *inst)
{
    iw_memory_t *mem = iw_image_memory_new(img, inst);
    if (!mem) return false;
    if (img->mem_pool && iw_mapped_map(mem, img->mem_pool)) return true;
    mem->data = calloc(img->mem_size ? (size_t)img->mem_size : 1, 1);
    if (!mem->data) return false;
    mem->size = img->mem_size;
    return iw_image_memory_copy(img, mem->data);
}

static iw_instance_t *iw__from_image(iw_image_t *img, const iw_limits_t *limits, bool resettable, iw_error_t *err)
{
    iw_module_t *m = img->module;
    if (err) memset(err, 0, sizeof *err);
    iw_instance_t *inst = iw_instance_alloc(m, limits);
    if (!inst) goto fail;
    for (uint32_t i = 0; i < m->nimported_funcs; i++) {
        if ((uintptr_t)img->funcs[i] >= img->own_lo && (uintptr_t)img->funcs[i] < img->own_hi) {
            inst->own_funcs[i] = img->host_funcs[i];
            inst->funcs[i] = &inst->own_funcs[i];
        } else {
            inst->funcs[i] = img->funcs[i];
        }
    }
    memcpy(inst->tables, img->tables, m->nimported_tables * sizeof *inst->tables);
    inst->own_tables = calloc(img->nown_tables + 1, sizeof *inst->own_tables);
    if (!inst->own_tables) goto fail;
    for (uint32_t i = 0; i < img->nown_tables; i++) {
        const iw_table_t *src = &img->own_tables[i];
        iw_table_t *t = &inst->own_tables[i];
        if (!iw_table_init(t, src->elem, src->size, src->max)) goto fail;
        inst->nown_tables = i + 1;
        iw_image_table_copy(img, inst, t, src);
        inst->tables[m->nimported_tables + i] = t;
    }
    memcpy(inst->globals, img->globals, m->nimported_globals * sizeof *inst->globals);
    iw_image_globals_copy(img, inst);
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++) inst->globals[i] = &inst->own_globals[i - m->nimported_globals];
    memcpy(inst->elem_dropped, img->elem_dropped, m->nelems);
    memcpy(inst->data_dropped, img->data_dropped, m->ndatas);
    memcpy(inst->memories, img->memories, m->nmemories * sizeof *inst->memories);
    if (img->has_own_memory && !(resettable ? iw_reset_memory_new(img, inst) : iw__restore_memory(img, inst))) goto fail;
    inst->memory = inst->memories[0];
    if (img->nmore) {
        uint32_t first = iw_first_more_memory(m);
        inst->more_memories = calloc(img->nmore, sizeof *inst->more_memories);
        if (!inst->more_memories) goto fail;
        for (uint32_t i = 0; i < img->nmore; i++) {
            const iw_image_mem_t *src = &img->more[i];
            if (!iw_memory_init(&inst->more_memories[i], 0, src->has_max ? src->max_pages : UINT32_MAX, 0)) goto fail;
            inst->more_memories[i].owner = inst;
            inst->nmore_memories = i + 1;
            inst->memories[first + i] = &inst->more_memories[i];
        }
        if (!iw_image_more_memories_copy(img, inst)) goto fail;
    }
    if (img->paused) {
        iw_exec_t *ex = &inst->ex;
        while (ex->frame_cap < img->depth + 2)
            if (!iw_frames_grow(inst)) goto fail;
        if (!iw_stack_grow(inst, img->stack_used)) goto fail;
        for (size_t i = 0; i < img->stack_used; i++) ex->stack[i] = iw_rebase(img, inst, img->stack[i]);
        for (uint32_t d = 0; d <= img->depth; d++) {
            iw_exec_frame_t f = img->frames[d];
            f.fp = ex->stack + (uintptr_t)img->frames[d].fp;
            if (!f.inst) f.inst = inst;
            ex->frames[d] = f;
        }
        ex->depth = img->depth;
        ex->ip = img->ip;
        ex->state = IW_PAUSED;
        ex->reason = img->reason;
        ex->host = img->reason == IW_SUSPEND_HOST ? inst->funcs[img->host_index] : NULL;
        ex->host_base = img->host_base;
        ex->entry = inst->funcs[img->entry_index];
        ex->results = NULL;     /* read them with iw_instance_results */
        ex->nresults = img->nresults;
    }
    return inst;
fail:
    if (err) snprintf(err->message, sizeof err->message, "cannot create an instance from the image (out of memory or over the memory limit)");
    iw_instance_free(inst);
    return NULL;
}

iw_instance_t *iw_instance_from_image(iw_image_t *img, const iw_limits_t *limits, iw_error_t *err)
{
    return iw__from_image(img, limits, false, err);
}

iw_instance_t *iw_instance_from_image_resettable(iw_image_t *img, const iw_limits_t *limits, iw_error_t *err)
{
    if (img->paused) {
        if (err) *err = (iw_error_t){ .message = "an image of a paused call cannot make a resettable instance" };
        return NULL;
    }
    iw_instance_t *inst = iw__from_image(img, limits, true, err);
    if (inst) {
        iw_image_retain(img);
        inst->image = img;
    }
    return inst;
}
