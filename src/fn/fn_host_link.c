/* Linking a function's host imports: Gojinn's `gojinn` module with its
 * SDKs' names and signatures, and ifrit's `ifrit_host` (include/ifrit_host.h).
 * Where Gojinn's host and SDKs declare a function with different result
 * types (host_kv_get is i32 in one, i64 in others), each form links, by
 * the type the guest declares. An import of either module that ifrit does
 * not provide is a load error naming it; so is one whose type fits no
 * form. And at load the function's store is opened, when its block grants
 * a KV capability, and the jobs file, when it grants enqueue; a block
 * granting ai must name the AI endpoint's host in allow_host. */
#include <stdio.h>
#include <string.h>

#include "fn/fn_function.h"
#include "fn/fn_host_ai.h"
#include "fn/fn_host_call.h"
#include "fn/fn_host_link.h"

typedef struct {
    const char *module;
    const char *name;
    iw_sig_t sig;
    iw_host_fn_t fn;
} fn__host_import_t;

static const fn__host_import_t fn__host_imports[] = {
    { "gojinn", "host_log", "iii:", fn_gojinn_log },
    { "gojinn", "host_kv_set", "iiii:", fn_gojinn_kv_set },
    { "gojinn", "host_kv_get", "iiii:i", fn_gojinn_kv_get32 },
    { "gojinn", "host_kv_get", "iiii:I", fn_gojinn_kv_get64 },
    { "gojinn", "host_mutex_lock", "iii:i", fn_gojinn_mutex_lock },
    { "gojinn", "host_mutex_unlock", "ii:i", fn_gojinn_mutex_unlock },
    { "gojinn", "host_http_get", "iiii:I", fn_gojinn_http_get },
    { "gojinn", "host_http_get", "iiii:i", fn_gojinn_http_get },
    { "ifrit_host", "log", "iii:", fn_ifrit_log },
    { "ifrit_host", "kv_get", "iiiii:i", fn_ifrit_kv_get },
    { "ifrit_host", "kv_set", "iiiiI:i", fn_ifrit_kv_set },
    { "ifrit_host", "kv_delete", "ii:i", fn_ifrit_kv_delete },
    { "ifrit_host", "lock", "iiI:i", fn_ifrit_lock },
    { "ifrit_host", "unlock", "ii:i", fn_ifrit_unlock },
    { "ifrit_host", "http_request", "iiiiiiii:i", fn_ifrit_http_request },
    { "ifrit_host", "http_status", ":i", fn_ifrit_http_status },
    { "ifrit_host", "http_headers", "iii:i", fn_ifrit_http_headers },
    { "ifrit_host", "http_body", "iii:i", fn_ifrit_http_body },
    { "gojinn", "host_db_query", "iiii:i", fn_gojinn_db_query },
    { "ifrit_host", "db_query", "iiii:i", fn_ifrit_db_query },
    { "ifrit_host", "db_result", "iii:i", fn_ifrit_db_result },
    { "gojinn", "host_enqueue", "iiii:i", fn_gojinn_enqueue },
    { "ifrit_host", "enqueue", "iiiii:i", fn_ifrit_enqueue },
    { "gojinn", "host_ask_ai", "iiii:I", fn_gojinn_ask_ai },
    { "gojinn", "host_ask_ai", "iiii:i", fn_gojinn_ask_ai },
    { "ifrit_host", "ai_ask", "ii:i", fn_ifrit_ai_ask },
    { "ifrit_host", "ai_answer", "iii:i", fn_ifrit_ai_answer },
};
#define FN__HOST_NIMPORTS (sizeof fn__host_imports / sizeof fn__host_imports[0])

/* Gojinn's functions ifrit has not built yet, and what they are for. */
static const char *const fn__host_not_yet[][2] = {
    { "host_s3_put", "S3" },                 { "host_s3_get", "S3" },
    { "host_ws_upgrade", "WebSockets" },     { "host_ws_read", "WebSockets" },
    { "host_ws_write", "WebSockets" },
};

