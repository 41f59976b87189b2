/* HTTP/2 to upstreams: see srv_h2_upstream.h.
 *
 * A call moves WAIT (no session yet, or its session is still dialing)
 * -> HEAD (its stream is submitted; waiting for the final head) -> BODY
 * (relaying the response) -> DONE. nghttp2's callbacks never free a call
 * or a session and never write to the socket: frames go out from
 * srv__h2up_flush, after nghttp2_session_mem_recv returned or from a
 * posted task. A call is taken off its stream (the stream's user data
 * set to NULL) before a callback of its owner runs, since the owner may
 * end the exchange and reset the arena the call lives in. */
#include "server/srv_h2_upstream.h"

#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "base/log.h"
#include "route/proxy_headers.h"
#include "server/srv_exchange.h"
#include "server/srv_proxy.h"
#include "server/srv_transport_tls_client.h"

/* A stream's receive window: what a slow client can leave waiting here. */
#define SRV__H2UP_STREAM_WINDOW SRV_PROXY_HIGH_WATER
/* The connection's: opened again as bytes arrive, so streams never wait on it. */
#define SRV__H2UP_CONN_WINDOW (1 << 20)
/* Calls a session takes before the upstream's SETTINGS say how many. */
#define SRV__H2UP_FIRST_STREAMS 100
/* Times one call goes again after streams the upstream refused (GOAWAY). */
#define SRV__H2UP_MAX_RETRIES 3
/* Request body bytes a call keeps so that a refused stream can go again
 * with its body; a longer body is not kept, and its refusal is a 502. */
#define SRV__H2UP_REPLAY_MAX (64 * 1024)
#define SRV__H2UP_READ_CHUNK 16384

typedef enum { SRV__H2UP_WAIT, SRV__H2UP_HEAD, SRV__H2UP_BODY, SRV__H2UP_DONE } srv__h2up_state_t;

typedef struct srv__h2up_sess srv__h2up_sess_t;

struct srv_h2up_call {
    srv_h2up_call_t *next, **pprev;   /* its session's calls */
    srv__h2up_sess_t *s;              /* NULL between sessions */
    route_exchange_t *x;
    srv_exchange_t *ex;
    srv_loop_t *loop;
    route_proxy_request_t req;
    const route_proxy_call_cb_t *cb;
    void *ud;
    srv__h2up_state_t state;
    int32_t id;                       /* the stream; 0 until submitted */
    srv_timer_t timer;                /* the nearest of response_header_timeout, read_timeout,
                                         write_timeout (srv__h2up_arm) */
    int64_t header_at;                /* response_header_timeout's deadline once the request is whole; 0 = none */
    int64_t read_since;               /* read_timeout counts from here: the stream's last frame */
    int64_t write_since;              /* write_timeout counts from here (while up holds bytes) */
    srv_task_t task;                  /* srv__h2up_kick: find a session */
    ifr_buf_t up;                     /* request body bytes nghttp2 has not taken; owned */
    ifr_buf_t down;                   /* response body bytes the client has not taken; owned */
    ifr_buf_t replay;                 /* the request body so far, for a refused stream; owned */
    http_headers_t fields;            /* the header block being received (x->arena) */
    http_headers_t trailers;          /* the upstream's trailer section */
    http_upstream_response_t resp;
    size_t field_bytes;               /* of the block being received */
    const char *why;                  /* why we reset the stream, for the log */
    int status;                       /* :status of the block being received */
    unsigned interim, retries;
    bool body_started, body_done, body_paused;
    bool got_head, in_trailers, remote_ended, waiting_client;
    bool request_whole;               /* the request went to nghttp2 whole: the wait for the response began */
    bool replay_over;                 /* the body outgrew SRV__H2UP_REPLAY_MAX: no replay */
};

struct srv__h2up_sess {
    srv__h2up_sess_t *next;           /* this thread's live sessions, or the dead list */
    char *key;                        /* upstream hostport '|' TLS key or "h2c"; owned */
    srv_loop_t *loop;
    srv_upconn_t *up;                 /* NULL while the name is looked up */
    srv_upwait_t wait;
    nghttp2_session *ng;              /* made once connected */
    ifr_buf_t out;                    /* frames the socket has not taken; owned */
    srv_h2up_call_t *calls;           /* attached calls */
    unsigned ncalls;
    srv_timer_t timer;                /* dial_timeout / tls_timeout while dialing; keepalive while idle */
    srv_task_t flush_task;
    int64_t keepalive_ns;
    unsigned dials;
    bool used;                        /* a call was attached once */
    bool connected, got_settings, goaway, dead;
};

static _Thread_local srv__h2up_sess_t *srv__h2up_live;
static _Thread_local srv__h2up_sess_t *srv__h2up_dead;
static _Thread_local srv_task_t srv__h2up_reaper;
static _Thread_local srv_loop_t *srv__h2up_reaper_loop;

static void srv__h2up_flush(srv__h2up_sess_t *s);
static void srv__h2up_kick(srv_task_t *t);
static int srv__h2up_submit(srv_h2up_call_t *c);

/* ---- sessions: keys, lookup, life ---- */

static bool srv__h2up_key_is(const char *key, const route_proxy_upstream_t *u)
{
    size_t n = u->hostport.len;
    if (strncmp(key, u->hostport.ptr, n) != 0 || key[n] != '|') return false;
    return strcmp(key + n + 1, u->tls ? u->tls->key : "h2c") == 0;
}

static char *srv__h2up_key_new(const route_proxy_upstream_t *u)
{
    const char *tail = u->tls ? u->tls->key : "h2c";
    size_t n = u->hostport.len, t = strlen(tail);
    char *k = malloc(n + t + 2);
    if (!k) return NULL;
    memcpy(k, u->hostport.ptr, n);
    k[n] = '|';
    memcpy(k + n + 1, tail, t + 1);
    return k;
}

