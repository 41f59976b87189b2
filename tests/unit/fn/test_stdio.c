/* The guest's stderr as log lines: split at newlines across writes, long
 * lines cut at FN_LOG_LINE_MAX, a last line without newline flushed, the
 * per-request cap on what is logged, the function's budget a second across
 * requests, and NUL bytes kept (issue 14 item 8). */
#define TEST_SUITE "fn/stdio"
#include "testing.h"

#include <stdlib.h>

#include "base/log.h"
#include "base/log_budget.h"
#include "fn/fn_call.h"

static char lines[64][FN_LOG_LINE_MAX + 256];
static int nlines, all_lines;
static bool saw_drop;
static int64_t fake_now;
static bool ticking;   /* every look at the clock is a new second */
static int64_t fake_clock(void) { return ticking ? ++fake_now : fake_now; }

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
    ticking = true;   /* the per-request cap, not the budget a second */
    static char chunk[FN_LOG_LINE_MAX];
    memset(chunk, 'b', sizeof chunk - 1);
    chunk[sizeof chunk - 1] = '\n';
    for (unsigned i = 0; i < FN_LOG_TOTAL_MAX / (sizeof chunk - 1) + 10; i++) fn_stderr_sink(&c, chunk, sizeof chunk);
    /* Lines stop once the cap is reached, with one warning saying so. */
    CHECK(saw_drop);
    CHECK_INT_EQ(all_lines, (FN_LOG_TOTAL_MAX + sizeof chunk - 2) / (sizeof chunk - 1) + 1);
    CHECK(c.err_total <= FN_LOG_TOTAL_MAX + FN_LOG_LINE_MAX);
    ticking = false;
    fn_call_release(&c);
}

/* Many requests of one function share its budget: within one second at
 * most IFR_LOG_GUEST_RATE bytes get through, then one line says how many
 * were dropped. */
static void test_budget_across_requests(void)
{
    fn = (fn_function_t){ 0 };
    fn_call_t c = new_call();   /* sets the logger, zeroes the counts */
    static char chunk[1025];
    memset(chunk, 'c', sizeof chunk - 1);
    chunk[sizeof chunk - 1] = '\n';
    fake_now = 1000;
    int calls = 8, per_call = (int)(IFR_LOG_GUEST_RATE / 1024) / 2;   /* 4x the rate in all */
    for (int k = 0; k < calls; k++) {
        fn_call_t r = { .x = &x, .f = &fn };   /* another request; the counts go on */
        for (int i = 0; i < per_call; i++) CHECK_INT_EQ(fn_stderr_sink(&r, chunk, sizeof chunk), 0);
        fn_call_release(&r);
    }
    /* fewer than the rate in lines got through in all (each line carries a prefix too) */
    CHECK(all_lines <= (int)(IFR_LOG_GUEST_RATE / 1024));
    CHECK(all_lines >= (int)(IFR_LOG_GUEST_RATE / 1024) / 2);
    int before = all_lines;
    fake_now++;
    nlines = 0;
    CHECK_INT_EQ(fn_stderr_sink(&c, "next\n", 5), 0);
    CHECK_INT_EQ(all_lines, before + 2);
    char want[64];
    snprintf(want, sizeof want, "%d lines of stderr dropped", calls * per_call - before);
    CHECK(strstr(lines[0], want) != NULL);
    CHECK(strstr(lines[1], "request 7: next") != NULL);
    fn_call_release(&c);
}

static void test_nul_is_escaped(void)
{
    fake_now += 10;
    fn_call_t c = new_call();
    CHECK_INT_EQ(fn_stderr_sink(&c, "a\0b\n", 4), 0);
    CHECK_INT_EQ(nlines, 1);
    CHECK(strstr(lines[0], "request 7: a\\u0000b\"") != NULL);
    fn_call_release(&c);
}

int main(void)
{
    ifr_log_set_sink(capture, NULL);
    ifr_log_budget_clock = fake_clock;
    RUN(test_lines_across_writes);
    RUN(test_long_line_is_cut);
    RUN(test_total_is_capped);
    RUN(test_budget_across_requests);
    RUN(test_nul_is_escaped);
    ifr_log_set_sink(NULL, NULL);
    return testing_done();
}
