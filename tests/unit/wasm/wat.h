/* Test helper: compiles WebAssembly text with wabt's wat2wasm (installed
 * for the test suite) and loads the module. The text stays readable next to
 * the test that uses it. */
#ifndef IFRIT_TESTS_WAT_H
#define IFRIT_TESTS_WAT_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wasm/wasm.h"

/* The binary of the last module, for tests that look at byte offsets. */
static uint8_t wat_bytes[1 << 16];
static size_t wat_len;

/* NULL (and a message on stdout) if wat2wasm fails or the engine refuses. */
static iw_module_t *wat_module(const char *wat)
{
    char src[] = "/tmp/ifrit-wat-XXXXXX";
    int fd = mkstemp(src);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "w");
    fputs(wat, f);
    fclose(f);
    char out[64], cmd[256];
    snprintf(out, sizeof out, "%s.wasm", src);
    snprintf(cmd, sizeof cmd, "wat2wasm --debug-names --enable-tail-call --enable-multi-memory --enable-extended-const %s -o %s", src, out);
    int rc = system(cmd);
    unlink(src);
    if (rc != 0) { printf("wat2wasm failed\n"); return NULL; }
    FILE *w = fopen(out, "rb");
    if (!w) return NULL;
    wat_len = fread(wat_bytes, 1, sizeof wat_bytes, w);
    fclose(w);
    unlink(out);
    iw_error_t err;
    iw_module_t *m = iw_module_new(wat_bytes, wat_len, &err);
    if (!m) printf("load failed at %llu: %s\n", (unsigned long long)err.offset, err.message);
    return m;
}

#endif
