/* SQL queries: Gojinn's host_db_query and ifrit's db_query / db_result,
 * on the function's SQLite database (db_driver sqlite, db_dsn PATH). A
 * query may take any time, so it runs like an outbound call: the guest is
 * suspended, the statement runs on a helper thread (the backend's
 * db_query), and the guest resumes on its worker with the rows as JSON.
 *
 * Gojinn's form (its executeQueryToJSON, db.go): the result is written at
 * out, cut at max, and the call returns its length; a failure is the
 * array [{"error": "why"}] in the same place. ifrit's form takes
 * parameters (a JSON array bound to ?1, ?2, ...), returns an error code
 * and holds the result for db_result (sizes before copying).
 *
 * On PostgreSQL (db_driver postgres) the backend runs the query on the
 * worker's own loop instead (db_start, libpq's async API): the guest is
 * suspended the same way, and if the exchange ends while it waits, the
 * cleanup registered with the exchange's arena drops the answer before
 * the arena, which holds the job, is reset. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "fn/fn_function.h"
#include "fn/fn_host_call.h"

static void fn__db_work(void *arg)
{
    const fn_host_backend_t *b = fn_host_backend();
    fn_db_job_t *job = arg;
    if (b && b->db_query) {
        b->db_query(job);
    } else {
        job->error = FN_HOST_E_UNAVAILABLE;
        snprintf(job->detail, sizeof job->detail, "no database in this build");
    }
}

/* The exchange ends: a PostgreSQL query still waiting is dropped. */
static void fn__db_cleanup(void *data)
{
    fn_call_t *c = data;
    fn_host_call_t *h = c->host;
    if (h && h->db_job && h->db_job->inflight) fn_host_backend()->db_cancel(h->db_job);
}

static int fn__db_start(fn_call_t *c)
{
    return fn_host_backend()->db_start(c->x, c->host->db_job, fn_host_resume, c);
}

static fn_call_t *fn__db_request(fn_function_t *f, const char *call)
{
    fn_call_t *c = fn_host_current();
    if (c && c->f == f) return c;
    ifr_log_warn(f->logger, "%s while the function loads: host calls are not available there, it fails", call);
    return NULL;
}

/* Checks the grant and prepares the job: FN_HOST_E_OK, or why not (logged). */
static int fn__db_prepare(fn_call_t *c, const char *call, ifr_str_t sql, ifr_str_t params, uint64_t max, bool truncate)
{
    fn_function_t *f = c->f;
    if (!(f->conf->host.perms & FN_PERM_DB)) {
        fn_host_log(c, IFR_LOG_WARN, "%s denied: the function's permissions do not grant db", call);
        return FN_HOST_E_DENIED;
    }
    if (sql.len == 0 || sql.len > FN_DB_MAX_RESULT || params.len > FN_DB_MAX_RESULT) {
        fn_host_log(c, IFR_LOG_WARN, "%s: the SQL must have 1 to %u bytes, its parameters at most as many", call,
                    FN_DB_MAX_RESULT);
        return sql.len ? FN_HOST_E_TOO_LARGE : FN_HOST_E_INVALID;
    }
    fn_host_call_t *h = fn_host_state(c);
    size_t size = sizeof(fn_db_job_t) + sql.len + params.len + max;
    fn_db_job_t *j = h && h->db_job && h->db_job_size >= size ? h->db_job : h ? ifr_arena_alloc(c->x->arena, size) : NULL;
    if (!j) {
        fn_host_log(c, IFR_LOG_ERROR, "%s: out of memory for the result", call);
        return FN_HOST_E_UNAVAILABLE;
    }
    if (j != h->db_job) {
        h->db_job = j;
        h->db_job_size = size;
    }
    if (h->result == j) h->result = NULL;   /* replaced by this query's */
    memset(j, 0, sizeof *j);
    j->db = f->db;
    j->pg = f->pg;
    j->sql_len = (uint32_t)sql.len;
    j->params_len = (uint32_t)params.len;
    j->max_result = max;
    j->truncate = truncate;
    memcpy(j->data, sql.ptr, sql.len);
    if (params.len) memcpy(j->data + sql.len, params.ptr, params.len);
    if (f->pg && !h->db_cleanup) {
        if (ifr_arena_on_cleanup(c->x->arena, fn__db_cleanup, c) < 0) {
            fn_host_log(c, IFR_LOG_ERROR, "%s: out of memory", call);
            return FN_HOST_E_UNAVAILABLE;
        }
        h->db_cleanup = true;
    }
    h->pending = j;
    h->pending_size = h->db_job_size;
    h->work = fn__db_work;
    h->start = f->pg ? fn__db_start : NULL;
    h->suspended = true;
    return FN_HOST_E_OK;
}

static void fn__db_note(fn_call_t *c, const char *call, fn_db_job_t *j)
{
    if (j->error)
        fn_host_log(c, IFR_LOG_WARN, "%s: %s (%s)", call, fn_host_error_name(j->error), j->detail);
}

