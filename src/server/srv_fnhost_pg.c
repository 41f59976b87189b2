/* Functions' PostgreSQL databases (fn_host.h pg_open, db_start;
 * `db_driver postgres` with `db_dsn DSN`), through libpq.
 *
 * Why libpq's async API on the worker's loop: it is PostgreSQL's own
 * client library (Debian's libpq-dev), and its non-blocking calls
 * (PQconnectStart/PQconnectPoll, PQsendQueryParams, PQconsumeInput,
 * PQflush) need nothing but read/write interest on one socket, so each
 * worker keeps one connection per database on its own loop and a query
 * suspends the guest without holding a helper thread. A connection runs
 * one query at a time: the queries of one worker wait for its connection
 * in arrival order. A job's or a cron's run (a thread with no loop)
 * blocks its thread on a connection of its own.
 *
 * PostgreSQL going away: the query out and those waiting fail
 * (UNAVAILABLE, logged), as do new ones until the next connect attempt,
 * SRV__PG_BACKOFF_MIN_MS later, doubling up to SRV__PG_BACKOFF_MAX_MS
 * while it stays down. A query has no bound of its own but the request's
 * timeout: a request that ends first leaves its query to finish on the
 * connection, its answer dropped. libpq resolves a host name in the DSN
 * while it connects, on the loop: name the server by address or socket
 * directory (docs/functions.md says so). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "base/log.h"
#include "server/srv_fnhost.h"
#include "server/srv_fnhost_pg.h"
#include "server/srv_loop.h"
#include "server/srv_worker.h"

#define SRV__PG_BACKOFF_MIN_MS 50
#define SRV__PG_BACKOFF_MAX_MS 2000

struct fn_pg {
    struct fn_pg *next;
    char *dsn;
    char name[120];              /* for the log: the DSN's database and host, never its password */
};

static pthread_mutex_t srv__pg_list_mu = PTHREAD_MUTEX_INITIALIZER;
static fn_pg_t *srv__pgs;

/* A query waiting for, or out on, a connection; freed once done ran (or
 * was skipped for a cancelled one). */
typedef struct srv__pgq {
    struct srv__pgq *next;       /* on its connection, while it waits or is out */
    struct srv__pgq *done_next, **done_pprev; /* on srv__pgq_posted, once done is posted */
    fn_db_job_t *job;            /* NULL once cancelled */
    route_exchange_t *x;
    route_resume_cb done;
    void *ud;
    srv_task_t task;             /* runs done on a later turn */
    srv_loop_t *loop;
    bool first;                  /* no result of it came yet */
} srv__pgq_t;

typedef enum { SRV__PG_DOWN, SRV__PG_CONNECTING, SRV__PG_IDLE, SRV__PG_BUSY } srv__pg_state_t;

/* One worker thread's connection to one database. */
typedef struct srv__pgconn {
    struct srv__pgconn *next;
    fn_pg_t *db;
    srv_loop_t *loop;
    PGconn *conn;
    srv__pg_state_t state;
    srv_watch_t watch;
    uint32_t events;
    srv__pgq_t *head, **tail;    /* head is out when BUSY */
    int64_t retry_at;
    int64_t backoff_ms;
    bool down;                   /* failed, not connected since (logged once) */
} srv__pgconn_t;

static _Thread_local srv__pgconn_t *srv__pgconns;

/* A job thread's blocking connection to one database. */
typedef struct srv__pgsync {
    struct srv__pgsync *next;
    fn_pg_t *db;
    PGconn *conn;
} srv__pgsync_t;

static _Thread_local srv__pgsync_t *srv__pgsyncs;
static _Thread_local srv__pgq_t *srv__pgq_posted;   /* done, their turn not run yet */

/* ---- databases ------------------------------------------------------------ */

/* "dbname@host" from the DSN, for log lines (libpq parses it). */
static void srv__pg_name(fn_pg_t *d)
{
    PQconninfoOption *o = PQconninfoParse(d->dsn, NULL);
    const char *db = "", *host = "";
    for (PQconninfoOption *p = o; p && p->keyword; p++) {
        if (!strcmp(p->keyword, "dbname") && p->val) db = p->val;
        if (!strcmp(p->keyword, "host") && p->val) host = p->val;
    }
    snprintf(d->name, sizeof d->name, "%.50s@%.60s", db, host);
    PQconninfoFree(o);
}

