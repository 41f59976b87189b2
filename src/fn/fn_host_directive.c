/* The options of a `wasm` block that concern host calls (fn_host_conf.h):
 *
 *   permissions {                 what the function may call; nothing
 *       kv_read [PREFIX...]       without a grant
 *       kv_write [PREFIX...]
 *       mutex
 *       http_get
 *       http
 *   }
 *   allow_host HOST...            outbound hosts ("api.example.com",
 *                                 "*.example.com", "*"); repeatable
 *   kv_namespace NAME             share a KV namespace between functions
 *   kv sqlite|redis://HOST:PORT/DB  the KV store: embedded (sqlite) or shared
 *   http_timeout DUR              per outbound call (10s)
 *   http_max_response SIZE        response body bytes (1MiB)
 *   db_driver sqlite|postgres     the database host_db_query/db_query reach
 *   db_dsn PATH|DSN               (its file, relative to the Caddyfile; libpq's DSN)
 *   max_retries N                 its jobs' retries after a failure (5)
 *   retry_backoff DUR             the wait before retry N is N times this (1s)
 *   ai_provider openai|ollama     what host_ask_ai/ai_ask talk to (openai)
 *   ai_endpoint URL               its chat-completions URL (the provider's)
 *   ai_model NAME                 the model asked (gpt-3.5-turbo)
 *   ai_token TOKEN                sent as a bearer token, never logged
 *
 * Gojinn's capabilities ifrit does not have yet (other drivers) are refused
 * by name, never ignored. */
#include <string.h>

#include "config/dispense.h"
#include "fn/fn_host_call.h"
#include "fn/fn_host_directive.h"

static const char *const fn__host_perm_names[] = { "kv_read", "kv_write", "mutex", "http_get", "http", "db",
                                                   "enqueue", "ai" };
static const unsigned fn__host_perm_bits[] = { FN_PERM_KV_READ, FN_PERM_KV_WRITE, FN_PERM_MUTEX, FN_PERM_HTTP_GET,
                                               FN_PERM_HTTP, FN_PERM_DB, FN_PERM_ENQUEUE, FN_PERM_AI };
#define FN__HOST_NPERMS (sizeof fn__host_perm_names / sizeof fn__host_perm_names[0])

static int fn__host_append(route_parse_t *p, const char ***list, size_t *count, const cfg_token_t *t)
{
    const char **grown = ifr_arena_alloc(p->arena, (*count + 1) * sizeof *grown);
    if (!grown) return cfg_errorf(p->err, NULL, "out of memory");
    if (*count) memcpy(grown, *list, *count * sizeof *grown);
    grown[(*count)++] = t->text.ptr;
    *list = grown;
    return 0;
}

static int fn__host_scope(route_parse_t *p, const cfg_directive_t *s, fn_key_scope_t *scope)
{
    for (size_t i = 0; i < s->nargs; i++)
        if (fn__host_append(p, &scope->prefixes, &scope->count, &s->args[i]) != 0) return -1;
    return 0;
}

static int fn__host_permissions(route_parse_t *p, const cfg_directive_t *d, fn_host_config_t *h)
{
    if (cfg_expect_args(d, 0, 0, p->err) != 0) return -1;
    if (!d->block) return cfg_errorf(p->err, &d->name, "permissions: expected a block { kv_read kv_write ... }");
    for (size_t i = 0; i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        ifr_str_t n = s->name.text;
        size_t k = 0;
        while (k < FN__HOST_NPERMS && !ifr_str_eq_cstr(n, fn__host_perm_names[k])) k++;
        if (k == FN__HOST_NPERMS)
            return cfg_error_unknown(p->err, &s->name, "permission", fn__host_perm_names, FN__HOST_NPERMS);
        if (cfg_expect_no_block(s, p->err) != 0) return -1;
        unsigned bit = fn__host_perm_bits[k];
        if (bit == FN_PERM_KV_READ || bit == FN_PERM_KV_WRITE) {
            if (fn__host_scope(p, s, bit == FN_PERM_KV_READ ? &h->kv_read : &h->kv_write) != 0) return -1;
        } else if (cfg_expect_args(s, 0, 0, p->err) != 0) {
            return -1;
        }
        h->perms |= bit;
    }
    if (h->perms & FN_PERM_HTTP) h->perms |= FN_PERM_HTTP_GET;
    return 0;
}

