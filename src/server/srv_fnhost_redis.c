/* Functions' shared KV store on Redis (fn_host.h kv_remote_*; `kv
 * redis://HOST:PORT/DB`): several ifrit processes reach the same keys and
 * locks.
 *
 * Why hiredis's async API on the worker's loop: a call is one short
 * command, so a connection per worker thread and store, pipelined, costs
 * no helper thread and no lock; the guest is suspended while its command
 * is out and the worker serves other requests. The loop is this worker's
 * srv_loop (the adapter below, as hiredis's ae/libev adapters do it).
 * Where there is no loop (a job or cron run, on its own thread) the call
 * blocks that thread on a synchronous connection instead
 * (srv_fnhost_redis_cmd.c, which also has the stores, builds the commands
 * and reads the answers).
 *
 * Keys: `ifrit:kv:<namespace length>:<namespace>:<key>` for values,
 * `ifrit:lock:...` alike for locks, so no namespace can reach into
 * another. A value's TTL is SET's PX; a lock is SET NX PX with its TTL
 * and the request's owner token as the value, and an unlock deletes it
 * only when the token is still the caller's (a script, atomic in Redis).
 *
 * Redis going away: the calls waiting on the connection fail
 * (UNAVAILABLE, logged), as do new calls until the next connect attempt,
 * SRV__REDIS_BACKOFF_MIN_MS later, doubling up to SRV__REDIS_BACKOFF_MAX_MS
 * while it stays down; a command unanswered for SRV_REDIS_TIMEOUT_NS
 * drops the connection the same way. The host is resolved once, at load
 * (a lookup would block the loop), and never again. */
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "base/log.h"
#include "fn/fn_host.h"
#include "server/srv_fnhost.h"
#include "server/srv_fnhost_redis.h"
#include "server/srv_loop.h"
#include "server/srv_worker.h"

#define SRV__REDIS_BACKOFF_MIN_MS 50
#define SRV__REDIS_BACKOFF_MAX_MS 2000

/* One worker thread's connection to one store, kept for the thread's
 * life (reconnected as needed). */
typedef struct srv__rconn {
    struct srv__rconn *next;
    fn_kv_remote_t *store;
    const srv_redis_where_t *where; /* the store's */
    srv_loop_t *loop;
    redisAsyncContext *ac;       /* NULL: not connected */
    srv_watch_t watch;
    uint32_t events;             /* registered with the loop; 0: none */
    srv_timer_t timer;           /* the oldest unanswered command's deadline */
    size_t waiting;              /* commands sent and not answered */
    int64_t retry_at;            /* monotonic ns: no connect attempt before */
    int64_t backoff_ms;
    bool down;                   /* it failed and has not answered since (logged once) */
    bool exiting;                /* the thread is leaving: answers free their calls at once */
} srv__rconn_t;

static _Thread_local srv__rconn_t *srv__rconns;

static _Thread_local struct srv__rop *srv__rops;

/* One waiting call: freed once its answer (or the loss of the
 * connection) came and done ran, or was skipped for a cancelled call. */
typedef struct srv__rop {
    struct srv__rop *next, **pprev; /* this thread's calls not freed yet (srv__rops) */
    fn_kv_job_t *job;            /* NULL once cancelled */
    srv__rconn_t *conn;
    route_exchange_t *x;
    route_resume_cb done;
    void *ud;
    srv_task_t task;             /* runs done on a later turn, outside hiredis */
} srv__rop_t;

/* ---- the loop's adapter ------------------------------------------------------ */

static void srv__rconn_want(srv__rconn_t *c, uint32_t want)
{
    if (want == c->events) return;
    int rc = !c->events ? srv_loop_add(c->loop, &c->watch, want)
           : !want ? srv_loop_del(c->loop, &c->watch)
                   : srv_loop_mod(c->loop, &c->watch, want);
    if (rc == 0) c->events = want;
}

