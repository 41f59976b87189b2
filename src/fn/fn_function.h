/* The inside of a loaded function, shared by the fn_*.c files (not part of
 * the public interface in fn.h). */
#ifndef IFRIT_FN_FN_FUNCTION_H
#define IFRIT_FN_FN_FUNCTION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/log_budget.h"
#include "fn/fn.h"
#include "wasi/wasi.h"
#include "wasm/wasm.h"

struct fn_function {
    const fn_config_t *conf;       /* the plan's; outlives the function */
    iw_module_t *module;           /* owned reference */
    iw_image_t *image;             /* owned reference: where every request starts */
    /* True: the image is suspended inside `_start` at its first stdin read
     * (requests supply stdin and resume). False: the image is the freshly
     * instantiated module (requests call `_start`). */
    bool image_suspended;
    iwasi_ctx_t *ctx;              /* owned: the WASI state requests clone */
    char *prelude;                 /* owned: stdout written before the snapshot */
    size_t prelude_len;
    atomic_uint live;              /* sandboxes alive now (pool_size) */
    char logger[96];               /* "fn:hello.wasm" */
    ifr_log_budget_t log_budget;   /* what its requests' stderr may log (fn_stdio.c) */
};

#endif
