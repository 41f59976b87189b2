/* libFuzzer target: decoding arbitrary bytes as a component must never
 * crash, leak or read out of bounds, and neither may printing the types of
 * its imports and exports. A component that loads is also instantiated
 * against host functions for Dwaar's host interface (small caps, little
 * fuel), so the linking of core instances, lowered functions and the
 * start functions of its core modules meet whatever the fuzzer makes up;
 * an export taking one bool (on-body's shape) is called. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wasm/wasm.h"

static int fuzz__none(iw_cinstance_t *ci, void *env, const iw_cval_t *args, iw_cval_t *result)
{
    (void)ci; (void)env; (void)args;
    memset(result, 0, sizeof *result);
    return 0;
}

static const iw_chost_def_t fuzz__defs[] = {
    { "dwaar:plugin/host@0.1.0", "get-request-header", fuzz__none, NULL },
    { "dwaar:plugin/host@0.1.0", "list-request-header-names", fuzz__none, NULL },
    { "dwaar:plugin/host@0.1.0", "get-response-header", fuzz__none, NULL },
    { "dwaar:plugin/host@0.1.0", "list-response-header-names", fuzz__none, NULL },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iw_error_t err;
    iw_component_t *c = iw_component_new(data, size, &err);
    if (!c) return 0;
    char text[256];
    for (int import = 0; import < 2; import++) {
        uint32_t n = import ? iw_component_import_count(c) : iw_component_export_count(c);
        for (uint32_t i = 0; i < n; i++) iw_component_extern_type(c, import, i, text, sizeof text);
    }
    iw_limits_t lim = { .max_memory_bytes = 1 << 20, .fuel = 10000, .max_call_depth = 200,
                        .max_stack_bytes = 1 << 16 };
    iw_cinstance_t *ci = iw_cinstance_new(c, fuzz__defs, 4, &lim, &err, NULL);
    for (uint32_t i = 0; ci && i < iw_component_export_count(c) && i < 8; i++) {
        iw_component_extern_type(c, false, i, text, sizeof text);
        if (strncmp(text, "func(", 5) != 0 || !strstr(text, ": bool)")) continue;
        iw_cval_t arg = { .of.u = 1 }, result;
        iw_cinstance_call(ci, iw_component_extern_name(c, false, i), &arg, 1, &result);
    }
    iw_cinstance_free(ci);
    iw_component_free(c);
    return 0;
}
