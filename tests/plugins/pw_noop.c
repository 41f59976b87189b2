/* proxy-wasm filter that does nothing in its request headers callback:
 * for measuring the cost of a proxy-wasm callback (bench/plugins.sh). */
#include "proxy_wasm_abi.h"

PW_EXPORT("proxy_on_request_headers") int32_t proxy_on_request_headers(uint32_t id, size_t n, int32_t eos)
{
    (void)id, (void)n, (void)eos;
    return PW_CONTINUE;
}
