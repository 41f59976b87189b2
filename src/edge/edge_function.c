/* See edge_function.h. */
#include "edge/edge_function.h"

#include <stdio.h>

#include "base/log.h"

static ifr_buf_t edge__modules;

static int edge__fn_load(const fn_config_t *c, char *why, size_t size)
{
    ifr_str_t path;
    for (size_t off = 0; edge_item_next(ifr_buf_str(&edge__modules), &off, &path);)
        if (ifr_str_eq_cstr(path, c->path)) {
            /* The sandbox has no files and no instruction count at the edge. */
            for (size_t i = 0; i < c->nmounts; i++)
                ifr_log_warn("edge", "wasm %s: mount %s ignored: functions have no files at the edge", c->name,
                             c->mounts[i].guest_dir);
            if (c->fuel) ifr_log_warn("edge", "wasm %s: fuel ignored: V8 does not count instructions", c->name);
            return 0;
        }
    snprintf(why, size, "not in the bundle (`ifrit edge config` embeds the modules the Caddyfile names)");
    return -1;
}

static int edge__fn_start(fn_call_t *c)
{
    edge_exchange_t *ex = fn_runner_exchange(c)->io_ctx;
    ex->fn = c;
    return 0;
}

/* The host calls edge/hostapi.mjs serves (docs/edge.md, "Host calls at the edge"). */
static const fn_runner_t edge__fn_runner = {
    .load = edge__fn_load,
    .start = edge__fn_start,
    .host_perms = FN_PERM_KV_READ | FN_PERM_KV_WRITE | FN_PERM_MUTEX | FN_PERM_HTTP_GET | FN_PERM_HTTP,
};

int edge_function_register(ifr_str_t modules)
{
    ifr_buf_clear(&edge__modules);
    if (ifr_buf_append_str(&edge__modules, modules) < 0) return -1;
    fn_runner_register(&edge__fn_runner);
    return 0;
}

static int edge__put_list(ifr_buf_t *out, const char **items, size_t n)
{
    char num[24];
    snprintf(num, sizeof num, "%zu", n);
    int rc = edge_item_put(out, ifr_cstr(num));
    for (size_t i = 0; i < n; i++) rc |= edge_item_put(out, ifr_cstr(items[i]));
    return rc;
}

/* What the guest's host calls may do (fn_host_conf.h), for the shim's
 * host imports (edge/hostapi.mjs): permissions, the KV namespace (the
 * module's path inside the edge unless kv_namespace), the outbound
 * timeout and cap, the key prefixes, allow_host. */
static int edge__put_host(ifr_buf_t *out, const fn_config_t *c)
{
    const fn_host_config_t *h = &c->host;
    char num[24];
    snprintf(num, sizeof num, "%u", h->perms);
    int rc = edge_item_put(out, ifr_cstr(num));
    if (h->kv_namespace) rc |= edge_item_put(out, ifr_cstr(h->kv_namespace));
    else {
        char ns[4096];
        snprintf(ns, sizeof ns, "fn:%s", c->path);
        rc |= edge_item_put(out, ifr_cstr(ns));
    }
    snprintf(num, sizeof num, "%lld", (long long)(h->http_timeout_ns / 1000000));
    rc |= edge_item_put(out, ifr_cstr(num));
    snprintf(num, sizeof num, "%llu", (unsigned long long)h->http_max_response);
    rc |= edge_item_put(out, ifr_cstr(num));
    rc |= edge__put_list(out, h->kv_read.prefixes, h->kv_read.count);
    rc |= edge__put_list(out, h->kv_write.prefixes, h->kv_write.count);
    rc |= edge__put_list(out, h->allow_hosts, h->nallow_hosts);
    return rc;
}

static int edge__put_env(void *ud, const char *kv) { return edge_item_put(ud, ifr_cstr(kv)); }

int edge_function_request(edge_exchange_t *ex, ifr_buf_t *out, ifr_str_t *in)
{
    if (!ex->fn) return -1;
    const fn_config_t *c = fn_runner_config(ex->fn);
    char num[24];
    ifr_buf_clear(out);
    int rc = edge_item_put(out, ifr_cstr(c->path));
    snprintf(num, sizeof num, "%lld", (long long)(c->timeout_ns / 1000000));
    rc |= edge_item_put(out, ifr_cstr(num));
    snprintf(num, sizeof num, "%llu", (unsigned long long)c->memory_limit);
    rc |= edge_item_put(out, ifr_cstr(num));
    rc |= edge__put_host(out, c);
    snprintf(num, sizeof num, "%zu", c->nargs + 1);
    rc |= edge_item_put(out, ifr_cstr(num));
    rc |= edge_item_put(out, ifr_cstr(c->name));
    for (size_t i = 0; i < c->nargs; i++) rc |= edge_item_put(out, ifr_cstr(c->args[i]));
    if (rc || fn_runner_env(ex->fn, edge__put_env, out) < 0) return -1;
    *in = fn_runner_stdin(ex->fn);
    return 0;
}

void edge_function_done(edge_exchange_t *ex, fn_runner_end_t how, int exit_code, ifr_str_t out, ifr_str_t err,
                        ifr_str_t detail)
{
    fn_call_t *c = ex->fn;
    if (!c) return;
    ex->fn = NULL;
    fn_runner_done(c, how, exit_code, out, err, detail);
}
