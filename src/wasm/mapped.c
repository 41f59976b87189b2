/* Memories in reserved address space (Linux).
 *
 * Copy-on-write memories for instances made from a snapshot: the image's
 * memory lives in a memfd; each instance maps it MAP_PRIVATE, so pages are
 * copied only when the guest writes them. The mapping sits at the start of
 * a reservation as large as the memory may ever grow, so memory.grow only
 * changes page protections and the memory never moves.
 *
 * Setting up and tearing down such a mapping costs more than the guest's
 * work on a typical request (mmap, munmap, and page-table setup), so an
 * image keeps a pool of idle mappings: a freed instance's memory is reset
 * and handed to the next instance. A reset finds the pages the guest made
 * its own (copied on write, or grown into) in /proc/self/pagemap and puts
 * the image's bytes back into them in place (zeros past the image), so
 * they stay present and the next guest that writes them takes no page
 * fault: a Go guest (esbuild) took ~570 faults a request, a fifth of its
 * CPU with the compiler. It costs in proportion to the memory's size for
 * the pagemap read (8 bytes a page) and to the pages written for the
 * copy. A guest that made more than IW_MAPPED_KEEP_MAX_BYTES its own, or
 * a process that cannot read pagemap, has them dropped instead
 * (MADV_DONTNEED: the next guest faults them in again from the file).
 *
 * Big memories that grow move into such a reservation too (without a
 * file), so growing never copies and untouched pages cost nothing.
 * Elsewhere (the wasm32 edge build) memories stay heap blocks and these
 * functions report failure. */
#include "wasm/runtime.h"

#ifdef __linux__
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wasm/config.h"
#include "wasm/touched.h"

typedef struct {
    uint8_t *base;
    size_t len;
} iw__mapping_t;

struct iw_map_pool {
    atomic_int refs;                /* the image, plus each memory using it */
    atomic_flag lock;               /* guards idle/nidle; held for a few loads */
    int fd;                         /* the image's memory; owned */
    const uint8_t *view;            /* fd mapped shared and read-only, or NULL; owned */
    atomic_uint drop_next;          /* resets to do by dropping, without the pagemap scan */
    uint64_t size, reserve;
    iw__mapping_t idle[IW_IMAGE_POOL_MAX];
    uint32_t nidle;
};

iw_map_pool_t *iw_map_pool_new(int fd, uint64_t size, uint64_t reserve)
{
    if (reserve < size || reserve > SIZE_MAX) return NULL;
    iw_map_pool_t *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    atomic_init(&p->refs, 1);
    atomic_init(&p->drop_next, 0);
    atomic_flag_clear(&p->lock);
    p->fd = fd;
    p->size = size;
    p->reserve = reserve ? reserve : IW_PAGE_SIZE;
    if (size) {   /* where resets copy the image's bytes from; without it they drop pages */
        void *view = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
        p->view = view == MAP_FAILED ? NULL : view;
    }
    return p;
}

int iw_map_pool_fd(const iw_map_pool_t *p) { return p->fd; }

void iw_map_pool_release(iw_map_pool_t *p)
{
    if (!p || atomic_fetch_sub(&p->refs, 1) != 1) return;
    for (uint32_t i = 0; i < p->nidle; i++) munmap(p->idle[i].base, p->idle[i].len);
    if (p->view) munmap((void *)p->view, (size_t)p->size);
    close(p->fd);
    free(p);
}

static void iw__pool_lock(iw_map_pool_t *p)
{
    while (atomic_flag_test_and_set_explicit(&p->lock, memory_order_acquire)) {}
}

static void iw__pool_unlock(iw_map_pool_t *p) { atomic_flag_clear_explicit(&p->lock, memory_order_release); }

/* A fresh reservation with the file mapped copy-on-write at its start. */
static bool iw__pool_map_new(iw_map_pool_t *p, iw__mapping_t *out)
{
    size_t len = (size_t)p->reserve;
    uint8_t *base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) return false;
    if (p->size && mmap(base, (size_t)p->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, p->fd, 0) == MAP_FAILED) {
        munmap(base, len);
        return false;
    }
    *out = (iw__mapping_t){ base, len };
    return true;
}

bool iw_mapped_map(iw_memory_t *m, iw_map_pool_t *p)
{
    iw__mapping_t map = { 0 };
    iw__pool_lock(p);
    if (p->nidle) map = p->idle[--p->nidle];
    iw__pool_unlock(p);
    if (!map.base && !iw__pool_map_new(p, &map)) return false;
    atomic_fetch_add(&p->refs, 1);
    m->data = map.base;
    m->size = p->size;
    m->kind = IW_MEM_MAPPED;
    m->mapped_len = map.len;
    m->pool = p;
    return true;
}

/* Puts the image's bytes back into the pages the guest made its own
 * (zeros into those past the image's size), leaving them present; false,
 * having changed nothing, when pagemap cannot be read, the pool has no
 * view of its file, or more than IW_MAPPED_KEEP_MAX_BYTES are its own.
 * Every other page of the mapping is still the file's (the file never
 * changes) or was never touched (it reads zero past the file), so after
 * this every byte reads as the image. */
