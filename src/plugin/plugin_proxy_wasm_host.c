/* The "env" functions of proxy-wasm ABI v0.2.1 (docs/plugins.md lists
 * what each does here). Every guest pointer and length goes through
 * plugin_pw_lift, which traps the callback on a bad range (fail-open);
 * results the host makes (a header value, a body) go to a block the
 * guest's own allocator made, called as a nested call (iw_call_from_host).
 * A function that makes no sense in the running callback answers a status
 * (NOT_FOUND, BAD_ARGUMENT) instead of trapping, as the spec says. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "plugin/plugin_undo.h"
#include "plugin/plugin_proxy_wasm.h"
#include "route/request.h"

enum {
    PLUGIN__PW_MAP_REQUEST_HEADERS = 0, PLUGIN__PW_MAP_REQUEST_TRAILERS = 1, PLUGIN__PW_MAP_RESPONSE_HEADERS = 2,
    PLUGIN__PW_MAP_HTTP_CALL_HEADERS = 6, PLUGIN__PW_MAP_HTTP_CALL_TRAILERS = 7,
    PLUGIN__PW_BUF_REQUEST_BODY = 0, PLUGIN__PW_BUF_RESPONSE_BODY = 1, PLUGIN__PW_BUF_HTTP_CALL_BODY = 4, PLUGIN__PW_BUF_VM_CONFIGURATION = 6,
    PLUGIN__PW_BUF_PLUGIN_CONFIGURATION = 7,
};

/* A body a filter makes may not grow past this (BAD_ARGUMENT). */
#define PLUGIN__PW_MAX_BODY (64u << 20)

#define PLUGIN__PW_ARG(i) ((uint32_t)args[i])

static iw_host_result_t plugin__pw_ret(uint64_t *results, int status)
{
    if (status < 0) return IW_HOST_TRAP;
    results[0] = (uint64_t)(uint32_t)status;
    return IW_HOST_OK;
}

void *plugin_pw_lift(iw_instance_t *inst, uint32_t ptr, uint32_t len)
{
    void *p = iw_memory_lift(inst, ptr, len);
    if (!p) iw_host_trap(inst, "pointer %u length %u is outside the filter's memory", ptr, len);
    return p;
}

bool plugin_pw_put_u32(iw_instance_t *inst, uint32_t ptr, uint32_t v)
{
    unsigned char *p = plugin_pw_lift(inst, ptr, 4);
    if (!p) return false;
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
    return true;
}

bool plugin_pw_put_u64(iw_instance_t *inst, uint32_t ptr, uint64_t v)
{
    unsigned char *p = plugin_pw_lift(inst, ptr, 8);
    if (!p) return false;
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
    return true;
}

int plugin_pw_give(iw_instance_t *inst, ifr_str_t v, uint32_t ret_ptr, uint32_t ret_len)
{
    plugin_pw_call_t *pc = iw_instance_user_data(inst);
    if (!plugin_pw_lift(inst, ret_ptr, 4) || !plugin_pw_lift(inst, ret_len, 4)) return -1;
    if (v.len > UINT32_MAX / 2) return PLUGIN_PW_BAD_ARGUMENT;
    uint32_t addr = 0;
    if (v.len) {
        iw_func_t *alloc = pc && pc->vm ? pc->vm->cb[PLUGIN_PW_ALLOCATE] : NULL;
        if (!alloc) return PLUGIN_PW_INTERNAL_FAILURE;
        iw_val_t arg = { .type = IW_I32, .of.i32 = (int32_t)v.len }, res = { .type = IW_I32 };
        if (iw_call_from_host(inst, alloc, &arg, 1, &res, 1) != IW_FINISHED) {
            const iw_trap_t *t = iw_instance_trap(inst);
            iw_host_trap(inst, "the filter's allocator failed: %s", t ? t->message : "it did not finish");
            return -1;
        }
        addr = (uint32_t)res.of.i32;
        if (!addr) return PLUGIN_PW_INTERNAL_FAILURE;
        char *dst = iw_memory_lift(inst, addr, v.len);
        if (!dst) {
            iw_host_trap(inst, "the filter's allocator returned %u, outside its memory for %zu bytes", addr, v.len);
            return -1;
        }
        memcpy(dst, v.ptr, v.len);
    }
    return plugin_pw_put_u32(inst, ret_ptr, addr) && plugin_pw_put_u32(inst, ret_len, (uint32_t)v.len)
               ? PLUGIN_PW_OK : -1;
}

/* A guest string as a slice of its memory (valid until it runs again). */
static bool plugin__pw_in(iw_instance_t *inst, uint32_t ptr, uint32_t len, ifr_str_t *out)
{
    const char *p = plugin_pw_lift(inst, ptr, len);
    *out = ifr_str(p, len);
    return p != NULL;
}

static plugin_pw_call_t *plugin__pw_ctx(iw_instance_t *inst)
{
    return iw_instance_user_data(inst);
}

/* The request's exchange while a request callback runs, else NULL. */
static route_exchange_t *plugin__pw_x(iw_instance_t *inst)
{
    plugin_pw_call_t *pc = plugin__pw_ctx(inst);
    return pc && pc->call ? pc->call->x : NULL;
}

/* Where a callback's results are made: the request's arena (also in a
 * stream's callbacks outside the request hooks), else NULL. */
static ifr_arena_t *plugin__pw_arena(iw_instance_t *inst)
{
    plugin_pw_call_t *pc = plugin__pw_ctx(inst);
    route_exchange_t *x = plugin__pw_x(inst);
    if (x) return x->arena;
    return pc && pc->stream ? pc->stream->x->arena : NULL;
}

/* ---- logging, time, timers ---------------------------------------------- */

