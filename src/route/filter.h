/* Output filters: code that sees (and may change) the response head and
 * body on their way from the handler to the host. encode compresses with
 * one, `header ... defer` edits the head with one, and plugins' on_response
 * / on_body hooks are meant to be filters too.
 *
 * The route layer puts its own route_io_t in x->io for every exchange, so
 * handlers keep calling x->io->send_head/send_body/send_file as exchange.h
 * says; the calls pass through the filters, newest first (the filter pushed
 * last wraps the handler most closely, as Caddy's response-writer wrappers
 * do), then reach the host's io.
 *
 * A filter that decides in on_head to leave the body alone sets f->bypass:
 * body calls skip it and files still go out through the host's send_file.
 *
 * A filter may also see the request body on its way in (on_request_body:
 * a proxy-wasm filter's body callbacks), while a handler reads it through
 * x->io->read_body.
 *
 * Ownership: filters and their ctx live in x->arena; a filter that holds
 * other resources (a compressor) frees them with ifr_arena_on_cleanup. */
#ifndef IFRIT_ROUTE_FILTER_H
#define IFRIT_ROUTE_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "route/exchange.h"

typedef struct route_filter route_filter_t;

typedef struct {
    const char *name;
    /* May edit x->resp; must call route_filter_head(x, f->next) to pass it
     * on (or answer by itself). NULL: passes the head on untouched. */
    int (*on_head)(route_exchange_t *x, route_filter_t *f);
    /* Body bytes; passes them (or others) on with route_filter_body(x, f->next, ...).
     * NULL: the filter never touches bodies. */
    int (*on_body)(route_exchange_t *x, route_filter_t *f, const void *data, size_t len,
                   bool is_last);
    /* Request body bytes on their way from the host to the handler that
     * reads them (x->io->read_body), in the order the filters are listed;
     * passes them (or others) on with route_filter_request_body(x, f, ...)
     * and returns what that returned (non-zero pauses the host, as a
     * route_body_cb does). NULL: the filter never sees them. */
    int (*on_request_body)(route_exchange_t *x, route_filter_t *f, const void *data, size_t len, bool is_last);
    /* Stays next to the handler: filters pushed later that are not inner
     * go host-ward of it (plugins see the body before encode compresses it). */
    bool inner;
    /* Kept by route_filter_clear: the error response passes it too
     * (plugins' response hooks see every response, as in Dwaar). */
    bool keep_on_error;
} route_filter_ops_t;

struct route_filter {
    const route_filter_ops_t *ops;
    void *ctx;
    route_filter_t *next;   /* toward the host; NULL = the host itself */
    bool bypass;            /* set by on_head: body goes past this filter */
    struct route_body_tap *tap;   /* the handler's body callback while it reads (filter.c) */
};

/* Wraps the response: later output goes through ops (before the filters
 * pushed earlier, except inner ones, see route_filter_ops_t). -1 if the
 * arena is exhausted or the head is already out. */
int route_filter_push(route_exchange_t *x, const route_filter_ops_t *ops, void *ctx);

/* Pass the head / body to f (NULL = the host). Return the host's 0 / -1. */
int route_filter_head(route_exchange_t *x, route_filter_t *f);
int route_filter_body(route_exchange_t *x, route_filter_t *f, const void *data, size_t len,
                      bool is_last);

/* Passes request body bytes from f (which has on_request_body) on to the
 * next filter that has one, or to the handler's callback. */
int route_filter_request_body(route_exchange_t *x, route_filter_t *f, const void *data, size_t len, bool is_last);

/* Puts the route io in front of the host's; route_dispatch calls it, so
 * every response is counted for the access log. */
void route_filter_install(route_exchange_t *x);

/* Drops every filter but the keep_on_error ones (handle_errors starts from
 * the bare response, as in Caddy). */
void route_filter_clear(route_exchange_t *x);

/* Bytes of body that reached the host (for the access log). */
uint64_t route_filter_bytes_sent(route_exchange_t *x);

#endif
