/* Dispenser helpers, global options and site addresses. */
#define TEST_SUITE "config/values"
#include <stdint.h>
#include <string.h>

#include "config/address.h"
#include "config/caddyfile.h"
#include "config/dispense.h"
#include "config/options.h"
#include "testing.h"

static ifr_arena_t arena;
static cfg_error_t err;

static cfg_token_t tok(const char *text)
{
    return (cfg_token_t){ .text = ifr_cstr(text), .file = "t", .line = 3, .col = 7 };
}

static bool dur(const char *text, unsigned flags, int64_t *ns)
{
    cfg_token_t t = tok(text);
    return cfg_parse_duration(&t, flags, ns, &err) == 0;
}

static void test_durations(void)
{
    int64_t ns = 0;
    CHECK(dur("2s", 0, &ns) && ns == 2000000000LL);
    CHECK(dur("1m30s", 0, &ns) && ns == 90000000000LL);
    CHECK(dur("500ms", 0, &ns) && ns == 500000000LL);
    CHECK(dur("1.5h", 0, &ns) && ns == 5400000000000LL);
    CHECK(dur("250us", 0, &ns) && ns == 250000);
    CHECK(dur("3\xc2\xb5s", 0, &ns) && ns == 3000);
    CHECK(dur("10ns", 0, &ns) && ns == 10);
    CHECK(dur("1d", 0, &ns) && ns == 86400000000000LL);
    CHECK(dur("0", 0, &ns) && ns == 0);
    CHECK(dur(".5s", 0, &ns) && ns == 500000000LL);
    CHECK(!dur("30", 0, &ns));
    CHECK(dur("30", CFG_DUR_BARE_SECONDS, &ns) && ns == 30000000000LL);
    CHECK(!dur("-1s", 0, &ns));
    CHECK(dur("-1s", CFG_DUR_NEGATIVE, &ns) && ns == -1000000000LL);
    CHECK(!dur("", 0, &ns));
    CHECK(!dur("s", 0, &ns));
    CHECK(!dur("2 s", 0, &ns));
    CHECK(!dur("2x", 0, &ns));
    CHECK(!dur("1.s.", 0, &ns));
    CHECK(!dur("99999999999999999999h", 0, &ns));
    CHECK(!dur("3000000h", 0, &ns)); /* past INT64_MAX nanoseconds */
    CHECK(!dur("bogus", 0, &ns));
    CHECK_INT_EQ(err.line, 3);
    CHECK_INT_EQ(err.col, 7);
    CHECK(strstr(err.message, "expected a duration") && strstr(err.message, "'bogus'"));
}

static bool size(const char *text, unsigned flags, uint64_t *out)
{
    cfg_token_t t = tok(text);
    return cfg_parse_size(&t, flags, out, &err) == 0;
}

static void test_sizes(void)
{
    uint64_t v = 0;
    CHECK(size("512", 0, &v) && v == 512);
    CHECK(size("512KB", 0, &v) && v == 512000);
    CHECK(size("4k", 0, &v) && v == 4000);
    CHECK(size("50MB", 0, &v) && v == 50000000);
    CHECK(size("1GiB", 0, &v) && v == 1073741824ULL);
    CHECK(size("1gib", 0, &v) && v == 1073741824ULL);
    CHECK(size("1.5MiB", 0, &v) && v == 1572864);
    CHECK(size("128MB", CFG_SIZE_BINARY, &v) && v == 134217728ULL);
    CHECK(size("16EiB", 0, &v) == false);
    CHECK(size("15EiB", 0, &v) && v == 15ULL << 60);
    CHECK(!size("", 0, &v));
    CHECK(!size("MB", 0, &v));
    CHECK(!size("12 MB", 0, &v));
    CHECK(!size("-1", 0, &v));
    CHECK(!size("1XB", 0, &v));
    CHECK(strstr(err.message, "expected a size") != NULL);
}

static void test_ints_bools(void)
{
    int64_t v;
    bool b;
    cfg_token_t t = tok("42");
    CHECK(cfg_parse_int(&t, 0, 100, &v, &err) == 0 && v == 42);
    t = tok("-5");
    CHECK(cfg_parse_int(&t, -10, 10, &v, &err) == 0 && v == -5);
    t = tok("101");
    CHECK(cfg_parse_int(&t, 0, 100, &v, &err) == -1);
    CHECK(strstr(err.message, "from 0 to 100") != NULL);
    t = tok("99999999999999999999999");
    CHECK(cfg_parse_int(&t, INT64_MIN, INT64_MAX, &v, &err) == -1);
    t = tok("-9223372036854775808");
    CHECK(cfg_parse_int(&t, INT64_MIN, INT64_MAX, &v, &err) == 0 && v == INT64_MIN);
    t = tok("4x");
    CHECK(cfg_parse_int(&t, 0, 100, &v, &err) == -1);
    t = tok("");
    CHECK(cfg_parse_int(&t, 0, 100, &v, &err) == -1);
    t = tok("On");
    CHECK(cfg_parse_bool(&t, &b, &err) == 0 && b);
    t = tok("off");
    CHECK(cfg_parse_bool(&t, &b, &err) == 0 && !b);
    t = tok("maybe");
    CHECK(cfg_parse_bool(&t, &b, &err) == -1);
}

