/* Functions' jobs (fn_host.h's job_*; docs/functions.md, "Jobs"): a
 * queue in <data directory>/functions/jobs.sqlite3 (WAL; a job is
 * committed before its 202 or its host call returns), and one thread per
 * file that runs the due jobs one at a time with the current plan
 * (fn_job_run: no client, no loop, so a job's sleeps and outbound calls
 * block this thread and never a worker). A failed run (an answer of 500
 * or more, a trap, a timeout) is tried again after attempts x the
 * function's retry_backoff, up to its max_retries; then the job is dead:
 * kept with its last error, and a log line says so. A job still running
 * when the process stopped runs again at the next start (at least once).
 * The threads start when the server says (srv_fnhost_jobs_serve), so
 * `ifrit validate`, which loads the same functions, runs no job. */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/json.h"
#include "base/log.h"
#include "route/plan.h"
#include "server/srv_fnhost.h"
#include "tls/tls_storage.h"

#define SRV__JOBS_FILE "functions/jobs.sqlite3"
/* Longest sleep of an idle job thread before it looks at the file again. */
#define SRV__JOBS_IDLE_MS 30000

enum { SRV__JOBS_ADD, SRV__JOBS_NEXT, SRV__JOBS_DUE, SRV__JOBS_START, SRV__JOBS_END, SRV__JOBS_STATE, SRV__JOBS_NSTMT };

static const char *const srv__jobs_sql[SRV__JOBS_NSTMT] = {
    [SRV__JOBS_ADD] = "INSERT INTO jobs (id, function, ordinal, method, uri, headers, body, state, attempts, "
                      "max_retries, backoff_ms, next_at, created, updated, status, error) "
                      "VALUES (?1, ?2, ?10, ?3, ?4, ?5, ?6, 'queued', 0, ?7, ?8, ?9, ?9, ?9, 0, '')",
    [SRV__JOBS_NEXT] = "SELECT id, function, method, uri, headers, body, attempts, max_retries, backoff_ms, ordinal "
                       "FROM jobs WHERE state = 'queued' AND next_at <= ?1 ORDER BY next_at, created LIMIT 1",
    [SRV__JOBS_DUE] = "SELECT MIN(next_at) FROM jobs WHERE state = 'queued'",
    [SRV__JOBS_START] = "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated = ?2 WHERE id = ?1",
    [SRV__JOBS_END] = "UPDATE jobs SET state = ?2, next_at = ?3, status = ?4, error = ?5, updated = ?6 WHERE id = ?1",
    [SRV__JOBS_STATE] = "SELECT function, state, attempts, max_retries, status, error, created, updated, next_at "
                        "FROM jobs WHERE id = ?1",
};

static const char srv__jobs_schema[] =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = NORMAL;"
    "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, function TEXT NOT NULL, ordinal INTEGER NOT NULL,"
    " method TEXT NOT NULL,"
    " uri TEXT NOT NULL, headers BLOB NOT NULL, body BLOB NOT NULL, state TEXT NOT NULL,"
    " attempts INTEGER NOT NULL, max_retries INTEGER NOT NULL, backoff_ms INTEGER NOT NULL,"
    " next_at INTEGER NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " status INTEGER NOT NULL, error TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS jobs_due ON jobs (next_at) WHERE state = 'queued';";

typedef struct srv__jobs {
    struct srv__jobs *next;
    char storage[TLS_STORAGE_PATH_MAX];   /* as the config gave it ("" the default) */
    char path[TLS_STORAGE_PATH_MAX];
    pthread_mutex_t mu;                   /* db, its statements, wake */
    pthread_cond_t wake;
    sqlite3 *db;
    sqlite3_stmt *stmt[SRV__JOBS_NSTMT];
    bool serving;                         /* its thread was started */
} srv__jobs_t;