static iw_host_result_t plugin__pw_log(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    plugin_t *p = ((plugin_pw_t *)env)->plugin;
    ifr_str_t msg;
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(1), PLUGIN__PW_ARG(2), &msg)) return IW_HOST_TRAP;
    uint32_t level = PLUGIN__PW_ARG(0);
    if (level > 5) return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    /* trace and debug: debug; info; warn; error and critical: error */
    static const ifr_log_level_t of[6] = { IFR_LOG_DEBUG, IFR_LOG_DEBUG, IFR_LOG_INFO, IFR_LOG_WARN, IFR_LOG_ERROR,
                                           IFR_LOG_ERROR };
    if (of[level] < ifr_log_get_level()) return plugin__pw_ret(results, PLUGIN_PW_OK);
    if (msg.len > IFR_LOG_MSG_MAX) msg.len = IFR_LOG_MSG_MAX;
    uint64_t dropped;
    bool ok = ifr_log_budget_take(&p->log_budget, IFR_LOG_GUEST_RATE, msg.len, &dropped);
    if (dropped)
        ifr_log_warn(p->logger, "%llu log lines dropped: over %u bytes a second", (unsigned long long)dropped,
                     IFR_LOG_GUEST_RATE);
    if (ok) ifr_log_msg(of[level], p->logger, msg);
    return plugin__pw_ret(results, PLUGIN_PW_OK);
}

static iw_host_result_t plugin__pw_get_log_level(iw_instance_t *inst, void *env, const uint64_t *args,
                                                 uint64_t *results)
{
    (void)env;
    static const uint32_t of[] = { [IFR_LOG_DEBUG] = 1, [IFR_LOG_INFO] = 2, [IFR_LOG_WARN] = 3, [IFR_LOG_ERROR] = 4 };
    return plugin__pw_ret(results, plugin_pw_put_u32(inst, PLUGIN__PW_ARG(0), of[ifr_log_get_level()]) ? 0 : -1);
}

static iw_host_result_t plugin__pw_time(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return plugin__pw_ret(results, plugin_pw_put_u64(inst, PLUGIN__PW_ARG(0), ns) ? 0 : -1);
}

static iw_host_result_t plugin__pw_set_tick(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    plugin_pw_call_t *pc = plugin__pw_ctx(inst);
    if (!pc) return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    pc->vm->tick_period_ns = (int64_t)PLUGIN__PW_ARG(0) * 1000000;
    pc->vm->next_tick_ns = ifr_monotonic_ns() + pc->vm->tick_period_ns;
    return plugin__pw_ret(results, PLUGIN_PW_OK);
}

/* ---- contexts and streams ----------------------------------------------- */

static iw_host_result_t plugin__pw_set_effective_context(iw_instance_t *inst, void *env, const uint64_t *args,
                                                         uint64_t *results)
{
    (void)env;
    plugin_pw_call_t *pc = plugin__pw_ctx(inst);
    uint32_t id = PLUGIN__PW_ARG(0);
    /* A callback may switch between its own context and the plugin's; a
     * plugin-context callback (a tick) also to an open stream of its VM,
     * to continue it (the SDKs do so before proxy_continue_stream). */
    bool own = pc && (id == PLUGIN_PW_ROOT_ID || id == (pc->stream ? pc->stream->id : pc->context_id));
    if (!pc || (!own && (pc->stream || !plugin_pw_stream_find(pc->vm, id))))
        return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    pc->context_id = id;
    return plugin__pw_ret(results, PLUGIN_PW_OK);
}

static iw_host_result_t plugin__pw_done(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst, (void)env, (void)args;
    /* proxy_on_done's answer is not waited for, so nothing is pending. */
    return plugin__pw_ret(results, PLUGIN_PW_NOT_FOUND);
}

/* proxy_continue_stream(type): a paused request of the effective context
 * goes on once the running callback returns. The response never waits
 * (PAUSE there is CONTINUE), so continuing it has nothing to do. */
static iw_host_result_t plugin__pw_continue_stream(iw_instance_t *inst, void *env, const uint64_t *args,
                                                   uint64_t *results)
{
    (void)env;
    plugin_pw_call_t *pc = plugin__pw_ctx(inst);
    uint32_t type = PLUGIN__PW_ARG(0);
    if (!pc || type > 3) return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    plugin_pw_stream_t *s = plugin_pw_stream_find(pc->vm, pc->context_id);
    if (!s) return plugin__pw_ret(results, PLUGIN_PW_NOT_FOUND);
    /* Called before the request callback returns PAUSE, it cancels that PAUSE. */
    if (type == 0) s->continue_wanted = true;
    return plugin__pw_ret(results, PLUGIN_PW_OK);
}

/* The functions of the ABI this host does not offer: they answer
 * UNIMPLEMENTED (docs/plugins.md names them). */
static iw_host_result_t plugin__pw_unimplemented(iw_instance_t *inst, void *env, const uint64_t *args,
                                                 uint64_t *results)
{
    (void)inst, (void)env, (void)args;
    return plugin__pw_ret(results, PLUGIN_PW_UNIMPLEMENTED);
}

static iw_host_result_t plugin__pw_not_found(iw_instance_t *inst, void *env, const uint64_t *args,
                                             uint64_t *results)
{
    (void)inst, (void)env, (void)args;
    return plugin__pw_ret(results, PLUGIN_PW_NOT_FOUND);
}

/* ---- header maps ---------------------------------------------------------- */

typedef struct {
    http_headers_t *h;          /* the fields */
    http_headers_t pseudo;      /* :method :path :authority :scheme, or :status */
    bool writable;
    bool response;
    bool trailers;              /* no pseudo-headers to set */
} plugin__pw_map_t;

