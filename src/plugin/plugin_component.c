/* Dwaar plugin components: Dwaar's world (package dwaar:plugin@0.1.0,
 * world dwaar-plugin) in the two shapes it has published, told apart by the
 * fields the component's own request-info and response-info records have
 * (the earlier one adds `headers: list<header-entry>`). Each hook call
 * runs in an instance put back into the snapshot taken after its start-up
 * (plugin_component_pool.c: nothing survives between calls), with the
 * plugin's fuel, memory and wall-clock limits; a trap counts toward the
 * plugin's disabling as for a core plugin, and its instance is dropped. The world has no way to build a response, so
 * `respond` in on-request answers 503 "plugin short-circuit", as Dwaar. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "plugin/plugin_component.h"
#include "route/exchange.h"

#define PLUGIN__HOST "dwaar:plugin/host@0.1.0"
#define PLUGIN__ACTION " -> enum { continue, respond, skip }"
#define PLUGIN__HEADERS_TYPE "list<record { name: string, value: string }>"

typedef enum {
    PLUGIN__F_METHOD, PLUGIN__F_PATH, PLUGIN__F_IS_TLS, PLUGIN__F_CLIENT_IP, PLUGIN__F_STATUS, PLUGIN__F_HEADERS,
    PLUGIN__F_COUNT
} plugin__field_t;

/* The fields of both shapes; `which`: 0 request-info, 1 response-info. */
static const struct {
    const char *name, *type;
    int which;
    bool optional;
} plugin__fields[PLUGIN__F_COUNT] = {
    [PLUGIN__F_METHOD] = { "method", "string", 0, false },
    [PLUGIN__F_PATH] = { "path", "string", 0, false },
    [PLUGIN__F_IS_TLS] = { "is-tls", "bool", 0, false },
    [PLUGIN__F_CLIENT_IP] = { "client-ip", "string", 0, false },
    [PLUGIN__F_STATUS] = { "status", "u16", 1, false },
    [PLUGIN__F_HEADERS] = { "headers", PLUGIN__HEADERS_TYPE, -1, true },   /* either record, in the earlier shape */
};

static const char *const plugin__exports[PLUGIN_NHOOKS] = {
    [PLUGIN_ON_REQUEST] = "on-request", [PLUGIN_ON_RESPONSE] = "on-response", [PLUGIN_ON_BODY] = "on-body",
};

#define PLUGIN__MAX_FIELDS 8
/* Start-up (the core modules' start functions) gets the wall clock a core
 * plugin's start-up gets (docs/plugins.md). */
#define PLUGIN__START_TIMEOUT_NS (2 * 1000000000LL)

struct plugin_cmp {
    iw_component_t *component;
    /* The record each hook takes, field by field, in the component's order. */
    plugin__field_t fields[PLUGIN_NHOOKS][PLUGIN__MAX_FIELDS];
    uint32_t nfields[PLUGIN_NHOOKS];
    plugin_cmp_pool_t pool;
};

static int plugin__fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int plugin__fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "wasm_plugin %s: %s", path, msg);
    return -1;
}

static bool plugin__ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* The export's type text, or NULL when it is not exported. */
static const char *plugin__export_type(const iw_component_t *c, const char *name, char *buf, size_t cap)
{
    for (uint32_t i = 0; i < iw_component_export_count(c); i++)
        if (strcmp(iw_component_extern_name(c, false, i), name) == 0) {
            iw_component_extern_type(c, false, i, buf, cap);
            return buf;
        }
    return NULL;
}