static void test_suggestions(void)
{
    static const char *const known[] = { "respond", "reverse_proxy", "redir", "rewrite", "root" };
    CHECK_STR_EQ(cfg_closest(IFR_LIT("respnd"), known, 5), "respond");
    CHECK_STR_EQ(cfg_closest(IFR_LIT("reverse-proxy"), known, 5), "reverse_proxy");
    CHECK_STR_EQ(cfg_closest(IFR_LIT("rewirte"), known, 5), "rewrite");
    CHECK(cfg_closest(IFR_LIT("file_server"), known, 5) == NULL);
    /* a swap of two neighbouring letters is one edit */
    static const char *const names[] = { "path", "redir", "header", "handle", "method" };
    CHECK_STR_EQ(cfg_closest(IFR_LIT("paht"), names, 5), "path");
    CHECK_STR_EQ(cfg_closest(IFR_LIT("reidr"), names, 5), "redir");
    CHECK_STR_EQ(cfg_closest(IFR_LIT("hedaer"), names, 5), "header");
    CHECK_STR_EQ(cfg_closest(IFR_LIT("HAEDER"), names, 5), "header");
    CHECK_STR_EQ(cfg_closest(IFR_LIT("mehtod"), names, 5), "method");
    /* a swap next to another edit costs two: too far for a 4-letter word */
    CHECK(cfg_closest(IFR_LIT("phat"), names, 5) == NULL);
    CHECK(cfg_closest(IFR_LIT(""), known, 5) == NULL);
    cfg_token_t t = tok("respnd");
    CHECK(cfg_error_unknown(&err, &t, "directive", known, 5) == -1);
    CHECK_STR_EQ(err.message, "unknown directive 'respnd' (did you mean 'respond'?)");
    t = tok("zzz");
    cfg_error_unknown(&err, &t, "directive", known, 5);
    CHECK_STR_EQ(err.message, "unknown directive 'zzz'");
}

static cfg_doc_t *parse(const char *text)
{
    ifr_arena_reset(&arena);
    cfg_doc_t *doc = NULL;
    if (cfg_parse_text(&arena, text, strlen(text), "Caddyfile", NULL, &doc, &err)) return NULL;
    return doc;
}

static void test_expect_args(void)
{
    cfg_doc_t *doc = parse("a {\n\trespond a b c\n\tfile_server {\n\t}\n\tlog\n}\n");
    CHECK(doc != NULL);
    if (!doc) return;
    cfg_directive_t *r = &doc->sites[0].body.items[0];
    CHECK(cfg_expect_args(r, 1, 3, &err) == 0);
    CHECK(cfg_expect_args(r, 0, 2, &err) == -1);
    CHECK_STR_EQ(err.message, "respond: expected at most 2 arguments, got 3");
    CHECK_INT_EQ(err.col, 14); /* at the first surplus argument */
    CHECK(cfg_expect_args(r, 4, 4, &err) == -1);
    CHECK_STR_EQ(err.message, "respond: expected 4 arguments, got 3");
    CHECK(cfg_expect_no_block(r, &err) == 0);
    CHECK(cfg_expect_no_block(&doc->sites[0].body.items[1], &err) == -1);
    CHECK_INT_EQ(err.line, 3);
    CHECK(cfg_expect_args(&doc->sites[0].body.items[2], 0, 0, &err) == 0);
    CHECK(cfg_expect_args(&doc->sites[0].body.items[2], 1, SIZE_MAX, &err) == -1);
    CHECK_STR_EQ(err.message, "log: expected at least 1 argument, got 0");
}

static int options(const char *text, cfg_options_t *o)
{
    cfg_doc_t *doc = parse(text);
    if (!doc) return -2;
    return cfg_parse_global_options(doc->global, o, &err);
}

