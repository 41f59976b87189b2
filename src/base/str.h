/* Length-carrying byte slices: the way request data, config tokens and guest
 * memory are passed around. Never NUL-terminated on the hot path.
 * A slice never owns its bytes: whoever made it says how long they live. */
#ifndef IFRIT_BASE_STR_H
#define IFRIT_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const char *ptr;
    size_t len;
} ifr_str_t;

/* A slice of a string literal: IFR_LIT("GET"). */
#define IFR_LIT(s) ((ifr_str_t){ (s), sizeof(s) - 1 })
#define IFR_NULL_STR ((ifr_str_t){ NULL, 0 })

static inline ifr_str_t ifr_str(const char *p, size_t n) { return (ifr_str_t){ p, n }; }
static inline ifr_str_t ifr_cstr(const char *s) { return (ifr_str_t){ s, s ? strlen(s) : 0 }; }

static inline bool ifr_str_eq(ifr_str_t a, ifr_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool ifr_str_eq_cstr(ifr_str_t a, const char *b)
{
    return ifr_str_eq(a, ifr_cstr(b));
}

static inline char ifr_ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

/* ASCII case-insensitive equality, as HTTP header names need. */
static inline bool ifr_str_eq_nocase(ifr_str_t a, ifr_str_t b)
{
    if (a.len != b.len) return false;
    for (size_t i = 0; i < a.len; i++)
        if (ifr_ascii_lower(a.ptr[i]) != ifr_ascii_lower(b.ptr[i])) return false;
    return true;
}

static inline bool ifr_str_starts_with(ifr_str_t s, ifr_str_t prefix)
{
    return s.len >= prefix.len && memcmp(s.ptr, prefix.ptr, prefix.len) == 0;
}

static inline bool ifr_str_ends_with(ifr_str_t s, ifr_str_t suffix)
{
    return s.len >= suffix.len &&
           memcmp(s.ptr + s.len - suffix.len, suffix.ptr, suffix.len) == 0;
}

/* Index of the first byte c in s, or -1. */
static inline long ifr_str_find_char(ifr_str_t s, char c)
{
    const char *p = s.len ? memchr(s.ptr, c, s.len) : NULL;
    return p ? (long)(p - s.ptr) : -1;
}

/* Bytes [from, to) of s, clamped to s. */
static inline ifr_str_t ifr_str_sub(ifr_str_t s, size_t from, size_t to)
{
    if (to > s.len) to = s.len;
    if (from > to) from = to;
    return (ifr_str_t){ s.ptr + from, to - from };
}

/* Decimal integers, the one parser for every layer: no sign, no spaces,
 * ASCII digits only, leading zeros allowed.
 *
 * ifr_str_digits reads the digits at the start of s and returns how many
 * there are (0: none). *out gets their value; one that does not fit in 64
 * bits gives UINT64_MAX and *fits false (fits may be NULL when a caller's
 * own bound is below UINT64_MAX). */
static inline size_t ifr_str_digits(ifr_str_t s, uint64_t *out, bool *fits)
{
    uint64_t v = 0;
    bool ok = true;
    size_t i = 0;
    for (; i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9'; i++) {
        unsigned d = (unsigned)(s.ptr[i] - '0');
        if (v > (UINT64_MAX - d) / 10) ok = false;
        v = ok ? v * 10 + d : UINT64_MAX;
    }
    *out = v;
    if (fits) *fits = ok;
    return i;
}

/* Whether all of s is one or more digits whose value is at most max; the
 * value in *out then (untouched otherwise). */
static inline bool ifr_str_to_u64(ifr_str_t s, uint64_t max, uint64_t *out)
{
    uint64_t v;
    bool fits;
    if (s.len == 0 || ifr_str_digits(s, &v, &fits) != s.len || !fits || v > max) return false;
    *out = v;
    return true;
}

#endif
