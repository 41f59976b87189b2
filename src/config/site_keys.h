/* Private to src/config: the rule on site addresses across a document. */
#ifndef IFRIT_CONFIG_SITE_KEYS_H
#define IFRIT_CONFIG_SITE_KEYS_H

#include "config/caddyfile.h"

/* As Caddy's "ambiguous site definition": the same address written for two
 * site blocks is an error at the later one (the same one twice in one
 * block is allowed, as Caddy keeps it once), unless the two blocks listen
 * on different addresses (bind, default_bind): then each listener has its
 * own. Addresses compare as written, after {$VAR} substitution. Returns
 * 0, or -1 with *err filled. */
int cfg_check_site_keys(const cfg_doc_t *doc, cfg_error_t *err);

#endif