static fn_pg_t *srv__pg_open(const char *dsn, char *why, size_t size)
{
    char *err = NULL;
    PQconninfoOption *o = PQconninfoParse(dsn, &err);
    if (!o) {
        snprintf(why, size, "db_dsn is not a DSN libpq reads: %.200s", err ? err : "out of memory");
        PQfreemem(err);
        return NULL;
    }
    PQconninfoFree(o);
    pthread_mutex_lock(&srv__pg_list_mu);
    fn_pg_t *d = srv__pgs;
    while (d && strcmp(d->dsn, dsn) != 0) d = d->next;
    if (!d && (d = calloc(1, sizeof *d)) && (d->dsn = strdup(dsn))) {
        srv__pg_name(d);
        d->next = srv__pgs;
        srv__pgs = d;
    } else if (d && !d->dsn) {
        free(d);
        d = NULL;
    }
    pthread_mutex_unlock(&srv__pg_list_mu);
    if (!d) snprintf(why, size, "out of memory");
    return d;
}

/* The server's notices (NOTICE, WARNING) go to the log, not to stderr
 * as libpq's default would print them. */
static void srv__pg_notice(void *arg, const char *msg)
{
    const fn_pg_t *d = arg;
    size_t n = strcspn(msg, "\n");
    ifr_log_info("fn", "postgres %s: %.*s", d->name, (int)(n > 300 ? 300 : n), msg);
}

/* ---- connections on the loop -------------------------------------------------- */

static void srv__pgconn_want(srv__pgconn_t *c, uint32_t want)
{
    if (want == c->events) return;
    int rc = !c->events ? srv_loop_add(c->loop, &c->watch, want)
           : !want ? srv_loop_del(c->loop, &c->watch)
                   : srv_loop_mod(c->loop, &c->watch, want);
    if (rc == 0) c->events = want;
}

/* The connection's socket is c->watch's (libpq may change it while it
 * tries the addresses of a host). */
static void srv__pgconn_watch(srv__pgconn_t *c, uint32_t want)
{
    int fd = PQsocket(c->conn);
    if (fd != c->watch.fd) {
        if (c->events) srv_loop_del(c->loop, &c->watch);
        c->events = 0;
        c->watch.fd = fd;
    }
    if (fd >= 0) srv__pgconn_want(c, want);
}

static void srv__pgq_finish(srv_task_t *t)
{
    srv__pgq_t *q = t->data;
    *q->done_pprev = q->done_next;
    if (q->done_next) q->done_next->done_pprev = q->done_pprev;
    if (q->job) {
        q->job->inflight = NULL;
        q->done(q->x, q->ud);
    }
    free(q);
}

/* q is done (its job's out fields filled, or cancelled): done runs on a
 * later turn, never inside libpq's handling. */
static void srv__pgq_done(srv__pgq_t *q)
{
    srv_task_init(&q->task, srv__pgq_finish, q);
    q->done_next = srv__pgq_posted;
    if (q->done_next) q->done_next->done_pprev = &q->done_next;
    q->done_pprev = &srv__pgq_posted;
    srv__pgq_posted = q;
    srv_loop_post(q->loop, &q->task);
}

static void srv__pgq_fail(srv__pgq_t *q, int error, const char *why)
{
    if (q->job) srv_pg_fail(q->job, error, why);
    srv__pgq_done(q);
}

/* The connection failed or was lost: every query on it fails, and no
 * new attempt comes before the backoff. */
