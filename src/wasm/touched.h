/* Which pages of private anonymous memory were ever touched (touched.c).
 * Internal to src/wasm. */
#ifndef IFRIT_WASM_TOUCHED_H
#define IFRIT_WASM_TOUCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int fd;                 /* /proc/self/pagemap (the process's, not owned), or -1: every page counts as touched */
    size_t page;            /* the system's page size */
    uintptr_t first;        /* page number of entries[0] */
    size_t count;           /* entries read */
    uintptr_t end;          /* page number past the last one asked about (reads stop there), or 0 */
    uint64_t entries[4096]; /* one per page: 16 MiB of memory per read */
} iw_touched_t;

void iw_touched_open(iw_touched_t *t);
void iw_touched_close(iw_touched_t *t);
/* Whether the page holding p may hold anything but zeros: false only for a
 * page of private anonymous memory that is neither present nor swapped. */
bool iw_touched(iw_touched_t *t, const void *p);
/* Whether the page holding p is the process's own copy: present or
 * swapped, and not a page of a file or of shared memory (in a private
 * mapping of a file, a page written since it was mapped). True for every
 * page where pagemap cannot be read; t->fd is then -1, which a caller that
 * must know checks. */
bool iw_touched_private(iw_touched_t *t, const void *p);

#endif