static bool srv__h2up_has_room(const srv__h2up_sess_t *s)
{
    if (s->dead || s->goaway) return false;
    uint32_t limit = SRV__H2UP_FIRST_STREAMS;
    if (s->got_settings) limit = nghttp2_session_get_remote_settings(s->ng, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
    return s->ncalls < limit;
}

static srv__h2up_sess_t *srv__h2up_find(const route_proxy_upstream_t *u)
{
    for (srv__h2up_sess_t *s = srv__h2up_live; s; s = s->next)
        if (srv__h2up_has_room(s) && srv__h2up_key_is(s->key, u)) return s;
    return NULL;
}

static void srv__h2up_reap(srv_task_t *t)
{
    (void)t;
    srv__h2up_reaper_loop = NULL;
    while (srv__h2up_dead) {
        srv__h2up_sess_t *s = srv__h2up_dead;
        srv__h2up_dead = s->next;
        nghttp2_session_del(s->ng);
        ifr_buf_free(&s->out);
        free(s->key);
        free(s);
    }
}

static void srv__h2up_ready(srv__h2up_sess_t *s);

/* Also how a dial that connected at once goes on (srv__h2up_connect). */
static void srv__h2up_flush_task(srv_task_t *t)
{
    srv__h2up_sess_t *s = t->data;
    if (!s->connected && s->up && !s->up->connecting) srv__h2up_ready(s);
    else srv__h2up_flush(s);
}

static void srv__h2up_post_flush(srv__h2up_sess_t *s)
{
    if (!s->dead) srv_loop_post(s->loop, &s->flush_task);
}

static void srv__h2up_unlink(srv_h2up_call_t *c)
{
    if (!c->pprev) return;
    *c->pprev = c->next;
    if (c->next) c->next->pprev = c->pprev;
    c->next = NULL;
    c->pprev = NULL;
    srv__h2up_sess_t *s = c->s;
    c->s = NULL;
    if (s && --s->ncalls == 0 && s->connected && !s->dead) {
        if (s->keepalive_ns > 0 && !s->goaway) srv_timer_start_at(s->loop, &s->timer, s->loop->now + s->keepalive_ns);
        else srv__h2up_post_flush(s);   /* srv__h2up_flush closes it */
    }
}

static void srv__h2up_attach(srv__h2up_sess_t *s, srv_h2up_call_t *c)
{
    c->s = s;
    c->next = s->calls;
    if (c->next) c->next->pprev = &c->next;
    c->pprev = &s->calls;
    s->calls = c;
    s->used = true;
    if (s->ncalls++ == 0 && s->connected) srv_timer_stop(s->loop, &s->timer);
    s->keepalive_ns = c->req.conf->keepalive_ns;
}

/* Takes c off its stream and session and frees what it holds. */
static void srv__h2up_detach(srv_h2up_call_t *c)
{
    srv__h2up_sess_t *s = c->s;
    if (s && c->id > 0 && s->ng && !s->dead) nghttp2_session_set_stream_user_data(s->ng, c->id, NULL);
    srv__h2up_unlink(c);
    c->state = SRV__H2UP_DONE;
    srv_timer_stop(c->loop, &c->timer);
    srv_loop_cancel(c->loop, &c->task);
    ifr_buf_free(&c->up);
    ifr_buf_free(&c->down);
    ifr_buf_free(&c->replay);
}

/* Resets c's stream (code) and takes c off it. */
static void srv__h2up_reset(srv_h2up_call_t *c, uint32_t code)
{
    srv__h2up_sess_t *s = c->s;
    if (s && c->id > 0 && s->ng && !s->dead) {
        nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, c->id, code);
        srv__h2up_post_flush(s);
    }
    srv__h2up_detach(c);
}

/* The owner's words kept in the exchange's arena (the session that holds
 * them may go first). */
static const char *srv__h2up_copy(srv_h2up_call_t *c, const char *why)
{
    const char *s = ifr_arena_printf(c->x->arena, "%s", why);
    return s ? s : "upstream failed";
}

/* Fails c before its final head. */
static void srv__h2up_fail(srv_h2up_call_t *c, route_proxy_fail_t why, const char *detail, bool sent)
{
    detail = srv__h2up_copy(c, detail);
    srv__h2up_reset(c, NGHTTP2_CANCEL);
    c->cb->on_fail(c->ud, why, detail, sent || c->body_started);
}

/* The response broke off after its head went to the client. */
static void srv__h2up_abort(srv_h2up_call_t *c, const char *why)
{
    ifr_log_warn("reverse_proxy", "upstream %.*s: %s", (int)c->req.upstream->hostport.len, c->req.upstream->hostport.ptr,
                 why);
    srv__h2up_reset(c, NGHTTP2_CANCEL);
    srv_exchange_fail(c->ex, 502);
    c->cb->on_end(c->ud, false);
}

/* The upstream refused c's stream (GOAWAY, REFUSED_STREAM): it did
 * nothing with it, so c goes again, on another session; a body that had
 * started goes again from its start if it was kept (c->replay). */
static bool srv__h2up_retry(srv_h2up_call_t *c)
{
    if ((c->body_started && c->replay_over) || ++c->retries > SRV__H2UP_MAX_RETRIES) return false;
    if (c->body_started) {
        ifr_buf_clear(&c->up);
        if (ifr_buf_append(&c->up, c->replay.data, c->replay.len) != 0) return false;
        c->write_since = c->loop->now;
    }
    if (c->s && c->id > 0 && c->s->ng && !c->s->dead) nghttp2_session_set_stream_user_data(c->s->ng, c->id, NULL);
    srv__h2up_unlink(c);
    srv_timer_stop(c->loop, &c->timer);
    c->id = 0;
    c->why = NULL;
    c->request_whole = false;
    c->header_at = 0;
    c->state = SRV__H2UP_WAIT;
    c->fields = (http_headers_t){ 0 };
    c->interim = 0;
    srv_loop_post(c->loop, &c->task);
    return true;
}

/* The session is over (closed, broken, never connected): every call on
 * it hears, by how far it got. */
