/* The rate limit's token buckets (fn_traffic.c): a burst, then one
 * request per 1/rate seconds; clients apart; Gojinn's default burst; many
 * clients at once keep the table bounded. Time is given, not read. */
#define TEST_SUITE "fn/traffic"
#include "testing.h"

#include <stdio.h>

#include "fn/fn_traffic.h"

#define SEC 1000000000LL

static void test_burst_then_rate(void)
{
    fn_traffic_config_t t = { .rate = 2, .burst = 3 };
    fn_traffic_t *tr = fn_traffic_new(&t);
    CHECK(tr != NULL);
    int64_t now = 10 * SEC;
    for (int i = 0; i < 3; i++) CHECK(fn_traffic_take(tr, &t, IFR_LIT("a"), now));
    CHECK(!fn_traffic_take(tr, &t, IFR_LIT("a"), now));
    CHECK(fn_traffic_take(tr, &t, IFR_LIT("b"), now));           /* another client has its own bucket */
    CHECK(!fn_traffic_take(tr, &t, IFR_LIT("a"), now + SEC / 4));  /* half a token */
    CHECK(fn_traffic_take(tr, &t, IFR_LIT("a"), now + SEC / 2));   /* one token after 1/rate */
    CHECK(!fn_traffic_take(tr, &t, IFR_LIT("a"), now + SEC / 2));
    /* A long pause refills to the burst, not beyond. */
    int ok = 0;
    for (int i = 0; i < 10; i++) ok += fn_traffic_take(tr, &t, IFR_LIT("a"), now + 100 * SEC);
    CHECK_INT_EQ(ok, 3);
    fn_traffic_free(tr);
}

static void test_default_burst_and_no_limit(void)
{
    fn_traffic_config_t t = { .rate = 5 };   /* Gojinn: burst = the rate */
    fn_traffic_t *tr = fn_traffic_new(&t);
    int ok = 0;
    for (int i = 0; i < 20; i++) ok += fn_traffic_take(tr, &t, IFR_LIT("k"), SEC);
    CHECK_INT_EQ(ok, 5);
    fn_traffic_free(tr);
    fn_traffic_config_t slow = { .rate = 0.5 };   /* under 1/s: a burst of 1 */
    tr = fn_traffic_new(&slow);
    CHECK(fn_traffic_take(tr, &slow, IFR_LIT("k"), SEC) && !fn_traffic_take(tr, &slow, IFR_LIT("k"), SEC));
    CHECK(fn_traffic_take(tr, &slow, IFR_LIT("k"), 3 * SEC));
    fn_traffic_free(tr);
    fn_traffic_config_t none = { 0 };
    CHECK(fn_traffic_new(&none) == NULL);
    CHECK(fn_traffic_take(NULL, &none, IFR_LIT("k"), SEC));   /* no limit */
}

static void test_many_clients(void)
{
    fn_traffic_config_t t = { .rate = 1, .burst = 1 };
    fn_traffic_t *tr = fn_traffic_new(&t);
    char key[32];
    int ok = 0;
    for (int i = 0; i < 5 * (int)FN_TRAFFIC_CLIENTS; i++) {
        int n = snprintf(key, sizeof key, "10.0.%d.%d", i / 256, i % 256);
        ok += fn_traffic_take(tr, &t, ifr_str(key, (size_t)n), SEC + i);
    }
    CHECK_INT_EQ(ok, 5 * (int)FN_TRAFFIC_CLIENTS);   /* each new client starts with its burst */
    /* The most recent client is still tracked: its second request waits. */
    CHECK(!fn_traffic_take(tr, &t, ifr_str(key, strlen(key)), SEC + 5 * FN_TRAFFIC_CLIENTS));
    fn_traffic_free(tr);
}

int main(void)
{
    RUN(test_burst_then_rate);
    RUN(test_default_burst_and_no_limit);
    RUN(test_many_clients);
    return testing_done();
}
