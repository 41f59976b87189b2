/* The host functions of the "ifrit" import module (include/ifrit_plugin.h),
 * declared in one table with their signatures. Every guest pointer+length
 * goes through plugin_lift, which traps the call on a bad range. What a
 * function may touch depends on the hook it is called from: a function
 * that makes no sense there returns -1 rather than trapping.
 *
 * Every function is defined with the plugin as its env, so config,
 * config_get and log also work at start-up (the start function and
 * _initialize), when there is no hook call. The others need the call
 * (plugin_hook_ctx) and trap when called at start-up. */
#include <string.h>

#include "base/log.h"
#include "plugin/plugin_int.h"
#include "plugin/plugin_undo.h"
#include "route/request.h"

enum { PLUGIN__WHICH_REQUEST = 0, PLUGIN__WHICH_RESPONSE = 1 };

#define PLUGIN__ARG(i) ((uint32_t)args[i])

/* The i32 result of a host function (slots hold i32 zero-extended). */
static iw_host_result_t plugin__ret(uint64_t *results, int64_t v)
{
    results[0] = (uint64_t)(uint32_t)(int32_t)v;
    return IW_HOST_OK;
}

/* The hook call that fn works on; NULL after trapping the call when there
 * is none (start-up: no request, no response). */
static plugin_call_t *plugin__hook_ctx(iw_instance_t *inst, const char *fn)
{
    plugin_call_t *c = iw_instance_user_data(inst);
    if (!c || !c->x)
        iw_host_trap(inst, "ifrit.%s is available only in a hook (on_request, on_response, on_body), "
                           "not at start-up", fn);
    return c && c->x ? c : NULL;
}

/* The one checked lift of guest memory; NULL after trapping the call. */
static void *plugin__lift(iw_instance_t *inst, uint32_t ptr, uint32_t len)
{
    void *p = iw_memory_lift(inst, ptr, len);
    if (!p) iw_host_trap(inst, "pointer %u length %u is outside the plugin's memory", ptr, len);
    return p;
}

/* Copies up to cap bytes of v to the guest's buf; returns v's full length. */
static iw_host_result_t plugin__out(iw_instance_t *inst, uint32_t buf, uint32_t cap, ifr_str_t v,
                                   uint64_t *results)
{
    char *dst = plugin__lift(inst, buf, cap);
    if (!dst) return IW_HOST_TRAP;
    if (v.len) memcpy(dst, v.ptr, v.len < cap ? v.len : cap);
    return plugin__ret(results, v.len > INT32_MAX ? INT32_MAX : (int64_t)v.len);
}

/* A guest string as a slice into its memory (valid until it runs again). */
static bool plugin__in(iw_instance_t *inst, uint32_t ptr, uint32_t len, ifr_str_t *out)
{
    const char *p = plugin__lift(inst, ptr, len);
    *out = ifr_str(p, len);
    return p != NULL;
}

static bool plugin__is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool plugin_is_token(ifr_str_t s)
{
    if (s.len == 0) return false;
    for (size_t i = 0; i < s.len; i++)
        if (!plugin__is_tchar(s.ptr[i])) return false;
    return true;
}

/* Field values may hold tabs and visible bytes, never CR, LF or NUL. */
bool plugin_is_field_value(ifr_str_t s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
    }
    return true;
}

/* The header list a call may read (which = 0 request, 1 response). */
static http_headers_t *plugin__headers(plugin_call_t *c, uint32_t which)
{
    if (which == PLUGIN__WHICH_REQUEST) return &c->x->req->headers;
    if (which != PLUGIN__WHICH_RESPONSE) return NULL;
    return c->hook == PLUGIN_ON_REQUEST ? &c->headers : &c->x->resp.headers;
}

/* The header list a call may change: request headers in on_request, the
 * response being built in on_request, the real one in on_response. Saved
 * first, so that a trap can undo the change; NULL if it cannot be. */
static http_headers_t *plugin__headers_rw(plugin_call_t *c, uint32_t which)
{
    http_headers_t *h;
    if (which == PLUGIN__WHICH_REQUEST) h = c->hook == PLUGIN_ON_REQUEST ? &c->x->req->headers : NULL;
    else h = c->hook == PLUGIN_ON_BODY ? NULL : plugin__headers(c, which);
    return h && plugin_undo_save(c, h) == 0 ? h : NULL;
}

