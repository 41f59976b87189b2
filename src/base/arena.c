#include "base/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define IFR__ARENA_DEFAULT_BLOCK 4096
#define IFR__ARENA_ALIGN 16

struct ifr_arena_block {
    ifr_arena_block_t *next;
    size_t size;      /* usable bytes in data[] */
    size_t used;
    _Alignas(IFR__ARENA_ALIGN) unsigned char data[];
};

struct ifr_arena_cleanup {
    ifr_arena_cleanup_t *next;
    ifr_cleanup_cb cb;
    void *data;
};

void ifr_arena_init(ifr_arena_t *a, size_t block_size)
{
    a->blocks = NULL;
    a->cleanups = NULL;
    a->block_size = block_size ? block_size : IFR__ARENA_DEFAULT_BLOCK;
    a->used = 0;
    a->cap = 0;
}

static ifr_arena_block_t *ifr__arena_new_block(size_t size)
{
    ifr_arena_block_t *b = malloc(sizeof(*b) + size);
    if (!b) return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

void *ifr_arena_alloc(ifr_arena_t *a, size_t size)
{
    if (size == 0) size = 1;
    if (size > SIZE_MAX - IFR__ARENA_ALIGN) return NULL;
    size_t rounded = (size + IFR__ARENA_ALIGN - 1) & ~(size_t)(IFR__ARENA_ALIGN - 1);
    if (a->cap && (rounded > a->cap || a->used > a->cap - rounded)) return NULL;

#ifdef IFR_POOL_MALLOC
    /* One malloc per allocation so sanitizers see exact bounds. */
    ifr_arena_block_t *b = ifr__arena_new_block(size);
    if (!b) return NULL;
    b->used = size;
    b->next = a->blocks;
    a->blocks = b;
    a->used += rounded;
    return b->data;
#else
    ifr_arena_block_t *b = a->blocks;
    if (!b || b->size - b->used < rounded) {
        /* Big requests get a block of their own, kept behind the current
         * block so the current one keeps serving small requests. */
        if (rounded > a->block_size / 4 && b) {
            ifr_arena_block_t *big = ifr__arena_new_block(rounded);
            if (!big) return NULL;
            big->used = rounded;
            big->next = b->next;
            b->next = big;
            a->used += rounded;
            return big->data;
        }
        size_t bs = rounded > a->block_size ? rounded : a->block_size;
        b = ifr__arena_new_block(bs);
        if (!b) return NULL;
        b->next = a->blocks;
        a->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += rounded;
    a->used += rounded;
    return p;
#endif
}

void *ifr_arena_calloc(ifr_arena_t *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return NULL;
    void *p = ifr_arena_alloc(a, count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

char *ifr_arena_strndup(ifr_arena_t *a, const char *s, size_t len)
{
    if (len == SIZE_MAX) return NULL;
    char *p = ifr_arena_alloc(a, len + 1);
    if (!p) return NULL;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

ifr_str_t ifr_arena_str(ifr_arena_t *a, ifr_str_t s)
{
    char *p = ifr_arena_strndup(a, s.ptr, s.len);
    return p ? ifr_str(p, s.len) : IFR_NULL_STR;
}

char *ifr_arena_printf(ifr_arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *p = ifr_arena_alloc(a, (size_t)n + 1);
    if (!p) return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int ifr_arena_on_cleanup(ifr_arena_t *a, ifr_cleanup_cb cb, void *data)
{
    ifr_arena_cleanup_t *c = ifr_arena_alloc(a, sizeof(*c));
    if (!c) return -1;
    c->cb = cb;
    c->data = data;
    c->next = a->cleanups;
    a->cleanups = c;
    return 0;
}

static void ifr__arena_run_cleanups(ifr_arena_t *a)
{
    /* A cleanup may not allocate from this arena: the list is detached first. */
    ifr_arena_cleanup_t *c = a->cleanups;
    a->cleanups = NULL;
    for (; c; c = c->next) c->cb(c->data);
}

void ifr_arena_reset(ifr_arena_t *a)
{
    ifr__arena_run_cleanups(a);
    ifr_arena_block_t *keep = NULL;
    ifr_arena_block_t *b = a->blocks;
    while (b) {
        ifr_arena_block_t *next = b->next;
#ifndef IFR_POOL_MALLOC
        if (!keep && b->size == a->block_size) {
            keep = b;
            keep->used = 0;
            keep->next = NULL;
            b = next;
            continue;
        }
#endif
        free(b);
        b = next;
    }
    a->blocks = keep;
    a->used = 0;
}

void ifr_arena_destroy(ifr_arena_t *a)
{
    ifr__arena_run_cleanups(a);
    ifr_arena_block_t *b = a->blocks;
    while (b) {
        ifr_arena_block_t *next = b->next;
        free(b);
        b = next;
    }
    a->blocks = NULL;
    a->used = 0;
}
