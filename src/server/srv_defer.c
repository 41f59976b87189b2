/* route_io_t.defer and .timer for native exchanges: a continuation on a
 * later loop turn (guests yield between fuel slices this way) and one
 * after a delay (a request waiting for a free sandbox). Both are embedded
 * in the exchange and cancelled when it ends, so a callback never sees a
 * finished exchange or its reset arena. */
#include "server/srv_exchange.h"
#include "server/srv_offload.h"

static void srv__defer_fire(srv_task_t *t)
{
    srv_exchange_t *ex = t->data;
    route_resume_cb cb = ex->defer_cb;
    ex->defer_cb = NULL;
    if (cb && ex->active) cb(&ex->x, ex->defer_ud);
}

int srv_exchange_defer(route_exchange_t *x, route_resume_cb cb, void *ud)
{
    srv_exchange_t *ex = (srv_exchange_t *)x;
    if (!ex->active) return -1;
    ex->defer_cb = cb;
    ex->defer_ud = ud;
    /* The exchange struct is re-made for every request, so the task is
     * (re)initialised here rather than once per connection. */
    if (!ex->defer_task.pprev) srv_task_init(&ex->defer_task, srv__defer_fire, ex);
    srv_loop_post(&ex->worker->loop, &ex->defer_task);
    return 0;
}

static void srv__delay_fire(srv_timer_t *t)
{
    srv_exchange_t *ex = t->data;
    route_resume_cb cb = ex->delay_cb;
    ex->delay_armed = false;
    ex->delay_cb = NULL;
    if (cb && ex->active) cb(&ex->x, ex->delay_ud);
}

int srv_exchange_timer(route_exchange_t *x, int64_t delay_ns, route_resume_cb cb, void *ud)
{
    srv_exchange_t *ex = (srv_exchange_t *)x;
    if (!ex->active) return -1;
    srv_loop_t *l = &ex->worker->loop;
    if (!ex->delay_armed) srv_timer_init(&ex->delay_timer, srv__delay_fire, ex);
    ex->delay_cb = cb;
    ex->delay_ud = ud;
    if (srv_timer_start_at(l, &ex->delay_timer, srv_clock_ns() + (delay_ns > 0 ? delay_ns : 0)) < 0) return -1;
    ex->delay_armed = true;
    return 0;
}

void srv_exchange_cancel_async(srv_exchange_t *ex)
{
    srv_loop_t *l = &ex->worker->loop;
    if (ex->defer_task.pprev) srv_loop_cancel(l, &ex->defer_task);
    ex->defer_cb = NULL;
    if (ex->delay_armed) srv_timer_stop(l, &ex->delay_timer);
    ex->delay_armed = false;
    ex->delay_cb = NULL;
    if (ex->offload_job) srv_offload_detach(ex->offload_job);
    ex->offload_job = NULL;
}