static pthread_mutex_t srv__jobs_list_mu = PTHREAD_MUTEX_INITIALIZER;
static srv__jobs_t *srv__jobs_list;
/* The plan jobs run with (one reference), and whether the server stops. */
static pthread_mutex_t srv__jobs_plan_mu = PTHREAD_MUTEX_INITIALIZER;
static route_plan_t *srv__jobs_plan;
static bool srv__jobs_stopping;

static int64_t srv__jobs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void srv__jobs_close(srv__jobs_t *j)
{
    for (int i = 0; i < SRV__JOBS_NSTMT; i++) sqlite3_finalize(j->stmt[i]);
    sqlite3_close(j->db);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->wake);
    free(j);
}

static srv__jobs_t *srv__jobs_new(const char *storage, const char *path, char *why, size_t size)
{
    srv__jobs_t *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(why, size, "out of memory");
        return NULL;
    }
    snprintf(j->storage, sizeof j->storage, "%s", storage);
    snprintf(j->path, sizeof j->path, "%s", path);
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->wake, NULL);
    char dir[TLS_STORAGE_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    if (srv_fnhost_mkdirs(dir) != 0) {
        snprintf(why, size, "cannot make the directory of %s: %s", path, strerror(errno));
        srv__jobs_close(j);
        return NULL;
    }
    char *err = NULL;
    if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_busy_timeout(j->db, 1000) != SQLITE_OK ||
        sqlite3_exec(j->db, srv__jobs_schema, NULL, NULL, &err) != SQLITE_OK) {
        snprintf(why, size, "cannot open %s: %s", path, err ? err : sqlite3_errmsg(j->db));
        sqlite3_free(err);
        srv__jobs_close(j);
        return NULL;
    }
    for (int i = 0; i < SRV__JOBS_NSTMT; i++)
        if (sqlite3_prepare_v3(j->db, srv__jobs_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &j->stmt[i], NULL) != SQLITE_OK) {
            snprintf(why, size, "%s: %s", path, sqlite3_errmsg(j->db));
            srv__jobs_close(j);
            return NULL;
        }
    return j;
}

/* The jobs file of storage_path, opened when first asked for. */
static srv__jobs_t *srv__jobs_get(const char *storage_path, char *why, size_t size)
{
    const char *storage = storage_path ? storage_path : "";
    pthread_mutex_lock(&srv__jobs_list_mu);
    srv__jobs_t *j = srv__jobs_list;
    while (j && strcmp(j->storage, storage) != 0) j = j->next;
    if (!j) {
        tls_storage_t st;
        char path[TLS_STORAGE_PATH_MAX];
        if (tls_storage_init(&st, storage_path, why, size) == 0) {
            if (tls_storage_path(&st, SRV__JOBS_FILE, path, sizeof path) != 0)
                snprintf(why, size, "the data directory's path is too long");
            else if ((j = srv__jobs_new(storage, path, why, size))) {
                j->next = srv__jobs_list;
                srv__jobs_list = j;
            }
        }
    }
    pthread_mutex_unlock(&srv__jobs_list_mu);
    return j;
}

static int srv__jobs_open(const char *storage_path, char *why, size_t size)
{
    return srv__jobs_get(storage_path, why, size) ? 0 : -1;
}

static void srv__jobs_bind_str(sqlite3_stmt *st, int i, ifr_str_t s)
{
    sqlite3_bind_text(st, i, s.len ? s.ptr : "", (int)s.len, SQLITE_TRANSIENT);
}

static void srv__jobs_bind_blob(sqlite3_stmt *st, int i, ifr_str_t s)
{
    sqlite3_bind_blob(st, i, s.len ? s.ptr : "", (int)s.len, SQLITE_TRANSIENT);
}

