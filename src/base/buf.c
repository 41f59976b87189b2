#include "base/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int ifr_buf_grow(ifr_buf_t *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len) return -1;
    size_t need = b->len + extra;
    if (b->limit && need > b->limit) return -1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (b->limit && cap > b->limit) cap = b->limit;
    char *p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int ifr_buf_append_grow(ifr_buf_t *b, const void *p, size_t n)
{
    if (n == 0) return 0;
    if (ifr_buf_grow(b, n) < 0) return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int ifr_buf_append_cstr(ifr_buf_t *b, const char *s) { return ifr_buf_append(b, s, strlen(s)); }

int ifr_buf_append_byte(ifr_buf_t *b, char c) { return ifr_buf_append(b, &c, 1); }

int ifr_buf_printf(ifr_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || ifr_buf_reserve(b, (size_t)n + 1) < 0) return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void ifr_buf_consume(ifr_buf_t *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void ifr_buf_free(ifr_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
