/* The upstream answer kept whole for copy_response (handler_copy_response.c).
 *
 * Caddy runs a handle_response block while the upstream's body is still
 * unread, and copy_response streams it on from there. ifrit runs the block
 * once the call ended, so a block that holds copy_response has the call
 * deliver the body into memory instead of to the client: while it runs,
 * x->io is one that gathers what the transport sends. The body is capped
 * at ROUTE_PROXY_KEEP_MAX bytes; past that the call is cut (502). */
#ifndef IFRIT_ROUTE_PROXY_KEEP_H
#define IFRIT_ROUTE_PROXY_KEEP_H

#include "base/buf.h"
#include "http/response_parser.h"
#include "route/exchange.h"
#include "route/proxy_conf.h"

#define ROUTE_PROXY_KEEP_MAX (16u * 1024 * 1024) /* the 502 log line says 16 MiB */

/* In x->arena; body is freed with the arena. conf and up are the plan's. */
typedef struct route_proxy_kept {
    const route_proxy_conf_t *conf;
    const route_proxy_upstream_t *up;
    http_upstream_response_t head;   /* its headers: the answer's arena copy */
    ifr_buf_t body;
    bool over;                       /* the body passed ROUTE_PROXY_KEEP_MAX */
    const route_io_t *io;            /* x->io to put back */
    route_io_t gather;               /* x->io while the body comes */
} route_proxy_kept_t;

/* Points x->io at k's gathering io until route_proxy_keep_stop. 0, or -1
 * out of memory. */
int route_proxy_keep_start(route_exchange_t *x, route_proxy_kept_t *k);
void route_proxy_keep_stop(route_exchange_t *x, route_proxy_kept_t *k);

#endif