/* Map map_type of the running callback; a status when there is none. */
static int plugin__pw_map(iw_instance_t *inst, uint32_t type, plugin__pw_map_t *m)
{
    if (type > 7) return PLUGIN_PW_BAD_ARGUMENT;
    route_exchange_t *x = plugin__pw_x(inst);
    plugin_call_t *c = x ? plugin__pw_ctx(inst)->call : NULL;
    const plugin_pw_http_t *http = plugin__pw_ctx(inst) ? plugin__pw_ctx(inst)->http : NULL;
    *m = (plugin__pw_map_t){ 0 };
    if (type == PLUGIN__PW_MAP_REQUEST_TRAILERS) {
        plugin_pw_call_t *pc = plugin__pw_ctx(inst);
        if (!pc || !pc->req_trailers) return PLUGIN_PW_NOT_FOUND;
        m->h = pc->req_trailers;
        m->writable = true;
        m->trailers = true;
        return PLUGIN_PW_OK;
    }
    if (type == PLUGIN__PW_MAP_HTTP_CALL_HEADERS || type == PLUGIN__PW_MAP_HTTP_CALL_TRAILERS) {
        if (!http) return PLUGIN_PW_NOT_FOUND;
        /* Read-only: the answer's fields (:status first) and trailers. */
        m->h = (http_headers_t *)(type == PLUGIN__PW_MAP_HTTP_CALL_HEADERS ? &http->headers : &http->trailers);
        m->response = true;
        return PLUGIN_PW_OK;
    }
    if (!x || (type != PLUGIN__PW_MAP_REQUEST_HEADERS && type != PLUGIN__PW_MAP_RESPONSE_HEADERS))
        return PLUGIN_PW_NOT_FOUND;
    if (type == PLUGIN__PW_MAP_REQUEST_HEADERS) {
        const http_request_t *r = x->req;
        m->h = &x->req->headers;
        m->writable = c->hook == PLUGIN_ON_REQUEST;
        ifr_str_t path = r->path;
        if (r->query.len) {
            char *b = ifr_arena_printf(x->arena, "%.*s?%.*s", (int)r->path.len, r->path.ptr, (int)r->query.len,
                                       r->query.ptr);
            if (!b) return PLUGIN_PW_INTERNAL_FAILURE;
            path = ifr_cstr(b);
        }
        if (http_headers_add(&m->pseudo, x->arena, IFR_LIT(":method"), r->method) != 0 ||
            http_headers_add(&m->pseudo, x->arena, IFR_LIT(":path"), path) != 0 ||
            http_headers_add(&m->pseudo, x->arena, IFR_LIT(":authority"), r->host) != 0 ||
            http_headers_add(&m->pseudo, x->arena, IFR_LIT(":scheme"),
                             x->conn->tls ? IFR_LIT("https") : IFR_LIT("http")) != 0)
            return PLUGIN_PW_INTERNAL_FAILURE;
        return PLUGIN_PW_OK;
    }
    if (c->hook == PLUGIN_ON_REQUEST) return PLUGIN_PW_NOT_FOUND;   /* no response yet */
    m->h = &x->resp.headers;
    m->writable = c->hook == PLUGIN_ON_RESPONSE;
    m->response = true;
    char *s = ifr_arena_printf(x->arena, "%d", x->resp.status);
    if (!s || http_headers_add(&m->pseudo, x->arena, IFR_LIT(":status"), ifr_cstr(s)) != 0)
        return PLUGIN_PW_INTERNAL_FAILURE;
    return PLUGIN_PW_OK;
}

static iw_host_result_t plugin__pw_map_size(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    plugin__pw_map_t m;
    int st = plugin__pw_map(inst, PLUGIN__PW_ARG(0), &m);
    if (st != PLUGIN_PW_OK) return plugin__pw_ret(results, st);
    ifr_str_t ser = plugin_pw_map_serialize(plugin__pw_arena(inst), &m.pseudo, m.h);
    if (!ser.ptr) return plugin__pw_ret(results, PLUGIN_PW_INTERNAL_FAILURE);
    return plugin__pw_ret(results, plugin_pw_put_u32(inst, PLUGIN__PW_ARG(1), (uint32_t)ser.len) ? 0 : -1);
}

static iw_host_result_t plugin__pw_map_pairs(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    plugin__pw_map_t m;
    int st = plugin__pw_map(inst, PLUGIN__PW_ARG(0), &m);
    if (st != PLUGIN_PW_OK) return plugin__pw_ret(results, st);
    ifr_str_t ser = plugin_pw_map_serialize(plugin__pw_arena(inst), &m.pseudo, m.h);
    if (!ser.ptr) return plugin__pw_ret(results, PLUGIN_PW_INTERNAL_FAILURE);
    return plugin__pw_ret(results, plugin_pw_give(inst, ser, PLUGIN__PW_ARG(1), PLUGIN__PW_ARG(2)));
}

static iw_host_result_t plugin__pw_map_value(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    ifr_str_t key;
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(1), PLUGIN__PW_ARG(2), &key)) return IW_HOST_TRAP;
    plugin__pw_map_t m;
    int st = plugin__pw_map(inst, PLUGIN__PW_ARG(0), &m);
    if (st != PLUGIN_PW_OK) return plugin__pw_ret(results, st);
    const http_header_t *f = http_headers_get(&m.pseudo, key);
    if (!f) f = http_headers_get(m.h, key);
    if (!f) return plugin__pw_ret(results, PLUGIN_PW_NOT_FOUND);
    return plugin__pw_ret(results, plugin_pw_give(inst, f->value, PLUGIN__PW_ARG(3), PLUGIN__PW_ARG(4)));
}

/* Whether the field may be set: a token name, a value without controls,
 * and never a response's framing (the host frames the body). */
static bool plugin__pw_settable(const plugin__pw_map_t *m, ifr_str_t name, ifr_str_t value)
{
    if (!plugin_is_token(name) || !plugin_is_field_value(value)) return false;
    return !m->response || !(ifr_str_eq_nocase(name, IFR_LIT("Content-Length")) ||
                             ifr_str_eq_nocase(name, IFR_LIT("Transfer-Encoding")));
}

/* A pseudo-header set: :path on the request, :status on the response. */
static int plugin__pw_set_pseudo(route_exchange_t *x, const plugin__pw_map_t *m, ifr_str_t name, ifr_str_t value)
{
    if (m->trailers) return PLUGIN_PW_BAD_ARGUMENT;
    if (!m->response && ifr_str_eq_cstr(name, ":path")) {
        if (value.len == 0 || value.ptr[0] != '/' || !plugin_is_field_value(value) || ifr_str_find_char(value, ' ') >= 0)
            return PLUGIN_PW_BAD_ARGUMENT;
        ifr_str_t copy = ifr_arena_str(x->arena, value);
        return copy.ptr && route_set_uri(x, copy) == 0 ? PLUGIN_PW_OK : PLUGIN_PW_BAD_ARGUMENT;
    }
    if (m->response && ifr_str_eq_cstr(name, ":status")) {
        uint64_t s;
        if (!ifr_str_to_u64(value, 999, &s) || s < 100) return PLUGIN_PW_BAD_ARGUMENT;
        x->resp.status = (int)s;
        return PLUGIN_PW_OK;
    }
    return PLUGIN_PW_BAD_ARGUMENT;
}

