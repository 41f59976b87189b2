/* The formatter (config/fmt.h); the `ifrit fmt` command is
 * tests/unit/server/test_cmd_fmt.c. Where ifrit
 * lays a file out as caddy fmt does, the case is in caddy_cases and
 * test_caddy_fmt_agrees checks it against `caddy fmt` itself (Debian's
 * caddy, which scripts/install-deps.sh installs); every other expectation
 * is ifrit's own choice, and where caddy fmt differs the comment says why. */
#define TEST_SUITE "config/fmt"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/caddyfile.h"
#include "config/fmt.h"
#include "testing.h"

static cfg_error_t err;

/* Formats in; NULL on error. The result stays valid until the next call. */
static const char *fmt(const char *in)
{
    static ifr_buf_t out;
    ifr_buf_free(&out);
    if (cfg_format(in, strlen(in), "Caddyfile", &out, &err) < 0) return NULL;
    if (ifr_buf_append_byte(&out, '\0') < 0) return NULL;
    out.len--;
    return out.data ? out.data : "";
}

/* Checks the expected output and that formatting it again changes nothing. */
static void check_fmt(const char *in, const char *want)
{
    const char *got = fmt(in);
    CHECK_STR_EQ(got, want);
    if (!got) return;
    char *once = strdup(got);
    CHECK_STR_EQ(fmt(once), once);
    free(once);
}

static void test_indentation_and_spaces(void)
{
    check_fmt("a {\nrespond hi\n}", "a {\n\trespond hi\n}\n");
    check_fmt("a   b    {\n   x    y\n}\n", "a b {\n\tx y\n}\n");
    check_fmt("{\nadmin off\n}\n:80 {\nhandle /x {\nrespond ok\n}\n}",
              "{\n\tadmin off\n}\n:80 {\n\thandle /x {\n\t\trespond ok\n\t}\n}\n");
    check_fmt("   \n\n a {\n\t\t\tx\n }   \n\n", "a {\n\tx\n}\n");
    check_fmt("", "");
}

static void test_braces(void)
{
    check_fmt("a\n{\nx\n}\n", "a {\n\tx\n}\n");
    check_fmt("a { x }\n", "a {\n\tx\n}\n");
    check_fmt("a {\n\thandle {\n\t} \n}\n", "a {\n\thandle {\n\t}\n}\n");
    check_fmt("a {\n\tredir https://{host}{uri}\n\trespond \"{\"\n}\n",
              "a {\n\tredir https://{host}{uri}\n\trespond \"{\"\n}\n");
    check_fmt("a {\n\tx\\\\ }\n}\n", "a {\n\tx\\\\ }\n}\n"); /* no break after a backslash */
    check_fmt("a {\n\tx \\\t}\n}\n", "a {\n\tx\n}\n}\n"); /* a lone backslash is dropped */
    check_fmt("(s) {\n{\n}\n}\n", "(s) {\n\t{\n\t}\n}\n");
    /* A "{" opening the global options stays below a top-level import:
     * caddy fmt moves it up onto the import line, which makes it a block
     * of the import, so the file would mean something else. */
    check_fmt("import x\n{\n\tdebug\n}\n", "import x\n{\n\tdebug\n}\n");
    check_fmt("import x\n:80 {\n}\n", "import x\n:80 {\n}\n");
}

/* Layouts that are caddy fmt's: test_as_caddy_fmt checks ifrit gives them,
 * test_caddy_fmt_agrees that caddy fmt does. */
static const struct {
    const char *in, *want;
} caddy_cases[] = {
    /* a block after a top-level block gets a blank line */
    { "a {\n}\n{\n}\n", "a {\n}\n\n{\n}\n" },
    /* braces glued to a word are split off */
    { ":8080{\n\trespond hi\n}\n", ":8080 {\n\trespond hi\n}\n" },
    { "example.com{\n\tx\n}\n", "example.com {\n\tx\n}\n" },
    { "c{ d\n}\n", "c {\n\td\n}\n" },
    { "(s) {\n\tx{\n\t}\n}\n", "(s) {\n\tx {\n\t}\n}\n" },
    { "a {\n\trespond hi}\n", "a {\n\trespond hi\n}\n" },
    { "a {\n\tb {\n\t\tc}}\n", "a {\n\tb {\n\t\tc\n\t}\n}\n" },
    /* placeholders, escapes and quotes keep their braces */
    { "a {\n\tredir {path}{\n\t}\n}\n", "a {\n\tredir {path} {\n\t}\n}\n" },
    { "a {\n\trespond {path}}\n}\n", "a {\n\trespond {path}}\n}\n" },
    { "a {\n\trespond {$X}}\n}\n", "a {\n\trespond {$X}}\n}\n" },
    { "a {\n\trespond x\\}\n}\n", "a {\n\trespond x\\}\n}\n" },
    { "a {\n\trespond x\\{\n}\n", "a {\n\trespond x\\{\n}\n" },
    { "a {\n\trespond \"x{\"\n}\n", "a {\n\trespond \"x{\"\n}\n" },
    /* a site after a "}" on the same line moves down, after a blank line */
    { "a {\n} b {\n}\n", "a {\n}\n\nb {\n}\n" },
    { "a {\n} {\n}\n", "a {\n}\n\n{\n}\n" },
    /* runs of blank lines become one; none at a block's edges */
    { "a {\n\n\n\tx\n\n\n\n\ty\n\n}\n\n\n\nb {\n}\n", "a {\n\tx\n\n\ty\n}\n\nb {\n}\n" },
};

