/* Worker threads; see srv_worker.h. */
#include "server/srv_worker.h"

#include "server/srv_proxy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "route/fs.h"
#include "server/srv_conn.h"
#include "server/srv_fnhost.h"
#include "server/srv_offload.h"
#include "server/srv_plugin_ticker.h"
#include "server/srv_server.h"
#include "server/srv_tls_ondemand.h"

/* Accepts per wake-up per listener: bounds the time one burst of new
 * connections can keep a worker from its existing ones. */
#define SRV__WORKER_ACCEPT_BATCH 64

static void srv__worker_on_accept(srv_watch_t *watch, uint32_t events)
{
    srv_worker_t *w = watch->data;
    const srv_listener_t *l = ((srv_worker_listener_t *)watch)->listener;   /* watch is its first member */
    (void)events;
    for (int i = 0; i < SRV__WORKER_ACCEPT_BATCH && !w->stopping; i++) {
        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof peer;
        int fd = accept4(watch->fd, (struct sockaddr *)&peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN) ifr_log_warn("server", "accept: %s", strerror(errno));
            return;
        }
        srv_conn_t *c = srv_conn_accepted(w, fd, l, &peer);
        if (c) srv_conn_run(c);
    }
}

static void srv__worker_apply_timeouts(srv_worker_t *w)
{
    const cfg_options_t *o = route_plan_options(w->plan);
    w->timeouts = (srv_timeouts_t){ o->read_header_timeout_ns, o->read_body_timeout_ns,
                                    o->write_timeout_ns, o->idle_timeout_ns };
}

static void srv__listener_unregister(srv_worker_t *w, srv_worker_listener_t *wl)
{
    srv_loop_del(&w->loop, &wl->watch);
    srv_listener_release(wl->listener);
    free(wl);
}

/* Makes this worker's registered listeners exactly `set` (whose references
 * it consumes): keeps the common ones, adds the new, drops the rest. Runs
 * from a task, never from an I/O callback, so no pending event of this
 * turn can point at a watch freed here. Each watch is its own allocation:
 * epoll holds its address. */
static void srv__worker_set_listeners(srv_worker_t *w, srv_listener_t **set, size_t count)
{
    srv_worker_listener_t **next = calloc(count ? count : 1, sizeof *next);
    size_t n = 0;
    if (!next) {
        ifr_log_error("server", "out of memory while updating listeners; keeping the old ones");
        for (size_t i = 0; i < count; i++) srv_listener_release(set[i]);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        srv_worker_listener_t *found = NULL;
        for (size_t k = 0; k < w->listener_count && !found; k++)
            if (w->listeners[k] && w->listeners[k]->listener == set[i]) {
                found = w->listeners[k];
                w->listeners[k] = NULL;          /* moved */
            }
        if (found) {
            next[n++] = found;
            srv_listener_release(set[i]);    /* the worker already had one */
            continue;
        }
        srv_worker_listener_t *wl = malloc(sizeof *wl);
        if (wl) *wl = (srv_worker_listener_t){ { set[i]->fd, srv__worker_on_accept, w }, set[i] };
        /* EPOLLEXCLUSIVE: a new connection wakes one worker, not all. */
        if (!wl || srv_loop_add(&w->loop, &wl->watch, EPOLLIN | EPOLLEXCLUSIVE) < 0) {
            ifr_log_error("server", "cannot watch listener on port %u: %s", set[i]->port, strerror(errno));
            srv_listener_release(set[i]);
            free(wl);
            continue;
        }
        next[n++] = wl;
    }
    for (size_t k = 0; k < w->listener_count; k++)
        if (w->listeners[k]) srv__listener_unregister(w, w->listeners[k]);
    free(w->listeners);
    w->listeners = next;
    w->listener_count = n;
}

/* Applies what the main thread posted. A task, not the wake-up callback
 * itself: changing listeners and closing connections must not happen while
 * this turn's other events may still refer to them. */
static void srv__worker_mail_task(srv_task_t *t)
{
    srv_worker_t *w = t->data;
    pthread_mutex_lock(&w->mu);
    bool update = w->mail_update, stop = w->mail_stop, force = w->mail_force;
    route_plan_t *plan = w->mail_plan;
    srv_listener_t **set = w->mail_listeners;
    size_t count = w->mail_listener_count;
    w->mail_update = false;
    w->mail_plan = NULL;
    w->mail_listeners = NULL;
    w->mail_listener_count = 0;
    pthread_mutex_unlock(&w->mu);

    if (update) {
        /* In-flight exchanges hold their own reference to the old plan. */
        route_plan_release(w->plan);
        w->plan = plan;
        pthread_mutex_lock(&w->mu);
        w->plan_taken = plan;   /* what the main thread waits for before it says "reloaded" */
        pthread_mutex_unlock(&w->mu);
        if (w->id == 0) srv_fnhost_jobs_serve(plan);   /* functions' jobs and crons: the new plan */
        srv__worker_apply_timeouts(w);
        if (!w->stopping) srv__worker_set_listeners(w, set, count);
        else for (size_t i = 0; i < count; i++) srv_listener_release(set[i]);
        free(set);
    }
    if (stop && !w->stopping) {
        w->stopping = true;
        if (w->id == 0) srv_fnhost_jobs_stop();   /* no job starts any more */
        srv__worker_set_listeners(w, NULL, 0);
        for (srv_conn_t *c = w->conns, *next; c; c = next) {
            next = c->next;
            srv_conn_stop(c);
        }
    }
    if (force) while (w->conns) srv_conn_close(w->conns);
}

