/* An ACME client (RFC 8555): directory, nonces, account, order,
 * authorizations answered by HTTP-01 or TLS-ALPN-01 (challenge.h),
 * finalize with a CSR, certificate chain download.
 *
 * Blocking: it runs on the thread that calls it (the server's ACME thread,
 * never a worker's event loop) and sleeps between retries and polls.
 * Failures are retried where RFC 8555 says they may be: a badNonce with the
 * fresh nonce the error carries, a 5xx or a connection failure with
 * exponential backoff, each a bounded number of times. Every failure is a
 * log line (logger "acme") with the CA's problem type and detail. */
#ifndef IFRIT_ACME_CLIENT_H
#define IFRIT_ACME_CLIENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <openssl/evp.h>

#include "base/buf.h"

typedef enum { ACME_CHALLENGE_HTTP01, ACME_CHALLENGE_TLSALPN01 } acme_challenge_t;

typedef struct {
    const char *directory_url;  /* acme_ca */
    const char *ca_root;        /* acme_ca_root: PEM roots to trust for the CA, NULL = the system's */
    const char *email;          /* the account's contact, or NULL */
    /* External account binding (acme_eab, eab.h): the CA's key id and
     * base64url MAC key for newAccount, or NULL. */
    const char *eab_key_id, *eab_mac_key;
    acme_challenge_t challenge;
    long request_timeout_ms;    /* one whole HTTP request */
    int request_attempts;       /* tries of one request on a connection failure or a 5xx */
    long backoff_initial_ms;    /* the wait before the first retry, doubled for each next */
    long backoff_max_ms;
    int bad_nonce_retries;      /* retries of one request refused with badNonce */
    int poll_max;               /* polls of one authorization or order */
    long poll_default_ms;       /* between polls when the CA sends no Retry-After */
    long poll_max_ms;           /* cap on a Retry-After */
    /* When set (the server stopping or reloading), the client gives up at
     * its next wait between retries or polls, within ACME_STOP_CHECK_MS.
     * NULL: never. */
    const atomic_bool *stop;
} acme_config_t;

#define ACME_STOP_CHECK_MS 50

/* The defaults docs/tls.md lists (directory_url, ca_root and email NULL). */
void acme_config_defaults(acme_config_t *cfg);

typedef struct acme_client acme_client_t;

/* account_key: the account's P-256 key (the client takes its own
 * reference). cfg's strings must outlive the client. NULL on failure. */
acme_client_t *acme_client_new(const acme_config_t *cfg, EVP_PKEY *account_key);
void acme_client_free(acme_client_t *c);

/* Registers the account (or finds it: newAccount answers 200 for a key it
 * knows) and remembers its URL. 0 or -1 (logged). */
int acme_client_account(acme_client_t *c);
/* The account URL (the kid) once acme_client_account succeeded, else NULL. */
const char *acme_client_account_url(const acme_client_t *c);

/* Orders a certificate for names (DNS names) signed for cert_key and
 * appends the PEM chain (leaf first) to chain. Registers the account first
 * when that was not done. 0, or -1 (logged with the reason). */
int acme_client_obtain(acme_client_t *c, const char *const *names, size_t n, EVP_PKEY *cert_key, ifr_buf_t *chain);

#endif
