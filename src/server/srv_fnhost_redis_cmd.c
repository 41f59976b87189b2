/* The shared KV store on Redis, apart from the loop (srv_fnhost_redis.h):
 * its stores, the command of a call and the reading of its answer, and a
 * job thread's blocking calls. */
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "server/srv_fnhost_redis.h"

/* Deletes the lock only when its value is still the caller's token. */
static const char srv__redis_unlock_script[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

struct fn_kv_remote {
    struct fn_kv_remote *next;
    srv_redis_where_t w;
};

const srv_redis_where_t *srv_redis_where(const fn_kv_remote_t *s) { return &s->w; }

static pthread_mutex_t srv__redis_stores_mu = PTHREAD_MUTEX_INITIALIZER;
static fn_kv_remote_t *srv__redis_stores;

/* A job thread's blocking connection to one store. */
typedef struct srv__rsync {
    struct srv__rsync *next;
    fn_kv_remote_t *store;
    redisContext *c;
} srv__rsync_t;

static _Thread_local srv__rsync_t *srv__rsyncs;

/* ---- stores ---------------------------------------------------------------- */

fn_kv_remote_t *srv_redis_open(const char *url, char *why, size_t size)
{
    pthread_mutex_lock(&srv__redis_stores_mu);
    fn_kv_remote_t *s = srv__redis_stores;
    while (s && strcmp(s->w.url, url) != 0) s = s->next;
    if (s) {
        pthread_mutex_unlock(&srv__redis_stores_mu);
        return s;
    }
    s = calloc(1, sizeof *s);
    if (!s || !(s->w.url = strdup(url))) {
        snprintf(why, size, "out of memory");
        goto fail;
    }
    if (fn_kv_url_parse(ifr_cstr(url), &s->w.u, why, size) < 0) goto fail;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int rc = getaddrinfo(s->w.u.host, NULL, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(why, size, "cannot resolve %s: %s", s->w.u.host, rc ? gai_strerror(rc) : "no address");
        goto fail;
    }
    const void *ip = res->ai_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr
                                                : (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
    inet_ntop(res->ai_family, ip, s->w.addr, sizeof s->w.addr);
    freeaddrinfo(res);
    s->next = srv__redis_stores;
    srv__redis_stores = s;
    pthread_mutex_unlock(&srv__redis_stores_mu);
    return s;
fail:
    pthread_mutex_unlock(&srv__redis_stores_mu);
    if (s) free(s->w.url);
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

int srv_redis_command(fn_kv_job_t *j, srv_redis_cmd_t *cmd)
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

void srv_redis_fail(fn_kv_job_t *j, fn_kv_remote_t *s, const char *what)
{
    j->rc = -1;
    snprintf(j->detail, sizeof j->detail, "redis at %s:%u: %.120s", s->w.addr, s->w.u.port, what);
}

/* Fills the job's out fields from Redis's reply. */
void srv_redis_answer(fn_kv_job_t *j, const redisReply *r)
{
    fn_kv_remote_t *s = j->store;
    if (r->type == REDIS_REPLY_ERROR) {
        char what[160];
        snprintf(what, sizeof what, "refused the command: %.*s", (int)(r->len > 120 ? 120 : r->len), r->str);
        srv_redis_fail(j, s, what);
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
            srv_redis_fail(j, s, "answered GET with something other than a string");
        }
        break;
    case FN_KV_OP_SET:
    case FN_KV_OP_LOCK:
        /* SET answers OK, or nil when NX found the lock held. */
        j->rc = r->type == REDIS_REPLY_STATUS ? 1 : 0;
        if (r->type != REDIS_REPLY_STATUS && (j->op == FN_KV_OP_SET || r->type != REDIS_REPLY_NIL))
            srv_redis_fail(j, s, "answered SET with neither OK nor nil");
        break;
    case FN_KV_OP_DELETE:
    case FN_KV_OP_UNLOCK:
        if (r->type == REDIS_REPLY_INTEGER) j->rc = r->integer > 0;
        else srv_redis_fail(j, s, "answered with something other than an integer");
        break;
    }
}

/* ---- calls without a loop (a job's run) ------------------------------------------ */

void srv_redis_blocking(fn_kv_job_t *j)
{
    fn_kv_remote_t *s = j->store;
    srv__rsync_t *k = srv__rsyncs;
    while (k && k->store != s) k = k->next;
    if (!k && (k = calloc(1, sizeof *k))) {
        srv_redis_on_thread_exit();
        k->store = s;
        k->next = srv__rsyncs;
        srv__rsyncs = k;
    }
    if (!k) {
        srv_redis_fail(j, s, "out of memory");
        return;
    }
    struct timeval tv = { SRV_REDIS_TIMEOUT_NS / 1000000000LL, 0 };
    if (!k->c) {
        k->c = redisConnectWithTimeout(s->w.addr, (int)s->w.u.port, tv);
        const fn_kv_url_t *u = &s->w.u;
        redisReply *auth = NULL, *sel = NULL;
        bool up = k->c && !k->c->err && redisSetTimeout(k->c, tv) == REDIS_OK;
        if (up && u->auth) {
            auth = u->user[0] ? redisCommand(k->c, "AUTH %s %b", u->user, u->password, u->password_len)
                              : redisCommand(k->c, "AUTH %b", u->password, u->password_len);
            up = auth && auth->type != REDIS_REPLY_ERROR;
        }
        if (up && u->db) {
            sel = redisCommand(k->c, "SELECT %u", u->db);
            up = sel && sel->type != REDIS_REPLY_ERROR;
        }
        if (!up) {
            srv_redis_fail(j, s, k->c && k->c->err ? k->c->errstr : "cannot connect, AUTH or SELECT the database");
            if (k->c) redisFree(k->c);
            k->c = NULL;
        }
        if (auth) freeReplyObject(auth);
        if (sel) freeReplyObject(sel);
        if (!k->c) return;
    }
    srv_redis_cmd_t cmd;
    if (srv_redis_command(j, &cmd) < 0) {
        srv_redis_fail(j, s, "out of memory");
        return;
    }
    redisReply *r = redisCommandArgv(k->c, cmd.argc, cmd.argv, cmd.len);
    free(cmd.key);
    if (!r) {
        srv_redis_fail(j, s, k->c->err ? k->c->errstr : "no answer");
        redisFree(k->c);
        k->c = NULL;
        return;
    }
    srv_redis_answer(j, r);
    freeReplyObject(r);
}

void srv_redis_sync_free(void)
{
    for (srv__rsync_t *k = srv__rsyncs, *next; k; k = next) {
        next = k->next;
        if (k->c) redisFree(k->c);
        free(k);
    }
    srv__rsyncs = NULL;
}