static void srv__ev_add_read(void *p) { srv__rconn_t *c = p; srv__rconn_want(c, c->events | EPOLLIN); }
static void srv__ev_del_read(void *p) { srv__rconn_t *c = p; srv__rconn_want(c, c->events & ~(uint32_t)EPOLLIN); }
static void srv__ev_add_write(void *p) { srv__rconn_t *c = p; srv__rconn_want(c, c->events | EPOLLOUT); }
static void srv__ev_del_write(void *p) { srv__rconn_t *c = p; srv__rconn_want(c, c->events & ~(uint32_t)EPOLLOUT); }

/* c has no connection any more (it failed, was lost or dropped): no new
 * attempt for the backoff, which doubles; logged once while it is down. */
static void srv__rconn_down(srv__rconn_t *c)
{
    c->retry_at = srv_clock_ns() + c->backoff_ms * 1000000LL;
    if (!c->down)
        ifr_log_warn("fn", "kv %s: the connection to redis at %s:%u is gone; KV calls fail (UNAVAILABLE) until "
                     "it is back (tried again after %lld ms, then up to every %d ms)",
                     c->where->u.shown, c->where->addr, c->where->u.port, (long long)c->backoff_ms,
                     SRV__REDIS_BACKOFF_MAX_MS);
    c->down = true;
    c->backoff_ms = c->backoff_ms * 2 > SRV__REDIS_BACKOFF_MAX_MS ? SRV__REDIS_BACKOFF_MAX_MS : c->backoff_ms * 2;
}

/* hiredis frees the context (the connection failed or was lost, or we
 * dropped it): the waiting calls have had their NULL answers. */
static void srv__ev_cleanup(void *p)
{
    srv__rconn_t *c = p;
    srv__rconn_want(c, 0);
    srv_timer_stop(c->loop, &c->timer);
    c->ac = NULL;
    c->waiting = 0;
    if (!c->exiting) srv__rconn_down(c);
}

static void srv__rconn_io(srv_watch_t *w, uint32_t events)
{
    srv__rconn_t *c = w->data;
    if (c->ac && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) redisAsyncHandleRead(c->ac);
    if (c->ac && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) redisAsyncHandleWrite(c->ac);
}

/* A command went unanswered too long: the connection is dropped, and its
 * waiting calls fail. */
static void srv__rconn_timeout(srv_timer_t *t)
{
    srv__rconn_t *c = t->data;
    if (!c->ac) return;
    ifr_log_warn("fn", "kv %s: redis at %s:%u did not answer within %lld ms: the connection is dropped",
                 c->where->u.shown, c->where->addr, c->where->u.port, SRV_REDIS_TIMEOUT_NS / 1000000);
    redisAsyncFree(c->ac);
}

static void srv__rconn_select_done(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)priv;
    srv__rconn_t *c = ac->data;
    const redisReply *r = reply;
    if (r && r->type == REDIS_REPLY_ERROR)
        ifr_log_error("fn", "kv %s: redis refused SELECT %u: %.*s", c->where->u.shown, c->where->u.db,
                      (int)(r->len > 120 ? 120 : r->len), r->str);
}

static void srv__rconn_auth_done(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)priv;
    srv__rconn_t *c = ac->data;
    const redisReply *r = reply;
    if (r && r->type == REDIS_REPLY_ERROR)
        ifr_log_error("fn", "kv %s: redis refused AUTH: %.*s", c->where->u.shown, (int)(r->len > 120 ? 120 : r->len),
                      r->str);
}

