/* The `cron "SPEC" FILE` option of a `wasm` block (fn_cron_directive.c). */
#ifndef IFRIT_FN_FN_CRON_DIRECTIVE_H
#define IFRIT_FN_FN_CRON_DIRECTIVE_H

#include "fn/fn.h"
#include "route/directive.h"

/* Parses one cron line into c's list: 0, or -1 with p->err filled. */
int fn_cron_option(route_parse_t *p, const cfg_directive_t *s, fn_config_t *c);
/* Once the block is parsed: loads each cron's FILE as a function with c's
 * options (not reachable by a route: jobs run it) and keeps it for the
 * plan. 0, or -1 with p->err filled. */
int fn_cron_load(route_parse_t *p, const fn_config_t *c);

#endif
