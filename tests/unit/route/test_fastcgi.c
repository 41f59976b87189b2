/* transport fastcgi and php_fastcgi at load: the options, the expansion's
 * shape where it shows (a PHP request without a host transport is the
 * FastCGI 502, a directory without its slash the canonical redirect), and
 * the errors, each at its file:line:col. */
#define TEST_SUITE "route/fastcgi"
#include "testing.h"

#include "fake_host.h"

static cfg_error_t err;

static bool loads(const char *text)
{
    route_plan_t *p = route_plan_load_text(text, strlen(text), "test.caddy", &err);
    if (!p) printf("# %s:%d:%d: %s\n", err.file, err.line, err.col, err.message);
    route_plan_release(p);
    return p != NULL;
}

/* Refused at line:col with needle in the message. */
static bool refused(const char *text, int line, int col, const char *needle)
{
    route_plan_t *p = route_plan_load_text(text, strlen(text), "test.caddy", &err);
    route_plan_release(p);
    if (p) return false;
    bool ok = err.line == line && err.col == col && strstr(err.message, needle);
    if (!ok) printf("# %d:%d: %s\n", err.line, err.col, err.message);
    return ok;
}

static void test_transport_options(void)
{
    CHECK(loads(":8080 {\n\treverse_proxy 127.0.0.1:9000 {\n\t\ttransport fastcgi {\n\t\t\troot /srv/app\n"
                "\t\t\tsplit .php .PHTML\n\t\t\tenv APP_ENV prod\n\t\t\tenv HOST {host}\n\t\t\tresolve_root_symlink\n"
                "\t\t\tdial_timeout 1s\n\t\t\tread_timeout 30s\n\t\t\twrite_timeout 30\n\t\t\tcapture_stderr\n"
                "\t\t\tkeepalive 10s\n\t\t}\n\t}\n}\n"));
    CHECK(loads(":8080 {\n\treverse_proxy unix//run/php/php-fpm.sock {\n\t\ttransport fastcgi\n\t}\n}\n"));
    CHECK(refused(":8080 {\n\treverse_proxy 127.0.0.1:9000 {\n\t\ttransport fastcgi {\n\t\t\tsplitt .php\n\t\t}\n\t}\n}\n",
                  4, 4, "did you mean 'split'"));
    CHECK(refused(":8080 {\n\treverse_proxy 127.0.0.1:9000 {\n\t\ttransport fastcgi {\n\t\t\tsplit\n\t\t}\n\t}\n}\n",
                  4, 4, "split"));
    CHECK(refused(":8080 {\n\treverse_proxy 127.0.0.1:9000 {\n\t\ttransport fastcgi {\n\t\t\tsplit .p\xc3\xa9\n\t\t}\n\t}\n}\n",
                  4, 10, "not ASCII"));
    CHECK(refused(":8080 {\n\treverse_proxy 127.0.0.1:9000 {\n\t\ttransport fastcgi {\n\t\t\tenv ONLY\n\t\t}\n\t}\n}\n",
                  4, 8, "env"));
    CHECK(refused(":8080 {\n\treverse_proxy 127.0.0.1:9000 {\n\t\ttransport fastcgi {\n\t\t\tread_timeout soon\n\t\t}\n\t}\n}\n",
                  4, 17, "expected a duration"));
    CHECK(refused(":8080 {\n\treverse_proxy 127.0.0.1:9000 {\n\t\ttransport gopher\n\t}\n}\n", 3, 13,
                  "expected http or fastcgi"));
    CHECK(refused(":8080 {\n\treverse_proxy https://127.0.0.1:9000 {\n\t\ttransport fastcgi\n\t}\n}\n", 2, 2,
                  "in the clear"));
}

static void test_php_fastcgi_config(void)
{
    CHECK(loads(":8080 {\n\troot * /srv\n\tphp_fastcgi 127.0.0.1:9000\n\tfile_server\n}\n"));
    CHECK(loads(":8080 {\n\tphp_fastcgi /app/* 127.0.0.1:9000 127.0.0.1:9001 {\n\t\tindex main.php\n"
                "\t\ttry_files {path} /main.php\n\t\tsplit .php .php5\n\t\tenv A b\n\t\troot /srv\n"
                "\t\tlb_policy first\n\t\tcapture_stderr\n\t\tread_timeout 5s\n\t\theader_up X-A b\n\t}\n}\n"));
    CHECK(loads(":8080 {\n\tphp_fastcgi {\n\t\tto 127.0.0.1:9000\n\t\tindex off\n\t}\n}\n"));
    CHECK(refused(":8080 {\n\tphp_fastcgi\n}\n", 2, 2, "expected the address of a FastCGI server"));
    CHECK(refused(":8080 {\n\tphp_fastcgi 127.0.0.1:9000 {\n\t\tindex a.php b.php\n\t}\n}\n", 3, 3,
                  "index takes one file name, or off"));
    CHECK(refused(":8080 {\n\tphp_fastcgi 127.0.0.1:9000 {\n\t\ttry_files\n\t}\n}\n", 3, 3, "try_files needs"));
    CHECK(refused(":8080 {\n\tphp_fastcgi 127.0.0.1:9000 {\n\t\tsplit\n\t}\n}\n", 3, 3, "split needs"));
    CHECK(refused(":8080 {\n\tphp_fastcgi 127.0.0.1:9000 {\n\t\ttransport http\n\t}\n}\n", 3, 3,
                  "the transport is php_fastcgi's own"));
    /* A reverse_proxy option that is wrong is reverse_proxy's error, at its own place. */
    CHECK(refused(":8080 {\n\tphp_fastcgi 127.0.0.1:9000 {\n\t\tlb_policy sometimes\n\t}\n}\n", 3, 13, "lb_policy"));
}

static void test_expansion_on_a_host_without_fastcgi(void)
{
    /* The unit tests' host registers no transport: a PHP request reaches
     * reverse_proxy and gets its 502; a request for a file that is not
     * PHP falls through to what follows. */
    route_plan_t *p = plan_from(":8080 {\n\troute {\n\t\tphp_fastcgi 127.0.0.1:9000 {\n\t\t\tindex off\n\t\t}\n"
                                "\t\trespond \"after\"\n\t}\n}\n");
    CHECK(p != NULL);
    if (!p) return;
    fake_t *f = fake_run(p, "GET", "/index.php", "localhost:8080", NULL);
    CHECK_INT_EQ(f->status, 502);
    fake_free(f);
    f = fake_run(p, "GET", "/style.css", "localhost:8080", NULL);
    CHECK_INT_EQ(f->status, 200);
    CHECK_STR_EQ(f->body, "after");
    fake_free(f);
    route_plan_release(p);
}

int main(void)
{
    RUN(test_transport_options);
    RUN(test_php_fastcgi_config);
    RUN(test_expansion_on_a_host_without_fastcgi);
    return testing_done();
}
