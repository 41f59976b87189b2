/* The functions the JavaScript shim (edge/worker.js) calls on the core.
 * The module is a WASI reactor: the shim calls _initialize, then
 * edge_init once per isolate with the embedded Caddyfile, then for each
 * request edge_handle (and, while it waits, edge_fetch_* / edge_fn_* /
 * edge_timer_*), reads the answer through the edge_resp_* getters and
 * calls edge_release.
 *
 * Memory passing: the shim gets buffers with edge_alloc, writes into
 * linear memory, passes pointer and length, and frees them with edge_free.
 *
 * Several exchanges at once: workerd hands an isolate concurrent requests,
 * and one waiting on an upstream or streaming its body must not hold the
 * others back. Each edge_handle makes a new exchange, the current one; it
 * gets an id (edge_exchange_id), and the shim selects it again
 * (edge_select) before it calls about it after awaiting anything. Calls
 * without an id are about the current exchange. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "edge/edge_codec.h"
#include "edge/edge_exchange.h"
#include "edge/edge_function.h"
#include "edge/edge_notices.h"
#include "edge/edge_password.h"
#include "edge/edge_proxy.h"
#include "fn/fn.h"
#include "plugin/plugin.h"

#define EDGE__EXPORT(name) __attribute__((export_name(#name)))

static route_plan_t *edge__plan;
/* Live exchanges by id - 1 (NULL: a free slot); ids are reused, and so is
 * the memory of the last exchange ended (the common case: one at a time). */
static edge_exchange_t **edge__slots;
static edge_exchange_t *edge__spare;
static uint32_t edge__nslots;
static uint32_t edge__cur_id;
/* Current when there is none: calls about it find nothing to do. */
static edge_exchange_t edge__none = { .file_fd = -1, .length = -1 };
static ifr_buf_t edge__fetch_buf;
static bool edge__fetch_with;
static ifr_buf_t edge__fn_buf;
static ifr_str_t edge__fn_in;

EDGE__EXPORT(edge_alloc) void *edge_alloc(uint32_t n) { return malloc(n ? n : 1); }
EDGE__EXPORT(edge_free) void edge_free(void *p) { free(p); }

static edge_exchange_t *edge__cur(void)
{
    return edge__cur_id ? edge__slots[edge__cur_id - 1] : &edge__none;
}

/* Where the current exchange stands (edge_handle's return values). */
static int edge__settle(void) { return edge__cur_id ? edge_exchange_settle(edge__cur()) : -1; }

/* A free slot for a new exchange; 0 when out of memory. */
static uint32_t edge__slot_new(void)
{
    uint32_t i = 0;
    while (i < edge__nslots && edge__slots[i]) i++;
    if (i == edge__nslots) {
        edge_exchange_t **grown = realloc(edge__slots, (edge__nslots * 2 + 8) * sizeof *grown);
        if (!grown) return 0;
        for (uint32_t j = edge__nslots; j < edge__nslots * 2 + 8; j++) grown[j] = NULL;
        edge__slots = grown;
        edge__nslots = edge__nslots * 2 + 8;
    }
    edge__slots[i] = edge__spare ? edge__spare : malloc(sizeof *edge__slots[i]);
    edge__spare = NULL;
    return edge__slots[i] ? i + 1 : 0;
}

/* Makes exchange id current; -1 when there is no such exchange. */
EDGE__EXPORT(edge_select) int edge_select(uint32_t id)
{
    if (id == 0 || id > edge__nslots || !edge__slots[id - 1]) {
        edge__cur_id = 0;
        return -1;
    }
    edge__cur_id = id;
    edge_codec_attach(&edge__slots[id - 1]->host_encodes);
    return 0;
}
EDGE__EXPORT(edge_exchange_id) uint32_t edge_exchange_id(void) { return edge__cur_id; }

/* Loads the plan from the Caddyfile text; modules lists the function
 * modules the bundle holds (edge_function_register); name is the
 * Caddyfile's path inside the edge, which relative imports resolve from
 * (empty: "Caddyfile" in /). 0, or -1 with the error logged as
 * FILE:LINE:COL: message. */
