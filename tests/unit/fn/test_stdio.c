/* The guest's stderr as log lines: split at newlines across writes, long
 * lines cut at FN_LOG_LINE_MAX, a last line without newline flushed, and
 * the per-request cap on what is logged. */
#define TEST_SUITE "fn/stdio"
#include "testing.h"

#include <stdlib.h>

#include "base/log.h"
#include "fn/fn_call.h"

static char lines[64][FN_LOG_LINE_MAX + 256];
static int nlines, all_lines;
static bool saw_drop;

static void capture(ifr_log_level_t level, const char *line, size_t len, void *ud)
{
    (void)level;
    (void)ud;
    all_lines++;
    if (memmem(line, len, "the rest is dropped", 19)) saw_drop = true;
    if (nlines < 64) snprintf(lines[nlines++], sizeof lines[0], "%.*s", (int)len, line);
}

static fn_function_t fn;
static route_exchange_t x;

static fn_call_t new_call(void)
{
    nlines = all_lines = 0;
    saw_drop = false;
    snprintf(fn.logger, sizeof fn.logger, "fn:t.wasm");
    x.id = 7;
    return (fn_call_t){ .x = &x, .f = &fn };
}

static void test_lines_across_writes(void)
{
    fn_call_t c = new_call();
    CHECK_INT_EQ(fn_stderr_sink(&c, "one\ntw", 6), 0);
    CHECK_INT_EQ(fn_stderr_sink(&c, "o\nthree", 7), 0);
    CHECK_INT_EQ(nlines, 2);
    fn_stderr_flush(&c);
    CHECK_INT_EQ(nlines, 3);
    CHECK(strstr(lines[0], "\"logger\":\"fn:t.wasm\"") && strstr(lines[0], "request 7: one\""));
    CHECK(strstr(lines[1], "request 7: two\""));
    CHECK(strstr(lines[2], "request 7: three\""));
    fn_call_release(&c);
}

static void test_long_line_is_cut(void)
{
    fn_call_t c = new_call();
    size_t n = FN_LOG_LINE_MAX + 100;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\n';
    CHECK_INT_EQ(fn_stderr_sink(&c, big, n + 1), 0);
    CHECK_INT_EQ(nlines, 2);   /* FN_LOG_LINE_MAX bytes, then the other 100 */
    CHECK(strstr(lines[1], "request 7: aaaa") != NULL);
    free(big);
    fn_call_release(&c);
}

static void test_total_is_capped(void)
{
    fn_call_t c = new_call();
    static char chunk[FN_LOG_LINE_MAX];
    memset(chunk, 'b', sizeof chunk - 1);
    chunk[sizeof chunk - 1] = '\n';
    for (unsigned i = 0; i < FN_LOG_TOTAL_MAX / (sizeof chunk - 1) + 10; i++) fn_stderr_sink(&c, chunk, sizeof chunk);
    /* Lines stop once the cap is reached, with one warning saying so. */
    CHECK(saw_drop);
    CHECK_INT_EQ(all_lines, (FN_LOG_TOTAL_MAX + sizeof chunk - 2) / (sizeof chunk - 1) + 1);
    CHECK(c.err_total <= FN_LOG_TOTAL_MAX + FN_LOG_LINE_MAX);
    fn_call_release(&c);
}

int main(void)
{
    ifr_log_set_sink(capture, NULL);
    RUN(test_lines_across_writes);
    RUN(test_long_line_is_cut);
    RUN(test_total_is_capped);
    ifr_log_set_sink(NULL, NULL);
    return testing_done();
}
