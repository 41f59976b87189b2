/* The host-independent life of an exchange; see route_exchange_run in
 * plan.h. */
#include "route/plan.h"

static route_early_fn route__early;

void route_exchange_set_early(route_early_fn fn) { route__early = fn; }

route_result_t route_exchange_run(route_plan_t *p, route_exchange_t *x)
{
    route_plan_retain(p);
    route_result_t r;
    if (!route__early || !route__early(x, &r)) r = route_dispatch(p, x);
    if (r == ROUTE_ERROR && (x->error_status < 400 || x->error_status > 599)) x->error_status = 500;
    return r;
}

void route_exchange_finish(route_plan_t *p, route_exchange_t *x)
{
    route_exchange_done(p, x);
    route_plan_release(p);
}
