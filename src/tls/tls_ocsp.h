/* OCSP stapling (RFC 6960, RFC 6066 section 8): the request for a
 * certificate's status, the check of the responder's answer, and a
 * context's stapled response, sent to clients that ask for it
 * (status_request) in their ClientHello.
 *
 * The response is fetched off the workers (the server's ACME thread,
 * srv_acme_ocsp.c) and swapped into the context while it serves; each
 * handshake copies the current one under a mutex. */
#ifndef IFRIT_TLS_TLS_OCSP_H
#define IFRIT_TLS_TLS_OCSP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/ssl.h>

#include "tls/tls_cert.h"

/* The most a stapled response may weigh. */
#define TLS_OCSP_RESPONSE_MAX (64 * 1024)

/* The responder URL of c's leaf (its AIA extension) into url, and the DER
 * OCSP request for the leaf's status (caller frees *der with
 * OPENSSL_free). 0; 1 when the leaf names no responder or has no issuer
 * in its chain (nothing to staple); -1 on failure. */
int tls_ocsp_request(const tls_cert_t *c, char *url, size_t url_len, unsigned char **der, size_t *der_len);

/* Checks a DER OCSP response for c's leaf: successful, signed by the
 * issuer or a responder it delegated to, the leaf's status good or revoked.
 * 0 with *next_update (when to fetch again: halfway to nextUpdate, or an
 * hour when it has none) and *revoked; -1 with a sentence in err. */
int tls_ocsp_check(const tls_cert_t *c, const unsigned char *der, size_t len, time_t now, time_t *refresh_at,
                   bool *revoked, char *err, size_t err_len);

/* Staples der (copied) on ctx from now on; NULL, 0 removes it. The first
 * call installs the status callback. 0, or -1 when out of memory. */
int tls_ocsp_staple(SSL_CTX *ctx, const unsigned char *der, size_t len);

#endif