/* Steps and resets a statement that returns no row (j->mu held). */
static int srv__jobs_step(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static int srv__jobs_enqueue(const char *storage_path, const fn_job_request_t *job, char *id, char *why, size_t size)
{
    srv__jobs_t *j = srv__jobs_get(storage_path, why, size);
    if (!j) return -1;
    unsigned char raw[FN_JOB_ID_LEN / 2];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        snprintf(why, size, "no random bytes for its id: %s", strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < sizeof raw; i++) snprintf(id + 2 * i, 3, "%02x", raw[i]);
    pthread_mutex_lock(&j->mu);
    sqlite3_stmt *st = j->stmt[SRV__JOBS_ADD];
    sqlite3_bind_text(st, 1, id, FN_JOB_ID_LEN, SQLITE_TRANSIENT);
    srv__jobs_bind_str(st, 2, job->function);
    srv__jobs_bind_str(st, 3, job->method);
    srv__jobs_bind_str(st, 4, job->uri);
    srv__jobs_bind_blob(st, 5, job->headers);
    srv__jobs_bind_blob(st, 6, job->body);
    sqlite3_bind_int64(st, 7, job->max_retries);
    sqlite3_bind_int64(st, 8, job->backoff_ms);
    sqlite3_bind_int64(st, 9, srv__jobs_now_ms());
    sqlite3_bind_int64(st, 10, job->ordinal);
    int rc = srv__jobs_step(st);
    if (rc != SQLITE_DONE) snprintf(why, size, "%s: %s", j->path, sqlite3_errmsg(j->db));
    else pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->mu);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int srv__jobs_state(const char *storage_path, ifr_str_t id, char *out, size_t cap, size_t *len)
{
    char why[300];
    srv__jobs_t *j = srv__jobs_get(storage_path, why, sizeof why);
    if (!j) {
        ifr_log_error("fn", "jobs: %s", why);
        return -1;
    }
    ifr_buf_t b = IFR_BUF_INIT;
    pthread_mutex_lock(&j->mu);
    sqlite3_stmt *st = j->stmt[SRV__JOBS_STATE];
    srv__jobs_bind_str(st, 1, id);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        found = 1;
        ifr_buf_printf(&b, "{\"id\":\"%.*s\",\"function\":", (int)id.len, id.ptr);
        ifr_json_append_string(&b, ifr_cstr((const char *)sqlite3_column_text(st, 0)));
        ifr_buf_append_cstr(&b, ",\"state\":");
        ifr_json_append_string(&b, ifr_cstr((const char *)sqlite3_column_text(st, 1)));
        ifr_buf_printf(&b, ",\"attempts\":%lld,\"max_retries\":%lld,\"status\":%lld,\"error\":",
                       (long long)sqlite3_column_int64(st, 2), (long long)sqlite3_column_int64(st, 3),
                       (long long)sqlite3_column_int64(st, 4));
        ifr_json_append_string(&b, ifr_cstr((const char *)sqlite3_column_text(st, 5)));
        ifr_buf_printf(&b, ",\"created\":%lld,\"updated\":%lld,\"next_at\":%lld}",
                       (long long)sqlite3_column_int64(st, 6), (long long)sqlite3_column_int64(st, 7),
                       (long long)sqlite3_column_int64(st, 8));
    } else if (rc != SQLITE_DONE) {
        ifr_log_error("fn", "jobs %s: reading a job's state failed: %s", j->path, sqlite3_errmsg(j->db));
        found = -1;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    pthread_mutex_unlock(&j->mu);
    if (found == 1 && (!b.data || b.len > cap)) found = -1;
    if (found == 1) {
        memcpy(out, b.data, b.len);
        *len = b.len;
    }
    ifr_buf_free(&b);
    return found;
}

/* The next due job, copied (its parts malloc'd in one block), marked
 * running; 0 when none is due (*wait_ms: until the next one). j->mu held. */
typedef struct {
    char id[FN_JOB_ID_LEN + 1];
    fn_job_request_t req;
    int64_t attempts;
    unsigned char *block;
} srv__jobs_run_t;

static ifr_str_t srv__jobs_col(sqlite3_stmt *st, int i, unsigned char **at)
{
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    const void *p = sqlite3_column_blob(st, i);
    ifr_str_t s = ifr_str((const char *)*at, n);
    if (n) memcpy(*at, p, n);
    *at += n;
    return s;
}

static int srv__jobs_take(srv__jobs_t *j, srv__jobs_run_t *r, int64_t *wait_ms)
{
    int64_t now = srv__jobs_now_ms();
    sqlite3_stmt *st = j->stmt[SRV__JOBS_NEXT];
    sqlite3_bind_int64(st, 1, now);
    int found = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        size_t total = 0;
        for (int i = 1; i <= 5; i++) total += (size_t)sqlite3_column_bytes(st, i);
        unsigned char *at = r->block = malloc(total ? total : 1);
        if (at) {
            snprintf(r->id, sizeof r->id, "%s", (const char *)sqlite3_column_text(st, 0));
            r->req.function = srv__jobs_col(st, 1, &at);
            r->req.method = srv__jobs_col(st, 2, &at);
            r->req.uri = srv__jobs_col(st, 3, &at);
            r->req.headers = srv__jobs_col(st, 4, &at);
            r->req.body = srv__jobs_col(st, 5, &at);
            r->attempts = sqlite3_column_int64(st, 6) + 1;
            r->req.max_retries = (uint32_t)sqlite3_column_int64(st, 7);
            r->req.backoff_ms = sqlite3_column_int64(st, 8);
            r->req.ordinal = (uint32_t)sqlite3_column_int64(st, 9);
            found = 1;
        }
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (found) {
        st = j->stmt[SRV__JOBS_START];
        sqlite3_bind_text(st, 1, r->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, now);
        if (srv__jobs_step(st) != SQLITE_DONE) {
            ifr_log_error("fn", "jobs %s: starting job %s failed: %s", j->path, r->id, sqlite3_errmsg(j->db));
            free(r->block);
            found = 0;
        }
        return found;
    }
    *wait_ms = SRV__JOBS_IDLE_MS;
    st = j->stmt[SRV__JOBS_DUE];
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        int64_t due = sqlite3_column_int64(st, 0) - now;
        if (due < *wait_ms) *wait_ms = due < 1 ? 1 : due;
    }
    sqlite3_reset(st);
    return 0;
}

