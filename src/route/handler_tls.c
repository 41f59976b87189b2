/* The tls directive. ifrit's native server has no TLS yet, so there it is
 * a config error (serving plain HTTP where the Caddyfile asks for TLS would
 * be worse than refusing). A host that terminates TLS outside the core
 * (the edge: workerd and Cloudflare do it) accepts it and logs that it is
 * ignored, as the caddy-on-cloudflare port does. */
#include "route/directive.h"

#include "base/log.h"
#include "config/dispense.h"
#include "route/plan.h"

static bool route_tls_outside;

void route_plan_tls_outside(bool outside) { route_tls_outside = outside; }

static int route_tls_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    *conf = NULL;
    if (!route_tls_outside)
        return cfg_errorf(p->err, &d->name, "the tls directive is not supported by ifrit yet (it serves plain HTTP)");
    ifr_log_info("edge", "%s:%d: tls ignored: the edge terminates TLS", d->name.file ? d->name.file : "Caddyfile",
                 d->name.line);
    return 0;
}

const route_directive_t route_directive_tls = {
    .name = "tls", .flags = ROUTE_DIR_SITE, .parse = route_tls_parse,
};
