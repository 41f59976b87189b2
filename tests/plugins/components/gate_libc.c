/* gate.c built the way a wit-bindgen C user does: with wasi-libc
 * (--target=wasm32-wasi) and wrapped with the preview1 adapter, so the
 * component imports WASI preview2's cli, io, clocks and filesystem
 * interfaces. The same decisions as gate.c; probe (not a Dwaar hook)
 * makes libc write to stderr and read the environment, so those imports
 * stay in. */
#include <stdio.h>
#include <stdlib.h>

#include "gate.c"

EXPORT("probe") int probe(void)
{
    fputs("probe\n", stderr);
    return getenv("HOME") != NULL;
}
