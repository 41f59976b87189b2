/* Shared by the block directives (handle, handle_path, route, handle_errors). */
#ifndef IFRIT_ROUTE_BLOCK_H
#define IFRIT_ROUTE_BLOCK_H

#include "route/chain.h"

typedef struct {
    route_list_t routes;
} route_block_conf_t;

/* Parses d's block one level deeper into a route_block_conf_t (sorted in
 * directive order unless literal). */
int route_parse_block(route_parse_t *p, const cfg_directive_t *d, bool literal, void **conf);
/* Enters the block's routes: returns ROUTE_NEXT, so the chain runs them next. */
route_result_t route_enter_block(route_exchange_t *x, const void *conf);

#endif
