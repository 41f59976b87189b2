/* proxy_http_call: a filter's own request to another service (the SDKs'
 * "pause, ask an auth service, then continue or answer 403"). It goes
 * through the host's upstream client, the one reverse_proxy uses
 * (route/proxy_transport.h), on the worker's loop: the worker serves
 * other requests meanwhile, and the answer comes back as
 * proxy_on_http_call_response, whose callback reads it with the
 * HTTP_CALL_RESPONSE_HEADERS/TRAILERS maps and HTTP_CALL_RESPONSE_BODY
 * buffer (proxy_wasm_host.c).
 *
 * The transport carries a call of an exchange: each http_call gets an
 * exchange of its own (the job below) that shares the request's arena,
 * connection and host state but has its own io, which keeps the answer
 * instead of sending it to the client. */
#include <string.h>

#include "base/log.h"
#include "plugin/plugin_proxy_wasm.h"
#include "plugin/plugin_undo.h"
#include "route/proxy_transport.h"

/* timeout_ms 0 means this; more than the pause bound is cut to it. */
#define PLUGIN__PW_HTTP_DEFAULT_MS 5000u
#define PLUGIN__PW_HTTP_MAX_MS ((uint32_t)(PLUGIN_PW_PAUSE_MAX_NS / 1000000))

typedef struct {
    route_exchange_t sx;                 /* first: the transport's exchange, io below */
    http_request_t req;
    route_proxy_upstream_t up;
    route_proxy_transport_conf_t conf;
    route_proxy_request_t preq;
    const route_proxy_transport_t *tr;
    route_proxy_call_t *call;
    plugin_pw_stream_t *s;
    uint32_t token;
    ifr_str_t body;                      /* what goes up, in the arena */
    plugin_pw_http_t answer;
    bool over;                           /* the answer's body passed PLUGIN_PW_HTTP_BODY_MAX */
    bool done;
} plugin__pw_job_t;

#define PLUGIN__PW_ARG(i) ((uint32_t)args[i])

static plugin__pw_job_t *plugin__pw_job(route_exchange_t *sx) { return (plugin__pw_job_t *)sx; }

/* ---- the io of a call's exchange: the answer is kept, not sent ---------- */

static int plugin__pw_io_head(route_exchange_t *sx)
{
    sx->head_sent = true;
    return 0;
}

static int plugin__pw_io_body(route_exchange_t *sx, const void *data, size_t len, bool is_last)
{
    (void)is_last;
    plugin__pw_job_t *j = plugin__pw_job(sx);
    /* Past the cap the rest is read and dropped, and the call fails
     * (a -1 here would fail the client's exchange, whose host state it shares). */
    if (j->answer.body.len + len > PLUGIN_PW_HTTP_BODY_MAX) j->over = true;
    else if (len && ifr_buf_append(&j->answer.body, data, len) != 0) j->over = true;
    return 0;
}

static int plugin__pw_io_trailers(route_exchange_t *sx, const http_headers_t *t)
{
    plugin__pw_job_t *j = plugin__pw_job(sx);
    for (uint32_t i = 0; t && i < t->count; i++) {
        ifr_str_t n = ifr_arena_str(sx->arena, t->items[i].name), v = ifr_arena_str(sx->arena, t->items[i].value);
        if (!n.ptr || (!v.ptr && t->items[i].value.len) || http_headers_add(&j->answer.trailers, sx->arena, n, v) != 0)
            j->over = true;
    }
    return 0;
}

/* The body goes up whole, at once. */
static int plugin__pw_io_read_body(route_exchange_t *sx, route_body_cb cb, void *ud)
{
    plugin__pw_job_t *j = plugin__pw_job(sx);
    cb(sx, j->body.ptr, j->body.len, true, ud);
    return 0;
}

static int plugin__pw_io_resume_body(route_exchange_t *sx)
{
    (void)sx;
    return 0;
}

static const route_io_t plugin__pw_http_io = {
    .send_head = plugin__pw_io_head,
    .send_body = plugin__pw_io_body,
    .send_trailers = plugin__pw_io_trailers,
    .read_body = plugin__pw_io_read_body,
    .resume_body = plugin__pw_io_resume_body,
};

/* ---- the answer ---------------------------------------------------------- */

/* The call is over (answered or failed): proxy_on_http_call_response in
 * the stream's VM, then the paused request goes on if it may. */
