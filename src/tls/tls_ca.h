/* The local certificate authority (Caddy's `pki` app, CA "local"): a root
 * and an intermediate, ECDSA P-256, created once in the data directory,
 * and short-lived leaf certificates it signs for localhost, IP addresses
 * and `tls internal` sites.
 *
 *   pki/authorities/local/root.crt, root.key                 (3600 days)
 *   pki/authorities/local/intermediate.crt, intermediate.key (7 days, renewed)
 *   certificates/local/<name>/<name>.crt|.key|.json          (12 hours, renewed)
 *
 * Lifetimes are Caddy's. A certificate is renewed once less than a third
 * of its lifetime is left (Caddy's renewal window ratio); a leaf never
 * outlives the intermediate that signed it. Issuing runs under the
 * storage lock of its name, so two processes sharing the directory issue
 * once; the second finds the first one's certificate.
 *
 * Thread safety: a tls_ca_t is used by one thread at a time (the loader,
 * then the renewal thread). */
#ifndef IFRIT_TLS_TLS_CA_H
#define IFRIT_TLS_TLS_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "tls/tls_cert.h"
#include "tls/tls_storage.h"

#define TLS_CA_ROOT_LIFETIME (3600LL * 24 * 3600)
#define TLS_CA_INTERMEDIATE_LIFETIME (7LL * 24 * 3600)
#define TLS_CA_LEAF_LIFETIME (12LL * 3600)

#define TLS_CA_ROOT_CRT "pki/authorities/local/root.crt"
#define TLS_CA_ROOT_KEY "pki/authorities/local/root.key"
#define TLS_CA_INTER_CRT "pki/authorities/local/intermediate.crt"
#define TLS_CA_INTER_KEY "pki/authorities/local/intermediate.key"

typedef struct tls_ca tls_ca_t;

/* Loads the CA from storage, creating the root (and the intermediate)
 * the first time and renewing an intermediate that is due. NULL with a
 * sentence in err. The CA keeps a copy of *storage. */
tls_ca_t *tls_ca_open(const tls_storage_t *storage, char *err, size_t err_len);
void tls_ca_free(tls_ca_t *ca);

/* The leaf certificate for name (a host name or an IP): the stored one
 * while it is not due for renewal, else a new one valid for lifetime
 * seconds (0: TLS_CA_LEAF_LIFETIME), stored. NULL with a sentence in
 * err. */
tls_cert_t *tls_ca_leaf(tls_ca_t *ca, const char *name, long long lifetime, char *err, size_t err_len);

/* Whether c is due: less than a third of its lifetime left at now. */
bool tls_cert_due(const tls_cert_t *c, time_t now);

/* The root certificate's PEM (caller frees), for `ifrit trust`. */
char *tls_ca_root_pem(const tls_ca_t *ca, size_t *len);

#endif
