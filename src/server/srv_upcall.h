/* What a call to an upstream does the same whatever it speaks: the
 * connection taken from the pool (srv_upstream.h) and released to it, the
 * one timer (dial_timeout, then the nearest of the read and write
 * deadlines), the request bytes written with the client's body paused at
 * SRV_PROXY_HIGH_WATER and resumed below SRV_PROXY_LOW_WATER, a dial
 * that fails tried again on the name's next address, and a pooled
 * connection found closed tried again on a fresh one. srv_proxy.c (HTTP/1.1)
 * and srv_fastcgi.c (FastCGI records) embed one srv_upcall_t in their call
 * and keep their framing, their states and their answers to themselves. */
#ifndef IFRIT_SERVER_SRV_UPCALL_H
#define IFRIT_SERVER_SRV_UPCALL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "base/buf.h"
#include "route/exchange.h"
#include "route/proxy_transport.h"
#include "server/srv_loop.h"
#include "server/srv_proxy.h"
#include "server/srv_transport.h"
#include "server/srv_upstream.h"

typedef struct {
    srv_loop_t *loop;
    srv_upconn_t *up;
    srv_upwait_t wait;           /* queued while the upstream's name is looked up */
    srv_timer_t timer;           /* dial_timeout, then the nearest deadline (srv_upcall_arm) */
    srv_task_t task;             /* runs the call's kick from the loop */
    ifr_buf_t wbuf;              /* request bytes not yet written upstream; owned */
    ifr_buf_t rbuf;              /* upstream bytes not yet handled; owned */
    int64_t read_since;          /* read_timeout counts from here */
    int64_t write_since;         /* write_timeout counts from here (while wbuf holds bytes) */
    unsigned dials;              /* dials that failed after connect() started */
    const char *kick_error;      /* a failure found outside the loop, reported from it */
    bool reused;                 /* the connection came from the pool */
    bool body_started, body_paused, body_done;
    bool sent_any;               /* request bytes reached the socket */
    bool got_any;                /* upstream bytes arrived */
    bool waiting_client;         /* wait_writable pending */
    bool write_failed;
} srv_upcall_t;

/* The loop, the timer's and the task's callbacks and the name lookup's,
 * each called with owner; the buffers empty. u comes zeroed (with the
 * call around it): the flags and counts start at 0, not set again here. */
static inline void srv_upcall_init(srv_upcall_t *u, srv_loop_t *loop, void (*on_timer)(srv_timer_t *),
                                   void (*on_task)(srv_task_t *), void (*on_resolved)(void *owner, const char *err),
                                   void *owner)
{
    u->loop = loop;
    u->wbuf = u->rbuf = IFR_BUF_INIT;
    srv_timer_init(&u->timer, on_timer, owner);
    srv_task_init(&u->task, on_task, owner);
    u->wait = (srv_upwait_t){ .cb = on_resolved, .owner = owner };
}

/* Stops the timer, the task and the lookup; the connection goes back to
 * the pool when keep, else is closed; the buffers are freed. */
static inline void srv_upcall_release(srv_upcall_t *u, const route_proxy_transport_conf_t *conf, bool keep)
{
    srv_timer_stop(u->loop, &u->timer);
    srv_loop_cancel(u->loop, &u->task);
    srv_upwait_cancel(&u->wait);
    if (u->up) {
        if (keep) srv_upconn_release(u->up, conf);
        else srv_upconn_close(u->up);
    }
    u->up = NULL;
    ifr_buf_free(&u->wbuf);
    ifr_buf_free(&u->rbuf);
}

/* Closes the connection and kicks the call again on a fresh one: for a
 * pooled connection the upstream had closed while idle (the caller checks
 * nothing of the body was consumed). */
void srv_upcall_retry_fresh(srv_upcall_t *u);

/* A dial failed after connect() started: while the name has addresses
 * this call did not dial yet, kicks the call again (the pool moved on to
 * the next), as Go's dialer does. true when it did. */
bool srv_upcall_redial(srv_upcall_t *u, const route_proxy_upstream_t *upstream);

/* Starts dial_timeout unless it runs already (a dial after a lookup
 * keeps the lookup's deadline). */
void srv_upcall_dial_wait(srv_upcall_t *u, const route_proxy_transport_conf_t *conf);

/* Connected: the dial timer stops, the read and write waits start now. */
static inline void srv_upcall_connected(srv_upcall_t *u)
{
    srv_timer_stop(u->loop, &u->timer);
    u->read_since = u->write_since = u->loop->now;
}

/* Writes what the socket takes and resumes a paused client body below
 * SRV_PROXY_LOW_WATER. -1 on a write error (wbuf is dropped). */
static inline int srv_upcall_flush(srv_upcall_t *u, route_exchange_t *x)
{
    while (u->wbuf.len && u->up->tr.can_write) {
        struct iovec iov = { u->wbuf.data, u->wbuf.len };
        ssize_t n = srv_transport_writev(&u->up->tr, &iov, 1);
        if (n > 0) {
            u->sent_any = true;
            u->write_since = u->loop->now;
            ifr_buf_consume(&u->wbuf, (size_t)n);
        } else if (n != SRV_IO_AGAIN) {   /* on AGAIN the transport cleared can_write */
            u->write_failed = true;
            ifr_buf_clear(&u->wbuf);
            return -1;
        }
    }
    if (u->body_paused && u->wbuf.len < SRV_PROXY_LOW_WATER) {
        u->body_paused = false;
        x->io->resume_body(x);
    }
    return 0;
}

/* Takes request bytes the caller appended to wbuf: pauses the client's
 * body at SRV_PROXY_HIGH_WATER. The route_body_cb answer: 1 paused. */
static inline int srv_upcall_body_taken(srv_upcall_t *u, bool is_last)
{
    if (u->wbuf.len >= SRV_PROXY_HIGH_WATER && !is_last) {
        u->body_paused = true;
        return 1;
    }
    return 0;
}

/* The client took its output again: the wait for it does not count
 * against read_timeout. */
static inline void srv_upcall_client_writable(srv_upcall_t *u)
{
    u->waiting_client = false;
    u->read_since = u->loop->now;
}

/* read_timeout's deadline (timeout_ns), given whether the request is all
 * written: the upstream owes bytes and the client is not what holds them
 * back. 0 when it does not run. */
static inline int64_t srv_upcall_read_deadline(const srv_upcall_t *u, int64_t timeout_ns, bool request_written)
{
    if (timeout_ns <= 0 || u->waiting_client || !(request_written || u->got_any)) return 0;
    return u->read_since + timeout_ns;
}

/* write_timeout's deadline (timeout_ns): request bytes wait for the upstream. */
static inline int64_t srv_upcall_write_deadline(const srv_upcall_t *u, int64_t timeout_ns)
{
    return timeout_ns > 0 && u->wbuf.len ? u->write_since + timeout_ns : 0;
}

/* The nearer of two deadlines, 0 being none. */
static inline int64_t srv_upcall_earliest(int64_t a, int64_t b) { return !a ? b : !b ? a : a < b ? a : b; }

/* The one timer waits for deadline at (none when 0), left alone when
 * that did not move. */
static inline void srv_upcall_arm(srv_upcall_t *u, int64_t at)
{
    if (srv_timer_active(&u->timer) && u->timer.deadline == at) return;
    srv_timer_stop(u->loop, &u->timer);
    if (at) srv_timer_start_at(u->loop, &u->timer, at);
}

/* A failure's words kept in the exchange's arena: the connection that
 * holds them is closed before they are logged. */
const char *srv_upcall_words(route_exchange_t *x, const char *err);

#endif
