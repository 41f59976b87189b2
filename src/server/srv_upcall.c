/* The lifecycle both upstream transports share: see srv_upcall.h. */
#include "server/srv_upcall.h"

#include "base/arena.h"

void srv_upcall_retry_fresh(srv_upcall_t *u)
{
    srv_upconn_close(u->up);
    u->up = NULL;
    u->reused = u->sent_any = u->write_failed = false;
    srv_loop_post(u->loop, &u->task);
}

bool srv_upcall_redial(srv_upcall_t *u, const route_proxy_upstream_t *upstream)
{
    if (++u->dials >= srv_upstream_addr_count(upstream)) return false;
    srv_timer_stop(u->loop, &u->timer);
    srv_upconn_close(u->up);
    u->up = NULL;
    srv_loop_post(u->loop, &u->task);
    return true;
}

void srv_upcall_dial_wait(srv_upcall_t *u, const route_proxy_transport_conf_t *conf)
{
    if (conf->dial_timeout_ns > 0 && !srv_timer_active(&u->timer))
        srv_timer_start_at(u->loop, &u->timer, u->loop->now + conf->dial_timeout_ns);
}

const char *srv_upcall_words(route_exchange_t *x, const char *err)
{
    const char *s = ifr_arena_printf(x->arena, "%s", err);
    return s ? s : "upstream failed";
}
