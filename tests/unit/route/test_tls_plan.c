/* How a plan decides HTTPS (route/plan_tls.c and the tls directive): which
 * addresses are TLS, where each host's certificate comes from, the
 * redirect site on the http_port, and the config errors. */
#define TEST_SUITE "route/tls_plan"
#include "testing.h"

#include "fake_host.h"

static const route_tls_site_t *site_for(const route_plan_t *p, const char *host)
{
    const route_tls_site_t *s;
    size_t n = route_plan_tls_sites(p, &s);
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i].host, host) == 0) return &s[i];
    return NULL;
}

static bool listens(const route_plan_t *p, uint16_t port, bool tls)
{
    const route_listener_t *l;
    size_t n = route_plan_listeners(p, &l);
    for (size_t i = 0; i < n; i++)
        if (l[i].port == port && l[i].tls == tls) return true;
    return false;
}

static void test_certificate_sources(void)
{
    route_plan_t *p = plan_from("{\n https_port 8443\n http_port 8080\n}\n"
                                "localhost, 127.0.0.1, example.com, printer.local {\n respond x\n}\n"
                                "https://files.test {\n tls a.crt a.key\n}\n"
                                "https://inside.test {\n tls internal\n}\n");
    CHECK(p != NULL);
    if (!p) return;
    const route_tls_site_t *t;
    CHECK((t = site_for(p, "localhost")) && t->local_ca && !t->wants_acme && t->port == 8443);
    CHECK((t = site_for(p, "127.0.0.1")) && t->local_ca);
    CHECK((t = site_for(p, "printer.local")) && t->local_ca);
    CHECK((t = site_for(p, "example.com")) && !t->local_ca && t->wants_acme);
    CHECK((t = site_for(p, "files.test")) && !t->local_ca && !t->wants_acme && t->conf &&
          strcmp(t->conf->cert_file, "a.crt") == 0 && strcmp(t->conf->key_file, "a.key") == 0);
    CHECK((t = site_for(p, "inside.test")) && t->local_ca);
    CHECK(listens(p, 8443, true));
    CHECK(listens(p, 8080, false));   /* the redirects' */
    route_plan_release(p);

    p = plan_from("{\n local_certs\n https_port 8443\n}\nexample.com {\n}\n");
    CHECK(p && (t = site_for(p, "example.com")) && t->local_ca && !t->wants_acme);
    route_plan_release(p);
}

static void test_redirects(void)
{
    route_plan_t *p = plan_from("{\n https_port 8443\n http_port 8080\n}\nlocalhost, 127.0.0.1 {\n respond x\n}\n");
    CHECK(p != NULL);
    if (!p) return;
    fake_t *f = fake_run(p, "GET", "/a?b=1", "localhost:8080", NULL);
    CHECK_INT_EQ(f->status, 308);
    CHECK_STR_EQ(fake_header(f, "Location"), "https://localhost:8443/a?b=1");
    fake_free(f);
    f = fake_run(p, "GET", "/", "127.0.0.1:8080", NULL);
    CHECK_STR_EQ(fake_header(f, "Location"), "https://127.0.0.1:8443/");
    fake_free(f);
    route_plan_release(p);

    /* A host some site serves over HTTP already gets no redirect. */
    p = plan_from("{\n https_port 8443\n http_port 8080\n}\nlocalhost {\n respond tls\n}\n"
                  "http://localhost:8080 {\n respond plain\n}\n");
    CHECK(p != NULL);
    if (p) {
        f = fake_run(p, "GET", "/", "localhost:8080", NULL);
        CHECK_INT_EQ(f->status, 200);
        CHECK_STR_EQ(f->body, "plain");
        fake_free(f);
        route_plan_release(p);
    }
    p = plan_from("{\n https_port 8443\n http_port 8080\n auto_https disable_redirects\n}\nlocalhost {\n}\n");
    CHECK(p && !listens(p, 8080, false));
    route_plan_release(p);
    p = plan_from("{\n https_port 8443\n http_port 8080\n auto_https off\n}\nlocalhost {\n}\n");
    CHECK(p && !listens(p, 8443, true) && listens(p, 8080, false) && !site_for(p, "localhost"));
    route_plan_release(p);
}

static void test_tls_directive_turns_addresses(void)
{
    /* An explicit port without scheme is plain HTTP, unless the site asks
     * for TLS; an address without a port then takes the https_port. */
    route_plan_t *p = plan_from("{\n https_port 8443\n auto_https off\n}\nlocalhost:9000 {\n tls internal\n}\n"
                                "other.test {\n tls internal\n}\n");
    const route_tls_site_t *t;
    CHECK(p && listens(p, 9000, true) && (t = site_for(p, "localhost")) && t->port == 9000);
    CHECK(p && (t = site_for(p, "other.test")) && t->port == 8443);
    route_plan_release(p);
}

