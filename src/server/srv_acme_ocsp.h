/* Fetching a certificate's OCSP response for stapling (tls_ocsp.h), on
 * the ACME thread: an HTTP GET to the responder its leaf names (RFC 6960
 * appendix A.1), checked before it is stapled. */
#ifndef IFRIT_SERVER_SRV_ACME_OCSP_H
#define IFRIT_SERVER_SRV_ACME_OCSP_H

#include <stdbool.h>
#include <time.h>

#include <openssl/ssl.h>

#include "tls/tls_cert.h"

/* How long one fetch may take. */
#define SRV_OCSP_TIMEOUT_MS 10000

/* Fetches c's status and staples it on ctx. 0 stapled (with *refresh_at,
 * when to fetch again, and *revoked); 1 when c names no responder; -1
 * with the reason in err (what ctx stapled before stays). */
int srv_acme_ocsp_update(SSL_CTX *ctx, const tls_cert_t *c, time_t *refresh_at, bool *revoked, char *err,
                         size_t err_len);

#endif
