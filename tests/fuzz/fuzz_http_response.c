/* libFuzzer target for the upstream response head parser: fed whole and
 * in two pieces, it must never crash or read out of bounds, and both ways
 * must agree on the outcome and the head length. */
#include <stdint.h>
#include <stdlib.h>

#include "http/response_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    size_t split = data[0] % size;
    bool head = data[0] & 1;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    if (split > len) split = len;
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    http_resp_parser_t p1, p2;
    http_upstream_response_t r1, r2;
    http_resp_parser_init(&p1, head);
    http_resp_status_t s1 = http_resp_parse(&p1, in, len, &a, &r1);
    http_resp_parser_init(&p2, head);
    http_resp_status_t s2 = http_resp_parse(&p2, in, split, &a, &r2);
    if (s2 == HTTP_RESP_INCOMPLETE) s2 = http_resp_parse(&p2, in, len, &a, &r2);
    if (s1 != s2) abort();
    if (s1 == HTTP_RESP_COMPLETE && (r1.head_len != r2.head_len || r1.head_len > len || r1.headers.count != r2.headers.count))
        abort();
    ifr_arena_destroy(&a);
    return 0;
}
