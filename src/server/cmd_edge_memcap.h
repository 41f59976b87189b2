/* `memory_limit` for a function at the edge (`ifrit edge config`): V8 runs
 * the guest, and the only cap V8 applies to a module's own memory is the
 * maximum its binary declares, so the bundle gets a copy of the module
 * with that maximum lowered. memory.grow past it then returns -1 in the
 * guest, as natively (docs/functions.md). */
#ifndef IFRIT_SERVER_CMD_EDGE_MEMCAP_H
#define IFRIT_SERVER_CMD_EDGE_MEMCAP_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Appends to out (caller's) the module in[0..len) with every 32-bit memory
 * it defines capped at limit bytes (whole 64 KiB pages). 0; 1 when nothing
 * could be capped (no memory of its own, a 64-bit memory, or one whose
 * initial size is already past the limit: out then holds the module
 * unchanged); -1 for a binary that is not a wasm module. */
/* A cursor over a module's bytes, and its unsigned LEB128 reader (also
 * cmd_edge_imports.c's): 0, or -1 past the end or over 64 bits. */
typedef struct {
    const uint8_t *p, *end;
} srv_edge_reader_t;
int srv_edge_leb(srv_edge_reader_t *r, uint64_t *v);

int srv_edge_memcap(const uint8_t *in, size_t len, uint64_t limit, ifr_buf_t *out);

#endif