/* Connects c (the caller saw c->ac NULL and the backoff over): 0, or -1. */
static int srv__rconn_connect(srv__rconn_t *c)
{
    redisAsyncContext *ac = redisAsyncConnect(c->where->addr, (int)c->where->u.port);
    if (!ac) return -1;
    if (ac->err) {
        redisAsyncFree(ac);
        return -1;
    }
    c->ac = ac;
    ac->data = c;
    c->watch.fd = ac->c.fd;
    c->watch.cb = srv__rconn_io;
    c->watch.data = c;
    c->events = 0;
    ac->ev.data = c;
    ac->ev.addRead = srv__ev_add_read;
    ac->ev.delRead = srv__ev_del_read;
    ac->ev.addWrite = srv__ev_add_write;
    ac->ev.delWrite = srv__ev_del_write;
    ac->ev.cleanup = srv__ev_cleanup;
    if (c->where->u.auth) {
        const fn_kv_url_t *u = &c->where->u;
        const char *av[3] = { "AUTH" };
        size_t al[3] = { 4 };
        int n = 1;
        if (u->user[0]) {   /* AUTH USER PASSWORD (Redis's ACLs), else AUTH PASSWORD */
            av[n] = u->user;
            al[n++] = strlen(u->user);
        }
        av[n] = u->password;
        al[n++] = u->password_len;
        if (redisAsyncCommandArgv(ac, srv__rconn_auth_done, NULL, n, av, al) != REDIS_OK) {
            redisAsyncFree(ac);
            return -1;
        }
    }
    if (c->where->u.db) {
        char db[12];
        int n = snprintf(db, sizeof db, "%u", c->where->u.db);
        const char *argv[] = { "SELECT", db };
        const size_t len[] = { 6, (size_t)n };
        if (redisAsyncCommandArgv(ac, srv__rconn_select_done, NULL, 2, argv, len) != REDIS_OK) {
            redisAsyncFree(ac);
            return -1;
        }
    }
    return 0;
}

/* This thread's connection to s on loop, made at first use. */
static void srv__redis_thread_exit(void *unused);

static pthread_key_t srv__redis_exit_key;
static pthread_once_t srv__redis_exit_once = PTHREAD_ONCE_INIT;

static void srv__redis_exit_key_make(void) { pthread_key_create(&srv__redis_exit_key, srv__redis_thread_exit); }

void srv_redis_on_thread_exit(void)
{
    pthread_once(&srv__redis_exit_once, srv__redis_exit_key_make);
    pthread_setspecific(srv__redis_exit_key, (void *)1);
}

static srv__rconn_t *srv__rconn_get(fn_kv_remote_t *s, srv_loop_t *loop)
{
    for (srv__rconn_t *c = srv__rconns; c; c = c->next)
        if (c->store == s && c->loop == loop) return c;
    srv__rconn_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->store = s;
    c->where = srv_redis_where(s);
    c->loop = loop;
    c->backoff_ms = SRV__REDIS_BACKOFF_MIN_MS;
    srv_timer_init(&c->timer, srv__rconn_timeout, c);
    srv_redis_on_thread_exit();
    c->next = srv__rconns;
    srv__rconns = c;
    return c;
}

/* ---- calls on the loop --------------------------------------------------------- */

static void srv__rop_free(srv__rop_t *op)
{
    *op->pprev = op->next;
    if (op->next) op->next->pprev = op->pprev;
    free(op);
}

static void srv__rop_finish(srv_task_t *t)
{
    srv__rop_t *op = t->data;
    if (op->job) {
        op->job->inflight = NULL;
        op->done(op->x, op->ud);
    }
    srv__rop_free(op);
}

static void srv__rop_answered(redisAsyncContext *ac, void *reply, void *priv)
{
    srv__rop_t *op = priv;
    srv__rconn_t *c = ac->data;
    if (c->exiting) {   /* no loop turn will come: no exchange waits on it either */
        srv__rop_free(op);
        return;
    }
    if (c->waiting) c->waiting--;
    if (c->waiting) srv_timer_start_at(c->loop, &c->timer, srv_clock_ns() + SRV_REDIS_TIMEOUT_NS);
    else srv_timer_stop(c->loop, &c->timer);
    if (reply && c->down) {
        ifr_log_info("fn", "kv %s: redis at %s:%u answers again", c->where->u.shown, c->where->addr, c->where->u.port);
        c->down = false;
    }
    if (reply) c->backoff_ms = SRV__REDIS_BACKOFF_MIN_MS;
    if (op->job) {
        if (reply) srv_redis_answer(op->job, reply);
        else srv_redis_fail(op->job, c->store, ac->err ? ac->errstr : "the connection was lost");
    }
    /* done resumes the guest, which may call again: not inside hiredis. */
    srv_loop_post(c->loop, &op->task);
}

