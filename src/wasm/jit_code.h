/* Executable memory for compiled code, W^X: the bytes are copied into
 * fresh read-write pages, which are then made read-execute; no page is
 * ever writable and executable at once. */
#ifndef IFRIT_WASM_JIT_CODE_H
#define IFRIT_WASM_JIT_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *base;      /* NULL: none */
    size_t len;         /* mapped bytes, whole pages */
} iw_jit_code_t;

/* Maps a copy of bytes[0, n) read-execute; false (and nothing mapped) when
 * mmap or mprotect fails. */
bool iw_jit_code_new(iw_jit_code_t *out, const uint8_t *bytes, size_t n);
void iw_jit_code_free(iw_jit_code_t *c);

#endif
