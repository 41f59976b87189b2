/* Caddyfile lexer and parser: tokens, blocks, env, snippets, imports, errors. */
#define TEST_SUITE "config/parse"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "config/caddyfile.h"
#include "testing.h"

static ifr_arena_t arena;
static cfg_error_t err;

static const char *test_env(void *ud, const char *name)
{
    (void)ud;
    if (strcmp(name, "PORT") == 0) return "9090";
    if (strcmp(name, "TWO") == 0) return "a b";
    if (strcmp(name, "EMPTY") == 0) return "";
    return NULL;
}

static const cfg_parse_opts_t opts = { .env = test_env };

static cfg_doc_t *parse(const char *text)
{
    ifr_arena_reset(&arena);
    memset(&err, 0, sizeof err);
    cfg_doc_t *doc = NULL;
    if (cfg_parse_text(&arena, text, strlen(text), "Caddyfile", &opts, &doc, &err)) return NULL;
    return doc;
}

/* Parses text expecting an error at line:col whose message contains want. */
static void expect_error(const char *text, int line, int col, const char *want)
{
    cfg_doc_t *doc = parse(text);
    CHECK(doc == NULL);
    CHECK_INT_EQ(err.line, line);
    CHECK_INT_EQ(err.col, col);
    if (!strstr(err.message, want)) {
        printf("FAIL %s/%s: message \"%s\" lacks \"%s\"\n", TEST_SUITE, testing_current,
               err.message, want);
        testing_failed_checks++;
    }
}

#define ARG(d, i) ((d)->args[i].text.ptr)

static void test_site_and_directives(void)
{
    cfg_doc_t *doc = parse("example.com {\n"
                           "\trespond /hi \"Hello, world\" 200\n"
                           "\tfile_server\n"
                           "}\n");
    CHECK(doc != NULL);
    if (!doc) return;
    CHECK(doc->global == NULL);
    CHECK_INT_EQ(doc->nsites, 1);
    cfg_site_t *s = &doc->sites[0];
    CHECK_INT_EQ(s->nkeys, 1);
    CHECK_STR_EQ(s->keys[0].text.ptr, "example.com");
    CHECK_INT_EQ(s->body.count, 2);
    cfg_directive_t *d = &s->body.items[0];
    CHECK_STR_EQ(d->name.text.ptr, "respond");
    CHECK_INT_EQ(d->name.line, 2);
    CHECK_INT_EQ(d->name.col, 2);
    CHECK_INT_EQ(d->nargs, 3);
    CHECK_STR_EQ(ARG(d, 1), "Hello, world");
    CHECK(d->args[1].flags & CFG_TOK_QUOTED);
    CHECK_INT_EQ(d->args[1].col, 14);
    CHECK_STR_EQ(d->args[0].file, "Caddyfile");
    CHECK(s->body.items[1].block == NULL);
    CHECK_INT_EQ(s->body.close->line, 4);
}

static void test_nested_blocks(void)
{
    cfg_doc_t *doc = parse(":8080 {\n"
                           "  handle /api/* {\n"
                           "    reverse_proxy localhost:9000 {\n"
                           "      transport http {\n"
                           "        dial_timeout 2s\n"
                           "      }\n"
                           "    }\n"
                           "  }\n"
                           "  @post {\n    method POST\n  }\n"
                           "  @get method GET\n"
                           "}\n");
    CHECK(doc != NULL);
    if (!doc) return;
    cfg_block_t *b = &doc->sites[0].body;
    CHECK_INT_EQ(b->count, 3);
    cfg_directive_t *h = &b->items[0];
    CHECK_STR_EQ(ARG(h, 0), "/api/*");
    CHECK(h->block && h->block->count == 1);
    cfg_directive_t *rp = &h->block->items[0];
    CHECK_STR_EQ(rp->name.text.ptr, "reverse_proxy");
    CHECK(rp->block && rp->block->count == 1);
    cfg_directive_t *tr = &rp->block->items[0];
    CHECK_STR_EQ(ARG(tr, 0), "http");
    CHECK(tr->block && tr->block->items[0].nargs == 1);
    CHECK_STR_EQ(tr->block->items[0].args[0].text.ptr, "2s");
    CHECK_STR_EQ(b->items[1].name.text.ptr, "@post");
    CHECK(b->items[1].block && b->items[1].block->count == 1);
    CHECK_STR_EQ(b->items[2].name.text.ptr, "@get");
    CHECK_INT_EQ(b->items[2].nargs, 2);
}

