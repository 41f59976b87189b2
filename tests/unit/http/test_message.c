/* Header list helpers, reason phrases and the response head writer. */
#include "testing.h"

#include "http/message.h"
#include "http/response_writer.h"

static void test_headers(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    http_headers_t h = { 0 };
    for (int i = 0; i < 20; i++) CHECK_INT_EQ(http_headers_add(&h, &a, IFR_LIT("X-A"), IFR_LIT("1")), 0);
    CHECK_INT_EQ(http_headers_add(&h, &a, IFR_LIT("Y"), IFR_LIT("2")), 0);
    CHECK_INT_EQ(h.count, 21);
    CHECK_INT_EQ(http_headers_set(&h, &a, IFR_LIT("x-a"), IFR_LIT("9")), 0);
    CHECK_INT_EQ(h.count, 2);
    const http_header_t *f = http_headers_get(&h, IFR_LIT("X-A"));
    CHECK(f && ifr_str_eq(f->value, IFR_LIT("9")));
    CHECK(f == &h.items[0]);
    CHECK_INT_EQ(http_headers_remove(&h, IFR_LIT("y")), 1);
    CHECK(http_headers_get(&h, IFR_LIT("Y")) == NULL);
    CHECK_INT_EQ(http_headers_set(&h, &a, IFR_LIT("Z"), IFR_LIT("3")), 0);
    CHECK_INT_EQ(h.count, 2);
    ifr_arena_destroy(&a);
}

static void test_reason(void)
{
    CHECK_STR_EQ(http_status_reason(404), "Not Found");
    CHECK_STR_EQ(http_status_reason(431), "Request Header Fields Too Large");
    CHECK_STR_EQ(http_status_reason(799), "");
}

static void test_writer(void)
{
    ifr_buf_t b = IFR_BUF_INIT;
    CHECK_INT_EQ(http_write_status_line(&b, 200), 0);
    CHECK_INT_EQ(http_write_field(&b, IFR_LIT("Content-Type"), IFR_LIT("text/plain")), 0);
    CHECK_INT_EQ(http_write_field_uint(&b, IFR_LIT("Content-Length"), 1234), 0);
    CHECK_MEM_EQ(b.data, b.len, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1234\r\n");
    size_t before = b.len;
    CHECK_INT_EQ(http_write_field(&b, IFR_LIT("X"), IFR_LIT("a\r\nSet-Cookie: x")), -1);
    CHECK_INT_EQ(http_write_field(&b, IFR_LIT("X Y"), IFR_LIT("a")), -1);
    CHECK_INT_EQ(http_write_status_line(&b, 99), -1);
    CHECK_INT_EQ(b.len, before);
    CHECK(http_is_connection_field(IFR_LIT("Transfer-encoding")));
    CHECK(!http_is_connection_field(IFR_LIT("Content-Type")));
    ifr_buf_free(&b);
}

int main(void)
{
    RUN(test_headers);
    RUN(test_reason);
    RUN(test_writer);
    return testing_done();
}
