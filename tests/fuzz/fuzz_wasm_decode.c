/* libFuzzer target: decoding, validating and compiling arbitrary bytes must
 * never crash, leak or read out of bounds; a module that loads must also
 * instantiate (without imports) or fail cleanly. */
#include <stddef.h>
#include <stdint.h>

#include "wasm/wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iw_error_t err;
    iw_module_t *m = iw_module_new(data, size, &err);
    if (!m) return 0;
    iw_limits_t lim = { .max_memory_bytes = 1 << 20, .fuel = 10000 };
    iw_instance_t *inst = iw_instance_new(m, NULL, &lim, &err, NULL);
    iw_instance_free(inst);
    iw_module_release(m);
    return 0;
}