/* 0: sent, op answers later; -1: the job failed at once (filled). */
static int srv__rop_send(srv__rconn_t *c, srv__rop_t *op)
{
    fn_kv_job_t *j = op->job;
    if (!c->ac) {
        int64_t now = srv_clock_ns();
        if (now < c->retry_at) {
            char what[120];
            snprintf(what, sizeof what, "unreachable; the next connect attempt is in %lld ms",
                     (long long)((c->retry_at - now) / 1000000 + 1));
            srv_redis_fail(j, c->store, what);
            return -1;
        }
        if (srv__rconn_connect(c) < 0) {
            srv__rconn_down(c);
            srv_redis_fail(j, c->store, "cannot connect");
            return -1;
        }
    }
    srv_redis_cmd_t cmd;
    if (srv_redis_command(j, &cmd) < 0) {
        srv_redis_fail(j, c->store, "out of memory");
        return -1;
    }
    int rc = redisAsyncCommandArgv(c->ac, srv__rop_answered, op, cmd.argc, cmd.argv, cmd.len);
    free(cmd.key);
    if (rc != REDIS_OK) {
        srv_redis_fail(j, c->store, "the command could not be queued");
        return -1;
    }
    if (!c->waiting++) srv_timer_start_at(c->loop, &c->timer, srv_clock_ns() + SRV_REDIS_TIMEOUT_NS);
    return 0;
}

/* ---- the backend ------------------------------------------------------------------ */

static int srv__redis_start(route_exchange_t *x, fn_kv_job_t *job, route_resume_cb done, void *ud)
{
    srv_worker_t *w = srv_worker_current();
    if (!w) {   /* no loop: a job's run blocks its own thread */
        srv_redis_blocking(job);
        return 1;
    }
    srv__rconn_t *c = srv__rconn_get(job->store, &w->loop);
    srv__rop_t *op = c ? calloc(1, sizeof *op) : NULL;
    if (!op) {
        srv_redis_fail(job, job->store, "out of memory");
        return 1;
    }
    op->job = job;
    op->conn = c;
    op->x = x;
    op->done = done;
    op->ud = ud;
    srv_task_init(&op->task, srv__rop_finish, op);
    if (srv__rop_send(c, op) < 0) {
        free(op);
        return 1;
    }
    op->next = srv__rops;
    if (op->next) op->next->pprev = &op->next;
    op->pprev = &srv__rops;
    srv__rops = op;
    job->inflight = op;
    return 0;
}

static void srv__redis_cancel(fn_kv_job_t *job)
{
    srv__rop_t *op = job->inflight;
    job->inflight = NULL;
    if (op) op->job = NULL;   /* its answer, when it comes, is dropped and op freed */
}

/* A thread that made connections ends (a worker stopping: its exchanges
 * are over; a job thread): they, and the calls they still held, are
 * freed. A key's destructor, so no thread has to say so. */
static void srv__redis_thread_exit(void *unused)
{
    (void)unused;
    for (srv__rconn_t *c = srv__rconns; c; c = c->next) {
        c->exiting = true;
        if (c->ac) redisAsyncFree(c->ac);   /* its waiting calls are freed as they fail */
    }
    while (srv__rops) {   /* answered, their last turn not run */
        srv_loop_cancel(srv__rops->conn->loop, &srv__rops->task);
        srv__rop_free(srv__rops);
    }
    for (srv__rconn_t *c = srv__rconns, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    srv__rconns = NULL;
    srv_redis_sync_free();
}

void srv_fnhost_redis_fill(fn_host_backend_t *b)
{
    b->kv_remote_open = srv_redis_open;
    b->kv_remote_start = srv__redis_start;
    b->kv_remote_cancel = srv__redis_cancel;
}
