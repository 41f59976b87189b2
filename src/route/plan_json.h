/* A loaded plan as Caddy's JSON config (what `caddy adapt` prints), where
 * ifrit's model maps onto it, for `ifrit adapt` (src/server/cmd_adapt.c):
 * apps.http.servers, one per listening port (srv0, srv1, ... by port),
 * each with its listen address and routes; a site with host names is one
 * route matching them with a subroute of its directives (terminal), a
 * site without is its directives' routes. Each route has its matcher set
 * (path, host and method with their values; other matchers by name with
 * an empty object) and one handler named as Caddy names it (respond and
 * redir are static_response, header is headers, ...; handle, route,
 * handle_path and invoke are subroutes with their own routes). Handler
 * options are not written. */
#ifndef IFRIT_ROUTE_PLAN_JSON_H
#define IFRIT_ROUTE_PLAN_JSON_H

#include "base/buf.h"
#include "route/plan.h"

/* Appends the JSON (one line) to out. 0, or -1 when out of memory. */
int route_plan_json(const route_plan_t *p, ifr_buf_t *out);

#endif
