/* Parsing the host-call options of a `wasm` block (fn_host_directive.c). */
#ifndef IFRIT_FN_FN_HOST_DIRECTIVE_H
#define IFRIT_FN_FN_HOST_DIRECTIVE_H

#include <stdbool.h>

#include "fn/fn_host_conf.h"
#include "route/directive.h"

/* True for the options fn_host_directive.c lists (permissions,
 * allow_host, kv_namespace, http_*, db_*, max_retries, retry_backoff,
 * ai_*). */
bool fn_host_is_option(ifr_str_t name);
/* Parses one of them into h: 0, or -1 with p->err filled. */
int fn_host_option(route_parse_t *p, const cfg_directive_t *s, fn_host_config_t *h);

#endif
