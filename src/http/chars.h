/* Character classes of RFC 9110 section 5.6 and RFC 3986, as the parsers
 * and the writer need them. Table-free: these compile to a few compares. */
#ifndef IFRIT_HTTP_CHARS_H
#define IFRIT_HTTP_CHARS_H

#include <stdbool.h>

/* tchar: the characters of a token (method, header name, coding). */
static inline bool http_is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

/* A byte allowed inside a field value: VCHAR, obs-text, SP, HTAB. Refusing
 * every other control byte (NUL, CR, LF, DEL...) is what stops header
 * injection and request smuggling through odd bytes. */
static inline bool http_is_field_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* A byte of a request-target: visible ASCII only. */
static inline bool http_is_target_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '#';
}

/* A byte of a Host value (reg-name, IP literal, port). */
static inline bool http_is_host_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '-': case '.': case '_': case '~': case '!': case '$': case '&': case '\'':
    case '(': case ')': case '*': case '+': case ',': case ';': case '=': case ':':
    case '[': case ']': case '%':
        return true;
    default:
        return false;
    }
}

static inline bool http_is_ows(unsigned char c) { return c == ' ' || c == '\t'; }

#endif
