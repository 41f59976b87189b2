/* reverse_proxy's `transport fastcgi { ... }`, the route layer's half: the
 * options as Caddy names them, and the CGI/1.1 variables a request gives
 * the application (Caddy's fastcgi transport's set, values and all), as
 * FastCGI name-value pairs for the host's transport to send
 * (src/server/srv_fastcgi.c; the records are src/http/fastcgi.h).
 *
 *   transport fastcgi {
 *       root <path>                 default {http.vars.root}, then the working directory
 *       split <substrings...>       where SCRIPT_NAME ends and PATH_INFO begins (.php)
 *       env <key> <value>           more variables (placeholders in the value)
 *       resolve_root_symlink
 *       dial_timeout <d>            default 3s
 *       read_timeout <d>            each wait for the application's output; none by default
 *       write_timeout <d>           each wait to write to it; none by default
 *       capture_stderr              log what the application writes to stderr
 *       keepalive <d>|off           ifrit's own: keep connections (FCGI_KEEP_CONN) idle this
 *                                   long for the next request; off by default, as Caddy
 *                                   dials for every request
 *   }
 *
 * Why keepalive is off unless asked: php-fpm gives each connection one of
 * its workers for as long as it is open, idle or not. Pools are per
 * upstream per ifrit worker, so kept connections can hold every php-fpm
 * worker while another ifrit worker's new connection waits for one; turn
 * it on where pm.max_children is well above ifrit's workers times the
 * concurrent requests each keeps.
 *
 * Ownership: the conf lives in the plan's arena; the pairs go into the
 * caller's buffer. */
#ifndef IFRIT_ROUTE_FASTCGI_H
#define IFRIT_ROUTE_FASTCGI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "config/caddyfile.h"
#include "http/message.h"
#include "route/directive.h"
#include "route/exchange.h"
#include "route/tmpl.h"

typedef struct route_fastcgi_conf {
    route_tmpl_t *root;              /* NULL: {http.vars.root} */
    ifr_str_t *split;                /* lower case, ASCII */
    size_t nsplit;
    ifr_str_t *env_names;
    route_tmpl_t **env_values;
    size_t nenv;
    bool resolve_root_symlink;
    bool capture_stderr;
    int64_t read_timeout_ns;         /* 0: none */
    int64_t write_timeout_ns;        /* 0: none */
} route_fastcgi_conf_t;

/* Parses `transport fastcgi { ... }` (d is the transport line); its
 * dial_timeout and keepalive go to the transport's (default 3s and off).
 * 0, or -1 with p->err filled. */
int route_fastcgi_parse(route_parse_t *p, const cfg_directive_t *d, route_fastcgi_conf_t **out,
                        int64_t *dial_timeout_ns, int64_t *keepalive_ns);

/* Whether the request body goes to the application: not for HEAD and
 * OPTIONS (Caddy sends those without one), else when there is one. */
bool route_fastcgi_sends_body(const route_exchange_t *x);

/* Appends x's variables to b as name-value pairs (http_fcgi_pair): the
 * CGI/1.1 set, DOCUMENT_ROOT, SCRIPT_FILENAME, SCRIPT_NAME, PATH_INFO
 * (split, or the file matcher's remainder), REQUEST_URI (before any
 * rewrite), HTTPS and SSL_* over TLS, then the env options, then one
 * HTTP_* per field of headers (the fields going up, after header_up;
 * repeated fields joined with ", "), then the method's CONTENT_LENGTH and
 * CONTENT_TYPE as Caddy's client sets them. A name given twice is sent
 * once, with the later value. 0, or an HTTP status to fail with (400 for
 * a path with a NUL byte, as Caddy; 502 when the root cannot be resolved;
 * 500 out of memory) with *why set. */
int route_fastcgi_params(route_exchange_t *x, const route_fastcgi_conf_t *c, const http_headers_t *headers,
                         ifr_buf_t *b, const char **why);

#endif
