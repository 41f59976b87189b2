/* The router's per-exchange state (x->route_state): where in the route
 * lists the exchange is, the variables handlers share (root, regexp
 * captures, the authenticated user), the output filters, and a cache of the
 * decoded and cleaned request path. Allocated from x->arena at dispatch. */
#ifndef IFRIT_ROUTE_STATE_H
#define IFRIT_ROUTE_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "route/chain.h"
#include "route/exchange.h"
#include "route/filter.h"

typedef struct route_plan route_plan_t;

#define ROUTE_MAX_FRAMES 32   /* nesting of handle/route blocks at run time */
#define ROUTE_MAX_GROUPS 10   /* a regexp's capture groups kept: \0 .. \9 */

typedef struct {
    const route_list_t *list;
    size_t next;              /* index of the next entry to look at */
    unsigned done_groups;     /* ROUTE_DIR_GROUP_* already taken in this list */
} route_frame_t;

/* Captures of one regexp matcher, for {re.NAME.N} / {http.regexp.NAME.N}. */
typedef struct route_capture {
    ifr_str_t name;
    ifr_str_t groups[ROUTE_MAX_GROUPS];
    const char *const *group_names;   /* named groups by index (plan memory), or NULL */
    struct route_capture *next;
} route_capture_t;

typedef struct route_site route_site_t;
typedef struct route_file_found route_file_found_t;
typedef struct route_var route_var_t;
typedef struct route_map_active route_map_active_t;

/* log_name's loggers (handler_log_name.c): full names
 * ("http.log.access.NAME"), in plan memory. */
typedef struct {
    ifr_str_t *loggers;
    size_t count;
} route_log_names_t;
typedef struct route_log_append route_log_append_t;   /* a log_append directive */

/* The upstream answer a reverse_proxy handle_response block took, for
 * {http.reverse_proxy.*} in its routes (x->arena). */
typedef struct {
    int status;
    http_headers_t headers;
    struct route_proxy_kept *kept; /* the body too, for copy_response (proxy_keep.h); or NULL */
} route_proxy_answer_t;
typedef struct route_log_extra route_log_extra_t;     /* the log_appends that ran */

typedef struct {
    const route_plan_t *plan;
    const route_site_t *site;
    route_frame_t frames[ROUTE_MAX_FRAMES];
    int nframes;
    bool in_errors;               /* running handle_errors routes */
    bool skip_log;                /* skip_log matched: no access log line */
    const route_log_names_t *log_names; /* the last log_name that ran, or NULL */
    route_log_extra_t *log_extra; /* log_append fields, newest first */
    const route_proxy_answer_t *proxy_answer; /* set by handle_response, or NULL */
    ifr_str_t root;               /* set by `root`; empty = current directory */
    ifr_str_t auth_user;          /* set by basic_auth */
    ifr_str_t client_ip;          /* route_client_ip's answer once asked (client_ip.h) */
    route_capture_t *captures;    /* newest first */
    route_file_found_t *file_match; /* the file matcher's choice, for {file_match.*} */
    route_var_t *vars;            /* set by vars, newest first (vars.h) */
    route_map_active_t *maps;     /* maps that ran, newest first (vars.h) */
    int match_error;              /* a status a matcher failed the request with (route_match_fail) */
    /* Cache of the decoded, cleaned path for the raw path it came from. */
    ifr_str_t path_raw;
    ifr_str_t path_clean;
    /* Output: see filter.h. */
    const route_io_t *host_io;
    route_filter_t *filters;
    uint64_t bytes_sent;
} route_state_t;

/* The state of x, created on first use. NULL only if the arena is exhausted. */
route_state_t *route_state(route_exchange_t *x);

/* The request path percent-decoded and cleaned ("/a/../b//c" -> "/b/c",
 * trailing slash kept), as path matchers and file_server see it. Cached
 * until the path is rewritten. Empty on a malformed escape or NUL byte. */
ifr_str_t route_clean_path(route_exchange_t *x);

/* The log_append fields of x in the order they go into the entry
 * (handler_log_append.c): *it NULL starts; each call gives the next key
 * and its value (in x->arena), false at the end. */
size_t route_log_extra_count(const route_exchange_t *x);
bool route_log_extra_next(route_exchange_t *x, const route_log_extra_t **it, ifr_str_t *key, ifr_str_t *value);

/* Records regexp captures under name (newest wins on lookup). */
route_capture_t *route_capture_add(route_exchange_t *x, ifr_str_t name);

#endif