static bool fn__host_module(const char *m) { return strcmp(m, "gojinn") == 0 || strcmp(m, "ifrit_host") == 0; }

/* "iiii:I" as "(i32, i32, i32, i32) -> i64". */
static void fn__host_sig_text(iw_sig_t sig, char *out, size_t size)
{
    size_t o = 0;
    bool results = false, first = true;
    o += (size_t)snprintf(out + o, size - o, "(");
    for (const char *p = sig; *p && o < size; p++) {
        if (*p == ':') {
            o += (size_t)snprintf(out + o, size - o, ") -> (");
            results = true;
            first = true;
            continue;
        }
        const char *t = *p == 'i' ? "i32" : *p == 'I' ? "i64" : *p == 'f' ? "f32" : *p == 'F' ? "f64" : "ref";
        if (o < size) o += (size_t)snprintf(out + o, size - o, "%s%s", first ? "" : ", ", t);
        first = false;
    }
    if (o < size) snprintf(out + o, size - o, "%s", results ? ")" : ") -> ()");
}

static int fn__host_link_one(iw_linker_t *l, fn_function_t *f, const iw_extern_info_t *imp, iw_sig_t want,
                             char *why, size_t size)
{
    bool known = false;
    for (size_t i = 0; i < FN__HOST_NIMPORTS; i++) {
        const fn__host_import_t *e = &fn__host_imports[i];
        if (strcmp(e->module, imp->module) != 0 || strcmp(e->name, imp->name) != 0) continue;
        known = true;
        if (strcmp(e->sig, want) != 0) continue;
        /* env: the function, for its grants, store and logger */
        if (iw_linker_define_func(l, e->module, e->name, e->sig, e->fn, f) < 0) {
            snprintf(why, size, "out of memory");
            return -1;
        }
        return 0;
    }
    if (known) {
        char have[160], forms[320] = "";
        fn__host_sig_text(want, have, sizeof have);
        for (size_t i = 0; i < FN__HOST_NIMPORTS; i++) {
            const fn__host_import_t *e = &fn__host_imports[i];
            if (strcmp(e->module, imp->module) != 0 || strcmp(e->name, imp->name) != 0) continue;
            char one[160];
            fn__host_sig_text(e->sig, one, sizeof one);
            size_t n = strlen(forms);
            snprintf(forms + n, sizeof forms - n, "%s%s", n ? " or " : "", one);
        }
        snprintf(why, size, "it imports %s.%s as %s; ifrit provides %s", imp->module, imp->name, have, forms);
        return -1;
    }
    if (strcmp(imp->module, "gojinn") == 0)
        for (size_t i = 0; i < sizeof fn__host_not_yet / sizeof fn__host_not_yet[0]; i++)
            if (strcmp(imp->name, fn__host_not_yet[i][0]) == 0) {
                snprintf(why, size, "it imports gojinn.%s (%s), which ifrit does not support yet", imp->name,
                         fn__host_not_yet[i][1]);
                return -1;
            }
    snprintf(why, size, "it imports %s.%s, which ifrit does not provide (docs/functions.md lists the host "
             "functions)", imp->module, imp->name);
    return -1;
}

