/* Memories in reserved address space (Linux).
 *
 * Copy-on-write memories for instances made from a snapshot: the
 * image's memory lives in a memfd; each instance maps it MAP_PRIVATE, so a
 * new instance costs a few system calls whatever the memory size, and pages
 * are copied only when the guest writes them. The mapping sits at the start
 * of a reservation as large as the memory may ever grow, so memory.grow
 * only changes page protections and the memory never moves.
 * Big memories that grow move into such a reservation too (without a file),
 * so growing never copies and untouched pages cost nothing.
 * Elsewhere (the wasm32 edge build) memories stay heap blocks and these
 * functions report failure. */
#include "wasm/runtime.h"

#ifdef __linux__
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wasm/config.h"

bool iw__mapped_map(iw_memory_t *m, int fd, uint64_t size, uint64_t reserve)
{
    if (reserve < size || reserve > SIZE_MAX) return false;
    size_t len = reserve ? (size_t)reserve : 1;
    uint8_t *base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) return false;
    if (size && mmap(base, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
        munmap(base, len);
        return false;
    }
    m->data = base;
    m->size = size;
    m->kind = IW__MEM_MAPPED;
    m->mapped_len = len;
    return true;
}

bool iw__mapped_grow(iw_memory_t *m, uint64_t bytes)
{
    if (bytes > m->mapped_len) return false;
    return mprotect(m->data + m->size, (size_t)(bytes - m->size), PROT_READ | PROT_WRITE) == 0;
}

bool iw__mapped_adopt(iw_memory_t *m, uint64_t bytes)
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
    m->kind = IW__MEM_MAPPED;
    m->mapped_len = (size_t)reserve;
    return true;
}

void iw__mapped_release(iw_memory_t *m)
{
    if (m->data) munmap(m->data, m->mapped_len);
}

#else

bool iw__mapped_map(iw_memory_t *m, int fd, uint64_t size, uint64_t reserve)
{
    (void)m, (void)fd, (void)size, (void)reserve;
    return false;
}

bool iw__mapped_grow(iw_memory_t *m, uint64_t bytes)
{
    (void)m, (void)bytes;
    return false;
}

bool iw__mapped_adopt(iw_memory_t *m, uint64_t bytes)
{
    (void)m, (void)bytes;
    return false;
}

void iw__mapped_release(iw_memory_t *m) { (void)m; }

#endif
