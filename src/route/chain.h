/* Route lists and the loop that runs them.
 *
 * A site's routes are a list of entries (matcher set + directive + config),
 * already sorted at load. Blocks such as handle and route hold nested lists;
 * their handler enters the nested list with route_chain_enter(), and when a
 * nested list runs out the outer list goes on (Caddy's subroutes behave the
 * same: a handle block that does not answer falls through to what follows).
 *
 * The position in the lists is kept in the exchange's route state rather
 * than on the C stack, so a handler that waited (ROUTE_ASYNC) can let the
 * remaining handlers run later with route_resume(). */
#ifndef IFRIT_ROUTE_CHAIN_H
#define IFRIT_ROUTE_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "route/directive.h"
#include "route/exchange.h"

typedef struct {
    const route_directive_t *dir;
    const route_matcher_set_t *match;   /* NULL matches every request */
    void *conf;                         /* the directive's config, plan arena */
    unsigned group;                     /* 0, or ROUTE_DIR_GROUP_* of mutually exclusive peers */
} route_entry_t;

struct route_list {
    route_entry_t *items;   /* plan arena */
    size_t count;
};

/* Runs list from its first entry in a fresh frame on top of the current ones. */
int route_chain_enter(route_exchange_t *x, const route_list_t *list);

/* Runs entries until one answers, fails or the lists run out.
 * Returns ROUTE_DONE, ROUTE_ASYNC, ROUTE_ERROR or ROUTE_NEXT (nothing answered). */
route_result_t route_chain_run(route_exchange_t *x);

/* Runs a site's routes for a new exchange, then handle_errors on failure,
 * the bare error status when no error route answered, and the default
 * empty 200 when nothing answered at all. ROUTE_ERROR only when the head
 * was already sent (the host then ends the connection). */
route_result_t route_chain_start(route_exchange_t *x, const route_list_t *routes);

/* route_resume, for a handler that waited, is in route/directive.h. */

#endif