static void srv__h2up_die(srv__h2up_sess_t *s, route_proxy_fail_t why, const char *detail)
{
    if (s->dead) return;
    for (srv__h2up_sess_t **pp = &srv__h2up_live; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    while (s->calls) {
        srv_h2up_call_t *c = s->calls;
        if (c->state == SRV__H2UP_BODY) srv__h2up_abort(c, detail);
        else if (c->id == 0 && why == ROUTE_PROXY_FAIL_DIAL) srv__h2up_fail(c, why, detail, false);
        else if (c->id == 0 && srv__h2up_retry(c)) continue;
        else srv__h2up_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, detail, c->id > 0);
    }
    s->dead = true;
    srv_timer_stop(s->loop, &s->timer);
    srv_loop_cancel(s->loop, &s->flush_task);
    srv_upwait_cancel(&s->wait);
    if (s->up) srv_upconn_close(s->up);
    s->up = NULL;
    s->next = srv__h2up_dead;
    srv__h2up_dead = s;
    if (!srv__h2up_reaper_loop) {
        srv_task_init(&srv__h2up_reaper, srv__h2up_reap, NULL);
        srv__h2up_reaper_loop = s->loop;
        srv_loop_post(s->loop, &srv__h2up_reaper);
    }
}

/* ---- the call's timeouts ---- */

static int64_t srv__h2up_earliest(int64_t a, int64_t b) { return !a ? b : !b ? a : a < b ? a : b; }

/* read_timeout's deadline: the upstream owes the stream frames (the
 * request is whole, or the response began, and it has not ended) and the
 * client is not what holds them back. 0 when it does not run. */
static int64_t srv__h2up_read_deadline(const srv_h2up_call_t *c)
{
    int64_t t = c->req.conf->read_timeout_ns;
    if (t <= 0 || c->waiting_client || c->remote_ended || !(c->request_whole || c->got_head)) return 0;
    return c->read_since + t;
}

/* write_timeout's deadline: request body bytes wait for the upstream's
 * window (or its socket). */
static int64_t srv__h2up_write_deadline(const srv_h2up_call_t *c)
{
    int64_t t = c->req.conf->write_timeout_ns;
    return t > 0 && c->up.len ? c->write_since + t : 0;
}

/* The call's timer waits for its nearest deadline (left alone when that
 * did not move). */
static void srv__h2up_arm(srv_h2up_call_t *c)
{
    if (c->state != SRV__H2UP_HEAD && c->state != SRV__H2UP_BODY) return;
    int64_t at = c->state == SRV__H2UP_HEAD ? c->header_at : 0;
    at = srv__h2up_earliest(at, srv__h2up_read_deadline(c));
    at = srv__h2up_earliest(at, srv__h2up_write_deadline(c));
    if (srv_timer_active(&c->timer) && c->timer.deadline == at) return;
    srv_timer_stop(c->loop, &c->timer);
    if (at) srv_timer_start_at(c->loop, &c->timer, at);
}

/* The request is with nghttp2 whole: the wait for the response begins. */
static void srv__h2up_request_whole(srv_h2up_call_t *c)
{
    if (c->request_whole) return;
    c->request_whole = true;
    c->read_since = c->loop->now;
    if (c->req.conf->response_header_timeout_ns > 0) c->header_at = c->loop->now + c->req.conf->response_header_timeout_ns;
    srv__h2up_arm(c);
}

/* A frame of c's stream arrived. */
static void srv__h2up_heard(srv_h2up_call_t *c)
{
    c->read_since = c->loop->now;
    if (c->req.conf->read_timeout_ns > 0) srv__h2up_arm(c);
}

/* ---- nghttp2's callbacks ---- */

static srv_h2up_call_t *srv__h2up_call_of(nghttp2_session *ng, int32_t id)
{
    return id > 0 ? nghttp2_session_get_stream_user_data(ng, id) : NULL;
}

static int srv__h2up_on_begin_headers(nghttp2_session *ng, const nghttp2_frame *f, void *ud)
{
    (void)ud;
    srv_h2up_call_t *c = srv__h2up_call_of(ng, f->hd.stream_id);
    if (!c || f->hd.type != NGHTTP2_HEADERS) return 0;
    c->fields = (http_headers_t){ 0 };
    c->field_bytes = 0;
    c->status = 0;
    c->in_trailers = c->got_head;
    return 0;
}