static void test_as_caddy_fmt(void)
{
    for (size_t i = 0; i < sizeof caddy_cases / sizeof caddy_cases[0]; i++)
        check_fmt(caddy_cases[i].in, caddy_cases[i].want);
}

/* What `caddy fmt` prints for in (a malloc'd string), or NULL when it fails. */
static char *caddy_fmt(const char *in)
{
    char path[] = "/tmp/ifrit-caddy-fmt-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    bool written = write(fd, in, strlen(in)) == (ssize_t)strlen(in);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "caddy fmt %s 2>/dev/null", path);
    FILE *p = written ? popen(cmd, "r") : NULL;
    size_t cap = 4096, len = 0;
    char *out = p ? malloc(cap) : NULL;
    if (out) {
        size_t n;
        while ((n = fread(out + len, 1, cap - 1 - len, p)) > 0) {
            len += n;
            if (len + 1 == cap) {
                char *grown = realloc(out, cap *= 2);
                if (!grown) break;
                out = grown;
            }
        }
        out[len] = '\0';
    }
    if (p && pclose(p) != 0) {
        free(out);
        out = NULL;
    }
    unlink(path);
    return out;
}

/* The layouts said to be caddy fmt's are what caddy fmt prints. */
static void test_caddy_fmt_agrees(void)
{
    for (size_t i = 0; i < sizeof caddy_cases / sizeof caddy_cases[0]; i++) {
        char *got = caddy_fmt(caddy_cases[i].in);
        CHECK(got != NULL);
        if (got) CHECK_STR_EQ(got, caddy_cases[i].want);
        free(got);
    }
}

/* Braces glued to a word, and words after a "}", where ifrit's layout is
 * its own: caddy fmt's (2.6) would change what the file means, lose text,
 * or be read differently by the next run. */
static void test_glued_braces(void)
{
    /* nothing to close: caddy fmt makes "x" and a stray "}" of it */
    check_fmt("x}\n", "x}\n");
    /* in a config whose braces pair up as they are, a glued one is a word:
     * caddy fmt opens a block with it and the site is never closed */
    check_fmt("a {\n\trespond x{\n}\n", "a {\n\trespond x{\n}\n");
    /* a split that would read differently on the next run is not made
     * (caddy fmt drops "{{" and "a{{" to nothing or "a", and splits
     * "}}" words into closing braces) */
    check_fmt("{{\n", "{{\n");
    check_fmt("a{{\n", "a{{\n");
    check_fmt("{\t}}\n", "{\n\t}}\n");
    check_fmt("{\ne}}\t{\n", "{\n\te}} {\n");
    /* "<<WORD" ending a line would start a heredoc on the next run (caddy
     * fmt leaves it so) */
    check_fmt("a <<X \\ \\\n\n}\n", "a \\<<X\n}\n");
    check_fmt("a {\n\tb <<X \\ \\\n\n\tc\n}\n", "a {\n\tb \\<<X\n\tc\n}\n");
    check_fmt("a <<X \\ \\\n", "a \\<<X\n");
    check_fmt("a {\n\tb <<X \\ \\\n}\n", "a {\n\tb \\<<X \\\n}\n");
    /* a word: caddy fmt closes the site at "}" and opens a new one */
    check_fmt("a {\n\tx}{\n}\n", "a {\n\tx}{\n}\n");
    /* only a comment shares a line with "}": a word after it goes down as
     * at the top level (caddy fmt leaves it behind the brace after a tab),
     * and a comment stays where it was (caddy fmt moves it a paragraph down) */
    check_fmt("a {\n\thandle {\n\t\tx\n\t} y\n}\n", "a {\n\thandle {\n\t\tx\n\t}\n\ty\n}\n");
    check_fmt("a {\n} # end\n", "a {\n} # end\n");
}

static void test_comments(void)
{
    check_fmt("# top\na { # c1\n  x # c2\n    # c3   \n}\n",
              "# top\na {\n\t# c1\n\tx # c2\n\t# c3\n}\n");
    check_fmt("a # why\n{\n}\n", "a # why\n{\n}\n");
    check_fmt("a {\n\trespond a#b\n}\n", "a {\n\trespond a#b\n}\n");
}

