/* The loop that walks a site's route lists, handle_errors, and the
 * response when nothing answered. */
#include "route/chain.h"

#include "http/message.h"
#include "route/matcher.h"
#include "route/response.h"
#include "route/site.h"
#include "route/state.h"

int route_chain_enter(route_exchange_t *x, const route_list_t *list)
{
    route_state_t *st = route_state(x);
    if (!st || st->nframes >= ROUTE_MAX_FRAMES) return -1;
    st->frames[st->nframes++] = (route_frame_t){ list, 0, 0 };
    return 0;
}

route_result_t route_chain_run(route_exchange_t *x)
{
    route_state_t *st = route_state(x);
    if (!st) return route_fail(x, 500, "out of memory");
    while (st->nframes > 0) {
        route_frame_t *f = &st->frames[st->nframes - 1];
        if (f->next >= f->list->count) {
            st->nframes--;        /* a finished block falls through to its parent */
            continue;
        }
        const route_entry_t *e = &f->list->items[f->next++];
        if (e->group && (f->done_groups & e->group)) continue;
        if (!route_match(x, e->match)) {
            if (st->match_error) {   /* a matcher failed the request (route_match_fail) */
                /* Caddy's message is the status, as the candidate wrote it. */
                const char *msg = ifr_arena_printf(x->arena, "%d", st->match_error);
                route_result_t r = route_fail(x, st->match_error, msg ? msg : "matcher error");
                st->match_error = 0;
                return r;
            }
            continue;
        }
        f->done_groups |= e->group;
        route_result_t r = e->dir->handle(x, e->conf);
        if (r != ROUTE_NEXT) return r;
    }
    return ROUTE_NEXT;
}

/* Whether a handle_errors block takes this status (no codes: all). */
static bool route__errors_take(const route_errors_t *eb, int status)
{
    if (eb->ncodes == 0) return true;
    for (size_t i = 0; i < eb->ncodes; i++) {
        int c = eb->codes[i];
        if (c == status || (c >= 1 && c <= 5 && status / 100 == c)) return true;
    }
    return false;
}

/* Runs the site's handle_errors routes for x->error_status. Returns
 * ROUTE_ERROR when none answered (the bare status is left to the caller). */
static route_result_t route__run_errors(route_exchange_t *x)
{
    route_state_t *st = route_state(x);
    if (!st || st->in_errors || x->head_sent || !st->site) return ROUTE_ERROR;
    const route_errors_t *eb = NULL;
    for (size_t i = 0; i < st->site->nerrors && !eb; i++)
        if (route__errors_take(&st->site->errors[i], x->error_status)) eb = &st->site->errors[i];
    if (!eb) return ROUTE_ERROR;
    st->in_errors = true;
    /* Caddy runs error routes on the unwrapped response writer: encoders and
     * deferred header edits of the failed routes no longer apply. */
    route_filter_clear(x);
    st->nframes = 0;
    if (route_chain_enter(x, &eb->routes) != 0) return ROUTE_ERROR;
    route_result_t r = route_chain_run(x);
    return r == ROUTE_NEXT ? ROUTE_ERROR : r;
}

/* The answer when the routes ran out: Caddy's empty 200. */
static route_result_t route__default_response(route_exchange_t *x)
{
    return route_send_simple(x, 200, IFR_LIT(""));
}

/* An error no error route answered: its status with an empty body, and
 * the headers handlers set on the way (WWW-Authenticate, Allow,
 * Content-Range), as Caddy writes it; never through the failed routes'
 * filters. ROUTE_ERROR stays only when the head is already out. */
static route_result_t route__bare_error(route_exchange_t *x)
{
    if (x->head_sent) return ROUTE_ERROR;
    route_filter_clear(x);
    http_headers_remove(&x->resp.headers, IFR_LIT("Content-Type"));
    return route_send_simple(x, x->error_status, IFR_LIT(""));
}

/* After the routes: handle_errors, then the default response. */
static route_result_t route__settle(route_exchange_t *x, route_result_t r)
{
    if (r == ROUTE_ERROR) {
        /* `error` may fail with any final status (Caddy's error handler
         * does); anything else out of range is a 500. */
        if (x->error_status < 200 || x->error_status > 999) x->error_status = 500;
        r = route__run_errors(x);
        if (r == ROUTE_ERROR) r = route__bare_error(x);
    }
    if (r == ROUTE_NEXT) r = route__default_response(x);
    return r;
}

route_result_t route_chain_start(route_exchange_t *x, const route_list_t *routes)
{
    if (route_chain_enter(x, routes) != 0) return route_fail(x, 500, "out of memory");
    return route__settle(x, route_chain_run(x));
}

route_result_t route_resume(route_exchange_t *x, route_result_t result)
{
    if (result == ROUTE_NEXT) result = route_chain_run(x);
    return route__settle(x, result);
}
