/* base64url without padding: see b64url.h. */
#include "acme/b64url.h"

static const char acme__b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int acme_b64url_append(ifr_buf_t *out, const void *data, size_t n)
{
    const uint8_t *p = data;
    if (n == 0) return 0; /* an empty buffer has no data pointer to add to */
    if (ifr_buf_reserve(out, acme_b64url_len(n)) < 0) return -1;
    char *w = out->data + out->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *w++ = acme__b64_alphabet[v >> 18];
        *w++ = acme__b64_alphabet[(v >> 12) & 63];
        *w++ = acme__b64_alphabet[(v >> 6) & 63];
        *w++ = acme__b64_alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        *w++ = acme__b64_alphabet[v >> 18];
        *w++ = acme__b64_alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        *w++ = acme__b64_alphabet[v >> 18];
        *w++ = acme__b64_alphabet[(v >> 12) & 63];
        *w++ = acme__b64_alphabet[(v >> 6) & 63];
    }
    out->len = (size_t)(w - out->data);
    return 0;
}

static int acme__b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

long acme_b64url_decode(const char *text, size_t len, uint8_t *out, size_t cap)
{
    if (len % 4 == 1) return -1;
    size_t need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (need > cap) return -1;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = acme__b64_value(text[i]);
        if (v < 0) return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* The bits after the last whole byte must be zero, so every byte
     * string has exactly one encoding. */
    if (acc != 0) return -1;
    return (long)o;
}
