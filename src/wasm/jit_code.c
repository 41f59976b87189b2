/* Executable memory with W^X (see jit_code.h). Linux on x86-64 only: the
 * rest of the engine never asks for it elsewhere (jit.h). */
#include "wasm/jit.h"

#if IW_JIT
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wasm/jit_code.h"

bool iw_jit_code_new(iw_jit_code_t *out, const uint8_t *bytes, size_t n)
{
    *out = (iw_jit_code_t){ 0 };
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t len = (n + page - 1) / page * page;
    if (!len) return false;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return false;
    memcpy(p, bytes, n);
    if (mprotect(p, len, PROT_READ | PROT_EXEC) != 0) {
        munmap(p, len);
        return false;
    }
    *out = (iw_jit_code_t){ p, len };
    return true;
}

void iw_jit_code_free(iw_jit_code_t *c)
{
    if (c->base) munmap(c->base, c->len);
    *c = (iw_jit_code_t){ 0 };
}
#endif