/* ---- Gojinn's host_db_query ---------------------------------------------- */

/* [{"error": why}] at out, cut at max: its length. */
static uint64_t fn__db_error_rows(iw_instance_t *inst, uint32_t out, uint32_t max, const char *why)
{
    ifr_buf_t b = IFR_BUF_INIT;
    uint64_t n = 0;
    if (ifr_buf_append_cstr(&b, "[{\"error\": ") == 0 && ifr_json_append_string(&b, ifr_cstr(why)) == 0 &&
        ifr_buf_append_cstr(&b, "}]") == 0) {
        n = b.len < max ? b.len : max;
        void *dst = n ? iw_memory_lift(inst, out, n) : NULL;
        if (dst) memcpy(dst, b.data, n);
        else n = 0;
    }
    ifr_buf_free(&b);
    return n;
}

static void fn__gojinn_db_complete(fn_call_t *c)
{
    fn_host_call_t *h = c->host;
    fn_db_job_t *j = h->db_job;
    fn__db_note(c, "host_db_query", j);
    if (j->error) {
        h->results[0] = fn__db_error_rows(c->inst, h->out, (uint32_t)j->max_result, j->detail);
        return;
    }
    void *dst = j->result_len ? iw_memory_lift(c->inst, h->out, j->result_len) : NULL;
    if (dst) memcpy(dst, fn_db_job_result(j), j->result_len);
    h->results[0] = dst ? j->result_len : 0;
}

FN_HOST_FN(fn_gojinn_db_query)
{
    fn_function_t *f = env;
    uint32_t max = (uint32_t)args[3];
    const char *sql = fn_host_lift(inst, "host_db_query", "SQL", (uint32_t)args[0], (uint32_t)args[1]);
    if (!sql || !fn_host_lift(inst, "host_db_query", "buffer", (uint32_t)args[2], max)) return IW_HOST_TRAP;
    results[0] = 0;
    fn_call_t *c = fn__db_request(f, "host_db_query");
    if (!c) return IW_HOST_OK;
    uint64_t cap = max < FN_DB_MAX_RESULT ? max : FN_DB_MAX_RESULT;
    int e = fn__db_prepare(c, "host_db_query", ifr_str(sql, (uint32_t)args[1]), IFR_LIT(""), cap, true);
    if (e) {
        results[0] = fn__db_error_rows(inst, (uint32_t)args[2], max, fn_host_error_name(e));
        return IW_HOST_OK;
    }
    c->host->out = (uint32_t)args[2];
    c->host->complete = fn__gojinn_db_complete;
    return IW_HOST_SUSPEND;
}

/* ---- ifrit's db_query and db_result -------------------------------------- */

static void fn__ifrit_db_complete(fn_call_t *c)
{
    fn_host_call_t *h = c->host;
    fn__db_note(c, "db_query", h->db_job);
    h->result = h->db_job->error ? NULL : h->db_job;
    h->results[0] = (uint32_t)h->db_job->error;
}

FN_HOST_FN(fn_ifrit_db_query)
{
    fn_function_t *f = env;
    const char *sql = fn_host_lift(inst, "db_query", "SQL", (uint32_t)args[0], (uint32_t)args[1]);
    const char *params = sql ? fn_host_lift(inst, "db_query", "parameters", (uint32_t)args[2], (uint32_t)args[3]) : NULL;
    if (!params) return IW_HOST_TRAP;
    fn_call_t *c = fn__db_request(f, "db_query");
    int e = c ? fn__db_prepare(c, "db_query", ifr_str(sql, (uint32_t)args[1]), ifr_str(params, (uint32_t)args[3]),
                               FN_DB_MAX_RESULT, false)
              : FN_HOST_E_UNAVAILABLE;
    if (e) {
        if (c && c->host) c->host->result = NULL;
        results[0] = (uint32_t)e;
        return IW_HOST_OK;
    }
    c->host->complete = fn__ifrit_db_complete;
    return IW_HOST_SUSPEND;
}

FN_HOST_FN(fn_ifrit_db_result)
{
    void *out = fn_host_lift(inst, "db_result", "buffer", (uint32_t)args[0], (uint32_t)args[1]);
    uint8_t *lenp = out ? fn_host_lift(inst, "db_result", "length", (uint32_t)args[2], 4) : NULL;
    if (!lenp) return IW_HOST_TRAP;
    fn_call_t *c = fn_host_current();
    fn_db_job_t *r = c && c->f == env && c->host ? c->host->result : NULL;
    if (!r) {
        results[0] = FN_HOST_E_NO_RESPONSE;
        return IW_HOST_OK;
    }
    uint64_t len = r->result_len, cap = (uint32_t)args[1];
    memcpy(out, fn_db_job_result(r), len < cap ? len : cap);
    for (int i = 0; i < 4; i++) lenp[i] = (uint8_t)(len >> (8 * i));
    results[0] = len > cap ? FN_HOST_E_BUFFER_TOO_SMALL : FN_HOST_E_OK;
    return IW_HOST_OK;
}
