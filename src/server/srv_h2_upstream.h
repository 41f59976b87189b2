/* HTTP/2 to reverse_proxy upstreams, on nghttp2's client session: the
 * half of the native proxy transport (srv_proxy.h) that speaks HTTP/2.
 *
 * A session is one upstream connection (srv_upstream.h dials it: plain
 * for h2c prior knowledge, or TLS whose ALPN chose h2) carrying many
 * calls, one stream each. Sessions are per worker thread, keyed by the
 * upstream's address and TLS options; a new call goes to a session of
 * its upstream with room (fewer calls than the upstream's
 * SETTINGS_MAX_CONCURRENT_STREAMS, 100 until its SETTINGS came) and not
 * retired, else a new session is dialed. A GOAWAY from the upstream
 * retires its session: the streams it did not process (REFUSED_STREAM,
 * or above its last stream id) go again on another session, unless the
 * client's request body had started to flow. A session with no calls is
 * closed after the transport's keepalive.
 *
 * Flow control follows the client: the connection's window is opened
 * again as bytes arrive (a stream's window bounds what waits), a
 * stream's only as the client takes its body (x->io->queued /
 * wait_writable), so a slow client stalls its own upstream stream and
 * no other. The request body goes up as the stream's window allows,
 * read from the client while less than SRV_PROXY_HIGH_WATER waits.
 * Trailers pass both ways (route_proxy_trailers_up / _down).
 *
 * Ownership: a call lives in its exchange's arena, from start until
 * on_fail / on_end ran or srv_h2up_cancel; callbacks never run inside
 * start or cancel. Sessions are the thread's, freed on a later task. */
#ifndef IFRIT_SERVER_SRV_H2_UPSTREAM_H
#define IFRIT_SERVER_SRV_H2_UPSTREAM_H

#include <stdbool.h>

#include "route/proxy_transport.h"
#include "server/srv_upstream.h"

typedef struct srv_h2up_call srv_h2up_call_t;

/* Whether req goes over HTTP/2 from the start: a cleartext upstream with
 * versions h2c, or a TLS one this worker has an HTTP/2 session with
 * room for it. Upgrade requests never do (HTTP/2 has no 101). */
bool srv_h2up_wanted(const route_proxy_request_t *req);

/* Starts a call for x (as route_proxy_transport_t.start). */
int srv_h2up_start(route_exchange_t *x, const route_proxy_request_t *req, const route_proxy_call_cb_t *cb, void *ud,
                   srv_h2up_call_t **out);

/* Stops a call at once (its stream is reset); no callback follows. */
void srv_h2up_cancel(srv_h2up_call_t *c);

/* Takes a TLS connection whose ALPN chose h2 (dialed for req) as a new
 * session of req's upstream: the next srv_h2up_start finds it. The
 * session owns up from now on, also on failure. 0, or -1 out of memory. */
int srv_h2up_adopt(srv_upconn_t *up, const route_proxy_request_t *req);

/* Closes this thread's sessions (a worker's loop ended). */
void srv_h2up_thread_exit(void);

#endif
