/* Header maps in proxy-wasm's serialisation (little-endian): the number
 * of pairs (u32), then each pair's key and value lengths (u32 each), then
 * each key and value followed by a NUL byte. Names go out lowercased, as
 * HTTP/2 has them; pseudo-headers (":path", ":status") come first. */
#include <string.h>

#include "plugin/plugin_proxy_wasm.h"

static void plugin__pw_le32(char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (char)(v >> (8 * i));
}

static uint32_t plugin__pw_get32(const char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)(unsigned char)p[i] << (8 * i);
    return v;
}

ifr_str_t plugin_pw_map_serialize(ifr_arena_t *a, const http_headers_t *pseudo, const http_headers_t *h)
{
    const http_headers_t *lists[2] = { pseudo, h };
    size_t n = 0, size = 4;
    for (int l = 0; l < 2; l++)
        for (uint32_t i = 0; lists[l] && i < lists[l]->count; i++) {
            n++;
            size += 8 + lists[l]->items[i].name.len + lists[l]->items[i].value.len + 2;
        }
    char *out = ifr_arena_alloc(a, size);
    if (!out || n > UINT32_MAX) return ifr_str(NULL, 0);
    plugin__pw_le32(out, (uint32_t)n);
    char *lens = out + 4, *bytes = out + 4 + 8 * n;
    for (int l = 0; l < 2; l++)
        for (uint32_t i = 0; lists[l] && i < lists[l]->count; i++) {
            const http_header_t *f = &lists[l]->items[i];
            plugin__pw_le32(lens, (uint32_t)f->name.len);
            plugin__pw_le32(lens + 4, (uint32_t)f->value.len);
            lens += 8;
            for (size_t k = 0; k < f->name.len; k++) *bytes++ = ifr_ascii_lower(f->name.ptr[k]);
            *bytes++ = 0;
            if (f->value.len) memcpy(bytes, f->value.ptr, f->value.len);
            bytes += f->value.len;
            *bytes++ = 0;
        }
    return ifr_str(out, size);
}

int plugin_pw_map_parse(ifr_arena_t *a, ifr_str_t data, http_headers_t *out)
{
    *out = (http_headers_t){ 0 };
    /* An empty map: no bytes, or a single 0 byte (the spec allows both). */
    if (data.len == 0 || (data.len == 1 && data.ptr[0] == 0)) return 0;
    if (data.len < 4) return -1;
    uint32_t n = plugin__pw_get32(data.ptr);
    if (n > (data.len - 4) / 10) return -1;   /* each pair takes at least 8 + 2 bytes */
    size_t at = 4 + 8 * (size_t)n;
    for (uint32_t i = 0; i < n; i++) {
        size_t kl = plugin__pw_get32(data.ptr + 4 + 8 * i), vl = plugin__pw_get32(data.ptr + 8 + 8 * i);
        if (kl > data.len - at || vl > data.len - at - kl || data.len - at - kl - vl < 2) return -1;
        if (data.ptr[at + kl] != 0 || data.ptr[at + kl + 1 + vl] != 0) return -1;
        ifr_str_t k = ifr_arena_str(a, ifr_str(data.ptr + at, kl));
        ifr_str_t v = ifr_arena_str(a, ifr_str(data.ptr + at + kl + 1, vl));
        if ((kl && !k.ptr) || (vl && !v.ptr) || http_headers_add(out, a, k, v) != 0) return -1;
        at += kl + vl + 2;
    }
    return 0;
}
