/* proxy-wasm filter: answers /hello itself (proxy_send_local_response,
 * as the SDK examples do); every other request goes on. */
#include "proxy_wasm_abi.h"

PW_EXPORT("proxy_on_request_headers") int32_t proxy_on_request_headers(uint32_t id, size_t n, int32_t eos)
{
    (void)id, (void)n, (void)eos;
    char *path = NULL;
    size_t len = 0;
    if (proxy_get_header_map_value(PW_REQUEST_HEADERS, ":path", 5, &path, &len) != PW_OK) return PW_CONTINUE;
    int hello = len == 6 && memcmp(path, "/hello", 6) == 0;
    free(path);
    if (!hello) return PW_CONTINUE;
    /* one header, serialised: count, lengths, then key NUL value NUL */
    static const char hdrs[] = "\1\0\0\0" "\15\0\0\0" "\4\0\0\0" "x-answered-by\0" "wasm\0";
    static const char body[] = "Hello, World from proxy-wasm\n";
    proxy_send_local_response(200, "ok", 2, body, sizeof body - 1, hdrs, sizeof hdrs - 1, -1);
    return PW_PAUSE;
}
