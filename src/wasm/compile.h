/* Validating one function body and compiling it to internal code in the
 * same pass (compile.c). The interpreter's handler addresses come from
 * iw_interp_ops() so that code words can hold them directly. */
#ifndef IFRIT_WASM_COMPILE_H
#define IFRIT_WASM_COMPILE_H

#include "wasm/module.h"
#include "wasm/reader.h"

/* r spans exactly the body (locals + expression). Fills *out; code is
 * allocated in the module's arena. false with r's error on invalid code. */
bool iw_compile_function(iw_module_t *m, uint32_t func_index, iw_reader_t *r, iw_code_t *out);

/* The handler address of every internal op (interp.c). */
const void *const *iw_interp_ops(void);

/* Reads a value type byte; false (malformed) on an unknown one. */
bool iw_read_valtype(iw_reader_t *r, uint8_t *out);

#endif
