/* `handle_errors [<status_codes...>] { ... }`: routes run when a handler
 * fails (error, basic_auth, file_server's 404, ...). Codes are exact
 * ("404") or classes ("4xx"); without codes the block takes every error.
 * Several blocks: the first that takes the status runs. */
#include <stdlib.h>

#include "config/dispense.h"
#include "route/directive.h"
#include "route/block.h"
#include "route/site.h"

static int route__handle_errors_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    route_site_t *s = p->site;
    route_errors_t *n = ifr_arena_calloc(p->arena, s->nerrors + 1, sizeof(*n));
    if (!n) return cfg_errorf(p->err, NULL, "out of memory");
    if (s->nerrors) memcpy(n, s->errors, s->nerrors * sizeof(*n));
    route_errors_t *eb = &n[s->nerrors];
    if (d->nargs && !(eb->codes = ifr_arena_calloc(p->arena, d->nargs, sizeof(int))))
        return cfg_errorf(p->err, NULL, "out of memory");
    for (size_t i = 0; i < d->nargs; i++) {
        ifr_str_t a = d->args[i].text;
        int code = 0;
        if (a.len == 3 && a.ptr[0] >= '1' && a.ptr[0] <= '5' && ifr_ascii_lower(a.ptr[1]) == 'x' &&
            ifr_ascii_lower(a.ptr[2]) == 'x') {
            code = a.ptr[0] - '0';
        } else if (a.len == 3 && a.ptr[0] >= '1' && a.ptr[0] <= '5' && a.ptr[1] >= '0' &&
                   a.ptr[1] <= '9' && a.ptr[2] >= '0' && a.ptr[2] <= '9') {
            code = atoi(a.ptr);
        } else {
            return cfg_errorf(p->err, &d->args[i],
                              "handle_errors: expected a status code like 404 or a class like 4xx, got '%.*s'",
                              (int)a.len, a.ptr);
        }
        eb->codes[eb->ncodes++] = code;
    }
    cfg_directive_t blk = *d;
    blk.nargs = 0;
    void *inner;
    if (route_parse_block(p, &blk, false, &inner) != 0) return -1;
    eb->routes = ((route_block_conf_t *)inner)->routes;
    s->errors = n;
    s->nerrors++;
    *conf = NULL;
    return 0;
}

const route_directive_t route_directive_handle_errors = {
    .name = "handle_errors", .flags = ROUTE_DIR_SITE, .parse = route__handle_errors_parse,
};