/* Records how the run ended (j->mu held) and logs a retry or a death. */
static void srv__jobs_finish(srv__jobs_t *j, const srv__jobs_run_t *r, const fn_job_outcome_t *out)
{
    bool ok = out->status > 0 && out->status < 500;
    bool retry = !ok && r->attempts <= (int64_t)r->req.max_retries;
    int64_t now = srv__jobs_now_ms(), next = retry ? now + r->attempts * r->req.backoff_ms : 0;
    const char *state = ok ? "done" : retry ? "queued" : "dead";
    int fn_len = (int)(r->req.function.len > 150 ? 150 : r->req.function.len);
    if (retry)
        ifr_log_warn("fn", "job %s (%.*s) failed, attempt %lld of %lld: %s; tried again in %lld ms", r->id, fn_len,
                     r->req.function.ptr, (long long)r->attempts, (long long)r->req.max_retries + 1, out->detail,
                     (long long)(next - now));
    else if (!ok)
        ifr_log_error("fn", "job %s (%.*s) is dead after %lld attempts (dead-lettered: kept with its error): %s",
                      r->id, fn_len, r->req.function.ptr, (long long)r->attempts, out->detail);
    sqlite3_stmt *st = j->stmt[SRV__JOBS_END];
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, next);
    sqlite3_bind_int64(st, 4, out->status);
    sqlite3_bind_text(st, 5, ok ? "" : out->detail, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, now);
    if (srv__jobs_step(st) != SQLITE_DONE)
        ifr_log_error("fn", "jobs %s: recording job %s failed: %s", j->path, r->id, sqlite3_errmsg(j->db));
}

