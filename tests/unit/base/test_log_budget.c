/* The per-guest log budget (issue 14 item 8) and messages with NUL bytes. */
#define TEST_SUITE "base/log_budget"
#include "testing.h"

#include "base/log.h"
#include "base/log_budget.h"

static int64_t fake_now;
static int64_t fake_clock(void) { return fake_now; }

static void test_budget_windows(void)
{
    ifr_log_budget_t b = { 0 };
    uint64_t report;
    fake_now = 100;
    int let = 0;
    for (int k = 0; k < 10; k++) let += ifr_log_budget_take(&b, 300, 100, &report) && report == 0;
    CHECK_INT_EQ(let, 3);                       /* 300 bytes a second: three lines of 100 */
    fake_now = 101;                             /* next second: the 7 dropped are reported once */
    CHECK(ifr_log_budget_take(&b, 300, 100, &report));
    CHECK_INT_EQ(report, 7);
    CHECK(ifr_log_budget_take(&b, 300, 100, &report));
    CHECK_INT_EQ(report, 0);
    fake_now = 102;                             /* nothing dropped: nothing to report */
    CHECK(ifr_log_budget_take(&b, 300, 300, &report));
    CHECK_INT_EQ(report, 0);
    CHECK(!ifr_log_budget_take(&b, 300, 1, &report));
}

static char last[512];
static void capture(ifr_log_level_t level, const char *line, size_t len, void *ud)
{
    (void)level;
    (void)ud;
    snprintf(last, sizeof last, "%.*s", (int)len, line);
}

static void test_msg_keeps_nul(void)
{
    ifr_log_set_sink(capture, NULL);
    ifr_log_msg(IFR_LOG_INFO, "t", ifr_str("a\0b", 3));
    ifr_log_set_sink(NULL, NULL);
    CHECK(strstr(last, "\"msg\":\"a\\u0000b\"") != NULL);
}

int main(void)
{
    ifr_log_budget_clock = fake_clock;
    RUN(test_budget_windows);
    RUN(test_msg_keeps_nul);
    return testing_done();
}
