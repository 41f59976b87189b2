/* The KV store's locks in memory (server/srv_fnhost_kv_locks.c): taken,
 * held, released, per namespace, expiry (a lock whose TTL ran out is
 * taken again, and releasing it says it was not held), the bound on locks
 * held at once, and threads contending for one lock. */
#define TEST_SUITE "server/fnhost_kv_locks"

#include <pthread.h>
#include <sched.h>

#include "server/srv_fnhost_kv_locks.h"
#include "testing.h"

static void test_take_and_release(void)
{
    srv_kv_locks_t *l = srv_kv_locks_new(100);
    CHECK(srv_kv_locks_take(l, IFR_LIT("a"), IFR_LIT("k"), 0, 1) == 1);
    CHECK(srv_kv_locks_take(l, IFR_LIT("a"), IFR_LIT("k"), 0, 1) == 0);
    CHECK(srv_kv_locks_take(l, IFR_LIT("b"), IFR_LIT("k"), 0, 1) == 1);   /* another namespace */
    CHECK(srv_kv_locks_release(l, IFR_LIT("a"), IFR_LIT("k"), 1) == 1);
    CHECK(srv_kv_locks_release(l, IFR_LIT("a"), IFR_LIT("k"), 1) == 0);
    CHECK(srv_kv_locks_take(l, IFR_LIT("a"), IFR_LIT("k"), 0, 1) == 1);
    srv_kv_locks_free(l);
}

static void test_expiry(void)
{
    srv_kv_locks_t *l = srv_kv_locks_new(100);
    CHECK(srv_kv_locks_take(l, IFR_LIT("a"), IFR_LIT("t"), 110, 100) == 1);
    CHECK(srv_kv_locks_take(l, IFR_LIT("a"), IFR_LIT("t"), 0, 109) == 0);
    CHECK(srv_kv_locks_take(l, IFR_LIT("a"), IFR_LIT("t"), 0, 110) == 1);   /* expired: taken again */
    CHECK(srv_kv_locks_take(l, IFR_LIT("a"), IFR_LIT("t"), 0, 5000) == 0);  /* now held until unlocked */
    CHECK(srv_kv_locks_take(l, IFR_LIT("a"), IFR_LIT("u"), 200, 100) == 1);
    CHECK(srv_kv_locks_release(l, IFR_LIT("a"), IFR_LIT("u"), 300) == 0);   /* expired: it was not held */
    srv_kv_locks_free(l);
}

static void test_bound(void)
{
    srv_kv_locks_t *l = srv_kv_locks_new(2);
    CHECK(srv_kv_locks_take(l, IFR_LIT("a"), IFR_LIT("1"), 0, 1) == 1);
    CHECK(srv_kv_locks_take(l, IFR_LIT("a"), IFR_LIT("2"), 50, 1) == 1);
    CHECK(srv_kv_locks_take(l, IFR_LIT("a"), IFR_LIT("3"), 0, 1) == -1);    /* two held: no third */
    CHECK(srv_kv_locks_release(l, IFR_LIT("a"), IFR_LIT("1"), 1) == 1);
    CHECK(srv_kv_locks_take(l, IFR_LIT("a"), IFR_LIT("3"), 0, 1) == 1);
    srv_kv_locks_free(l);
}

/* Threads take one lock in turn around a counter no one else guards. */
static srv_kv_locks_t *shared;
static long counter;
static void *bump(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5000; i++) {
        while (srv_kv_locks_take(shared, IFR_LIT("c"), IFR_LIT("L"), 0, 1) != 1) sched_yield();
        counter++;
        srv_kv_locks_release(shared, IFR_LIT("c"), IFR_LIT("L"), 1);
    }
    return NULL;
}

static void test_threads(void)
{
    shared = srv_kv_locks_new(10);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, bump, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    CHECK_INT_EQ(counter, 20000);
    srv_kv_locks_free(shared);
}

int main(void)
{
    RUN(test_take_and_release);
    RUN(test_expiry);
    RUN(test_bound);
    RUN(test_threads);
    return testing_done();
}