typedef enum { PLUGIN__PW_ADD, PLUGIN__PW_REPLACE, PLUGIN__PW_REMOVE } plugin__pw_edit_t;

/* One field edit on a writable map, saved for undo first. */
static int plugin__pw_edit(iw_instance_t *inst, uint32_t type, ifr_str_t name, ifr_str_t value, plugin__pw_edit_t op)
{
    plugin__pw_map_t m;
    int st = plugin__pw_map(inst, type, &m);
    if (st != PLUGIN_PW_OK) return st;
    route_exchange_t *x = plugin__pw_x(inst);
    plugin_call_t *c = plugin__pw_ctx(inst)->call;
    if (!m.writable) return PLUGIN_PW_BAD_ARGUMENT;
    if (name.len && name.ptr[0] == ':')
        return op == PLUGIN__PW_REMOVE ? PLUGIN_PW_BAD_ARGUMENT : plugin__pw_set_pseudo(x, &m, name, value);
    if (plugin_undo_save(c, m.h) != 0) return PLUGIN_PW_INTERNAL_FAILURE;
    if (op == PLUGIN__PW_REMOVE) {
        http_headers_remove(m.h, name);
        return PLUGIN_PW_OK;
    }
    if (!plugin__pw_settable(&m, name, value)) return PLUGIN_PW_BAD_ARGUMENT;
    name = ifr_arena_str(x->arena, name);
    value = ifr_arena_str(x->arena, value);
    if (!name.ptr || (!value.ptr && value.len)) return PLUGIN_PW_INTERNAL_FAILURE;
    int rc = op == PLUGIN__PW_ADD ? http_headers_add(m.h, x->arena, name, value)
                                  : http_headers_set(m.h, x->arena, name, value);
    return rc == 0 ? PLUGIN_PW_OK : PLUGIN_PW_INTERNAL_FAILURE;
}

static iw_host_result_t plugin__pw_map_put(iw_instance_t *inst, const uint64_t *args, uint64_t *results,
                                           plugin__pw_edit_t op)
{
    ifr_str_t name, value = IFR_LIT("");
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(1), PLUGIN__PW_ARG(2), &name)) return IW_HOST_TRAP;
    if (op != PLUGIN__PW_REMOVE && !plugin__pw_in(inst, PLUGIN__PW_ARG(3), PLUGIN__PW_ARG(4), &value))
        return IW_HOST_TRAP;
    return plugin__pw_ret(results, plugin__pw_edit(inst, PLUGIN__PW_ARG(0), name, value, op));
}

static iw_host_result_t plugin__pw_map_add(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    return plugin__pw_map_put(inst, args, results, PLUGIN__PW_ADD);
}

static iw_host_result_t plugin__pw_map_replace(iw_instance_t *inst, void *env, const uint64_t *args,
                                               uint64_t *results)
{
    (void)env;
    return plugin__pw_map_put(inst, args, results, PLUGIN__PW_REPLACE);
}

static iw_host_result_t plugin__pw_map_remove(iw_instance_t *inst, void *env, const uint64_t *args,
                                              uint64_t *results)
{
    (void)env;
    return plugin__pw_map_put(inst, args, results, PLUGIN__PW_REMOVE);
}

/* proxy_set_header_map_pairs: the map becomes the given pairs (checked
 * whole first, so a bad one changes nothing). */
static iw_host_result_t plugin__pw_map_set_pairs(iw_instance_t *inst, void *env, const uint64_t *args,
                                                 uint64_t *results)
{
    (void)env;
    ifr_str_t data;
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(1), PLUGIN__PW_ARG(2), &data)) return IW_HOST_TRAP;
    plugin__pw_map_t m;
    int st = plugin__pw_map(inst, PLUGIN__PW_ARG(0), &m);
    if (st != PLUGIN_PW_OK) return plugin__pw_ret(results, st);
    route_exchange_t *x = plugin__pw_x(inst);
    http_headers_t pairs;
    if (!m.writable) return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    if (plugin_pw_map_parse(x->arena, data, &pairs) != 0) return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    for (uint32_t i = 0; i < pairs.count; i++)
        if (pairs.items[i].name.len == 0 || pairs.items[i].name.ptr[0] != ':')
            if (!plugin__pw_settable(&m, pairs.items[i].name, pairs.items[i].value))
                return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    if (plugin_undo_save(plugin__pw_ctx(inst)->call, m.h) != 0) return plugin__pw_ret(results, PLUGIN_PW_INTERNAL_FAILURE);
    http_headers_t keep = { 0 };
    /* The response's framing fields stay: the host owns them. */
    for (uint32_t i = 0; m.response && i < m.h->count; i++)
        if (!plugin__pw_settable(&m, m.h->items[i].name, IFR_LIT("")) &&
            http_headers_add(&keep, x->arena, m.h->items[i].name, m.h->items[i].value) != 0)
            return plugin__pw_ret(results, PLUGIN_PW_INTERNAL_FAILURE);
    *m.h = keep;
    for (uint32_t i = 0; i < pairs.count; i++) {
        const http_header_t *f = &pairs.items[i];
        int rc = f->name.len && f->name.ptr[0] == ':' ? plugin__pw_set_pseudo(x, &m, f->name, f->value)
                 : http_headers_add(m.h, x->arena, f->name, f->value) == 0 ? PLUGIN_PW_OK : PLUGIN_PW_INTERNAL_FAILURE;
        if (rc != PLUGIN_PW_OK && !(f->name.len && f->name.ptr[0] == ':')) return plugin__pw_ret(results, rc);
    }
    return plugin__pw_ret(results, PLUGIN_PW_OK);
}

/* ---- buffers ---------------------------------------------------------------- */

