/* The server's own log lines through the global `log` options of the
 * plan it runs (route/log_output.h): the default logger's output, format
 * and level, and any named logger whose include list takes them. A plan
 * without global `log` options leaves the lines as base/log.c writes them
 * (JSON on stderr). */
#include <pthread.h>

#include "base/log.h"
#include "route/log_output.h"
#include "route/plan.h"
#include "server/srv_log_default.h"

static pthread_mutex_t srv__log_mu = PTHREAD_MUTEX_INITIALIZER;
static route_plan_t *srv__log_plan;   /* a reference, or NULL */

static bool srv__log_entry(ifr_log_level_t level, const char *logger, ifr_str_t msg, void *ud)
{
    (void)ud;
    pthread_mutex_lock(&srv__log_mu);
    route_plan_t *p = srv__log_plan;
    if (p) route_plan_log_line(p, (int)level, ifr_cstr(logger), msg);
    pthread_mutex_unlock(&srv__log_mu);
    return p != NULL;
}

void srv_log_default_start(void) { ifr_log_set_entry_sink(srv__log_entry, NULL); }

void srv_log_default_apply(route_plan_t *p)
{
    bool has = p && route_plan_has_loggers(p);
    if (has) {
        route_plan_retain(p);
        /* A logger at DEBUG needs the debug lines made at all. */
        if (route_plan_log_min_level(p) <= (int)IFR_LOG_DEBUG) ifr_log_set_level(IFR_LOG_DEBUG);
    }
    pthread_mutex_lock(&srv__log_mu);
    route_plan_t *old = srv__log_plan;
    srv__log_plan = has ? p : NULL;
    pthread_mutex_unlock(&srv__log_mu);
    if (old) route_plan_release(old);
}

void srv_log_default_stop(void)
{
    srv_log_default_apply(NULL);
    ifr_log_set_entry_sink(NULL, NULL);
}