static void expect_error(const char *text, const char *want)
{
    cfg_error_t err = { 0 };
    route_plan_t *p = route_plan_load_text(text, strlen(text), "t.caddy", &err);
    CHECK(p == NULL);
    if (p) {
        route_plan_release(p);
        return;
    }
    char line[600];
    snprintf(line, sizeof line, "%d:%d: %s", err.line, err.col, err.message);
    if (!strstr(line, want)) {
        printf("# wanted \"%s\" in \"%s\"\n", want, line);
        testing_failed_checks++;
    }
}

static void test_errors(void)
{
    expect_error("http://localhost {\n tls internal\n}\n", "1:1: site address 'http://localhost' is plain HTTP");
    expect_error("{\n http_port 8080\n}\nlocalhost:8080 {\n tls internal\n}\n", "is on the http_port (8080)");
    expect_error("a.test {\n tls {\n  issuer acme {\n   disable_http_challenge\n   disable_tlsalpn_challenge\n"
                 "  }\n }\n}\n", "3:10: issuer acme: both challenges are disabled");
    expect_error("a.test {\n tls {\n  issuer acme {\n   dns cloudflare\n  }\n }\n}\n",
                 "4:4: unknown issuer acme option 'dns'");
    expect_error("a.test {\n tls {\n  issuer zerossl\n }\n}\n", "3:10: issuer zerossl: not supported by ifrit");
    expect_error("localhost {\n tls {\n  on_demand\n }\n}\n", "2:2: tls: on_demand needs the global option on_demand_tls { ask URL }");
    expect_error("localhost {\n tls {\n  protocols tls1.3 tls1.2\n }\n}\n", "the maximum tls1.2 is below the minimum");
    expect_error("localhost {\n tls {\n  client_auth {\n   mode sometimes\n  }\n }\n}\n",
                 "unknown client_auth mode 'sometimes'");
    expect_error("localhost {\n tls internal\n tls internal\n}\n", "only one tls directive per site");
    expect_error("localhost {\n tls a.crt a.key {\n  issuer internal\n }\n}\n", "exclude each other");
    expect_error("localhost {\n tls {\n  issuer internal {\n   lifetime 0s\n  }\n }\n}\n", "at least 1s");
    expect_error("{\n auto_https disable_certs\n}\nexample.com {\n}\n",
                 "auto_https disable_certs: the site for 'example.com' on port 443 has no certificate");
    expect_error("{\n auto_https sometimes\n}\n", "auto_https: expected off, disable_redirects");
    expect_error("{\n storage redis\n}\n", "storage: only file_system is supported");
    expect_error("{\n renew_interval 10ms\n}\n", "renew_interval: must be at least 1s");
    expect_error("{\n renewal_window_ratio 0\n}\n", "renewal_window_ratio: expected a number between 0 and 1");
}

static void test_options(void)
{
    route_plan_t *p = plan_from("{\n default_sni a.test\n fallback_sni b.test\n skip_install_trust\n"
                                " storage file_system {\n  root /var/lib/x\n }\n renew_interval 5m\n}\n:8080 {\n}\n");
    CHECK(p != NULL);
    if (!p) return;
    const cfg_options_t *o = route_plan_options(p);
    CHECK_STR_EQ(o->default_sni, "a.test");
    CHECK_STR_EQ(o->fallback_sni, "b.test");
    CHECK(o->skip_install_trust);
    CHECK_STR_EQ(o->storage_path, "/var/lib/x");
    CHECK_INT_EQ(o->renew_interval_ns, 300LL * 1000000000LL);
    route_plan_release(p);
}

/* The ACME settings of a site's tls directive reach its TLS host. */
static void test_acme_settings(void)
{
    route_plan_t *p = plan_from("a.test {\n tls ops@a.test {\n  ca https://ca.test/dir\n  ca_root /r.pem\n"
                                "  issuer acme {\n   disable_http_challenge\n  }\n }\n}\n");
    CHECK(p != NULL);
    if (!p) return;
    const route_tls_site_t *t;
    CHECK_INT_EQ(route_plan_tls_sites(p, &t), 1);
    CHECK(t[0].wants_acme && t[0].conf);
    CHECK_STR_EQ(t[0].conf->acme_email, "ops@a.test");
    CHECK_STR_EQ(t[0].conf->acme_ca, "https://ca.test/dir");
    CHECK_STR_EQ(t[0].conf->acme_ca_root, "/r.pem");
    CHECK(t[0].conf->acme_no_http01 && !t[0].conf->acme_no_tlsalpn01);
    route_plan_release(p);
}

int main(void)
{
    RUN(test_certificate_sources);
    RUN(test_redirects);
    RUN(test_tls_directive_turns_addresses);
    RUN(test_errors);
    RUN(test_options);
    RUN(test_acme_settings);
    return testing_done();
}
