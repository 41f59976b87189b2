/* Character classes of RFC 9110 section 5.6 and RFC 3986, as the parsers
 * and the writer need them. One byte-indexed table (chars.c) answers every
 * class with a load and a test: these run for each byte of every head. */
#ifndef IFRIT_HTTP_CHARS_H
#define IFRIT_HTTP_CHARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum {
    HTTP_CHAR_TOKEN = 1,    /* tchar: method, header name, coding */
    HTTP_CHAR_FIELD = 2,    /* inside a field value */
    HTTP_CHAR_TARGET = 4,   /* inside a request-target */
    HTTP_CHAR_HOST = 8,     /* inside a Host value */
};

extern const unsigned char http_char_class[256];

static inline bool http_is_tchar(unsigned char c) { return http_char_class[c] & HTTP_CHAR_TOKEN; }

/* VCHAR, obs-text, SP, HTAB. Refusing every other control byte (NUL, CR,
 * LF, DEL...) is what stops header injection and request smuggling
 * through odd bytes. */
static inline bool http_is_field_char(unsigned char c) { return http_char_class[c] & HTTP_CHAR_FIELD; }

/* Whether every byte of s[0..n) is a field-value byte. Eight bytes at a
 * time while none is a control byte (usual values are printable ASCII);
 * any word holding one goes to the byte test, which decides. */
static inline bool http_is_field_value(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t below_space = (w - ones * 0x20) & ~w & highs;   /* some byte < 0x20 */
        uint64_t del = w ^ (ones * 0x7f);
        if (below_space | ((del - ones) & ~del & highs)) break;  /* ... or == 0x7f */
    }
    for (; i < n; i++)
        if (!http_is_field_char((unsigned char)s[i])) return false;
    return true;
}

/* Visible ASCII except '#'. */
static inline bool http_is_target_char(unsigned char c) { return http_char_class[c] & HTTP_CHAR_TARGET; }

/* reg-name, IP literal, port. */
static inline bool http_is_host_char(unsigned char c) { return http_char_class[c] & HTTP_CHAR_HOST; }

static inline bool http_is_ows(unsigned char c) { return c == ' ' || c == '\t'; }

#endif
