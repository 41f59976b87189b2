/* The native backend of functions' host calls (fn/fn_host.h): the KV store
 * on SQLite (srv_fnhost_kv.c), outbound HTTP with libcurl on the offload
 * helpers (srv_fnhost_http.c), functions' SQLite databases
 * (srv_fnhost_db.c) and PostgreSQL ones (srv_fnhost_pg.c), Ed25519 checks of signed modules with OpenSSL
 * (srv_fnhost_sign.c) and jobs (srv_fnhost_jobs.c). */
#ifndef IFRIT_SERVER_SRV_FNHOST_H
#define IFRIT_SERVER_SRV_FNHOST_H

#include "fn/fn_host.h"

void srv_fnhost_kv_fill(fn_host_backend_t *b);
/* Commits every KV write still waiting in memory: when the server stops,
 * after its workers did. */
void srv_fnhost_kv_flush_all(void);
/* The shared KV store on Redis (`kv redis://...`, srv_fnhost_redis.c). */
void srv_fnhost_redis_fill(fn_host_backend_t *b);
void srv_fnhost_http_fill(fn_host_backend_t *b);
void srv_fnhost_sign_fill(fn_host_backend_t *b);
void srv_fnhost_db_fill(fn_host_backend_t *b);
/* Functions' PostgreSQL databases (db_driver postgres, srv_fnhost_pg.c). */
void srv_fnhost_pg_fill(fn_host_backend_t *b);
void srv_fnhost_jobs_fill(fn_host_backend_t *b);
struct route_plan;
/* Jobs run with plan from now on (a reference is taken; the last one is
 * dropped), and every jobs file opened so far gets its thread: called by
 * worker 0 as it starts and as it takes each new plan (srv_worker.c), so
 * only a serving process runs jobs (srv_fnhost_jobs.c). */
void srv_fnhost_jobs_serve(struct route_plan *plan);
/* No job starts any more: the server stops (worker 0 is told to). */
void srv_fnhost_jobs_stop(void);
/* The plan jobs run with now (a reference the caller releases), NULL
 * once the server stops. */
struct route_plan *srv_fnhost_jobs_plan(void);
/* Queues a job as fn_host_backend_t.job_enqueue does. */
int srv_fnhost_job_enqueue(const char *storage_path, const fn_job_request_t *job, char *id, char *why, size_t size);
/* Whether job id of that data directory is queued or running. */
bool srv_fnhost_job_active(const char *storage_path, const char *id);
/* The schedules changed (a new plan): srv_fnhost_cron.c takes them from
 * srv_fnhost_jobs_plan; its thread starts at the first call. */
void srv_fnhost_cron_replan(void);
/* mkdir -p of the directory part of path (changed and restored on the
 * way), new levels 0700: 0, or -1 with errno. */
int srv_fnhost_mkdirs(char *path);
/* Fills and registers the backend: once, at start-up (srv_register_natives). */
void srv_fnhost_register(void);

#endif
