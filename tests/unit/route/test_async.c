/* The contracts other directives build on: a handler that answers later
 * (ROUTE_ASYNC) then lets the remaining routes run (route_resume), errors
 * after waiting, output filters wrapping a response, and a host without
 * send_file (the edge) still serving files. */
#define TEST_SUITE "route/async"
#include "testing.h"

#include <fcntl.h>

#include "fake_host.h"
#include "route/chain.h"
#include "route/filter.h"
#include "route/response.h"

static int waits;   /* how many times the waiting handler ran */

static route_result_t wait_handle(route_exchange_t *x, const void *conf)
{
    (void)x; (void)conf;
    waits++;
    return ROUTE_ASYNC;
}

static route_result_t hello_handle(route_exchange_t *x, const void *conf)
{
    return route_send_simple(x, 200, ifr_cstr(conf));
}

static route_result_t fail_handle(route_exchange_t *x, const void *conf)
{
    (void)conf;
    return route_fail(x, 502, "upstream gone");
}

static const route_directive_t wait_dir = { .name = "wait", .handle = wait_handle };
static const route_directive_t hello_dir = { .name = "hello", .handle = hello_handle };
static const route_directive_t fail_dir = { .name = "fail", .handle = fail_handle };

/* A fresh exchange on the fake host (no plan: routes are given directly). */
static fake_t *start(const route_io_t *io)
{
    fake_t *f = calloc(1, sizeof(*f));
    ifr_arena_init(&f->arena, 0);
    f->req.method = IFR_LIT("GET");
    f->req.target = f->req.path = IFR_LIT("/x");
    f->req.version_major = f->req.version_minor = 1;
    f->conn.remote_ip = IFR_LIT("127.0.0.1");
    f->x = (route_exchange_t){ .arena = &f->arena, .req = &f->req, .conn = &f->conn, .io = io, .io_ctx = f };
    f->x.resp.content_length = -1;
    route_filter_install(&f->x);
    return f;
}

static void test_resume_runs_the_rest(void)
{
    route_entry_t items[] = { { &wait_dir, NULL, NULL, 0 }, { &hello_dir, NULL, "after wait", 0 } };
    route_list_t list = { items, 2 };
    fake_t *f = start(&fake_io);
    waits = 0;
    CHECK_INT_EQ(route_chain_start(&f->x, &list), ROUTE_ASYNC);
    CHECK_INT_EQ(waits, 1);
    CHECK(!f->x.head_sent);
    CHECK_INT_EQ(route_resume(&f->x, ROUTE_NEXT), ROUTE_DONE);
    CHECK_INT_EQ(waits, 1);                 /* the waiting handler is not run again */
    CHECK_INT_EQ(f->status, 200);
    CHECK_MEM_EQ(f->body, f->body_len, "after wait");
    fake_free(f);
}

static void test_resume_with_error(void)
{
    route_entry_t items[] = { { &wait_dir, NULL, NULL, 0 }, { &fail_dir, NULL, NULL, 0 } };
    route_list_t list = { items, 2 };
    fake_t *f = start(&fake_io);
    CHECK_INT_EQ(route_chain_start(&f->x, &list), ROUTE_ASYNC);
    f->x.error_status = 504;
    CHECK_INT_EQ(route_resume(&f->x, ROUTE_ERROR), ROUTE_DONE);   /* no error routes: bare status */
    CHECK_INT_EQ(f->status, 504);
    fake_free(f);
    /* Nothing after the waiting handler answers: Caddy's empty 200. */
    route_entry_t one[] = { { &wait_dir, NULL, NULL, 0 } };
    route_list_t l1 = { one, 1 };
    f = start(&fake_io);
    CHECK_INT_EQ(route_chain_start(&f->x, &l1), ROUTE_ASYNC);
    CHECK_INT_EQ(route_resume(&f->x, ROUTE_NEXT), ROUTE_DONE);
    CHECK_INT_EQ(f->status, 200);
    CHECK(f->ended);
    fake_free(f);
}

/* A filter that upper-cases bodies and tags the head. */
static int upper_head(route_exchange_t *x, route_filter_t *f)
{
    http_headers_add(&x->resp.headers, x->arena, IFR_LIT("X-Filtered"), IFR_LIT("1"));
    x->resp.content_length = -1;
    return route_filter_head(x, f->next);
}

static int upper_body(route_exchange_t *x, route_filter_t *f, const void *data, size_t len, bool last)
{
    char *b = ifr_arena_alloc(x->arena, len + 1);
    for (size_t i = 0; i < len; i++) {
        char c = ((const char *)data)[i];
        b[i] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
    }
    return route_filter_body(x, f->next, b, len, last);
}

static const route_filter_ops_t upper_ops = { .name = "upper", .on_head = upper_head, .on_body = upper_body };

static route_result_t push_upper(route_exchange_t *x, const void *conf)
{
    (void)conf;
    return route_filter_push(x, &upper_ops, NULL) == 0 ? ROUTE_NEXT : ROUTE_ERROR;
}

static route_result_t file_handle(route_exchange_t *x, const void *conf)
{
    int fd = open(conf, O_RDONLY);
    if (fd < 0) return route_fail(x, 404, "no file");
    x->resp.status = 200;
    x->resp.content_length = 11;
    x->io->send_head(x);
    x->io->send_file(x, fd, 2, 5, true);
    return ROUTE_DONE;
}

static const route_directive_t upper_dir = { .name = "upper", .handle = push_upper };
static const route_directive_t file_dir = { .name = "file", .handle = file_handle };

static void test_filters_and_files_without_send_file(void)
{
    char path[] = "/tmp/ifrit-async-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, "hello world", 11) == 11);
    close(fd);
    static const route_io_t edge_io = { .send_head = fake_send_head, .send_body = fake_send_body,
                                        .read_body = fake_read_body };   /* no send_file */
    route_entry_t items[] = { { &file_dir, NULL, path, 0 } };
    route_list_t list = { items, 1 };
    fake_t *f = start(&edge_io);
    CHECK_INT_EQ(route_chain_start(&f->x, &list), ROUTE_DONE);
    CHECK_MEM_EQ(f->body, f->body_len, "llo w");
    CHECK(f->ended);
    fake_free(f);

    route_entry_t up[] = { { &upper_dir, NULL, NULL, 0 }, { &file_dir, NULL, path, 0 } };
    route_list_t l2 = { up, 2 };
    f = start(&fake_io);
    CHECK_INT_EQ(route_chain_start(&f->x, &l2), ROUTE_DONE);
    CHECK_MEM_EQ(f->body, f->body_len, "LLO W");   /* the file went through the filter */
    CHECK_STR_EQ(fake_header(f, "X-Filtered"), "1");
    CHECK_INT_EQ(route_filter_bytes_sent(&f->x), 5);
    fake_free(f);
    unlink(path);
}

int main(void)
{
    RUN(test_resume_runs_the_rest);
    RUN(test_resume_with_error);
    RUN(test_filters_and_files_without_send_file);
    return testing_done();
}