static iw_host_result_t plugin__h_method(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    plugin_call_t *c = plugin__hook_ctx(inst, "method");
    if (!c) return IW_HOST_TRAP;
    return plugin__out(inst, PLUGIN__ARG(0), PLUGIN__ARG(1), c->x->req->method, results);
}

static iw_host_result_t plugin__h_path(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    plugin_call_t *c = plugin__hook_ctx(inst, "path");
    if (!c) return IW_HOST_TRAP;
    const http_request_t *r = c->x->req;
    ifr_str_t v = r->path;
    if (r->query.len) {
        char *b = ifr_arena_printf(c->x->arena, "%.*s?%.*s", (int)r->path.len, r->path.ptr,
                                   (int)r->query.len, r->query.ptr);
        if (!b) return plugin__ret(results, -1);
        v = ifr_cstr(b);
    }
    return plugin__out(inst, PLUGIN__ARG(0), PLUGIN__ARG(1), v, results);
}

static iw_host_result_t plugin__h_set_path(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    plugin_call_t *c = plugin__hook_ctx(inst, "set_path");
    ifr_str_t v;
    if (!c || !plugin__in(inst, PLUGIN__ARG(0), PLUGIN__ARG(1), &v)) return IW_HOST_TRAP;
    if (c->hook != PLUGIN_ON_REQUEST || v.len == 0 || v.ptr[0] != '/' || !plugin_is_field_value(v) ||
        ifr_str_find_char(v, ' ') >= 0)
        return plugin__ret(results, -1);
    /* route_set_uri copies into the arena: the guest's memory dies with the call. */
    ifr_str_t copy = ifr_arena_str(c->x->arena, v);
    if (!copy.ptr) return plugin__ret(results, -1);
    return plugin__ret(results, route_set_uri(c->x, copy));
}

static iw_host_result_t plugin__h_is_tls(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    (void)args;
    plugin_call_t *c = plugin__hook_ctx(inst, "is_tls");
    if (!c) return IW_HOST_TRAP;
    return plugin__ret(results, c->x->conn->tls ? 1 : 0);
}

static iw_host_result_t plugin__h_client_ip(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    plugin_call_t *c = plugin__hook_ctx(inst, "client_ip");
    if (!c) return IW_HOST_TRAP;
    return plugin__out(inst, PLUGIN__ARG(0), PLUGIN__ARG(1), c->x->conn->remote_ip, results);
}

static iw_host_result_t plugin__h_config(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    const plugin_t *p = env;
    return plugin__out(inst, PLUGIN__ARG(0), PLUGIN__ARG(1), p->opt.config, results);
}

static iw_host_result_t plugin__h_config_get(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    const plugin_options_t *o = &((const plugin_t *)env)->opt;
    ifr_str_t key;
    if (!plugin__in(inst, PLUGIN__ARG(0), PLUGIN__ARG(1), &key)) return IW_HOST_TRAP;
    for (size_t i = 0; i < o->npairs; i++)
        if (ifr_str_eq(o->pairs[i].key, key)) return plugin__out(inst, PLUGIN__ARG(2), PLUGIN__ARG(3), o->pairs[i].value, results);
    return plugin__ret(results, -1);
}

static iw_host_result_t plugin__h_header_count(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    plugin_call_t *c = plugin__hook_ctx(inst, "header_count");
    if (!c) return IW_HOST_TRAP;
    const http_headers_t *h = plugin__headers(c, PLUGIN__ARG(0));
    return plugin__ret(results, h ? (int64_t)h->count : -1);
}

/* header_name / header_value: the index-th field; names lowercased. */
static iw_host_result_t plugin__header_at(iw_instance_t *inst, const uint64_t *args, uint64_t *results, bool name)
{
    plugin_call_t *c = plugin__hook_ctx(inst, name ? "header_name" : "header_value");
    if (!c) return IW_HOST_TRAP;
    const http_headers_t *h = plugin__headers(c, PLUGIN__ARG(0));
    uint32_t i = PLUGIN__ARG(1);
    if (!h || i >= h->count) return plugin__ret(results, -1);
    ifr_str_t v = name ? h->items[i].name : h->items[i].value;
    if (name) {
        char *low = ifr_arena_alloc(c->x->arena, v.len + 1);
        if (!low) return plugin__ret(results, -1);
        for (size_t k = 0; k < v.len; k++) low[k] = ifr_ascii_lower(v.ptr[k]);
        v = ifr_str(low, v.len);
    }
    return plugin__out(inst, PLUGIN__ARG(2), PLUGIN__ARG(3), v, results);
}