static void test_placeholders_are_not_braces(void)
{
    cfg_doc_t *doc = parse("localhost {\n"
                           "\tredir https://{host}{uri} {\n\t}\n"
                           "\trespond {path} \"{\"\n"
                           "\trespond \"}\"\n"
                           "}\n");
    CHECK(doc != NULL);
    if (!doc) return;
    cfg_block_t *b = &doc->sites[0].body;
    CHECK_INT_EQ(b->count, 3);
    CHECK_STR_EQ(ARG(&b->items[0], 0), "https://{host}{uri}");
    CHECK(b->items[0].block && b->items[0].block->count == 0);
    CHECK_STR_EQ(ARG(&b->items[1], 0), "{path}");
    CHECK_STR_EQ(ARG(&b->items[1], 1), "{");
    CHECK_STR_EQ(ARG(&b->items[2], 0), "}");
}

static void test_quotes_and_escapes(void)
{
    cfg_doc_t *doc = parse("a {\n"
                           "\tx \"say \\\"hi\\\"\" \"back\\slash\" \"two\nlines\"\n"
                           "\ty `raw \"json\" \\n` \"\" mid\"quote\n"
                           "\tz one\"two\"three \"a\"b\n"
                           "}\n");
    CHECK(doc != NULL);
    if (!doc) return;
    cfg_directive_t *x = &doc->sites[0].body.items[0];
    CHECK_STR_EQ(ARG(x, 0), "say \"hi\"");
    CHECK_STR_EQ(ARG(x, 1), "back\\slash");
    CHECK_STR_EQ(ARG(x, 2), "two\nlines");
    cfg_directive_t *y = &doc->sites[0].body.items[1];
    CHECK_INT_EQ(y->name.line, 4); /* after a two-line string */
    CHECK_STR_EQ(ARG(y, 0), "raw \"json\" \\n");
    CHECK(y->args[0].flags & CFG_TOK_BACKTICK);
    CHECK_STR_EQ(ARG(y, 1), "");
    CHECK_STR_EQ(ARG(y, 2), "mid\"quote");
    cfg_directive_t *z = &doc->sites[0].body.items[2];
    CHECK_INT_EQ(z->nargs, 3);
    CHECK_STR_EQ(ARG(z, 0), "one\"two\"three");
    CHECK_STR_EQ(ARG(z, 1), "a");
    CHECK_STR_EQ(ARG(z, 2), "b");
}

static void test_comments_and_continuation(void)
{
    cfg_doc_t *doc = parse("# leading comment\n"
                           "a { # after brace\n"
                           "\theader X-A 1 # trailing\n"
                           "\trespond a#b \\  \n"
                           "\t\t200\n"
                           "\t#respond nope\n"
                           "}\n");
    CHECK(doc != NULL);
    if (!doc) return;
    cfg_block_t *b = &doc->sites[0].body;
    CHECK_INT_EQ(b->count, 2);
    CHECK_INT_EQ(b->items[0].nargs, 2);
    cfg_directive_t *r = &b->items[1];
    CHECK_INT_EQ(r->nargs, 2);
    CHECK_STR_EQ(ARG(r, 0), "a#b");
    CHECK_STR_EQ(ARG(r, 1), "200");
    CHECK_INT_EQ(r->args[1].line, 5);
    CHECK_INT_EQ(r->args[1].col, 3);
}

