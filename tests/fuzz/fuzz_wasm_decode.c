/* libFuzzer target: decoding, validating and compiling arbitrary bytes must
 * never crash, leak or read out of bounds. A module that loads is also
 * instantiated (no imports, small caps) and each exported function is
 * called with zero arguments under a fuel limit, so the interpreter meets
 * whatever code the fuzzer makes up. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wasm/wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iw_error_t err;
    iw_module_t *m = iw_module_new(data, size, &err);
    if (!m) return 0;
    iw_limits_t lim = { .max_memory_bytes = 1 << 20, .fuel = 10000, .max_call_depth = 200,
                        .max_stack_bytes = 1 << 16 };
    iw_instance_t *inst = iw_instance_new(m, NULL, &lim, &err, NULL);
    for (uint32_t i = 0; inst && i < iw_module_export_count(m) && i < 16; i++) {
        iw_extern_info_t info;
        iw_module_export_info(m, i, &info);
        if (info.kind != IW_EXTERN_FUNC) continue;
        const char *sig = iw_module_func_sig(m, info.index);
        iw_val_t args[16], results[16];
        uint32_t nargs = 0, nres = 0;
        const char *colon = strchr(sig, ':');
        for (const char *p = sig; p < colon && nargs < 16; p++) {
            memset(&args[nargs], 0, sizeof args[nargs]);
            args[nargs++].type = *p == 'i' ? IW_I32 : *p == 'I' ? IW_I64 : *p == 'f' ? IW_F32
                               : *p == 'F' ? IW_F64 : *p == 'r' ? IW_FUNCREF : IW_EXTERNREF;
        }
        nres = (uint32_t)strlen(colon + 1);
        if ((size_t)(colon - sig) > 16 || nres > 16) continue;
        iw_call(inst, iw_instance_func(inst, info.name), args, nargs, results, nres);
    }
    iw_instance_free(inst);
    iw_module_release(m);
    return 0;
}
