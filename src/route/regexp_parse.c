/* RE2 syntax to a tree (see regexp.h for what is accepted). Errors name the
 * offending text and its offset in the pattern. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "route/regexp_int.h"

#define ROUTE__RX_MAX_NESTING 1000   /* Go's limit on the tree's height */

enum { ROUTE__RX_FOLD = 1, ROUTE__RX_MULTILINE = 2, ROUTE__RX_DOT_NL = 4, ROUTE__RX_UNGREEDY = 8 };

typedef struct route__rx_name {
    ifr_str_t name;
    struct route__rx_name *next;
} route__rx_name_t;

typedef struct {
    ifr_arena_t *a;
    const uint8_t *s;
    size_t len, i;
    unsigned flags;
    int ngroups, depth;
    const char **names;
    route__rx_name_t *all_names;
    char *err;
    size_t errcap;
    bool failed;
} route__rx_parser_t;

static route_rx_node_t *route__rx_fail(route__rx_parser_t *p, const char *fmt, ...)
{
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errcap, fmt, ap);
        va_end(ap);
        p->failed = true;
    }
    return NULL;
}

static route_rx_node_t *route__rx_node(route__rx_parser_t *p, route_rx_kind_t kind)
{
    route_rx_node_t *n = ifr_arena_calloc(p->a, 1, sizeof(*n));
    if (!n) return route__rx_fail(p, "out of memory");
    n->kind = kind;
    return n;
}

static void route__rx_add_kid(route_rx_node_t *parent, route_rx_node_t *kid)
{
    if (parent->last) parent->last->next = kid;
    else parent->kids = kid;
    parent->last = kid;
}

static uint8_t *route__rx_new_set(route__rx_parser_t *p)
{
    uint8_t *set = ifr_arena_calloc(p->a, 32, 1);
    if (!set) route__rx_fail(p, "out of memory");
    return set;
}