static void test_global_options(void)
{
    cfg_options_t o;
    CHECK(options("a {\n}\n", &o) == 0);
    CHECK_INT_EQ(o.http_port, 80);
    CHECK_INT_EQ(o.https_port, 443);
    CHECK_INT_EQ(o.workers, 0);
    CHECK(!o.admin_off && !o.auto_https_off && !o.debug);
    CHECK_INT_EQ(o.idle_timeout_ns, 300000000000LL);
    CHECK_INT_EQ(o.grace_period_ns, 30000000000LL);   /* ifrit's own default: a stop always ends */
    CHECK(o.wasm_memory_budget == 0);                   /* the server picks it from the machine */
    CHECK(options("{\n\tgrace_period 0\n\twasm_memory_budget 2GiB\n}\n", &o) == 0);
    CHECK_INT_EQ(o.grace_period_ns, 0);
    CHECK(o.wasm_memory_budget == 2ull << 30);
    CHECK(options("{\n\twasm_memory_budget 0\n}\n", &o) == -1);
    CHECK_STR_EQ(err.message, "wasm_memory_budget: must be more than zero");
    CHECK(options("{\n\twasm_memory_budget lots\n}\n", &o) == -1);
    CHECK(options("a {\n}\n", &o) == 0);
    CHECK_INT_EQ(o.engine, CFG_ENGINE_NONE);
    CHECK(options("{\n\tengine compiler\n}\n", &o) == 0);
    CHECK_INT_EQ(o.engine, CFG_ENGINE_COMPILER);
    CHECK(options("{\n\tengine interpreter\n}\n", &o) == 0);
    CHECK_INT_EQ(o.engine, CFG_ENGINE_INTERPRETER);
    CHECK(options("{\n\tengine jit\n}\n", &o) == -1);
    CHECK_STR_EQ(err.message, "engine: expected interpreter or compiler, got 'jit'");
    CHECK_INT_EQ(err.line, 2);
    CHECK(options("{\n\tengine\n}\n", &o) == -1);
    CHECK(options("{\n\tadmin off\n\tauto_https off\n\thttp_port 8080\n\thttps_port 8443\n"
                  "\tdebug\n\tgrace_period 10s\n\tworkers 4\n"
                  "\tservers :443 {\n\t\ttimeouts {\n\t\t\tread_body 10s\n\t\t\tread_header 5s\n"
                  "\t\t\twrite 30s\n\t\t\tidle 2m\n\t\t}\n\t}\n}\n", &o) == 0);
    CHECK(o.admin_off && o.auto_https_off && o.debug);
    CHECK_INT_EQ(o.http_port, 8080);
    CHECK_INT_EQ(o.https_port, 8443);
    CHECK_INT_EQ(o.workers, 4);
    CHECK_INT_EQ(o.grace_period_ns, 10000000000LL);
    CHECK_INT_EQ(o.read_body_timeout_ns, 10000000000LL);
    CHECK_INT_EQ(o.read_header_timeout_ns, 5000000000LL);
    CHECK_INT_EQ(o.write_timeout_ns, 30000000000LL);
    CHECK_INT_EQ(o.idle_timeout_ns, 120000000000LL);

    CHECK(options("{\n\tadmn off\n}\n", &o) == -1);
    CHECK_STR_EQ(err.message, "unknown global option 'admn' (did you mean 'admin'?)");
    CHECK_INT_EQ(err.line, 2);
    CHECK_INT_EQ(err.col, 2);
    CHECK(options("{\n\tacme_dns cloudflare\n}\n", &o) == -1);
    CHECK(strstr(err.message, "not supported by ifrit yet") != NULL);
    CHECK(options("{\n\temail me@example.com\n\tacme_ca https://ca.test/dir\n\tacme_ca_root r.pem\n"
                  "\trenewal_window_ratio 0.5\n}\n", &o) == 0);
    CHECK_STR_EQ(o.acme_email, "me@example.com");
    CHECK_STR_EQ(o.acme_ca, "https://ca.test/dir");
    CHECK_STR_EQ(o.acme_ca_root, "r.pem");
    CHECK(o.renewal_window_ratio == 0.5);
    CHECK(options("{\n\tcert_issuer acme {\n\t\tdir https://b.test/dir\n\t\temail x@b.test\n\t}\n}\n", &o) == 0);
    CHECK_STR_EQ(o.acme_ca, "https://b.test/dir");
    CHECK_STR_EQ(o.acme_email, "x@b.test");
    CHECK(options("{\n\trenewal_window_ratio 1\n}\n", &o) == -1);
    CHECK(strstr(err.message, "between 0 and 1") != NULL);
    CHECK(options("{\n\tcert_issuer zerossl\n}\n", &o) == -1);
    CHECK(strstr(err.message, "only acme is supported") != NULL);
    CHECK(options("{\n\thttp_port 70000\n}\n", &o) == -1);
    CHECK(strstr(err.message, "from 1 to 65535") && err.col == 12);
    CHECK(options("{\n\tworkers\n}\n", &o) == -1);
    CHECK_STR_EQ(err.message, "workers: expected 1 argument, got 0");
    CHECK(options("{\n\tadmin localhost:2019\n}\n", &o) == -1);
    CHECK(options("{\n\tadmin \"off\"\n}\n", &o) == -1); /* quoted: not the keyword */
    CHECK(options("{\n\tgrace_period soon\n}\n", &o) == -1);
    CHECK(strstr(err.message, "expected a duration") != NULL);
    CHECK(options("{\n\tservers {\n\t\ttimeouts {\n\t\t\treed_body 1s\n\t\t}\n\t}\n}\n", &o) == -1);
    CHECK_STR_EQ(err.message, "unknown timeout 'reed_body' (did you mean 'read_body'?)");
    CHECK_INT_EQ(err.line, 4);
    /* servers { max_header_size strict_sni_host keepalive_interval
     * log_credentials } and shutdown_delay, as Caddy reads them; a Caddy
     * servers option ifrit lacks says so. */
    CHECK(options("a {\n}\n", &o) == 0);
    CHECK(o.max_header_size == 0 && o.strict_sni_host == CFG_STRICT_SNI_DEFAULT && !o.log_credentials);
    CHECK(o.keepalive_interval_ns == 15000000000LL && o.shutdown_delay_ns == 0);
    CHECK(options("{\n\tshutdown_delay 30s\n\tservers {\n\t\tmax_header_size 5MB\n\t\tstrict_sni_host\n"
                  "\t\tkeepalive_interval 2m\n\t\tlog_credentials\n\t}\n}\n", &o) == 0);
    CHECK(o.max_header_size == 5000000 && o.strict_sni_host == CFG_STRICT_SNI_ON && o.log_credentials);
    CHECK(o.keepalive_interval_ns == 120000000000LL && o.shutdown_delay_ns == 30000000000LL);
    CHECK(options("{\n\tservers {\n\t\tmax_header_size 4KiB\n\t\tstrict_sni_host insecure_off\n"
                  "\t\tkeepalive_interval -1s\n\t}\n}\n", &o) == 0);
    CHECK(o.max_header_size == 4096 && o.strict_sni_host == CFG_STRICT_SNI_OFF && o.keepalive_interval_ns == 0);
    CHECK(options("{\n\tservers {\n\t\tmax_header_size 0\n\t}\n}\n", &o) == -1);
    CHECK(strstr(err.message, "max_header_size: must be more than 0") && err.line == 3 && err.col == 19);
    CHECK(options("{\n\tservers {\n\t\tmax_header_size 17MiB\n\t}\n}\n", &o) == -1);
    CHECK(strstr(err.message, "at most 16MiB") != NULL);
    CHECK(options("{\n\tservers {\n\t\tstrict_sni_host off\n\t}\n}\n", &o) == -1);
    CHECK_STR_EQ(err.message, "strict_sni_host: expected on or insecure_off, got 'off'");
    CHECK(options("{\n\tservers {\n\t\tkeepalive_interval 500ms\n\t}\n}\n", &o) == -1);
    CHECK(strstr(err.message, "keepalive_interval: at least 1s") != NULL);
    CHECK(options("{\n\tshutdown_delay later\n}\n", &o) == -1);
    CHECK(strstr(err.message, "expected a duration") && err.line == 2);
    CHECK(options("{\n\tservers {\n\t\tenable_full_duplex\n\t}\n}\n", &o) == -1);
    CHECK_STR_EQ(err.message, "servers: 'enable_full_duplex' is not supported by ifrit yet");
    /* protocols: h1 h2 by default; h1 alone turns HTTP/2 off; h2c adds
     * prior knowledge; h3 and a list without h1 are refused. */
    CHECK(options("a {\n}\n", &o) == 0);
    CHECK_INT_EQ(o.protocols, CFG_PROTO_H1 | CFG_PROTO_H2);
    CHECK(options("{\n\tservers {\n\t\tprotocols h1\n\t}\n}\n", &o) == 0);
    CHECK_INT_EQ(o.protocols, CFG_PROTO_H1);
    CHECK(options("{\n\tservers {\n\t\tprotocols h1 h2 h2c\n\t}\n}\n", &o) == 0);
    CHECK_INT_EQ(o.protocols, CFG_PROTO_H1 | CFG_PROTO_H2 | CFG_PROTO_H2C);
    CHECK(options("{\n\tservers {\n\t\tprotocols h1 h3\n\t}\n}\n", &o) == -1);
    CHECK(strstr(err.message, "h3 (HTTP/3) is not served") != NULL);
    CHECK(options("{\n\tservers {\n\t\tprotocols h2\n\t}\n}\n", &o) == -1);
    CHECK(strstr(err.message, "h1 must be listed") != NULL);
    CHECK(options("{\n\tservers {\n\t\tprotocols h1 h4\n\t}\n}\n", &o) == -1);
    CHECK_INT_EQ(err.line, 3);
    CHECK(options("{\n\tdebug on\n}\n", &o) == -1);
    CHECK(options("{\n\thttp_port 443\n}\n", &o) == -1);
    CHECK(strstr(err.message, "must differ") != NULL);
}

