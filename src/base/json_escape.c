#include "base/json.h"

#include <stdio.h>

#include "base/utf8.h"

/* Escapes one unit at s[i]: writes into out (>= 7 bytes), returns bytes
 * written and advances *i. */
static size_t ifr__json_escape_unit(const unsigned char *s, size_t len, size_t *i, char *out)
{
    unsigned char c = s[*i];
    const char *short_esc = NULL;
    switch (c) {
    case '"': short_esc = "\\\""; break;
    case '\\': short_esc = "\\\\"; break;
    case '\n': short_esc = "\\n"; break;
    case '\r': short_esc = "\\r"; break;
    case '\t': short_esc = "\\t"; break;
    case '\b': short_esc = "\\b"; break;
    case '\f': short_esc = "\\f"; break;
    default: break;
    }
    if (short_esc) {
        (*i)++;
        memcpy(out, short_esc, 2);
        return 2;
    }
    if (c < 0x20 || c == 0x7F) {
        (*i)++;
        return (size_t)snprintf(out, 7, "\\u%04x", c);
    }
    size_t n = ifr_utf8_seq_len(s + *i, len - *i);
    if (n == 0) {
        (*i)++;
        return (size_t)snprintf(out, 7, "\\u%04x", c);
    }
    memcpy(out, s + *i, n);
    *i += n;
    return n;
}

size_t ifr_json_escape_to(char *dst, size_t cap, ifr_str_t s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t w = 0;
    if (cap < 2) return 0;
    dst[w++] = '"';
    for (size_t i = 0; i < s.len;) {
        char unit[8];
        size_t save = i;
        size_t n = ifr__json_escape_unit(p, s.len, &i, unit);
        if (w + n + 1 > cap) { i = save; break; }
        memcpy(dst + w, unit, n);
        w += n;
    }
    dst[w++] = '"';
    return w;
}

int ifr_json_append_string(ifr_buf_t *b, ifr_str_t s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    if (ifr_buf_append_byte(b, '"') < 0) return -1;
    size_t run = 0; /* start of a run of bytes that need no escaping */
    for (size_t i = 0; i < s.len;) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') { i++; continue; }
        if (ifr_buf_append(b, s.ptr + run, i - run) < 0) return -1;
        char unit[8];
        size_t n = ifr__json_escape_unit(p, s.len, &i, unit);
        if (ifr_buf_append(b, unit, n) < 0) return -1;
        run = i;
    }
    if (ifr_buf_append(b, s.ptr + run, s.len - run) < 0) return -1;
    return ifr_buf_append_byte(b, '"');
}
