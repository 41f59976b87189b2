/* Function names of a Go program from its own symbol table, for `ifrit
 * wasm run --profile` on modules built without a name section (esbuild's
 * wasip1 build is one). */
#ifndef IFRIT_SERVER_CMD_WASM_GONAMES_H
#define IFRIT_SERVER_CMD_WASM_GONAMES_H

#include <stdint.h>

#include "wasm/wasm.h"

/* Where the table is in a guest's memory (srv_cmd_go_names_find). */
typedef struct {
    const uint8_t *mem;       /* the guest's memory, valid while it is not grown or freed */
    uint64_t size;
    uint64_t nfunc, names, functab;
    uint32_t first_func;      /* index of the first defined function */
} srv_cmd_go_names_t;

/* Finds the Go symbol table (pclntab) in inst's memory: 0, or -1 when
 * inst holds none whose entry for the function exported as _start is
 * Go's entry point. */
int srv_cmd_go_names_find(iw_instance_t *inst, srv_cmd_go_names_t *g);
/* The name of function func_index (module function space) into out (at
 * most size bytes, NUL-terminated), or NULL when the table has none. */
const char *srv_cmd_go_name(const srv_cmd_go_names_t *g, uint32_t func_index, char *out, size_t size);

#endif
