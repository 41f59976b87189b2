/* gate.c built the way a wit-bindgen C user does: with wasi-libc
 * (--target=wasm32-wasi) and wrapped with the preview1 adapter, so the
 * component imports WASI preview2's cli, io, clocks and filesystem
 * interfaces. The same decisions as gate.c, and paths that reach WASI
 * through libc, each answering skip when WASI denied it as ifrit's stubs
 * do, respond when it did not:
 *   /wasi/print   a write to stdout flushed (the stream is closed)
 *   /wasi/env     getenv("HOME") (no environment)
 *   /wasi/file    fopen("/etc/passwd") (no preopened directory)
 *   /wasi/time    time() (the wall clock is at 0)
 *   /wasi/exit    exit(3): wasi:cli/exit traps the call (fail-open)
 * probe (not a Dwaar hook) writes to stderr, so that import stays in. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define GATE_WASI
#include "gate.c"

static int gate_wasi(str_t path)
{
    if (starts(path, "/wasi/print")) return fputs("gate\n", stdout) < 0 || fflush(stdout) != 0 ? SKIP : RESPOND;
    if (starts(path, "/wasi/env")) return getenv("HOME") == NULL ? SKIP : RESPOND;
    if (starts(path, "/wasi/file")) return fopen("/etc/passwd", "r") == NULL ? SKIP : RESPOND;
    if (starts(path, "/wasi/time")) return time(NULL) == 0 ? SKIP : RESPOND;
    if (starts(path, "/wasi/exit")) exit(3);
    return CONTINUE;
}

EXPORT("probe") int probe(void)
{
    fputs("probe\n", stderr);
    return getenv("HOME") != NULL;
}
