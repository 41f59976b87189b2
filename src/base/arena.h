/* Arenas: memory that lives exactly as long as a request, a connection or a
 * loaded config, freed in one go. Allocation never aborts: it returns NULL
 * when the system is out of memory or the arena's cap is reached, and the
 * caller turns that into an HTTP error or a config error.
 *
 * Build with -DIFR_POOL_MALLOC (the asan build does) and every allocation is
 * its own malloc, so AddressSanitizer sees each one's bounds. */
#ifndef IFRIT_BASE_ARENA_H
#define IFRIT_BASE_ARENA_H

#include <stddef.h>
#include "base/str.h"

typedef struct ifr_arena_block ifr_arena_block_t;
typedef struct ifr_arena_cleanup ifr_arena_cleanup_t;
typedef void (*ifr_cleanup_cb)(void *data);

typedef struct {
    ifr_arena_block_t *blocks;    /* newest first; owned by the arena */
    ifr_arena_cleanup_t *cleanups;/* run newest first on reset/destroy */
    size_t block_size;            /* size of ordinary blocks */
    size_t used;                  /* bytes handed out since the last reset */
    size_t cap;                   /* 0 = no cap; else alloc fails past it */
} ifr_arena_t;

/* Prepares an arena; no memory is taken until the first allocation.
 * block_size 0 picks a default (4 KiB). */
void ifr_arena_init(ifr_arena_t *a, size_t block_size);

/* Returns size bytes aligned for any type, or NULL. Zero-filled when
 * ifr_arena_calloc is used. The memory belongs to the arena. */
void *ifr_arena_alloc(ifr_arena_t *a, size_t size);
void *ifr_arena_calloc(ifr_arena_t *a, size_t count, size_t size);

/* Copies bytes into the arena, adding a NUL after them (not counted in len). */
char *ifr_arena_strndup(ifr_arena_t *a, const char *s, size_t len);
ifr_str_t ifr_arena_str(ifr_arena_t *a, ifr_str_t s);

/* Formats into arena memory; NULL on failure. */
char *ifr_arena_printf(ifr_arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Runs cb(data) when the arena is reset or destroyed. Returns -1 if the
 * hook itself could not be allocated (cb is then NOT registered). */
int ifr_arena_on_cleanup(ifr_arena_t *a, ifr_cleanup_cb cb, void *data);

/* Runs cleanups, keeps the first block for reuse, forgets everything else. */
void ifr_arena_reset(ifr_arena_t *a);

/* Runs cleanups and frees every block. The arena can be re-initialised. */
void ifr_arena_destroy(ifr_arena_t *a);

#endif