static void test_heredoc(void)
{
    cfg_doc_t *doc = parse("a {\n"
                           "\trespond <<HTML\n"
                           "\t\t<p>\n"
                           "\t\t  hi\n"
                           "\n"
                           "\t\t</p>\n"
                           "\t\tHTML 201\n"
                           "\tnext \\<<notdoc\n"
                           "\tx <<word y\n"
                           "}\n");
    CHECK(doc != NULL);
    if (!doc) return;
    cfg_directive_t *r = &doc->sites[0].body.items[0];
    CHECK_INT_EQ(r->nargs, 2);
    CHECK_STR_EQ(ARG(r, 0), "<p>\n  hi\n\n</p>");
    CHECK(r->args[0].flags & CFG_TOK_HEREDOC);
    CHECK_STR_EQ(ARG(r, 1), "201");
    CHECK_INT_EQ(r->args[1].line, 7);
    cfg_directive_t *n = &doc->sites[0].body.items[1];
    CHECK_INT_EQ(n->name.line, 8);
    CHECK_STR_EQ(ARG(n, 0), "<<notdoc");
    CHECK_STR_EQ(ARG(&doc->sites[0].body.items[2], 0), "<<word");
}

static void test_heredoc_errors(void)
{
    expect_error("a {\n\trespond <<END\n\t\tok\n\tbad\n\t\tEND\n}\n", 4, 1,
                 "same whitespace as the closing END");
    expect_error("a {\n\trespond <<END\n\t\tnever closed\n}\n", 2, 10, "not closed");
    expect_error("a {\n\trespond <<\n}\n", 2, 10, "heredoc marker");
    expect_error("a {\n\trespond <<<END\nEND\n}\n", 2, 10, "too many '<'");
    expect_error("a {\n\trespond <<E.D\nE.D\n}\n", 2, 10, "letters, digits");
}

static void test_env_substitution(void)
{
    cfg_doc_t *doc = parse(":{$PORT} {\n"
                           "\trespond {$TWO} {$MISSING:fallback} x{$EMPTY}y {$MISSING}\n"
                           "\theader {env.HOME} {$UNTERMINATED\n"
                           "}\n");
    CHECK(doc != NULL);
    if (!doc) return;
    CHECK_STR_EQ(doc->sites[0].keys[0].text.ptr, ":9090");
    cfg_directive_t *r = &doc->sites[0].body.items[0];
    CHECK_INT_EQ(r->nargs, 4);
    CHECK_STR_EQ(ARG(r, 0), "a");
    CHECK_STR_EQ(ARG(r, 1), "b");
    CHECK_INT_EQ(r->args[1].col, 10); /* both point at the {$ */
    CHECK_STR_EQ(ARG(r, 2), "fallback");
    CHECK_STR_EQ(ARG(r, 3), "xy");
    CHECK_INT_EQ(r->args[3].col, 37); /* columns after a substitution stay true */
    cfg_directive_t *h = &doc->sites[0].body.items[1];
    CHECK_STR_EQ(ARG(h, 0), "{env.HOME}");
    CHECK_STR_EQ(ARG(h, 1), "{$UNTERMINATED");
}

static void test_global_options_and_addresses(void)
{
    cfg_doc_t *doc = parse("{\n\tadmin off\n\thttp_port 8080\n}\n\n"
                           "example.com, www.example.com,\n  other.example {\n\trespond hi\n}\n"
                           "a.com b.com\n{\n}\n"
                           ":80 , :81 {\n}\n");
    CHECK(doc != NULL);
    if (!doc) return;
    CHECK(doc->global && doc->global->count == 2);
    CHECK_STR_EQ(doc->global->items[1].name.text.ptr, "http_port");
    CHECK_INT_EQ(doc->nsites, 3);
    CHECK_INT_EQ(doc->sites[0].nkeys, 3);
    CHECK_STR_EQ(doc->sites[0].keys[0].text.ptr, "example.com");
    CHECK_STR_EQ(doc->sites[0].keys[1].text.ptr, "www.example.com");
    CHECK_STR_EQ(doc->sites[0].keys[2].text.ptr, "other.example");
    CHECK_INT_EQ(doc->sites[1].nkeys, 2);
    CHECK_INT_EQ(doc->sites[2].nkeys, 2);
    CHECK_STR_EQ(doc->sites[2].keys[1].text.ptr, ":81");
}

