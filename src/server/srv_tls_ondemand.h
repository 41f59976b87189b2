/* On-demand TLS (Caddy's `tls { on_demand }` with the global
 * `on_demand_tls { ask URL  interval D  burst N }`): a certificate is
 * obtained at the first handshake for a name, when the ask endpoint
 * approves it (GET ASK?domain=NAME answers 2xx).
 *
 * The handshake never blocks its worker. The ClientHello callback
 * (tls_store.c) asks srv_tls_ondemand's hook; for a name without a
 * certificate yet the hook queues the name for the on-demand thread and
 * parks the connection: the callback returns SSL_CLIENT_HELLO_RETRY, the
 * transport says SRV_IO_AGAIN, and the connection binds its park to its
 * worker and task (srv_tls_park_wait). When the thread is done (asked,
 * found in storage or ordered, or refused) it completes every park of
 * that name: each goes on its worker's list and the worker's loop is
 * woken (srv_loop_wake); the worker posts the connection's task, which
 * resumes SSL_accept, and the callback now finds the answer on the park.
 * Many handshakes for one name wait on one order.
 *
 * Order of work for a name: ask (every name not in memory, so a name the
 * endpoint stops approving is not served from storage after a restart),
 * then storage (a valid certificate there is used: restarts and reloads
 * order nothing), then the rate limit (at most burst orders in any
 * interval), then the order (srv_acme_obtain: the storage lock, so two
 * processes never both order). Certificates stay in memory for the
 * configuration's life, renewed in the background when a handshake finds
 * one due (the current one serves meanwhile). Limits: docs/tls.md. */
#ifndef IFRIT_SERVER_SRV_TLS_ONDEMAND_H
#define IFRIT_SERVER_SRV_TLS_ONDEMAND_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/options.h"
#include "route/plan.h"
#include "server/srv_acme.h"
#include "server/srv_worker.h"
#include "tls/tls_store.h"

/* Names kept with a certificate (Caddy's certificate cache holds 10000). */
#define SRV_TLS_ONDEMAND_NAMES_MAX 10000
/* Names waiting for the thread at once; a handshake for one more is refused. */
#define SRV_TLS_ONDEMAND_QUEUE_MAX 64
/* One ask request, whole (Caddy's is 10 s too). */
#define SRV_TLS_ONDEMAND_ASK_TIMEOUT_MS 10000

typedef struct srv_tls_ondemand srv_tls_ondemand_t;

/* Builds the serving context of an on-demand certificate under the
 * site's policy (srv_tls.c's, as for every ACME host). */
typedef SSL_CTX *(*srv_tls_ondemand_build_fn)(void *ud, const route_tls_conf_t *conf, tls_cert_t *cert, char *msg,
                                               size_t len);

/* st and o belong to the configuration and outlive the manager. NULL
 * when out of memory. */
srv_tls_ondemand_t *srv_tls_ondemand_new(const tls_storage_t *st, const cfg_options_t *o,
                                         srv_tls_ondemand_build_fn build, void *ud);
/* An on-demand site host on store: pattern "" (any name), "*.x" (one
 * label) or a name; site carries its ACME settings (its name is
 * ignored; strings stay the plan's). Hooks the store. 0, or -1. */
int srv_tls_ondemand_add(srv_tls_ondemand_t *od, tls_store_t *store, const char *pattern,
                         const route_tls_conf_t *conf, const srv_acme_site_t *site);
/* Starts the thread (once the server listens). -1 when it cannot. */
int srv_tls_ondemand_start(srv_tls_ondemand_t *od);
/* Unhooks the stores, stops the thread (an order in progress gives up at
 * its next wait), refuses every parked handshake and frees. NULL is fine. */
void srv_tls_ondemand_free(srv_tls_ondemand_t *od);

/* The transport, after SSL_ERROR_WANT_CLIENT_HELLO_CB: binds ssl's park
 * to w and task (posted on w's loop when the answer comes; at once when
 * it came already). false when ssl has no park. Worker thread. */
bool srv_tls_park_wait(SSL *ssl, srv_worker_t *w, srv_task_t *task);
/* The handshake is over: ssl lets its park go. */
void srv_tls_park_drop(SSL *ssl);
/* Worker thread, on wake-up: posts the tasks of this worker's completed
 * parks whose connections are still there. */
void srv_tls_park_drain(srv_worker_t *w);

#endif
