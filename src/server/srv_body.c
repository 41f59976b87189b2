/* Request bodies: delivering them to the handler that asked (read_body),
 * or skipping them when it did not, with Content-Length or chunked framing
 * and the exchange's body_limit. See srv_conn.h. */
#include "server/srv_conn.h"

#include <string.h>

#include "base/log.h"

/* Keeps a piece of a chunked body's trailer section (the decoder bounds
 * the whole by HTTP_CHUNK_TRAILER_MAX). -1 out of memory. */
static int srv__body_keep_trailer(srv_conn_t *c, ifr_str_t piece)
{
    srv_body_t *b = &c->body;
    if (!b->trailer) b->trailer = ifr_arena_alloc(&c->ex.arena, HTTP_CHUNK_TRAILER_MAX);
    if (!b->trailer || b->trailer_len + piece.len > HTTP_CHUNK_TRAILER_MAX) return -1;
    memcpy(b->trailer + b->trailer_len, piece.ptr, piece.len);
    b->trailer_len += piece.len;
    return 0;
}

/* At the end of a read body: its trailer fields for x->req_trailers. */
static void srv__body_trailers_done(srv_conn_t *c)
{
    srv_body_t *b = &c->body;
    if (!b->trailer_len) return;
    http_headers_t *t = ifr_arena_calloc(&c->ex.arena, 1, sizeof(*t));
    if (!t || http_chunked_trailers(ifr_str(b->trailer, b->trailer_len), &c->ex.arena, t) != 0) {
        ifr_log_debug("http", "request trailers dropped: out of memory");
        return;
    }
    c->ex.x.req_trailers = t;
}

/* Next body bytes from the read buffer: *data, whether they are the last,
 * and how many buffer bytes they used. 0 = nothing yet, 1 = got some,
 * -1 = malformed chunked framing. A body being read (not skipped) keeps
 * its trailer section. */
static int srv__body_take(srv_conn_t *c, bool discard, ifr_str_t *data, bool *last, size_t *used)
{
    srv_body_t *b = &c->body;
    *data = IFR_NULL_STR;
    *last = false;
    *used = 0;
    if (b->kind == HTTP_BODY_LENGTH) {
        size_t n = c->rbuf.len;
        if (n > b->remaining) n = (size_t)b->remaining;
        if (n == 0) return 0;
        *data = ifr_str(c->rbuf.data, n);
        *used = n;
        b->remaining -= n;
        *last = b->remaining == 0;
        return 1;
    }
    b->chunked.keep_trailers = !discard;
    http_chunked_status_t st = http_chunked_decode(&b->chunked, c->rbuf.data, c->rbuf.len, used, data);
    if (st == HTTP_CHUNKED_ERROR) return -1;
    if (st == HTTP_CHUNKED_TRAILER) {
        if (srv__body_keep_trailer(c, *data) != 0) ifr_log_debug("http", "request trailer piece dropped: out of memory");
        *data = IFR_NULL_STR;
    }
    if (st == HTTP_CHUNKED_END) {
        *last = true;
        if (!discard) srv__body_trailers_done(c);
    }
    /* AGAIN may still have consumed framing bytes: report them as used. */
    return st == HTTP_CHUNKED_AGAIN && *used == 0 ? 0 : 1;
}

int srv_body_pump(srv_conn_t *c, bool discard)
{
    srv_exchange_t *ex = &c->ex;
    srv_body_t *b = &c->body;
    int progressed = 0;
    for (;;) {
        if (!discard && (!ex->body_reading || ex->resp_done)) return 1;
        if (b->done) {
            if (!discard && !ex->last_delivered) {
                /* A body that was complete before (or without) any bytes. */
                ex->last_delivered = true;
                ex->body_reading = false;
                if (ex->body_cb) ex->body_cb(&ex->x, NULL, 0, true, ex->body_ud);
            }
            return 1;
        }
        ifr_str_t data;
        bool last;
        size_t used;
        int got = c->rbuf.len ? srv__body_take(c, discard, &data, &last, &used) : 0;
        if (got < 0) {
            ifr_log_debug("http", "bad chunked body from %s: %s", c->remote_ip, b->chunked.error);
            if (discard) srv_conn_close_lingering(c);
            else srv_exchange_fail(ex, 400);
            return 1;
        }
        if (got == 0) {
            if (!srv_transport_readable(&c->tp)) return progressed;
            int r = srv_conn_read(c);
            if (r < 0) {
                /* The client went away mid-body: nobody to answer. */
                srv_conn_close(c);
                return -1;
            }
            if (r == 0) return progressed;
            progressed = 1;
            continue;
        }
        progressed = 1;
        b->received += data.len;
        if (last) b->done = true;
        if (discard) {
            c->discarded += data.len;
            ifr_buf_consume(&c->rbuf, used);
            if (c->discarded > SRV_DISCARD_MAX) {
                srv_conn_close_lingering(c);
                return 1;
            }
            continue;
        }
        if (ex->x.body_limit && b->received > ex->x.body_limit) {
            ifr_buf_consume(&c->rbuf, used);
            srv_exchange_fail(ex, 413);
            return 1;
        }
        if (last) {
            ex->last_delivered = true;
            ex->body_reading = false;
        }
        int stop = 0;
        if ((data.len || last) && ex->body_cb) stop = ex->body_cb(&ex->x, data.ptr, data.len, last, ex->body_ud);
        /* data points into rbuf: consume only after the callback. */
        ifr_buf_consume(&c->rbuf, used);
        if (stop) {
            /* Paused by the handler: that wait is not the client's. */
            ex->body_reading = false;
            c->body_used += c->worker->loop.now - c->body_since;
        }
    }
}
