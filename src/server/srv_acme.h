/* Certificates by ACME for the server (srv_tls.c drives it from its ACME
 * thread; nothing here runs on a worker): where a site's certificate and
 * account live in storage, and obtaining one.
 *
 * Storage, in Caddy's layout (tls_storage.h):
 *   certificates/<issuer>/<name>/<name>.crt|.key|.json
 *   acme/<issuer>/users/<email or "default">/<user>.key   (the account key)
 *   locks/issue_cert_<name>.lock
 * where <issuer> is the CA's directory URL as Caddy names it: host and
 * path, slashes as '-' ("acme-v02.api.letsencrypt.org-directory").
 *
 * Issuance holds the name's lock, and looks in storage again once it has
 * it: a process sharing the storage that ordered meanwhile is reused, so
 * two processes never both order one name. */
#ifndef IFRIT_SERVER_SRV_ACME_H
#define IFRIT_SERVER_SRV_ACME_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "tls/tls_cert.h"
#include "tls/tls_storage.h"

/* Let's Encrypt's production directory, Caddy's default CA. */
#define SRV_ACME_DEFAULT_CA "https://acme-v02.api.letsencrypt.org/directory"

/* One name's ACME settings: the site's tls directive over the global
 * options over the defaults. Strings belong to the plan. */
typedef struct {
    const char *name;
    const char *ca;        /* directory URL */
    const char *ca_root;   /* PEM file of roots trusted for the CA, or NULL: the system's */
    const char *email;     /* or NULL */
    const char *eab_key_id, *eab_mac_key;   /* the external account binding, or NULL */
    bool tlsalpn;          /* TLS-ALPN-01 (when HTTP-01 is disabled), else HTTP-01 */
    double ratio;          /* renewal_window_ratio, 0 = 1/3 */
    const atomic_bool *stop;   /* set when the configuration is dropped: give up waiting */
} srv_acme_site_t;

/* Caddy's issuer key for a directory URL (host-path, made safe). */
void srv_acme_issuer_key(const char *ca, char *out, size_t out_len);

/* The certificate kept in storage for site, or NULL (missing, unreadable,
 * expired: the reason in err; *missing tells the first). */
tls_cert_t *srv_acme_load(const tls_storage_t *st, const srv_acme_site_t *site, bool *missing, char *err,
                          size_t err_len);

/* Whether c should be renewed at now: site's ratio of its lifetime left. */
bool srv_acme_due(const srv_acme_site_t *site, const tls_cert_t *c, time_t now);

/* A certificate for site that is not due: from storage when another
 * process put a fresh one there, else ordered from the CA and saved.
 * Blocks (run it on the ACME thread); a set site->stop ends the wait for
 * the lock or the client's next wait. NULL with the reason in err. */
tls_cert_t *srv_acme_obtain(const tls_storage_t *st, const srv_acme_site_t *site, char *err, size_t err_len);

#endif
