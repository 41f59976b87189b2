/* The JSON reader (json_read.h): one iterative pass over the text.
 *
 * Shape of the parse: values of the containers still open sit on a scratch
 * stack of members (arrays simply leave the key empty). When a container
 * closes, its children are copied once into an exact-size arena array and
 * popped, so the arena holds only the final tree and no growth copies. The
 * scratch stack starts on the C stack and moves to the heap only for wide
 * documents, so small documents (a request's JSON) cost no malloc at all.
 *
 * Choices the RFC leaves open, made here:
 * - the text must be UTF-8: invalid sequences (overlong forms, encoded
 *   surrogates, > U+10FFFF, truncated) are rejected, in strings and outside;
 * - a \u escape of a lone surrogate is rejected (it has no UTF-8 form);
 *   \u0000 is accepted and gives a NUL byte inside the string (use .len);
 * - a leading UTF-8 byte order mark is skipped (RFC 8259 section 8.1);
 * - numbers too large for a double become +/-HUGE_VAL; raw_number keeps the
 *   exact text, and ifr_json_int64/uint64 read that text, not the double. */
#include "base/json_read.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/utf8.h"

#define IFR__JSON_SCRATCH_INLINE 32

typedef struct {
    const unsigned char *p;     /* next byte to read */
    const unsigned char *end;
    const unsigned char *start; /* for error offsets */
    ifr_arena_t *arena;
    ifr_json_error_t *err;
    ifr_json_member_t *scratch;
    size_t top, cap;
    bool scratch_on_heap;
    /* Open containers, innermost last: the scratch index of each one's first
     * child. The container itself is always the slot just before it. */
    size_t depth;
    size_t first[IFR_JSON_MAX_DEPTH];
} ifr__json_parser_t;

/* Records the first error at byte offset `at`; always returns false so
 * callers can `return json_fail(...)`. */
static bool ifr__json_fail(ifr__json_parser_t *ps, const unsigned char *at, const char *msg)
{
    if (ps->err) {
        ps->err->offset = (size_t)(at - ps->start);
        snprintf(ps->err->message, sizeof(ps->err->message), "%s", msg);
    }
    return false;
}

static bool ifr__json_out_of_memory(ifr__json_parser_t *ps)
{
    return ifr__json_fail(ps, ps->p, "out of memory while building the JSON tree");
}