static void route__rx_set_range(uint8_t *set, unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi; c++) set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool route__rx_is_word(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Byte ranges as lo,hi pairs; n is the number of pairs. */
typedef struct {
    uint8_t r[9];   /* room for the literal's NUL */
    uint8_t n;
} route__rx_ranges_t;

/* The ASCII classes Go knows by name. */
static const struct { const char *name; route__rx_ranges_t ranges; } route__rx_named[] = {
    { "alnum", { "09AZaz", 3 } }, { "alpha", { "AZaz", 2 } }, { "ascii", { "\0\x7f", 1 } },
    { "blank", { "\t\t  ", 2 } }, { "cntrl", { "\0\x1f\x7f\x7f", 2 } }, { "digit", { "09", 1 } },
    { "graph", { "!~", 1 } }, { "lower", { "az", 1 } }, { "print", { " ~", 1 } },
    { "punct", { "!/:@[`{~", 4 } }, { "space", { "\t\r  ", 2 } }, { "upper", { "AZ", 1 } },
    { "word", { "09AZ__az", 4 } }, { "xdigit", { "09AFaf", 3 } },
};

/* Adds the ranges (or their complement) to set. */
static void route__rx_add_ranges(uint8_t *set, const route__rx_ranges_t *ranges, bool negate)
{
    uint8_t tmp[32] = { 0 };
    for (int k = 0; k < ranges->n; k++) route__rx_set_range(tmp, ranges->r[2 * k], ranges->r[2 * k + 1]);
    for (int k = 0; k < 32; k++) set[k] |= negate ? (uint8_t)~tmp[k] : tmp[k];
}

/* \d \w \s and their capitals into set; false if e is none of them. */
static bool route__rx_perl_class(uint8_t *set, uint8_t e)
{
    static const route__rx_ranges_t digit = { "09", 1 }, word = { "09AZ__az", 4 },
                                   space = { "\t\n\f\r  ", 3 };   /* Go's \s: no \v */
    switch (e | 0x20) {
    case 'd': route__rx_add_ranges(set, &digit, e < 'a'); return true;
    case 'w': route__rx_add_ranges(set, &word, e < 'a'); return true;
    case 's': route__rx_add_ranges(set, &space, e < 'a'); return true;
    default: return false;
    }
}

static void route__rx_fold_set(uint8_t *set)
{
    for (unsigned c = 'A'; c <= 'Z'; c++) {
        if (route_rx_in_set(set, (uint8_t)c) || route_rx_in_set(set, (uint8_t)(c + 32))) {
            route__rx_set_range(set, c, c);
            route__rx_set_range(set, c + 32, c + 32);
        }
    }
}

static int route__rx_hex(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
    return -1;
}

/* What an escape stands for. */
typedef enum { ROUTE__RX_ESC_CHAR, ROUTE__RX_ESC_SET, ROUTE__RX_ESC_ASSERT, ROUTE__RX_ESC_QUOTE } route__rx_esc_kind_t;

typedef struct {
    route__rx_esc_kind_t kind;
    uint32_t cp;          /* CHAR: a code point */
    uint8_t assert;       /* ASSERT */
    uint8_t *set;         /* SET */
} route__rx_esc_t;

/* Reads the escape at p->i (just past the backslash). */
static bool route__rx_escape(route__rx_parser_t *p, bool in_class, route__rx_esc_t *out)
{
    size_t at = p->i - 1;
    if (p->i >= p->len) return route__rx_fail(p, "trailing backslash at end of expression"), false;
    uint8_t e = p->s[p->i++];
    out->kind = ROUTE__RX_ESC_CHAR;
    switch (e) {
    case 'a': out->cp = 7; return true;
    case 'f': out->cp = '\f'; return true;
    case 't': out->cp = '\t'; return true;
    case 'n': out->cp = '\n'; return true;
    case 'r': out->cp = '\r'; return true;
    case 'v': out->cp = '\v'; return true;
    case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
        out->kind = ROUTE__RX_ESC_SET;
        if (!(out->set = route__rx_new_set(p))) return false;
        route__rx_perl_class(out->set, e);
        return true;
    case 'x': {
        uint32_t v = 0;
        if (p->i < p->len && p->s[p->i] == '{') {
            size_t j = p->i + 1, digits = 0;
            while (j < p->len && route__rx_hex(p->s[j]) >= 0 && v <= 0x10FFFF) v = v * 16 + (uint32_t)route__rx_hex(p->s[j++]), digits++;
            if (j >= p->len || p->s[j] != '}' || digits == 0 || v > 0x10FFFF) break;
            p->i = j + 1;
        } else {
            if (p->i + 2 > p->len || route__rx_hex(p->s[p->i]) < 0 || route__rx_hex(p->s[p->i + 1]) < 0) break;
            v = (uint32_t)(route__rx_hex(p->s[p->i]) * 16 + route__rx_hex(p->s[p->i + 1]));
            p->i += 2;
        }
        out->cp = v;
        return true;
    }
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        /* \0, or octal with more digits; a lone \1..\7 would be a back-reference */
        if (e != '0' && (p->i >= p->len || p->s[p->i] < '0' || p->s[p->i] > '7'))
            return route__rx_fail(p, "back-references (\\%c at offset %zu) are not supported", e, at), false;
        uint32_t v = (uint32_t)(e - '0');
        for (int k = 0; k < 2 && p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '7'; k++)
            v = v * 8 + (uint32_t)(p->s[p->i++] - '0');
        out->cp = v;
        return true;
    }
    case 'A': case 'z': case 'b': case 'B':
        if (in_class) break;
        out->kind = ROUTE__RX_ESC_ASSERT;
        out->assert = e == 'A' ? ROUTE_RX_TEXT_START : e == 'z' ? ROUTE_RX_TEXT_END
                    : e == 'b' ? ROUTE_RX_WORD_EDGE : ROUTE_RX_NOT_WORD_EDGE;
        return true;
    case 'Q':
        if (in_class) break;
        out->kind = ROUTE__RX_ESC_QUOTE;
        return true;
    case 'p': case 'P':
        return route__rx_fail(p, "Unicode classes (\\%c at offset %zu) are not supported: matching is on bytes", e, at), false;
    default:
        if (e < 0x80 && (e == '_' || !route__rx_is_word(e))) { out->cp = e; return true; }   /* punctuation */
        break;
    }
    return route__rx_fail(p, "invalid escape sequence \\%c at offset %zu", e, at), false;
}

