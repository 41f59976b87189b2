/* Reading the binary format: bounds-checked bytes, LEB128 with the spec's
 * overlong/unused-bit rules, names. The first error is kept (offset plus a
 * sentence) and every later read fails, so callers can test once. */
#ifndef IFRIT_WASM_READER_H
#define IFRIT_WASM_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/wasm.h"

typedef struct {
    const uint8_t *base;    /* start of the whole module, for offsets */
    const uint8_t *p, *end;
    iw_error_t *err;
    bool failed;
} iw_reader_t;

/* Records an error at the current position (only the first one counts). */
bool iw_fail(iw_reader_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool iw_fail_at(iw_reader_t *r, const uint8_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

bool iw_read_u8(iw_reader_t *r, uint8_t *out);
bool iw_read_u32(iw_reader_t *r, uint32_t *out);
bool iw_read_s32(iw_reader_t *r, int32_t *out);
bool iw_read_s33(iw_reader_t *r, int64_t *out);
bool iw_read_s64(iw_reader_t *r, int64_t *out);
bool iw_read_bytes(iw_reader_t *r, size_t n, const uint8_t **out);
/* A name: u32 length + UTF-8 bytes, validated. */
bool iw_read_name(iw_reader_t *r, const uint8_t **ptr, uint32_t *len);
/* A vector count, refused if larger than max or than the bytes left (each
 * element takes at least one byte), so no absurd allocation follows. */
bool iw_read_count(iw_reader_t *r, uint32_t max, const char *what, uint32_t *out);

static inline size_t iw_left(const iw_reader_t *r) { return (size_t)(r->end - r->p); }
static inline uint64_t iw_offset(const iw_reader_t *r) { return (uint64_t)(r->p - r->base); }

#endif
