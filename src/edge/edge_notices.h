/* What a Caddyfile may say that does not apply at the edge: listener
 * addresses, tls, auto_https, admin. They are accepted (the same file runs
 * natively) and each is ignored with one logged notice at start-up. */
#ifndef IFRIT_EDGE_NOTICES_H
#define IFRIT_EDGE_NOTICES_H

#include "route/plan.h"

void edge_log_ignored(const route_plan_t *plan);

#endif
