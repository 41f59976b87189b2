/* Site addresses: the keys of a site block.
 *
 *   :8080                 any host, port 8080, http
 *   localhost:8080        host localhost, port 8080, http
 *   example.com           https on https_port (http on http_port when auto_https is off)
 *   http://example.com    http on http_port
 *   https://x             https on https_port
 *   *.example.com         wildcard host (matches one label)
 *   [::1]:8080            IPv6 host "::1" (brackets removed), port 8080
 *   example.com/api/x     with a path: the site only takes requests under it
 *   http://               any host, http on http_port
 *
 * Difference from Caddy: Caddy serves HTTPS for a host name on a port other
 * than http_port (localhost:8080). Until ifrit has automatic HTTPS, an
 * address with an explicit port and no scheme is served over plain HTTP,
 * unless that port is https_port.
 */
#ifndef IFRIT_CONFIG_ADDRESS_H
#define IFRIT_CONFIG_ADDRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/str.h"
#include "config/caddyfile.h"
#include "config/error.h"
#include "config/options.h"

/* Slices point into the key token's text (owned by the document's arena).
 * Absent parts are empty slices (len 0, ptr still valid). */
typedef struct {
    ifr_str_t scheme;   /* "http", "https" or empty, as written */
    ifr_str_t host;     /* "example.com", "*.example.com", "::1", or empty for any host */
    ifr_str_t path;     /* "/api/x" or empty */
    uint16_t port;      /* 0 when not written */
    /* Resolved by cfg_address_resolve: */
    uint16_t listen_port;
    bool tls;
} cfg_address_t;

/* Splits a key into its parts; checks the scheme (http/https), the port
 * (1-65535), the brackets of IPv6 hosts and that a path starts with '/'.
 * Does not resolve defaults. */
int cfg_parse_address(const cfg_token_t *key, cfg_address_t *out, cfg_error_t *err);

/* Fills listen_port and tls from the scheme, the port and the global
 * options, with the rules described above. Fails on a contradiction:
 * "https://x:80" when 80 is the http_port (one port cannot serve both). */
int cfg_address_resolve(const cfg_token_t *key, cfg_address_t *a, const cfg_options_t *o,
                        cfg_error_t *err);

#endif
