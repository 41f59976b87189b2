/* The shared KV store on Redis (fn_host.h kv_remote_*): what the loop's
 * connections (srv_fnhost_redis.c) and the rest (srv_fnhost_redis_cmd.c:
 * the stores, commands and answers, a job thread's blocking calls)
 * share. */
#ifndef IFRIT_SERVER_SRV_FNHOST_REDIS_H
#define IFRIT_SERVER_SRV_FNHOST_REDIS_H

#include <arpa/inet.h>
#include <hiredis/hiredis.h>

#include "fn/fn_host.h"

/* A command unanswered this long fails (the loop drops its connection;
 * a blocking call times out). */
#define SRV_REDIS_TIMEOUT_NS (2LL * 1000000000LL)

/* Where a store is (fn_kv_remote_t is srv_fnhost_redis_cmd.c's). */
typedef struct {
    char *url;                   /* as configured */
    char addr[INET6_ADDRSTRLEN]; /* its host, resolved at open */
    fn_kv_url_t u;
} srv_redis_where_t;
/* s's, alive as long as the process. */
const srv_redis_where_t *srv_redis_where(const fn_kv_remote_t *s);

/* fn_host_backend_t.kv_remote_open. */
fn_kv_remote_t *srv_redis_open(const char *url, char *why, size_t size);

/* A job's command, at most 6 arguments (pointing into the job, ttl and
 * key); key is malloc'd, the caller frees it. */
typedef struct {
    int argc;
    const char *argv[6];
    size_t len[6];
    char ttl[24];
    char *key;
} srv_redis_cmd_t;
/* 0, or -1 when out of memory. */
int srv_redis_command(fn_kv_job_t *j, srv_redis_cmd_t *cmd);
/* Fills the job's out fields from Redis's reply. */
void srv_redis_answer(fn_kv_job_t *j, const redisReply *r);
/* The job failed: rc -1, and why (with the store's address) in detail. */
void srv_redis_fail(fn_kv_job_t *j, fn_kv_remote_t *s, const char *what);

/* Runs the job on this thread's blocking connection to its store (made
 * at first use): a thread with no loop. */
void srv_redis_blocking(fn_kv_job_t *j);
/* Frees this thread's blocking connections (it ends). */
void srv_redis_sync_free(void);
/* This thread's connections are freed when it ends (srv_fnhost_redis.c). */
void srv_redis_on_thread_exit(void);

#endif
