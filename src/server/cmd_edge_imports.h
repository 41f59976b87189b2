/* Which host functions of a guest return i64 (`ifrit edge config`). V8
 * runs a function's guest at the edge, and a JavaScript import must
 * return a BigInt where the guest declares an i64 result and a Number for
 * an i32: Gojinn's own forms differ there (host_kv_get, host_http_get,
 * host_ask_ai: docs/functions.md), and a Worker cannot ask V8 for an
 * import's type. So the bundle says it, from the module's type and import
 * sections, for the shim's host imports (edge/hostapi.mjs). */
#ifndef IFRIT_SERVER_CMD_EDGE_IMPORTS_H
#define IFRIT_SERVER_CMD_EDGE_IMPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Appends to out (caller's) a JSON array of the names of the functions
 * the module in[0..len) imports from module_name with one i64 result
 * (`["host_kv_get"]`). 0, or -1 for a binary that is not a wasm module
 * (out then holds nothing new). */
int srv_edge_i64_imports(const uint8_t *in, size_t len, const char *module_name, ifr_buf_t *out);

#endif