/* The bytes of buffer type in the running callback; a status when absent. */
static int plugin__pw_buffer(iw_instance_t *inst, uint32_t type, ifr_str_t *out)
{
    plugin_pw_call_t *pc = plugin__pw_ctx(inst);
    if (type > 8) return PLUGIN_PW_BAD_ARGUMENT;
    if (!pc) return PLUGIN_PW_NOT_FOUND;
    if (type == PLUGIN__PW_BUF_VM_CONFIGURATION && pc->cb == PLUGIN_PW_VM_START) {
        *out = IFR_LIT("");
        return PLUGIN_PW_OK;
    }
    if (type == PLUGIN__PW_BUF_PLUGIN_CONFIGURATION && pc->cb == PLUGIN_PW_CONFIGURE) {
        *out = pc->plugin->opt.config;
        return PLUGIN_PW_OK;
    }
    if (type == PLUGIN__PW_BUF_REQUEST_BODY && pc->req_body) {
        *out = ifr_buf_str(pc->req_body_replaced ? pc->req_body_out : pc->req_body);
        return PLUGIN_PW_OK;
    }
    if (type == PLUGIN__PW_BUF_HTTP_CALL_BODY && pc->http) {
        *out = ifr_buf_str(&pc->http->body);
        return PLUGIN_PW_OK;
    }
    if (type == PLUGIN__PW_BUF_RESPONSE_BODY && pc->call && pc->call->hook == PLUGIN_ON_BODY) {
        *out = pc->call->replaced ? ifr_buf_str(pc->call->out) : pc->call->chunk;
        return PLUGIN_PW_OK;
    }
    return PLUGIN_PW_NOT_FOUND;
}

static iw_host_result_t plugin__pw_get_buffer_bytes(iw_instance_t *inst, void *env, const uint64_t *args,
                                                    uint64_t *results)
{
    (void)env;
    ifr_str_t b;
    int st = plugin__pw_buffer(inst, PLUGIN__PW_ARG(0), &b);
    if (st != PLUGIN_PW_OK) return plugin__pw_ret(results, st);
    uint32_t start = PLUGIN__PW_ARG(1), max = PLUGIN__PW_ARG(2);
    if (start > b.len) return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    size_t n = b.len - start < max ? b.len - start : max;
    return plugin__pw_ret(results, plugin_pw_give(inst, ifr_str(b.ptr + start, n), PLUGIN__PW_ARG(3),
                                                   PLUGIN__PW_ARG(4)));
}

static iw_host_result_t plugin__pw_get_buffer_status(iw_instance_t *inst, void *env, const uint64_t *args,
                                                     uint64_t *results)
{
    (void)env;
    ifr_str_t b;
    int st = plugin__pw_buffer(inst, PLUGIN__PW_ARG(0), &b);
    if (st != PLUGIN_PW_OK) return plugin__pw_ret(results, st);
    bool ok = plugin_pw_put_u32(inst, PLUGIN__PW_ARG(1), (uint32_t)b.len) && plugin_pw_put_u32(inst, PLUGIN__PW_ARG(2), 0);
    return plugin__pw_ret(results, ok ? PLUGIN_PW_OK : -1);
}

/* proxy_set_buffer_bytes: size bytes from start are replaced by the value
 * (start past the end appends), only on a response body chunk. */
static iw_host_result_t plugin__pw_set_buffer_bytes(iw_instance_t *inst, void *env, const uint64_t *args,
                                                    uint64_t *results)
{
    (void)env;
    ifr_str_t v, b;
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(3), PLUGIN__PW_ARG(4), &v)) return IW_HOST_TRAP;
    int st = plugin__pw_buffer(inst, PLUGIN__PW_ARG(0), &b);
    if (st != PLUGIN_PW_OK) return plugin__pw_ret(results, st);
    plugin_pw_call_t *pc = plugin__pw_ctx(inst);
    plugin_call_t *c = pc->call;
    /* The result goes where the callback's body is taken from when it finishes. */
    ifr_buf_t *dst = NULL;
    bool *replaced = NULL;
    if (PLUGIN__PW_ARG(0) == PLUGIN__PW_BUF_RESPONSE_BODY) dst = c->out, replaced = &c->replaced;
    else if (PLUGIN__PW_ARG(0) == PLUGIN__PW_BUF_REQUEST_BODY) dst = pc->req_body_out, replaced = &pc->req_body_replaced;
    else return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    size_t start = PLUGIN__PW_ARG(1) < b.len ? PLUGIN__PW_ARG(1) : b.len;
    size_t size = PLUGIN__PW_ARG(2) < b.len - start ? PLUGIN__PW_ARG(2) : b.len - start;
    if (b.len - size + v.len > PLUGIN__PW_MAX_BODY) return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    ifr_buf_t n = IFR_BUF_INIT;
    if (ifr_buf_append(&n, b.ptr, start) != 0 || ifr_buf_append_str(&n, v) != 0 ||
        ifr_buf_append(&n, b.ptr + start + size, b.len - start - size) != 0) {
        ifr_buf_free(&n);
        return plugin__pw_ret(results, PLUGIN_PW_INTERNAL_FAILURE);
    }
    ifr_buf_free(dst);
    *dst = n;
    *replaced = true;
    return plugin__pw_ret(results, PLUGIN_PW_OK);
}

/* ---- local responses -------------------------------------------------------- */

/* Only from proxy_on_request_headers: the answer replaces the handlers'. */
static iw_host_result_t plugin__pw_send_local_response(iw_instance_t *inst, void *env, const uint64_t *args,
                                                       uint64_t *results)
{
    (void)env;
    ifr_str_t details, body, hdrs;
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(1), PLUGIN__PW_ARG(2), &details) ||
        !plugin__pw_in(inst, PLUGIN__PW_ARG(3), PLUGIN__PW_ARG(4), &body) ||
        !plugin__pw_in(inst, PLUGIN__PW_ARG(5), PLUGIN__PW_ARG(6), &hdrs))
        return IW_HOST_TRAP;
    plugin_pw_call_t *pc = plugin__pw_ctx(inst);
    uint32_t status = PLUGIN__PW_ARG(0);
    /* The request callback, or a later one while the request is paused. */
    bool may = pc && pc->call && pc->call->hook == PLUGIN_ON_REQUEST &&
               (pc->cb == PLUGIN_PW_REQUEST_HEADERS || (pc->stream && pc->stream->paused));
    if (!may || status < 100 || status > 999)
        return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    plugin_call_t *c = pc->call;
    http_headers_t h;
    plugin__pw_map_t resp = { .response = true };
    if (plugin_pw_map_parse(c->x->arena, hdrs, &h) != 0) return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    for (uint32_t i = 0; i < h.count; i++)
        if (!plugin__pw_settable(&resp, h.items[i].name, h.items[i].value))
            return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    ifr_str_t copy = ifr_arena_str(c->x->arena, body);
    if (!copy.ptr && body.len) return plugin__pw_ret(results, PLUGIN_PW_INTERNAL_FAILURE);
    c->status = (int)status;
    c->headers = h;
    c->body = copy;
    pc->local_response = true;
    return plugin__pw_ret(results, PLUGIN_PW_OK);
}

