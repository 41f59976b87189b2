/* The directive table, in Caddy's standard directive order: a directive's
 * row number is its sort key when a site's directives are ordered (see
 * https://caddyserver.com/docs/caddyfile/directives#directive-order).
 *
 * Adding a directive: one file defining route_directive_<name>, one row
 * here, at its place in Caddy's order. Not yet here, with its place:
 * abort (before error). ifrit's own:
 * wasm_plugin first (plugins see every request), wasm (functions, also
 * spelled reactor and gojinn) beside reverse_proxy. Those three live above
 * route (src/plugin, src/fn): their rows are ROUTE__ABOVE, empty until the host
 * registers them (route_directive_register). */
#include "route/directive.h"

#include <string.h>

#define ROUTE__DIRECTIVE_TABLE(ROUTE__X, ROUTE__ABOVE) \
    ROUTE__ABOVE(wasm_plugin) /* first: plugins see every request and the final response */ \
    ROUTE__X(map)                       \
    ROUTE__X(vars)                      \
    ROUTE__X(root)                      \
    ROUTE__X(log_append)                \
    ROUTE__X(skip_log) /* alias log_skip */ \
    ROUTE__X(log_name)                  \
    ROUTE__X(header)                    \
    ROUTE__X(copy_response_headers) /* in reverse_proxy's handle_response */ \
    ROUTE__X(request_body)              \
    ROUTE__X(redir)                     \
    ROUTE__X(method)                    \
    ROUTE__X(rewrite)                   \
    ROUTE__X(uri)                       \
    ROUTE__X(try_files)                 \
    ROUTE__X(basic_auth)                \
    ROUTE__X(forward_auth)              \
    ROUTE__X(request_header)            \
    ROUTE__X(encode)                    \
    ROUTE__X(intercept) /* Caddy 2.8 */ \
    ROUTE__X(invoke)                    \
    ROUTE__X(handle)                    \
    ROUTE__X(handle_path)               \
    ROUTE__X(route)                     \
    ROUTE__X(error)                     \
    ROUTE__X(copy_response) /* in reverse_proxy's handle_response */ \
    ROUTE__X(respond)                   \
    ROUTE__X(reverse_proxy)             \
    ROUTE__X(php_fastcgi)               \
    ROUTE__ABOVE(wasm) /* alias reactor */ \
    ROUTE__ABOVE(gojinn)                \
    ROUTE__X(file_server)               \
    /* site-level: no place in the order */ \
    ROUTE__X(log)                       \
    ROUTE__X(handle_errors)             \
    ROUTE__X(tls)                       \
    ROUTE__X(bind)

#define ROUTE__X(n) extern const route_directive_t route_directive_##n;
#define ROUTE__ABOVE(n)
ROUTE__DIRECTIVE_TABLE(ROUTE__X, ROUTE__ABOVE)
#undef ROUTE__X
#undef ROUTE__ABOVE

/* Written only by route_directive_register, at start-up before any plan
 * is loaded; read-only once workers run. */
static const route_directive_t *route__directive_table[] = {
#define ROUTE__X(n) &route_directive_##n,
#define ROUTE__ABOVE(n) NULL,
    ROUTE__DIRECTIVE_TABLE(ROUTE__X, ROUTE__ABOVE)
#undef ROUTE__X
#undef ROUTE__ABOVE
};
#define ROUTE__NDIRECTIVES (sizeof(route__directive_table) / sizeof(route__directive_table[0]))

static const char *const route__directive_names_table[] = {
#define ROUTE__X(n) #n,
    ROUTE__DIRECTIVE_TABLE(ROUTE__X, ROUTE__X)
#undef ROUTE__X
};

/* Written only at start-up, like the table. */
static route_options_hook_t route__options_hook;

void route_options_hook_register(route_options_hook_t hook) { route__options_hook = hook; }

void route_options_hook_run(const cfg_options_t *options)
{
    if (route__options_hook) route__options_hook(options);
}

int route_directive_register(const route_directive_t *d)
{
    for (size_t i = 0; i < ROUTE__NDIRECTIVES; i++) {
        if (strcmp(route__directive_names_table[i], d->name) != 0) continue;
        if (route__directive_table[i] && route__directive_table[i] != d) return -1;
        route__directive_table[i] = d;
        return 0;
    }
    return -1;
}

const route_directive_t *route_directive_find(ifr_str_t name, size_t *pos)
{
    for (size_t i = 0; i < ROUTE__NDIRECTIVES; i++) {
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
    for (size_t i = 0; i < ROUTE__NDIRECTIVES; i++)
        if (!route__directive_table[i] && ifr_str_eq_cstr(name, route__directive_names_table[i])) return true;
    return false;
}

size_t route_directive_names(const char *const **out)
{
    *out = route__directive_names_table;
    return ROUTE__NDIRECTIVES;
}
