/* The network rules of functions' outbound calls (fn_host_net.c): URLs a
 * guest may give, what allow_host covers, which addresses are public; and
 * the guest header's error codes against src/fn's. */
#define TEST_SUITE "fn/host_net"
#include "testing.h"

#include "../../../include/ifrit_host.h"
#include "fn/fn_host_call.h"

static int parse(const char *url, fn_url_t *u, char *host)
{
    char why[120];
    return fn_host_url_parse(ifr_cstr(url), u, host, 256, why, sizeof why);
}

static void test_urls(void)
{
    char h[256];
    fn_url_t u;
    CHECK(parse("https://API.Example.com/x?y", &u, h) == 0);
    CHECK(u.https && u.port == 443 && ifr_str_eq_cstr(u.host, "api.example.com"));
    CHECK(parse("http://127.0.0.1:8080", &u, h) == 0);
    CHECK(!u.https && u.port == 8080 && ifr_str_eq_cstr(u.host, "127.0.0.1"));
    CHECK(parse("HTTP://[::1]:81/p", &u, h) == 0);
    CHECK(u.port == 81 && ifr_str_eq_cstr(u.host, "::1"));
    CHECK(parse("http://h#frag", &u, h) == 0 && ifr_str_eq_cstr(u.host, "h") && u.port == 80);
    /* Refused: other schemes, user information (the host would be after
     * the @), percent-encoded hosts, bad ports, spaces, no host. */
    const char *bad[] = { "ftp://h/", "file:///etc/passwd", "http://user@127.0.0.1/", "http://a@b@c/",
                          "http://%31%32%37.0.0.1/", "http://h:0/", "http://h:65536/", "http://h:x/",
                          "http://h:/", "http://h /", "http:///x", "http://[::1/", "http://[::1]x/", "h/x", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(parse(bad[i], &u, h) < 0);
    }
}

static void test_allow_host(void)
{
    const char *list[] = { "api.example.com", "*.internal.test", "[fd00::1]" };
    fn_host_config_t c = { .allow_hosts = list, .nallow_hosts = 3 };
    CHECK(fn_host_allowed(&c, IFR_LIT("api.example.com")) == 2);
    CHECK(fn_host_allowed(&c, IFR_LIT("API.example.COM")) == 2);
    CHECK(fn_host_allowed(&c, IFR_LIT("x.internal.test")) == 1);
    CHECK(fn_host_allowed(&c, IFR_LIT("a.b.INTERNAL.test")) == 1);
    CHECK(fn_host_allowed(&c, IFR_LIT("internal.test")) == 0);      /* subdomains only */
    CHECK(fn_host_allowed(&c, IFR_LIT("evilinternal.test")) == 0);
    CHECK(fn_host_allowed(&c, IFR_LIT("example.com")) == 0);
    CHECK(fn_host_allowed(&c, IFR_LIT("fd00::1")) == 2);
    const char *star[] = { "*", "localhost" };
    fn_host_config_t s = { .allow_hosts = star, .nallow_hosts = 2 };
    CHECK(fn_host_allowed(&s, IFR_LIT("anything.org")) == 1);
    CHECK(fn_host_allowed(&s, IFR_LIT("localhost")) == 2);
    fn_host_config_t none = { 0 };
    CHECK(fn_host_allowed(&none, IFR_LIT("api.example.com")) == 0);
}

static bool ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    uint8_t ip[4] = { a, b, c, d };
    return fn_host_ip_is_public(ip, 4);
}

static bool ip6(const char *hex)   /* 32 hex digits */
{
    uint8_t ip[16];
    for (int i = 0; i < 16; i++) sscanf(hex + 2 * i, "%2hhx", &ip[i]);
    return fn_host_ip_is_public(ip, 16);
}