static void test_braceless_site(void)
{
    cfg_doc_t *doc = parse("localhost:8080\n\nrespond \"hi\"\nfile_server browse\n");
    CHECK(doc != NULL);
    if (!doc) return;
    CHECK_INT_EQ(doc->nsites, 1);
    CHECK(doc->sites[0].body.open == NULL);
    CHECK_INT_EQ(doc->sites[0].body.count, 2);
    doc = parse("");
    CHECK(doc && doc->nsites == 0 && doc->global == NULL);
    doc = parse("# only a comment\n");
    CHECK(doc && doc->nsites == 0);
}

static void test_snippets(void)
{
    cfg_doc_t *doc = parse("(common) {\n"
                           "\theader X-Site {args[0]}\n"
                           "\trespond {args[:]}\n"
                           "\tlog {args.1}-x\n"
                           "}\n"
                           "(rest) {\n\targs {args[1:]}\n\tnone {args[5]}\n}\n"
                           "a.com {\n"
                           "\timport common one \"two words\"\n"
                           "\timport rest 1 2 3\n"
                           "\tfile_server\n"
                           "}\n");
    CHECK(doc != NULL);
    if (!doc) return;
    CHECK_INT_EQ(doc->nsites, 1);
    cfg_block_t *b = &doc->sites[0].body;
    CHECK_INT_EQ(b->count, 6);
    if (b->count != 6) return;
    CHECK_STR_EQ(b->items[0].name.text.ptr, "header");
    CHECK_INT_EQ(b->items[0].name.line, 2); /* where the snippet says it */
    CHECK_STR_EQ(ARG(&b->items[0], 1), "one");
    CHECK_INT_EQ(b->items[1].nargs, 2);
    CHECK_STR_EQ(ARG(&b->items[1], 1), "two words");
    CHECK_INT_EQ(b->items[1].args[1].line, 11); /* where the import wrote it */
    CHECK_STR_EQ(ARG(&b->items[2], 0), "two words-x");
    CHECK_INT_EQ(b->items[3].nargs, 2);
    CHECK_STR_EQ(ARG(&b->items[3], 0), "2");
    CHECK_STR_EQ(ARG(&b->items[4], 0), "");
    CHECK_STR_EQ(b->items[5].name.text.ptr, "file_server");
}

/* import with a block: {block} and {blocks.NAME} (Caddy 2.9); named routes
 * kept apart from the sites (Caddy 2.7). */
static void test_import_blocks_and_named_routes(void)
{
    cfg_doc_t *doc = parse("(wrap) {\n"
                           "\tbefore {args[0]}\n"
                           "\t{block}\n"
                           "\t{blocks.inner}\n"
                           "\t{blocks.missing}\n"
                           "}\n"
                           "&(api) {\n\trespond api\n}\n"
                           "a.com {\n"
                           "\timport wrap x {\n"
                           "\t\tfrom_block {args[0]}\n"
                           "\t\tinner {\n"
                           "\t\t\tnested 1\n"
                           "\t\t}\n"
                           "\t}\n"
                           "\tafter\n"
                           "}\n");
    CHECK(doc != NULL);
    if (!doc) return;
    CHECK_INT_EQ(doc->nsites, 1);
    CHECK_INT_EQ(doc->nroutes, 1);
    if (doc->nroutes == 1) CHECK_STR_EQ(doc->routes[0].keys[0].text.ptr, "&(api)");
    cfg_block_t *b = &doc->sites[0].body;
    /* before x; from_block {args[0]} (the block is not the snippet's);
     * inner {...}; nested 1; after */
    CHECK_INT_EQ(b->count, 5);
    if (b->count != 5) return;
    CHECK_STR_EQ(b->items[0].name.text.ptr, "before");
    CHECK_STR_EQ(ARG(&b->items[0], 0), "x");
    CHECK_STR_EQ(b->items[1].name.text.ptr, "from_block");
    CHECK_STR_EQ(ARG(&b->items[1], 0), "{args[0]}");
    CHECK_INT_EQ(b->items[1].name.line, 12);   /* where the import's block wrote it */
    CHECK_STR_EQ(b->items[2].name.text.ptr, "inner");
    CHECK(b->items[2].block != NULL);
    CHECK_STR_EQ(b->items[3].name.text.ptr, "nested");
    CHECK_STR_EQ(b->items[4].name.text.ptr, "after");
    /* The brace of NAME may stand alone below it, as the parser takes it
     * (ifrit fmt moves it up: the meaning must not change). */
    doc = parse("(s) {\n\t{blocks.inner}\n}\na.com {\n\timport s {\n\t\tinner\n\t\t{\n\t\t\tnested 1\n\t\t}\n\t}\n}\n");
    CHECK(doc != NULL);
    if (doc) {
        CHECK_INT_EQ(doc->sites[0].body.count, 1);
        if (doc->sites[0].body.count == 1) CHECK_STR_EQ(doc->sites[0].body.items[0].name.text.ptr, "nested");
    }
}