/* A node for one code point: one byte, or its UTF-8 bytes in a row. */
static route_rx_node_t *route__rx_char(route__rx_parser_t *p, uint32_t cp)
{
    if (cp < 0x80) {
        uint8_t c = (uint8_t)cp;
        if ((p->flags & ROUTE__RX_FOLD) && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
            route_rx_node_t *n = route__rx_node(p, ROUTE_RX_SET);
            uint8_t *set = route__rx_new_set(p);
            if (!n || !set) return NULL;
            route__rx_set_range(set, c | 0x20, c | 0x20);
            route__rx_set_range(set, c & ~0x20u, c & ~0x20u);
            n->set = set;
            return n;
        }
        route_rx_node_t *n = route__rx_node(p, ROUTE_RX_BYTE);
        if (n) n->byte = c;
        return n;
    }
    uint8_t b[4];
    size_t nb;
    if (cp < 0x800) { b[0] = (uint8_t)(0xC0 | cp >> 6); nb = 2; }
    else if (cp < 0x10000) { b[0] = (uint8_t)(0xE0 | cp >> 12); nb = 3; }
    else { b[0] = (uint8_t)(0xF0 | cp >> 18); nb = 4; }
    for (size_t k = 1; k < nb; k++) b[k] = (uint8_t)(0x80 | ((cp >> (6 * (nb - 1 - k))) & 0x3F));
    route_rx_node_t *cat = route__rx_node(p, ROUTE_RX_CAT);
    for (size_t k = 0; cat && k < nb; k++) {
        route_rx_node_t *n = route__rx_node(p, ROUTE_RX_BYTE);
        if (!n) return NULL;
        n->byte = b[k];
        route__rx_add_kid(cat, n);
    }
    return cat;
}

/* The literal character at p->i: an ASCII byte (folded under (?i)), or
 * the bytes of one UTF-8 sequence kept together as they are written, so
 * that a repetition after it takes the whole character, as in Go; a stray
 * byte stands alone. */
static route_rx_node_t *route__rx_literal(route__rx_parser_t *p)
{
    uint8_t c = p->s[p->i];
    if (c < 0x80) {
        p->i++;
        return route__rx_char(p, c);
    }
    size_t nb = c >= 0xF5 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 1;
    if (p->i + nb > p->len) nb = 1;
    for (size_t k = 1; k < nb; k++)
        if ((p->s[p->i + k] & 0xC0) != 0x80) nb = 1;
    route_rx_node_t *cat = nb > 1 ? route__rx_node(p, ROUTE_RX_CAT) : NULL;
    if (nb > 1 && !cat) return NULL;
    for (size_t k = 0; k < nb; k++) {
        route_rx_node_t *n = route__rx_node(p, ROUTE_RX_BYTE);
        if (!n) return NULL;
        n->byte = p->s[p->i++];
        if (!cat) return n;
        route__rx_add_kid(cat, n);
    }
    return cat;
}

/* One [lo] or [lo-hi] end inside a class: a byte, or a set from \d etc. */
static bool route__rx_class_char(route__rx_parser_t *p, uint8_t *set, int *cp)
{
    size_t at = p->i;
    uint8_t c = p->s[p->i];
    if (c == '\\') {
        p->i++;
        route__rx_esc_t e;
        if (!route__rx_escape(p, true, &e)) return false;
        if (e.kind == ROUTE__RX_ESC_SET) {
            for (int k = 0; k < 32; k++) set[k] |= e.set[k];
            *cp = -1;
            return true;
        }
        c = (uint8_t)e.cp;
        if (e.cp >= 0x80) c = 0x80;
    } else {
        p->i++;
    }
    if (c >= 0x80)
        return route__rx_fail(p, "a non-ASCII character in [...] (offset %zu) is not supported: matching is on bytes", at), false;
    *cp = c;
    return true;
}

