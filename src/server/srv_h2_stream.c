/* An HTTP/2 stream's exchange: the protocol ops (srv_exchange.h) that
 * turn x->resp into a HEADERS frame's fields, keep the body in pieces
 * until the stream's window lets nghttp2 take them (the data source
 * below), and end it with END_STREAM, trailer fields or RST_STREAM. See
 * srv_h2.h. */
#include "server/srv_h2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "server/srv_date.h"

static srv_h2_stream_t *srv__stream_of(srv_exchange_t *ex) { return ex->session; }

static void srv__stream_wake(srv_h2_stream_t *st) { srv_conn_wake(st->h2->conn); }

/* Fields HTTP/2 forbids (RFC 9113 8.2.2): the framing is the protocol's. */
static bool srv__is_connection_specific(ifr_str_t n)
{
    switch (n.len) {
    case 7: return ifr_str_eq_nocase(n, IFR_LIT("upgrade"));
    case 10: return ifr_str_eq_nocase(n, IFR_LIT("connection")) || ifr_str_eq_nocase(n, IFR_LIT("keep-alive"));
    case 16: return ifr_str_eq_nocase(n, IFR_LIT("proxy-connection"));
    case 17: return ifr_str_eq_nocase(n, IFR_LIT("transfer-encoding"));
    default: return false;
    }
}

static nghttp2_nv srv__make_nv(ifr_str_t name, ifr_str_t value)
{
    return (nghttp2_nv){ (uint8_t *)name.ptr, (uint8_t *)value.ptr, name.len, value.len, NGHTTP2_NV_FLAG_NONE };
}

/* A field name byte lowercased, as HTTP/2 carries names, or 0 when it is
 * not a token character (RFC 9110 5.6.2). */
static char srv__name_byte(char ch)
{
    if (ch >= 'a' && ch <= 'z') return ch;
    if (ch >= 'A' && ch <= 'Z') return (char)(ch + 32);
    if ((ch >= '0' && ch <= '9') || ch == '-') return ch;
    return ch && strchr("!#$%&'*+.^_`|~", ch) ? ch : 0;
}

/* Appends name (lowercased, as HTTP/2 wants it) and value, both copied
 * into the arena (the head is submitted after the handler's turn, and
 * the caller's slices need not live that long), to nva if both are bytes
 * HTTP/2 may carry; false when dropped. */
static bool srv__add_field(ifr_arena_t *a, nghttp2_nv *nva, size_t *n, ifr_str_t name, ifr_str_t value)
{
    char *low = name.len ? ifr_arena_alloc(a, name.len + value.len + 1) : NULL;
    if (!low) return false;
    for (size_t i = 0; i < name.len; i++)
        if (!(low[i] = srv__name_byte(name.ptr[i]))) return false;
    char *val = low + name.len;
    if (value.len) memcpy(val, value.ptr, value.len);
    if (!nghttp2_check_header_value((const uint8_t *)val, value.len)) return false;
    nva[(*n)++] = srv__make_nv(ifr_str(low, name.len), ifr_str(val, value.len));
    return true;
}

/* The status code's three digits (100..999). */
static char *srv__status_code(ifr_arena_t *a, int status)
{
    char *code = ifr_arena_alloc(a, 3);
    if (!code) return NULL;
    code[0] = (char)('0' + status / 100);
    code[1] = (char)('0' + status / 10 % 10);
    code[2] = (char)('0' + status % 10);
    return code;
}

