/* The directive table, in Caddy's standard directive order: a directive's
 * row number is its sort key when a site's directives are ordered (see
 * https://caddyserver.com/docs/caddyfile/directives#directive-order).
 *
 * Adding a directive: one file defining route_directive_<name>, one row
 * here, at its place in Caddy's order. Not yet here, with their places:
 * forward_auth (after basic_auth), abort (before error). ifrit's own:
 * wasm_plugin first (plugins see every request), wasm (functions, also
 * spelled reactor and gojinn) beside reverse_proxy. */
#include "route/directive.h"

#define ROUTE_DIRECTIVE_TABLE(X) \
    X(wasm_plugin) /* first: plugins see every request and the final response */ \
    X(root)                      \
    X(header)                    \
    X(request_body)              \
    X(redir)                     \
    X(method)                    \
    X(rewrite)                   \
    X(uri)                       \
    X(try_files)                 \
    X(basic_auth)                \
    X(request_header)            \
    X(encode)                    \
    X(handle)                    \
    X(handle_path)               \
    X(route)                     \
    X(error)                     \
    X(respond)                   \
    X(reverse_proxy)             \
    X(wasm) /* alias reactor */  \
    X(gojinn)                    \
    X(file_server)               \
    /* site-level: no place in the order */ \
    X(log)                       \
    X(handle_errors)             \
    X(tls)

#define X(n) extern const route_directive_t route_directive_##n;
ROUTE_DIRECTIVE_TABLE(X)
#undef X

static const route_directive_t *const route_directive_table[] = {
#define X(n) &route_directive_##n,
    ROUTE_DIRECTIVE_TABLE(X)
#undef X
};
#define ROUTE_NDIRECTIVES (sizeof(route_directive_table) / sizeof(route_directive_table[0]))

const route_directive_t *route_directive_find(ifr_str_t name, size_t *pos)
{
    for (size_t i = 0; i < ROUTE_NDIRECTIVES; i++) {
        const route_directive_t *d = route_directive_table[i];
        if (ifr_str_eq_cstr(name, d->name) || (d->alias && ifr_str_eq_cstr(name, d->alias))) {
            if (pos) *pos = i;
            return d;
        }
    }
    return NULL;
}

static const char *const route_directive_names_table[] = {
#define X(n) #n,
    ROUTE_DIRECTIVE_TABLE(X)
#undef X
};

size_t route_directive_names(const char *const **out)
{
    *out = route_directive_names_table;
    return ROUTE_NDIRECTIVES;
}
