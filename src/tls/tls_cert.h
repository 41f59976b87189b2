/* A certificate chain and its private key, loaded from PEM and checked
 * the way an operator needs to hear about it: every error names the file
 * (unreadable, no certificate in it, expired, not valid yet, a key that
 * does not match the certificate), and a key file that group or others
 * can read is warned about.
 *
 * Ownership: tls_cert_t is reference counted (contexts built from it and
 * the store share it); the OpenSSL objects inside are its own. */
#ifndef IFRIT_TLS_TLS_CERT_H
#define IFRIT_TLS_TLS_CERT_H

#include <openssl/ssl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* A PEM file larger than this is refused (a chain is a few KiB). */
#define TLS_PEM_MAX (1024 * 1024)
/* At most this many names (SAN entries) are taken from a certificate. */
#define TLS_CERT_MAX_NAMES 256

typedef struct {
    atomic_int refs;
    X509 *leaf;
    STACK_OF(X509) *chain;   /* the intermediates after the leaf, may be empty */
    EVP_PKEY *key;
    char **names;            /* lowercase DNS names and IPs the leaf is for */
    size_t nnames;
    time_t not_before, not_after;
} tls_cert_t;

/* Loads cert_path (leaf first, then intermediates) and key_path. NULL
 * with a sentence naming the file in err. The permission warning goes to
 * the log ("tls" logger). */
tls_cert_t *tls_cert_load(const char *cert_path, const char *key_path, char *err, size_t err_len);

/* The same from PEM in memory; cert_file and key_file name them in errors
 * (where they were read from). */
tls_cert_t *tls_cert_from_pem(const char *cert_pem, size_t cert_len, const char *cert_file, const char *key_pem,
                              size_t key_len, const char *key_file, char *err, size_t err_len);

void tls_cert_retain(tls_cert_t *c);
void tls_cert_release(tls_cert_t *c);

/* Whether pattern (a certificate name, lowercase) covers host: exact, or
 * a one-label wildcard. */
bool tls_name_matches(const char *pattern, const char *host);

/* Whether the certificate names host: exact, or one wildcard label
 * ("*.example.com" covers "a.example.com", not "a.b.example.com" nor
 * "example.com"). host is compared without case. */
bool tls_cert_covers(const tls_cert_t *c, const char *host);

/* "2026-12-07 06:00:00 UTC" for t. */
void tls_time_text(time_t t, char *out, size_t out_len);

#endif