static void *srv__jobs_thread(void *arg)
{
    srv__jobs_t *j = arg;
    pthread_mutex_lock(&j->mu);
    /* Jobs the last process was running when it stopped run again. */
    char *err = NULL;
    if (sqlite3_exec(j->db, "UPDATE jobs SET state = 'queued' WHERE state = 'running'", NULL, NULL, &err) != SQLITE_OK)
        ifr_log_error("fn", "jobs %s: requeuing the jobs of the last run failed: %s", j->path, err ? err : "?");
    sqlite3_free(err);
    for (;;) {
        srv__jobs_run_t r;
        int64_t wait_ms = 0;
        if (!srv__jobs_take(j, &r, &wait_ms)) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += wait_ms / 1000;
            until.tv_nsec += (wait_ms % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&j->wake, &j->mu, &until);
            continue;
        }
        pthread_mutex_unlock(&j->mu);
        route_plan_t *plan = srv_fnhost_jobs_plan();
        if (!plan) {   /* stopping: it stays running, and runs again at the next start */
            free(r.block);
            return NULL;
        }
        fn_job_outcome_t out;
        fn_job_run(plan, &r.req, r.id, &out);
        route_plan_release(plan);
        pthread_mutex_lock(&j->mu);
        srv__jobs_finish(j, &r, &out);
        free(r.block);
    }
    return NULL;
}

void srv_fnhost_jobs_serve(route_plan_t *plan)
{
    pthread_mutex_lock(&srv__jobs_plan_mu);
    if (srv__jobs_stopping) {   /* a plan that comes while the server stops is not kept */
        pthread_mutex_unlock(&srv__jobs_plan_mu);
        return;
    }
    route_plan_retain(plan);
    route_plan_t *old = srv__jobs_plan;
    srv__jobs_plan = plan;
    pthread_mutex_unlock(&srv__jobs_plan_mu);
    if (old) route_plan_release(old);
    pthread_mutex_lock(&srv__jobs_list_mu);
    for (srv__jobs_t *j = srv__jobs_list; j; j = j->next) {
        if (j->serving) continue;
        pthread_t t;
        if (pthread_create(&t, NULL, srv__jobs_thread, j) != 0) {
            ifr_log_error("fn", "jobs %s: cannot start the thread that runs them", j->path);
            continue;
        }
        pthread_detach(t);
        j->serving = true;
    }
    pthread_mutex_unlock(&srv__jobs_list_mu);
    srv_fnhost_cron_replan();
}

route_plan_t *srv_fnhost_jobs_plan(void)
{
    pthread_mutex_lock(&srv__jobs_plan_mu);
    route_plan_t *plan = srv__jobs_stopping ? NULL : srv__jobs_plan;
    if (plan) route_plan_retain(plan);
    pthread_mutex_unlock(&srv__jobs_plan_mu);
    return plan;
}

bool srv_fnhost_job_active(const char *storage_path, const char *id)
{
    char why[300];
    srv__jobs_t *j = srv__jobs_get(storage_path, why, sizeof why);
    if (!j) return false;
    pthread_mutex_lock(&j->mu);
    sqlite3_stmt *st = j->stmt[SRV__JOBS_STATE];
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    bool active = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(st, 1);
        active = strcmp(state, "queued") == 0 || strcmp(state, "running") == 0;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    pthread_mutex_unlock(&j->mu);
    return active;
}

int srv_fnhost_job_enqueue(const char *storage_path, const fn_job_request_t *job, char *id, char *why, size_t size)
{
    return srv__jobs_enqueue(storage_path, job, id, why, size);
}

void srv_fnhost_jobs_stop(void)
{
    pthread_mutex_lock(&srv__jobs_plan_mu);
    srv__jobs_stopping = true;
    route_plan_t *plan = srv__jobs_plan;
    srv__jobs_plan = NULL;
    pthread_mutex_unlock(&srv__jobs_plan_mu);
    /* A job running now keeps its own reference until it ends. */
    if (plan) route_plan_release(plan);
}

void srv_fnhost_jobs_fill(fn_host_backend_t *b)
{
    b->jobs_open = srv__jobs_open;
    b->job_enqueue = srv__jobs_enqueue;
    b->job_state = srv__jobs_state;
}
