/* libFuzzer target for src/http: the head scanner (fed in two pieces, so
 * the incremental path is exercised), the head parser, and the chunked
 * decoder on whatever follows the head (keeping its trailers or not). Must never crash, leak or read out
 * of bounds, and must agree with itself: a head that scans complete in two
 * pieces scans complete in one. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/chunked.h"
#include "http/request_parser.h"

/* keep: the decoder hands trailer bytes back; together they must fit
 * HTTP_CHUNK_TRAILER_MAX and split into fields once the body ended. */
static void decode_body(const uint8_t *p, size_t n, bool keep)
{
    http_chunked_decoder_t d;
    http_chunked_decoder_init(&d);
    d.keep_trailers = keep;
    static char kept[HTTP_CHUNK_TRAILER_MAX];
    size_t kept_len = 0;
    while (n) {
        size_t used;
        ifr_str_t data;
        http_chunked_status_t st = http_chunked_decode(&d, (const char *)p, n, &used, &data);
        if (used > n) abort();
        if ((st == HTTP_CHUNKED_DATA || st == HTTP_CHUNKED_TRAILER) &&
            (data.ptr < (const char *)p || data.ptr + data.len > (const char *)p + n))
            abort();
        if (st == HTTP_CHUNKED_TRAILER) {
            if (!keep || data.len == 0 || kept_len + data.len > sizeof kept) abort();
            memcpy(kept + kept_len, data.ptr, data.len);
            kept_len += data.len;
        }
        p += used;
        n -= used;
        if (st == HTTP_CHUNKED_END && kept_len) {
            ifr_arena_t a;
            ifr_arena_init(&a, 0);
            http_headers_t h = { 0 };
            if (http_chunked_trailers(ifr_str(kept, kept_len), &a, &h) != 0 || h.count > HTTP_CHUNK_TRAILER_FIELDS)
                abort();
            ifr_arena_destroy(&a);
        }
        if (st != HTTP_CHUNKED_DATA && st != HTTP_CHUNKED_TRAILER) break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    /* The first byte picks where the input is split. */
    size_t split = data[0] % size;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    if (split > len) split = len;

    http_head_scanner_t s1, s2;
    http_head_scan_init(&s1);
    http_head_scan_init(&s2);
    http_head_status_t a = http_head_scan(&s1, in, split);
    if (a == HTTP_HEAD_INCOMPLETE) a = http_head_scan(&s1, in, len);
    http_head_status_t b = http_head_scan(&s2, in, len);
    if (a != b) abort();
    if (a != HTTP_HEAD_COMPLETE) {
        decode_body(data + 1, len, data[0] & 0x80);
        return 0;
    }
    if (s1.head_end != s2.head_end || s1.head_end > len) abort();

    ifr_arena_t arena;
    ifr_arena_init(&arena, 0);
    http_request_t req;
    http_parse_error_t err;
    /* Parse a private copy so reads past the head show up under ASan. */
    size_t hl = s1.head_end - s1.head_start;
    char *head = malloc(hl);
    memcpy(head, in + s1.head_start, hl);
    if (http_request_parse(&req, head, hl, &arena, &err) == 0) {
        if (req.headers.count > HTTP_MAX_FIELDS) abort();
        for (uint32_t i = 0; i < req.headers.count; i++)
            if (req.headers.items[i].name.len == 0) abort();
        if (req.body_kind == HTTP_BODY_CHUNKED) decode_body(data + 1 + s1.head_end, len - s1.head_end, data[0] & 0x80);
    } else if (err.status < 400 || err.status > 505) {
        abort();
    }
    free(head);
    ifr_arena_destroy(&arena);
    return 0;
}
