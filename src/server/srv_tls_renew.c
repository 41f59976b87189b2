/* The renewal thread; see srv_tls_renew.h. */
#include "server/srv_tls_renew.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct srv_tls_renew {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    int64_t first_ns, interval_ns;
    void (*fn)(void *ud);
    void *ud;
};

static void *srv__renew_main(void *arg)
{
    srv_tls_renew_t *r = arg;
    pthread_mutex_lock(&r->mu);
    int64_t wait_ns = r->first_ns;
    while (!r->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        int64_t ns = until.tv_nsec + wait_ns % 1000000000LL;
        until.tv_sec += (time_t)(wait_ns / 1000000000LL + ns / 1000000000LL);
        wait_ns = r->interval_ns;
        until.tv_nsec = (long)(ns % 1000000000LL);
        int rc = 0;
        while (!r->stop && rc == 0) rc = pthread_cond_timedwait(&r->cv, &r->mu, &until);
        if (r->stop) break;
        pthread_mutex_unlock(&r->mu);
        r->fn(r->ud);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

srv_tls_renew_t *srv_tls_renew_start(int64_t first_ns, int64_t interval_ns, void (*fn)(void *ud), void *ud)
{
    srv_tls_renew_t *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->first_ns = first_ns;
    r->interval_ns = interval_ns;
    r->fn = fn;
    r->ud = ud;
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    /* The thread must not take the signals the main thread waits for:
     * the server blocks them before any thread starts, so it inherits that. */
    if (pthread_create(&r->thread, NULL, srv__renew_main, r) != 0) {
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        free(r);
        return NULL;
    }
    return r;
}

void srv_tls_renew_stop(srv_tls_renew_t *r)
{
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
