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
 * blocks that thread on a synchronous connection instead.
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
 * while it stays down; a command unanswered for SRV__REDIS_TIMEOUT_NS
 * drops the connection the same way. The host is resolved once, at load
 * (a lookup would block the loop), and never again. */
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "base/log.h"
#include "fn/fn_host.h"
#include "server/srv_fnhost.h"
#include "server/srv_loop.h"
#include "server/srv_worker.h"

#define SRV__REDIS_TIMEOUT_NS (2LL * 1000000000LL)
#define SRV__REDIS_BACKOFF_MIN_MS 50
#define SRV__REDIS_BACKOFF_MAX_MS 2000

/* Deletes the lock only when its value is still the caller's token. */
static const char srv__redis_unlock_script[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

struct fn_kv_remote {
    struct fn_kv_remote *next;
    char *url;                   /* as configured */
    char addr[INET6_ADDRSTRLEN]; /* its host, resolved at open */
    fn_kv_url_t u;
};

static pthread_mutex_t srv__redis_stores_mu = PTHREAD_MUTEX_INITIALIZER;
static fn_kv_remote_t *srv__redis_stores;

/* One worker thread's connection to one store, kept for the thread's
 * life (reconnected as needed). */
typedef struct srv__rconn {
    struct srv__rconn *next;
    fn_kv_remote_t *store;
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

/* A job thread's blocking connection to one store. */
typedef struct srv__rsync {
    struct srv__rsync *next;
    fn_kv_remote_t *store;
    redisContext *c;
} srv__rsync_t;

static _Thread_local srv__rsync_t *srv__rsyncs;
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

/* ---- stores ---------------------------------------------------------------- */

static fn_kv_remote_t *srv__redis_open(const char *url, char *why, size_t size)
{
    pthread_mutex_lock(&srv__redis_stores_mu);
    fn_kv_remote_t *s = srv__redis_stores;
    while (s && strcmp(s->url, url) != 0) s = s->next;
    if (s) {
        pthread_mutex_unlock(&srv__redis_stores_mu);
        return s;
    }
    s = calloc(1, sizeof *s);
    if (!s || !(s->url = strdup(url))) {
        snprintf(why, size, "out of memory");
        goto fail;
    }
    if (fn_kv_url_parse(ifr_cstr(url), &s->u, why, size) < 0) goto fail;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int rc = getaddrinfo(s->u.host, NULL, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(why, size, "cannot resolve %s: %s", s->u.host, rc ? gai_strerror(rc) : "no address");
        goto fail;
    }
    const void *ip = res->ai_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr
                                                : (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
    inet_ntop(res->ai_family, ip, s->addr, sizeof s->addr);
    freeaddrinfo(res);
    s->next = srv__redis_stores;
    srv__redis_stores = s;
    pthread_mutex_unlock(&srv__redis_stores_mu);
    return s;
fail:
    pthread_mutex_unlock(&srv__redis_stores_mu);
    if (s) free(s->url);
    free(s);
    return NULL;
}

/* ---- commands ---------------------------------------------------------------- */

/* The store's key of the job's value or lock, malloc'd (*len its length). */
static char *srv__redis_key(fn_kv_job_t *j, bool lock, size_t *len)
{
    char head[48];
    int n = snprintf(head, sizeof head, "ifrit:%s:%u:", lock ? "lock" : "kv", j->ns_len);
    *len = (size_t)n + j->ns_len + 1 + j->key_len;
    char *k = malloc(*len);
    if (!k) return NULL;
    memcpy(k, head, (size_t)n);
    memcpy(k + n, fn_kv_job_ns(j), j->ns_len);
    k[n + j->ns_len] = ':';
    memcpy(k + n + j->ns_len + 1, fn_kv_job_key(j), j->key_len);
    return k;
}

/* The job's command, at most 6 arguments; key is the caller's to free. */
typedef struct {
    int argc;
    const char *argv[6];
    size_t len[6];
    char ttl[24];
    char *key;
} srv__rcmd_t;

static int srv__redis_command(fn_kv_job_t *j, srv__rcmd_t *cmd)
{
    memset(cmd, 0, sizeof *cmd);
    bool lock = j->op == FN_KV_OP_LOCK || j->op == FN_KV_OP_UNLOCK;
    size_t klen;
    if (!(cmd->key = srv__redis_key(j, lock, &klen))) return -1;
#define SRV__ARG(p, n) (cmd->argv[cmd->argc] = (p), cmd->len[cmd->argc++] = (n))
    switch (j->op) {
    case FN_KV_OP_GET: SRV__ARG("GET", 3); SRV__ARG(cmd->key, klen); break;
    case FN_KV_OP_DELETE: SRV__ARG("DEL", 3); SRV__ARG(cmd->key, klen); break;
    case FN_KV_OP_SET:
    case FN_KV_OP_LOCK:
        SRV__ARG("SET", 3);
        SRV__ARG(cmd->key, klen);
        if (j->op == FN_KV_OP_SET) SRV__ARG((const char *)fn_kv_job_value(j), j->value_len);
        else SRV__ARG((const char *)fn_kv_job_owner(j), j->owner_len);
        if (j->op == FN_KV_OP_LOCK) SRV__ARG("NX", 2);
        if (j->ttl_ms > 0) {
            SRV__ARG("PX", 2);
            SRV__ARG(cmd->ttl, (size_t)snprintf(cmd->ttl, sizeof cmd->ttl, "%lld", (long long)j->ttl_ms));
        }
        break;
    case FN_KV_OP_UNLOCK:
        SRV__ARG("EVAL", 4);
        SRV__ARG(srv__redis_unlock_script, sizeof srv__redis_unlock_script - 1);
        SRV__ARG("1", 1);
        SRV__ARG(cmd->key, klen);
        SRV__ARG((const char *)fn_kv_job_owner(j), j->owner_len);
        break;
    }
#undef SRV__ARG
    return 0;
}

static void srv__redis_fail(fn_kv_job_t *j, fn_kv_remote_t *s, const char *what)
{
    j->rc = -1;
    snprintf(j->detail, sizeof j->detail, "redis at %s:%u: %.120s", s->addr, s->u.port, what);
}

/* Fills the job's out fields from Redis's reply. */
static void srv__redis_answer(fn_kv_job_t *j, const redisReply *r)
{
    fn_kv_remote_t *s = j->store;
    if (r->type == REDIS_REPLY_ERROR) {
        char what[160];
        snprintf(what, sizeof what, "refused the command: %.*s", (int)(r->len > 120 ? 120 : r->len), r->str);
        srv__redis_fail(j, s, what);
        return;
    }
    switch (j->op) {
    case FN_KV_OP_GET:
        if (r->type == REDIS_REPLY_NIL) {
            j->rc = 0;
        } else if (r->type == REDIS_REPLY_STRING) {
            j->rc = 1;
            j->len = r->len;
            memcpy(fn_kv_job_value(j), r->str, r->len < j->value_len ? r->len : j->value_len);
        } else {
            srv__redis_fail(j, s, "answered GET with something other than a string");
        }
        break;
    case FN_KV_OP_SET:
    case FN_KV_OP_LOCK:
        /* SET answers OK, or nil when NX found the lock held. */
        j->rc = r->type == REDIS_REPLY_STATUS ? 1 : 0;
        if (r->type != REDIS_REPLY_STATUS && (j->op == FN_KV_OP_SET || r->type != REDIS_REPLY_NIL))
            srv__redis_fail(j, s, "answered SET with neither OK nor nil");
        break;
    case FN_KV_OP_DELETE:
    case FN_KV_OP_UNLOCK:
        if (r->type == REDIS_REPLY_INTEGER) j->rc = r->integer > 0;
        else srv__redis_fail(j, s, "answered with something other than an integer");
        break;
    }
}

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
                     c->store->url, c->store->addr, c->store->u.port, (long long)c->backoff_ms,
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
                 c->store->url, c->store->addr, c->store->u.port, SRV__REDIS_TIMEOUT_NS / 1000000);
    redisAsyncFree(c->ac);
}

static void srv__rconn_select_done(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)priv;
    srv__rconn_t *c = ac->data;
    const redisReply *r = reply;
    if (r && r->type == REDIS_REPLY_ERROR)
        ifr_log_error("fn", "kv %s: redis refused SELECT %u: %.*s", c->store->url, c->store->u.db,
                      (int)(r->len > 120 ? 120 : r->len), r->str);
}

