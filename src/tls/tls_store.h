/* The certificates of one TLS listener, picked by SNI: every name a site
 * on that port serves maps to the context of its policy and certificate.
 * A ClientHello callback on the accepting context looks the name up and
 * moves the connection to that context before the protocol version is
 * chosen, so each site's protocols, ciphers, curves and client_auth apply.
 *
 * Order: an exact name, then a one-label wildcard ("*.example.com"), then
 * a catch-all entry (a site without a host), then fallback_sni's entry.
 * A ClientHello without SNI (a client that dialled an IP) is matched by
 * the address it connected to, then the catch-all, then default_sni's
 * entry (Caddy's default_sni and fallback_sni). Nothing found: the
 * handshake fails with an unrecognized_name alert.
 *
 * Thread safety: workers look up concurrently while a renewal thread may
 * swap a context (tls_store_replace); a mutex covers the table, held only
 * for the lookup. */
#ifndef IFRIT_TLS_TLS_STORE_H
#define IFRIT_TLS_TLS_STORE_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct tls_store tls_store_t;

/* An empty store with one reference; default_sni and fallback_sni may be
 * NULL. NULL when
 * out of memory. Connections in their handshake hold a reference each
 * (the ClientHello callback uses the store), so a reload can drop its own
 * while they finish. */
tls_store_t *tls_store_new(const char *default_sni, const char *fallback_sni);
void tls_store_retain(tls_store_t *s);
void tls_store_release(tls_store_t *s);

/* Maps name ("" = any name, "*.x" wildcard, an IP) to ctx (a reference is
 * taken). A name already mapped keeps its first context, as the first
 * site in the Caddyfile wins. 0, or -1 when out of memory. */
int tls_store_add(tls_store_t *s, const char *name, SSL_CTX *ctx);

/* The context for a server name (sni NULL: none was sent; then
 * local_ip, may be NULL, is tried), with a reference for the caller, or
 * NULL. */
SSL_CTX *tls_store_pick(tls_store_t *s, const char *sni, const char *local_ip);

/* The ACME TLS-ALPN-01 answer, set once by the server: a ClientHello
 * offering only ALPN acme-tls/1 is handed to fn with its SNI; fn puts the
 * challenge certificate on ssl and returns 0, or -1 (the handshake then
 * fails). Process-wide. */
typedef int (*tls_challenge_fn)(SSL *ssl, const char *sni);
void tls_store_set_challenge(tls_challenge_fn fn);

/* On-demand certificates (tls { on_demand }): asked about a ClientHello
 * whose SNI matches no exact or wildcard entry, before the catch-all and
 * fallback_sni. fn answers NONE (not an on-demand name: the usual order
 * goes on), READY with *ctx (a reference for the caller), WAIT (the
 * certificate is being obtained: the handshake is paused with
 * SSL_CLIENT_HELLO_RETRY, fn having arranged for the connection to be
 * woken) or REFUSED (the handshake fails). Called under the store's
 * lock, so fn must not call back into the store; setting NULL (the
 * configuration going away) waits for a call in progress. */
typedef enum { TLS_ON_DEMAND_NONE, TLS_ON_DEMAND_READY, TLS_ON_DEMAND_WAIT, TLS_ON_DEMAND_REFUSED } tls_on_demand_t;
typedef tls_on_demand_t (*tls_on_demand_fn)(void *ud, SSL *ssl, const char *sni, SSL_CTX **ctx);
void tls_store_set_on_demand(tls_store_t *s, tls_on_demand_fn fn, void *ud);

/* Every entry mapped to old now maps to new (renewal). */
void tls_store_replace(tls_store_t *s, SSL_CTX *old, SSL_CTX *new_ctx);

/* The context to create connections from: it carries the ClientHello
 * callback that moves each connection to the picked context (one that
 * finds none fails with unrecognized_name). NULL when out of memory.
 * Owned by the store. */
SSL_CTX *tls_store_accept_ctx(tls_store_t *s);

/* A new server connection on fd, ready for SSL_accept. NULL on failure. */
SSL *tls_store_new_ssl(tls_store_t *s, int fd);

#endif
