/* `respond [<matcher>] [<body>|<status>] [<status>] { body <text>; close }`:
 * a fixed response. The body may hold placeholders. With a body and no
 * Content-Type set: application/json when the body is a JSON object or
 * array, else text/plain; charset=utf-8 (as Caddy). */
#include "base/json_read.h"
#include "config/dispense.h"
#include "route/directive.h"
#include "route/tmpl.h"
#include "route/response.h"
#include "route/state.h"

typedef enum { ROUTE__BODY_TEXT, ROUTE__BODY_JSON, ROUTE__BODY_SNIFF } route__body_type_t;

typedef struct {
    int status;            /* 0: 200, or the error's status inside handle_errors (as Caddy) */
    route_tmpl_t *body;    /* NULL: empty */
    route__body_type_t type;/* known at load for a body without placeholders */
    bool close;
} route__respond_conf_t;

/* Caddy's rule: a JSON object or array is application/json. */
static bool route__is_json(ifr_arena_t *a, ifr_str_t body)
{
    size_t i = 0;
    while (i < body.len && (body.ptr[i] == ' ' || body.ptr[i] == '\t' || body.ptr[i] == '\n' || body.ptr[i] == '\r'))
        i++;
    if (i == body.len || (body.ptr[i] != '{' && body.ptr[i] != '[')) return false;
    ifr_json_error_t err;
    return ifr_json_parse(a, body.ptr, body.len, &err) != NULL;
}

static int route__respond_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 0, 2, p->err) != 0) return -1;
    route__respond_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    if (d->nargs == 1 && route_parse_status(&d->args[0], &c->status) == 0) {
        /* `respond 404`: a status alone */
    } else if (d->nargs >= 1) {
        if (!(c->body = route_tmpl_compile(p->arena, d->args[0].text)))
            return cfg_errorf(p->err, NULL, "out of memory");
        if (d->nargs == 2 && route_parse_status(&d->args[1], &c->status) != 0)
            return cfg_errorf(p->err, &d->args[1], "respond: expected a status code like 200, got '%s'",
                              d->args[1].text.ptr);
    }
    if (c->status >= 100 && c->status <= 199)   /* informational: never a final answer */
        return cfg_errorf(p->err, &d->args[d->nargs - 1], "respond: %d is an informational (1xx) status, "
                          "not a final response; use 200 or above", c->status);
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (ifr_str_eq_cstr(s->name.text, "body")) {
            if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
            if (!(c->body = route_tmpl_compile(p->arena, s->args[0].text)))
                return cfg_errorf(p->err, NULL, "out of memory");
        } else if (ifr_str_eq_cstr(s->name.text, "close")) {
            if (cfg_expect_args(s, 0, 0, p->err) != 0) return -1;
            c->close = true;
        } else {
            static const char *const known[] = { "body", "close" };
            return cfg_error_unknown(p->err, &s->name, "respond option", known, 2);
        }
    }
    c->type = ROUTE__BODY_SNIFF;
    if (c->body && route_tmpl_is_static(c->body)) {
        /* Parsed once here, into a scratch arena, rather than per request. */
        ifr_arena_t scratch;
        ifr_arena_init(&scratch, 0);
        ifr_str_t text;
        route_tmpl_render(NULL, c->body, &text);
        c->type = route__is_json(&scratch, text) ? ROUTE__BODY_JSON : ROUTE__BODY_TEXT;
        ifr_arena_destroy(&scratch);
    }
    *conf = c;
    return 0;
}

static route_result_t route__respond_handle(route_exchange_t *x, const void *conf)
{
    const route__respond_conf_t *c = conf;
    ifr_str_t body = IFR_LIT("");
    if (c->body && route_tmpl_render(x, c->body, &body) != 0) return route_fail(x, 500, "out of memory");
    bool json = c->type == ROUTE__BODY_JSON || (c->type == ROUTE__BODY_SNIFF && route__is_json(x->arena, body));
    if (body.len && route_header_default(x, IFR_LIT("Content-Type"),
                                         json ? IFR_LIT("application/json") : IFR_LIT("text/plain; charset=utf-8")) != 0)
        return route_fail(x, 500, "out of memory");
    if (c->close && http_headers_set(&x->resp.headers, x->arena, IFR_LIT("Connection"), IFR_LIT("close")) != 0)
        return route_fail(x, 500, "out of memory");
    int status = c->status;
    if (!status) status = route_state(x)->in_errors && x->error_status ? x->error_status : 200;
    return route_send_simple(x, status, body);
}

const route_directive_t route_directive_respond = {
    .name = "respond", .flags = ROUTE_DIR_MATCHER, .parse = route__respond_parse,
    .handle = route__respond_handle,
};