EDGE__EXPORT(edge_init) int edge_init(const char *text, uint32_t len, const char *modules, uint32_t modules_len,
                                     const char *name, uint32_t name_len)
{
    if (edge__plan) return 0;
    edge_proxy_register();
    edge_password_register();
    edge_codec_register();
    if (fn_register_directives() < 0 || plugin_register_directives() < 0) return -1;
    if (edge_function_register(ifr_str(modules, modules_len)) < 0) return -1;
    cfg_error_t err;
    /* Kept for the isolate's life: the plan's tokens may point at it. */
    char *file = name_len ? strndup(name, name_len) : NULL;
    route_plan_tls_outside(true);
    edge__plan = route_plan_load_text(text, len, file ? file : "Caddyfile", &err);
    if (!edge__plan) {
        ifr_log_error("edge", "%s:%d:%d: %s", err.file, err.line, err.col, err.message);
        return -1;
    }
    edge_log_ignored(edge__plan);
    return 0;
}

/* Runs one request in a new exchange, which becomes current. head is an
 * HTTP/1.1 request head composed by the shim (request line, fields, empty
 * line); body the whole request body, or body_pending 1: the shim holds
 * the body the head declares and hands it over whole (edge_request_body)
 * only if a handler asks for it (EDGE_WAIT_REQUEST_BODY); an upstream gets
 * it as a stream instead. tls is 1 for https URLs. Returns the status of
 * the complete answer; or EDGE_WAIT_FETCH / _TIMER / _FUNCTION / _BODY /
 * _REQUEST_BODY (1 to 5): the core waits for the shim (edge_fetch_*,
 * edge_timer_*, edge_fn_*, edge_request_body); or -1 when no answer could
 * be made (the shim answers 500). */
EDGE__EXPORT(edge_handle) int edge_handle(const char *head, uint32_t head_len, const void *body, uint32_t body_len,
                                         const char *remote, uint32_t remote_len, int tls, int body_pending)
{
    edge__cur_id = 0;
    if (!edge__plan) return -1;
    uint32_t id = edge__slot_new();
    if (!id) return -1;
    edge_select(id);
    return edge_exchange_run(edge__cur(), edge__plan, head, head_len, body, body_len, body_pending != 0,
                             ifr_str(remote, remote_len), tls != 0);
}

/* EDGE_WAIT_REQUEST_BODY: the request body, whole; the same return values
 * as edge_handle. */
EDGE__EXPORT(edge_request_body) int edge_request_body(const char *body, uint32_t len)
{
    return edge__cur_id ? edge_exchange_take_body(edge__cur(), body, len) : -1;
}

/* EDGE_WAIT_FETCH: the request to fetch, as edge_proxy_request lays it
 * out; whether the client's body goes along. 0 when there is none. */
EDGE__EXPORT(edge_fetch_request) const char *edge_fetch_request(void)
{
    return edge_proxy_request(edge__cur(), &edge__fetch_buf, &edge__fetch_with) == 0 ? edge__fetch_buf.data : NULL;
}
EDGE__EXPORT(edge_fetch_request_len) uint32_t edge_fetch_request_len(void) { return (uint32_t)edge__fetch_buf.len; }
EDGE__EXPORT(edge_fetch_with_body) int edge_fetch_with_body(void) { return edge__fetch_with; }

/* The upstream's answer: status, fields as in edge_resp_fields, the body's
 * length (-1: unknown); then the same return values as edge_handle, with
 * EDGE_WAIT_BODY while the core wants the body through edge_fetch_body. */
EDGE__EXPORT(edge_fetch_head) int edge_fetch_head(int status, const char *fields, uint32_t fields_len, double length)
{
    edge_proxy_head(edge__cur(), status, ifr_str(fields, fields_len), (int64_t)length);
    return edge__settle();
}

/* The next piece of the upstream's body; last: 1 when it ended there, -1
 * when it broke off. The same return values as edge_handle; what the
 * answer's body gained meanwhile is at edge_resp_body (edge_resp_drain). */
EDGE__EXPORT(edge_fetch_body) int edge_fetch_body(const char *bytes, uint32_t len, int last)
{
    edge_proxy_body(edge__cur(), ifr_str(bytes, len), last > 0, last < 0);
    return edge__settle();
}

EDGE__EXPORT(edge_fetch_failed) int edge_fetch_failed(const char *why, uint32_t len)
{
    edge_proxy_failed(edge__cur(), ifr_str(why, len));
    return edge__settle();
}

/* EDGE_WAIT_FUNCTION: the run, as edge_function_request lays it out, and
 * its stdin. 0 when there is none. */