static route_rx_node_t *route__rx_class(route__rx_parser_t *p)
{
    size_t open = p->i++;
    uint8_t *set = route__rx_new_set(p);
    if (!set) return NULL;
    bool negate = p->i < p->len && p->s[p->i] == '^';
    if (negate) p->i++;
    for (bool first = true;; first = false) {
        if (p->i >= p->len) return route__rx_fail(p, "missing closing ] for the [ at offset %zu", open);
        if (p->s[p->i] == ']' && !first) break;
        if (p->s[p->i] == '[' && p->i + 1 < p->len && p->s[p->i + 1] == ':') {
            size_t j = p->i + 2;
            bool neg = j < p->len && p->s[j] == '^';
            size_t name = j + neg, k = name;
            while (k + 1 < p->len && !(p->s[k] == ':' && p->s[k + 1] == ']')) k++;
            size_t i = 0, n = sizeof(route__rx_named) / sizeof(route__rx_named[0]);
            while (k + 1 < p->len && i < n &&
                   !(strlen(route__rx_named[i].name) == k - name && memcmp(route__rx_named[i].name, p->s + name, k - name) == 0))
                i++;
            if (k + 1 >= p->len || i == n)
                return route__rx_fail(p, "invalid character class name at offset %zu", p->i);
            route__rx_add_ranges(set, &route__rx_named[i].ranges, neg);
            p->i = k + 2;
            continue;
        }
        int lo, hi;
        if (!route__rx_class_char(p, set, &lo)) return NULL;
        if (lo < 0) continue;
        hi = lo;
        if (p->i + 1 < p->len && p->s[p->i] == '-' && p->s[p->i + 1] != ']') {
            size_t at = p->i++;
            if (!route__rx_class_char(p, set, &hi)) return NULL;
            if (hi < lo) return route__rx_fail(p, "invalid character class range at offset %zu", at - 1);
        }
        route__rx_set_range(set, (unsigned)lo, (unsigned)hi);
    }
    p->i++;
    if (p->flags & ROUTE__RX_FOLD) route__rx_fold_set(set);
    if (negate)
        for (int k = 0; k < 32; k++) set[k] = (uint8_t)~set[k];
    route_rx_node_t *n = route__rx_node(p, ROUTE_RX_SET);
    if (n) n->set = set;
    return n;
}

static route_rx_node_t *route__rx_alternation(route__rx_parser_t *p);

/* Flags after "(?" up to ':' or ')': returns the new flags, sets *scoped
 * for "(?flags:". */
static bool route__rx_flags(route__rx_parser_t *p, size_t open, unsigned *flags, bool *scoped)
{
    bool neg = false, any = false;
    for (; p->i < p->len; p->i++) {
        uint8_t c = p->s[p->i];
        unsigned f = c == 'i' ? ROUTE__RX_FOLD : c == 'm' ? ROUTE__RX_MULTILINE : c == 's' ? ROUTE__RX_DOT_NL : c == 'U' ? ROUTE__RX_UNGREEDY : 0;
        if (f) {
            *flags = neg ? *flags & ~f : *flags | f;
            any = true;
        } else if (c == '-' && !neg) {
            neg = true;
            any = false;
        } else if ((c == ':' || c == ')') && any) {
            *scoped = c == ':';
            p->i++;
            return true;
        } else {
            break;
        }
    }
    size_t end = p->i < p->len ? p->i + 1 : p->len;
    return route__rx_fail(p, "invalid or unsupported group syntax `%.*s` at offset %zu", (int)(end - open), p->s + open, open), false;
}

/* "(?P<name>" / "(?<name>": the name, p->i past '>'. */
static bool route__rx_group_name(route__rx_parser_t *p, size_t open, ifr_str_t *name)
{
    size_t start = p->i;
    while (p->i < p->len && route__rx_is_word(p->s[p->i])) p->i++;
    if (p->i >= p->len || p->s[p->i] != '>' || p->i == start)
        return route__rx_fail(p, "invalid group name at offset %zu", open), false;
    *name = ifr_str((const char *)p->s + start, p->i - start);
    p->i++;
    for (route__rx_name_t *n = p->all_names; n; n = n->next)
        if (ifr_str_eq(n->name, *name))
            return route__rx_fail(p, "duplicate group name %.*s at offset %zu", (int)name->len, name->ptr, open), false;
    route__rx_name_t *n = ifr_arena_calloc(p->a, 1, sizeof(*n));
    if (!n) return route__rx_fail(p, "out of memory"), false;
    n->name = *name;
    n->next = p->all_names;
    p->all_names = n;
    return true;
}

