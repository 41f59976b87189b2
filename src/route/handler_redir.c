/* `redir [<matcher>] <to> [<code>]`: redirects. code is temporary (302,
 * the default), permanent (301), html (a 200 page that redirects), or a
 * 3xx number. `to` may hold placeholders. */
#include <stdlib.h>

#include "config/dispense.h"
#include "http/message.h"
#include "route/directive.h"
#include "route/tmpl.h"
#include "route/response.h"

typedef struct {
    route_tmpl_t *to;
    int status;      /* 0 = html */
} route__redir_conf_t;

static int route__redir_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, 2, p->err) != 0 || cfg_expect_no_block(d, p->err) != 0) return -1;
    route__redir_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c || !(c->to = route_tmpl_compile(p->arena, d->args[0].text)))
        return cfg_errorf(p->err, NULL, "out of memory");
    c->status = 302;
    if (d->nargs == 2) {
        ifr_str_t code = d->args[1].text;
        if (ifr_str_eq_cstr(code, "temporary")) c->status = 302;
        else if (ifr_str_eq_cstr(code, "permanent")) c->status = 301;
        else if (ifr_str_eq_cstr(code, "html")) c->status = 0;
        else if (route_parse_status(&d->args[1], &c->status) != 0 || c->status < 300 || c->status > 399)
            return cfg_errorf(p->err, &d->args[1],
                              "redir: expected temporary, permanent, html or a 3xx status, got '%s'",
                              code.ptr);
    }
    *conf = c;
    return 0;
}

static route_result_t route__redir_handle(route_exchange_t *x, const void *conf)
{
    const route__redir_conf_t *c = conf;
    ifr_str_t to;
    if (route_tmpl_render(x, c->to, &to) != 0) return route_fail(x, 500, "out of memory");
    if (c->status == 0) {
        ifr_str_t e = route_html_escape(x->arena, to);
        char *page = ifr_arena_printf(x->arena,
            "<!DOCTYPE html>\n<html>\n\t<head>\n\t\t<title>Redirecting...</title>\n"
            "\t\t<script>window.location.replace(\"%.*s\");</script>\n"
            "\t\t<meta http-equiv=\"refresh\" content=\"0; URL='%.*s'\">\n\t</head>\n"
            "\t<body>Redirecting to <a href=\"%.*s\">%.*s</a>...</body>\n</html>\n",
            (int)e.len, e.ptr, (int)e.len, e.ptr, (int)e.len, e.ptr, (int)e.len, e.ptr);
        if (!page || route_header_default(x, IFR_LIT("Content-Type"), IFR_LIT("text/html; charset=utf-8")) != 0)
            return route_fail(x, 500, "out of memory");
        return route_send_simple(x, 200, ifr_cstr(page));
    }
    if (http_headers_set(&x->resp.headers, x->arena, IFR_LIT("Location"), to) != 0)
        return route_fail(x, 500, "out of memory");
    return route_send_simple(x, c->status, IFR_LIT(""));
}

const route_directive_t route_directive_redir = {
    .name = "redir", .flags = ROUTE_DIR_MATCHER, .min_args = 1, .parse = route__redir_parse,
    .handle = route__redir_handle,
};
