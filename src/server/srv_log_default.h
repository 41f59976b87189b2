/* The global `log` options for the server's own lines (srv_log_default.c). */
#ifndef IFRIT_SERVER_SRV_LOG_DEFAULT_H
#define IFRIT_SERVER_SRV_LOG_DEFAULT_H

#include "route/plan.h"

/* Before the workers start: the server's lines go through the hook. */
void srv_log_default_start(void);
/* The plan whose loggers take the lines from now on (it keeps a
 * reference; NULL or a plan without global `log` options: stderr). */
void srv_log_default_apply(route_plan_t *p);
/* Back to stderr, the reference dropped; before srv_log_files_stop. */
void srv_log_default_stop(void);

#endif