/* '(' at p->i. *repeatable is false for a bare flag group such as "(?i)". */
static route_rx_node_t *route__rx_group(route__rx_parser_t *p, bool *repeatable)
{
    size_t open = p->i++;
    if (++p->depth > ROUTE__RX_MAX_NESTING) return route__rx_fail(p, "groups nested deeper than %d", ROUTE__RX_MAX_NESTING);
    ifr_str_t name = IFR_NULL_STR;
    bool capture = true;
    unsigned saved = p->flags;
    if (p->i < p->len && p->s[p->i] == '?') {
        p->i++;
        if (p->i + 1 < p->len && p->s[p->i] == 'P' && p->s[p->i + 1] == '<') {
            p->i += 2;
            if (!route__rx_group_name(p, open, &name)) return NULL;
        } else if (p->i + 1 < p->len && p->s[p->i] == '<' && p->s[p->i + 1] != '=' && p->s[p->i + 1] != '!') {
            p->i++;
            if (!route__rx_group_name(p, open, &name)) return NULL;
        } else {
            bool scoped = true;
            if (p->i < p->len && p->s[p->i] == ':') p->i++;
            else if (!route__rx_flags(p, open, &p->flags, &scoped)) return NULL;
            if (!scoped) {   /* (?i): the flags hold to the end of the enclosing group */
                p->depth--;
                *repeatable = false;
                return route__rx_node(p, ROUTE_RX_EMPTY);
            }
            capture = false;
        }
    }
    int g = capture ? ++p->ngroups : 0;
    if (g > 0 && g < ROUTE_MAX_GROUPS && name.ptr)
        p->names[g] = ifr_arena_strndup(p->a, name.ptr, name.len);
    route_rx_node_t *body = route__rx_alternation(p);
    if (!body) return NULL;
    if (p->i >= p->len) return route__rx_fail(p, "missing closing ) for the ( at offset %zu", open);
    p->i++;
    p->flags = saved;
    p->depth--;
    if (!capture) return body;
    route_rx_node_t *n = route__rx_node(p, ROUTE_RX_GROUP);
    if (!n) return NULL;
    n->group = g;
    route__rx_add_kid(n, body);
    return n;
}

/* "{n}", "{n,}" or "{n,m}" at p->i; false (p->i unchanged) if it is not one. */
static bool route__rx_counts(route__rx_parser_t *p, long *min, long *max)
{
    size_t j = p->i + 1;
    long v[2] = { -1, -1 };
    bool comma = false;
    for (int k = 0; k < 2; k++) {
        uint64_t n;
        size_t nd = ifr_str_digits(ifr_str((const char *)p->s + j, p->len - j), &n, NULL);
        j += nd;
        if (nd) v[k] = n < 1000000 ? (long)n : 1000000;
        else if (k == 0) return false;
        if (k == 0 && j < p->len && p->s[j] == ',') { comma = true; j++; }
        else break;
    }
    if (j >= p->len || p->s[j] != '}') return false;
    p->i = j + 1;
    *min = v[0];
    *max = comma ? v[1] : v[0];
    return true;
}

static bool route__rx_is_quantifier(route__rx_parser_t *p)
{
    if (p->i >= p->len) return false;
    uint8_t c = p->s[p->i];
    if (c == '*' || c == '+' || c == '?') return true;
    long a, b;
    size_t keep = p->i;
    bool yes = c == '{' && route__rx_counts(p, &a, &b);
    p->i = keep;
    return yes;
}

/* atom followed by the quantifier at p->i. */
static route_rx_node_t *route__rx_quantify(route__rx_parser_t *p, route_rx_node_t *atom)
{
    long min, max;
    size_t qat = p->i;
    uint8_t q = p->s[p->i];
    if (q == '{') {
        route__rx_counts(p, &min, &max);
        if (min > ROUTE_REGEX_MAX_REPEAT || max > ROUTE_REGEX_MAX_REPEAT || (max >= 0 && max < min))
            return route__rx_fail(p, "invalid repeat count at offset %zu (at most %d)", qat, ROUTE_REGEX_MAX_REPEAT);
    } else {
        p->i++;
        min = q == '+' ? 1 : 0;
        max = q == '?' ? 1 : -1;
    }
    bool lazy = p->i < p->len && p->s[p->i] == '?';
    if (lazy) p->i++;
    if (p->flags & ROUTE__RX_UNGREEDY) lazy = !lazy;
    if (route__rx_is_quantifier(p)) return route__rx_fail(p, "invalid nested repetition operator at offset %zu", p->i);
    route_rx_node_t *rep = route__rx_node(p, ROUTE_RX_REPEAT);
    if (!rep) return NULL;
    rep->min = (int)min;
    rep->max = (int)max;
    rep->lazy = lazy;
    route__rx_add_kid(rep, atom);
    return rep;
}


