/* Well-formed UTF-8 (RFC 3629), the one check every layer uses: the wasm
 * decoder's names, JSON strings read and written. Inline, since the JSON
 * reader and writer call it per byte above 0x7F. */
#ifndef IFRIT_BASE_UTF8_H
#define IFRIT_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the well-formed sequence at p (1..4 bytes, within the left
 * bytes there; left >= 1), or 0 when there is none: a stray continuation
 * byte, a cut sequence, an overlong form, a UTF-16 surrogate (ED A0..BF)
 * or a code point past U+10FFFF. */
static inline size_t ifr_utf8_seq_len(const unsigned char *p, size_t left)
{
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    /* The second byte's range depends on the first: that is what excludes
     * overlong forms, surrogates and code points past U+10FFFF. */
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else return 0;
    if (left < n || p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    return n;
}

/* Whether the n bytes at s are all well-formed UTF-8. */
static inline bool ifr_utf8_valid(const void *s, size_t n)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n;) {
        size_t len = ifr_utf8_seq_len(p + i, n - i);
        if (!len) return false;
        i += len;
    }
    return true;
}

#endif
