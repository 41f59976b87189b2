/* The helper-thread srv__pool behind route_io_t.offload; see srv_offload.h. */
#include "server/srv_offload.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "server/srv_exchange.h"
#include "server/srv_worker.h"

/* Jobs waiting for a helper: beyond this, offload says busy rather than
 * letting a flood of bad logins queue without bound. */
#define SRV__OFFLOAD_QUEUE 256
#define SRV__OFFLOAD_MAX_THREADS 16

struct srv_offload_job {
    srv_offload_job_t *next;
    void (*work)(void *arg);
    unsigned char *data;       /* the srv__pool's copy of the argument (in this record) */
    size_t size;
    srv_worker_t *worker;      /* where the job goes back to */
    /* Worker thread only: */
    srv_exchange_t *ex;        /* NULL once the exchange ended */
    void *arg;                 /* the caller's, written back before done */
    route_resume_cb done;
    void *ud;
    atomic_bool detached;      /* set by the worker; a queued job is then skipped */
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    srv_offload_job_t *head, **tail;
    size_t queued;
    bool stopping;
    pthread_t threads[SRV__OFFLOAD_MAX_THREADS];
    int count;
} srv__pool = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void srv__job_free(srv_offload_job_t *j)
{
    explicit_bzero(j->data, j->size);    /* it may hold a password */
    free(j);
}

/* Hands a finished (or skipped) job back to its worker. */
static void srv__job_return(srv_offload_job_t *j)
{
    srv_worker_t *w = j->worker;
    pthread_mutex_lock(&w->mu);
    j->next = w->offload_done;
    w->offload_done = j;
    pthread_mutex_unlock(&w->mu);
    srv_loop_wake(&w->loop);
}

static void *srv__helper_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&srv__pool.mu);
    for (;;) {
        while (!srv__pool.head && !srv__pool.stopping) pthread_cond_wait(&srv__pool.cv, &srv__pool.mu);
        srv_offload_job_t *j = srv__pool.head;
        if (!j) break;                          /* stopping, queue empty */
        srv__pool.head = j->next;
        if (!srv__pool.head) srv__pool.tail = &srv__pool.head;
        srv__pool.queued--;
        pthread_mutex_unlock(&srv__pool.mu);
        if (!atomic_load(&j->detached)) j->work(j->data);
        srv__job_return(j);
        pthread_mutex_lock(&srv__pool.mu);
    }
    pthread_mutex_unlock(&srv__pool.mu);
    return NULL;
}

int srv_offload_start(int threads)
{
    if (threads < 1) threads = 1;
    if (threads > SRV__OFFLOAD_MAX_THREADS) threads = SRV__OFFLOAD_MAX_THREADS;
    pthread_mutex_lock(&srv__pool.mu);
    srv__pool.tail = &srv__pool.head;
    srv__pool.stopping = false;
    pthread_mutex_unlock(&srv__pool.mu);
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&srv__pool.threads[i], NULL, srv__helper_main, NULL) != 0) {
            ifr_log_error("server", "cannot start offload helper thread %d", i);
            break;
        }
        srv__pool.count = i + 1;
    }
    return srv__pool.count > 0 ? 0 : -1;
}

void srv_offload_stop(void)
{
    pthread_mutex_lock(&srv__pool.mu);
    srv__pool.stopping = true;
    pthread_cond_broadcast(&srv__pool.cv);
    pthread_mutex_unlock(&srv__pool.mu);
    for (int i = 0; i < srv__pool.count; i++) pthread_join(srv__pool.threads[i], NULL);
    srv__pool.count = 0;
}

int srv_exchange_offload(route_exchange_t *x, void (*work)(void *arg), void *arg, size_t size,
                         route_resume_cb done, void *ud)
{
    srv_exchange_t *ex = (srv_exchange_t *)x;
    if (!ex->active || ex->offload_job || srv__pool.count == 0) return -1;
    size_t head = (sizeof(srv_offload_job_t) + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
    srv_offload_job_t *j = malloc(head + (size ? size : 1));
    if (!j) return -1;
    *j = (srv_offload_job_t){ .work = work, .data = (unsigned char *)j + head, .size = size,
                              .worker = ex->worker, .ex = ex, .arg = arg, .done = done, .ud = ud };
    atomic_init(&j->detached, false);
    memcpy(j->data, arg, size);
    pthread_mutex_lock(&srv__pool.mu);
    if (srv__pool.stopping || srv__pool.queued >= SRV__OFFLOAD_QUEUE) {
        pthread_mutex_unlock(&srv__pool.mu);
        srv__job_free(j);
        return ROUTE_OFFLOAD_BUSY;
    }
    *srv__pool.tail = j;
    srv__pool.tail = &j->next;
    srv__pool.queued++;
    pthread_cond_signal(&srv__pool.cv);
    pthread_mutex_unlock(&srv__pool.mu);
    ex->offload_job = j;
    ex->worker->offload_pending++;
    return 0;
}

void srv_offload_detach(srv_offload_job_t *j)
{
    j->ex = NULL;
    atomic_store(&j->detached, true);
}

void srv_offload_drain(srv_worker_t *w)
{
    pthread_mutex_lock(&w->mu);
    srv_offload_job_t *list = w->offload_done;
    w->offload_done = NULL;
    pthread_mutex_unlock(&w->mu);
    while (list) {
        srv_offload_job_t *j = list;
        list = j->next;
        w->offload_pending--;
        srv_exchange_t *ex = j->ex;
        route_resume_cb done = j->done;
        void *ud = j->ud;
        if (ex) {
            /* Still going (an ended exchange detached its job): the
             * result goes back into the caller's argument. */
            ex->offload_job = NULL;
            memcpy(j->arg, j->data, j->size);
        }
        srv__job_free(j);
        /* done may end this exchange and start the next; the other jobs
         * in the list belong to other exchanges, detached if they ended. */
        if (ex && ex->active) done(&ex->x, ud);
    }
}