/* Checks one hook export against Dwaar's world and records its record's fields. */
static int plugin__check_hook(plugin_t *p, plugin_cmp_t *k, plugin_hook_t h, char *err, size_t errlen)
{
    const char *name = plugin__exports[h];
    char type[1024];
    if (!plugin__export_type(k->component, name, type, sizeof type)) return 0;
    if (iw_component_export_params(k->component, name) != 1 || !plugin__ends_with(type, PLUGIN__ACTION))
        return plugin__fail(err, errlen, p->path, "export %s has the type %s, which is not Dwaar's", name, type);
    if (h == PLUGIN_ON_BODY) {
        if (!plugin__ends_with(type, ": bool)" PLUGIN__ACTION))
            return plugin__fail(err, errlen, p->path, "export on-body has the type %s, expected func(eos: bool)%s",
                                type, PLUGIN__ACTION);
        p->has_hook[h] = true;
        return 0;
    }
    int which = h == PLUGIN_ON_REQUEST ? 0 : 1;
    bool seen[PLUGIN__F_COUNT] = { false };
    char ftype[256];
    const char *fname;
    for (uint32_t i = 0; (fname = iw_component_export_param_field(k->component, name, 0, i, ftype, sizeof ftype)); i++) {
        int f = 0;
        while (f < PLUGIN__F_COUNT && !(strcmp(plugin__fields[f].name, fname) == 0 &&
                                        (plugin__fields[f].which == which || plugin__fields[f].which < 0)))
            f++;
        if (f == PLUGIN__F_COUNT || strcmp(plugin__fields[f].type, ftype) != 0 || seen[f] || i >= PLUGIN__MAX_FIELDS)
            return plugin__fail(err, errlen, p->path, "export %s: the field %s: %s of its %s is not one of Dwaar's",
                                name, fname, ftype, which ? "response-info" : "request-info");
        seen[f] = true;
        k->fields[h][k->nfields[h]++] = (plugin__field_t)f;
    }
    if (k->nfields[h] == 0)
        return plugin__fail(err, errlen, p->path, "export %s has the type %s, which takes no record", name, type);
    for (int f = 0; f < PLUGIN__F_COUNT; f++)
        if (plugin__fields[f].which == which && !plugin__fields[f].optional && !seen[f])
            return plugin__fail(err, errlen, p->path, "export %s: its %s has no field %s", name,
                                which ? "response-info" : "request-info", plugin__fields[f].name);
    p->has_hook[h] = true;
    return 0;
}

/* ---- the host interface ------------------------------------------------ */

static plugin_call_t *plugin__call(iw_cinstance_t *ci) { return iw_cinstance_user_data(ci); }

static const http_headers_t *plugin__side(const plugin_call_t *c, bool response)
{
    if (!response) return &c->x->req->headers;
    return c->hook == PLUGIN_ON_REQUEST ? &c->headers : &c->x->resp.headers;
}

/* A lowercased copy (names as Dwaar gives them); false when out of memory. */
static bool plugin__lower(iw_cinstance_t *ci, ifr_str_t s, iw_cval_t *out)
{
    char *d = iw_cinstance_scratch(ci, s.len);
    if (!d) return false;
    for (size_t i = 0; i < s.len; i++) d[i] = (s.ptr[i] >= 'A' && s.ptr[i] <= 'Z') ? (char)(s.ptr[i] + 32) : s.ptr[i];
    out->of.str.ptr = d;
    out->of.str.len = (uint32_t)s.len;
    return true;
}

static int plugin__oom(iw_cinstance_t *ci)
{
    iw_cinstance_fail(ci, "out of memory");
    return -1;
}

static int plugin__get_header(iw_cinstance_t *ci, bool response, const iw_cval_t *args, iw_cval_t *res)
{
    const http_headers_t *h = plugin__side(plugin__call(ci), response);
    ifr_str_t want = ifr_str(args[0].of.str.ptr, args[0].of.str.len);
    res->of.var.which = 0;
    for (uint32_t i = 0; i < h->count; i++) {
        if (!ifr_str_eq_nocase(h->items[i].name, want)) continue;
        iw_cval_t *v = iw_cinstance_scratch(ci, sizeof *v);
        if (!v) return plugin__oom(ci);
        v->of.str.ptr = h->items[i].value.ptr;
        v->of.str.len = (uint32_t)h->items[i].value.len;
        res->of.var.which = 1;
        res->of.var.payload = v;
        break;
    }
    return 0;
}