/* Connects c (the caller saw c->ac NULL and the backoff over): 0, or -1. */
static int srv__rconn_connect(srv__rconn_t *c)
{
    redisAsyncContext *ac = redisAsyncConnect(c->store->addr, (int)c->store->u.port);
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
    if (c->store->u.db) {
        char db[12];
        int n = snprintf(db, sizeof db, "%u", c->store->u.db);
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

/* This thread's connections are freed when it ends. */
static void srv__redis_on_thread_exit(void)
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
    c->loop = loop;
    c->backoff_ms = SRV__REDIS_BACKOFF_MIN_MS;
    srv_timer_init(&c->timer, srv__rconn_timeout, c);
    srv__redis_on_thread_exit();
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
    if (c->waiting) srv_timer_start_at(c->loop, &c->timer, srv_clock_ns() + SRV__REDIS_TIMEOUT_NS);
    else srv_timer_stop(c->loop, &c->timer);
    if (reply && c->down) {
        ifr_log_info("fn", "kv %s: redis at %s:%u answers again", c->store->url, c->store->addr, c->store->u.port);
        c->down = false;
    }
    if (reply) c->backoff_ms = SRV__REDIS_BACKOFF_MIN_MS;
    if (op->job) {
        if (reply) srv__redis_answer(op->job, reply);
        else srv__redis_fail(op->job, c->store, ac->err ? ac->errstr : "the connection was lost");
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
            srv__redis_fail(j, c->store, what);
            return -1;
        }
        if (srv__rconn_connect(c) < 0) {
            srv__rconn_down(c);
            srv__redis_fail(j, c->store, "cannot connect");
            return -1;
        }
    }
    srv__rcmd_t cmd;
    if (srv__redis_command(j, &cmd) < 0) {
        srv__redis_fail(j, c->store, "out of memory");
        return -1;
    }
    int rc = redisAsyncCommandArgv(c->ac, srv__rop_answered, op, cmd.argc, cmd.argv, cmd.len);
    free(cmd.key);
    if (rc != REDIS_OK) {
        srv__redis_fail(j, c->store, "the command could not be queued");
        return -1;
    }
    if (!c->waiting++) srv_timer_start_at(c->loop, &c->timer, srv_clock_ns() + SRV__REDIS_TIMEOUT_NS);
    return 0;
}

