/* A worker thread: one event loop, its connections, and its own reference
 * to the current plan. The main thread talks to a worker only through its
 * mailbox (a mutex-protected slot plus a loop wake-up), so nothing on the
 * request path takes a lock.
 *
 * Ownership: the server creates and joins workers. A worker owns its
 * connections, its plan reference and its listener references. */
#ifndef IFRIT_SERVER_SRV_WORKER_H
#define IFRIT_SERVER_SRV_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "route/plan.h"
#include "server/srv_listener.h"
#include "server/srv_loop.h"

typedef struct srv_conn srv_conn_t;
typedef struct srv_server srv_server_t;

/* Timeouts in ns; 0 = none. Copied from the plan's options on each swap. */
typedef struct {
    int64_t read_header, read_body, write, idle;
} srv_timeouts_t;

typedef struct {
    srv_watch_t watch;         /* the shared listening fd in this loop */
    srv_listener_t *listener;  /* one reference held */
} srv_worker_listener_t;

typedef struct srv_worker {
    int id;
    srv_server_t *server;
    pthread_t thread;
    srv_loop_t loop;
    route_plan_t *plan;            /* this worker's reference */
    srv_timeouts_t timeouts;
    srv_worker_listener_t **listeners;  /* each allocated alone: epoll keeps its address */
    size_t listener_count;
    srv_conn_t *conns;             /* all open connections, a list */
    size_t conn_count;
    bool stopping;                 /* no more accepts; close when idle */
    uint64_t exchange_seq;
    ifr_buf_t scratch;             /* response heads are composed here */
    srv_task_t mail_task;          /* applies the mailbox after this turn's I/O */
    srv_task_t offload_task;       /* runs finished offload jobs' callbacks */
    srv_task_t tls_park_task;      /* resumes handshakes in tls_parks_ready */
    size_t offload_pending;        /* offload jobs submitted and not yet back */

    /* Mailbox, written by the main thread under mu, read on wake-up. */
    pthread_mutex_t mu;
    bool mail_update;              /* a new plan and listener set */
    route_plan_t *mail_plan;       /* one reference, handed over */
    srv_listener_t **mail_listeners; /* one reference each, handed over */
    size_t mail_listener_count;
    bool mail_stop, mail_force;
    const route_plan_t *plan_taken; /* the plan this worker serves now (compared, never followed) */
    struct srv_offload_job *offload_done; /* finished jobs, pushed by helper threads */
    struct srv_tls_park *tls_parks_ready; /* handshakes whose on-demand certificate came (srv_tls_ondemand.h) */
} srv_worker_t;

/* Prepares a worker with plan and listeners (it takes a reference to
 * each). 0, or -1. */
int srv_worker_init(srv_worker_t *w, int id, srv_server_t *server, route_plan_t *plan,
                    srv_listener_t *const *listeners, size_t count);
int srv_worker_start(srv_worker_t *w);
/* The worker whose thread calls, or NULL on any other thread (the main
 * one, helpers, functions' job threads). */
srv_worker_t *srv_worker_current(void);
/* Frees what the thread left behind after it was joined. */
void srv_worker_destroy(srv_worker_t *w);

/* Main thread: hands over a new plan and listener set (references are
 * taken for the worker here). 0, or -1 when out of memory. */
int srv_worker_post_update(srv_worker_t *w, route_plan_t *plan, srv_listener_t *const *listeners,
                           size_t count);
/* Main thread: true once the worker serves plan (it took the update that
 * carried it, or started with it). */
bool srv_worker_serves(srv_worker_t *w, const route_plan_t *plan);
/* Main thread: stop accepting and finish in-flight work (force: close
 * everything now). */
void srv_worker_post_stop(srv_worker_t *w, bool force);

#endif
