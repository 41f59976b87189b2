/* The regexp engine: Go RE2 syntax and leftmost-first results, errors, and
 * the bounds that keep compile size and match work linear (issue 14 item 6). */
#define TEST_SUITE "route/regexp"
#include "testing.h"

#include <stdio.h>
#include <string.h>

#include "route/regexp.h"

static ifr_arena_t arena;

/* The groups of the match joined with '|', trailing empty ones left off;
 * "NO" when there is no match, "ERR" when the pattern does not compile. */
static const char *run(const char *pat, ifr_str_t subject)
{
    static char out[8192];
    route_regex_t *rx;
    char err[200];
    if (route_regex_compile(&arena, ifr_cstr(pat), &rx, err, sizeof(err)) != 0) return "ERR";
    ifr_str_t g[ROUTE_MAX_GROUPS];
    if (!route_regex_match(rx, subject, g)) return "NO";
    size_t n = 0, keep = 0;
    for (int k = 0; k < ROUTE_MAX_GROUPS; k++) {
        if (k) out[n++] = '|';
        memcpy(out + n, g[k].ptr, g[k].len);
        n += g[k].len;
        if (g[k].len) keep = n;
    }
    out[keep] = '\0';
    return out;
}

static const char *m(const char *pat, const char *subject) { return run(pat, ifr_cstr(subject)); }

