/* See srv_plugin_ticker.h. */
#include "server/srv_plugin_ticker.h"

#include <stdlib.h>

#include "plugin/plugin.h"
#include "server/srv_worker.h"

typedef struct srv__ticker {
    srv_timer_t timer;
    srv_loop_t *loop;
    plugin_tick_cb cb;
    void *ud;
    struct srv__ticker *next;
} srv__ticker_t;

/* This worker's timers (each touched by its own thread only). */
static _Thread_local srv__ticker_t *srv__tickers;

static void srv__ticker_unlink(srv__ticker_t *t)
{
    for (srv__ticker_t **at = &srv__tickers; *at; at = &(*at)->next)
        if (*at == t) {
            *at = t->next;
            return;
        }
}

static void srv__ticker_fire(srv_timer_t *timer)
{
    srv__ticker_t *t = timer->data;
    int64_t next = t->cb(t->ud, false);
    if (next > 0 && srv_timer_start_at(t->loop, &t->timer, t->loop->now + next) == 0) return;
    if (next > 0) t->cb(t->ud, true);   /* could not re-arm: its last call */
    srv__ticker_unlink(t);
    free(t);
}

static int srv__ticker_every(int64_t delay_ns, plugin_tick_cb cb, void *ud)
{
    srv_worker_t *w = srv_worker_current();
    srv__ticker_t *t = w ? calloc(1, sizeof(*t)) : NULL;
    if (!t) return -1;
    *t = (srv__ticker_t){ .loop = &w->loop, .cb = cb, .ud = ud, .next = srv__tickers };
    srv_timer_init(&t->timer, srv__ticker_fire, t);
    if (srv_timer_start_at(t->loop, &t->timer, t->loop->now + delay_ns) != 0) {
        free(t);
        return -1;
    }
    srv__tickers = t;
    return 0;
}

static const plugin_ticker_t srv__plugin_ticker = { .every = srv__ticker_every };

void srv_plugin_ticker_register(void) { plugin_ticker_register(&srv__plugin_ticker); }

void srv_plugin_ticker_thread_exit(void)
{
    while (srv__tickers) {
        srv__ticker_t *t = srv__tickers;
        srv__tickers = t->next;
        srv_timer_stop(t->loop, &t->timer);
        t->cb(t->ud, true);
        free(t);
    }
}
