/* proxy-wasm filter: rewrites the request body across chunks. It keeps
 * the body (PAUSE from proxy_on_request_body until end_of_stream), then
 * replaces every "cat" with "dog" and appends "[pw-req-end]"
 * (proxy_set_buffer_bytes on HTTP_REQUEST_BODY). A request with trailers
 * gets x-pw-trailer: seen-<x-sum> added to them and its body rewritten
 * there (proxy_on_request_trailers, HTTP_REQUEST_TRAILERS: with trailers
 * the body callback's end_of_stream stays false), and every request
 * x-pw-filtered: 1 (proxy_on_request_headers). */
#include "proxy_wasm_abi.h"

enum { PW_REQUEST_BODY = 0, PW_REQUEST_TRAILERS = 1 };

PW_EXPORT("proxy_on_request_headers") int32_t proxy_on_request_headers(uint32_t id, size_t n, int32_t eos)
{
    (void)id, (void)n, (void)eos;
    pw_add(PW_REQUEST_HEADERS, "x-pw-filtered", "1");
    return PW_CONTINUE;
}

/* Rewrites the whole body kept so far (size bytes). */
static void rewrite(size_t size)
{
    char *body = NULL;
    size_t len = 0;
    if (size && proxy_get_buffer_bytes(PW_REQUEST_BODY, 0, size, &body, &len) != PW_OK) return;
    for (size_t i = 0; i + 3 <= len; i++)
        if (memcmp(body + i, "cat", 3) == 0) memcpy(body + i, "dog", 3);
    static const char end[] = "[pw-req-end]";
    char *out = malloc(len + sizeof end);
    if (out) {
        if (len) memcpy(out, body, len);
        memcpy(out + len, end, sizeof end - 1);
        proxy_set_buffer_bytes(PW_REQUEST_BODY, 0, size, out, len + sizeof end - 1);
    }
    free(out);
    free(body);
}

static size_t kept;   /* the body's size at the last body callback */

PW_EXPORT("proxy_on_request_body") int32_t proxy_on_request_body(uint32_t id, size_t size, int32_t eos)
{
    (void)id;
    kept = size;
    if (!eos) return PW_PAUSE;   /* keep it all: a "cat" may straddle two pieces */
    rewrite(size);
    return PW_CONTINUE;
}

PW_EXPORT("proxy_on_request_trailers") int32_t proxy_on_request_trailers(uint32_t id, size_t n)
{
    (void)id, (void)n;
    char *sum = NULL;
    size_t len = 0;
    char seen[64] = "seen-";
    if (proxy_get_header_map_value(PW_REQUEST_TRAILERS, "x-sum", 5, &sum, &len) == PW_OK && len < sizeof seen - 6)
        memcpy(seen + 5, sum, len), seen[5 + len] = 0;
    free(sum);
    pw_add(PW_REQUEST_TRAILERS, "x-pw-trailer", seen);
    rewrite(kept);   /* with trailers the body callback never saw end_of_stream */
    return PW_CONTINUE;
}
