/* The OpenSSL client transport: reverse_proxy's connections to https
 * upstreams (srv_upstream.c), on the srv_transport.h interface.
 *
 * A context (SSL_CTX) is made per upstream pool per worker thread from the
 * transport's tls options: the system trust store (or only
 * tls_trusted_ca_certs), a client certificate for tls_client_auth, no
 * verification with tls_insecure_skip_verify. Each connection sends SNI
 * (the host, or tls_server_name; none for an IP address) and verifies the
 * certificate against that name or IP, offers ALPN http/1.1 (and h2 first
 * when the caller can speak it: versions 2), and offers
 * the last session the context's upstream gave (resumption). The
 * handshake runs non-blocking
 * through ops->handshake; when it fails, srv_tls_client_failure() says
 * why in words (OpenSSL's verify error text, or the library's error).
 *
 * Ownership: the context belongs to its pool (srv_tls_client_ctx_free);
 * each connection holds a reference of its own, so freeing the pool's
 * first is safe. */
#ifndef IFRIT_SERVER_SRV_TRANSPORT_TLS_CLIENT_H
#define IFRIT_SERVER_SRV_TRANSPORT_TLS_CLIENT_H

#include <openssl/ssl.h>
#include <stddef.h>

#include "route/proxy_conf.h"
#include "server/srv_transport.h"

/* What srv_transport_tls_client.start takes as ctx. */
typedef struct {
    SSL_CTX *ssl_ctx;
    const char *host;            /* the upstream's host (NULL for a unix socket) */
    const route_proxy_tls_conf_t *conf;
    bool offer_h2;               /* ALPN offers h2 (conf's alpn_h1 says whether http/1.1 too) */
} srv_tls_client_start_t;

extern const srv_transport_ops_t srv_transport_tls_client;

/* A context for conf, or NULL with err (NUL-terminated) saying why. */
SSL_CTX *srv_tls_client_ctx_new(const route_proxy_tls_conf_t *conf, char *err, size_t errlen);
void srv_tls_client_ctx_free(SSL_CTX *ctx);

/* Whether the upstream chose h2 by ALPN (after the handshake). */
bool srv_tls_client_chose_h2(const srv_transport_t *t);

/* Why the handshake on t failed ("" before a failure). */
const char *srv_tls_client_failure(const srv_transport_t *t);

#endif