static int addr(const char *text, cfg_address_t *a, const cfg_options_t *o)
{
    cfg_token_t t = tok(text);
    if (cfg_parse_address(&t, a, &err)) return -1;
    return cfg_address_resolve(&t, a, o, &err);
}

#define CHECK_ADDR(text, o, scheme_, host_, port_, path_, listen_, tls_)                     \
    do {                                                                                     \
        cfg_address_t a_;                                                                    \
        CHECK(addr(text, &a_, o) == 0);                                                      \
        CHECK_MEM_EQ(a_.scheme.ptr, a_.scheme.len, scheme_);                                 \
        CHECK_MEM_EQ(a_.host.ptr, a_.host.len, host_);                                       \
        CHECK_INT_EQ(a_.port, port_);                                                        \
        CHECK_MEM_EQ(a_.path.ptr, a_.path.len, path_);                                       \
        CHECK_INT_EQ(a_.listen_port, listen_);                                               \
        CHECK_INT_EQ(a_.tls, tls_);                                                          \
    } while (0)

static void test_addresses(void)
{
    cfg_options_t o, off;
    cfg_options_defaults(&o);
    cfg_options_defaults(&off);
    off.auto_https_off = true;
    CHECK_ADDR(":8080", &o, "", "", 8080, "", 8080, false);
    CHECK_ADDR("localhost:8080", &o, "", "localhost", 8080, "", 8080, false);
    CHECK_ADDR("example.com", &o, "", "example.com", 0, "", 443, true);
    CHECK_ADDR("example.com", &off, "", "example.com", 0, "", 80, false);
    CHECK_ADDR("http://example.com", &o, "http", "example.com", 0, "", 80, false);
    CHECK_ADDR("https://x", &o, "https", "x", 0, "", 443, true);
    CHECK_ADDR("https://x:8443", &o, "https", "x", 8443, "", 8443, true);
    CHECK_ADDR("*.example.com", &o, "", "*.example.com", 0, "", 443, true);
    CHECK_ADDR("[::1]:8080", &o, "", "::1", 8080, "", 8080, false);
    CHECK_ADDR("[::1]", &o, "", "::1", 0, "", 443, true);
    CHECK_ADDR("example.com/api/*", &o, "", "example.com", 0, "/api/*", 443, true);
    CHECK_ADDR("http://", &o, "http", "", 0, "", 80, false);
    CHECK_ADDR(":443", &o, "", "", 443, "", 443, true);
    CHECK_ADDR("localhost:80", &o, "", "localhost", 80, "", 80, false);
    cfg_address_t a;
    CHECK(addr("ftp://x", &a, &o) == -1);
    CHECK(strstr(err.message, "http or https") != NULL);
    CHECK(addr("x:0", &a, &o) == -1);
    CHECK(addr("x:99999", &a, &o) == -1);
    CHECK(addr("x:", &a, &o) == -1);
    CHECK(addr("x:http", &a, &o) == -1);
    CHECK(addr("::1", &a, &o) == -1);
    CHECK(strstr(err.message, "brackets") != NULL);
    CHECK(addr("[::1", &a, &o) == -1);
    CHECK(addr("[::1]x", &a, &o) == -1);
    CHECK(addr("https://x:80", &a, &o) == -1);
    CHECK(strstr(err.message, "cannot serve both") != NULL);
    CHECK(addr("", &a, &o) == -1);
}

int main(void)
{
    ifr_arena_init(&arena, 0);
    RUN(test_durations);
    RUN(test_sizes);
    RUN(test_ints_bools);
    RUN(test_suggestions);
    RUN(test_expect_args);
    RUN(test_global_options);
    RUN(test_addresses);
    ifr_arena_destroy(&arena);
    return testing_done();
}