static int plugin__list_names(iw_cinstance_t *ci, bool response, iw_cval_t *res)
{
    const http_headers_t *h = plugin__side(plugin__call(ci), response);
    iw_cval_t *items = iw_cinstance_scratch(ci, h->count * sizeof *items);
    if (!items) return plugin__oom(ci);
    for (uint32_t i = 0; i < h->count; i++)
        if (!plugin__lower(ci, h->items[i].name, &items[i])) return plugin__oom(ci);
    res->of.list.items = items;
    res->of.list.count = h->count;
    return 0;
}

static int plugin__h_get_req(iw_cinstance_t *ci, void *env, const iw_cval_t *args, iw_cval_t *res)
{
    (void)env;
    return plugin__get_header(ci, false, args, res);
}

static int plugin__h_get_resp(iw_cinstance_t *ci, void *env, const iw_cval_t *args, iw_cval_t *res)
{
    (void)env;
    return plugin__get_header(ci, true, args, res);
}

static int plugin__h_list_req(iw_cinstance_t *ci, void *env, const iw_cval_t *args, iw_cval_t *res)
{
    (void)env; (void)args;
    return plugin__list_names(ci, false, res);
}

static int plugin__h_list_resp(iw_cinstance_t *ci, void *env, const iw_cval_t *args, iw_cval_t *res)
{
    (void)env; (void)args;
    return plugin__list_names(ci, true, res);
}

/* wasi:cli/exit: the plugin ends its own hook call (a trap, fail-open). */
static int plugin__h_exit(iw_cinstance_t *ci, void *env, const iw_cval_t *args, iw_cval_t *res)
{
    (void)env; (void)res;
    iw_cinstance_fail(ci, "wasi:cli/exit called (status %s)", args[0].of.var.which ? "error" : "ok");
    return -1;
}

/* The host interface, then the WASI preview2 interfaces ordinary
 * toolchains import even when a plugin never uses them, every version,
 * each function a stub that denies (iw_chost_def_t: no environment or
 * arguments, no preopened directories, file operations answering
 * error-code access, streams closed, wall clock at 0). docs/plugins.md
 * lists them. */
static const iw_chost_def_t plugin__host[] = {
    { PLUGIN__HOST, "get-request-header", plugin__h_get_req, NULL },
    { PLUGIN__HOST, "list-request-header-names", plugin__h_list_req, NULL },
    { PLUGIN__HOST, "get-response-header", plugin__h_get_resp, NULL },
    { PLUGIN__HOST, "list-response-header-names", plugin__h_list_resp, NULL },
    { "wasi:cli/exit@", "exit", plugin__h_exit, NULL },
    { "wasi:cli/environment@", NULL, NULL, NULL },
    { "wasi:cli/exit@", NULL, NULL, NULL },
    { "wasi:cli/stdin@", NULL, NULL, NULL },
    { "wasi:cli/stdout@", NULL, NULL, NULL },
    { "wasi:cli/stderr@", NULL, NULL, NULL },
    { "wasi:cli/terminal-input@", NULL, NULL, NULL },
    { "wasi:cli/terminal-output@", NULL, NULL, NULL },
    { "wasi:cli/terminal-stdin@", NULL, NULL, NULL },
    { "wasi:cli/terminal-stdout@", NULL, NULL, NULL },
    { "wasi:cli/terminal-stderr@", NULL, NULL, NULL },
    { "wasi:io/error@", NULL, NULL, NULL },
    { "wasi:io/streams@", NULL, NULL, NULL },
    { "wasi:io/poll@", NULL, NULL, NULL },
    { "wasi:clocks/wall-clock@", NULL, NULL, NULL },
    { "wasi:clocks/monotonic-clock@", NULL, NULL, NULL },
    { "wasi:filesystem/types@", NULL, NULL, NULL },
    { "wasi:filesystem/preopens@", NULL, NULL, NULL },
};
#define PLUGIN__NHOST (sizeof plugin__host / sizeof plugin__host[0])

/* ---- loading and calling ----------------------------------------------- */

