/* libFuzzer target for the PROXY protocol header parser
 * (src/http/proxy_header.c). Besides "never crash, never read past n",
 * it checks that a header is decided by its own bytes: when the input
 * starts with a whole header of L bytes, the first L bytes alone give the
 * same header, and every shorter prefix is "need more"; a BAD result
 * always says why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/proxy_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes: ASan catches a read past the end. */
    uint8_t *p = malloc(size ? size : 1);
    if (!p) return 0;
    memcpy(p, data, size);
    http_proxy_header_t h;
    http_proxy_result_t r = http_proxy_header_parse(p, size, &h);
    if (r == HTTP_PROXY_BAD && (!h.error || !h.error[0])) abort();
    if (r == HTTP_PROXY_OK) {
        if (h.len == 0 || h.len > size || h.len > HTTP_PROXY_HEADER_MAX) abort();
        http_proxy_header_t again;
        if (http_proxy_header_parse(p, h.len, &again) != HTTP_PROXY_OK || again.len != h.len ||
            again.has_addresses != h.has_addresses || strcmp(again.src_ip, h.src_ip) != 0 ||
            again.src_port != h.src_port)
            abort();
        for (size_t k = 0; k < h.len; k++) {
            http_proxy_header_t part;
            if (http_proxy_header_parse(p, k, &part) != HTTP_PROXY_NEED_MORE) abort();
        }
    }
    if (r == HTTP_PROXY_NEED_MORE && size >= HTTP_PROXY_HEADER_MAX) abort();   /* a full buffer decides */
    free(p);
    return 0;
}
