/* The shared KV store's address (fn_kv_url.c): what `kv redis://...`
 * accepts, its defaults, and what it refuses with a reason. */
#define TEST_SUITE "fn/kv_url"
#include "testing.h"

#include <string.h>

#include "fn/fn_host.h"

static int parse(const char *url, fn_kv_url_t *u, char *why)
{
    return fn_kv_url_parse(ifr_cstr(url), u, why, 160);
}

static void test_accepted(void)
{
    fn_kv_url_t u;
    char why[160];
    CHECK(parse("redis://127.0.0.1", &u, why) == 0 && !strcmp(u.host, "127.0.0.1") && u.port == 6379 && u.db == 0);
    CHECK(parse("redis://cache.internal:6380/", &u, why) == 0 && !strcmp(u.host, "cache.internal") && u.port == 6380);
    CHECK(parse("redis://h:1/15", &u, why) == 0 && u.port == 1 && u.db == 15);
    CHECK(parse("redis://[::1]:7000/2", &u, why) == 0 && !strcmp(u.host, "::1") && u.port == 7000 && u.db == 2);
    CHECK(parse("redis://[fd00::5]", &u, why) == 0 && !strcmp(u.host, "fd00::5") && u.port == 6379);
    CHECK(parse("redis://h:65535/9999", &u, why) == 0 && u.port == 65535 && u.db == 9999);
    CHECK(!u.auth && !strcmp(u.shown, "redis://h:65535/9999"));
    /* Credentials: percent-decoded, kept out of the shown form. */
    CHECK(parse("redis://:p%40ss%2Fw%3Ard@10.0.0.5:7000/1", &u, why) == 0 && u.auth && u.user[0] == '\0');
    CHECK(!strcmp(u.password, "p@ss/w:rd") && u.password_len == 9 && !strcmp(u.host, "10.0.0.5") && u.db == 1);
    CHECK(!strcmp(u.shown, "redis://10.0.0.5:7000/1"));
    CHECK(parse("redis://app:s3cret@[::1]", &u, why) == 0 && !strcmp(u.user, "app") && !strcmp(u.password, "s3cret"));
    CHECK(!strcmp(u.shown, "redis://[::1]:6379/0"));
    CHECK(parse("redis://:a@b@h", &u, why) == 0 && !strcmp(u.password, "a@b") && !strcmp(u.host, "h"));   /* the last '@' */
}

static void test_refused(void)
{
    struct {
        const char *url, *why;
    } bad[] = {
        { "rediss://h", "expected redis://" },
        { "http://h", "expected redis://" },
        { "redis://", "a host of 1 to" },
        { "redis://:6379", "a host of 1 to" },
        { "redis://pw@h", "expected USER:PASSWORD or :PASSWORD" },
        { "redis://u:@h", "expected USER:PASSWORD or :PASSWORD" },
        { "redis://:p%4@h", "expected USER:PASSWORD or :PASSWORD" },
        { "redis://:p%00@h", "expected USER:PASSWORD or :PASSWORD" },
        { "redis://:p w@h", "expected USER:PASSWORD or :PASSWORD" },
        { "redis://h:0", "the port must be" },
        { "redis://h:65536", "the port must be" },
        { "redis://h:x", "the port must be" },
        { "redis://h:", "the port must be" },
        { "redis://h/x", "the database" },
        { "redis://h/10000", "the database" },
        { "redis://h/1/2", "the database" },
        { "redis://h?db=1", "a query, a fragment" },
        { "redis://h #x", "a query, a fragment" },
        { "redis://[::1", "closing ']'" },
        { "redis://[::1]x", "expected ':'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fn_kv_url_t u;
        char why[160] = "";
        CHECK(parse(bad[i].url, &u, why) < 0);
        CHECK(strstr(why, bad[i].why) != NULL);
    }
    char big[400] = "redis://";
    memset(big + 8, 'a', 300);
    fn_kv_url_t u;
    char why[160];
    CHECK(parse(big, &u, why) < 0 && strstr(why, "a host of 1 to 255 bytes"));
}

int main(void)
{
    RUN(test_accepted);
    RUN(test_refused);
    return testing_done();
}