static void srv__pgconn_lost(srv__pgconn_t *c, const char *why)
{
    char msg[300];
    snprintf(msg, sizeof msg, "postgres %s: %.150s", c->db->name, why && *why ? why : "the connection was lost");
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = '\0';
    for (srv__pgq_t *q = c->head, *next; q; q = next) {
        next = q->next;
        srv__pgq_fail(q, FN_HOST_E_UNAVAILABLE, msg);
    }
    c->head = NULL;
    c->tail = &c->head;
    srv__pgconn_want(c, 0);
    c->watch.fd = -1;
    PQfinish(c->conn);
    c->conn = NULL;
    c->state = SRV__PG_DOWN;
    c->retry_at = srv_clock_ns() + c->backoff_ms * 1000000LL;
    if (!c->down)
        ifr_log_warn("fn", "%s; queries fail (UNAVAILABLE) until it is back (tried again after %lld ms, then up "
                     "to every %d ms)", msg, (long long)c->backoff_ms, SRV__PG_BACKOFF_MAX_MS);
    c->down = true;
    c->backoff_ms = c->backoff_ms * 2 > SRV__PG_BACKOFF_MAX_MS ? SRV__PG_BACKOFF_MAX_MS : c->backoff_ms * 2;
}

/* Sends the first waiting query (the connection is idle). */
static void srv__pgconn_send(srv__pgconn_t *c)
{
    while (c->state == SRV__PG_IDLE && c->head) {
        srv__pgq_t *q = c->head;
        if (!q->job) {   /* cancelled before it was sent */
            c->head = q->next;
            if (!c->head) c->tail = &c->head;
            srv__pgq_done(q);
            continue;
        }
        ifr_arena_t a;
        ifr_arena_init(&a, 4096);
        srv_pg_params_t p;
        int rc = srv_pg_params(q->job, &a, &p);
        if (rc == 0 && !PQsendQueryParams(c->conn, p.sql, p.count, NULL, p.values, NULL, NULL, 0)) {
            ifr_arena_destroy(&a);
            srv__pgconn_lost(c, PQerrorMessage(c->conn));
            return;
        }
        ifr_arena_destroy(&a);
        if (rc != 0) {   /* the job failed before it was sent */
            c->head = q->next;
            if (!c->head) c->tail = &c->head;
            srv__pgq_done(q);
            continue;
        }
        c->state = SRV__PG_BUSY;
        q->first = true;
        int f = PQflush(c->conn);
        if (f < 0) {
            srv__pgconn_lost(c, PQerrorMessage(c->conn));
            return;
        }
        srv__pgconn_want(c, EPOLLIN | (f ? EPOLLOUT : 0));
    }
    if (c->state == SRV__PG_IDLE) srv__pgconn_want(c, EPOLLIN);   /* to see the server close it */
}

/* Reads what came for the query out. */
static void srv__pgconn_read(srv__pgconn_t *c)
{
    if (!PQconsumeInput(c->conn)) {
        srv__pgconn_lost(c, PQerrorMessage(c->conn));
        return;
    }
    while (c->state == SRV__PG_BUSY && !PQisBusy(c->conn)) {
        PGresult *res = PQgetResult(c->conn);
        srv__pgq_t *q = c->head;
        if (res) {
            if (q->job) srv_pg_result(q->job, res, q->first);
            q->first = false;
            PQclear(res);
            continue;
        }
        c->head = q->next;   /* NULL: the query is over */
        if (!c->head) c->tail = &c->head;
        c->state = SRV__PG_IDLE;
        srv__pgq_done(q);
    }
    if (c->state == SRV__PG_IDLE) {
        PGnotify *n;
        while ((n = PQnotifies(c->conn))) PQfreemem(n);
        if (PQstatus(c->conn) == CONNECTION_BAD) srv__pgconn_lost(c, PQerrorMessage(c->conn));
        else srv__pgconn_send(c);
    }
}

static void srv__pgconn_connecting(srv__pgconn_t *c)
{
    switch (PQconnectPoll(c->conn)) {
    case PGRES_POLLING_READING: srv__pgconn_watch(c, EPOLLIN); return;
    case PGRES_POLLING_WRITING: srv__pgconn_watch(c, EPOLLOUT); return;
    case PGRES_POLLING_OK:
        if (PQsetnonblocking(c->conn, 1) != 0) break;
        c->state = SRV__PG_IDLE;
        c->backoff_ms = SRV__PG_BACKOFF_MIN_MS;
        if (c->down) ifr_log_info("fn", "postgres %s: connected again", c->db->name);
        c->down = false;
        srv__pgconn_watch(c, EPOLLIN);
        srv__pgconn_send(c);
        return;
    default: break;
    }
    srv__pgconn_lost(c, PQerrorMessage(c->conn));
}

