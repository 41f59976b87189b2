/* The ACME client's HTTP: libcurl's easy interface, one handle per client,
 * used only on the thread that runs the client (never a worker's event
 * loop). Why libcurl and not ifrit's own upstream client: see
 * docs/architecture.md ("src/acme"). */
#ifndef IFRIT_ACME_HTTP_H
#define IFRIT_ACME_HTTP_H

#include <stddef.h>

#include "base/buf.h"

/* The largest response body read (a certificate chain, a directory); a
 * longer one fails the request. */
#define ACME_HTTP_BODY_MAX (1024 * 1024)

typedef struct acme_http acme_http_t;

typedef struct {
    long status;                /* HTTP status; 0 when no response came */
    ifr_buf_t body;
    char nonce[256];            /* Replay-Nonce, "" when absent */
    char location[2048];        /* Location, "" when absent */
    char content_type[128];
    long retry_after;           /* Retry-After in seconds (either form), -1 when absent */
    char error[256];            /* the transfer's failure when status is 0 */
} acme_http_resp_t;

/* ca_root: a PEM file of roots to trust instead of the system's (acme_ca_root),
 * or NULL. timeout_ms bounds each whole request. NULL on failure. */
acme_http_t *acme_http_new(const char *ca_root, long timeout_ms);
void acme_http_free(acme_http_t *h);

/* GET (body NULL) or POST with Content-Type application/jose+json.
 * Fills *resp (free it with acme_http_resp_free); returns 0 when a
 * response came, whatever its status, -1 when none did (resp->error says why). */
int acme_http_request(acme_http_t *h, const char *url, const char *body, size_t len, acme_http_resp_t *resp);
void acme_http_resp_free(acme_http_resp_t *resp);

#endif