static void srv__worker_on_wake(srv_watch_t *watch, uint32_t events)
{
    srv_worker_t *w = watch->data;
    uint64_t n;
    (void)events;
    ssize_t r = read(watch->fd, &n, sizeof n);
    (void)r;
    srv_loop_post(&w->loop, &w->mail_task);
    srv_loop_post(&w->loop, &w->offload_task);
    srv_loop_post(&w->loop, &w->tls_park_task);
}

static void srv__worker_tls_park_task(srv_task_t *t)
{
    srv_tls_park_drain(t->data);
}

static void srv__worker_offload_task(srv_task_t *t)
{
    srv_offload_drain(t->data);
}

int srv_worker_init(srv_worker_t *w, int id, srv_server_t *server, route_plan_t *plan,
                    srv_listener_t *const *listeners, size_t count)
{
    memset(w, 0, sizeof *w);
    w->id = id;
    w->server = server;
    w->scratch = IFR_BUF_INIT;
    pthread_mutex_init(&w->mu, NULL);
    srv_task_init(&w->mail_task, srv__worker_mail_task, w);
    srv_task_init(&w->offload_task, srv__worker_offload_task, w);
    srv_task_init(&w->tls_park_task, srv__worker_tls_park_task, w);
    if (srv_loop_init(&w->loop, srv__worker_on_wake, w) < 0) return -1;
    w->plan = plan;
    w->plan_taken = plan;
    route_plan_retain(plan);
    srv__worker_apply_timeouts(w);
    srv_listener_t **set = malloc((count ? count : 1) * sizeof *set);
    if (!set) return -1;
    for (size_t i = 0; i < count; i++) {
        srv_listener_retain(listeners[i]);
        set[i] = listeners[i];
    }
    srv__worker_set_listeners(w, set, count);
    free(set);
    return 0;
}

/* The worker this thread runs, NULL on other threads (srv_worker_current). */
static _Thread_local srv_worker_t *srv__worker_here;

srv_worker_t *srv_worker_current(void) { return srv__worker_here; }

static void *srv__worker_main(void *arg)
{
    srv_worker_t *w = arg;
    srv__worker_here = w;
    /* The server serves: functions' jobs and crons run from now on with
     * its plan (srv_fnhost_jobs.c); `ifrit validate` starts no worker. */
    if (w->id == 0) srv_fnhost_jobs_serve(w->plan);
    /* Offload jobs point at this worker: it waits for them to come back. */
    while (!(w->stopping && w->conn_count == 0 && w->offload_pending == 0)) srv_loop_run_once(&w->loop, -1);
    srv_proxy_thread_exit();   /* this thread's upstream pools and health checks */
    route_fs_cache_thread_exit();   /* this thread's open files (file_server) */
    srv_plugin_ticker_thread_exit();   /* this thread's proxy-wasm tick timers */
    srv_server_worker_exited(w->server);
    return NULL;
}

int srv_worker_start(srv_worker_t *w)
{
    return pthread_create(&w->thread, NULL, srv__worker_main, w) == 0 ? 0 : -1;
}

void srv_worker_destroy(srv_worker_t *w)
{
    while (w->conns) srv_conn_close(w->conns);
    srv_tls_park_drain(w);   /* parks completed after the last connection went */
    srv__worker_set_listeners(w, NULL, 0);
    free(w->listeners);
    w->listeners = NULL;
    if (w->plan) route_plan_release(w->plan);
    w->plan = NULL;
    pthread_mutex_lock(&w->mu);
    if (w->mail_plan) route_plan_release(w->mail_plan);
    for (size_t i = 0; i < w->mail_listener_count; i++) srv_listener_release(w->mail_listeners[i]);
    free(w->mail_listeners);
    w->mail_plan = NULL;
    w->mail_listeners = NULL;
    pthread_mutex_unlock(&w->mu);
    ifr_buf_free(&w->scratch);
    srv_loop_destroy(&w->loop);
    pthread_mutex_destroy(&w->mu);
}

int srv_worker_post_update(srv_worker_t *w, route_plan_t *plan, srv_listener_t *const *listeners,
                           size_t count)
{
    srv_listener_t **set = malloc((count ? count : 1) * sizeof *set);
    if (!set) return -1;
    for (size_t i = 0; i < count; i++) {
        srv_listener_retain(listeners[i]);
        set[i] = listeners[i];
    }
    route_plan_retain(plan);
    pthread_mutex_lock(&w->mu);
    /* An update not yet picked up is superseded by this one. */
    if (w->mail_update) {
        route_plan_release(w->mail_plan);
        for (size_t i = 0; i < w->mail_listener_count; i++) srv_listener_release(w->mail_listeners[i]);
        free(w->mail_listeners);
    }
    w->mail_update = true;
    w->mail_plan = plan;
    w->mail_listeners = set;
    w->mail_listener_count = count;
    pthread_mutex_unlock(&w->mu);
    srv_loop_wake(&w->loop);
    return 0;
}

bool srv_worker_serves(srv_worker_t *w, const route_plan_t *plan)
{
    pthread_mutex_lock(&w->mu);
    bool yes = w->plan_taken == plan;
    pthread_mutex_unlock(&w->mu);
    return yes;
}

void srv_worker_post_stop(srv_worker_t *w, bool force)
{
    pthread_mutex_lock(&w->mu);
    w->mail_stop = true;
    if (force) w->mail_force = true;
    pthread_mutex_unlock(&w->mu);
    srv_loop_wake(&w->loop);
}