/* An instance after its start-up, which runs under the start-up limits
 * (its start functions are not a hook call's work), snapshotted. */
static iw_cinstance_t *plugin__new_instance(const plugin_t *p, iw_error_t *e, iw_trap_t *trap)
{
    iw_limits_t lim = { .max_memory_bytes = p->opt.memory_bytes,
                        .deadline_ns = ifr_monotonic_ns() + PLUGIN__START_TIMEOUT_NS };
    return plugin_cmp_pool_new(p->cmp->component, plugin__host, PLUGIN__NHOST, &lim, e, trap);
}

int plugin_cmp_load(plugin_t *p, const uint8_t *bytes, size_t len, char *err, size_t errlen)
{
    iw_error_t e = { 0 };
    plugin_cmp_t *k = calloc(1, sizeof *k);
    if (!k) return plugin__fail(err, errlen, p->path, "out of memory");
    p->cmp = k;
    k->component = iw_component_new(bytes, len, &e);
    if (!k->component)
        return plugin__fail(err, errlen, p->path, "not a valid WebAssembly component: %s (at byte %llu)", e.message,
                            (unsigned long long)e.offset);
    for (int h = 0; h < PLUGIN_NHOOKS; h++)
        if (plugin__check_hook(p, k, (plugin_hook_t)h, err, errlen) != 0) return -1;
    if (!p->has_hook[PLUGIN_ON_REQUEST] && !p->has_hook[PLUGIN_ON_RESPONSE] && !p->has_hook[PLUGIN_ON_BODY])
        return plugin__fail(err, errlen, p->path, "the component exports none of on-request, on-response, on-body");
    /* start-up, once here, so a component that does not link is a load
     * error, not a trap per request; the instance is the pool's first */
    iw_trap_t trap = { 0 };
    iw_cinstance_t *ci = plugin__new_instance(p, &e, &trap);
    if (!ci)
        return plugin__fail(err, errlen, p->path, "%s%s (at byte %llu)", trap.kind != IW_TRAP_NONE ? "start-up trapped: " : "",
                            trap.kind != IW_TRAP_NONE ? trap.message : e.message, (unsigned long long)e.offset);
    plugin_cmp_pool_put(&k->pool, ci);
    return 0;
}

void plugin_cmp_free(plugin_cmp_t *k)
{
    if (!k) return;
    plugin_cmp_pool_free(&k->pool);
    iw_component_free(k->component);
    free(k);
}

static bool plugin__headers_val(plugin_call_t *c, iw_cinstance_t *ci, const http_headers_t *h, iw_cval_t *out)
{
    iw_cval_t *items = iw_cinstance_scratch(ci, h->count * sizeof *items);
    iw_cval_t *pairs = iw_cinstance_scratch(ci, 2 * h->count * sizeof *pairs);
    if (!items || !pairs) return false;
    (void)c;
    for (uint32_t i = 0; i < h->count; i++) {
        if (!plugin__lower(ci, h->items[i].name, &pairs[2 * i])) return false;
        pairs[2 * i + 1].of.str.ptr = h->items[i].value.ptr;
        pairs[2 * i + 1].of.str.len = (uint32_t)h->items[i].value.len;
        items[i].of.list.items = &pairs[2 * i];
        items[i].of.list.count = 2;
    }
    out->of.list.items = items;
    out->of.list.count = h->count;
    return true;
}

static iw_cval_t plugin__s(ifr_str_t s)
{
    iw_cval_t v;
    v.of.str.ptr = s.ptr;
    v.of.str.len = (uint32_t)s.len;
    return v;
}

