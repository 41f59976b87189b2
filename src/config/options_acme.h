/* The ACME global options (options_acme.c):
 *
 *   email ops@example.com
 *   acme_ca https://acme-staging-v02.api.letsencrypt.org/directory
 *   acme_ca_root /etc/ssl/my-ca.pem
 *   cert_issuer acme [DIR] { dir URL  email E  trusted_roots FILE }
 *   renewal_window_ratio 0.33
 *   acme_eab { key_id KID  mac_key BASE64URL }
 *   on_demand_tls { ask URL  interval 2m  burst 5 }
 */
#ifndef IFRIT_CONFIG_OPTIONS_ACME_H
#define IFRIT_CONFIG_OPTIONS_ACME_H

#include "config/options.h"

/* 1 when d is none of these (the caller goes on), 0 parsed, -1 with *err. */
int cfg_parse_acme_option(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err);

#endif