static void ifr__json_skip_ws(ifr__json_parser_t *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

/* Pushes an empty member onto the scratch stack; returns its index or
 * SIZE_MAX when memory runs out. */
static size_t ifr__json_push(ifr__json_parser_t *ps)
{
    if (ps->top == ps->cap) {
        size_t ncap = ps->cap * 2;
        if (ncap > SIZE_MAX / sizeof(ifr_json_member_t)) return SIZE_MAX;
        ifr_json_member_t *n = ps->scratch_on_heap ? realloc(ps->scratch, ncap * sizeof(*n))
                                                   : malloc(ncap * sizeof(*n));
        if (!n) return SIZE_MAX;
        if (!ps->scratch_on_heap) memcpy(n, ps->scratch, ps->top * sizeof(*n));
        ps->scratch = n;
        ps->cap = ncap;
        ps->scratch_on_heap = true;
    }
    ifr_json_member_t *m = &ps->scratch[ps->top];
    memset(m, 0, sizeof(*m));
    return ps->top++;
}

static int ifr__json_hex4(const unsigned char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t ifr__json_put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the \u escape at *pp (pointing at the backslash, before the
 * string's closing quote `close`) into o; a high surrogate must be followed
 * by a \u low surrogate. Advances *pp. Returns the bytes written, or 0
 * after recording an error. */
static size_t ifr__json_unicode_escape(ifr__json_parser_t *ps, const unsigned char **pp,
                                  const unsigned char *close, char *o)
{
    const unsigned char *p = *pp;
    if (close - p < 6) return ifr__json_fail(ps, p, "unfinished \\u escape: four hex digits expected");
    int hi = ifr__json_hex4(p + 2);
    if (hi < 0) return ifr__json_fail(ps, p, "bad \\u escape: four hex digits expected");
    uint32_t cp = (uint32_t)hi;
    p += 6;
    if (hi >= 0xDC00 && hi <= 0xDFFF)
        return ifr__json_fail(ps, p - 6, "lone low surrogate in \\u escape: it has no UTF-8 form");
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        int lo = (close - p >= 6 && p[0] == '\\' && p[1] == 'u') ? ifr__json_hex4(p + 2) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return ifr__json_fail(ps, p - 6, "high surrogate in \\u escape not followed by a \\u low surrogate");
        cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
        p += 6;
    }
    *pp = p;
    return ifr__json_put_utf8(o, cp);
}

/* Parses the string whose opening quote is at ps->p into *out (arena copy,
 * unescaped, NUL-terminated). */
static bool ifr__json_string(ifr__json_parser_t *ps, ifr_str_t *out)
{
    const unsigned char *open = ps->p;
    const unsigned char *p = open + 1;
    /* First pass: find the closing quote and whether anything needs work.
     * Escapes only shrink the text, so its raw length bounds the output. */
    bool plain = true;
    for (;;) {
        if (p >= ps->end) return ifr__json_fail(ps, open, "unterminated string");
        unsigned char c = *p;
        if (c == '"') break;
        if (c == '\\') {
            plain = false;
            if (++p >= ps->end) return ifr__json_fail(ps, open, "unterminated string");
        } else if (c < 0x20 || c >= 0x80) {
            plain = false;
        }
        p++;
    }
    size_t raw_len = (size_t)(p - open - 1);
    char *o = ifr_arena_alloc(ps->arena, raw_len + 1);
    if (!o) return ifr__json_out_of_memory(ps);
    if (plain) {
        memcpy(o, open + 1, raw_len);
        o[raw_len] = '\0';
        *out = ifr_str(o, raw_len);
        ps->p = p + 1;
        return true;
    }
    /* Second pass: unescape and check UTF-8. */
    const unsigned char *q = open + 1, *close = p;
    size_t n = 0;
    while (q < close) {
        unsigned char c = *q;
        if (c >= 0x20 && c < 0x80 && c != '\\') {
            o[n++] = (char)c;
            q++;
        } else if (c < 0x20) {
            return ifr__json_fail(ps, q, "control character in string: it must be escaped");
        } else if (c >= 0x80) {
            size_t len = ifr_utf8_seq_len(q, (size_t)(close - q));
            if (!len) return ifr__json_fail(ps, q, "invalid UTF-8 in string");
            memcpy(o + n, q, len);
            n += len;
            q += len;
        } else {
            static const char escaped[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
            char e = (char)q[1]; /* q + 1 < close: pass one saw the escaped byte */
            const char *simple = e ? strchr(escaped, e) : NULL;
            if (simple) {
                o[n++] = decoded[simple - escaped];
                q += 2;
            } else if (e == 'u') {
                size_t len = ifr__json_unicode_escape(ps, &q, close, o + n);
                if (!len) return false;
                n += len;
            } else {
                return ifr__json_fail(ps, q, "invalid escape in string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
            }
        }
    }
    o[n] = '\0';
    *out = ifr_str(o, n);
    ps->p = close + 1;
    return true;
}

static const double ifr__json_pow10[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Parses a number per the RFC grammar into v (raw text copied to the
 * arena, value as a double). */
static bool ifr__json_number(ifr__json_parser_t *ps, ifr_json_t *v)
{
    const unsigned char *s = ps->p, *p = s;
    if (p < ps->end && *p == '-') p++;
    if (p >= ps->end || *p < '0' || *p > '9')
        return ifr__json_fail(ps, s, "invalid number: a digit must follow '-'");
    /* Significant digits, for the exact fast path below. */
    uint64_t mant = 0;
    int digits = 0, frac_digits = 0;
    if (*p == '0') {
        p++;
        if (p < ps->end && *p >= '0' && *p <= '9')
            return ifr__json_fail(ps, s, "invalid number: leading zeros are not allowed");
    } else {
        for (; p < ps->end && *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 19) mant = mant * 10 + (uint64_t)(*p - '0');
    }
    if (p < ps->end && *p == '.') {
        p++;
        if (p >= ps->end || *p < '0' || *p > '9')
            return ifr__json_fail(ps, p, "invalid number: a digit must follow the decimal point");
        for (; p < ps->end && *p >= '0' && *p <= '9'; p++, frac_digits++) {
            if (digits + frac_digits < 19) mant = mant * 10 + (uint64_t)(*p - '0');
        }
        /* Leading zeros of a fraction ("0.001") still count as digits here,
         * which only makes the fast path a little more conservative. */
        digits += frac_digits;
    }
    int exp = 0;
    if (p < ps->end && (*p == 'e' || *p == 'E')) {
        p++;
        bool neg = false;
        if (p < ps->end && (*p == '+' || *p == '-')) neg = (*p++ == '-');
        if (p >= ps->end || *p < '0' || *p > '9')
            return ifr__json_fail(ps, p, "invalid number: a digit must follow the exponent");
        for (; p < ps->end && *p >= '0' && *p <= '9'; p++)
            if (exp < 100000) exp = exp * 10 + (*p - '0');
        if (neg) exp = -exp;
    }
    size_t len = (size_t)(p - s);
    char *raw = ifr_arena_strndup(ps->arena, (const char *)s, len);
    if (!raw) return ifr__json_out_of_memory(ps);
    v->type = IFR_JSON_NUMBER;
    v->raw_number = ifr_str(raw, len);
    /* Exact when the digits fit a double's 53 bits and the power of ten is
     * itself exact (Clinger's fast path); strtod (C locale) otherwise. */
    int e10 = exp - frac_digits;
    if (digits <= 15 && e10 >= -22 && e10 <= 22) {
        double d = (double)mant;
        d = e10 < 0 ? d / ifr__json_pow10[-e10] : d * ifr__json_pow10[e10];
        v->number = *s == '-' ? -d : d;
    } else {
        v->number = strtod(raw, NULL);
    }
    ps->p = p;
    return true;
}

/* Matches the literal word at ps->p. */
static bool ifr__json_literal(ifr__json_parser_t *ps, ifr_json_t *v)
{
    static const struct { const char *word; size_t len; ifr_json_type_t type; bool value; } words[] = {
        { "true", 4, IFR_JSON_BOOL, true },
        { "false", 5, IFR_JSON_BOOL, false },
        { "null", 4, IFR_JSON_NULL, false },
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if ((size_t)(ps->end - ps->p) >= words[i].len && memcmp(ps->p, words[i].word, words[i].len) == 0) {
            v->type = words[i].type;
            v->boolean = words[i].value;
            ps->p += words[i].len;
            return true;
        }
    }
    if (*ps->p >= 0x80 && ifr_utf8_seq_len(ps->p, (size_t)(ps->end - ps->p)) == 0)
        return ifr__json_fail(ps, ps->p, "invalid UTF-8 where a value was expected");
    return ifr__json_fail(ps, ps->p, "unexpected character: a value (object, array, string, number, true, false, null) was expected");
}

/* Moves the children of the innermost open container into the arena and
 * pops it. */
static bool ifr__json_close(ifr__json_parser_t *ps)
{
    size_t first = ps->first[--ps->depth];
    size_t count = ps->top - first;
    ifr_json_t *node = &ps->scratch[first - 1].value;
    node->count = count;
    if (count) {
        if (node->type == IFR_JSON_OBJECT) {
            ifr_json_member_t *m = ifr_arena_alloc(ps->arena, count * sizeof(*m));
            if (!m) return ifr__json_out_of_memory(ps);
            memcpy(m, &ps->scratch[first], count * sizeof(*m));
            node->members = m;
        } else {
            ifr_json_t *items = ifr_arena_alloc(ps->arena, count * sizeof(*items));
            if (!items) return ifr__json_out_of_memory(ps);
            for (size_t i = 0; i < count; i++) items[i] = ps->scratch[first + i].value;
            node->items = items;
        }
    }
    ps->top = first;
    return true;
}

/* Reads `"key" :` of an object member into a new scratch slot; returns the
 * slot or SIZE_MAX after recording an error. */
static size_t ifr__json_member_key(ifr__json_parser_t *ps)
{
    ifr__json_skip_ws(ps);
    if (ps->p >= ps->end) return ifr__json_fail(ps, ps->p, "unexpected end of input: an object key was expected"), SIZE_MAX;
    if (*ps->p != '"') return ifr__json_fail(ps, ps->p, "an object key (a string in double quotes) was expected"), SIZE_MAX;
    size_t slot = ifr__json_push(ps);
    if (slot == SIZE_MAX) return ifr__json_out_of_memory(ps), SIZE_MAX;
    ifr_str_t key;
    if (!ifr__json_string(ps, &key)) return SIZE_MAX;
    ps->scratch[slot].key = key;
    ifr__json_skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != ':')
        return ifr__json_fail(ps, ps->p, "':' was expected after an object key"), SIZE_MAX;
    ps->p++;
    return slot;
}

/* Opens a container whose value lives in scratch[*slot] (always the top of
 * the stack); *slot becomes the first child's slot, or SIZE_MAX when the
 * container is empty (and already closed). */
static bool ifr__json_open(ifr__json_parser_t *ps, size_t *slot)
{
    bool is_object = *ps->p == '{';
    if (ps->depth == IFR_JSON_MAX_DEPTH)
        return ifr__json_fail(ps, ps->p, "nesting too deep (more than 512 arrays/objects)");
    ps->scratch[*slot].value.type = is_object ? IFR_JSON_OBJECT : IFR_JSON_ARRAY;
    ps->first[ps->depth++] = ps->top;
    ps->p++;
    ifr__json_skip_ws(ps);
    if (ps->p < ps->end && *ps->p == (is_object ? '}' : ']')) {
        ps->p++;
        *slot = SIZE_MAX;
        return ifr__json_close(ps);
    }
    *slot = is_object ? ifr__json_member_key(ps) : ifr__json_push(ps);
    if (*slot == SIZE_MAX) return is_object ? false : ifr__json_out_of_memory(ps);
    return true;
}

/* Parses one scalar or opens a container at ps->p into scratch[slot]. On
 * return, *slot is the next slot to fill, or SIZE_MAX when the value is
 * complete. */
static bool ifr__json_value(ifr__json_parser_t *ps, size_t *slot)
{
    ifr__json_skip_ws(ps);
    if (ps->p >= ps->end) return ifr__json_fail(ps, ps->p, "unexpected end of input: a value was expected");
    ifr_json_t *v = &ps->scratch[*slot].value;
    unsigned char c = *ps->p;
    bool ok;
    if (c == '{' || c == '[') return ifr__json_open(ps, slot);
    if (c == '"') {
        v->type = IFR_JSON_STRING;
        ok = ifr__json_string(ps, &v->string);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        ok = ifr__json_number(ps, v);
    } else {
        ok = ifr__json_literal(ps, v);
    }
    *slot = SIZE_MAX;
    return ok;
}

/* After a complete value inside a container: ',' opens the next slot, a
 * closing bracket closes the container. */
static bool ifr__json_after_value(ifr__json_parser_t *ps, size_t *slot)
{
    bool is_object = ps->scratch[ps->first[ps->depth - 1] - 1].value.type == IFR_JSON_OBJECT;
    ifr__json_skip_ws(ps);
    if (ps->p >= ps->end)
        return ifr__json_fail(ps, ps->p, is_object ? "unexpected end of input: ',' or '}' was expected"
                                                 : "unexpected end of input: ',' or ']' was expected");
    unsigned char c = *ps->p;
    if (c == ',') {
        ps->p++;
        if (is_object) {
            *slot = ifr__json_member_key(ps);
            return *slot != SIZE_MAX;
        }
        *slot = ifr__json_push(ps);
        return *slot != SIZE_MAX || ifr__json_out_of_memory(ps);
    }
    if (c == (is_object ? '}' : ']')) {
        ps->p++;
        return ifr__json_close(ps);
    }
    return ifr__json_fail(ps, ps->p, is_object ? "',' or '}' was expected after an object member"
                                             : "',' or ']' was expected after an array element");
}

static bool ifr__json_document(ifr__json_parser_t *ps)
{
    if (ps->end - ps->p >= 3 && memcmp(ps->p, "\xEF\xBB\xBF", 3) == 0) ps->p += 3;
    size_t slot = ifr__json_push(ps); /* the root: inline scratch has room */
    do {
        if (slot != SIZE_MAX) {
            if (!ifr__json_value(ps, &slot)) return false;
        } else if (!ifr__json_after_value(ps, &slot)) {
            return false;
        }
    } while (ps->depth > 0 || slot != SIZE_MAX);
    ifr__json_skip_ws(ps);
    if (ps->p != ps->end) return ifr__json_fail(ps, ps->p, "unexpected text after the JSON value");
    return true;
}

ifr_json_t *ifr_json_parse(ifr_arena_t *a, const char *text, size_t len, ifr_json_error_t *err)
{
    ifr_json_member_t inline_scratch[IFR__JSON_SCRATCH_INLINE];
    ifr__json_parser_t parser, *ps = &parser;
    if (err) { err->offset = 0; err->message[0] = '\0'; }
    const unsigned char *start = (const unsigned char *)(text ? text : "");
    *ps = (ifr__json_parser_t){ .p = start, .end = start + (text ? len : 0), .start = start,
                           .arena = a, .err = err, .scratch = inline_scratch,
                           .cap = IFR__JSON_SCRATCH_INLINE };
    ifr_json_t *root = NULL;
    if (ifr__json_document(ps)) {
        root = ifr_arena_alloc(a, sizeof(*root));
        if (root) *root = ps->scratch[0].value;
        else ifr__json_out_of_memory(ps);
    }
    if (ps->scratch_on_heap) free(ps->scratch);
    return root;
}