static void srv__pgconn_io(srv_watch_t *w, uint32_t events)
{
    srv__pgconn_t *c = w->data;
    if (c->state == SRV__PG_CONNECTING) {
        srv__pgconn_connecting(c);
        return;
    }
    if (c->state == SRV__PG_DOWN) return;
    if (events & EPOLLOUT) {
        int f = PQflush(c->conn);
        if (f < 0) {
            srv__pgconn_lost(c, PQerrorMessage(c->conn));
            return;
        }
        if (f == 0) srv__pgconn_want(c, EPOLLIN);
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) srv__pgconn_read(c);
}

/* Starts connecting (c is down and its backoff over): 0, or -1 (lost). */
static int srv__pgconn_connect(srv__pgconn_t *c)
{
    c->conn = PQconnectStart(c->db->dsn);
    if (!c->conn || PQstatus(c->conn) == CONNECTION_BAD) {
        srv__pgconn_lost(c, c->conn ? PQerrorMessage(c->conn) : "out of memory");
        return -1;
    }
    PQsetNoticeProcessor(c->conn, srv__pg_notice, c->db);
    c->state = SRV__PG_CONNECTING;
    c->watch.fd = -1;
    srv__pgconn_watch(c, EPOLLOUT);   /* PQconnectPoll's first wait is for writing */
    return 0;
}

static void srv__pg_thread_exit(void *unused);

static pthread_key_t srv__pg_exit_key;
static pthread_once_t srv__pg_exit_once = PTHREAD_ONCE_INIT;

static void srv__pg_exit_key_make(void) { pthread_key_create(&srv__pg_exit_key, srv__pg_thread_exit); }

/* This thread's connections are freed when it ends. */
static void srv__pg_on_thread_exit(void)
{
    pthread_once(&srv__pg_exit_once, srv__pg_exit_key_make);
    pthread_setspecific(srv__pg_exit_key, (void *)1);
}

static srv__pgconn_t *srv__pgconn_get(fn_pg_t *d, srv_loop_t *loop)
{
    for (srv__pgconn_t *c = srv__pgconns; c; c = c->next)
        if (c->db == d && c->loop == loop) return c;
    srv__pgconn_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->db = d;
    c->loop = loop;
    c->tail = &c->head;
    c->watch.fd = -1;
    c->watch.cb = srv__pgconn_io;
    c->watch.data = c;
    c->backoff_ms = SRV__PG_BACKOFF_MIN_MS;
    srv__pg_on_thread_exit();
    c->next = srv__pgconns;
    srv__pgconns = c;
    return c;
}

/* ---- a job thread's blocking query ------------------------------------------------ */

static void srv__pg_blocking(fn_db_job_t *j)
{
    srv__pgsync_t *k = srv__pgsyncs;
    while (k && k->db != j->pg) k = k->next;
    if (!k && (k = calloc(1, sizeof *k))) {
        srv__pg_on_thread_exit();
        k->db = j->pg;
        k->next = srv__pgsyncs;
        srv__pgsyncs = k;
    }
    if (!k) {
        srv_pg_fail(j, FN_HOST_E_UNAVAILABLE, "out of memory");
        return;
    }
    if (k->conn && PQstatus(k->conn) != CONNECTION_OK) {
        PQfinish(k->conn);
        k->conn = NULL;
    }
    if (!k->conn && (!(k->conn = PQconnectdb(j->pg->dsn)) || PQstatus(k->conn) != CONNECTION_OK)) {
        char why[300];
        snprintf(why, sizeof why, "postgres %s: %.150s", j->pg->name, k->conn ? PQerrorMessage(k->conn) : "");
        srv_pg_fail(j, FN_HOST_E_UNAVAILABLE, why);
        PQfinish(k->conn);
        k->conn = NULL;
        return;
    }
    PQsetNoticeProcessor(k->conn, srv__pg_notice, j->pg);
    ifr_arena_t a;
    ifr_arena_init(&a, 4096);
    srv_pg_params_t p;
    if (srv_pg_params(j, &a, &p) == 0) {
        PGresult *res = PQexecParams(k->conn, p.sql, p.count, NULL, p.values, NULL, NULL, 0);
        if (!res || PQstatus(k->conn) != CONNECTION_OK) {
            char why[300];
            snprintf(why, sizeof why, "postgres %s: %.150s", j->pg->name, PQerrorMessage(k->conn));
            srv_pg_fail(j, FN_HOST_E_UNAVAILABLE, why);
        } else {
            srv_pg_result(j, res, true);
        }
        PQclear(res);
    }
    ifr_arena_destroy(&a);
}

