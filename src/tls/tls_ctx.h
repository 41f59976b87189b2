/* One TLS policy as an OpenSSL server context: the certificate, the
 * protocol versions, cipher suites, curves, ALPN and client
 * authentication of a site, in Caddy's vocabulary.
 *
 * Defaults (what a site without a `tls` block gets): TLS 1.2 and 1.3
 * only; for TLS 1.2 only ECDHE key exchange with AEAD ciphers (AES-GCM,
 * ChaCha20-Poly1305), server preference; for 1.3 OpenSSL's three suites;
 * curves X25519 then P-256; ALPN h2 then http/1.1 (http/1.1 alone where
 * HTTP/2 is off); no client certificates; no
 * compression, no renegotiation. */
#ifndef IFRIT_TLS_TLS_CTX_H
#define IFRIT_TLS_TLS_CTX_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/tls_cert.h"

typedef enum {
    TLS_CLIENT_AUTH_NONE,
    TLS_CLIENT_AUTH_REQUEST,             /* ask, accept anything or nothing */
    TLS_CLIENT_AUTH_REQUIRE,             /* a certificate must come, not verified */
    TLS_CLIENT_AUTH_VERIFY_IF_GIVEN,     /* none is fine; one given must verify */
    TLS_CLIENT_AUTH_REQUIRE_AND_VERIFY,  /* one must come and verify */
} tls_client_auth_t;

/* Lists are of Caddy's spellings; an empty list means the default. */
typedef struct {
    const char *protocol_min, *protocol_max;   /* "tls1.2" / "tls1.3", NULL = default */
    const char *const *ciphers;                /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, ... */
    size_t nciphers;
    const char *const *curves;                 /* x25519, secp256r1, secp384r1, secp521r1 */
    size_t ncurves;
    const char *const *alpn;                   /* h2, http/1.1 */
    size_t nalpn;
    bool http2;                                /* h2 may be offered (servers { protocols } has h2) */
    tls_client_auth_t client_auth;
    const char *const *client_ca_files;        /* PEM files of the CAs client certificates chain to */
    size_t nclient_ca_files;
} tls_policy_conf_t;

/* The settings that must also be applied to a connection when it moves to
 * this context after the ClientHello (see tls_store.c). */
typedef struct {
    int min_version, max_version;
    char ciphers[1024];        /* OpenSSL's TLS 1.2 cipher list */
    char ciphersuites[256];    /* TLS 1.3 */
    char groups[128];
    int verify_mode;
    unsigned char alpn[64];    /* wire format: length-prefixed names */
    size_t alpn_len;
} tls_policy_t;

/* A server context for cert under conf. NULL with a sentence naming the
 * offending value in err (an unknown cipher, curve, protocol or ALPN
 * name, an unreadable CA file). The context keeps a reference to cert;
 * the policy it applies is tls_ctx_policy(ctx). */
SSL_CTX *tls_ctx_new(const tls_policy_conf_t *conf, tls_cert_t *cert, char *err, size_t err_len);
const tls_policy_t *tls_ctx_policy(const SSL_CTX *ctx);
/* Installs the one ALPN selection callback: the policy's list, or for a
 * connection left on a context without policy (a TLS-ALPN-01 challenge)
 * acme-tls/1 only. */
void tls_ctx_set_alpn_select(SSL_CTX *ctx);
tls_cert_t *tls_ctx_cert(const SSL_CTX *ctx);

/* Session tickets a full handshake sends (TLS 1.3): one, as Go's server.
 * OpenSSL's default of two costs a second ticket's encryption, session
 * copy and record per handshake; one is enough for a client's next
 * connection, and each resumption brings a new one. */
#define TLS_CTX_TICKETS 1

/* The protocol settings a site without a tls block gets (versions,
 * ciphers, suites, groups; the rest zero). */
void tls_policy_defaults(tls_policy_t *p);
/* Whether a and b set the same versions, ciphers, suites and groups: a
 * connection made under a needs none of them applied again for b (they
 * are parsed anew by every SSL_set_cipher_list, SSL_set_ciphersuites and
 * SSL_set1_groups_list). */
bool tls_policy_same_protocols(const tls_policy_t *a, const tls_policy_t *b);
/* Applies p's versions, ciphers, suites and groups to ctx. 0, or -1. */
int tls_policy_apply_ctx(SSL_CTX *ctx, const tls_policy_t *p);

/* Whether contexts made from now on ask OpenSSL for kTLS
 * (SSL_OP_ENABLE_KTLS): the server turns it on once it found the kernel
 * offers it (server/srv_tls_ktls.c); off by default. tls_ctx_ktls says
 * what is set. */
void tls_ctx_set_ktls(bool on);
bool tls_ctx_ktls(void);
/* SSL_OP_ENABLE_KTLS when it is on, else 0: for every server context. */
uint64_t tls_ctx_ktls_option(void);

/* "tls1.2" -> TLS1_2_VERSION, "tls1.3" -> TLS1_3_VERSION; 0 for any
 * other (tls1.0 and tls1.1 are not offered). */
int tls_protocol_version(const char *name);

#endif
