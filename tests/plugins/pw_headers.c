/* proxy-wasm filter: adds and removes headers on both sides. The request
 * gets x-pw-path (its :path, read through the header map) and loses
 * x-remove-me; the response gets x-pw-method (the request.method
 * property) and x-pw-seen (how many request fields the callback was
 * told of) and loses x-secret. Refuses the configuration "refuse". */
#include "proxy_wasm_abi.h"

static char method[16];
static size_t method_len;
static char seen[21];

PW_EXPORT("proxy_on_configure") int32_t proxy_on_configure(uint32_t root, size_t size)
{
    (void)root;
    char *cfg = NULL;
    size_t len = 0;
    if (size && proxy_get_buffer_bytes(PW_PLUGIN_CONFIGURATION, 0, size, &cfg, &len) == PW_OK && len == 6 &&
        memcmp(cfg, "refuse", 6) == 0)
        return 0;
    free(cfg);
    return 1;
}

PW_EXPORT("proxy_on_request_headers") int32_t proxy_on_request_headers(uint32_t id, size_t n, int32_t eos)
{
    (void)id, (void)eos;
    char *v = NULL;
    size_t len = 0;
    if (proxy_get_header_map_value(PW_REQUEST_HEADERS, ":path", 5, &v, &len) == PW_OK) {
        proxy_add_header_map_value(PW_REQUEST_HEADERS, "x-pw-path", 9, v, len);
        free(v);
    }
    proxy_remove_header_map_value(PW_REQUEST_HEADERS, "x-remove-me", 11);
    if (proxy_get_property("request\0method", 14, &v, &len) == PW_OK && len < sizeof method) {
        memcpy(method, v, len);
        method_len = len;
        free(v);
    }
    seen[pw_utoa(n, seen)] = 0;
    return PW_CONTINUE;
}

PW_EXPORT("proxy_on_response_headers") int32_t proxy_on_response_headers(uint32_t id, size_t n, int32_t eos)
{
    (void)id, (void)n, (void)eos;
    proxy_add_header_map_value(PW_RESPONSE_HEADERS, "x-pw-method", 11, method, method_len);
    pw_add(PW_RESPONSE_HEADERS, "x-pw-seen", seen);
    proxy_remove_header_map_value(PW_RESPONSE_HEADERS, "x-secret", 8);
    return PW_CONTINUE;
}
