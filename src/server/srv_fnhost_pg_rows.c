/* A PostgreSQL query's parameters in and rows out (srv_fnhost_pg.h). */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/json_read.h"
#include "server/srv_fnhost_pg.h"

/* Type OIDs (PostgreSQL's pg_type.dat) shown as JSON's own. */
enum { SRV__PG_BOOL = 16, SRV__PG_INT8 = 20, SRV__PG_INT2 = 21, SRV__PG_INT4 = 23, SRV__PG_OID = 26,
       SRV__PG_FLOAT4 = 700, SRV__PG_FLOAT8 = 701 };

void srv_pg_fail(fn_db_job_t *j, int error, const char *why)
{
    j->error = error;
    j->result_len = 0;
    /* libpq's messages may go on over lines (LINE 1: ..., a caret): the
     * first one says it, and a log line is one line. */
    size_t n = strcspn(why, "\n");
    if (n > 190) n = 190;
    snprintf(j->detail, sizeof j->detail, "%.*s", (int)n, why);
    while (n && j->detail[n - 1] == ' ') j->detail[--n] = '\0';
}

int srv_pg_params(fn_db_job_t *j, ifr_arena_t *a, srv_pg_params_t *out)
{
    memset(out, 0, sizeof *out);
    if (!(out->sql = ifr_arena_strndup(a, (const char *)j->data, j->sql_len))) goto oom;
    if (memchr(j->data, '\0', j->sql_len)) {
        srv_pg_fail(j, FN_HOST_E_INVALID, "the SQL holds a NUL byte");
        return -1;
    }
    if (j->params_len == 0) return 0;
    ifr_json_error_t err;
    const ifr_json_t *v = ifr_json_parse(a, (const char *)j->data + j->sql_len, j->params_len, &err);
    if (!v || v->type != IFR_JSON_ARRAY) {
        srv_pg_fail(j, FN_HOST_E_INVALID, "the parameters are not a JSON array");
        return -1;
    }
    if (v->count > 65535) {
        srv_pg_fail(j, FN_HOST_E_INVALID, "more than 65535 parameters");
        return -1;
    }
    out->count = (int)v->count;
    if (v->count && !(out->values = ifr_arena_calloc(a, v->count, sizeof *out->values))) goto oom;
    for (size_t i = 0; i < v->count; i++) {
        const ifr_json_t *p = &v->items[i];
        if (p->type == IFR_JSON_NULL) continue;
        if (p->type == IFR_JSON_BOOL) out->values[i] = p->boolean ? "true" : "false";
        else if (p->type == IFR_JSON_NUMBER) out->values[i] = ifr_arena_strndup(a, p->raw_number.ptr, p->raw_number.len);
        else if (p->type == IFR_JSON_STRING && !memchr(p->string.ptr, '\0', p->string.len)) out->values[i] = p->string.ptr;
        else {
            srv_pg_fail(j, FN_HOST_E_INVALID, p->type == IFR_JSON_STRING ? "a parameter holds a NUL byte"
                                                                           : "a parameter is an array or an object");
            return -1;
        }
        if (!out->values[i]) goto oom;
    }
    return 0;
oom:
    srv_pg_fail(j, FN_HOST_E_UNAVAILABLE, "out of memory");
    return -1;
}

/* One field's value as JSON. */
static int srv__pg_value(ifr_buf_t *b, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) return ifr_buf_append_cstr(b, "null");
    const char *v = PQgetvalue(res, row, col);
    size_t len = (size_t)PQgetlength(res, row, col);
    switch (PQftype(res, col)) {
    case SRV__PG_BOOL: return ifr_buf_append_cstr(b, v[0] == 't' ? "true" : "false");
    case SRV__PG_INT2: case SRV__PG_INT4: case SRV__PG_INT8: case SRV__PG_OID: return ifr_buf_append(b, v, len);
    case SRV__PG_FLOAT4:
    case SRV__PG_FLOAT8:
        /* NaN and the infinities are no JSON numbers: strings, as text is. */
        if (len && (v[len - 1] == 'N' || v[len - 1] == 'y')) break;
        return ifr_buf_append(b, v, len);
    }
    return ifr_json_append_string(b, ifr_str(v, len));
}

void srv_pg_result(fn_db_job_t *j, const PGresult *res, bool first)
{
    if (j->error) return;   /* an earlier result failed the job */
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) {
        srv_pg_fail(j, FN_HOST_E_QUERY, PQresultErrorMessage(res));
        return;
    }
    if (!first) return;   /* one statement: only its result counts */
    ifr_buf_t b = IFR_BUF_INIT;
    int rows = st == PGRES_TUPLES_OK ? PQntuples(res) : 0, cols = PQnfields(res);
    bool ok = ifr_buf_append_byte(&b, '[') == 0;
    for (int r = 0; ok && r < rows && b.len <= j->max_result; r++) {
        ok = (r == 0 || ifr_buf_append_byte(&b, ',') == 0) && ifr_buf_append_byte(&b, '{') == 0;
        for (int c = 0; ok && c < cols; c++)
            ok = (c == 0 || ifr_buf_append_byte(&b, ',') == 0) &&
                 ifr_json_append_string(&b, ifr_cstr(PQfname(res, c))) == 0 && ifr_buf_append_byte(&b, ':') == 0 &&
                 srv__pg_value(&b, res, r, c) == 0;
        ok = ok && ifr_buf_append_byte(&b, '}') == 0;
    }
    ok = ok && ifr_buf_append_byte(&b, ']') == 0;
    if (!ok) {
        srv_pg_fail(j, FN_HOST_E_UNAVAILABLE, "out of memory");
    } else if (b.len > j->max_result && !j->truncate) {
        srv_pg_fail(j, FN_HOST_E_RESPONSE_TOO_LARGE, "the rows are larger than 1 MiB of JSON");
    } else {
        j->result_len = b.len < j->max_result ? b.len : j->max_result;
        memcpy(fn_db_job_result(j), b.data, j->result_len);
    }
    ifr_buf_free(&b);
}
