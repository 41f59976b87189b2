/* Which pages of a memory the process has touched (Linux).
 *
 * A page of private anonymous memory that is neither present nor swapped
 * out has never been written since it was mapped (or was dropped), so it
 * reads as zero. /proc/self/pagemap says so for each page without
 * touching it: a snapshot of a memory declared 4 GiB but barely used
 * skips the untouched pages instead of reading (and faulting in) every
 * one. Only for memories not mapped from a file, whose absent pages read
 * the file. Where pagemap cannot be read every page counts as touched,
 * which is correct, only slower. */
#include "wasm/touched.h"

#ifdef __linux__
#include <fcntl.h>
#include <unistd.h>

#define IW__PAGEMAP_PRESENT (1ull << 63)
#define IW__PAGEMAP_SWAPPED (1ull << 62)

void iw_touched_open(iw_touched_t *t)
{
    long page = sysconf(_SC_PAGESIZE);
    t->page = page > 0 ? (size_t)page : 4096;
    t->fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    t->first = 0;
    t->count = 0;
}

void iw_touched_close(iw_touched_t *t)
{
    if (t->fd >= 0) close(t->fd);
    t->fd = -1;
}

bool iw_touched(iw_touched_t *t, const void *p)
{
    if (t->fd < 0) return true;
    uintptr_t page = (uintptr_t)p / t->page;
    if (page < t->first || page >= t->first + t->count) {
        ssize_t n = pread(t->fd, t->entries, sizeof t->entries, (off_t)(page * sizeof t->entries[0]));
        if (n < (ssize_t)sizeof t->entries[0]) {
            iw_touched_close(t);   /* unreadable: every page counts */
            return true;
        }
        t->first = page;
        t->count = (size_t)n / sizeof t->entries[0];
    }
    return (t->entries[page - t->first] & (IW__PAGEMAP_PRESENT | IW__PAGEMAP_SWAPPED)) != 0;
}

#else

void iw_touched_open(iw_touched_t *t)
{
    t->fd = -1;
    t->page = 4096;
}

void iw_touched_close(iw_touched_t *t) { (void)t; }

bool iw_touched(iw_touched_t *t, const void *p)
{
    (void)t, (void)p;
    return true;
}

#endif