static void test_syntax_and_results(void)
{
    CHECK_STR_EQ(m("^/v([0-9]+)/(?P<rest>.*)$", "/v3/a/b"), "/v3/a/b|3|a/b");
    CHECK_STR_EQ(m("(a|ab)(c|bcd)(d*)", "abcd"), "abcd|a|bcd");   /* leftmost-first, as Go */
    CHECK_STR_EQ(m("a+?", "aaa"), "a");
    CHECK_STR_EQ(m("a*?b", "aaab"), "aaab");
    CHECK_STR_EQ(m("(a+)(a*)", "aaa"), "aaa|aaa");
    CHECK_STR_EQ(m("(a+?)(a*)", "aaa"), "aaa|a|aa");
    CHECK_STR_EQ(m("x*", "abc"), "");
    CHECK_STR_EQ(m("b", "abc"), "b");
    CHECK_STR_EQ(m("^b", "abc"), "NO");
    CHECK_STR_EQ(m("c$", "abc"), "c");
    CHECK_STR_EQ(m("b$", "ab\n"), "NO");                           /* $ is the end of text only */
    CHECK_STR_EQ(m("(?i)^/ADMIN[\\d]", "/admin7"), "/admin7");
    CHECK_STR_EQ(m("[^/]+$", "/a/bc"), "bc");
    CHECK_STR_EQ(m("\\bfoo\\b", "a foo b"), "foo");
    CHECK_STR_EQ(m("\\bfoo\\b", "afoob"), "NO");
    CHECK_STR_EQ(m("\\Bo\\B", "fo"), "NO");
    CHECK_STR_EQ(m("\\Bo\\B", "fooo"), "o");
    CHECK_STR_EQ(m("\\Aab\\z", "ab"), "ab");
    CHECK_STR_EQ(m("a{2,3}", "aaaa"), "aaa");
    CHECK_STR_EQ(m("a{2,3}?", "aaaa"), "aa");
    CHECK_STR_EQ(m("a{2,}", "aaaaa"), "aaaaa");
    CHECK_STR_EQ(m("a{2}", "a"), "NO");
    CHECK_STR_EQ(m("(ab){2}", "ababab"), "abab|ab");
    CHECK_STR_EQ(m("(?:x|y)+z", "xyxz"), "xyxz");
    CHECK_STR_EQ(m("a{,3}", "a{,3}"), "a{,3}");                    /* not a repeat: literal, as Go */
    CHECK_STR_EQ(m("/a{b}", "/a{b}"), "/a{b}");
    CHECK_STR_EQ(m("\\Qa.b\\E+", "a.bbb"), "a.bbb");
    CHECK_STR_EQ(m("\\Qa.b\\E", "axb"), "NO");
    CHECK_STR_EQ(m("[[:alpha:]]+", "12ab3"), "ab");
    CHECK_STR_EQ(m("[[:^digit:]]+", "12ab3"), "ab");
    CHECK_STR_EQ(m("[a-c-]+", "x-ab-"), "-ab-");
    CHECK_STR_EQ(m("[]a]+", "x]a]"), "]a]");
    CHECK_STR_EQ(m("[\\d.]+", "v1.25x"), "1.25");
    CHECK_STR_EQ(m("[^\\s]+", " \tab "), "ab");
    CHECK_STR_EQ(m(".", "\n"), "NO");
    CHECK_STR_EQ(m("(?s).", "\n"), "\n");
    CHECK_STR_EQ(m("(?m)^b$", "a\nb\nc"), "b");
    CHECK_STR_EQ(m("^b$", "a\nb\nc"), "NO");
    CHECK_STR_EQ(m("(?U)a+", "aaa"), "a");
    CHECK_STR_EQ(m("(?U)a+?", "aaa"), "aaa");
    CHECK_STR_EQ(m("(?i:A)b", "aB"), "NO");
    CHECK_STR_EQ(m("(?i:A)b", "Ab"), "Ab");
    CHECK_STR_EQ(m("a(?i)b|c", "C"), "C");                        /* flags hold to the group's end */
    CHECK_STR_EQ(m("(?i)[a-c]+", "xAbCx"), "AbC");
    CHECK_STR_EQ(m("\\x41\\x{42}\\101", "zABA"), "ABA");
    CHECK_STR_EQ(m("\\x{e9}", "caf\xc3\xa9"), "\xc3\xa9");
    CHECK_STR_EQ(m("\xc3\xa9+", "\xc3\xa9\xc3\xa9"), "\xc3\xa9\xc3\xa9");   /* + takes the whole character */
    CHECK_STR_EQ(m("\xe0\x80\x80", "x\xe0\x80\x80"), "\xe0\x80\x80");   /* bytes as written, even overlong */
    CHECK_STR_EQ(m("\xf8\x80+", "\xf8\x80\x80"), "\xf8\x80\x80");         /* a stray byte stands alone */
    CHECK_STR_EQ(m("\\d\\D\\w\\W\\s\\S", "1a_ \tx"), "1a_ \tx");
    CHECK_STR_EQ(m("\\.\\/\\-\\_\\\\", "./-_\\"), "./-_\\");
    CHECK_STR_EQ(m("(a)|b", "b"), "b");
    CHECK_STR_EQ(m("(a*)*", "b"), "");
    CHECK_STR_EQ(m("(a|b)*c", "abac"), "abac|a");
    CHECK_STR_EQ(m("", "abc"), "");
    CHECK_STR_EQ(m("a|", "b"), "");
    CHECK_STR_EQ(m("\\.(png|jpe?g|gif)$", "/i/photo.jpeg"), ".jpeg|jpeg");
    CHECK_STR_EQ(m("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)", "abcdefghijk"), "abcdefghijk|a|b|c|d|e|f|g|h|i");
    CHECK_STR_EQ(run("a.b", ifr_str("a\0b", 3)), "a\0b");             /* any byte, NUL too */
}

static void test_names(void)
{
    route_regex_t *rx;
    char err[200];
    CHECK(route_regex_compile(&arena, IFR_LIT("(?P<a>x)(y)(?<b>z)"), &rx, err, sizeof(err)) == 0);
    CHECK(rx->names[0] == NULL && rx->names[2] == NULL);
    CHECK_STR_EQ(rx->names[1], "a");
    CHECK_STR_EQ(rx->names[3], "b");
}

/* Where a match from an offset starts, or -1; the assertions see the
 * whole subject, so ^ and \b do not take the offset for a start. */