static iw_host_result_t plugin__h_header_name(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    return plugin__header_at(inst, args, results, true);
}

static iw_host_result_t plugin__h_header_value(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    return plugin__header_at(inst, args, results, false);
}

static iw_host_result_t plugin__h_header_get(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    plugin_call_t *c = plugin__hook_ctx(inst, "header_get");
    if (!c) return IW_HOST_TRAP;
    const http_headers_t *h = plugin__headers(c, PLUGIN__ARG(0));
    ifr_str_t name;
    if (!plugin__in(inst, PLUGIN__ARG(1), PLUGIN__ARG(2), &name)) return IW_HOST_TRAP;
    const http_header_t *f = h ? http_headers_get(h, name) : NULL;
    return f ? plugin__out(inst, PLUGIN__ARG(3), PLUGIN__ARG(4), f->value, results) : plugin__ret(results, -1);
}

static bool plugin__is_response_list(const plugin_call_t *c, const http_headers_t *h)
{
    return h != &c->x->req->headers;
}

/* header_set / header_add: copies name and value into the exchange's arena. */
static iw_host_result_t plugin__header_put(iw_instance_t *inst, const uint64_t *args, uint64_t *results, bool add)
{
    plugin_call_t *c = plugin__hook_ctx(inst, add ? "header_add" : "header_set");
    ifr_str_t name, value;
    if (!c || !plugin__in(inst, PLUGIN__ARG(1), PLUGIN__ARG(2), &name) || !plugin__in(inst, PLUGIN__ARG(3), PLUGIN__ARG(4), &value))
        return IW_HOST_TRAP;
    http_headers_t *h = plugin__headers_rw(c, PLUGIN__ARG(0));
    if (!h || !plugin_is_token(name) || !plugin_is_field_value(value)) return plugin__ret(results, -1);
    /* The host frames responses itself: a guest cannot make it lie about the length. */
    if (plugin__is_response_list(c, h) && (ifr_str_eq_nocase(name, IFR_LIT("Content-Length")) ||
                                    ifr_str_eq_nocase(name, IFR_LIT("Transfer-Encoding"))))
        return plugin__ret(results, -1);
    name = ifr_arena_str(c->x->arena, name);
    value = ifr_arena_str(c->x->arena, value);
    if (!name.ptr || !value.ptr) return plugin__ret(results, -1);
    int rc = add ? http_headers_add(h, c->x->arena, name, value) : http_headers_set(h, c->x->arena, name, value);
    return plugin__ret(results, rc);
}

static iw_host_result_t plugin__h_header_set(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    return plugin__header_put(inst, args, results, false);
}

static iw_host_result_t plugin__h_header_add(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    return plugin__header_put(inst, args, results, true);
}

static iw_host_result_t plugin__h_header_remove(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    plugin_call_t *c = plugin__hook_ctx(inst, "header_remove");
    ifr_str_t name;
    if (!c || !plugin__in(inst, PLUGIN__ARG(1), PLUGIN__ARG(2), &name)) return IW_HOST_TRAP;
    http_headers_t *h = plugin__headers_rw(c, PLUGIN__ARG(0));
    return plugin__ret(results, h ? (int64_t)http_headers_remove(h, name) : -1);
}

static iw_host_result_t plugin__h_status(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    (void)args;
    plugin_call_t *c = plugin__hook_ctx(inst, "status");
    if (!c) return IW_HOST_TRAP;
    return plugin__ret(results, c->hook == PLUGIN_ON_REQUEST ? c->status : c->x->resp.status);
}

static iw_host_result_t plugin__h_set_status(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    plugin_call_t *c = plugin__hook_ctx(inst, "set_status");
    if (!c) return IW_HOST_TRAP;
    int32_t s = (int32_t)PLUGIN__ARG(0);
    if (s < 100 || s > 999 || c->hook == PLUGIN_ON_BODY) return plugin__ret(results, -1);
    if (c->hook == PLUGIN_ON_REQUEST) c->status = s;
    else c->x->resp.status = s;
    return plugin__ret(results, 0);
}

