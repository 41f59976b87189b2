/* Functions' PostgreSQL databases (srv_fnhost_pg.c): what the loop's
 * connections and a job thread's blocking one share
 * (srv_fnhost_pg_rows.c): a query's parameters as libpq wants them, and
 * its rows as Gojinn's JSON. */
#ifndef IFRIT_SERVER_SRV_FNHOST_PG_H
#define IFRIT_SERVER_SRV_FNHOST_PG_H

#include <libpq-fe.h>

#include "base/arena.h"
#include "fn/fn_host.h"

/* The job's SQL and parameters, NUL-terminated in a (the caller's
 * arena): values[i] NULL for a JSON null. 0, or -1 with the job failed
 * (INVALID: the parameters are no JSON array of scalars). */
typedef struct {
    const char *sql;
    int count;
    const char **values;
} srv_pg_params_t;
int srv_pg_params(fn_db_job_t *j, ifr_arena_t *a, srv_pg_params_t *out);

/* Adds one result of the query to the job's answer: rows (a JSON array
 * of objects, a member per column in column order; integers, reals and
 * booleans as JSON's, NULL as null, everything else as strings), [] for a
 * command without rows, or the job failed (QUERY, with the server's
 * message). first: the query's first result. */
void srv_pg_result(fn_db_job_t *j, const PGresult *res, bool first);

/* The job failed: error, and why for the log. */
void srv_pg_fail(fn_db_job_t *j, int error, const char *why);

#endif
