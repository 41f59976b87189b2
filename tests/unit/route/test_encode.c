/* encode's response heads: HEAD like GET, Vary on answers it did not
 * compress, Vary merged into an existing field. A fake "gzip" codec that
 * copies its input stands in for zlib. */
#define TEST_SUITE "route/encode"
#include "testing.h"

#include "fake_host.h"
#include "route/codec.h"

static int copy_stream;   /* any non-NULL stream */

static void *copy_open(int level)
{
    (void)level;
    return &copy_stream;
}

static int copy_write(void *stream, const void *data, size_t len, bool finish,
                      route_codec_emit_cb emit, void *ud)
{
    (void)stream;
    (void)finish;
    return emit(ud, data, len);
}

static void copy_close(void *stream)
{
    (void)stream;
}

static const route_codec_t copy_codec = { .name = "gzip", .default_level = 1, .min_level = 1,
                                          .max_level = 9, .open = copy_open, .write = copy_write,
                                          .close = copy_close };

#define LONG_BODY "0123456789012345678901234567890123456789"

static const char *const site =
    ":8080 {\n"
    " encode gzip {\n  minimum_length 20\n }\n"
    " header /origin/* Vary Origin\n"
    " header /star/* Vary *\n"
    " header /lower/* Vary accept-encoding\n"
    " respond /short \"tiny\"\n"
    " respond /not-modified 304\n"
    " respond /bin \"" LONG_BODY "\"\n"
    " header /bin Content-Type application/octet-stream\n"
    " respond \"" LONG_BODY "\"\n"
    "}\n";

static size_t count_headers(fake_t *f, const char *name)
{
    size_t n = 0;
    for (uint32_t i = 0; i < f->headers.count; i++)
        n += ifr_str_eq_nocase(f->headers.items[i].name, ifr_cstr(name));
    return n;
}

static fake_t *run(route_plan_t *p, const char *method, const char *target, bool accepts_gzip)
{
    static const char *const gzip[] = { "Accept-Encoding: gzip", NULL };
    return fake_run(p, method, target, "localhost:8080", accepts_gzip ? gzip : NULL);
}

static void test_head_like_get(void)
{
    route_plan_t *p = plan_from(site);
    CHECK(p != NULL);
    if (!p) return;
    fake_t *get = run(p, "GET", "/page", true);
    CHECK_STR_EQ(fake_header(get, "Content-Encoding"), "gzip");
    CHECK_STR_EQ(fake_header(get, "Vary"), "Accept-Encoding");
    CHECK_STR_EQ(get->body, LONG_BODY);
    fake_t *head = run(p, "HEAD", "/page", true);
    CHECK_INT_EQ(head->status, 200);
    CHECK_STR_EQ(fake_header(head, "Content-Encoding"), "gzip");
    CHECK_STR_EQ(fake_header(head, "Vary"), "Accept-Encoding");
    CHECK_STR_EQ(fake_header(head, "Content-Length"), "");
    CHECK(head->x.resp.content_length == -1);   /* the GET's length is not known either */
    fake_free(get);
    fake_free(head);
    /* too short for minimum_length: the same for HEAD as for GET */
    head = run(p, "HEAD", "/short", true);
    CHECK_STR_EQ(fake_header(head, "Content-Encoding"), "");
    CHECK_INT_EQ(count_headers(head, "Vary"), 0);
    CHECK(head->x.resp.content_length == 4);
    fake_free(head);
    route_plan_release(p);
}

/* As Caddy: Vary only on what is compressed, and on a 304 to a client
 * that accepts one of the formats. */
static void test_vary_only_when_compressing(void)
{
    route_plan_t *p = plan_from(site);
    CHECK(p != NULL);
    if (!p) return;
    fake_t *f = run(p, "GET", "/page", false);   /* the client accepts no coding of ours */
    CHECK_STR_EQ(fake_header(f, "Content-Encoding"), "");
    CHECK_INT_EQ(count_headers(f, "Vary"), 0);
    CHECK_STR_EQ(f->body, LONG_BODY);
    fake_free(f);
    f = run(p, "GET", "/short", true);
    CHECK_STR_EQ(fake_header(f, "Content-Encoding"), "");
    CHECK_INT_EQ(count_headers(f, "Vary"), 0);
    fake_free(f);
    f = run(p, "GET", "/not-modified", true);
    CHECK_INT_EQ(f->status, 304);
    CHECK_STR_EQ(fake_header(f, "Vary"), "Accept-Encoding");
    fake_free(f);
    f = run(p, "GET", "/not-modified", false);
    CHECK_INT_EQ(f->status, 304);
    CHECK_INT_EQ(count_headers(f, "Vary"), 0);
    fake_free(f);
    /* a type that is never compressed does not vary */
    f = run(p, "GET", "/bin", true);
    CHECK_STR_EQ(fake_header(f, "Content-Encoding"), "");
    CHECK_INT_EQ(count_headers(f, "Vary"), 0);
    fake_free(f);
    route_plan_release(p);
}

static void test_vary_merged(void)
{
    route_plan_t *p = plan_from(site);
    CHECK(p != NULL);
    if (!p) return;
    fake_t *f = run(p, "GET", "/origin/x", true);
    CHECK_STR_EQ(fake_header(f, "Content-Encoding"), "gzip");
    CHECK_STR_EQ(fake_header(f, "Vary"), "Origin, Accept-Encoding");
    CHECK_INT_EQ(count_headers(f, "Vary"), 1);
    fake_free(f);
    f = run(p, "HEAD", "/origin/x", true);
    CHECK_STR_EQ(fake_header(f, "Vary"), "Origin, Accept-Encoding");
    CHECK_INT_EQ(count_headers(f, "Vary"), 1);
    fake_free(f);
    f = run(p, "GET", "/star/x", true);
    CHECK_STR_EQ(fake_header(f, "Vary"), "*");
    fake_free(f);
    f = run(p, "GET", "/lower/x", true);
    CHECK_STR_EQ(fake_header(f, "Vary"), "accept-encoding");
    CHECK_INT_EQ(count_headers(f, "Vary"), 1);
    fake_free(f);
    route_plan_release(p);
}

int main(void)
{
    route_codec_register(&copy_codec);
    RUN(test_head_like_get);
    RUN(test_vary_only_when_compressing);
    RUN(test_vary_merged);
    return testing_done();
}
