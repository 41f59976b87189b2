/* Path patterns, cleaning, decoding, globs and Accept-Encoding weights. */
#define TEST_SUITE "route/paths"
#include "testing.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "route/fs.h"
#include "route/negotiate.h"
#include "route/path.h"

static bool pm(const char *pat, const char *path) { return route_path_match(ifr_cstr(pat), ifr_cstr(path)); }

static void test_path_patterns(void)
{
    CHECK(pm("/api/*", "/api/users"));
    CHECK(pm("/api/*", "/api/"));
    CHECK(!pm("/api/*", "/api"));
    CHECK(pm("/api*", "/api"));
    CHECK(pm("/api*", "/apix/y"));
    CHECK(pm("*", "/anything"));
    CHECK(pm("*.php", "/x/index.php"));
    CHECK(!pm("*.php", "/x/index.html"));
    CHECK(pm("*/admin/*", "/a/admin/b"));
    CHECK(pm("/exact", "/EXACT"));            /* case-insensitive */
    CHECK(!pm("/exact", "/exact/"));
    CHECK(pm("/a/*/c", "/a/b/c"));
    CHECK(!pm("/a/*/c", "/a/b/x/c"));         /* a middle * stops at / */
    CHECK(pm("/file[0-9].txt", "/file7.txt"));
    CHECK(!pm("/file[0-9].txt", "/filex.txt"));
}

static void test_clean(void)
{
    char b[64];
    const char *cases[][2] = {
        { "/a/../b", "/b" }, { "/../../etc/passwd", "/etc/passwd" }, { "//a//b/", "/a/b/" },
        { "/a/./b/.", "/a/b" }, { "/", "/" }, { "/a/b/..", "/a" }, { "/..", "/" }, { "/a/", "/a/" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = strlen(cases[i][0]);
        memcpy(b, cases[i][0], n);
        n = route_path_clean(b, n);
        b[n] = '\0';
        CHECK_STR_EQ(b, cases[i][1]);
    }
}

static void test_decode(void)
{
    char b[64];
    long n = route_url_decode(IFR_LIT("/a%2Fb%2e%2E"), b, false);
    CHECK_MEM_EQ(b, (size_t)n, "/a/b..");
    CHECK(route_url_decode(IFR_LIT("/a%00"), b, false) < 0);   /* NUL refused */
    CHECK(route_url_decode(IFR_LIT("/a%4"), b, false) < 0);    /* truncated escape */
    n = route_url_decode(IFR_LIT("a+b"), b, true);
    CHECK_MEM_EQ(b, (size_t)n, "a b");
}

static void test_wild_and_hosts(void)
{
    CHECK(route_wild_match(IFR_LIT("*json*"), IFR_LIT("application/json; x"), false));
    CHECK(route_wild_match(IFR_LIT("text/*"), IFR_LIT("text/html"), false));
    CHECK(!route_wild_match(IFR_LIT("text/*"), IFR_LIT("image/png"), false));
    CHECK(route_host_matches(IFR_LIT("*.example.com"), IFR_LIT("www.example.com")));
    CHECK(!route_host_matches(IFR_LIT("*.example.com"), IFR_LIT("a.b.example.com")));
    CHECK(!route_host_matches(IFR_LIT("*.example.com"), IFR_LIT("example.com")));
    CHECK(route_host_matches(IFR_LIT("Example.COM"), IFR_LIT("example.com")));
}

static void test_accept_encoding(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    http_headers_t h = { 0 };
    http_headers_add(&h, &a, IFR_LIT("Accept-Encoding"), IFR_LIT("gzip;q=0.5, zstd, br;q=0"));
    CHECK_INT_EQ(route_accept_encoding_q(&h, IFR_LIT("gzip")), 500);
    CHECK_INT_EQ(route_accept_encoding_q(&h, IFR_LIT("zstd")), 1000);
    CHECK_INT_EQ(route_accept_encoding_q(&h, IFR_LIT("br")), 0);
    CHECK_INT_EQ(route_accept_encoding_q(&h, IFR_LIT("deflate")), -1);
    http_headers_add(&h, &a, IFR_LIT("Accept-Encoding"), IFR_LIT("*;q=0.1"));
    CHECK_INT_EQ(route_accept_encoding_q(&h, IFR_LIT("deflate")), 100);
    ifr_arena_destroy(&a);
}

/* Symlink resolution against a temporary tree:
 *   T/root/a.txt, T/root/in -> a.txt, T/root/out -> ../secret, T/secret/s,
 *   T/root/loop -> loop, T/root/d/up -> .. */
static void test_fs_resolve(void)
{
    char tmpl[] = "/tmp/ifrit-fs-XXXXXX", p[600], real_root[ROUTE_PATH_MAX], out[ROUTE_PATH_MAX];
    char *t = mkdtemp(tmpl);
    CHECK(t != NULL);
    if (!t) return;
    snprintf(p, sizeof(p), "%s/root", t); mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/root/d", t); mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/secret", t); mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/root/a.txt", t); fclose(fopen(p, "w"));
    snprintf(p, sizeof(p), "%s/secret/s", t); fclose(fopen(p, "w"));
    snprintf(p, sizeof(p), "%s/root/in", t); CHECK(symlink("a.txt", p) == 0);
    snprintf(p, sizeof(p), "%s/root/out", t); CHECK(symlink("../secret", p) == 0);
    snprintf(p, sizeof(p), "%s/root/loop", t); CHECK(symlink("loop", p) == 0);
    snprintf(p, sizeof(p), "%s/root/d/up", t); CHECK(symlink("..", p) == 0);
    snprintf(p, sizeof(p), "%s/root/", t);
    CHECK(route_fs_realpath(p, real_root) == 0);
    struct stat st;
    CHECK(route_fs_resolve(real_root, "/in", out, &st) == 0);
    CHECK(route_fs_within(real_root, out) && S_ISREG(st.st_mode));
    CHECK(strcmp(out + strlen(out) - 6, "/a.txt") == 0);
    CHECK(route_fs_resolve(real_root, "/out/s", out, &st) == 0);
    CHECK(!route_fs_within(real_root, out));         /* resolved, and caught as outside */
    CHECK(route_fs_resolve(real_root, "/d/up/a.txt", out, &st) == 0);
    CHECK(route_fs_within(real_root, out));
    CHECK_INT_EQ(route_fs_resolve(real_root, "/loop", out, &st), ELOOP);
    CHECK_INT_EQ(route_fs_resolve(real_root, "/missing", out, &st), ENOENT);
    CHECK(route_fs_root(ifr_cstr(p), out) == 0 && strcmp(out, real_root) == 0);
    CHECK(!route_fs_within("/a/b", "/a/bc"));
    CHECK(route_fs_within("/a/b", "/a/b/c") && route_fs_within("/", "/x"));
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN(test_fs_resolve);
    RUN(test_path_patterns);
    RUN(test_clean);
    RUN(test_decode);
    RUN(test_wild_and_hosts);
    RUN(test_accept_encoding);
    return testing_done();
}
