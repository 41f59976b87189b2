/* src/acme: backoff, poll waits and the renewal time, as pure functions. */
#define TEST_SUITE "acme/schedule"
#include "testing.h"

#include "acme/schedule.h"

static void test_backoff_doubles_to_the_cap(void)
{
    CHECK_INT_EQ(acme_backoff_ms(1, 1000, 60000), 1000);
    CHECK_INT_EQ(acme_backoff_ms(2, 1000, 60000), 2000);
    CHECK_INT_EQ(acme_backoff_ms(3, 1000, 60000), 4000);
    CHECK_INT_EQ(acme_backoff_ms(6, 1000, 60000), 32000);
    CHECK_INT_EQ(acme_backoff_ms(7, 1000, 60000), 60000);
    CHECK_INT_EQ(acme_backoff_ms(1000, 1000, 60000), 60000); /* no overflow */
    CHECK_INT_EQ(acme_backoff_ms(1, 90000, 60000), 60000);
}

static void test_poll_wait(void)
{
    CHECK_INT_EQ(acme_poll_wait_ms(-1, 1000, 60000), 1000);   /* no Retry-After */
    CHECK_INT_EQ(acme_poll_wait_ms(3, 1000, 60000), 3000);
    CHECK_INT_EQ(acme_poll_wait_ms(0, 1000, 60000), 0);
    CHECK_INT_EQ(acme_poll_wait_ms(86400, 1000, 60000), 60000); /* capped */
    CHECK_INT_EQ(acme_poll_wait_ms(9223372036854775807L, 1000, 60000), 60000);
}

static void test_renew_at_a_third_left(void)
{
    /* 90 days from 0: renew with 30 days left, at day 60. */
    CHECK_INT_EQ(acme_renew_at(0, 90 * 86400, 1.0 / 3), 60 * 86400);
    CHECK_INT_EQ(acme_renew_at(1000, 1000 + 3000, 1.0 / 3), 1000 + 2000);
    CHECK_INT_EQ(acme_renew_at(0, 100, 0.5), 50);
    /* A ratio outside (0, 1) is Caddy's default, a third. */
    CHECK_INT_EQ(acme_renew_at(0, 300, 0), 200);
    CHECK_INT_EQ(acme_renew_at(0, 300, 1.5), 200);
    /* A certificate that ends before it starts is due at once. */
    CHECK_INT_EQ(acme_renew_at(500, 100, 1.0 / 3), 500);
}

int main(void)
{
    RUN(test_backoff_doubles_to_the_cap);
    RUN(test_poll_wait);
    RUN(test_renew_at_a_third_left);
    return testing_done();
}
