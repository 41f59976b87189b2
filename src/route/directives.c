/* The directive table, in Caddy's standard directive order: a directive's
 * row number is its sort key when a site's directives are ordered (see
 * https://caddyserver.com/docs/caddyfile/directives#directive-order).
 *
 * Adding a directive: one file defining route_directive_<name>, one row
 * here, at its place in Caddy's order. Not yet here, with its place:
 * abort (before error). ifrit's own:
 * wasm_plugin first (plugins see every request), wasm (functions, also
 * spelled reactor and gojinn) beside reverse_proxy. Those three live above
 * route (src/plugin, src/fn): their rows are ABOVE, empty until the host
 * registers them (route_directive_register). */
#include "route/directive.h"

#include <string.h>

#define ROUTE_DIRECTIVE_TABLE(X, ABOVE) \
    ABOVE(wasm_plugin) /* first: plugins see every request and the final response */ \
    X(map)                       \
    X(vars)                      \
    X(root)                      \
    X(skip_log) /* alias log_skip */ \
    X(header)                    \
    X(request_body)              \
    X(redir)                     \
    X(method)                    \
    X(rewrite)                   \
    X(uri)                       \
    X(try_files)                 \
    X(basic_auth)                \
    X(forward_auth)              \
    X(request_header)            \
    X(encode)                    \
    X(invoke)                    \
    X(handle)                    \
    X(handle_path)               \
    X(route)                     \
    X(error)                     \
    X(respond)                   \
    X(reverse_proxy)             \
    X(php_fastcgi)               \
    ABOVE(wasm) /* alias reactor */ \
    ABOVE(gojinn)                \
    X(file_server)               \
    /* site-level: no place in the order */ \
    X(log)                       \
    X(handle_errors)             \
    X(tls)                       \
    X(bind)

#define X(n) extern const route_directive_t route_directive_##n;
#define ABOVE(n)
ROUTE_DIRECTIVE_TABLE(X, ABOVE)
#undef X
#undef ABOVE

/* Written only by route_directive_register, at start-up before any plan
 * is loaded; read-only once workers run. */
static const route_directive_t *route__directive_table[] = {
#define X(n) &route_directive_##n,
#define ABOVE(n) NULL,
    ROUTE_DIRECTIVE_TABLE(X, ABOVE)
#undef X
#undef ABOVE
};
#define ROUTE_NDIRECTIVES (sizeof(route__directive_table) / sizeof(route__directive_table[0]))

static const char *const route__directive_names_table[] = {
#define X(n) #n,
    ROUTE_DIRECTIVE_TABLE(X, X)
#undef X
};

int route_directive_register(const route_directive_t *d)
{
    for (size_t i = 0; i < ROUTE_NDIRECTIVES; i++) {
        if (strcmp(route__directive_names_table[i], d->name) != 0) continue;
        if (route__directive_table[i] && route__directive_table[i] != d) return -1;
        route__directive_table[i] = d;
        return 0;
    }
    return -1;
}

const route_directive_t *route_directive_find(ifr_str_t name, size_t *pos)
{
    for (size_t i = 0; i < ROUTE_NDIRECTIVES; i++) {
        const route_directive_t *d = route__directive_table[i];
        if (d && (ifr_str_eq_cstr(name, d->name) || (d->alias && ifr_str_eq_cstr(name, d->alias)))) {
            if (pos) *pos = i;
            return d;
        }
    }
    return NULL;
}

bool route_directive_unregistered(ifr_str_t name)
{
    for (size_t i = 0; i < ROUTE_NDIRECTIVES; i++)
        if (!route__directive_table[i] && ifr_str_eq_cstr(name, route__directive_names_table[i])) return true;
    return false;
}

size_t route_directive_names(const char *const **out)
{
    *out = route__directive_names_table;
    return ROUTE_NDIRECTIVES;
}
