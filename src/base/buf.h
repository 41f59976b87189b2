/* A growable byte buffer on the heap. Every growth can fail: functions
 * return -1 then and leave the buffer as it was. The buffer owns data. */
#ifndef IFRIT_BASE_BUF_H
#define IFRIT_BASE_BUF_H

#include <stddef.h>
#include "base/str.h"

typedef struct {
    char *data;     /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t limit;   /* 0 = unlimited; growth past it fails */
} ifr_buf_t;

#define IFR_BUF_INIT ((ifr_buf_t){ NULL, 0, 0, 0 })

/* The slow halves of the two below: they grow the buffer. */
int ifr_buf_grow(ifr_buf_t *b, size_t extra);
int ifr_buf_append_grow(ifr_buf_t *b, const void *p, size_t n);

/* Makes room for extra more bytes. Inline because response heads are
 * built from many small appends that almost always fit; a buffer with a
 * limit always takes the slow path, which enforces it. */
static inline int ifr_buf_reserve(ifr_buf_t *b, size_t extra)
{
    return extra <= b->cap - b->len && !b->limit ? 0 : ifr_buf_grow(b, extra);
}

static inline int ifr_buf_append(ifr_buf_t *b, const void *p, size_t n)
{
    if (n > b->cap - b->len || b->limit) return ifr_buf_append_grow(b, p, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}
static inline int ifr_buf_append_str(ifr_buf_t *b, ifr_str_t s) { return ifr_buf_append(b, s.ptr, s.len); }
int ifr_buf_append_cstr(ifr_buf_t *b, const char *s);
int ifr_buf_append_byte(ifr_buf_t *b, char c);
int ifr_buf_printf(ifr_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Removes the first n bytes (consumed input). */
void ifr_buf_consume(ifr_buf_t *b, size_t n);
static inline ifr_str_t ifr_buf_str(const ifr_buf_t *b) { return ifr_str(b->data, b->len); }
static inline void ifr_buf_clear(ifr_buf_t *b) { b->len = 0; }
void ifr_buf_free(ifr_buf_t *b);

#endif