/* ---- properties ---------------------------------------------------------------- */

/* A number as the ABI's hosts give it: 8 bytes, little-endian. */
static ifr_str_t plugin__pw_int(ifr_arena_t *a, int64_t v)
{
    char *b = ifr_arena_alloc(a, 8);
    if (!b) return ifr_str(NULL, 0);
    for (int i = 0; i < 8; i++) b[i] = (char)((uint64_t)v >> (8 * i));
    return ifr_str(b, 8);
}

/* The value at a dotted path; false when there is none. */
static bool plugin__pw_property(plugin_pw_call_t *pc, ifr_arena_t *a, ifr_str_t path, ifr_str_t *out)
{
    plugin_t *p = pc->plugin;
    if (ifr_str_eq_cstr(path, "plugin_name")) return *out = ifr_cstr(p->name), true;
    if (ifr_str_eq_cstr(path, "plugin_root_id") || ifr_str_eq_cstr(path, "plugin_vm_id")) return *out = IFR_LIT(""), true;
    route_exchange_t *x = pc->call ? pc->call->x : NULL;
    if (!x) return false;
    for (plugin_pw_prop_t *q = *pc->props; q; q = q->next)
        if (ifr_str_eq(q->path, path)) return *out = q->value, true;
    const http_request_t *r = x->req;
    const route_conn_info_t *conn = x->conn;
    char *s = NULL;
    if (ifr_str_eq_cstr(path, "request.path")) {
        s = r->query.len ? ifr_arena_printf(a, "%.*s?%.*s", (int)r->path.len, r->path.ptr, (int)r->query.len, r->query.ptr)
                         : ifr_arena_printf(a, "%.*s", (int)r->path.len, r->path.ptr);
    } else if (ifr_str_eq_cstr(path, "request.url_path")) {
        return *out = r->path, true;
    } else if (ifr_str_eq_cstr(path, "request.query")) {
        return *out = r->query, true;
    } else if (ifr_str_eq_cstr(path, "request.method")) {
        return *out = r->method, true;
    } else if (ifr_str_eq_cstr(path, "request.host")) {
        return *out = r->host, true;
    } else if (ifr_str_eq_cstr(path, "request.scheme")) {
        return *out = conn->tls ? IFR_LIT("https") : IFR_LIT("http"), true;
    } else if (ifr_str_eq_cstr(path, "request.protocol")) {
        s = r->version_major == 2 ? ifr_arena_printf(a, "HTTP/2") : ifr_arena_printf(a, "HTTP/1.%d", r->version_minor);
    } else if (ifr_str_eq_cstr(path, "request.id")) {
        s = ifr_arena_printf(a, "%llu", (unsigned long long)x->id);
    } else if (ifr_str_eq_cstr(path, "request.headers")) {
        *out = plugin_pw_map_serialize(a, NULL, &r->headers);
        return out->ptr != NULL;
    } else if (ifr_str_eq_cstr(path, "source.address")) {
        s = ifr_arena_printf(a, "%.*s:%u", (int)conn->remote_ip.len, conn->remote_ip.ptr, conn->remote_port);
    } else if (ifr_str_eq_cstr(path, "source.port")) {
        *out = plugin__pw_int(a, conn->remote_port);
        return out->ptr != NULL;
    } else if (ifr_str_eq_cstr(path, "destination.address")) {
        s = ifr_arena_printf(a, "%.*s:%u", (int)conn->local_ip.len, conn->local_ip.ptr, conn->local_port);
    } else if (ifr_str_eq_cstr(path, "destination.port")) {
        *out = plugin__pw_int(a, conn->local_port);
        return out->ptr != NULL;
    } else if (ifr_str_eq_cstr(path, "connection.tls_version") && conn->tls) {
        return *out = conn->tls_version, true;
    } else if (ifr_str_eq_cstr(path, "response.code") && pc->call->hook != PLUGIN_ON_REQUEST) {
        *out = plugin__pw_int(a, x->resp.status);
        return out->ptr != NULL;
    } else if (ifr_str_eq_cstr(path, "response.headers") && pc->call->hook != PLUGIN_ON_REQUEST) {
        *out = plugin_pw_map_serialize(a, NULL, &x->resp.headers);
        return out->ptr != NULL;
    }
    if (!s) return false;
    *out = ifr_cstr(s);
    return true;
}

/* The path's NUL-separated segments joined with dots. */
static ifr_str_t plugin__pw_dotted(ifr_arena_t *a, ifr_str_t path)
{
    while (path.len && path.ptr[path.len - 1] == 0) path.len--;
    char *d = ifr_arena_alloc(a, path.len + 1);
    if (!d) return ifr_str(NULL, 0);
    for (size_t i = 0; i < path.len; i++) d[i] = path.ptr[i] ? path.ptr[i] : '.';
    d[path.len] = 0;
    return ifr_str(d, path.len);
}