static void plugin__pw_job_finish(plugin__pw_job_t *j)
{
    if (j->done) return;
    j->done = true;
    plugin_pw_stream_t *s = j->s;
    s->calls_out--;
    if (j->over) {
        ifr_log_warn(s->pw->plugin->logger, "http_call %u to %.*s: the answer was over %u bytes: it counts as failed",
                     j->token, (int)j->up.hostport.len, j->up.hostport.ptr, PLUGIN_PW_HTTP_BODY_MAX);
        ifr_buf_free(&j->answer.body);
        j->answer = (plugin_pw_http_t){ .body = IFR_BUF_INIT };
    }
    plugin_pw_vm_t *vm = plugin_pw_stream_vm(s);
    bool local = false;
    if (vm && vm->cb[PLUGIN_PW_HTTP_CALL_RESPONSE]) {
        plugin_pw_call_t pc = { .vm = vm, .plugin = s->pw->plugin, .cb = PLUGIN_PW_HTTP_CALL_RESPONSE,
                                .context_id = s->id, .call = s->paused ? &s->call : NULL, .props = &s->props,
                                .stream = s, .http = &j->answer };
        /* While the end of the body waits, the callback may still read and rewrite it. */
        ifr_buf_t out = IFR_BUF_INIT;
        if (s->body_waiting) pc.req_body = &s->held, pc.req_body_out = &out;
        int32_t args[5] = { (int32_t)s->id, (int32_t)j->token, (int32_t)j->answer.headers.count,
                            (int32_t)j->answer.body.len, (int32_t)j->answer.trailers.count };
        bool ok = plugin_pw_request_cb(vm, &pc, args, 5, NULL);
        if (ok) local = pc.local_response;
        else if (s->paused) plugin_undo_restore(&s->call);
        if (ok && pc.req_body_replaced) {
            ifr_buf_free(&s->held);
            s->held = out;
        } else {
            ifr_buf_free(&out);
        }
    }
    ifr_buf_free(&j->answer.body);
    plugin_pw_stream_settle(s, local);
}

static int plugin__pw_on_head(void *ud, const http_upstream_response_t *r)
{
    plugin__pw_job_t *j = ud;
    j->answer.status = r->status;
    char *status = ifr_arena_printf(j->sx.arena, "%d", r->status);
    if (!status) return -1;
    /* The map starts with :status, as the spec's hosts give it; the
     * fields' slices are in the arena, as the transport says. */
    http_headers_t h = { 0 };
    if (http_headers_add(&h, j->sx.arena, IFR_LIT(":status"), ifr_cstr(status)) != 0) return -1;
    for (uint32_t i = 0; i < r->headers.count; i++)
        if (http_headers_add(&h, j->sx.arena, r->headers.items[i].name, r->headers.items[i].value) != 0) return -1;
    j->answer.headers = h;
    return 0;
}

static void plugin__pw_on_fail(void *ud, route_proxy_fail_t why, const char *detail, bool request_sent)
{
    (void)why, (void)request_sent;
    plugin__pw_job_t *j = ud;
    ifr_log_warn(j->s->pw->plugin->logger, "http_call %u to %.*s failed: %s", j->token, (int)j->up.hostport.len,
                 j->up.hostport.ptr, detail ? detail : "no answer");
    j->answer.status = 0;
    j->answer.headers = (http_headers_t){ 0 };
    plugin__pw_job_finish(j);
}

static void plugin__pw_on_end(void *ud, bool ok)
{
    plugin__pw_job_t *j = ud;
    if (!ok) {
        /* Broke off mid-body: a failed call, as one without an answer. */
        ifr_buf_free(&j->answer.body);
        j->answer = (plugin_pw_http_t){ .body = IFR_BUF_INIT };
    }
    plugin__pw_job_finish(j);
}

static const route_proxy_call_cb_t plugin__pw_http_cb = {
    .on_head = plugin__pw_on_head, .on_fail = plugin__pw_on_fail, .on_end = plugin__pw_on_end,
};

/* The exchange ends first (the client went away): the call stops, no
 * callback follows. */
static void plugin__pw_job_cancel(void *ud)
{
    plugin__pw_job_t *j = ud;
    if (j->done) return;
    j->done = true;
    j->tr->cancel(j->call);
    ifr_buf_free(&j->answer.body);
}

/* ---- the call ------------------------------------------------------------ */

/* "host:port", "[v6]:port" or "host" (port 80), with "http://" allowed in
 * front. false when it is none of these. */
