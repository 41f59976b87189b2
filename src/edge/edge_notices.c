/* See edge_notices.h. */
#include "edge/edge_notices.h"

#include "base/log.h"

void edge_log_ignored(const route_plan_t *plan)
{
    const route_listener_t *ls;
    size_t n = route_plan_listeners(plan, &ls);
    for (size_t i = 0; i < n; i++) {
        ifr_log_info("edge", "listener %s:%u ignored: workerd decides where requests arrive",
                     ls[i].host && ls[i].host[0] ? ls[i].host : "", ls[i].port);
        if (ls[i].tls)
            ifr_log_info("edge", "tls on port %u ignored: the edge terminates TLS", ls[i].port);
    }
    const cfg_options_t *o = route_plan_options(plan);
    if (o->admin_off) ifr_log_info("edge", "admin off ignored: there is no admin endpoint at the edge");
    if (o->auto_https_off) ifr_log_info("edge", "auto_https off ignored: certificates are the edge's job");
}