static void test_public_addresses(void)
{
    CHECK(ip4(93, 184, 216, 34) && ip4(8, 8, 8, 8) && ip4(1, 1, 1, 1) && ip4(172, 32, 0, 1) && ip4(100, 128, 0, 1));
    CHECK(!ip4(127, 0, 0, 1) && !ip4(127, 255, 255, 254) && !ip4(10, 1, 2, 3) && !ip4(172, 16, 0, 1) &&
          !ip4(172, 31, 255, 255) && !ip4(192, 168, 1, 1) && !ip4(169, 254, 169, 254) && !ip4(0, 0, 0, 0) &&
          !ip4(100, 64, 0, 1) && !ip4(224, 0, 0, 1) && !ip4(255, 255, 255, 255) && !ip4(198, 18, 0, 1) &&
          !ip4(192, 0, 2, 1));
    CHECK(ip6("26064700000000000000000000001111"));   /* 2606:4700::1111 */
    CHECK(!ip6("00000000000000000000000000000001"));  /* ::1 */
    CHECK(!ip6("00000000000000000000000000000000"));  /* :: */
    CHECK(!ip6("fe800000000000000000000000000001"));  /* link-local */
    CHECK(!ip6("fd000000000000000000000000000001"));  /* unique local */
    CHECK(!ip6("ff020000000000000000000000000001"));  /* multicast */
    CHECK(!ip6("20010db8000000000000000000000001"));  /* documentation */
    CHECK(!ip6("00000000000000000000ffff7f000001"));  /* ::ffff:127.0.0.1 */
    CHECK(ip6("00000000000000000000ffff08080808"));   /* ::ffff:8.8.8.8 */
    CHECK(!ip6("0064ff9b00000000000000000a000001"));  /* NAT64 of 10.0.0.1 */
    CHECK(!ip6("2002c0a8010100000000000000000000"));  /* 6to4 of 192.168.1.1 */
    CHECK(!ip6("0000000000000000000000007f000001"));  /* ::127.0.0.1 (IPv4-compatible) */
    uint8_t odd[5] = { 0 };
    CHECK(!fn_host_ip_is_public(odd, 5));
}

static void test_error_codes_match_the_guest_header(void)
{
    CHECK_INT_EQ(IFRIT_HOST_OK, FN_HOST_E_OK);
    CHECK_INT_EQ(IFRIT_HOST_NOT_FOUND, FN_HOST_E_NOT_FOUND);
    CHECK_INT_EQ(IFRIT_HOST_DENIED, FN_HOST_E_DENIED);
    CHECK_INT_EQ(IFRIT_HOST_TOO_LARGE, FN_HOST_E_TOO_LARGE);
    CHECK_INT_EQ(IFRIT_HOST_BUFFER_TOO_SMALL, FN_HOST_E_BUFFER_TOO_SMALL);
    CHECK_INT_EQ(IFRIT_HOST_INVALID, FN_HOST_E_INVALID);
    CHECK_INT_EQ(IFRIT_HOST_UNAVAILABLE, FN_HOST_E_UNAVAILABLE);
    CHECK_INT_EQ(IFRIT_HOST_BLOCKED, FN_HOST_E_BLOCKED);
    CHECK_INT_EQ(IFRIT_HOST_TIMEOUT, FN_HOST_E_TIMEOUT);
    CHECK_INT_EQ(IFRIT_HOST_BUSY, FN_HOST_E_BUSY);
    CHECK_INT_EQ(IFRIT_HOST_NETWORK, FN_HOST_E_NETWORK);
    CHECK_INT_EQ(IFRIT_HOST_RESPONSE_TOO_LARGE, FN_HOST_E_RESPONSE_TOO_LARGE);
    CHECK_INT_EQ(IFRIT_HOST_NO_RESPONSE, FN_HOST_E_NO_RESPONSE);
    CHECK_INT_EQ(IFRIT_HOST_QUERY, FN_HOST_E_QUERY);
    CHECK_INT_EQ(IFRIT_HOST_BAD_ANSWER, FN_HOST_E_BAD_ANSWER);
    CHECK(strcmp(fn_host_error_name(FN_HOST_E_BLOCKED), "BLOCKED") == 0);
    CHECK(strcmp(fn_host_error_name(99), "?") == 0);
}

int main(void)
{
    RUN(test_urls);
    RUN(test_allow_host);
    RUN(test_public_addresses);
    RUN(test_error_codes_match_the_guest_header);
    return testing_done();
}