static bool plugin__pw_upstream(ifr_arena_t *a, ifr_str_t s, route_proxy_upstream_t *u)
{
    if (s.len > 7 && memcmp(s.ptr, "http://", 7) == 0) s = ifr_str(s.ptr + 7, s.len - 7);
    if (s.len == 0 || s.len > 255) return false;
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.ptr[i] <= ' ' || s.ptr[i] == '/' || s.ptr[i] == '@' || (unsigned char)s.ptr[i] >= 0x7f)
            return false;
    ifr_str_t host = s, port = IFR_LIT("80");
    if (s.ptr[0] == '[') {
        long close = ifr_str_find_char(s, ']');
        if (close < 2) return false;
        host = ifr_str(s.ptr + 1, (size_t)close - 1);
        ifr_str_t rest = ifr_str(s.ptr + close + 1, s.len - (size_t)close - 1);
        if (rest.len && (rest.ptr[0] != ':' || rest.len == 1)) return false;
        if (rest.len) port = ifr_str(rest.ptr + 1, rest.len - 1);
    } else {
        long colon = ifr_str_find_char(s, ':');
        if (colon == 0) return false;
        if (colon > 0) {
            host = ifr_str(s.ptr, (size_t)colon);
            port = ifr_str(s.ptr + colon + 1, s.len - (size_t)colon - 1);
        }
    }
    uint64_t p;
    if (!ifr_str_to_u64(port, 65535, &p) || p == 0) return false;
    char *h = ifr_arena_strndup(a, host.ptr, host.len);
    char *hp = ifr_arena_printf(a, "%s%s%s:%u", s.ptr[0] == '[' ? "[" : "", h ? h : "", s.ptr[0] == '[' ? "]" : "",
                                (unsigned)p);
    if (!h || !hp) return false;
    memset(u, 0, sizeof(*u));
    u->host = h;
    u->port = (uint16_t)p;
    u->hostport = ifr_cstr(hp);
    return true;
}

/* The request from the filter's map: :method and :path required,
 * :authority becomes Host (the upstream when absent), other fields as
 * given except the framing, which the transport writes. A status. */
static int plugin__pw_request(plugin__pw_job_t *j, ifr_str_t map)
{
    ifr_arena_t *a = j->sx.arena;
    http_headers_t in, out = { 0 };
    if (plugin_pw_map_parse(a, map, &in) != 0) return PLUGIN_PW_BAD_ARGUMENT;
    ifr_str_t method = { 0 }, path = { 0 }, authority = j->up.hostport;
    for (uint32_t i = 0; i < in.count; i++) {
        ifr_str_t n = in.items[i].name, v = in.items[i].value;
        if (ifr_str_eq_cstr(n, ":method")) method = v;
        else if (ifr_str_eq_cstr(n, ":path")) path = v;
        else if (ifr_str_eq_cstr(n, ":authority") || ifr_str_eq_nocase(n, IFR_LIT("host"))) authority = v;
        else if (n.len && n.ptr[0] == ':') continue;   /* :scheme: plain http here */
        else if (!plugin_is_token(n) || !plugin_is_field_value(v)) return PLUGIN_PW_BAD_ARGUMENT;
        else if (ifr_str_eq_nocase(n, IFR_LIT("content-length")) || ifr_str_eq_nocase(n, IFR_LIT("transfer-encoding")) ||
                 ifr_str_eq_nocase(n, IFR_LIT("connection")))
            continue;
        else if (http_headers_add(&out, a, n, v) != 0) return PLUGIN_PW_INTERNAL_FAILURE;
    }
    if (!plugin_is_token(method) || path.len == 0 || path.ptr[0] != '/' || !plugin_is_field_value(path) ||
        ifr_str_find_char(path, ' ') >= 0 || !plugin_is_field_value(authority) || authority.len == 0)
        return PLUGIN_PW_BAD_ARGUMENT;
    if (http_headers_add(&out, a, IFR_LIT("Host"), authority) != 0) return PLUGIN_PW_INTERNAL_FAILURE;
    j->req = (http_request_t){ .method = method, .target = path, .path = path, .headers = out, .host = authority,
                               .version_major = 1, .version_minor = 1,
                               .body_kind = j->body.len ? HTTP_BODY_LENGTH : HTTP_BODY_NONE,
                               .content_length = j->body.len };
    return PLUGIN_PW_OK;
}

/* proxy_http_call(upstream, headers, body, trailers, timeout_ms, *token):
 * only from a stream's callbacks (the call rides on its request's
 * worker and arena). Trailers are not sent (the body goes up with a
 * Content-Length). */