int fn_host_link(iw_linker_t *l, fn_function_t *f, char *why, size_t size)
{
    const iw_module_t *m = f->module;
    for (uint32_t i = 0; i < iw_module_import_count(m); i++) {
        iw_extern_info_t imp;
        iw_module_import_info(m, i, &imp);
        if (!fn__host_module(imp.module)) continue;
        if (imp.kind != IW_EXTERN_FUNC) {
            snprintf(why, size, "it imports %s.%s as something other than a function", imp.module, imp.name);
            return -1;
        }
        if (fn__host_link_one(l, f, &imp, iw_module_func_sig(m, imp.index), why, size) < 0) return -1;
    }
    const fn_host_config_t *h = &f->conf->host;
    const fn_host_backend_t *b = fn_host_backend();
    if ((h->perms & (FN_PERM_HTTP_GET | FN_PERM_AI)) && (!b || !b->http_fetch)) {
        snprintf(why, size, "permissions: outbound HTTP is not available in this build");
        return -1;
    }
    if (fn_host_ai_check(h, why, size) < 0) return -1;
    if (h->db_dsn && !h->db_sqlite && !h->db_postgres) {
        snprintf(why, size, "db_dsn needs db_driver sqlite or postgres");
        return -1;
    }
    if (h->db_sqlite && h->db_dsn && !h->db_path) {
        snprintf(why, size, "db_dsn: '%s' is a URL: db_driver sqlite takes the SQLite file's path", h->db_dsn);
        return -1;
    }
    if (h->perms & FN_PERM_DB) {
        char db_why[300];
        if (!h->db_dsn || (!h->db_sqlite && !h->db_postgres)) {
            snprintf(why, size, "permissions: db needs a database: db_driver sqlite and db_dsn PATH, or "
                     "db_driver postgres and db_dsn DSN");
            return -1;
        }
        if (h->db_postgres ? !b || !b->pg_open || !b->db_start : !b || !b->db_open || !b->db_query) {
            snprintf(why, size, "permissions: databases are not available in this build");
            return -1;
        }
        if (h->db_postgres ? !(f->pg = b->pg_open(h->db_dsn, db_why, sizeof db_why))
                           : !(f->db = b->db_open(h->db_path, db_why, sizeof db_why))) {
            snprintf(why, size, "the database: %s", db_why);
            return -1;
        }
    }
    if ((h->perms & FN_PERM_ENQUEUE) || f->conf->ncrons) {   /* jobs, or a cron's */
        char jobs_why[300];
        if (!b || !b->jobs_open || !b->job_enqueue || !b->job_state) {
            snprintf(why, size, "permissions: jobs are not available in this build");
            return -1;
        }
        if (b->jobs_open(h->storage_path, jobs_why, sizeof jobs_why) != 0) {
            snprintf(why, size, "the jobs file: %s", jobs_why);
            return -1;
        }
    }
    if (!(h->perms & (FN_PERM_KV_READ | FN_PERM_KV_WRITE | FN_PERM_MUTEX))) return 0;
    if (!b || !b->kv_open) {
        snprintf(why, size, "permissions: the KV store is not available in this build");
        return -1;
    }
    f->kv_ns = h->kv_namespace ? strdup(h->kv_namespace) : b->kv_default_namespace(f->conf->path);
    char open_why[300];
    if (h->kv_url) {
        if (!b->kv_remote_open) {
            snprintf(why, size, "kv: a shared KV store is not available in this build");
            return -1;
        }
        if (!f->kv_ns || !(f->kv_remote = b->kv_remote_open(h->kv_url, open_why, sizeof open_why))) {
            snprintf(why, size, "kv: %s", f->kv_ns ? open_why : "out of memory");
            return -1;
        }
        return 0;
    }
    if (!f->kv_ns || !(f->kv = b->kv_open(h->storage_path, open_why, sizeof open_why))) {
        snprintf(why, size, "the KV store: %s", f->kv_ns ? open_why : "out of memory");
        return -1;
    }
    return 0;
}

int fn_host_check_runner(const fn_config_t *c, unsigned served, char *why, size_t size)
{
    if (c->sign.policy != FN_SIGN_OFF) {
        snprintf(why, size, "security: signature checks are not available in this build");
        return -1;
    }
    if (c->ncrons) {
        snprintf(why, size, "cron: schedules are not available in this build");
        return -1;
    }
    if (!(c->host.perms & ~served) && !c->host.kv_url) return 0;
    if (!served) {
        snprintf(why, size, "permissions: host calls (KV, locks, outbound HTTP, databases, AI) are not available in this build");
        return -1;
    }
    snprintf(why, size, "permissions: %s are not available in this build (only KV, locks and outbound HTTP)",
             c->host.kv_url ? "shared KV stores (kv URL)" : "databases, jobs and AI calls");
    return -1;
}