static int srv__h2up_on_header(nghttp2_session *ng, const nghttp2_frame *f, const uint8_t *name, size_t namelen,
                               const uint8_t *value, size_t valuelen, uint8_t flags, void *ud)
{
    (void)flags;
    (void)ud;
    srv_h2up_call_t *c = srv__h2up_call_of(ng, f->hd.stream_id);
    if (!c) return 0;
    /* As an HTTP/1.1 head is bounded by the response parser's limit. */
    c->field_bytes += namelen + valuelen + 4;
    if (c->field_bytes > HTTP_RESP_MAX_FIELD_SECTION) {
        c->why = "response header section too large";
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    if (namelen && name[0] == ':') {
        uint64_t code;
        if (namelen == 7 && memcmp(name, ":status", 7) == 0 && ifr_str_to_u64(ifr_str((const char *)value, valuelen), 999, &code))
            c->status = (int)code;
        return 0;
    }
    char *n = ifr_arena_strndup(c->x->arena, (const char *)name, namelen);
    char *v = ifr_arena_strndup(c->x->arena, (const char *)value, valuelen);
    if (!n || !v || http_headers_add(&c->fields, c->x->arena, ifr_str(n, namelen), ifr_str(v, valuelen)) != 0) {
        c->why = "out of memory";
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return 0;
}

/* The response's final head came: the owner passes it on. */
static void srv__h2up_final_head(srv_h2up_call_t *c, bool end_stream)
{
    c->got_head = true;
    http_upstream_response_t *r = &c->resp;
    *r = (http_upstream_response_t){ .status = c->status, .version_minor = 1, .headers = c->fields, .keep_alive = true };
    const http_header_t *cl = http_headers_get(&r->headers, IFR_LIT("content-length"));
    uint64_t n = 0;
    if (end_stream || ifr_str_eq(c->req.method, IFR_LIT("HEAD")) || r->status == 204 || r->status == 304)
        r->body_kind = HTTP_BODY_NONE;
    else if (cl && ifr_str_to_u64(cl->value, INT64_MAX, &n))
        r->body_kind = HTTP_BODY_LENGTH, r->content_length = n;
    else
        r->body_kind = HTTP_BODY_CHUNKED;   /* ends with the stream: to HTTP/1.1 clients, chunked */
    c->state = SRV__H2UP_BODY;
    srv__h2up_arm(c);   /* response_header_timeout is over; read_timeout goes on */
    int taken = c->cb->on_head(c->ud, r);
    if (taken == ROUTE_PROXY_HEAD_DONE) {
        srv__h2up_reset(c, NGHTTP2_CANCEL);   /* the body is not wanted */
        c->cb->on_end(c->ud, true);
    } else if (taken != 0) {
        srv__h2up_abort(c, "response head could not be passed on");
    }
}

/* A head before the final one (1xx). */
static void srv__h2up_interim(srv_h2up_call_t *c)
{
    if (c->status == 101) {
        c->why = "101 Switching Protocols over HTTP/2";
        srv__h2up_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, c->why, true);
        return;
    }
    if (++c->interim > ROUTE_PROXY_MAX_INTERIM) {
        srv__h2up_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, "too many informational (1xx) responses", true);
        return;
    }
    if (c->status == 100 || !c->cb->on_interim) return;
    http_upstream_response_t r = { .status = c->status, .version_minor = 1, .headers = c->fields };
    c->cb->on_interim(c->ud, &r);
}

static int srv__h2up_on_frame_recv(nghttp2_session *ng, const nghttp2_frame *f, void *ud)
{
    srv__h2up_sess_t *s = ud;
    if (f->hd.type == NGHTTP2_GOAWAY) {
        /* No new streams here; nghttp2 closes those above last_stream_id
         * as refused, and srv__h2up_on_close sends them again. */
        s->goaway = true;
        return 0;
    }
    if (f->hd.type == NGHTTP2_SETTINGS && !(f->hd.flags & NGHTTP2_FLAG_ACK)) {
        s->got_settings = true;
        return 0;
    }
    srv_h2up_call_t *c = srv__h2up_call_of(ng, f->hd.stream_id);
    if (!c) return 0;
    srv__h2up_heard(c);
    bool end = f->hd.flags & NGHTTP2_FLAG_END_STREAM;
    if (end && (f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA)) c->remote_ended = true;
    if (f->hd.type != NGHTTP2_HEADERS) return 0;
    if (c->in_trailers) {
        c->trailers = c->fields;
        return 0;
    }
    if (c->status < 200) srv__h2up_interim(c);
    else srv__h2up_final_head(c, end);
    return 0;
}

static void srv__h2up_client_writable(route_exchange_t *x, void *ud);

/* Waits for the client when its queue is full (the stream's window then
 * stays closed until srv__h2up_client_writable). */
static void srv__h2up_watch_client(srv_h2up_call_t *c)
{
    route_exchange_t *x = c->x;
    if (x->io->queued && x->io->queued(x) >= SRV_PROXY_HIGH_WATER &&
        x->io->wait_writable(x, srv__h2up_client_writable, c) == 0)
        c->waiting_client = true;
}

static void srv__h2up_complete(srv_h2up_call_t *c)
{
    route_exchange_t *x = c->x;
    http_headers_t t = c->trailers;
    route_proxy_trailers_down(&c->resp, &t);
    srv__h2up_detach(c);
    x->io->send_trailers(x, &t);   /* with none, the plain end of the body */
    c->cb->on_end(c->ud, true);
}

static int srv__h2up_on_data(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *ud)
{
    (void)flags;
    (void)ud;
    nghttp2_session_consume_connection(ng, len);
    srv_h2up_call_t *c = srv__h2up_call_of(ng, id);
    if (!c || c->state != SRV__H2UP_BODY) {
        nghttp2_session_consume_stream(ng, id, len);
        return 0;
    }
    if (c->waiting_client || c->down.len) {
        if (ifr_buf_append(&c->down, data, len) != 0) srv__h2up_abort(c, "out of memory");
        return 0;
    }
    if (c->x->io->send_body(c->x, data, len, false) != 0) {
        srv__h2up_reset(c, NGHTTP2_CANCEL);   /* the client is gone; the exchange ends */
        c->cb->on_end(c->ud, false);
        return 0;
    }
    nghttp2_session_consume_stream(ng, id, len);
    srv__h2up_watch_client(c);
    return 0;
}

static void srv__h2up_client_writable(route_exchange_t *x, void *ud)
{
    srv_h2up_call_t *c = ud;
    c->waiting_client = false;
    if (c->state != SRV__H2UP_BODY) return;
    c->read_since = c->loop->now;   /* the wait for the client does not count against read_timeout */
    if (c->down.len) {
        size_t n = c->down.len;
        if (x->io->send_body(x, c->down.data, n, false) != 0) {
            srv__h2up_reset(c, NGHTTP2_CANCEL);
            c->cb->on_end(c->ud, false);
            return;
        }
        ifr_buf_clear(&c->down);
        if (c->s && c->id > 0 && !c->remote_ended) {
            nghttp2_session_consume_stream(c->s->ng, c->id, n);
            srv__h2up_post_flush(c->s);
        }
    }
    if (c->remote_ended && !c->s) {
        srv__h2up_complete(c);
        return;
    }
    srv__h2up_watch_client(c);
    srv__h2up_arm(c);
}

