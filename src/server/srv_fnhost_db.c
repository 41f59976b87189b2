/* Functions' SQL database (fn_host.h db_open, db_query): `db_driver
 * sqlite` with `db_dsn PATH`, on SQLite. One connection per database file
 * in serialized mode, shared by the helper threads the queries run on
 * (never a worker: a query may take any time); a statement waits up to
 * SRV__DB_BUSY_MS for a lock another process holds. A query is one
 * statement, its parameters a JSON array bound in order; the rows come
 * back as a JSON array of objects, one member per column in column order
 * (integers and reals as numbers, text and blobs as strings, NULL as
 * null), as Gojinn's executeQueryToJSON shapes them. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/json_read.h"
#include "server/srv_fnhost.h"

#define SRV__DB_BUSY_MS 5000

struct fn_db {
    struct fn_db *next;
    char *path;
    sqlite3 *db;
};

static pthread_mutex_t srv__db_list_mu = PTHREAD_MUTEX_INITIALIZER;
static fn_db_t *srv__dbs;

static fn_db_t *srv__db_open(const char *path, char *why, size_t size)
{
    pthread_mutex_lock(&srv__db_list_mu);
    fn_db_t *d = srv__dbs;
    while (d && strcmp(d->path, path) != 0) d = d->next;
    if (!d) {
        d = calloc(1, sizeof *d);
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
        if (!d || !(d->path = strdup(path)) || sqlite3_open_v2(path, &d->db, flags, NULL) != SQLITE_OK) {
            snprintf(why, size, "cannot open %s: %s", path, d && d->db ? sqlite3_errmsg(d->db) : "out of memory");
            if (d) sqlite3_close(d->db);
            if (d) free(d->path);
            free(d);
            d = NULL;
        } else {
            sqlite3_busy_timeout(d->db, SRV__DB_BUSY_MS);
            d->next = srv__dbs;
            srv__dbs = d;
        }
    }
    pthread_mutex_unlock(&srv__db_list_mu);
    return d;
}

static void srv__db_fail(fn_db_job_t *j, int error, const char *what, const char *detail)
{
    j->error = error;
    j->result_len = 0;
    snprintf(j->detail, sizeof j->detail, "%s%.150s", what, detail);
}

/* Binds the JSON array params to st: 0, or -1 with the job failed. */
static int srv__db_bind(fn_db_job_t *j, sqlite3_stmt *st, ifr_arena_t *a)
{
    if (j->params_len == 0) return 0;
    ifr_json_error_t err;
    const ifr_json_t *v = ifr_json_parse(a, (const char *)j->data + j->sql_len, j->params_len, &err);
    if (!v || v->type != IFR_JSON_ARRAY) {
        srv__db_fail(j, FN_HOST_E_INVALID, "the parameters are not a JSON array", "");
        return -1;
    }
    if ((int)v->count > sqlite3_bind_parameter_count(st)) {
        srv__db_fail(j, FN_HOST_E_INVALID, "more parameters than the statement has", "");
        return -1;
    }
    for (size_t i = 0; i < v->count; i++) {
        const ifr_json_t *p = &v->items[i];
        int k = (int)i + 1, rc = SQLITE_OK;
        int64_t n;
        if (p->type == IFR_JSON_NULL) rc = sqlite3_bind_null(st, k);
        else if (p->type == IFR_JSON_BOOL) rc = sqlite3_bind_int(st, k, p->boolean);
        else if (p->type == IFR_JSON_NUMBER && ifr_json_int64(p, &n)) rc = sqlite3_bind_int64(st, k, n);
        else if (p->type == IFR_JSON_NUMBER) rc = sqlite3_bind_double(st, k, p->number);
        else if (p->type == IFR_JSON_STRING) rc = sqlite3_bind_text(st, k, p->string.ptr, (int)p->string.len, SQLITE_STATIC);
        else {
            srv__db_fail(j, FN_HOST_E_INVALID, "a parameter is an array or an object", "");
            return -1;
        }
        if (rc != SQLITE_OK) {
            srv__db_fail(j, FN_HOST_E_QUERY, "binding a parameter: ", sqlite3_errstr(rc));
            return -1;
        }
    }
    return 0;
}

/* One row as a JSON object appended to b. -1 when b cannot grow. */
static int srv__db_row(sqlite3_stmt *st, ifr_buf_t *b)
{
    int cols = sqlite3_column_count(st);
    if (ifr_buf_append_byte(b, '{') < 0) return -1;
    for (int i = 0; i < cols; i++) {
        const char *name = sqlite3_column_name(st, i);
        if ((i && ifr_buf_append_byte(b, ',') < 0) || ifr_json_append_string(b, ifr_cstr(name ? name : "")) < 0 ||
            ifr_buf_append_byte(b, ':') < 0)
            return -1;
        int rc = 0;
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER: rc = ifr_buf_printf(b, "%lld", (long long)sqlite3_column_int64(st, i)); break;
        case SQLITE_FLOAT: rc = ifr_buf_printf(b, "%.17g", sqlite3_column_double(st, i)); break;
        case SQLITE_NULL: rc = ifr_buf_append_cstr(b, "null"); break;
        default: {
            const char *t = (const char *)sqlite3_column_blob(st, i);
            rc = ifr_json_append_string(b, ifr_str(t ? t : "", (size_t)sqlite3_column_bytes(st, i)));
        }
        }
        if (rc < 0) return -1;
    }
    return ifr_buf_append_byte(b, '}');
}

static void srv__db_query(fn_db_job_t *j)
{
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    ifr_arena_t arena;
    ifr_arena_init(&arena, 4096);
    ifr_buf_t b = IFR_BUF_INIT;
    j->error = FN_HOST_E_OK;
    if (sqlite3_prepare_v2(j->db->db, (const char *)j->data, (int)j->sql_len, &st, &tail) != SQLITE_OK || !st) {
        srv__db_fail(j, FN_HOST_E_QUERY, "", sqlite3_errmsg(j->db->db));
        goto done;
    }
    const char *end = (const char *)j->data + j->sql_len;
    while (tail && tail < end && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == '\r' || *tail == ';')) tail++;
    if (tail && tail < end) {
        srv__db_fail(j, FN_HOST_E_INVALID, "one statement per query", "");
        goto done;
    }
    if (srv__db_bind(j, st, &arena) < 0) goto done;
    if (ifr_buf_append_byte(&b, '[') < 0) goto oom;
    int rc, rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rows++ && ifr_buf_append_byte(&b, ',') < 0) || srv__db_row(st, &b) < 0) goto oom;
        if (b.len > j->max_result + 1) break;   /* enough to know it does not fit */
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        srv__db_fail(j, FN_HOST_E_QUERY, "", sqlite3_errmsg(j->db->db));
        goto done;
    }
    if (ifr_buf_append_byte(&b, ']') < 0) goto oom;
    if (b.len > j->max_result && !j->truncate) {
        srv__db_fail(j, FN_HOST_E_RESPONSE_TOO_LARGE, "the rows are larger than 1 MiB of JSON", "");
        goto done;
    }
    j->result_len = b.len < j->max_result ? b.len : j->max_result;
    memcpy(fn_db_job_result(j), b.data, j->result_len);
    goto done;
oom:
    srv__db_fail(j, FN_HOST_E_UNAVAILABLE, "out of memory", "");
done:
    sqlite3_finalize(st);
    ifr_buf_free(&b);
    ifr_arena_destroy(&arena);
}

void srv_fnhost_db_fill(fn_host_backend_t *b)
{
    b->db_open = srv__db_open;
    b->db_query = srv__db_query;
}