static long from(const char *pat, const char *subject, size_t off)
{
    route_regex_t *rx;
    char err[200];
    if (route_regex_compile(&arena, ifr_cstr(pat), &rx, err, sizeof(err)) != 0) return -2;
    ifr_str_t s = ifr_cstr(subject), g[ROUTE_MAX_GROUPS];
    if (!route_regex_match_from(rx, s, off, g)) return -1;
    return (long)(g[0].ptr - s.ptr);
}

static void test_match_from(void)
{
    CHECK_INT_EQ(from("a", "aba", 1), 2);
    CHECK_INT_EQ(from("a", "aba", 0), 0);
    CHECK_INT_EQ(from("^a", "aa", 1), -1);
    CHECK_INT_EQ(from("\\bb", "ab b", 1), 3);
    CHECK_INT_EQ(from("x*", "ab", 2), 2);     /* an empty match at the end */
    CHECK_INT_EQ(from("a", "a", 2), -1);      /* past the end */
}

/* Refused with a message, not compiled into something else. */
static void test_errors(void)
{
    const char *bad[] = {
        "(unclosed", "(?=look)", "(?!x)", "(?<=x)", "a)", "*a", "a**", "a+*", "x{2}{3}", "(?i)*",
        "a{1001}", "a{3,2}", "\\1", "\\8", "\\pL", "\\p{Greek}", "[a", "[z-a]", "[[:nope:]]",
        "(?P<n>a)(?P<n>b)", "(?P<>a)", "(?P<a-b>x)", "[\xc3\xa9]", "\\", "\\Z", "(?z)", "(?)",
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        route_regex_t *rx;
        char err[200] = "";
        int rc = route_regex_compile(&arena, ifr_cstr(bad[k]), &rx, err, sizeof(err));
        if (rc == 0) fprintf(stderr, "  accepted: %s\n", bad[k]);
        CHECK(rc != 0 && err[0] != '\0');
    }
    char err[200];
    route_regex_t *rx;
    CHECK(route_regex_compile(&arena, IFR_LIT("ab(c"), &rx, err, sizeof(err)) != 0);
    CHECK(strstr(err, "offset 2") != NULL);
}

/* Program size is bounded, counted repetitions expanded; matching is linear
 * so patterns that backtrack for ages elsewhere finish here. */
static void test_bounds(void)
{
    char err[200];
    route_regex_t *rx;
    CHECK(route_regex_compile(&arena, IFR_LIT("((a{1,100}){1,100}){1,100}"), &rx, err, sizeof(err)) != 0);
    CHECK(strstr(err, "too large") != NULL);
    CHECK(route_regex_compile(&arena, IFR_LIT("(?:a{1,1000}){5}"), &rx, err, sizeof(err)) != 0);
    CHECK(route_regex_compile(&arena, IFR_LIT("a{1000}"), &rx, err, sizeof(err)) == 0);
    CHECK(rx->ninst <= ROUTE_REGEX_MAX_PROGRAM);
    /* nesting deeper than Go's 1000 */
    static char deep[2 * 1100 + 2];
    for (int k = 0; k < 1100; k++) { deep[k] = '('; deep[1100 + k] = ')'; }
    CHECK(route_regex_compile(&arena, ifr_cstr(deep), &rx, err, sizeof(err)) != 0);

    static char xs[3001];
    memset(xs, 'x', 3000);
    CHECK_STR_EQ(m("(x+x+)+y", xs), "NO");
    static char want[3003];
    snprintf(want, sizeof(want), "%s|x", xs);
    CHECK_STR_EQ(m("^(x|xx)*$", xs), want);
    static char as[1001];
    memset(as, 'a', 1000);
    CHECK(route_regex_compile(&arena, IFR_LIT("^(?:a?){1000}a{1000}$"), &rx, err, sizeof(err)) == 0);
    CHECK(route_regex_match(rx, ifr_cstr(as), NULL));
}

int main(void)
{
    ifr_arena_init(&arena, 4096);
    RUN(test_syntax_and_results);
    RUN(test_names);
    RUN(test_match_from);
    RUN(test_errors);
    RUN(test_bounds);
    ifr_arena_destroy(&arena);
    return testing_done();
}
