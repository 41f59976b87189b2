/* `wasm [<matcher>] PATH { ... }` (also spelled `reactor` and `gojinn`, so
 * Gojinn / Caddy Reactor Caddyfiles work unchanged): answers with a
 * WebAssembly function, each request in a fresh sandbox. Options:
 *   timeout DUR        memory_limit SIZE    env KEY VALUE    args A...
 *   protocol cgi|json  fuel N / fuel_limit N                max_output SIZE
 *   snapshot on|off    mount HOST_DIR GUEST_DIR             pool_size N
 *   permissions { ... } allow_host HOST...  kv_namespace NAME
 *   http_timeout DUR   http_max_response SIZE   ai_provider ai_endpoint ai_model ai_token
 *                                               (fn_host_directive.c)
 *   api_key KEY        cors_origin ORIGIN   rate_limit RPS [BURST] (fn_traffic_check.c)
 *   security { policy strict|audit; trusted_key HEX }     (fn_sign.c)
 * The module is read, compiled and snapshotted here, at config load, so a
 * bad module is a config error and the server never starts with it. The
 * runtime is the rest of src/fn (fn.h); docs/functions.md describes the
 * semantics. Route holds the directives' places in the order; the host
 * registers them (fn_register_directives). */
#include <stdio.h>

#include "config/dispense.h"
#include "config/options.h"
#include "fn/fn.h"
#include "fn/fn_cron_directive.h"
#include "fn/fn_host_directive.h"
#include "fn/fn_jobs.h"
#include "fn/fn_traffic_check.h"
#include "wasm/wasm.h"
#include "route/directive.h"
#include "route/plan.h"
#include "route/response.h"

static const char *const fn__directive_options[] = {
    "timeout", "memory_limit", "env", "args", "protocol", "fuel", "fuel_limit",
    "max_output", "snapshot", "request_env", "mount", "pool_size",
    "permissions", "allow_host", "kv_namespace", "kv", "http_timeout", "http_max_response",
    "api_key", "cors_origin", "rate_limit", "security", "db_driver", "db_dsn", "max_retries", "retry_backoff",
    "cron", "ai_provider", "ai_endpoint", "ai_model", "ai_token",
};
#define FN__DIRECTIVE_NOPTIONS (sizeof fn__directive_options / sizeof fn__directive_options[0])

/* Gojinn features ifrit does not have: refused by name, never ignored. */
static bool fn__directive_gojinn_only(ifr_str_t name)
{
    static const char *const prefixes[] = { "db_", "s3_", "nats_", "cluster_", "ai_", "mqtt_", "kv_" };
    static const char *const names[] = { "debug_secret", "trust_proxy", "api_keys",
                                         "cors_origins", "mcp" };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (ifr_str_starts_with(name, ifr_cstr(prefixes[i]))) return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ifr_str_eq_cstr(name, names[i])) return true;
    return false;
}

static int fn__directive_env(route_parse_t *p, const cfg_directive_t *s, fn_config_t *c)
{
    if (cfg_expect_args(s, 2, 2, p->err) != 0) return -1;
    ifr_str_t key = s->args[0].text;
    if (key.len == 0 || ifr_str_find_char(key, '=') >= 0)
        return cfg_errorf(p->err, &s->args[0], "env: a variable name cannot be empty or contain '='");
    fn_env_t *env = ifr_arena_alloc(p->arena, (c->nenv + 1) * sizeof *env);
    if (!env) return cfg_errorf(p->err, NULL, "out of memory");
    if (c->nenv) memcpy(env, c->env, c->nenv * sizeof *env);
    env[c->nenv].key = ifr_arena_strndup(p->arena, key.ptr, key.len);
    env[c->nenv].value = route_tmpl_compile(p->arena, s->args[1].text);
    if (!env[c->nenv].key || !env[c->nenv].value) return cfg_errorf(p->err, NULL, "out of memory");
    c->env = env;
    c->nenv++;
    return 0;
}

static int fn__directive_args(route_parse_t *p, const cfg_directive_t *s, fn_config_t *c)
{
    const char **args = ifr_arena_alloc(p->arena, (c->nargs + s->nargs + 1) * sizeof *args);
    if (!args) return cfg_errorf(p->err, NULL, "out of memory");
    if (c->nargs) memcpy(args, c->args, c->nargs * sizeof *args);
    for (size_t i = 0; i < s->nargs; i++) args[c->nargs + i] = s->args[i].text.ptr;
    c->args = args;
    c->nargs += s->nargs;
    return 0;
}

static int fn__directive_mount(route_parse_t *p, const cfg_directive_t *s, fn_config_t *c)
{
    if (cfg_expect_args(s, 2, 2, p->err) != 0) return -1;
    fn_mount_t *m = ifr_arena_alloc(p->arena, (c->nmounts + 1) * sizeof *m);
    if (!m) return cfg_errorf(p->err, NULL, "out of memory");
    if (c->nmounts) memcpy(m, c->mounts, c->nmounts * sizeof *m);
    m[c->nmounts].host_dir = route_parse_path(p, s->args[0].text);
    m[c->nmounts].guest_dir = s->args[1].text.ptr;
    if (!m[c->nmounts].host_dir) return cfg_errorf(p->err, NULL, "out of memory");
    c->mounts = m;
    c->nmounts++;
    return 0;
}

