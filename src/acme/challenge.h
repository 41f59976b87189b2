/* What the server shows the CA while a challenge is pending, kept in two
 * small thread-safe tables: the ACME thread adds and removes entries, the
 * workers look them up.
 *
 * HTTP-01 (RFC 8555 section 8.3): GET /.well-known/acme-challenge/<token>
 * on the HTTP port answers the key authorization, as text/plain.
 * TLS-ALPN-01 (RFC 8737): a handshake with ALPN "acme-tls/1" and the
 * domain as SNI gets a self-signed certificate for that domain carrying the
 * critical id-pe-acmeIdentifier extension with SHA-256 of the key
 * authorization; the handshake is all the CA looks at. */
#ifndef IFRIT_ACME_CHALLENGE_H
#define IFRIT_ACME_CHALLENGE_H

#include <stddef.h>
#include <openssl/ssl.h>

#include "base/str.h"

#define ACME_HTTP01_PREFIX "/.well-known/acme-challenge/"
#define ACME_TLSALPN_PROTOCOL "acme-tls/1"
/* Challenges pending at once; a full table refuses another (the client
 * then reports the challenge as failed rather than waiting). */
#define ACME_CHALLENGES_MAX 256

/* Adds (or replaces) token's key authorization. 0, or -1 when the table is
 * full, the token is not base64url or either is too long. */
int acme_http01_put(const char *token, const char *key_authorization);
void acme_http01_remove(const char *token);
/* The answer for a request path: when path is ACME_HTTP01_PREFIX plus a
 * pending token, copies its key authorization (NUL-terminated) into out and
 * returns its length; -1 when there is none (the server then routes the
 * request as usual). */
long acme_http01_lookup(ifr_str_t path, char *out, size_t cap);

/* The TLS-ALPN-01 certificate for domain and key authorization: a fresh
 * P-256 key, the domain as its only SAN, the acmeIdentifier extension.
 * 0 with *cert and *key (the caller frees both), or -1. */
int acme_tlsalpn_cert(const char *domain, const char *key_authorization, X509 **cert, EVP_PKEY **key);

/* Builds and keeps domain's challenge certificate. 0, or -1. */
int acme_tlsalpn_put(const char *domain, const char *key_authorization);
void acme_tlsalpn_remove(const char *domain);
/* For the server's handshake with ALPN acme-tls/1: when domain (the SNI)
 * has a pending challenge, puts its certificate and key on ssl and returns
 * 0; -1 when there is none (the handshake should then fail). */
int acme_tlsalpn_use(SSL *ssl, const char *domain);

#endif