static int srv__h2up_on_close(nghttp2_session *ng, int32_t id, uint32_t code, void *ud)
{
    (void)ud;
    srv_h2up_call_t *c = srv__h2up_call_of(ng, id);
    if (!c) return 0;
    nghttp2_session_set_stream_user_data(ng, id, NULL);
    if (c->state == SRV__H2UP_BODY && c->remote_ended) {
        /* Complete; what the client has not taken yet goes first. */
        srv__h2up_unlink(c);
        if (!c->waiting_client) srv__h2up_complete(c);
        return 0;
    }
    const char *why = c->why ? c->why
                             : ifr_arena_printf(c->x->arena, "upstream reset the stream (%s)", nghttp2_http2_strerror(code));
    if (!why) why = "upstream reset the stream";
    c->id = -1;   /* closed: nothing to reset */
    if (c->state == SRV__H2UP_BODY) srv__h2up_abort(c, why);
    else if (code == NGHTTP2_REFUSED_STREAM && srv__h2up_retry(c)) return 0;
    else srv__h2up_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, why, true);
    return 0;
}

/* The request body for nghttp2's DATA frames, as the stream's window opens. */
static ssize_t srv__h2up_body_read(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
                                   nghttp2_data_source *src, void *ud)
{
    (void)src;
    (void)ud;
    srv_h2up_call_t *c = srv__h2up_call_of(ng, id);
    if (!c) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    size_t n = c->up.len < length ? c->up.len : length;
    if (n) {
        memcpy(buf, c->up.data, n);
        ifr_buf_consume(&c->up, n);
        c->write_since = c->loop->now;
    }
    if (c->body_paused && c->up.len < SRV_PROXY_LOW_WATER) {
        c->body_paused = false;
        c->x->io->resume_body(c->x);
    }
    if (c->up.len || !c->body_done) {
        srv__h2up_arm(c);
        return n ? (ssize_t)n : NGHTTP2_ERR_DEFERRED;
    }
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    const http_headers_t *in = c->x->req_trailers;
    if (in && in->count) {
        /* The client's trailer fields that may go on, as one HEADERS frame. */
        http_headers_t t = { .count = in->count, .cap = in->count };
        nghttp2_nv *nva = ifr_arena_alloc(c->x->arena, in->count * sizeof *nva);
        t.items = ifr_arena_alloc(c->x->arena, in->count * sizeof *t.items);
        if (nva && t.items) {
            memcpy(t.items, in->items, in->count * sizeof *t.items);
            route_proxy_trailers_up(c->x->req, &t);
            size_t k = 0;
            for (uint32_t i = 0; i < t.count; i++) {
                char *lower = ifr_arena_strndup(c->x->arena, t.items[i].name.ptr, t.items[i].name.len);
                if (!lower) continue;
                for (char *p = lower; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
                nva[k++] = (nghttp2_nv){ (uint8_t *)lower, (uint8_t *)t.items[i].value.ptr, t.items[i].name.len,
                                         t.items[i].value.len, NGHTTP2_NV_FLAG_NONE };
            }
            if (k && nghttp2_submit_trailer(ng, id, nva, k) == 0) *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        }
    }
    srv__h2up_request_whole(c);
    return (ssize_t)n;
}

/* ---- the session's I/O ---- */

static int srv__h2up_session_new(srv__h2up_sess_t *s)
{
    nghttp2_session_callbacks *cbs;
    nghttp2_option *opt;
    if (nghttp2_session_callbacks_new(&cbs) != 0) return -1;
    if (nghttp2_option_new(&opt) != 0) {
        nghttp2_session_callbacks_del(cbs);
        return -1;
    }
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, srv__h2up_on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, srv__h2up_on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, srv__h2up_on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, srv__h2up_on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, srv__h2up_on_close);
    /* Windows open as the clients take the bytes, not as they arrive. */
    nghttp2_option_set_no_auto_window_update(opt, 1);
    nghttp2_option_set_peer_max_concurrent_streams(opt, SRV__H2UP_FIRST_STREAMS);
    int rc = nghttp2_session_client_new2(&s->ng, cbs, s, opt);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_option_del(opt);
    if (rc != 0) return -1;
    const nghttp2_settings_entry iv[] = {
        { NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
        { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, SRV__H2UP_STREAM_WINDOW },
    };
    if (nghttp2_submit_settings(s->ng, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof *iv) != 0 ||
        nghttp2_session_set_local_window_size(s->ng, NGHTTP2_FLAG_NONE, 0, SRV__H2UP_CONN_WINDOW) != 0)
        return -1;
    return 0;
}

/* Writes nghttp2's frames while the socket takes them; closes a session
 * whose work is done (GOAWAY both ways, or idle without keepalive). */
static void srv__h2up_flush(srv__h2up_sess_t *s)
{
    if (s->dead || !s->connected) return;
    srv_transport_t *tr = &s->up->tr;
    for (;;) {
        if (s->out.len) {
            if (!tr->can_write) return;
            struct iovec iov = { s->out.data, s->out.len };
            ssize_t n = srv_transport_writev(tr, &iov, 1);
            if (n > 0) {
                ifr_buf_consume(&s->out, (size_t)n);
                continue;
            }
            if (n == SRV_IO_AGAIN) return;
            srv__h2up_die(s, ROUTE_PROXY_FAIL_PROTOCOL, "cannot write to the upstream");
            return;
        }
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(s->ng, &data);
        if (n < 0) {
            srv__h2up_die(s, ROUTE_PROXY_FAIL_PROTOCOL, nghttp2_strerror((int)n));
            return;
        }
        if (n == 0) break;
        if (ifr_buf_append(&s->out, data, (size_t)n) != 0) {
            srv__h2up_die(s, ROUTE_PROXY_FAIL_PROTOCOL, "out of memory");
            return;
        }
    }
    if (!nghttp2_session_want_read(s->ng) && !nghttp2_session_want_write(s->ng))
        srv__h2up_die(s, ROUTE_PROXY_FAIL_PROTOCOL, "the upstream ended the HTTP/2 session");
    else if (s->ncalls == 0 && s->used && (s->goaway || s->keepalive_ns <= 0))
        srv__h2up_die(s, ROUTE_PROXY_FAIL_PROTOCOL, "idle");
}

static void srv__h2up_read(srv__h2up_sess_t *s)
{
    uint8_t buf[SRV__H2UP_READ_CHUNK];
    while (!s->dead && srv_transport_readable(&s->up->tr)) {
        ssize_t n = srv_transport_read(&s->up->tr, buf, sizeof buf);
        if (n == SRV_IO_AGAIN) return;
        if (n <= 0) {
            srv__h2up_die(s, ROUTE_PROXY_FAIL_PROTOCOL,
                          n == 0 ? "upstream closed the HTTP/2 connection" : "upstream HTTP/2 connection failed");
            return;
        }
        ssize_t used = nghttp2_session_mem_recv(s->ng, buf, (size_t)n);
        if (used < 0) {
            srv__h2up_die(s, ROUTE_PROXY_FAIL_PROTOCOL, nghttp2_strerror((int)used));
            return;
        }
    }
}

/* Connected (and over TLS, h2 chosen): the preface goes out with every
 * call that waited. */
static void srv__h2up_ready(srv__h2up_sess_t *s)
{
    srv_timer_stop(s->loop, &s->timer);
    if (s->up->tr.ops == &srv_transport_tls_client && !srv_tls_client_chose_h2(&s->up->tr)) {
        srv__h2up_die(s, ROUTE_PROXY_FAIL_DIAL, "the upstream did not choose h2 by ALPN (versions)");
        return;
    }
    if (srv__h2up_session_new(s) != 0) {
        srv__h2up_die(s, ROUTE_PROXY_FAIL_DIAL, "out of memory");
        return;
    }
    s->connected = true;
    /* Taken off first: a call that fails may end other exchanges' calls. */
    srv_h2up_call_t *waiting = s->calls;
    s->calls = NULL;
    s->ncalls = 0;
    if (waiting) waiting->pprev = &waiting;
    while (waiting) {
        srv_h2up_call_t *c = waiting;
        *c->pprev = c->next;
        if (c->next) c->next->pprev = c->pprev;
        c->s = NULL;
        c->pprev = NULL;
        srv__h2up_attach(s, c);
        srv__h2up_submit(c);
    }
    srv__h2up_flush(s);
    if (!s->dead && s->ncalls == 0 && s->keepalive_ns > 0) srv_timer_start_at(s->loop, &s->timer, s->loop->now + s->keepalive_ns);
}

static int srv__h2up_connect(srv__h2up_sess_t *s, const route_proxy_upstream_t *u, const route_proxy_transport_conf_t *tc,
                             const char **err);

/* A dial failed after connect() started: the name's next address, if
 * this session did not dial it yet. */
static bool srv__h2up_redial(srv__h2up_sess_t *s)
{
    if (!s->calls) return false;
    const route_proxy_request_t *r = &s->calls->req;
    if (++s->dials >= srv_upstream_addr_count(r->upstream)) return false;
    srv_upconn_close(s->up);
    s->up = NULL;
    const char *err = NULL;
    if (srv__h2up_connect(s, r->upstream, r->conf, &err) == 0) return true;
    srv__h2up_die(s, ROUTE_PROXY_FAIL_DIAL, err);
    return true;
}

static void srv__h2up_event(void *owner, uint32_t events)
{
    srv__h2up_sess_t *s = owner;
    if (s->dead) return;
    if (!s->connected) {
        bool handshaking = s->up->handshaking;
        if (!handshaking && !(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
        const char *err;
        int rc = srv_upconn_connected(s->up, &err);
        if (rc > 0) {
            const route_proxy_upstream_t *u = s->calls ? s->calls->req.upstream : NULL;
            if (!handshaking && u && u->tls && u->tls->timeout_ns > 0) {
                srv_timer_stop(s->loop, &s->timer);
                srv_timer_start_at(s->loop, &s->timer, s->loop->now + u->tls->timeout_ns);
            }
            return;
        }
        if (rc < 0) {
            if (!handshaking && srv__h2up_redial(s)) return;
            srv__h2up_die(s, ROUTE_PROXY_FAIL_DIAL, err);
            return;
        }
        srv__h2up_ready(s);
        return;
    }
    srv__h2up_read(s);
    srv__h2up_flush(s);
}

static void srv__h2up_timeout(srv_timer_t *t)
{
    srv__h2up_sess_t *s = t->data;
    if (s->connected) {
        if (s->ncalls == 0) srv__h2up_die(s, ROUTE_PROXY_FAIL_PROTOCOL, "idle");   /* keepalive */
        return;
    }
    if (s->up && s->up->handshaking) {
        srv__h2up_die(s, ROUTE_PROXY_FAIL_DIAL, "TLS handshake timeout (tls_timeout)");
        return;
    }
    if (s->up) srv_upconn_dial_failed(s->up);
    if (s->up && srv__h2up_redial(s)) return;
    srv__h2up_die(s, ROUTE_PROXY_FAIL_DIAL, s->up ? "dial timeout" : "dial timeout (name lookup)");
}

static void srv__h2up_resolved(void *owner, const char *err)
{
    srv__h2up_sess_t *s = owner;
    if (s->dead) return;
    if (err || !s->calls) {
        srv__h2up_die(s, ROUTE_PROXY_FAIL_DIAL, err ? err : "no call waits");
        return;
    }
    const char *why = NULL;
    if (srv__h2up_connect(s, s->calls->req.upstream, s->calls->req.conf, &why) != 0) srv__h2up_die(s, ROUTE_PROXY_FAIL_DIAL, why);
}

/* Dials (or waits for the name); 0, or -1 with *err. */
static int srv__h2up_connect(srv__h2up_sess_t *s, const route_proxy_upstream_t *u, const route_proxy_transport_conf_t *tc,
                             const char **err)
{
    bool reused;
    int rc = srv_upconn_acquire(s->loop, u, SRV_UPCONN_FRESH | SRV_UPCONN_H2, srv__h2up_event, s, &s->wait, &s->up, &reused,
                                err);
    if (rc < 0) {
        s->up = NULL;
        return -1;
    }
    if (!srv_timer_active(&s->timer) && tc->dial_timeout_ns > 0)
        srv_timer_start_at(s->loop, &s->timer, s->loop->now + tc->dial_timeout_ns);
    if (rc > 0) s->up = NULL;   /* the name is being looked up: srv__h2up_resolved */
    else if (!s->up->connecting) srv_loop_post(s->loop, &s->flush_task);   /* connected at once: srv__h2up_ready */
    return 0;
}

static srv__h2up_sess_t *srv__h2up_new(srv_loop_t *loop, const route_proxy_upstream_t *u)
{
    srv__h2up_sess_t *s = calloc(1, sizeof *s);
    if (!s || !(s->key = srv__h2up_key_new(u))) {
        free(s);
        return NULL;
    }
    s->loop = loop;
    s->out = IFR_BUF_INIT;
    s->wait = (srv_upwait_t){ .cb = srv__h2up_resolved, .owner = s };
    srv_timer_init(&s->timer, srv__h2up_timeout, s);
    srv_task_init(&s->flush_task, srv__h2up_flush_task, s);
    s->next = srv__h2up_live;
    srv__h2up_live = s;
    return s;
}

/* ---- calls ---- */

static bool srv__h2up_conn_field(ifr_str_t n, ifr_str_t v)
{
    /* RFC 9113 8.2.2: connection-specific fields never go in HTTP/2; TE only as "trailers". */
    if (ifr_str_eq_nocase(n, IFR_LIT("te"))) return !ifr_str_eq_nocase(v, IFR_LIT("trailers"));
    return ifr_str_eq_nocase(n, IFR_LIT("connection")) || ifr_str_eq_nocase(n, IFR_LIT("keep-alive")) ||
           ifr_str_eq_nocase(n, IFR_LIT("proxy-connection")) || ifr_str_eq_nocase(n, IFR_LIT("transfer-encoding")) ||
           ifr_str_eq_nocase(n, IFR_LIT("upgrade")) || ifr_str_eq_nocase(n, IFR_LIT("host"));
}

static nghttp2_nv srv__h2up_nv(const char *name, size_t nlen, ifr_str_t value)
{
    return (nghttp2_nv){ (uint8_t *)name, (uint8_t *)value.ptr, nlen, value.len, NGHTTP2_NV_FLAG_NONE };
}

/* The request's header block; NULL out of memory. */
static nghttp2_nv *srv__h2up_request_nv(srv_h2up_call_t *c, size_t *count)
{
    const route_proxy_request_t *r = &c->req;
    ifr_arena_t *a = c->x->arena;
    const http_headers_t *h = r->headers;
    nghttp2_nv *nva = ifr_arena_alloc(a, (h->count + 5) * sizeof *nva);
    if (!nva) return NULL;
    const http_header_t *host = http_headers_get(h, IFR_LIT("host"));
    size_t n = 0;
    nva[n++] = srv__h2up_nv(":method", 7, r->method);
    nva[n++] = srv__h2up_nv(":scheme", 7, r->upstream->tls ? IFR_LIT("https") : IFR_LIT("http"));
    nva[n++] = srv__h2up_nv(":authority", 10, host ? host->value : r->upstream->hostport);
    nva[n++] = srv__h2up_nv(":path", 5, r->target.len ? r->target : IFR_LIT("/"));
    for (uint32_t i = 0; i < h->count; i++) {
        ifr_str_t name = h->items[i].name;
        if (srv__h2up_conn_field(name, h->items[i].value)) continue;
        char *lower = ifr_arena_strndup(a, name.ptr, name.len);
        if (!lower) return NULL;
        for (char *p = lower; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        nva[n++] = srv__h2up_nv(lower, name.len, h->items[i].value);
    }
    if (r->with_body && c->x->req->body_kind == HTTP_BODY_LENGTH) {
        char *len = ifr_arena_printf(a, "%llu", (unsigned long long)c->x->req->content_length);
        if (!len) return NULL;
        nva[n++] = srv__h2up_nv("content-length", 14, ifr_cstr(len));
    }
    *count = n;
    return nva;
}

/* The client's request body, chunk by chunk (route_body_cb). */
static int srv__h2up_client_body(route_exchange_t *x, const void *data, size_t len, bool is_last, void *ud)
{
    (void)x;
    srv_h2up_call_t *c = ud;
    if (c->state == SRV__H2UP_DONE) return 1;
    /* Between streams (a refused one going again) the bytes wait in up. */
    bool live = c->s && c->id > 0;
    if (!c->up.len) c->write_since = c->loop->now;
    if (len && ifr_buf_append(&c->up, data, len) != 0) {
        c->why = "out of memory";
        if (live) {
            nghttp2_submit_rst_stream(c->s->ng, NGHTTP2_FLAG_NONE, c->id, NGHTTP2_INTERNAL_ERROR);
            srv__h2up_post_flush(c->s);
        } else {
            srv_loop_post(c->loop, &c->task);   /* srv__h2up_kick fails it */
        }
        return 1;
    }
    if (!c->replay_over && c->replay.len + len > SRV__H2UP_REPLAY_MAX) {
        c->replay_over = true;
        ifr_buf_free(&c->replay);
    } else if (!c->replay_over && len && ifr_buf_append(&c->replay, data, len) != 0) {
        c->replay_over = true;
        ifr_buf_free(&c->replay);
    }
    if (is_last) c->body_done = true;
    if (live) {
        nghttp2_session_resume_data(c->s->ng, c->id);
        srv__h2up_post_flush(c->s);
    }
    srv__h2up_arm(c);
    if (c->up.len >= SRV_PROXY_HIGH_WATER && !is_last) {
        c->body_paused = true;
        return 1;
    }
    return 0;
}

/* Opens c's stream on its (connected) session. 0, or -1 when c failed. */
static int srv__h2up_submit(srv_h2up_call_t *c)
{
    srv__h2up_sess_t *s = c->s;
    size_t n = 0;
    nghttp2_nv *nva = srv__h2up_request_nv(c, &n);
    if (!nva) {
        srv__h2up_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, "out of memory", false);
        return -1;
    }
    nghttp2_data_provider body = { .source.ptr = c, .read_callback = srv__h2up_body_read };
    int32_t id = nghttp2_submit_request(s->ng, NULL, nva, n, c->req.with_body ? &body : NULL, c);
    if (id < 0) {
        if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE) {
            s->goaway = true;   /* the session ran out of stream ids: another one */
            if (srv__h2up_retry(c)) return -1;
        }
        srv__h2up_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, nghttp2_strerror(id), false);
        return -1;
    }
    c->id = id;
    c->state = SRV__H2UP_HEAD;
    c->read_since = c->write_since = c->loop->now;
    if (!c->req.with_body) {
        srv__h2up_request_whole(c);
        return 0;
    }
    if (c->body_started) return 0;   /* a replay: the body goes on from c->up, and the client's keeps coming */
    c->body_started = true;
    if (c->x->io->read_body(c->x, srv__h2up_client_body, c) != 0) {
        srv__h2up_fail(c, ROUTE_PROXY_FAIL_CLIENT, "request body refused", false);
        return -1;
    }
    return 0;
}

/* A deadline of srv__h2up_arm passed (or moved since it was armed).
 * Before the head the client gets a 504; after it, a response cut off. */
static void srv__h2up_call_timeout(srv_timer_t *t)
{
    srv_h2up_call_t *c = t->data;
    int64_t now = c->loop->now, r = srv__h2up_read_deadline(c), w = srv__h2up_write_deadline(c);
    const char *why = c->state == SRV__H2UP_HEAD && c->header_at && now >= c->header_at ? "response_header_timeout"
                      : w && now >= w                                                   ? "write_timeout"
                      : r && now >= r                                                   ? "read_timeout"
                                                                                        : NULL;
    if (!why) srv__h2up_arm(c);
    else if (c->state == SRV__H2UP_HEAD) srv__h2up_fail(c, ROUTE_PROXY_FAIL_HEADER_TIMEOUT, why, true);
    else if (c->state == SRV__H2UP_BODY) srv__h2up_abort(c, why);
}

/* From the loop: a session with room, or a new one. */
static void srv__h2up_kick(srv_task_t *t)
{
    srv_h2up_call_t *c = t->data;
    if (c->state != SRV__H2UP_WAIT) return;
    if (c->why) {
        const char *why = c->why;
        srv__h2up_detach(c);
        c->cb->on_fail(c->ud, ROUTE_PROXY_FAIL_PROTOCOL, why, true);
        return;
    }
    const route_proxy_upstream_t *u = c->req.upstream;
    srv__h2up_sess_t *s = srv__h2up_find(u);
    if (s) {
        srv__h2up_attach(s, c);
        if (s->connected && srv__h2up_submit(c) == 0) srv__h2up_flush(s);
        return;
    }
    if (!(s = srv__h2up_new(c->loop, u))) {
        c->cb->on_fail(c->ud, ROUTE_PROXY_FAIL_DIAL, "out of memory", false);
        return;
    }
    srv__h2up_attach(s, c);
    const char *err = NULL;
    if (srv__h2up_connect(s, u, c->req.conf, &err) != 0) srv__h2up_die(s, ROUTE_PROXY_FAIL_DIAL, err ? err : "cannot dial");
}

bool srv_h2up_wanted(const route_proxy_request_t *req)
{
    if (req->upgrade) return false;
    if (!req->upstream->tls) return (req->conf->versions & ROUTE_PROXY_V2C) != 0;
    return (req->conf->versions & ROUTE_PROXY_V2) && srv__h2up_find(req->upstream);
}

int srv_h2up_start(route_exchange_t *x, const route_proxy_request_t *req, const route_proxy_call_cb_t *cb, void *ud,
                   srv_h2up_call_t **out)
{
    srv_exchange_t *ex = x->io_ctx;
    srv_h2up_call_t *c = ifr_arena_calloc(x->arena, 1, sizeof *c);
    if (!c) return -1;
    *c = (srv_h2up_call_t){ .x = x, .ex = ex, .loop = &ex->worker->loop, .req = *req, .cb = cb, .ud = ud,
                            .up = IFR_BUF_INIT, .down = IFR_BUF_INIT, .replay = IFR_BUF_INIT };
    srv_timer_init(&c->timer, srv__h2up_call_timeout, c);
    srv_task_init(&c->task, srv__h2up_kick, c);
    srv_loop_post(c->loop, &c->task);
    *out = c;
    return 0;
}

void srv_h2up_cancel(srv_h2up_call_t *c)
{
    if (c->state != SRV__H2UP_DONE) srv__h2up_reset(c, NGHTTP2_CANCEL);
}

int srv_h2up_adopt(srv_upconn_t *up, const route_proxy_request_t *req)
{
    srv__h2up_sess_t *s = srv__h2up_new(up->loop, req->upstream);
    if (!s) {
        srv_upconn_close(up);
        return -1;
    }
    s->up = up;
    up->on_event = srv__h2up_event;
    up->owner = s;
    s->keepalive_ns = req->conf->keepalive_ns;
    srv__h2up_ready(s);
    return s->dead ? -1 : 0;
}

void srv_h2up_thread_exit(void)
{
    while (srv__h2up_live) srv__h2up_die(srv__h2up_live, ROUTE_PROXY_FAIL_PROTOCOL, "the worker stops");
    if (srv__h2up_reaper_loop) srv_loop_cancel(srv__h2up_reaper_loop, &srv__h2up_reaper);
    srv__h2up_reap(NULL);
}