/* n in decimal, in the arena; an empty slice when out of memory. */
static ifr_str_t srv__decimal(ifr_arena_t *a, uint64_t n)
{
    char digits[20];
    size_t k = sizeof digits;
    do {
        digits[--k] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    char *out = ifr_arena_alloc(a, sizeof digits - k);
    if (!out) return IFR_LIT("");
    memcpy(out, digits + k, sizeof digits - k);
    return ifr_str(out, sizeof digits - k);
}

static int64_t srv__parse_length(ifr_str_t v)
{
    uint64_t n;
    if (v.len > 18 || !ifr_str_to_u64(v, UINT64_MAX, &n)) return -1;
    return (int64_t)n;
}

/* Builds the final head's fields; srv_h2_stream_submit hands them to
 * nghttp2 once the handler's first turn is over (so a response complete
 * by then goes out as HEADERS with END_STREAM, no empty DATA). */
static int srv__h2_send_head(srv_exchange_t *ex)
{
    srv_h2_stream_t *st = srv__stream_of(ex);
    route_exchange_t *x = &ex->x;
    int status = x->resp.status ? x->resp.status : 200;
    if (status < 200 || status > 999) {
        ifr_log_warn("http", "handler set invalid status %d; sending 500", status);
        status = 500;
    }
    /* :status, the fields, date, content-length. */
    nghttp2_nv *nva = ifr_arena_alloc(x->arena, (x->resp.headers.count + 3) * sizeof *nva);
    char *code = srv__status_code(x->arena, status);
    if (!nva || !code) return -1;
    size_t n = 0;
    nva[n++] = srv__make_nv(IFR_LIT(":status"), ifr_str(code, 3));
    bool is_head = ifr_str_eq(ex->req.method, IFR_LIT("HEAD"));
    bool bodiless_status = status == 204 || status == 304;
    int64_t declared = x->resp.content_length;
    bool has_date = false;
    for (uint32_t i = 0; i < x->resp.headers.count; i++) {
        const http_header_t *h = &x->resp.headers.items[i];
        if (ifr_str_eq_nocase(h->name, IFR_LIT("content-length"))) {
            if (declared < 0) declared = srv__parse_length(h->value);
            continue;
        }
        if (srv__is_connection_specific(h->name)) continue;
        if (ifr_str_eq_nocase(h->name, IFR_LIT("date"))) has_date = true;
        if (!srv__add_field(x->arena, nva, &n, h->name, h->value))
            ifr_log_warn("http", "dropped response header %.*s with invalid bytes", (int)h->name.len, h->name.ptr);
    }
    if (!has_date) srv__add_field(x->arena, nva, &n, IFR_LIT("date"), srv_date_now());
    ex->no_body = is_head || bodiless_status;
    ex->declared_len = -1;
    if (declared >= 0 && !bodiless_status) {
        ifr_str_t len = srv__decimal(x->arena, (uint64_t)declared);
        if (!len.len) return -1;
        nva[n++] = srv__make_nv(IFR_LIT("content-length"), len);
        ex->declared_len = declared;
    }
    st->nva = nva;
    st->nnv = n;
    return 0;
}

static srv_h2_seg_t *srv__seg_push(srv_h2_stream_t *st, size_t data_len)
{
    srv_h2_seg_t *s = malloc(sizeof *s + data_len);
    if (!s) return NULL;
    *s = (srv_h2_seg_t){ .fd = -1 };
    if (st->seg_tail) st->seg_tail->next = s;
    else st->seg_head = s;
    st->seg_tail = s;
    return s;
}

/* New bytes for a source that said DEFERRED. */
static void srv__stream_resume(srv_h2_stream_t *st)
{
    if (st->submitted && st->deferred) {
        st->deferred = false;
        nghttp2_session_resume_data(st->h2->ng, st->id);
    }
    srv__stream_wake(st);
}

static int srv__h2_send_body(srv_exchange_t *ex, const void *data, size_t len)
{
    srv_h2_stream_t *st = srv__stream_of(ex);
    srv_h2_seg_t *s = srv__seg_push(st, len);
    if (!s) return -1;
    memcpy(s->data, data, len);
    s->len = len;
    st->seg_bytes += len;
    srv__stream_resume(st);
    return 0;
}

static int srv__h2_send_file(srv_exchange_t *ex, int fd, off_t offset, uint64_t len)
{
    srv_h2_stream_t *st = srv__stream_of(ex);
    srv_h2_seg_t *s = srv__seg_push(st, 0);
    if (!s) {
        close(fd);
        return -1;
    }
    s->fd = fd;
    s->off = offset;
    s->len = len;
    srv__stream_resume(st);
    return 0;
}

/* No splicing: every byte goes through nghttp2's framing. */
static route_splice_t srv__h2_splice_body(srv_exchange_t *ex, int src_fd, uint64_t max, size_t *moved)
{
    (void)ex; (void)src_fd; (void)max; (void)moved;
    return ROUTE_SPLICE_NO;
}

static int srv__h2_send_end(srv_exchange_t *ex, const http_headers_t *trailers)
{
    srv_h2_stream_t *st = srv__stream_of(ex);
    st->end_queued = true;
    /* Shorter than its content-length: the client must not take it whole. */
    if (!ex->no_body && ex->declared_len >= 0 && ex->body_sent < (uint64_t)ex->declared_len) st->cut = true;
    if (trailers && trailers->count && !ex->no_body) {
        nghttp2_nv *nva = ifr_arena_alloc(ex->x.arena, trailers->count * sizeof *nva);
        if (!nva) return -1;
        size_t n = 0;
        for (uint32_t i = 0; i < trailers->count; i++) {
            const http_header_t *h = &trailers->items[i];
            if (srv__is_connection_specific(h->name) || !srv__add_field(ex->x.arena, nva, &n, h->name, h->value))
                ifr_log_warn("http", "dropped trailer %.*s with invalid bytes", (int)h->name.len, h->name.ptr);
        }
        st->trailers = n ? nva : NULL;
        st->ntrailers = n;
    }
    srv__stream_resume(st);
    return 0;
}

static int srv__h2_send_interim(srv_exchange_t *ex, int status, const http_headers_t *headers)
{
    srv_h2_stream_t *st = srv__stream_of(ex);
    ifr_arena_t *a = ex->x.arena;
    nghttp2_nv *nva = ifr_arena_alloc(a, (headers->count + 1) * sizeof *nva);
    char *code = status >= 100 && status <= 999 ? srv__status_code(a, status) : NULL;
    if (!nva || !code) return -1;
    size_t n = 0;
    nva[n++] = srv__make_nv(IFR_LIT(":status"), ifr_str(code, 3));
    for (uint32_t i = 0; i < headers->count; i++)
        if (!srv__is_connection_specific(headers->items[i].name))
            srv__add_field(a, nva, &n, headers->items[i].name, headers->items[i].value);
    /* nghttp2 copies the fields. */
    if (nghttp2_submit_headers(st->h2->ng, NGHTTP2_FLAG_NONE, st->id, NULL, nva, n, NULL) != 0) return -1;
    srv__stream_wake(st);
    return 0;
}

static void srv__h2_body_wanted(srv_exchange_t *ex, bool resumed)
{
    srv_h2_stream_t *st = srv__stream_of(ex);
    /* As HTTP/1.1: 100 Continue only once the handler reads the body. */
    if (!resumed && ex->req.expect_continue && !st->req_done && !ex->x.head_sent) {
        static const nghttp2_nv cont[] = { { (uint8_t *)":status", (uint8_t *)"100", 7, 3, NGHTTP2_NV_FLAG_NONE } };
        nghttp2_submit_headers(st->h2->ng, NGHTTP2_FLAG_NONE, st->id, NULL, cont, 1, NULL);
    }
    srv__stream_wake(st);
}

static uint64_t srv__h2_queued(srv_exchange_t *ex) { return srv__stream_of(ex)->seg_bytes; }

static bool srv__h2_writable(srv_exchange_t *ex) { return srv__stream_of(ex)->seg_bytes < SRV_OUT_LOW_WATER; }

static void srv__h2_wake(srv_exchange_t *ex) { srv__stream_wake(srv__stream_of(ex)); }

const srv_proto_ops_t srv_h2_proto = {
    .send_head = srv__h2_send_head,
    .send_body = srv__h2_send_body,
    .send_file = srv__h2_send_file,
    .splice_body = srv__h2_splice_body,
    .send_end = srv__h2_send_end,
    .send_interim = srv__h2_send_interim,
    .body_wanted = srv__h2_body_wanted,
    .queued = srv__h2_queued,
    .writable = srv__h2_writable,
    .upgrade = NULL,
    .wake = srv__h2_wake,
};

void srv_h2_stream_drop_body(srv_h2_stream_t *st)
{
    for (srv_h2_seg_t *s = st->seg_head, *next; s; s = next) {
        next = s->next;
        if (s->fd >= 0) close(s->fd);
        free(s);
    }
    st->seg_head = st->seg_tail = NULL;
    st->seg_bytes = 0;
}

/* Copies up to len bytes of the first piece into buf: the count, 0 when
 * the piece is used up, -1 when its file cannot be read (or shrank). */
static ssize_t srv__seg_take(srv_h2_seg_t *s, uint8_t *buf, size_t len)
{
    if (len > s->len) len = (size_t)s->len;
    if (s->fd < 0) {
        memcpy(buf, s->data + s->pos, len);
        s->pos += len;
        return (ssize_t)len;
    }
    ssize_t r;
    do r = pread(s->fd, buf, len, s->off);
    while (r < 0 && errno == EINTR);
    if (r <= 0) return -1;
    s->off += r;
    return r;
}

ssize_t srv_h2_read_body(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *ud)
{
    (void)ng; (void)id; (void)ud;
    srv_h2_stream_t *st = src->ptr;
    size_t n = 0;
    while (n < len && st->seg_head) {
        srv_h2_seg_t *s = st->seg_head;
        ssize_t r = srv__seg_take(s, buf + n, len - n);
        if (r < 0) {
            ifr_log_warn("http", "stream %d: the file being sent cannot be read: %s", (int)st->id,
                         errno ? strerror(errno) : "it shrank");
            st->cut = true;
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;   /* RST_STREAM INTERNAL_ERROR */
        }
        n += (size_t)r;
        s->len -= (uint64_t)r;
        if (s->fd < 0) st->seg_bytes -= (uint64_t)r;
        if (s->len == 0) {
            st->seg_head = s->next;
            if (!st->seg_head) st->seg_tail = NULL;
            if (s->fd >= 0) close(s->fd);
            free(s);
        }
    }
    if (!st->seg_head && st->end_queued && !st->cut) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (st->trailers && nghttp2_submit_trailer(ng, st->id, st->trailers, st->ntrailers) == 0)
            *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        return (ssize_t)n;
    }
    if (n == 0) {
        if (st->cut) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        st->deferred = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    return (ssize_t)n;
}

void srv_h2_stream_submit(srv_h2_stream_t *st)
{
    srv_exchange_t *ex = &st->ex;
    nghttp2_session *ng = st->h2->ng;
    if (st->reset_sent) return;
    /* Ended without send_end (srv_exchange_fail after the head: an
     * upstream that broke off, say): the response is not whole. */
    if (ex->resp_done && !st->end_queued) st->cut = true;
    if (ex->resp_done && st->cut && (!st->nva || st->submitted)) {
        /* Cut off after the head: the client must see it was not whole. */
        nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
        st->reset_sent = true;
        return;
    }
    if (!st->nva || st->submitted) return;
    st->submitted = true;
    bool empty = ex->no_body || (st->end_queued && !st->seg_head && !st->trailers && !st->cut);
    if (ex->no_body) srv_h2_stream_drop_body(st);
    nghttp2_data_provider dp = { .source.ptr = st, .read_callback = srv_h2_read_body };
    if (nghttp2_submit_response(ng, st->id, st->nva, st->nnv, empty ? NULL : &dp) != 0) {
        nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
        st->reset_sent = true;
    }
}
