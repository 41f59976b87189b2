/* Cron schedules (fn/fn_cron.c), in UTC: six fields with seconds and the
 * standard five, names, ranges, steps and lists, the descriptors, the
 * day-of-month / day-of-week rule, the next time across month and year
 * ends, a date that never comes, and the errors. */
#define TEST_SUITE "fn/cron"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fn/fn_cron.h"
#include "testing.h"

/* ms since the epoch of a UTC date. */
static int64_t at(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s };
    return (int64_t)timegm(&tm) * 1000;
}

static int64_t next(const char *spec, int64_t after)
{
    fn_cron_spec_t s;
    char why[200];
    if (fn_cron_parse(ifr_cstr(spec), &s, why, sizeof why) != 0) return -2;
    return fn_cron_next(&s, after);
}

static void test_fields(void)
{
    int64_t t = at(2026, 12, 7, 18, 0, 0);
    CHECK(next("* * * * * *", t) == t + 1000);                       /* every second */
    CHECK(next("*/10 * * * * *", at(2026, 12, 7, 18, 0, 5)) == at(2026, 12, 7, 18, 0, 10));
    CHECK(next("0 * * * * *", t) == at(2026, 12, 7, 18, 1, 0));
    CHECK(next("* * * * *", t) == at(2026, 12, 7, 18, 1, 0));          /* five fields: second 0 */
    CHECK(next("30 2 * * *", t) == at(2026, 12, 8, 2, 30, 0));
    CHECK(next("0 0 9-17/4 * * *", t) == at(2026, 12, 8, 9, 0, 0));
    CHECK(next("0 15,45 18 * * *", t) == at(2026, 12, 7, 18, 15, 0));
    CHECK(next("0 0 0 1 jan *", t) == at(2027, 1, 1, 0, 0, 0));       /* across the year */
    CHECK(next("0 0 0 31 * *", at(2027, 2, 1, 0, 0, 0)) == at(2027, 3, 31, 0, 0, 0));
    CHECK(next("0 0 0 * * MON", t) == at(2026, 12, 14, 0, 0, 0));     /* 2026-12-07 is a Monday */
    CHECK(next("0 0 0 * * 7", t) == at(2026, 12, 13, 0, 0, 0));       /* 7 is Sunday too */
    /* Both day fields restricted: either matches (the 10th, or a Sunday). */
    CHECK(next("0 0 0 10 * sun", t) == at(2026, 12, 10, 0, 0, 0));
    CHECK(next("0 0 0 20 * sun", t) == at(2026, 12, 13, 0, 0, 0));
    /* One of them *: the other decides. */
    CHECK(next("0 0 0 ? * sun", t) == at(2026, 12, 13, 0, 0, 0));
    CHECK(next("0 0 0 30 2 *", t) == -1);                             /* never */
}

static void test_descriptors(void)
{
    int64_t t = at(2026, 12, 7, 18, 20, 0);
    CHECK(next("@hourly", t) == at(2026, 12, 7, 19, 0, 0));
    CHECK(next("@daily", t) == at(2026, 12, 8, 0, 0, 0));
    CHECK(next("@midnight", t) == at(2026, 12, 8, 0, 0, 0));
    CHECK(next("@weekly", t) == at(2026, 12, 13, 0, 0, 0));
    CHECK(next("@monthly", t) == at(2027, 1, 1, 0, 0, 0));
    CHECK(next("@yearly", t) == at(2027, 1, 1, 0, 0, 0));
    fn_cron_spec_t s = { .every_ms = 10000 };
    CHECK(fn_cron_next(&s, t) == t + 10000);
}

static void test_errors(void)
{
    const char *bad[] = { "", "* * * *", "* * * * * * *", "60 * * * * *", "* * 24 * * *", "* * * 0 * *",
                          "* * * * 13 *", "* * * * * 8", "*/0 * * * * *", "5-2 * * * * *", "1,,2 * * * * *",
                          "1, * * * * *", "x * * * * *", "@sometimes", "* * * * foo *" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fn_cron_spec_t s;
        char why[200] = "";
        CHECK(fn_cron_parse(ifr_cstr(bad[i]), &s, why, sizeof why) == -1 && why[0]);
    }
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    RUN(test_fields);
    RUN(test_descriptors);
    RUN(test_errors);
    return testing_done();
}