static iw_host_result_t plugin__pw_get_property(iw_instance_t *inst, void *env, const uint64_t *args,
                                                uint64_t *results)
{
    (void)env;
    ifr_str_t path, v;
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(0), PLUGIN__PW_ARG(1), &path)) return IW_HOST_TRAP;
    plugin_pw_call_t *pc = plugin__pw_ctx(inst);
    route_exchange_t *x = plugin__pw_x(inst);
    if (!pc) return plugin__pw_ret(results, PLUGIN_PW_NOT_FOUND);
    /* Outside a request, the few plugin properties need no arena. */
    if (!x) {
        if (!plugin__pw_property(pc, NULL, path, &v)) return plugin__pw_ret(results, PLUGIN_PW_NOT_FOUND);
        return plugin__pw_ret(results, plugin_pw_give(inst, v, PLUGIN__PW_ARG(2), PLUGIN__PW_ARG(3)));
    }
    ifr_str_t dotted = plugin__pw_dotted(x->arena, path);
    if (!dotted.ptr) return plugin__pw_ret(results, PLUGIN_PW_INTERNAL_FAILURE);
    if (!plugin__pw_property(pc, x->arena, dotted, &v)) return plugin__pw_ret(results, PLUGIN_PW_NOT_FOUND);
    return plugin__pw_ret(results, plugin_pw_give(inst, v, PLUGIN__PW_ARG(2), PLUGIN__PW_ARG(3)));
}

/* proxy_set_property: a value the request's later callbacks read back
 * (the host's own properties are read-only). */
static iw_host_result_t plugin__pw_set_property(iw_instance_t *inst, void *env, const uint64_t *args,
                                                uint64_t *results)
{
    (void)env;
    ifr_str_t path, v, old;
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(0), PLUGIN__PW_ARG(1), &path) ||
        !plugin__pw_in(inst, PLUGIN__PW_ARG(2), PLUGIN__PW_ARG(3), &v))
        return IW_HOST_TRAP;
    plugin_pw_call_t *pc = plugin__pw_ctx(inst);
    route_exchange_t *x = plugin__pw_x(inst);
    if (!x) return plugin__pw_ret(results, PLUGIN_PW_NOT_FOUND);
    ifr_str_t dotted = plugin__pw_dotted(x->arena, path);
    if (!dotted.ptr) return plugin__pw_ret(results, PLUGIN_PW_INTERNAL_FAILURE);
    plugin_pw_prop_t *q;
    for (q = *pc->props; q && !ifr_str_eq(q->path, dotted); q = q->next) {
    }
    if (!q && plugin__pw_property(pc, x->arena, dotted, &old)) return plugin__pw_ret(results, PLUGIN_PW_BAD_ARGUMENT);
    if (!q) {
        if (!(q = ifr_arena_calloc(x->arena, 1, sizeof(*q)))) return plugin__pw_ret(results, PLUGIN_PW_INTERNAL_FAILURE);
        q->path = dotted;
        q->next = *pc->props;
        *pc->props = q;
    }
    q->value = ifr_arena_str(x->arena, v);
    return plugin__pw_ret(results, q->value.ptr || !v.len ? PLUGIN_PW_OK : PLUGIN_PW_INTERNAL_FAILURE);
}

/* ---- shared data, queues, metrics ------------------------------------------- */

static iw_host_result_t plugin__pw_get_shared(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    ifr_str_t key;
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(0), PLUGIN__PW_ARG(1), &key)) return IW_HOST_TRAP;
    ifr_buf_t v = IFR_BUF_INIT;
    uint32_t cas = 0;
    int st = plugin_pw_shared_get(key, &v, &cas);
    if (st == PLUGIN_PW_OK) {
        st = plugin_pw_give(inst, ifr_buf_str(&v), PLUGIN__PW_ARG(2), PLUGIN__PW_ARG(3));
        if (st == PLUGIN_PW_OK && !plugin_pw_put_u32(inst, PLUGIN__PW_ARG(4), cas)) st = -1;
    }
    ifr_buf_free(&v);
    return plugin__pw_ret(results, st);
}

static iw_host_result_t plugin__pw_set_shared(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    ifr_str_t key, v;
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(0), PLUGIN__PW_ARG(1), &key) ||
        !plugin__pw_in(inst, PLUGIN__PW_ARG(2), PLUGIN__PW_ARG(3), &v))
        return IW_HOST_TRAP;
    return plugin__pw_ret(results, plugin_pw_shared_set(key, v, PLUGIN__PW_ARG(4)));
}

static iw_host_result_t plugin__pw_queue_register(iw_instance_t *inst, void *env, const uint64_t *args,
                                                  uint64_t *results)
{
    (void)env;
    ifr_str_t name;
    uint32_t id;
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(0), PLUGIN__PW_ARG(1), &name)) return IW_HOST_TRAP;
    int st = plugin_pw_queue_register(name, &id);
    if (st == PLUGIN_PW_OK && !plugin_pw_put_u32(inst, PLUGIN__PW_ARG(2), id)) st = -1;
    return plugin__pw_ret(results, st);
}

static iw_host_result_t plugin__pw_queue_resolve(iw_instance_t *inst, void *env, const uint64_t *args,
                                                 uint64_t *results)
{
    (void)env;
    ifr_str_t vm_id, name;
    uint32_t id;
    /* One VM id here: every queue is the process's, whatever vm_id says. */
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(0), PLUGIN__PW_ARG(1), &vm_id) ||
        !plugin__pw_in(inst, PLUGIN__PW_ARG(2), PLUGIN__PW_ARG(3), &name))
        return IW_HOST_TRAP;
    int st = plugin_pw_queue_resolve(name, &id);
    if (st == PLUGIN_PW_OK && !plugin_pw_put_u32(inst, PLUGIN__PW_ARG(4), id)) st = -1;
    return plugin__pw_ret(results, st);
}

static iw_host_result_t plugin__pw_queue_enqueue(iw_instance_t *inst, void *env, const uint64_t *args,
                                                 uint64_t *results)
{
    (void)env;
    ifr_str_t v;
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(1), PLUGIN__PW_ARG(2), &v)) return IW_HOST_TRAP;
    return plugin__pw_ret(results, plugin_pw_queue_enqueue(PLUGIN__PW_ARG(0), v));
}

static iw_host_result_t plugin__pw_queue_dequeue(iw_instance_t *inst, void *env, const uint64_t *args,
                                                 uint64_t *results)
{
    (void)env;
    ifr_buf_t v = IFR_BUF_INIT;
    if (!plugin_pw_lift(inst, PLUGIN__PW_ARG(1), 4) || !plugin_pw_lift(inst, PLUGIN__PW_ARG(2), 4)) return IW_HOST_TRAP;
    int st = plugin_pw_queue_dequeue(PLUGIN__PW_ARG(0), &v);
    if (st == PLUGIN_PW_OK) st = plugin_pw_give(inst, ifr_buf_str(&v), PLUGIN__PW_ARG(1), PLUGIN__PW_ARG(2));
    ifr_buf_free(&v);
    return plugin__pw_ret(results, st);
}

