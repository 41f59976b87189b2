/* bind and default_bind: the address forms, the listeners a plan asks
 * for, and when two sites with one address are ambiguous. */
#define TEST_SUITE "route/bind"
#include "testing.h"

#include "config/options.h"
#include "fake_host.h"

static cfg_error_t err;

static bool bind_ok(const char *text, cfg_bind_network_t net, const char *host)
{
    cfg_token_t t = { .text = ifr_cstr(text), .file = "t", .line = 2, .col = 7 };
    cfg_bind_t b;
    if (cfg_parse_bind(&t, &b, &err) != 0) {
        printf("# %s refused: %s\n", text, err.message);
        return false;
    }
    return b.network == net && ifr_str_eq_cstr(b.host, host);
}

/* Refused, with a message holding needle. */
static bool bind_refused(const char *text, const char *needle)
{
    cfg_token_t t = { .text = ifr_cstr(text), .file = "t", .line = 2, .col = 7 };
    cfg_bind_t b;
    if (cfg_parse_bind(&t, &b, &err) == 0) return false;
    if (!strstr(err.message, needle)) printf("# %s: %s\n", text, err.message);
    return strstr(err.message, needle) && err.line == 2 && err.col == 7;
}

static void test_forms(void)
{
    CHECK(bind_ok("127.0.0.1", CFG_BIND_TCP, "127.0.0.1"));
    CHECK(bind_ok("[::1]", CFG_BIND_TCP, "::1"));
    CHECK(bind_ok("::1", CFG_BIND_TCP, "::1"));
    CHECK(bind_ok("localhost", CFG_BIND_TCP, "localhost"));
    CHECK(bind_ok("tcp/127.0.0.1", CFG_BIND_TCP, "127.0.0.1"));
    CHECK(bind_ok("tcp4/0.0.0.0", CFG_BIND_TCP4, "0.0.0.0"));
    CHECK(bind_ok("tcp6/[::1]", CFG_BIND_TCP6, "::1"));
    CHECK(bind_ok("tcp6/", CFG_BIND_TCP6, ""));
    CHECK(bind_ok("unix//run/ifrit.sock", CFG_BIND_UNIX, "/run/ifrit.sock"));
    CHECK(bind_ok("unix/rel.sock", CFG_BIND_UNIX, "rel.sock"));
}

static void test_refused(void)
{
    CHECK(bind_refused("127.0.0.1:8080", "has a port"));
    CHECK(bind_refused("udp/127.0.0.1", "network 'udp' is not supported"));
    CHECK(bind_refused("unixgram//x", "network 'unixgram'"));
    CHECK(bind_refused("foo/bar", "is not an address"));
    CHECK(bind_refused("/run/x.sock", "unix//run/x.sock"));
    CHECK(bind_refused("unix/", "expected unix/PATH"));
    CHECK(bind_refused("[::1", "in brackets"));
    CHECK(bind_refused("[127.0.0.1]", "only an IPv6 address"));
    char longpath[160] = "unix//";
    memset(longpath + 6, 'a', 120);
    CHECK(bind_refused(longpath, "longer than 107 bytes"));
}

/* The plan's listeners as "host|port" lines, in order. */
static void listeners(route_plan_t *p, char *out, size_t len)
{
    const route_listener_t *l;
    size_t n = route_plan_listeners(p, &l), used = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s|%u ", l[i].host ? l[i].host : "*", l[i].port);
}

static void test_listeners(void)
{
    char got[512];
    route_plan_t *p = plan_from(":8080 {\n\tbind 127.0.0.1 [::1]\n\tbind tcp4/Example.COM unix//tmp/a.sock\n"
                                "\tbind 127.0.0.1\n\trespond a\n}\n:8081 {\n\trespond b\n}\n");
    CHECK(p != NULL);
    if (!p) return;
    listeners(p, got, sizeof got);
    CHECK_STR_EQ(got, "127.0.0.1|8080 ::1|8080 tcp4/example.com|8080 unix//tmp/a.sock|8080 *|8081 ");
    route_plan_release(p);

    /* default_bind for the sites without a bind of their own; a later line replaces it. */
    p = plan_from("{\n\tdefault_bind 127.0.0.9\n\tdefault_bind 127.0.0.2 127.0.0.3\n}\n"
                  ":8080 {\n\trespond a\n}\n:8081 {\n\tbind 127.0.0.4\n\trespond b\n}\n");
    CHECK(p != NULL);
    if (!p) return;
    listeners(p, got, sizeof got);
    CHECK_STR_EQ(got, "127.0.0.2|8080 127.0.0.3|8080 127.0.0.4|8081 ");
    route_plan_release(p);
}

static bool loads(const char *text)
{
    route_plan_t *p = route_plan_load_text(text, strlen(text), "test.caddy", &err);
    route_plan_release(p);
    return p != NULL;
}

static void test_ambiguity(void)
{
    /* One address on two listeners: each its own site, as in Caddy. */
    CHECK(loads(":8080 {\n\tbind 127.0.0.1\n\trespond a\n}\n:8080 {\n\tbind 127.0.0.2\n\trespond b\n}\n"));
    CHECK(loads(":8080 {\n\tbind 127.0.0.1\n\trespond a\n}\n:8080 {\n\trespond b\n}\n"));
    /* Sharing one listener is ambiguous, however it is written. */
    CHECK(!loads(":8080 {\n\tbind 127.0.0.1 127.0.0.2\n\trespond a\n}\n:8080 {\n\tbind tcp/127.0.0.2\n\trespond b\n}\n"));
    CHECK(strstr(err.message, "ambiguous site definition: ':8080'") && err.line == 5);
    CHECK(!loads("{\n\tdefault_bind 127.0.0.1\n}\n:8080 {\n\trespond a\n}\n:8080 {\n\tbind 127.0.0.1\n\trespond b\n}\n"));
    CHECK(strstr(err.message, "ambiguous site definition") && err.line == 7);
}

static void test_config_errors(void)
{
    CHECK(!loads(":8080 {\n\tbind 127.0.0.1:9000\n}\n"));
    CHECK(strstr(err.message, "bind: '127.0.0.1:9000' has a port") && err.line == 2 && err.col == 7);
    CHECK(!loads("{\n\tdefault_bind udp/127.0.0.1\n}\n:8080\n"));
    CHECK(strstr(err.message, "network 'udp'") && err.line == 2 && err.col == 15);
    CHECK(!loads("{\n\tdefault_bind\n}\n:8080\n"));
    CHECK(strstr(err.message, "default_bind") && err.line == 2);
    CHECK(!loads(":8080 {\n\thandle {\n\t\tbind 127.0.0.1\n\t}\n}\n"));
    CHECK(strstr(err.message, "bind") && err.line == 3);
    CHECK(!loads(":8080 {\n\tbind 127.0.0.1 {\n\t}\n}\n"));
    CHECK(err.line == 2);
}

int main(void)
{
    RUN(test_forms);
    RUN(test_refused);
    RUN(test_listeners);
    RUN(test_ambiguity);
    RUN(test_config_errors);
    return testing_done();
}