/* ---- the backend -------------------------------------------------------------------- */

static int srv__pg_start(route_exchange_t *x, fn_db_job_t *job, route_resume_cb done, void *ud)
{
    job->error = FN_HOST_E_OK;
    srv_worker_t *w = srv_worker_current();
    if (!w) {   /* no loop: a job's run blocks its own thread */
        srv__pg_blocking(job);
        return 1;
    }
    srv__pgconn_t *c = srv__pgconn_get(job->pg, &w->loop);
    srv__pgq_t *q = c ? calloc(1, sizeof *q) : NULL;
    if (!q) {
        srv_pg_fail(job, FN_HOST_E_UNAVAILABLE, "out of memory");
        return 1;
    }
    if (c->state == SRV__PG_DOWN) {
        int64_t now = srv_clock_ns();
        if (now < c->retry_at) {
            char why[300];
            snprintf(why, sizeof why, "postgres %s: unreachable; the next connect attempt is in %lld ms",
                     c->db->name, (long long)((c->retry_at - now) / 1000000 + 1));
            srv_pg_fail(job, FN_HOST_E_UNAVAILABLE, why);
            free(q);
            return 1;
        }
    }
    q->job = job;
    q->x = x;
    q->done = done;
    q->ud = ud;
    q->loop = &w->loop;
    *c->tail = q;
    c->tail = &q->next;
    job->inflight = q;
    if (c->state == SRV__PG_DOWN) srv__pgconn_connect(c);   /* a failure fails q too, on a later turn */
    else if (c->state == SRV__PG_IDLE) srv__pgconn_send(c);
    return 0;
}

static void srv__pg_cancel(fn_db_job_t *job)
{
    srv__pgq_t *q = job->inflight;
    job->inflight = NULL;
    if (q) q->job = NULL;   /* its answer, when it comes, is dropped */
}

/* A thread that made connections ends (a worker stopping: its exchanges
 * are over, every query cancelled; a job thread): they, and the queries
 * they still held, are freed. A key's destructor, so no thread has to say
 * so. */
static void srv__pg_thread_exit(void *unused)
{
    (void)unused;
    for (srv__pgconn_t *c = srv__pgconns, *next; c; c = next) {
        next = c->next;
        for (srv__pgq_t *q = c->head, *qn; q; q = qn) {
            qn = q->next;
            free(q);
        }
        if (c->events) srv_loop_del(c->loop, &c->watch);
        PQfinish(c->conn);
        free(c);
    }
    srv__pgconns = NULL;
    while (srv__pgq_posted) {
        srv__pgq_t *q = srv__pgq_posted;
        srv__pgq_posted = q->done_next;
        srv_loop_cancel(q->loop, &q->task);
        free(q);
    }
    for (srv__pgsync_t *k = srv__pgsyncs, *next; k; k = next) {
        next = k->next;
        PQfinish(k->conn);
        free(k);
    }
    srv__pgsyncs = NULL;
}

void srv_fnhost_pg_fill(fn_host_backend_t *b)
{
    b->pg_open = srv__pg_open;
    b->db_start = srv__pg_start;
    b->db_cancel = srv__pg_cancel;
}