/* The hook's argument: the record of the component's shape, or eos. */
static bool plugin__arg(plugin_call_t *c, iw_cinstance_t *ci, int32_t eos, iw_cval_t *arg)
{
    const plugin_cmp_t *k = c->plugin->cmp;
    if (c->hook == PLUGIN_ON_BODY) { arg->of.u = eos != 0; return true; }
    iw_cval_t *f = iw_cinstance_scratch(ci, k->nfields[c->hook] * sizeof *f);
    if (!f) return false;
    const http_request_t *r = c->x->req;
    for (uint32_t i = 0; i < k->nfields[c->hook]; i++) {
        switch (k->fields[c->hook][i]) {
        case PLUGIN__F_METHOD: f[i] = plugin__s(r->method); break;
        case PLUGIN__F_PATH:
            if (r->query.len) {
                /* path?query, joined by hand: a printf costs more than the rest of the record */
                char *b = ifr_arena_alloc(c->x->arena, r->path.len + 1 + r->query.len);
                if (!b) return false;
                memcpy(b, r->path.ptr, r->path.len);
                b[r->path.len] = '?';
                memcpy(b + r->path.len + 1, r->query.ptr, r->query.len);
                f[i] = plugin__s(ifr_str(b, r->path.len + 1 + r->query.len));
            } else {
                f[i] = plugin__s(r->path);
            }
            break;
        case PLUGIN__F_IS_TLS: f[i].of.u = c->x->conn->tls ? 1 : 0; break;
        case PLUGIN__F_CLIENT_IP: f[i] = plugin__s(c->x->conn->remote_ip); break;
        case PLUGIN__F_STATUS: f[i].of.u = (uint16_t)c->x->resp.status; break;
        default:
            if (!plugin__headers_val(c, ci, c->hook == PLUGIN_ON_REQUEST ? &r->headers : &c->x->resp.headers, &f[i]))
                return false;
            break;
        }
    }
    arg->of.list.items = f;
    arg->of.list.count = k->nfields[c->hook];
    return true;
}

plugin_action_t plugin_cmp_hook(plugin_call_t *c, int32_t a0, int32_t a1)
{
    (void)a0;   /* on_body's chunk length: the world does not show the body */
    plugin_t *p = c->plugin;
    iw_limits_t lim = {
        .max_memory_bytes = p->opt.memory_bytes,
        .fuel = p->opt.fuel,
        .deadline_ns = ifr_monotonic_ns() + p->opt.timeout_ns,
    };
    iw_error_t e = { 0 };
    iw_trap_t trap = { 0 };
    iw_cinstance_t *ci = plugin_cmp_pool_take(&p->cmp->pool, &lim);
    if (!ci && (ci = plugin__new_instance(p, &e, &trap)) && iw_cinstance_reset(ci, &lim) != 0) {
        iw_cinstance_free(ci);
        ci = NULL;
        snprintf(e.message, sizeof e.message, "its snapshot does not fit the memory limit");
    }
    if (!ci) {
        c->trapped = true;
        plugin_count_trap(p, plugin__exports[c->hook], trap.kind != IW_TRAP_NONE ? trap.message : e.message);
        return PLUGIN_CONTINUE;
    }
    iw_cinstance_set_user_data(ci, c);
    iw_cval_t arg, result;
    plugin_action_t action = PLUGIN_CONTINUE;
    bool finished = false;
    if (!plugin__arg(c, ci, a1, &arg)) {
        c->trapped = true;
        plugin_count_trap(p, plugin__exports[c->hook], "out of memory");
    } else if (iw_cinstance_call(ci, plugin__exports[c->hook], &arg, 1, &result) == IW_FINISHED) {
        finished = true;
        atomic_store_explicit(&p->state->traps, 0, memory_order_relaxed);
        if (result.of.var.which == PLUGIN_RESPOND || result.of.var.which == PLUGIN_SKIP)
            action = (plugin_action_t)result.of.var.which;
        if (action == PLUGIN_RESPOND && c->hook == PLUGIN_ON_REQUEST) {
            c->status = 503;
            c->body = ifr_cstr("plugin short-circuit");
        }
    } else {
        c->trapped = true;
        plugin_count_trap(p, plugin__exports[c->hook], iw_cinstance_trap(ci)->message);
    }
    /* after a trap, a new instance: a reset would do, but nothing of a
     * failed call can then be kept by mistake */
    if (finished) plugin_cmp_pool_put(&p->cmp->pool, ci);
    else iw_cinstance_free(ci);
    return action;
}
