/* See edge_exchange.h. The edge has no event loop: everything a handler
 * queues happens before edge_exchange_run returns, and the request body
 * (already whole in memory) is delivered right after dispatch, so read_body
 * never calls back from inside itself, as on the native server. */
#include "edge/edge_exchange.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "http/request_parser.h"
#include "route/fs.h"

static edge_exchange_t *edge__of(route_exchange_t *x) { return x->io_ctx; }

/* Framing and hop-by-hop fields belong to the host (workerd), as they
 * belong to the native server: a handler's copy is not passed on. */
static bool edge__is_framing_field(ifr_str_t name)
{
    static const char *const names[] = { "connection", "content-length", "transfer-encoding",
                                         "keep-alive", "upgrade", "te", "trailer" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ifr_str_eq_nocase(name, ifr_cstr(names[i]))) return true;
    return false;
}

/* A value with CR, LF or another control byte would be refused by the
 * Headers API; the native writer drops such fields too. */
static bool edge__field_ok(const http_header_t *h)
{
    if (h->name.len == 0) return false;
    for (size_t i = 0; i < h->value.len; i++) {
        unsigned char c = (unsigned char)h->value.ptr[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
    }
    return true;
}

int edge_item_put(ifr_buf_t *b, ifr_str_t s)
{
    uint32_t n = (uint32_t)s.len;
    return ifr_buf_append(b, &n, 4) < 0 || ifr_buf_append_str(b, s) < 0 ? -1 : 0;
}

bool edge_item_next(ifr_str_t s, size_t *off, ifr_str_t *item)
{
    uint32_t n;
    if (s.len - *off < 4) return false;
    memcpy(&n, s.ptr + *off, 4);
    if (s.len - *off - 4 < n) return false;
    *item = ifr_str(s.ptr + *off + 4, n);
    *off += 4 + (size_t)n;
    return true;
}

static int edge__put_field(edge_exchange_t *ex, ifr_str_t name, ifr_str_t value)
{
    if (edge_item_put(&ex->head, name) < 0 || edge_item_put(&ex->head, value) < 0) return -1;
    ex->nfields++;
    return 0;
}

static int edge__send_head(route_exchange_t *x)
{
    edge_exchange_t *ex = edge__of(x);
    if (x->head_sent) return -1;
    int status = x->resp.status ? x->resp.status : 200;
    if (status < 200 || status > 599) {
        ifr_log_warn("edge", "handler set invalid status %d; sending 500", status);
        status = 500;
    }
    bool has_date = false;
    for (uint32_t i = 0; i < x->resp.headers.count; i++) {
        const http_header_t *h = &x->resp.headers.items[i];
        if (edge__is_framing_field(h->name)) continue;
        if (!edge__field_ok(h)) {
            ifr_log_warn("edge", "dropped response header %.*s with invalid bytes", (int)h->name.len, h->name.ptr);
            continue;
        }
        has_date |= ifr_str_eq_nocase(h->name, IFR_LIT("date"));
        if (edge__put_field(ex, h->name, h->value) < 0) return -1;
    }
    /* A HEAD answer has no body for workerd to count, so the length the
     * handler declared travels as a field (the native server sends it too). */
    if (ifr_str_eq(ex->req.method, IFR_LIT("HEAD")) && x->resp.content_length >= 0) {
        char len[24];
        snprintf(len, sizeof len, "%lld", (long long)x->resp.content_length);
        if (edge__put_field(ex, IFR_LIT("Content-Length"), ifr_cstr(len)) < 0) return -1;
    }
    if (!has_date) {
        char date[ROUTE_HTTP_DATE_SIZE];
        route_http_date(time(NULL), date);
        if (edge__put_field(ex, IFR_LIT("Date"), ifr_cstr(date)) < 0) return -1;
    }
    ex->status = status;
    ex->length = x->resp.content_length;
    x->head_sent = true;
    return 0;
}

static int edge__send_body(route_exchange_t *x, const void *data, size_t len, bool is_last)
{
    edge_exchange_t *ex = edge__of(x);
    if (ex->done || (!x->head_sent && edge__send_head(x) < 0)) return -1;
    /* HEAD answers keep their headers and drop the bytes, as natively. */
    bool keep = !ifr_str_eq(ex->req.method, IFR_LIT("HEAD")) && ex->status != 204 && ex->status != 304;
    if (keep && len && ifr_buf_append(&ex->out, data, len) < 0) return -1;
    if (is_last) ex->done = true;
    return 0;
}

/* A file's bytes are the shim's (the assets of edge/wasi.mjs): the answer
 * names the open file and the stretch, and the shim streams it from there.
 * Anything else in the same answer (never done by the route layer, which
 * sends a file alone) is read into the body instead. */
static int edge__send_file(route_exchange_t *x, int fd, off_t offset, uint64_t len, bool is_last)
{
    edge_exchange_t *ex = edge__of(x);
    if (ex->done || (!x->head_sent && edge__send_head(x) < 0)) {
        close(fd);
        return -1;
    }
    bool keep = !ifr_str_eq(ex->req.method, IFR_LIT("HEAD")) && ex->status != 204 && ex->status != 304;
    if (keep && ex->file_fd < 0 && ex->out.len == 0 && is_last) {
        ex->file_fd = fd;
        ex->file_offset = (uint64_t)offset;
        ex->file_len = len;
        ex->done = true;
        return 0;
    }
    char buf[65536];
    for (uint64_t left = keep ? len : 0; left > 0;) {
        ssize_t n = pread(fd, buf, left < sizeof buf ? (size_t)left : sizeof buf, offset);
        if (n <= 0 || ifr_buf_append(&ex->out, buf, (size_t)n) < 0) {
            close(fd);
            return -1;
        }
        offset += n;
        left -= (uint64_t)n;
    }
    close(fd);
    if (is_last) ex->done = true;
    return 0;
}

static int edge__read_body(route_exchange_t *x, route_body_cb cb, void *ud)
{
    edge_exchange_t *ex = edge__of(x);
    if (ex->body_asked) return -1;
    ex->body_asked = true;
    ex->body_cb = cb;
    ex->body_ud = ud;
    return 0;
}

/* One timer at a time; the shim waits it out (setTimeout) and calls
 * edge_exchange_fire_timer: how reverse_proxy waits lb_try_interval. */
static int edge__timer(route_exchange_t *x, int64_t delay_ns, route_resume_cb cb, void *ud)
{
    edge_exchange_t *ex = edge__of(x);
    ex->timer_cb = cb;
    ex->timer_ud = ud;
    ex->timer_ns = delay_ns;
    return 0;
}

/* A bare answer: status, the headers handlers set when keep_headers, no body. */
static void edge__send_bare(edge_exchange_t *ex, int status, bool keep_headers)
{
    if (ex->x.head_sent) { ex->done = true; return; }
    route_exchange_t *x = &ex->x;
    x->resp.status = status;
    if (!keep_headers) x->resp.headers.count = 0;
    /* No handler answers here, so the route layer does not add Server. */
    if (!http_headers_get(&x->resp.headers, IFR_LIT("Server")))
        http_headers_add(&x->resp.headers, x->arena, IFR_LIT("Server"), IFR_LIT(ROUTE_SERVER_NAME));
    x->resp.content_length = 0;
    edge__send_body(&ex->x, NULL, 0, true);
}

/* A handler gives up on a response it began (a function failing after its
 * output started to stream). Natively the client sees it cut off; here
 * nothing has left the core yet, so the answer becomes a plain 500. */
static int edge__abort(route_exchange_t *x)
{
    edge_exchange_t *ex = edge__of(x);
    ex->aborted = true;
    ifr_buf_clear(&ex->head);
    ifr_buf_clear(&ex->out);
    ex->nfields = 0;
    ex->done = false;
    x->head_sent = false;
    edge__send_bare(ex, 500, false);
    return 0;
}

static const route_io_t edge__io = {
    .send_head = edge__send_head,
    .send_file = edge__send_file,
    .send_body = edge__send_body,
    .read_body = edge__read_body,
    .timer = edge__timer,
    .abort = edge__abort,
};

/* Hands the whole body to the handler that asked for it, or answers 413
 * when it is over the exchange's limit (as the native server does). */
static void edge__deliver_body(edge_exchange_t *ex)
{
    route_body_cb cb = ex->body_cb;
    ex->body_cb = NULL;
    if (ex->x.body_limit && ex->body.len > ex->x.body_limit) {
        edge__send_bare(ex, 413, false);
        return;
    }
    cb(&ex->x, ex->body.ptr, ex->body.len, true, ex->body_ud);
}

int edge_exchange_run(edge_exchange_t *ex, const route_plan_t *plan, const char *head, size_t head_len,
                      const void *body, size_t body_len, bool body_pending, ifr_str_t remote_ip, bool tls)
{
    static uint64_t seq;
    memset(ex, 0, sizeof *ex);
    ifr_arena_init(&ex->arena, 0);
    ex->file_fd = -1;
    ex->length = -1;
    ex->plan = plan;
    char *h = ifr_arena_alloc(&ex->arena, head_len + 1);
    char *b = ifr_arena_alloc(&ex->arena, body_len + 1);
    ex->conn = (route_conn_info_t){ .remote_ip = ifr_arena_str(&ex->arena, remote_ip), .tls = tls };
    ex->x = (route_exchange_t){
        .arena = &ex->arena,
        .req = &ex->req,
        .resp = { .status = 0, .content_length = -1 },
        .conn = &ex->conn,
        .io = &edge__io,
        .io_ctx = ex,
        .id = ++seq,
    };
    if (!h || !b) return -1;
    memcpy(h, head, head_len);
    if (body_len) memcpy(b, body, body_len);
    ex->body = ifr_str(b, body_len);
    ex->body_pending = body_pending;
    http_parse_error_t err;
    if (http_request_parse(&ex->req, h, head_len, &ex->arena, &err) != 0) {
        ifr_log_info("edge", "request refused (%d): %s", err.status, err.reason);
        edge__send_bare(ex, err.status, false);
        return ex->status;
    }
    ex->x.orig_uri = ex->req.target;
    if (route_exchange_run((route_plan_t *)plan, &ex->x) == ROUTE_ERROR) edge__send_bare(ex, ex->x.error_status, true);
    return edge_exchange_settle(ex);
}

int edge_exchange_settle(edge_exchange_t *ex)
{
    if (!ex->done && ex->body_cb) {
        if (ex->body_pending) return EDGE_WAIT_REQUEST_BODY;
        edge__deliver_body(ex);
    }
    if (ex->upstream_body) return EDGE_WAIT_BODY;
    if (ex->done) return ex->status;
    if (ex->call) return EDGE_WAIT_FETCH;
    if (ex->fn) return EDGE_WAIT_FUNCTION;
    if (ex->timer_cb) return EDGE_WAIT_TIMER;
    /* Nothing left to wait for: a handler still waiting here waits for
     * something the edge cannot give it. */
    ifr_log_warn("edge", "handler did not finish %.*s", (int)ex->req.target.len, ex->req.target.ptr);
    edge__send_bare(ex, ex->x.head_sent ? ex->status : 500, false);
    return ex->status;
}

int edge_exchange_take_body(edge_exchange_t *ex, const void *body, size_t len)
{
    char *b = ifr_arena_alloc(&ex->arena, len + 1);
    if (!b) return -1;
    if (len) memcpy(b, body, len);
    ex->body = ifr_str(b, len);
    ex->body_pending = false;
    return edge_exchange_settle(ex);
}

void edge_exchange_drain(edge_exchange_t *ex) { ifr_buf_clear(&ex->out); }

int edge_exchange_fire_timer(edge_exchange_t *ex)
{
    route_resume_cb cb = ex->timer_cb;
    ex->timer_cb = NULL;
    if (cb) cb(&ex->x, ex->timer_ud);
    return edge_exchange_settle(ex);
}

void edge_exchange_end(edge_exchange_t *ex)
{
    if (ex->x.orig_uri.ptr) {   /* dispatched: the plan and route state were taken */
        route_exchange_finish((route_plan_t *)ex->plan, &ex->x);
    }
    if (ex->file_fd >= 0) close(ex->file_fd);
    ifr_arena_destroy(&ex->arena);
    ifr_buf_free(&ex->head);
    ifr_buf_free(&ex->out);
    memset(ex, 0, sizeof *ex);
    ex->file_fd = -1;
}