/* ---- calls without a loop (a job's run) ------------------------------------------ */

static void srv__redis_blocking(fn_kv_job_t *j)
{
    fn_kv_remote_t *s = j->store;
    srv__rsync_t *k = srv__rsyncs;
    while (k && k->store != s) k = k->next;
    if (!k && (k = calloc(1, sizeof *k))) {
        srv__redis_on_thread_exit();
        k->store = s;
        k->next = srv__rsyncs;
        srv__rsyncs = k;
    }
    if (!k) {
        srv__redis_fail(j, s, "out of memory");
        return;
    }
    struct timeval tv = { SRV__REDIS_TIMEOUT_NS / 1000000000LL, 0 };
    if (!k->c) {
        k->c = redisConnectWithTimeout(s->addr, (int)s->u.port, tv);
        redisReply *sel = NULL;
        if (k->c && !k->c->err && redisSetTimeout(k->c, tv) == REDIS_OK && s->u.db)
            sel = redisCommand(k->c, "SELECT %u", s->u.db);
        if (!k->c || k->c->err || (s->u.db && (!sel || sel->type == REDIS_REPLY_ERROR))) {
            srv__redis_fail(j, s, k->c && k->c->err ? k->c->errstr : "cannot connect or SELECT the database");
            if (k->c) redisFree(k->c);
            k->c = NULL;
        }
        if (sel) freeReplyObject(sel);
        if (!k->c) return;
    }
    srv__rcmd_t cmd;
    if (srv__redis_command(j, &cmd) < 0) {
        srv__redis_fail(j, s, "out of memory");
        return;
    }
    redisReply *r = redisCommandArgv(k->c, cmd.argc, cmd.argv, cmd.len);
    free(cmd.key);
    if (!r) {
        srv__redis_fail(j, s, k->c->err ? k->c->errstr : "no answer");
        redisFree(k->c);
        k->c = NULL;
        return;
    }
    srv__redis_answer(j, r);
    freeReplyObject(r);
}

/* ---- the backend ------------------------------------------------------------------ */

static int srv__redis_start(route_exchange_t *x, fn_kv_job_t *job, route_resume_cb done, void *ud)
{
    srv_worker_t *w = srv_worker_current();
    if (!w) {   /* no loop: a job's run blocks its own thread */
        srv__redis_blocking(job);
        return 1;
    }
    srv__rconn_t *c = srv__rconn_get(job->store, &w->loop);
    srv__rop_t *op = c ? calloc(1, sizeof *op) : NULL;
    if (!op) {
        srv__redis_fail(job, job->store, "out of memory");
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
    for (srv__rsync_t *k = srv__rsyncs, *next; k; k = next) {
        next = k->next;
        if (k->c) redisFree(k->c);
        free(k);
    }
    srv__rsyncs = NULL;
}

void srv_fnhost_redis_fill(fn_host_backend_t *b)
{
    b->kv_remote_open = srv__redis_open;
    b->kv_remote_start = srv__redis_start;
    b->kv_remote_cancel = srv__redis_cancel;
}
