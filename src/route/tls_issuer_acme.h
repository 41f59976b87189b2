/* A site's ACME settings inside the tls directive (tls_issuer_acme.c):
 *
 *   tls EMAIL
 *   tls {
 *       ca URL
 *       ca_root FILE
 *       eab KEY_ID MAC_KEY
 *       issuer acme [URL] {
 *           dir URL
 *           email EMAIL
 *           trusted_roots FILE
 *           disable_http_challenge
 *           disable_tlsalpn_challenge
 *           eab KEY_ID MAC_KEY
 *       }
 *   }
 */
#ifndef IFRIT_ROUTE_TLS_ISSUER_ACME_H
#define IFRIT_ROUTE_TLS_ISSUER_ACME_H

#include "config/caddyfile.h"
#include "route/directive.h"
#include "route/plan.h"

/* ca, ca_root and eab (the directive's name in s). 0, or -1 with p->err. */
int route_tls_acme_item(route_parse_t *p, const cfg_directive_t *s, route_tls_conf_t *c);
/* issuer acme [URL] { ... } (s's first argument is acme). 0, or -1. */
int route_tls_issuer_acme(route_parse_t *p, const cfg_directive_t *s, route_tls_conf_t *c);

#endif