static iw_host_result_t plugin__pw_metric_define(iw_instance_t *inst, void *env, const uint64_t *args,
                                                 uint64_t *results)
{
    (void)env;
    ifr_str_t name;
    uint32_t id;
    if (!plugin__pw_in(inst, PLUGIN__PW_ARG(1), PLUGIN__PW_ARG(2), &name)) return IW_HOST_TRAP;
    int st = plugin_pw_metric_define(PLUGIN__PW_ARG(0), name, &id);
    if (st == PLUGIN_PW_OK && !plugin_pw_put_u32(inst, PLUGIN__PW_ARG(3), id)) st = -1;
    return plugin__pw_ret(results, st);
}

static iw_host_result_t plugin__pw_metric_increment(iw_instance_t *inst, void *env, const uint64_t *args,
                                                    uint64_t *results)
{
    (void)inst, (void)env;
    return plugin__pw_ret(results, plugin_pw_metric_change(PLUGIN__PW_ARG(0), (int64_t)args[1], false));
}

static iw_host_result_t plugin__pw_metric_record(iw_instance_t *inst, void *env, const uint64_t *args,
                                                 uint64_t *results)
{
    (void)inst, (void)env;
    return plugin__pw_ret(results, plugin_pw_metric_change(PLUGIN__PW_ARG(0), (int64_t)args[1], true));
}

static iw_host_result_t plugin__pw_metric_get(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    uint64_t v = 0;
    if (!plugin_pw_lift(inst, PLUGIN__PW_ARG(1), 8)) return IW_HOST_TRAP;
    int st = plugin_pw_metric_get(PLUGIN__PW_ARG(0), &v);
    if (st == PLUGIN_PW_OK && !plugin_pw_put_u64(inst, PLUGIN__PW_ARG(1), v)) st = -1;
    return plugin__pw_ret(results, st);
}

static const struct {
    const char *name;
    iw_sig_t sig;
    iw_host_fn_t fn;
} plugin__pw_table[] = {
    { "proxy_log", "iii:i", plugin__pw_log },
    { "proxy_get_log_level", "i:i", plugin__pw_get_log_level },
    { "proxy_get_current_time_nanoseconds", "i:i", plugin__pw_time },
    { "proxy_set_tick_period_milliseconds", "i:i", plugin__pw_set_tick },
    { "proxy_set_effective_context", "i:i", plugin__pw_set_effective_context },
    { "proxy_done", ":i", plugin__pw_done },
    { "proxy_continue_stream", "i:i", plugin__pw_continue_stream },
    { "proxy_close_stream", "i:i", plugin__pw_unimplemented },
    { "proxy_get_header_map_size", "ii:i", plugin__pw_map_size },
    { "proxy_get_header_map_pairs", "iii:i", plugin__pw_map_pairs },
    { "proxy_set_header_map_pairs", "iii:i", plugin__pw_map_set_pairs },
    { "proxy_get_header_map_value", "iiiii:i", plugin__pw_map_value },
    { "proxy_add_header_map_value", "iiiii:i", plugin__pw_map_add },
    { "proxy_replace_header_map_value", "iiiii:i", plugin__pw_map_replace },
    { "proxy_remove_header_map_value", "iii:i", plugin__pw_map_remove },
    { "proxy_get_buffer_bytes", "iiiii:i", plugin__pw_get_buffer_bytes },
    { "proxy_get_buffer_status", "iii:i", plugin__pw_get_buffer_status },
    { "proxy_set_buffer_bytes", "iiiii:i", plugin__pw_set_buffer_bytes },
    { "proxy_send_local_response", "iiiiiiii:i", plugin__pw_send_local_response },
    { "proxy_get_property", "iiii:i", plugin__pw_get_property },
    { "proxy_set_property", "iiii:i", plugin__pw_set_property },
    { "proxy_get_shared_data", "iiiii:i", plugin__pw_get_shared },
    { "proxy_set_shared_data", "iiiii:i", plugin__pw_set_shared },
    { "proxy_register_shared_queue", "iii:i", plugin__pw_queue_register },
    { "proxy_resolve_shared_queue", "iiiii:i", plugin__pw_queue_resolve },
    { "proxy_enqueue_shared_queue", "iii:i", plugin__pw_queue_enqueue },
    { "proxy_dequeue_shared_queue", "iii:i", plugin__pw_queue_dequeue },
    { "proxy_define_metric", "iiii:i", plugin__pw_metric_define },
    { "proxy_increment_metric", "iI:i", plugin__pw_metric_increment },
    { "proxy_record_metric", "iI:i", plugin__pw_metric_record },
    { "proxy_get_metric", "ii:i", plugin__pw_metric_get },
    { "proxy_get_status", "iii:i", plugin__pw_not_found },
    { "proxy_call_foreign_function", "iiiiii:i", plugin__pw_not_found },
    { "proxy_http_call", "iiiiiiiiii:i", plugin_pw_http_call },
    { "proxy_grpc_call", "iiiiiiiiiiii:i", plugin__pw_unimplemented },
    { "proxy_grpc_stream", "iiiiiiiii:i", plugin__pw_unimplemented },
    { "proxy_grpc_send", "iiii:i", plugin__pw_unimplemented },
    { "proxy_grpc_cancel", "i:i", plugin__pw_unimplemented },
    { "proxy_grpc_close", "i:i", plugin__pw_unimplemented },
};

int plugin_pw_host_define(iw_linker_t *l, plugin_pw_t *pw)
{
    for (size_t i = 0; i < sizeof plugin__pw_table / sizeof plugin__pw_table[0]; i++)
        if (iw_linker_define_func(l, "env", plugin__pw_table[i].name, plugin__pw_table[i].sig, plugin__pw_table[i].fn,
                                  pw) != 0)
            return -1;
    return 0;
}