static int fn__directive_option(route_parse_t *p, const cfg_directive_t *s, fn_config_t *c)
{
    ifr_str_t n = s->name.text;
    int64_t v;
    if (ifr_str_eq_cstr(n, "env")) return fn__directive_env(p, s, c);
    if (ifr_str_eq_cstr(n, "args")) return fn__directive_args(p, s, c);
    if (ifr_str_eq_cstr(n, "mount")) return fn__directive_mount(p, s, c);
    if (ifr_str_eq_cstr(n, "cron")) return fn_cron_option(p, s, c);
    if (fn_host_is_option(n)) return fn_host_option(p, s, &c->host);
    if (fn_traffic_is_option(n)) return fn_traffic_option(p, s, &c->traffic);
    if (ifr_str_eq_cstr(n, "security")) return fn_sign_option(p, s, &c->sign);
    if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
    const cfg_token_t *a = &s->args[0];
    if (ifr_str_eq_cstr(n, "timeout")) {
        if (cfg_parse_duration(a, 0, &c->timeout_ns, p->err) != 0) return -1;
        if (c->timeout_ns <= 0) return cfg_errorf(p->err, a, "timeout: must be more than zero");
        return 0;
    }
    if (ifr_str_eq_cstr(n, "memory_limit")) return cfg_parse_size(a, CFG_SIZE_BINARY, &c->memory_limit, p->err);
    if (ifr_str_eq_cstr(n, "max_output")) return cfg_parse_size(a, 0, &c->max_output, p->err);
    if (ifr_str_eq_cstr(n, "snapshot")) return cfg_parse_bool(a, &c->snapshot, p->err);
    if (ifr_str_eq_cstr(n, "request_env")) return cfg_parse_bool(a, &c->request_env, p->err);
    if (ifr_str_eq_cstr(n, "fuel") || ifr_str_eq_cstr(n, "fuel_limit")) {
        if (cfg_parse_int(a, 0, INT64_MAX, &v, p->err) != 0) return -1;
        c->fuel = (uint64_t)v;
        return 0;
    }
    if (ifr_str_eq_cstr(n, "pool_size")) {
        if (cfg_parse_int(a, 0, 1000000, &v, p->err) != 0) return -1;
        c->pool_size = (uint32_t)v;
        return 0;
    }
    if (ifr_str_eq_cstr(n, "protocol")) {
        if (cfg_is_word(a, "cgi")) c->protocol = FN_PROTOCOL_CGI;
        else if (cfg_is_word(a, "json")) c->protocol = FN_PROTOCOL_JSON;
        else return cfg_errorf(p->err, a, "protocol: expected cgi or json, got '%s'", a->text.ptr);
        return 0;
    }
    return -1;
}

static const char *fn__directive_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void fn__directive_free(void *f)
{
    fn_jobs_forget(f);
    fn_function_free(f);
}

static int fn__directive_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, 1, p->err) != 0) return -1;
    fn_config_t *c = ifr_arena_alloc(p->arena, sizeof *c);
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    fn_config_defaults(c);
    c->host.storage_path = route_plan_options(p->plan)->storage_path;
    c->path = route_parse_path(p, d->args[0].text);
    if (!c->path) return cfg_errorf(p->err, NULL, "out of memory");
    c->name = fn__directive_basename(c->path);
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        bool known = false;
        for (size_t k = 0; k < FN__DIRECTIVE_NOPTIONS && !known; k++)
            known = ifr_str_eq_cstr(s->name.text, fn__directive_options[k]);
        if (!known && fn__directive_gojinn_only(s->name.text))
            return cfg_errorf(p->err, &s->name, "%.*s: option '%s' is not supported yet by ifrit",
                              (int)d->name.text.len, d->name.text.ptr, s->name.text.ptr);
        if (!known)
            return cfg_error_unknown(p->err, &s->name, "wasm option", fn__directive_options, FN__DIRECTIVE_NOPTIONS);
        if (fn__directive_option(p, s, c) != 0) return -1;
    }
    char why[300];
    fn_function_t *f = fn_function_load(c, why, sizeof why);
    if (!f) return cfg_errorf(p->err, &d->args[0], "%.*s: %s: %s", (int)d->name.text.len, d->name.text.ptr,
                              c->path, why);
    if (fn_jobs_remember(f, p->plan) < 0 || ifr_arena_on_cleanup(p->arena, fn__directive_free, f) < 0) {
        fn_jobs_forget(f);
        fn_function_free(f);
        return cfg_errorf(p->err, NULL, "out of memory");
    }
    if (fn_cron_load(p, c) != 0) return -1;
    *conf = f;
    return 0;
}

static route_result_t fn__directive_handle(route_exchange_t *x, const void *conf)
{
    /* The function is shared and immutable except for its pool counter. */
    return fn_run(x, (fn_function_t *)conf);
}

static const route_directive_t fn__directive_wasm = {
    .name = "wasm", .alias = "reactor", .flags = ROUTE_DIR_MATCHER, .min_args = 1,
    .parse = fn__directive_parse, .handle = fn__directive_handle,
};

static const route_directive_t fn__directive_gojinn = {
    .name = "gojinn", .flags = ROUTE_DIR_MATCHER, .min_args = 1,
    .parse = fn__directive_parse, .handle = fn__directive_handle,
};

/* `engine`: the modules the plan's functions and plugins load run on it
 * (read when a module loads; without the option IFRIT_ENGINE decides). */
static void fn__set_engine(const cfg_options_t *o)
{
    iw_set_engine(o->engine == CFG_ENGINE_COMPILER      ? IW_ENGINE_COMPILER
                  : o->engine == CFG_ENGINE_INTERPRETER ? IW_ENGINE_INTERPRETER
                                                        : IW_ENGINE_DEFAULT);
}

int fn_register_directives(void)
{
    route_options_hook_register(fn__set_engine);
    return route_directive_register(&fn__directive_wasm) | route_directive_register(&fn__directive_gojinn);
}