/* A host name as allow_host takes it: letters, digits, '-', '.', an
 * IPv6 literal's ':' (brackets optional), or a leading "*." / a lone "*". */
static bool fn__host_name_ok(ifr_str_t n)
{
    if (n.len == 0 || n.len > 255) return false;
    if (ifr_str_eq_cstr(n, "*")) return true;
    size_t i = ifr_str_starts_with(n, IFR_LIT("*.")) ? 2 : 0;
    if (i == n.len) return false;
    for (; i < n.len; i++) {
        char ch = n.ptr[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                  ch == '.' || ch == ':' || ch == '[' || ch == ']';
        if (!ok) return false;
    }
    return true;
}

/* Printable ASCII, no space: what may follow "Bearer " in a header. */
static bool fn__host_token_ok(ifr_str_t t)
{
    if (t.len == 0 || t.len > 4096) return false;
    for (size_t i = 0; i < t.len; i++)
        if ((unsigned char)t.ptr[i] <= 0x20 || (unsigned char)t.ptr[i] >= 0x7f) return false;
    return true;
}

/* ai_provider, ai_endpoint, ai_model, ai_token (one argument each). */
static int fn__host_ai_option(route_parse_t *p, const cfg_directive_t *s, const cfg_token_t *a, fn_host_config_t *h)
{
    ifr_str_t n = s->name.text;
    if (ifr_str_eq_cstr(n, "ai_provider")) {
        if (cfg_is_word(a, "openai")) h->ai_ollama = false;
        else if (cfg_is_word(a, "ollama")) h->ai_ollama = true;
        else return cfg_errorf(p->err, a, "ai_provider: expected openai or ollama, got '%s'", a->text.ptr);
        return 0;
    }
    if (ifr_str_eq_cstr(n, "ai_endpoint")) {
        char hbuf[256], why[120];
        fn_url_t u;
        if (fn_host_url_parse(a->text, &u, hbuf, sizeof hbuf, why, sizeof why) < 0)
            return cfg_errorf(p->err, a, "ai_endpoint: %s", why);
        h->ai_endpoint = a->text.ptr;
        return 0;
    }
    if (ifr_str_eq_cstr(n, "ai_model")) {
        if (a->text.len == 0 || a->text.len > 200)
            return cfg_errorf(p->err, a, "ai_model: expected a name of 1 to 200 bytes");
        h->ai_model = a->text.ptr;
        return 0;
    }
    if (!fn__host_token_ok(a->text))   /* ai_token: not echoed, it is a secret */
        return cfg_errorf(p->err, a, "ai_token: expected 1 to 4096 printable ASCII bytes without spaces");
    h->ai_token = a->text.ptr;
    return 0;
}

int fn_host_option(route_parse_t *p, const cfg_directive_t *s, fn_host_config_t *h)
{
    ifr_str_t n = s->name.text;
    if (ifr_str_eq_cstr(n, "permissions")) return fn__host_permissions(p, s, h);
    if (ifr_str_eq_cstr(n, "allow_host")) {
        if (cfg_expect_args(s, 1, SIZE_MAX, p->err) != 0) return -1;
        for (size_t i = 0; i < s->nargs; i++) {
            if (!fn__host_name_ok(s->args[i].text))
                return cfg_errorf(p->err, &s->args[i], "allow_host: '%s' is not a host name, '*.' and a domain, "
                                  "or '*'", s->args[i].text.ptr);
            if (fn__host_append(p, &h->allow_hosts, &h->nallow_hosts, &s->args[i]) != 0) return -1;
        }
        return 0;
    }
    if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
    const cfg_token_t *a = &s->args[0];
    if (ifr_str_eq_cstr(n, "db_driver")) {
        if (cfg_is_word(a, "sqlite") || cfg_is_word(a, "sqlite3") || cfg_is_word(a, "libsql")) {
            h->db_sqlite = true;
            h->db_postgres = false;
            return 0;
        }
        if (cfg_is_word(a, "postgres") || cfg_is_word(a, "postgresql") || cfg_is_word(a, "pgx")) {
            h->db_postgres = true;
            h->db_sqlite = false;
            return 0;
        }
        return cfg_errorf(p->err, a, "db_driver: '%s' is not supported yet by ifrit (sqlite and postgres are)",
                          a->text.ptr);
    }
    if (ifr_str_eq_cstr(n, "db_dsn")) {
        /* Kept as written (libpq reads it for postgres); for sqlite, the
         * file's path too, unless it is a URL (db_driver may come later:
         * fn_host_link.c checks the pair). */
        ifr_str_t dsn = a->text;
        if (dsn.len == 0) return cfg_errorf(p->err, a, "db_dsn: expected the database (a path, or libpq's DSN)");
        h->db_dsn = a->text.ptr;
        h->db_path = NULL;
        if (ifr_str_starts_with(dsn, IFR_LIT("file:"))) dsn = ifr_str_sub(dsn, 5, dsn.len);   /* Gojinn's form */
        bool url = ifr_str_find_char(dsn, ':') >= 0 && ifr_str_find_char(dsn, '/') > ifr_str_find_char(dsn, ':');
        if (!url && dsn.len && ifr_str_find_char(dsn, '?') < 0 && !(h->db_path = route_parse_path(p, dsn)))
            return cfg_errorf(p->err, NULL, "out of memory");
        return 0;
    }
    if (ifr_str_starts_with(n, IFR_LIT("ai_"))) return fn__host_ai_option(p, s, a, h);
    if (ifr_str_eq_cstr(n, "kv")) {
        if (cfg_is_word(a, "sqlite")) {
            h->kv_url = NULL;
            return 0;
        }
        char why[160];
        fn_kv_url_t u;
        if (fn_kv_url_parse(a->text, &u, why, sizeof why) < 0)
            return cfg_errorf(p->err, a, "kv: %s", why);   /* the URL may hold a password: not repeated */
        h->kv_url = a->text.ptr;
        return 0;
    }
    if (ifr_str_eq_cstr(n, "kv_namespace")) {
        if (a->text.len == 0 || a->text.len > 200)
            return cfg_errorf(p->err, a, "kv_namespace: expected a name of 1 to 200 bytes");
        h->kv_namespace = a->text.ptr;
        return 0;
    }
    if (ifr_str_eq_cstr(n, "http_timeout")) {
        if (cfg_parse_duration(a, 0, &h->http_timeout_ns, p->err) != 0) return -1;
        if (h->http_timeout_ns <= 0) return cfg_errorf(p->err, a, "http_timeout: must be more than zero");
        return 0;
    }
    if (ifr_str_eq_cstr(n, "max_retries")) {
        int64_t v;
        if (cfg_parse_int(a, 0, 100, &v, p->err) != 0) return -1;
        h->max_retries = (uint32_t)v;
        return 0;
    }
    if (ifr_str_eq_cstr(n, "retry_backoff")) {
        if (cfg_parse_duration(a, 0, &h->retry_backoff_ns, p->err) != 0) return -1;
        if (h->retry_backoff_ns <= 0 || h->retry_backoff_ns > 3600LL * 1000000000LL)
            return cfg_errorf(p->err, a, "retry_backoff: expected more than zero and at most 1h");
        return 0;
    }
    if (ifr_str_eq_cstr(n, "http_max_response")) {
        if (cfg_parse_size(a, CFG_SIZE_BINARY, &h->http_max_response, p->err) != 0) return -1;
        if (h->http_max_response == 0 || h->http_max_response > (64u << 20))
            return cfg_errorf(p->err, a, "http_max_response: expected 1 byte to 64MiB");
        return 0;
    }
    return cfg_errorf(p->err, &s->name, "%s: not a host call option", n.ptr);
}

bool fn_host_is_option(ifr_str_t name)
{
    static const char *const names[] = { "permissions", "allow_host", "kv_namespace", "kv", "http_timeout",
                                         "http_max_response", "db_driver", "db_dsn", "max_retries",
                                         "retry_backoff", "ai_provider", "ai_endpoint", "ai_model", "ai_token" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ifr_str_eq_cstr(name, names[i])) return true;
    return false;
}