/* An atom and the one quantifier after it, if any. */
static route_rx_node_t *route__rx_piece(route__rx_parser_t *p)
{
    size_t at = p->i;
    uint8_t c = p->s[p->i];
    route_rx_node_t *atom = NULL;
    bool repeatable = true;
    if (route__rx_is_quantifier(p)) return route__rx_fail(p, "missing argument to repetition operator at offset %zu", at);
    switch (c) {
    case '(': atom = route__rx_group(p, &repeatable); break;
    case '[': atom = route__rx_class(p); break;
    case '.':
        p->i++;
        atom = route__rx_node(p, p->flags & ROUTE__RX_DOT_NL ? ROUTE_RX_ANY : ROUTE_RX_ANY_NL);
        break;
    case '^': case '$':
        p->i++;
        if ((atom = route__rx_node(p, ROUTE_RX_ASSERT)))
            atom->byte = c == '^' ? (p->flags & ROUTE__RX_MULTILINE ? ROUTE_RX_LINE_START : ROUTE_RX_TEXT_START)
                                  : (p->flags & ROUTE__RX_MULTILINE ? ROUTE_RX_LINE_END : ROUTE_RX_TEXT_END);
        break;
    case '\\': {
        p->i++;
        route__rx_esc_t e;
        if (!route__rx_escape(p, false, &e)) return NULL;
        if (e.kind == ROUTE__RX_ESC_CHAR) {
            atom = route__rx_char(p, e.cp);
        } else if (e.kind == ROUTE__RX_ESC_SET) {
            if (p->flags & ROUTE__RX_FOLD) route__rx_fold_set(e.set);
            if ((atom = route__rx_node(p, ROUTE_RX_SET))) atom->set = e.set;
        } else if (e.kind == ROUTE__RX_ESC_ASSERT) {
            if ((atom = route__rx_node(p, ROUTE_RX_ASSERT))) atom->byte = e.assert;
        } else {   /* \Q...\E: literal text; a repetition after it takes its last byte */
            atom = route__rx_node(p, ROUTE_RX_CAT);
            while (atom && p->i < p->len && !(p->s[p->i] == '\\' && p->i + 1 < p->len && p->s[p->i + 1] == 'E')) {
                route_rx_node_t *ch = route__rx_literal(p);
                if (!ch) return NULL;
                route__rx_add_kid(atom, ch);
            }
            if (p->i < p->len) p->i += 2;
            if (atom && atom->last && route__rx_is_quantifier(p)) {
                route_rx_node_t *last = atom->last, *k = atom->kids;
                if (k == last) {
                    atom->kids = atom->last = NULL;
                } else {
                    while (k->next != last) k = k->next;
                    k->next = NULL;
                    atom->last = k;
                }
                if (!(last = route__rx_quantify(p, last))) return NULL;
                route__rx_add_kid(atom, last);
            }
            repeatable = false;
        }
        break;
    }
    default:
        atom = route__rx_literal(p);
        break;
    }
    if (!atom) return NULL;
    if (!route__rx_is_quantifier(p)) return atom;
    if (!repeatable) return route__rx_fail(p, "missing argument to repetition operator at offset %zu", p->i);
    return route__rx_quantify(p, atom);
}

static route_rx_node_t *route__rx_concat(route__rx_parser_t *p)
{
    route_rx_node_t *cat = route__rx_node(p, ROUTE_RX_CAT);
    while (cat && p->i < p->len && p->s[p->i] != '|' && p->s[p->i] != ')') {
        route_rx_node_t *n = route__rx_piece(p);
        if (!n) return NULL;
        route__rx_add_kid(cat, n);
    }
    return cat;
}

static route_rx_node_t *route__rx_alternation(route__rx_parser_t *p)
{
    route_rx_node_t *first = route__rx_concat(p);
    if (!first || p->i >= p->len || p->s[p->i] != '|') return first;
    route_rx_node_t *alt = route__rx_node(p, ROUTE_RX_ALT);
    if (!alt) return NULL;
    route__rx_add_kid(alt, first);
    while (p->i < p->len && p->s[p->i] == '|') {
        p->i++;
        route_rx_node_t *n = route__rx_concat(p);
        if (!n) return NULL;
        route__rx_add_kid(alt, n);
    }
    return alt;
}

route_rx_node_t *route_rx_parse(ifr_arena_t *a, ifr_str_t pattern, int *ngroups, const char **names,
                                 char *err, size_t errcap)
{
    route__rx_parser_t p = {
        .a = a, .s = (const uint8_t *)pattern.ptr, .len = pattern.len, .names = names, .err = err, .errcap = errcap,
    };
    route_rx_node_t *root = route__rx_alternation(&p);
    if (root && p.i < p.len) return route__rx_fail(&p, "unexpected ) at offset %zu", p.i);
    *ngroups = p.ngroups;
    return root;
}