EDGE__EXPORT(edge_fn_request) const char *edge_fn_request(void)
{
    return edge_function_request(edge__cur(), &edge__fn_buf, &edge__fn_in) == 0 ? edge__fn_buf.data : NULL;
}
EDGE__EXPORT(edge_fn_request_len) uint32_t edge_fn_request_len(void) { return (uint32_t)edge__fn_buf.len; }
EDGE__EXPORT(edge_fn_stdin) const char *edge_fn_stdin(void) { return edge__fn_in.ptr; }
EDGE__EXPORT(edge_fn_stdin_len) uint32_t edge_fn_stdin_len(void) { return (uint32_t)edge__fn_in.len; }

/* How the run ended (fn_runner_end_t: 0 exited with exit_code, 1 trapped,
 * 2 timed out), its stdout and stderr, and the trap's message; then the
 * same return values as edge_handle. */
EDGE__EXPORT(edge_fn_done) int edge_fn_done(int how, int exit_code, const char *out, uint32_t out_len,
                                           const char *err, uint32_t err_len, const char *detail, uint32_t detail_len)
{
    fn_runner_end_t end = how == 1 ? FN_RUNNER_TRAPPED : how == 2 ? FN_RUNNER_TIMED_OUT : FN_RUNNER_EXITED;
    edge_function_done(edge__cur(), end, exit_code, ifr_str(out, out_len), ifr_str(err, err_len),
                       ifr_str(detail, detail_len));
    return edge__settle();
}

/* EDGE_WAIT_TIMER: how long to wait (ms), then edge_timer_fire. */
EDGE__EXPORT(edge_timer_ms) double edge_timer_ms(void) { return (double)edge__cur()->timer_ns / 1e6; }
EDGE__EXPORT(edge_timer_fire) int edge_timer_fire(void) { return edge__cur_id ? edge_exchange_fire_timer(edge__cur()) : -1; }

/* The answer of the current exchange: header fields as a sequence of
 * (u32 length, bytes) pairs, name then value, little-endian; and the body. */
EDGE__EXPORT(edge_resp_fields) const char *edge_resp_fields(void) { return edge__cur()->head.data; }
EDGE__EXPORT(edge_resp_fields_len) uint32_t edge_resp_fields_len(void) { return (uint32_t)edge__cur()->head.len; }
EDGE__EXPORT(edge_resp_body) const char *edge_resp_body(void) { return edge__cur()->out.data; }
EDGE__EXPORT(edge_resp_body_len) uint32_t edge_resp_body_len(void) { return (uint32_t)edge__cur()->out.len; }
/* When the body is a stretch of an embedded file (the exchange's send_file):
 * its WASI fd (-1: the body is edge_resp_body), offset and length. Assets
 * are at most 25 MiB, so 32 bits hold both. */
EDGE__EXPORT(edge_resp_file_fd) int edge_resp_file_fd(void) { return edge__cur()->file_fd; }
EDGE__EXPORT(edge_resp_file_offset) uint32_t edge_resp_file_offset(void) { return (uint32_t)edge__cur()->file_offset; }
EDGE__EXPORT(edge_resp_file_len) uint32_t edge_resp_file_len(void) { return (uint32_t)edge__cur()->file_len; }
/* 1 when the host must compress the body as Content-Encoding says (the
 * edge's gzip codec ran, edge_codec.h); 0: send the bytes as they are. */
EDGE__EXPORT(edge_resp_host_encodes) int edge_resp_host_encodes(void) { return edge__cur()->host_encodes; }

/* While the body streams (EDGE_WAIT_BODY): the status once the head is
 * decided (0 before; edge_resp_fields is complete then), the Content-Length it declared (-1: none),
 * whether a handler gave up on the answer after it began; and
 * edge_resp_drain after the shim took edge_resp_body. */
EDGE__EXPORT(edge_resp_status) int edge_resp_status(void) { return edge__cur()->status; }
EDGE__EXPORT(edge_resp_length) double edge_resp_length(void) { return (double)edge__cur()->length; }
EDGE__EXPORT(edge_resp_aborted) int edge_resp_aborted(void) { return edge__cur()->aborted; }
EDGE__EXPORT(edge_resp_drain) void edge_resp_drain(void) { edge_exchange_drain(edge__cur()); }

/* Ends the current exchange: access log, then its memory is freed; its id
 * is free again. */
EDGE__EXPORT(edge_release) void edge_release(void)
{
    if (!edge__cur_id) return;
    edge_exchange_t *ex = edge__slots[edge__cur_id - 1];
    edge_exchange_end(ex);
    free(edge__spare);
    edge__spare = ex;
    edge__slots[edge__cur_id - 1] = NULL;
    edge__cur_id = 0;
    edge_codec_attach(NULL);
}