static bool iw__restore_in_place(iw_memory_t *m, iw_map_pool_t *p)
{
    if ((!p->view && p->size) || m->size > IW_MAPPED_SCAN_MAX_BYTES) return false;
    unsigned drop = atomic_load_explicit(&p->drop_next, memory_order_relaxed);
    if (drop) {
        atomic_store_explicit(&p->drop_next, drop - 1, memory_order_relaxed);
        return false;
    }
    iw_touched_t *t = malloc(sizeof *t);
    if (!t) return false;
    iw_touched_open(t);
    size_t page = t->page, max = IW_MAPPED_KEEP_MAX_BYTES / page, n = 0;
    t->end = ((uintptr_t)m->data + (size_t)m->size) / page;
    uint32_t *own = t->fd >= 0 ? malloc(max * sizeof *own) : NULL;
    bool ok = own != NULL;
    for (size_t at = 0; ok && at < (size_t)m->size; at += page) {
        if (!iw_touched_private(t, m->data + at)) continue;
        if (t->fd < 0 || n == max) ok = false;   /* unreadable midway, or too many */
        else own[n++] = (uint32_t)(at / page);
    }
    iw_touched_close(t);
    free(t);
    for (size_t i = 0; ok && i < n; i++) {
        size_t at = (size_t)own[i] * page;
        if (at < p->size) memcpy(m->data + at, p->view + at, page);
        else memset(m->data + at, 0, page);
    }
    free(own);
    /* Few pages its own: the scan cost more than the faults it saves. The
     * next resets drop them (cheap when few), then one scans again. */
    if (ok && n * IW_MAPPED_SCAN_WORTH < (size_t)m->size / page)
        atomic_store_explicit(&p->drop_next, IW_MAPPED_SCAN_PAUSE, memory_order_relaxed);
    return ok;
}

/* Back to the image's state: written pages hold the image's bytes again
 * (in place, or dropped so they read the file again), pages grown into
 * are inaccessible (and zero) again. Costs in proportion to what the
 * guest touched, plus the pagemap read. */
bool iw_mapped_reset(iw_memory_t *m, uint64_t size)
{
    iw_map_pool_t *p = m->pool;
    if (!p) return false;
    bool in_place = size == p->size && iw__restore_in_place(m, p);
    if (m->size > size && mprotect(m->data + size, (size_t)(m->size - size), PROT_NONE) != 0) return false;
    if (!in_place && madvise(m->data, (size_t)m->size, MADV_DONTNEED) != 0) return false;
    m->size = size;
    return true;
}

bool iw_mapped_grow(iw_memory_t *m, uint64_t bytes)
{
    if (bytes > m->mapped_len) return false;
    return mprotect(m->data + m->size, (size_t)(bytes - m->size), PROT_READ | PROT_WRITE) == 0;
}

bool iw_mapped_adopt(iw_memory_t *m, uint64_t bytes)
{
    uint64_t reserve = (uint64_t)m->max_pages * IW_PAGE_SIZE;
    if (m->limit_bytes && m->limit_bytes < reserve) reserve = m->limit_bytes - m->limit_bytes % IW_PAGE_SIZE;
    if (reserve < bytes || reserve > SIZE_MAX) return false;
    uint8_t *base = mmap(NULL, (size_t)reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) return false;
    if (mprotect(base, (size_t)bytes, PROT_READ | PROT_WRITE) != 0) {
        munmap(base, (size_t)reserve);
        return false;
    }
    if (m->size) memcpy(base, m->data, (size_t)m->size);
    free(m->data);
    m->data = base;
    m->kind = IW_MEM_MAPPED;
    m->mapped_len = (size_t)reserve;
    return true;
}

void iw_mapped_release(iw_memory_t *m)
{
    iw_map_pool_t *p = m->pool;
    if (!m->data) return;
    bool kept = false;
    if (p && iw_mapped_reset(m, p->size)) {
        iw__pool_lock(p);
        if (p->nidle < IW_IMAGE_POOL_MAX) {
            p->idle[p->nidle++] = (iw__mapping_t){ m->data, m->mapped_len };
            kept = true;
        }
        iw__pool_unlock(p);
    }
    if (!kept) munmap(m->data, m->mapped_len);
    m->pool = NULL;
    iw_map_pool_release(p);
}

#else

iw_map_pool_t *iw_map_pool_new(int fd, uint64_t size, uint64_t reserve)
{
    (void)fd, (void)size, (void)reserve;
    return NULL;
}

int iw_map_pool_fd(const iw_map_pool_t *p)
{
    (void)p;
    return -1;
}

void iw_map_pool_release(iw_map_pool_t *p) { (void)p; }

bool iw_mapped_map(iw_memory_t *m, iw_map_pool_t *p)
{
    (void)m, (void)p;
    return false;
}

bool iw_mapped_grow(iw_memory_t *m, uint64_t bytes)
{
    (void)m, (void)bytes;
    return false;
}

bool iw_mapped_reset(iw_memory_t *m, uint64_t size)
{
    (void)m, (void)size;
    return false;
}

bool iw_mapped_adopt(iw_memory_t *m, uint64_t bytes)
{
    (void)m, (void)bytes;
    return false;
}

void iw_mapped_release(iw_memory_t *m) { (void)m; }

#endif
