/* `handle_path <path_matcher> { ... }`: like handle, and strips the
 * matcher's prefix (the pattern without its trailing *) from the path
 * before the block runs: the pattern "/api/" + "*" turns
 * /api/users into /users. */
#include "config/dispense.h"
#include "route/directive.h"
#include "route/block.h"
#include "route/request.h"
#include "route/response.h"

typedef struct {
    route_block_conf_t block;
    ifr_str_t prefix;
} route__handle_path_conf_t;

static int route__handle_path_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    route__handle_path_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    ifr_str_t pat = p->matcher_token->text;   /* checked by ROUTE_DIR_NEEDS_PATH */
    if (pat.len && pat.ptr[pat.len - 1] == '*') pat.len--;
    c->prefix = pat;
    void *inner;
    if (route_parse_block(p, d, false, &inner) != 0) return -1;
    c->block = *(route_block_conf_t *)inner;
    *conf = c;
    return 0;
}

static route_result_t route__handle_path_handle(route_exchange_t *x, const void *conf)
{
    const route__handle_path_conf_t *c = conf;
    long n = route_raw_prefix_len(x->req->path, c->prefix);
    if (n > 0 && route_set_path(x, ifr_str_sub(x->req->path, (size_t)n, x->req->path.len)) != 0)
        return route_fail(x, 500, "out of memory");
    return route_enter_block(x, &c->block);
}

const route_directive_t route_directive_handle_path = {
    .name = "handle_path",
    .flags = ROUTE_DIR_MATCHER | ROUTE_DIR_GROUP_HANDLE | ROUTE_DIR_NEEDS_PATH,
    .parse = route__handle_path_parse, .handle = route__handle_path_handle,
};
