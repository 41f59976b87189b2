/* Caddy's shutdown_delay (docs/server.md): before a stop's grace period,
 * and before a reload that closes a listener, the server keeps serving
 * the current plan for the delay, with {http.shutting_down} true, so
 * health checks can take it out of a load balancer first. */
#ifndef IFRIT_SERVER_SRV_SHUTDOWN_DELAY_H
#define IFRIT_SERVER_SRV_SHUTDOWN_DELAY_H

#include <signal.h>
#include <stdbool.h>

#include "route/plan.h"

/* Whether replacing cur by next closes an address cur listens on (next
 * NULL: a stop) while cur has a shutdown_delay. */
bool srv_shutdown_delay_needed(const route_plan_t *cur, const route_plan_t *next);

/* A stop (main thread): schedules cur's shutdown (unless a reload did
 * already) and waits for it, taking the signals; a stop signal meanwhile
 * ends the wait early. No delay configured: returns at once. */
void srv_shutdown_delay_wait(route_plan_t *cur, const sigset_t *signals);

/* A reload whose plan closes a listener (main thread, before applying
 * it): schedules cur's shutdown the first time; true while it is still
 * ahead (the caller keeps serving cur and asks again later). */
bool srv_shutdown_delay_pending(route_plan_t *cur);

#endif
