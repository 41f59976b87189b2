/* Refuses a function's native-only options at `ifrit edge config` time
 * (cmd_edge_native_only.h). */
#include "server/cmd_edge_native_only.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    const char *why;
} srv__edge_refusal_t;

/* Options of the function's block. */
static const srv__edge_refusal_t srv__edge_refused_options[] = {
    { "cron", "schedules need a process that runs between requests; a Worker runs only for one (use a Cron Trigger "
              "of your own)" },
    { "kv", "the shared Redis store needs a TCP client; at the edge KV is a Durable Object already shared by every "
            "isolate" },
    { "db_driver", "databases (SQLite files, PostgreSQL connections) have no backend inside a Worker" },
    { "db_dsn", "databases (SQLite files, PostgreSQL connections) have no backend inside a Worker" },
    { "ai_provider", "AI calls are native-only for now" },
    { "ai_endpoint", "AI calls are native-only for now" },
    { "ai_model", "AI calls are native-only for now" },
    { "ai_token", "AI calls are native-only for now" },
};

/* Grants of its permissions block. */
static const srv__edge_refusal_t srv__edge_refused_grants[] = {
    { "db", "databases have no backend inside a Worker" },
    { "enqueue", "jobs need a durable queue and a process that runs them later; a Worker runs only for one request" },
    { "ai", "AI calls are native-only for now" },
};

static const char *srv__edge_refused(const srv__edge_refusal_t *table, size_t n, ifr_str_t name)
{
    for (size_t i = 0; i < n; i++)
        if (ifr_str_eq_cstr(name, table[i].name)) return table[i].why;
    return NULL;
}

static void srv__edge_refuse(const cfg_token_t *t, const char *what, const char *why)
{
    fprintf(stderr, "%s:%d:%d: %.*s%s is native-only: %s (docs/edge.md)\n", t->file ? t->file : "Caddyfile", t->line,
            t->col, (int)t->text.len, t->text.ptr, what, why);
}

int srv_edge_native_only(const cfg_directive_t *d)
{
    int rc = 0;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        const char *why = srv__edge_refused(srv__edge_refused_options,
                                            sizeof srv__edge_refused_options / sizeof *srv__edge_refused_options,
                                            s->name.text);
        if (why) {
            srv__edge_refuse(&s->name, "", why);
            rc = -1;
        }
        if (!ifr_str_eq_cstr(s->name.text, "permissions")) continue;
        for (size_t k = 0; s->block && k < s->block->count; k++) {
            const cfg_directive_t *g = &s->block->items[k];
            why = srv__edge_refused(srv__edge_refused_grants,
                                    sizeof srv__edge_refused_grants / sizeof *srv__edge_refused_grants, g->name.text);
            if (why) {
                srv__edge_refuse(&g->name, " (a permissions grant)", why);
                rc = -1;
            }
        }
    }
    return rc;
}
