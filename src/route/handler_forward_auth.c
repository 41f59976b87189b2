/* `forward_auth [<matcher>] [<upstreams...>] { uri <to>; copy_headers <fields...> }`:
 * Caddy's shortcut for asking an auth service before the routes go on.
 * It is reverse_proxy (every reverse_proxy option is taken too) with a
 * request of its own: GET to `uri`, the client's fields plus
 * X-Forwarded-Method and X-Forwarded-Uri, no body. A 2xx answer copies
 * the copy_headers fields (`From>To` renames) from it into the request
 * and lets the routes after forward_auth run; any other answer goes to
 * the client as it came (a 401 with its WWW-Authenticate, a redirect to
 * a login page). The request side lives in handler_reverse_proxy.c. */
#include <string.h>

#include "config/dispense.h"
#include "route/directive.h"
#include "route/proxy_conf.h"

/* One copy_headers entry: "Name" or "From>To". */
static int route__auth_copy_add(route_parse_t *p, route_proxy_auth_conf_t *a, const cfg_token_t *t, size_t *cap)
{
    ifr_str_t s = t->text, from = s, to = s;
    const char *gt = memchr(s.ptr, '>', s.len);
    if (gt) {
        from = ifr_str(s.ptr, (size_t)(gt - s.ptr));
        to = ifr_str(gt + 1, s.len - from.len - 1);
    }
    if (from.len == 0 || to.len == 0)
        return cfg_errorf(p->err, t, "copy_headers: expected a field name or From>To, got '%s'", s.ptr);
    if (a->ncopy == *cap) {
        size_t n = *cap ? *cap * 2 : 8;
        ifr_str_t *f = ifr_arena_alloc(p->arena, n * sizeof(*f)), *o = ifr_arena_alloc(p->arena, n * sizeof(*o));
        if (!f || !o) return cfg_errorf(p->err, NULL, "out of memory");
        if (a->ncopy) {
            memcpy(f, a->copy_from, a->ncopy * sizeof(*f));
            memcpy(o, a->copy_to, a->ncopy * sizeof(*o));
        }
        a->copy_from = f;
        a->copy_to = o;
        *cap = n;
    }
    a->copy_from[a->ncopy] = from;
    a->copy_to[a->ncopy++] = to;
    return 0;
}

static int route__auth_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    route_proxy_auth_conf_t *a = ifr_arena_calloc(p->arena, 1, sizeof(*a));
    cfg_directive_t rd = *d;   /* what reverse_proxy parses: the block minus our two options */
    cfg_block_t *blk = NULL;
    if (!a) return cfg_errorf(p->err, NULL, "out of memory");
    if (d->block) {
        blk = ifr_arena_calloc(p->arena, 1, sizeof(*blk));
        if (!blk || (d->block->count && !(blk->items = ifr_arena_alloc(p->arena, d->block->count * sizeof(*blk->items)))))
            return cfg_errorf(p->err, NULL, "out of memory");
        blk->open = d->block->open;
        blk->close = d->block->close;
        rd.block = blk;
    }
    size_t cap = 0;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (cfg_is_word(&s->name, "uri")) {
            if (cfg_expect_args(s, 1, 1, p->err) || cfg_expect_no_block(s, p->err)) return -1;
            if (!(a->uri = route_tmpl_compile(p->arena, s->args[0].text))) return cfg_errorf(p->err, NULL, "out of memory");
        } else if (cfg_is_word(&s->name, "copy_headers")) {
            if (s->nargs == 0 && !s->block)
                return cfg_errorf(p->err, &s->name, "copy_headers: expected field names (or a block of them)");
            for (size_t k = 0; k < s->nargs; k++)
                if (route__auth_copy_add(p, a, &s->args[k], &cap) != 0) return -1;
            for (size_t k = 0; s->block && k < s->block->count; k++) {
                const cfg_directive_t *line = &s->block->items[k];
                if (route__auth_copy_add(p, a, &line->name, &cap) != 0) return -1;
                for (size_t m = 0; m < line->nargs; m++)
                    if (route__auth_copy_add(p, a, &line->args[m], &cap) != 0) return -1;
            }
        } else {
            blk->items[blk->count++] = *s;
        }
    }
    if (!a->uri) return cfg_errorf(p->err, &d->name, "forward_auth: the 'uri' subdirective is required");
    route_proxy_conf_t *c;
    if (route_proxy_conf_parse(p, &rd, &c) != 0) return -1;
    c->auth = a;
    *conf = c;
    return 0;
}

const route_directive_t route_directive_forward_auth = {
    .name = "forward_auth", .flags = ROUTE_DIR_MATCHER, .parse = route__auth_parse, .handle = route_proxy_handle,
};