iw_host_result_t plugin_pw_http_call(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    ifr_str_t upstream, map, body, trailers;
    const char *up = plugin_pw_lift(inst, PLUGIN__PW_ARG(0), PLUGIN__PW_ARG(1));
    const char *hm = up ? plugin_pw_lift(inst, PLUGIN__PW_ARG(2), PLUGIN__PW_ARG(3)) : NULL;
    const char *bd = hm ? plugin_pw_lift(inst, PLUGIN__PW_ARG(4), PLUGIN__PW_ARG(5)) : NULL;
    const char *tr = bd ? plugin_pw_lift(inst, PLUGIN__PW_ARG(6), PLUGIN__PW_ARG(7)) : NULL;
    if (!tr || !plugin_pw_lift(inst, PLUGIN__PW_ARG(9), 4)) return IW_HOST_TRAP;
    upstream = ifr_str(up, PLUGIN__PW_ARG(1));
    map = ifr_str(hm, PLUGIN__PW_ARG(3));
    body = ifr_str(bd, PLUGIN__PW_ARG(5));
    trailers = ifr_str(tr, PLUGIN__PW_ARG(7));
    (void)trailers;
    plugin_pw_call_t *pc = iw_instance_user_data(inst);
    plugin_pw_stream_t *s = pc ? pc->stream : NULL;
    const route_proxy_transport_t *t = route_proxy_transport_get();
    int st = PLUGIN_PW_OK;
    if (!s || pc->context_id != s->id) st = PLUGIN_PW_BAD_ARGUMENT;
    else if (!t) st = PLUGIN_PW_UNIMPLEMENTED;
    else if (s->calls_out >= PLUGIN_PW_HTTP_MAX_CALLS) st = PLUGIN_PW_BAD_ARGUMENT;
    if (st != PLUGIN_PW_OK) {
        results[0] = (uint64_t)st;
        return IW_HOST_OK;
    }
    route_exchange_t *x = s->x;
    plugin__pw_job_t *j = ifr_arena_calloc(x->arena, 1, sizeof(*j));
    if (!j) st = PLUGIN_PW_INTERNAL_FAILURE;
    else if (!plugin__pw_upstream(x->arena, upstream, &j->up)) st = PLUGIN_PW_BAD_ARGUMENT;
    if (st != PLUGIN_PW_OK) {
        results[0] = (uint64_t)st;
        return IW_HOST_OK;
    }
    j->sx = (route_exchange_t){ .arena = x->arena, .req = &j->req, .conn = x->conn, .io = &plugin__pw_http_io,
                                .io_ctx = x->io_ctx, .id = x->id, .start_ns = x->start_ns };
    j->s = s;
    j->tr = t;
    j->answer.body = IFR_BUF_INIT;
    j->body = ifr_arena_str(x->arena, body);
    if (body.len && !j->body.ptr) st = PLUGIN_PW_INTERNAL_FAILURE;
    else st = plugin__pw_request(j, map);
    if (st != PLUGIN_PW_OK) {
        results[0] = (uint64_t)st;
        return IW_HOST_OK;
    }
    uint32_t ms = PLUGIN__PW_ARG(8) ? PLUGIN__PW_ARG(8) : PLUGIN__PW_HTTP_DEFAULT_MS;
    if (ms > PLUGIN__PW_HTTP_MAX_MS) ms = PLUGIN__PW_HTTP_MAX_MS;
    int64_t timeout = (int64_t)ms * 1000000;
    /* Plain HTTP/1.1, a fresh connection, every wait bounded by the timeout. */
    j->conf = (route_proxy_transport_conf_t){ .versions = ROUTE_PROXY_V1, .dial_timeout_ns = timeout,
                                              .response_header_timeout_ns = timeout, .read_timeout_ns = timeout,
                                              .write_timeout_ns = timeout, .read_buffer = 16384 };
    j->preq = (route_proxy_request_t){ .upstream = &j->up, .conf = &j->conf, .method = j->req.method,
                                       .target = j->req.target, .headers = &j->req.headers,
                                       .with_body = j->body.len > 0 };
    uint32_t token = pc->vm->next_token++;
    if (!plugin_pw_put_u32(inst, PLUGIN__PW_ARG(9), token)) return IW_HOST_TRAP;
    j->token = token;
    if (ifr_arena_on_cleanup(x->arena, plugin__pw_job_cancel, j) != 0 ||
        t->start(&j->sx, &j->preq, &plugin__pw_http_cb, j, &j->call) != 0) {
        j->done = true;
        results[0] = PLUGIN_PW_INTERNAL_FAILURE;
        return IW_HOST_OK;
    }
    s->calls_out++;
    results[0] = PLUGIN_PW_OK;
    return IW_HOST_OK;
}