static void test_snippet_errors(void)
{
    expect_error("(a) {\n\timport b\n}\n(b) {\n\timport a\n}\nx {\n\timport a\n}\n", 5, 9,
                 "import cycle");
    expect_error("(a) {\n\timport a\n}\nx {\n\timport a\n}\n", 2, 9, "import cycle");
    expect_error("(commn) {\n}\nx {\n\timport common\n}\n", 4, 9, "did you mean snippet 'commn'");
    expect_error("(a) {\n}\n(a) {\n}\n", 3, 1, "already defined");
    expect_error("(a) {\n\tfoo\n", 1, 5, "not closed");
    expect_error("(a) {\n\tx {args[1:]}y\n}\nx {\n\timport a 1 2\n}\n", 2, 4, "whole token");
    expect_error("x {\n\timport\n}\n", 2, 2, "expected a snippet name");
    /* exponential fan-out stops at the token limit instead of eating memory */
    static char big[4096];
    size_t off = 0;
    off += (size_t)snprintf(big + off, sizeof big - off, "(s0) {\n\ta b c d e f g h\n}\n");
    for (int i = 1; i < 22; i++)
        off += (size_t)snprintf(big + off, sizeof big - off,
                                "(s%d) {\n\timport s%d\n\timport s%d\n\timport s%d\n}\n", i, i - 1,
                                i - 1, i - 1);
    snprintf(big + off, sizeof big - off, "x {\n\timport s21\n}\n");
    CHECK(parse(big) == NULL);
    CHECK(strstr(err.message, "more than") != NULL);
}

static void test_syntax_errors(void)
{
    expect_error("a {\n\trespond hi\n", 1, 3, "never closed");
    expect_error("a {\n}\n}\n", 3, 1, "no block is open");
    expect_error("a {\n\thandle { respond }\n}\n", 2, 11, "after '{'");
    expect_error("a {\n\thandle {\n\t} extra\n}\n", 3, 4, "after '}'");
    expect_error("a {\n\thandle\n\t{\n\t}\n}\n", 3, 2, "end of the previous line");
    expect_error("a {\n\trespond hi }\n}\n", 2, 13, "line of its own");
    expect_error("a {\n\trespond \"hi\n}\n", 2, 10, "unterminated quoted");
    expect_error("a {\n\trespond `hi\n}\n", 2, 10, "unterminated backtick");
    expect_error("a{\n}\n", 1, 1, "put a space before");
    expect_error("a {\n\thandle /x{\n\t}\n}\n", 2, 9, "put a space before the brace");
    expect_error("a {\n\trespond <<END", 2, 10, "not closed");
    expect_error("@m path /x\n", 1, 1, "inside a site block");
    expect_error("a,\n", 1, 1, "another address");
    expect_error("a {\n}\n{\n}\n", 3, 1, "global options block may only come first");
    expect_error("a {\n\trespond {}\n}\n", 2, 10, "'{}'");
    expect_error("&(route)\na {\n}\n", 1, 1, "expected '{'");
    expect_error("&(route), b {\n}\n", 1, 1, "named route is defined alone");
    expect_error("&(r) {\n}\n&(r) {\n}\n", 3, 1, "defined twice");
    expect_error("(s) a {\n}\n", 1, 1, "snippet");
    static const char nul[] = "a {\n\tre\0spond\n}\n";
    ifr_arena_reset(&arena);
    cfg_doc_t *doc = NULL;
    CHECK(cfg_parse_text(&arena, nul, sizeof nul - 1, "Caddyfile", &opts, &doc, &err) == -1);
    CHECK_INT_EQ(err.line, 2);
    CHECK_INT_EQ(err.col, 4);
    CHECK(strstr(err.message, "NUL") != NULL);
    char buf[600];
    CHECK_STR_EQ(cfg_error_str(&err, buf, sizeof buf), "Caddyfile:2:4: unexpected NUL byte");
}

