#define TEST_SUITE "base"
#include "testing.h"

#include <stdlib.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"

static int cleanup_runs;
static void count_cleanup(void *p) { (void)p; cleanup_runs++; }

static void test_arena_alloc_and_reset(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 256);
    char *s = ifr_arena_strndup(&a, "hello", 5);
    CHECK_STR_EQ(s, "hello");
    void *big = ifr_arena_alloc(&a, 10000);
    CHECK(big != NULL);
    memset(big, 1, 10000);
    CHECK(ifr_arena_on_cleanup(&a, count_cleanup, NULL) == 0);
    char *f = ifr_arena_printf(&a, "%d-%s", 42, "x");
    CHECK_STR_EQ(f, "42-x");
    ifr_arena_reset(&a);
    CHECK_INT_EQ(cleanup_runs, 1);
    CHECK_INT_EQ(a.used, 0);
    ifr_arena_destroy(&a);
    CHECK_INT_EQ(cleanup_runs, 1);
}

static void test_arena_cap(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    a.cap = 64;
    CHECK(ifr_arena_alloc(&a, 32) != NULL);
    CHECK(ifr_arena_alloc(&a, 48) == NULL);
    CHECK(ifr_arena_alloc(&a, (size_t)-1) == NULL);
    ifr_arena_destroy(&a);
}

static void test_buf(void)
{
    ifr_buf_t b = IFR_BUF_INIT;
    CHECK(ifr_buf_append_cstr(&b, "abc") == 0);
    CHECK(ifr_buf_printf(&b, "%05d", 7) == 0);
    CHECK_MEM_EQ(b.data, b.len, "abc00007");
    ifr_buf_consume(&b, 3);
    CHECK_MEM_EQ(b.data, b.len, "00007");
    b.limit = 8;
    CHECK(ifr_buf_append_cstr(&b, "toolong") < 0);
    CHECK_MEM_EQ(b.data, b.len, "00007");
    ifr_buf_free(&b);
}

static void test_json_escape(void)
{
    ifr_buf_t b = IFR_BUF_INIT;
    CHECK(ifr_json_append_string(&b, IFR_LIT("a\"b\\c\n\x01\xff\xc3\xa9")) == 0);
    CHECK_MEM_EQ(b.data, b.len, "\"a\\\"b\\\\c\\n\\u0001\\u00ff\xc3\xa9\"");
    char out[8];
    size_t n = ifr_json_escape_to(out, sizeof out, IFR_LIT("abcdefgh"));
    CHECK_MEM_EQ(out, n, "\"abcdef\"");
    ifr_buf_free(&b);
}

int main(void)
{
    RUN(test_arena_alloc_and_reset);
    RUN(test_arena_cap);
    RUN(test_buf);
    RUN(test_json_escape);
    return testing_done();
}
