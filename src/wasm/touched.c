/* Which pages of a memory the process has touched (Linux).
 *
 * A page of private anonymous memory that is neither present nor swapped
 * out has never been written since it was mapped (or was dropped), so it
 * reads as zero. /proc/self/pagemap says so for each page without
 * touching it: a snapshot of a memory declared 4 GiB but barely used
 * skips the untouched pages instead of reading (and faulting in) every
 * one. Only for memories not mapped from a file, whose absent pages read
 * the file. Where pagemap cannot be read every page counts as touched,
 * which is correct, only slower.
 *
 * In a copy-on-write mapping of a file, the pages the process wrote are
 * its own (anonymous) copies and the others the file's: a reset that
 * puts back only those keeps the rest shared (mapped.c). */
#include "wasm/touched.h"

#ifdef __linux__
#include <fcntl.h>
#include <stdatomic.h>
#include <unistd.h>

#define IW__PAGEMAP_PRESENT (1ull << 63)
#define IW__PAGEMAP_SWAPPED (1ull << 62)
#define IW__PAGEMAP_FILE    (1ull << 61)   /* a page of a file or of shared memory */

/* One descriptor for the process, opened at first use: a reset runs per
 * request, and opening a /proc file costs more than reading a small
 * memory's entries. /proc/self resolves when it is opened, so a child
 * made by fork opens its own (the parent's pages are not the child's). */
static atomic_int iw__pagemap_fd = -1;
static atomic_int iw__pagemap_pid;

static int iw__pagemap(void)
{
    int fd = atomic_load_explicit(&iw__pagemap_fd, memory_order_acquire);
    if (fd >= 0 && atomic_load_explicit(&iw__pagemap_pid, memory_order_relaxed) == (int)getpid()) return fd;
    int mine = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (mine < 0) return -1;
    atomic_store_explicit(&iw__pagemap_pid, (int)getpid(), memory_order_relaxed);
    int old = atomic_exchange_explicit(&iw__pagemap_fd, mine, memory_order_acq_rel);
    (void)old;   /* a racing thread's (or the parent's) descriptor is left open: closing it could close one in use */
    return mine;
}

void iw_touched_open(iw_touched_t *t)
{
    long page = sysconf(_SC_PAGESIZE);
    t->page = page > 0 ? (size_t)page : 4096;
    t->fd = iw__pagemap();
    t->first = 0;
    t->count = 0;
    t->end = 0;
}

void iw_touched_close(iw_touched_t *t) { t->fd = -1; }   /* the descriptor stays the process's */

/* The pagemap entry of the page holding p, read 4096 pages at a time; false
 * (and the file closed) when pagemap cannot be read. */
static bool iw__entry(iw_touched_t *t, const void *p, uint64_t *entry)
{
    if (t->fd < 0) return false;
    uintptr_t page = (uintptr_t)p / t->page;
    if (page < t->first || page >= t->first + t->count) {
        size_t want = sizeof t->entries;
        if (t->end > page && (t->end - page) * sizeof t->entries[0] < want) want = (t->end - page) * sizeof t->entries[0];
        ssize_t n = pread(t->fd, t->entries, want, (off_t)(page * sizeof t->entries[0]));
        if (n < (ssize_t)sizeof t->entries[0]) {
            iw_touched_close(t);
            return false;
        }
        t->first = page;
        t->count = (size_t)n / sizeof t->entries[0];
    }
    *entry = t->entries[page - t->first];
    return true;
}

bool iw_touched(iw_touched_t *t, const void *p)
{
    uint64_t e;
    if (!iw__entry(t, p, &e)) return true;   /* unreadable: every page counts */
    return (e & (IW__PAGEMAP_PRESENT | IW__PAGEMAP_SWAPPED)) != 0;
}

bool iw_touched_private(iw_touched_t *t, const void *p)
{
    uint64_t e;
    if (!iw__entry(t, p, &e)) return true;
    return (e & (IW__PAGEMAP_PRESENT | IW__PAGEMAP_SWAPPED)) != 0 && !(e & IW__PAGEMAP_FILE);
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

bool iw_touched_private(iw_touched_t *t, const void *p)
{
    (void)t, (void)p;
    return true;
}

#endif
