/* Lowers the declared maximum of a module's memories (cmd_edge_memcap.h).
 * Only the memory section (id 5) is rewritten; every other section is
 * copied as it is. Each memory is `flags min [max]` in LEB128: flags bit 0
 * says a maximum follows, bit 2 a 64-bit memory (left alone). */
#include "server/cmd_edge_memcap.h"

#include <string.h>

#define SRV__WASM_PAGE 65536u
#define SRV__WASM_MAX_PAGES 65536u   /* 4 GiB: the most a 32-bit memory may declare */

int srv_edge_leb(srv_edge_reader_t *r, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) return -1;
        uint8_t b = *r->p++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return 0;
    }
    return -1;
}

static int srv__edge_put_leb(ifr_buf_t *b, uint64_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        if (ifr_buf_append_byte(b, (char)(byte | (v ? 0x80 : 0))) < 0) return -1;
    } while (v);
    return 0;
}

/* The memory section's payload with the caps applied; 1 when none applied. */
static int srv__edge_cap_section(srv_edge_reader_t *r, uint64_t limit_pages, ifr_buf_t *out)
{
    uint64_t count, flags, min, max = 0;
    int capped = 0;
    if (srv_edge_leb(r, &count) < 0 || srv__edge_put_leb(out, count) < 0) return -1;
    for (uint64_t i = 0; i < count; i++) {
        if (srv_edge_leb(r, &flags) < 0 || srv_edge_leb(r, &min) < 0) return -1;
        bool has_max = flags & 1;
        if (has_max && srv_edge_leb(r, &max) < 0) return -1;
        if (!(flags & 4) && min <= limit_pages) {
            max = has_max && max < limit_pages ? max : limit_pages;
            flags |= 1;
            has_max = true;
            capped = 1;
        }
        if (srv__edge_put_leb(out, flags) < 0 || srv__edge_put_leb(out, min) < 0 || (has_max && srv__edge_put_leb(out, max) < 0))
            return -1;
    }
    return r->p == r->end ? !capped : -1;
}

int srv_edge_memcap(const uint8_t *in, size_t len, uint64_t limit, ifr_buf_t *out)
{
    static const uint8_t magic[8] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
    if (len < 8 || memcmp(in, magic, 8) != 0) return -1;
    uint64_t limit_pages = limit / SRV__WASM_PAGE < SRV__WASM_MAX_PAGES ? limit / SRV__WASM_PAGE : SRV__WASM_MAX_PAGES;
    size_t start = out->len;
    int rc = 1;
    if (ifr_buf_append(out, in, 8) < 0) return -1;
    srv_edge_reader_t r = { in + 8, in + len };
    while (r.p < r.end) {
        uint8_t id = *r.p++;
        uint64_t size;
        if (srv_edge_leb(&r, &size) < 0 || size > (uint64_t)(r.end - r.p)) return -1;
        const uint8_t *raw = r.p;
        srv_edge_reader_t body = { raw, raw + size };
        r.p += size;
        ifr_buf_t payload = IFR_BUF_INIT;
        int s = id == 5 ? srv__edge_cap_section(&body, limit_pages, &payload) : 1;
        if (s < 0) { ifr_buf_free(&payload); return -1; }
        if (s == 0) rc = 0;
        const uint8_t *data = s == 0 ? (const uint8_t *)payload.data : raw;
        size_t n = s == 0 ? payload.len : size;
        int w = ifr_buf_append_byte(out, (char)id) | srv__edge_put_leb(out, n) | ifr_buf_append(out, data, n);
        ifr_buf_free(&payload);
        if (w < 0) return -1;
    }
    if (rc == 1) {   /* nothing capped: the module exactly as it was */
        out->len = start;
        if (ifr_buf_append(out, in, len) < 0) return -1;
    }
    return rc;
}
