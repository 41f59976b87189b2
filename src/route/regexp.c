/* RE2-to-POSIX translation and matching (see regex.h). */
#include "route/regexp.h"

#include <stdio.h>
#include <string.h>

static void route_regex_free(void *p)
{
    regfree(&((route_regex_t *)p)->re);
}

/* The bracket-expression body for \d \w \s (negated forms handled by caller). */
static const char *route_regex_class(char c)
{
    switch (c) {
    case 'd': case 'D': return "0-9";
    case 'w': case 'W': return "A-Za-z0-9_";
    case 's': case 'S': return "[:space:]";
    default: return NULL;
    }
}

int route_regex_compile(ifr_arena_t *a, ifr_str_t pat, route_regex_t **out, char *err, size_t errcap)
{
    route_regex_t *rx = ifr_arena_calloc(a, 1, sizeof(*rx));
    /* Each input byte grows to at most 14 output bytes (\W -> [^A-Za-z0-9_]). */
    char *o = ifr_arena_alloc(a, pat.len * 14 + 1);
    if (!rx || !o) { snprintf(err, errcap, "out of memory"); return -1; }
    size_t n = 0, i = 0, posix = 0;
    int user = 0, cflags = REG_EXTENDED;
    bool in_class = false;
    if (pat.len >= 4 && memcmp(pat.ptr, "(?i)", 4) == 0) { cflags |= REG_ICASE; i = 4; }
    for (; i < pat.len; i++) {
        char c = pat.ptr[i];
        if (in_class) {
            if (c == '\\' && i + 1 < pat.len) {
                char e = pat.ptr[++i];
                const char *cls = route_regex_class(e);
                if (cls && e >= 'a') { n += (size_t)sprintf(o + n, "%s", cls); continue; }
                if (cls) { snprintf(err, errcap, "\\%c inside [...] is not supported", e); return -1; }
                o[n++] = e;   /* POSIX brackets take every byte literally */
                continue;
            }
            if (c == ']') in_class = false;
            o[n++] = c;
            continue;
        }
        if (c == '[') {
            in_class = true;
            o[n++] = c;
            /* A leading ] or ^] is literal: copy it so it does not close the class. */
            if (i + 1 < pat.len && pat.ptr[i + 1] == '^') o[n++] = pat.ptr[++i];
            if (i + 1 < pat.len && pat.ptr[i + 1] == ']') o[n++] = pat.ptr[++i];
            continue;
        }
        if (c == '\\' && i + 1 < pat.len) {
            char e = pat.ptr[++i];
            const char *cls = route_regex_class(e);
            if (cls) n += (size_t)sprintf(o + n, e >= 'a' ? "[%s]" : "[^%s]", cls);
            else if (e == 'n') o[n++] = '\n';
            else if (e == 't') o[n++] = '\t';
            else if (e == 'r') o[n++] = '\r';
            else if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
                /* \b, \A, \1...: meanings differ between regcomp versions. */
                snprintf(err, errcap, "\\%c is not supported (POSIX extended regexps)", e);
                return -1;
            } else if (e == '/' || e == '-' || e == '_' || e == '"' || e == '\'') o[n++] = e;
            else { o[n++] = '\\'; o[n++] = e; }
            continue;
        }
        if (c == '(') {
            posix++;
            if (i + 1 < pat.len && pat.ptr[i + 1] == '?') {
                /* (?:  (?P<name>  (?<name> */
                if (i + 2 < pat.len && pat.ptr[i + 2] == ':') {
                    i += 2;
                } else {
                    size_t j = i + 2;
                    if (j < pat.len && pat.ptr[j] == 'P') j++;
                    if (j >= pat.len || pat.ptr[j] != '<') {
                        snprintf(err, errcap, "unsupported group syntax at offset %zu", i);
                        return -1;
                    }
                    size_t name_start = ++j;
                    while (j < pat.len && pat.ptr[j] != '>') j++;
                    if (j >= pat.len || j == name_start) {
                        snprintf(err, errcap, "unterminated group name at offset %zu", i);
                        return -1;
                    }
                    if (++user < ROUTE_MAX_GROUPS) {
                        rx->map[user] = (int)posix;
                        rx->names[user] = ifr_arena_strndup(a, pat.ptr + name_start, j - name_start);
                    }
                    i = j;
                }
            } else if (++user < ROUTE_MAX_GROUPS) {
                rx->map[user] = (int)posix;
            }
            o[n++] = '(';
            continue;
        }
        if (c == '?' && n > 0 && (o[n - 1] == '*' || o[n - 1] == '+' || o[n - 1] == '?') &&
            i > 0 && pat.ptr[i - 1] != '\\')
            continue;   /* lazy quantifier: read as greedy */
        o[n++] = c;
    }
    o[n] = '\0';
    rx->nposix = posix;
    int rc = regcomp(&rx->re, o, cflags);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &rx->re, msg, sizeof(msg));
        snprintf(err, errcap, "invalid regular expression: %s", msg);
        return -1;
    }
    if (ifr_arena_on_cleanup(a, route_regex_free, rx) != 0) {
        regfree(&rx->re);
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    *out = rx;
    return 0;
}

bool route_regex_match(const route_regex_t *rx, ifr_arena_t *a, ifr_str_t subject, ifr_str_t *groups)
{
    char stackbuf[512];
    char *s = subject.len < sizeof(stackbuf) ? stackbuf : ifr_arena_alloc(a, subject.len + 1);
    if (!s || memchr(subject.ptr ? subject.ptr : "", '\0', subject.len)) return false;
    if (subject.len) memcpy(s, subject.ptr, subject.len);
    s[subject.len] = '\0';
    regmatch_t m[32];
    size_t nm = rx->nposix + 1 < 32 ? rx->nposix + 1 : 32;
    if (regexec(&rx->re, s, nm, m, 0) != 0) return false;
    if (!groups) return true;
    /* The slices must outlive stackbuf: point them into the subject itself. */
    for (int g = 0; g < ROUTE_MAX_GROUPS; g++) {
        int pi = g == 0 ? 0 : rx->map[g];
        groups[g] = IFR_LIT("");
        if ((g == 0 || pi > 0) && (size_t)pi < nm && m[pi].rm_so >= 0)
            groups[g] = ifr_str(subject.ptr + m[pi].rm_so, (size_t)(m[pi].rm_eo - m[pi].rm_so));
    }
    return true;
}