static void test_deep_nesting(void)
{
    size_t depth = 100000;
    char *text = malloc(depth * 4 + 16);
    size_t n = 0;
    n += (size_t)sprintf(text, "a {\n");
    for (size_t i = 0; i < depth; i++) { memcpy(text + n, "b {\n", 4); n += 4; }
    text[n] = '\0';
    CHECK(parse(text) == NULL);
    CHECK(strstr(err.message, "nested more than") != NULL);
    free(text);
    /* exactly at the limit is fine */
    char ok[2048];
    n = 0;
    for (int i = 0; i < CFG_MAX_NESTING; i++) n += (size_t)sprintf(ok + n, "%s {\n", i ? "b" : "a");
    for (int i = 0; i < CFG_MAX_NESTING; i++) n += (size_t)sprintf(ok + n, "}\n");
    CHECK(parse(ok) != NULL);
}

/* An address written for two site blocks is refused at the later one, as
 * Caddy's "ambiguous site definition"; keys compare as written. */
static void test_site_addresses_once(void)
{
    expect_error(":8080 {\n}\n:8080 {\n}\n", 3, 1,
                 "ambiguous site definition: ':8080' is already the address of the site at "
                 "Caddyfile:1:1");
    /* the first duplicate in file order is the one named */
    expect_error("a {\n}\nb {\n}\nc, b {\n}\na {\n}\n", 5, 4, "'b'");
    expect_error("a {\n}\nx {$PORT} {\n}\n9090 {\n}\n", 5, 1, "'9090'");
    cfg_doc_t *doc = parse(":8080, :8080 {\n}\nA.example {\n}\na.example {\n}\n"
                           ":80 {\n}\nhttp://:80 {\n}\n");
    CHECK(doc != NULL);
    if (doc) CHECK_INT_EQ(doc->nsites, 5);
    /* snippets are not sites */
    CHECK(parse("(s) {\n}\n(t) {\n}\ns {\n}\n") != NULL);
}

/* A UTF-8 byte order mark at the start is skipped (as Caddy); columns
 * count from after it; anywhere else it is text. */
static void test_byte_order_mark(void)
{
    cfg_doc_t *doc = parse("\xef\xbb\xbf{\n\tadmin off\n}\nx {\n}\n");
    CHECK(doc != NULL && doc->global && doc->nsites == 1);
    expect_error("\xef\xbb\xbf}\n", 1, 1, "'}'");
    expect_error("\xef\xbb\xbf" "a {\n\tb {$NOPE} {\n}\n", 1, 3, "never closed");
    doc = parse("x {\n}\n\xef\xbb\xbfy {\n}\n");
    CHECK(doc != NULL && doc->nsites == 2);
    if (doc && doc->nsites == 2) CHECK_STR_EQ(doc->sites[1].keys[0].text.ptr, "\xef\xbb\xbfy");
    CHECK(parse("\xef\xbb\xbf") != NULL);
}

/* File imports: a temporary directory with real files. */
static char tmpdir[64];

/* The last warning logged, for checking the text of import warnings. */
static char last_warning[512];

