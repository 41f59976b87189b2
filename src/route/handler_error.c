/* `error [<matcher>] <status>|<message> [<status>] { message <text> }`:
 * fails the request so handle_errors answers it ({http.error.*}). A message
 * alone means status 500. Any status from 200 to 999 goes, as in Caddy
 * (`error /old 302` answers a bare 302); a 1xx cannot end a request. */
#include "config/dispense.h"
#include "route/directive.h"
#include "route/tmpl.h"
#include "route/response.h"

typedef struct {
    int status;
    route_tmpl_t *message;
} route__error_conf_t;

static int route__error_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 0, 2, p->err) != 0) return -1;
    route__error_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    c->status = 500;
    const cfg_token_t *msg = NULL;
    if (d->nargs == 1 && route_parse_status(&d->args[0], &c->status) == 0) {
        /* a status alone */
    } else if (d->nargs >= 1) {
        msg = &d->args[0];
        if (d->nargs == 2 && route_parse_status(&d->args[1], &c->status) != 0)
            return cfg_errorf(p->err, &d->args[1], "error: expected a status code like 404, got '%s'",
                              d->args[1].text.ptr);
    }
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (!ifr_str_eq_cstr(s->name.text, "message")) {
            static const char *const known[] = { "message" };
            return cfg_error_unknown(p->err, &s->name, "error option", known, 1);
        }
        if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
        msg = &s->args[0];
    }
    if (c->status < 200)
        return cfg_errorf(p->err, &d->name, "error: the status must be from 200 to 999 (a 1xx cannot end a request), got %d",
                          c->status);
    if (msg && !(c->message = route_tmpl_compile(p->arena, msg->text)))
        return cfg_errorf(p->err, NULL, "out of memory");
    *conf = c;
    return 0;
}

static route_result_t route__error_handle(route_exchange_t *x, const void *conf)
{
    const route__error_conf_t *c = conf;
    ifr_str_t msg = IFR_LIT("");
    if (c->message && route_tmpl_render(x, c->message, &msg) != 0) msg = IFR_LIT("");
    char *m = ifr_arena_strndup(x->arena, msg.ptr ? msg.ptr : "", msg.len);
    return route_fail(x, c->status, m ? m : "");
}

const route_directive_t route_directive_error = {
    .name = "error", .flags = ROUTE_DIR_MATCHER, .parse = route__error_parse, .handle = route__error_handle,
};