static void test_literals_untouched(void)
{
    check_fmt("a {\n  respond \"x   y\n   z\" `q  `\n}\n", "a {\n\trespond \"x   y\n   z\" `q  `\n}\n");
    check_fmt("a {\nrespond <<E\n    hi\n      there\n    E   200\n}\n",
              "a {\n\trespond <<E\n    hi\n      there\n    E 200\n}\n");
    check_fmt("{$HOST:localhost}   {\n  respond   {$MSG}\n}\n",
              "{$HOST:localhost} {\n\trespond {$MSG}\n}\n");
    check_fmt("a {\n  respond x \\\n      y\n}\n", "a {\n\trespond x \\\n\t\ty\n}\n");
    check_fmt("a {\n\tx \\<<E\n}\n", "a {\n\tx \\<<E\n}\n");
    /* a leading byte order mark is kept as it was (caddy fmt adds a space
     * after it); the lexer skips it, so the first line is laid out as any */
    check_fmt("\xef\xbb\xbf{\nadmin off\n}\n", "\xef\xbb\xbf{\n\tadmin off\n}\n");
    check_fmt("\xef\xbb\xbf   a  {\n}\n", "\xef\xbb\xbf" "a {\n}\n");
    /* Not at byte 0, those bytes begin a word: a mark written before it
     * keeps them (fmt(fmt(x)) == fmt(x), found by fuzz_caddyfile). */
    check_fmt("\r\xef\xbb\xbf\n{$}\\@ \\\t\n\t\n}\n", "\xef\xbb\xbf\xef\xbb\xbf\n{$}\\@\n}\n");
    check_fmt(" \xef\xbb\xbfword x\n", "\xef\xbb\xbf\xef\xbb\xbfword x\n");
    /* Blank lines before such a word: the mark written is no output, so no
     * blank line goes below it (the second pass would drop it). */
    check_fmt("\r\t\n\t\n\xef\xbb\xbf" "e~#= |\t\n\t\n}\n", "\xef\xbb\xbf\xef\xbb\xbf" "e~#= |\n}\n");
}

static void test_parse_equivalence(void)
{
    /* Formatting must not change what the parser sees. */
    static const char *in = "{\n  debug\n}\n(s) {\nheader X {args[0]}\n}\nhttp://a, b:81 {\n"
                            "import s 1\n@m {\npath /x/*\n}\nrespond @m \"hi there\" 200\n"
                            "reverse_proxy localhost:1 {\ntransport http {\ndial_timeout 2s\n}\n}\n}\n";
    const char *out = fmt(in);
    CHECK(out != NULL);
    if (!out) return;
    ifr_arena_t a1, a2;
    ifr_arena_init(&a1, 0);
    ifr_arena_init(&a2, 0);
    cfg_doc_t *d1 = NULL, *d2 = NULL;
    CHECK(cfg_parse_text(&a1, in, strlen(in), "x", NULL, &d1, &err) == 0);
    CHECK(cfg_parse_text(&a2, out, strlen(out), "x", NULL, &d2, &err) == 0);
    if (!d1 || !d2 || d1->nsites != 1 || d2->nsites != 1) return;
    CHECK_INT_EQ(d1->nsites, d2->nsites);
    CHECK_INT_EQ(d1->sites[0].body.count, d2->sites[0].body.count);
    CHECK_INT_EQ(d1->sites[0].body.items[2].nargs, d2->sites[0].body.items[2].nargs);
    CHECK_STR_EQ(d2->sites[0].body.items[2].args[1].text.ptr, "hi there");
    ifr_arena_destroy(&a1);
    ifr_arena_destroy(&a2);
}

static void test_errors(void)
{
    CHECK(fmt("a {\n\trespond \"open\n}\n") == NULL);
    CHECK_INT_EQ(err.line, 2);
    CHECK_INT_EQ(err.col, 10);
    CHECK(fmt("a {\n\trespond <<END\n\tnever\n}\n") == NULL);
    /* deep nesting: output size stays linear */
    size_t depth = 20000;
    char *deep = malloc(depth * 4 + 1);
    for (size_t i = 0; i < depth; i++) memcpy(deep + 4 * i, "b {\n", 4);
    deep[depth * 4] = '\0';
    const char *out = fmt(deep);
    CHECK(out != NULL && strlen(out) < depth * (4 + 64 + 1));
    free(deep);
}

int main(void)
{
    RUN(test_indentation_and_spaces);
    RUN(test_braces);
    RUN(test_as_caddy_fmt);
    if (system("command -v caddy >/dev/null 2>&1") == 0) RUN(test_caddy_fmt_agrees);
    else printf("SKIP %s/test_caddy_fmt_agrees: caddy not installed (scripts/install-deps.sh installs it)\n", TEST_SUITE);
    RUN(test_glued_braces);
    RUN(test_comments);
    RUN(test_literals_untouched);
    RUN(test_parse_equivalence);
    RUN(test_errors);
    return testing_done();
}