static void keep_warning(ifr_log_level_t level, const char *line, size_t len, void *ud)
{
    (void)ud;
    if (level != IFR_LOG_WARN) return;
    snprintf(last_warning, sizeof last_warning, "%.*s", (int)len, line);
}

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static cfg_doc_t *parse_file(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    ifr_arena_reset(&arena);
    memset(&err, 0, sizeof err);
    cfg_doc_t *doc = NULL;
    if (cfg_parse_file(&arena, path, &opts, &doc, &err)) return NULL;
    return doc;
}

static void test_file_imports(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ifrit-cfg-test-XXXXXX");
    if (!mkdtemp(tmpdir)) { CHECK(!"mkdtemp"); return; }
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sites", tmpdir);
    mkdir(sub, 0700);
    write_file("Caddyfile", "import snippets.caddy\nimport sites/*.caddy\n"
                            "main.example {\n\timport common main\n}\n");
    write_file("snippets.caddy", "(common) {\n\theader X-From {args[0]}\n}\n");
    write_file("sites/b.caddy", "b.example {\n\timport common b\n\timport ../leaf.caddy {args[0]}\n}\n");
    write_file("sites/a.caddy", "a.example {\n\trespond a\n}\n");
    write_file("sites/.hidden.caddy", "hidden {\n}\n");
    write_file("sites/notes.txt", "not a caddyfile {\n");
    write_file("leaf.caddy", "respond leaf\n");
    cfg_doc_t *doc = parse_file("Caddyfile");
    CHECK(doc != NULL);
    if (!doc) printf("  (%s:%d:%d: %s)\n", err.file, err.line, err.col, err.message);
    if (doc) {
        CHECK_INT_EQ(doc->nsites, 3);
        if (doc->nsites == 3) {
            CHECK_STR_EQ(doc->sites[0].keys[0].text.ptr, "a.example");
            CHECK_STR_EQ(doc->sites[1].keys[0].text.ptr, "b.example");
            CHECK_INT_EQ(doc->sites[1].body.count, 2);
            CHECK(strstr(doc->sites[1].body.items[1].name.file, "leaf.caddy") != NULL);
            CHECK_STR_EQ(doc->sites[2].body.items[0].args[1].text.ptr, "main");
        }
    }
    /* a file importing itself, and one importing the other */
    write_file("self.caddy", "import self.caddy\n");
    CHECK(parse_file("self.caddy") == NULL);
    CHECK(strstr(err.message, "cycle") != NULL);
    write_file("ping.caddy", "import pong.caddy\n");
    write_file("pong.caddy", "x {\n}\nimport ping.caddy\n");
    CHECK(parse_file("ping.caddy") == NULL);
    CHECK(strstr(err.message, "cycle") != NULL);
    CHECK_INT_EQ(err.line, 3);
    CHECK(strstr(err.file, "pong.caddy") != NULL);
    /* a missing file, a directory, a glob with no match (not an error) */
    write_file("missing.caddy", "import nothing-here.caddy\n");
    CHECK(parse_file("missing.caddy") == NULL);
    CHECK(strstr(err.message, "no such file") != NULL);
    write_file("dir.caddy", "import sites\n");
    CHECK(parse_file("dir.caddy") == NULL);
    CHECK(strstr(err.message, "directory") != NULL);
    /* a glob matching nothing, even in a directory that is not there, is a
     * warning at the import's position (as Caddy) */
    ifr_log_set_sink(keep_warning, NULL);
    last_warning[0] = '\0';
    write_file("empty-glob.caddy", "import sites/*.none\n  import nomatch/*.caddy\nx {\n}\n");
    doc = parse_file("empty-glob.caddy");
    CHECK(doc && doc->nsites == 1);
    CHECK(strstr(last_warning, "empty-glob.caddy:2:10: no files matching import glob pattern "
                 "'nomatch/*.caddy'") != NULL);
    write_file("empty-glob.caddy", "import sites/missing/*\nimport missing.caddy/*\n");
    CHECK(parse_file("empty-glob.caddy") != NULL); /* a file on the way is no match either */
    ifr_log_set_sink(NULL, NULL);
    /* a plain path in a missing directory stays an error */
    write_file("missing-dir.caddy", "x {\n}\nimport nodir/site.caddy\n");
    CHECK(parse_file("missing-dir.caddy") == NULL);
    CHECK_INT_EQ(err.line, 3);
    CHECK_INT_EQ(err.col, 8);
    CHECK(strstr(err.message, "no such file") != NULL);
    /* wildcards in a directory element, as filepath.Glob */
    static const char *const wild_dirs[] = { "wild", "wild/one", "wild/two", "wild/.hidden" };
    for (size_t i = 0; i < sizeof wild_dirs / sizeof *wild_dirs; i++) {
        snprintf(sub, sizeof sub, "%s/%s", tmpdir, wild_dirs[i]);
        mkdir(sub, 0700);
    }
    write_file("wild/one/site.caddy", "one.example {\n}\n");
    write_file("wild/two/site.caddy", "two.example {\n}\n");
    write_file("wild/.hidden/site.caddy", "hidden.example {\n}\n");
    write_file("wild-dir.caddy", "import wild/*/site.caddy\n");
    doc = parse_file("wild-dir.caddy");
    CHECK(doc && doc->nsites == 2);
    if (doc && doc->nsites == 2) {
        CHECK_STR_EQ(doc->sites[0].keys[0].text.ptr, "one.example");
        CHECK_STR_EQ(doc->sites[1].keys[0].text.ptr, "two.example");
    }
    /* the files of one glob are siblings: 40 of them are not 40 levels
     * deep, and each may still import (one more level) */
    snprintf(sub, sizeof sub, "%s/many", tmpdir);
    mkdir(sub, 0700);
    for (int i = 0; i < 40; i++) {
        char name[64], text[64];
        snprintf(name, sizeof name, "many/s%02d.caddy", i);
        snprintf(text, sizeof text, "s%02d.example {\n\timport ../leaf.caddy\n}\n", i);
        write_file(name, text);
    }
    write_file("many.caddy", "import many/*.caddy\n");
    doc = parse_file("many.caddy");
    CHECK(doc != NULL);
    if (!doc) printf("  (%s:%d:%d: %s)\n", err.file, err.line, err.col, err.message);
    if (doc) {
        CHECK_INT_EQ(doc->nsites, 40);
        if (doc->nsites == 40) {
            CHECK_STR_EQ(doc->sites[39].keys[0].text.ptr, "s39.example");
            CHECK_STR_EQ(doc->sites[39].body.items[0].name.text.ptr, "respond");
        }
    }
    /* a sibling importing an earlier sibling is no cycle; one importing
     * itself still is */
    write_file("many/s00.caddy", "import s01.caddy\n");
    write_file("many/s01.caddy", "s01.example {\n}\n");
    write_file("many/s02.caddy", "import s02.caddy\n");
    CHECK(parse_file("many.caddy") == NULL);
    CHECK(strstr(err.file, "s02.caddy") != NULL);
    CHECK(strstr(err.message, "cycle") != NULL);
    /* file imports can be switched off */
    ifr_arena_reset(&arena);
    cfg_parse_opts_t no_files = { .env = test_env, .no_file_imports = true };
    cfg_doc_t *d2;
    CHECK(cfg_parse_text(&arena, "import /etc/passwd\n", 19, "x", &no_files, &d2, &err) == -1);
    CHECK(strstr(err.message, "disabled") != NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    ifr_arena_init(&arena, 0);
    RUN(test_site_and_directives);
    RUN(test_nested_blocks);
    RUN(test_placeholders_are_not_braces);
    RUN(test_quotes_and_escapes);
    RUN(test_comments_and_continuation);
    RUN(test_heredoc);
    RUN(test_heredoc_errors);
    RUN(test_env_substitution);
    RUN(test_global_options_and_addresses);
    RUN(test_braceless_site);
    RUN(test_snippets);
    RUN(test_snippet_errors);
    RUN(test_import_blocks_and_named_routes);
    RUN(test_syntax_errors);
    RUN(test_deep_nesting);
    RUN(test_site_addresses_once);
    RUN(test_byte_order_mark);
    RUN(test_file_imports);
    ifr_arena_destroy(&arena);
    return testing_done();
}