static iw_host_result_t plugin__h_set_body(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    plugin_call_t *c = plugin__hook_ctx(inst, "set_body");
    ifr_str_t v;
    if (!c || !plugin__in(inst, PLUGIN__ARG(0), PLUGIN__ARG(1), &v)) return IW_HOST_TRAP;
    if (c->hook == PLUGIN_ON_REQUEST) {
        c->body = ifr_arena_str(c->x->arena, v);
        return plugin__ret(results, c->body.ptr || !v.len ? 0 : -1);
    }
    if (c->hook != PLUGIN_ON_BODY) return plugin__ret(results, -1);
    /* The replacement outlives the instance: copy it to the filter's buffer. */
    ifr_buf_clear(c->out);
    if (ifr_buf_append_str(c->out, v) != 0) return plugin__ret(results, -1);
    c->replaced = true;
    return plugin__ret(results, 0);
}

static iw_host_result_t plugin__h_chunk(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    plugin_call_t *c = plugin__hook_ctx(inst, "chunk");
    if (!c) return IW_HOST_TRAP;
    if (c->hook != PLUGIN_ON_BODY) return plugin__ret(results, -1);
    return plugin__out(inst, PLUGIN__ARG(0), PLUGIN__ARG(1), c->chunk, results);
}

static iw_host_result_t plugin__h_log(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)results;
    plugin_t *p = env;
    ifr_str_t msg;
    if (!plugin__in(inst, PLUGIN__ARG(1), PLUGIN__ARG(2), &msg)) return IW_HOST_TRAP;
    int32_t level = (int32_t)PLUGIN__ARG(0);
    if (level < IFR_LOG_DEBUG) level = IFR_LOG_DEBUG;
    if (level > IFR_LOG_ERROR) level = IFR_LOG_ERROR;
    if ((ifr_log_level_t)level < ifr_log_get_level()) return IW_HOST_OK;
    /* One line at most IFR_LOG_MSG_MAX, and the plugin's budget a second. */
    if (msg.len > IFR_LOG_MSG_MAX) msg.len = IFR_LOG_MSG_MAX;
    uint64_t dropped;
    bool ok = ifr_log_budget_take(&p->log_budget, IFR_LOG_GUEST_RATE, msg.len, &dropped);
    if (dropped)
        ifr_log_warn(p->logger, "%llu log lines dropped: over %u bytes a second", (unsigned long long)dropped,
                     IFR_LOG_GUEST_RATE);
    if (ok) ifr_log_msg((ifr_log_level_t)level, p->logger, msg);
    return IW_HOST_OK;
}

static const struct {
    const char *name;
    iw_sig_t sig;
    iw_host_fn_t fn;
} plugin__host_table[] = {
    { "method", "ii:i", plugin__h_method },
    { "path", "ii:i", plugin__h_path },
    { "set_path", "ii:i", plugin__h_set_path },
    { "is_tls", ":i", plugin__h_is_tls },
    { "client_ip", "ii:i", plugin__h_client_ip },
    { "config", "ii:i", plugin__h_config },
    { "config_get", "iiii:i", plugin__h_config_get },
    { "header_count", "i:i", plugin__h_header_count },
    { "header_name", "iiii:i", plugin__h_header_name },
    { "header_value", "iiii:i", plugin__h_header_value },
    { "header_get", "iiiii:i", plugin__h_header_get },
    { "header_set", "iiiii:i", plugin__h_header_set },
    { "header_add", "iiiii:i", plugin__h_header_add },
    { "header_remove", "iii:i", plugin__h_header_remove },
    { "status", ":i", plugin__h_status },
    { "set_status", "i:i", plugin__h_set_status },
    { "set_body", "ii:i", plugin__h_set_body },
    { "chunk", "ii:i", plugin__h_chunk },
    { "log", "iii:", plugin__h_log },
};

bool plugin_host_has(const char *module, const char *name)
{
    if (strcmp(module, "ifrit") != 0) return false;
    for (size_t i = 0; i < sizeof(plugin__host_table) / sizeof(plugin__host_table[0]); i++)
        if (strcmp(name, plugin__host_table[i].name) == 0) return true;
    return false;
}

int plugin_host_define(iw_linker_t *l, plugin_t *p)
{
    for (size_t i = 0; i < sizeof(plugin__host_table) / sizeof(plugin__host_table[0]); i++)
        if (iw_linker_define_func(l, "ifrit", plugin__host_table[i].name, plugin__host_table[i].sig,
                                  plugin__host_table[i].fn, p) != 0)
            return -1;
    return 0;
}
