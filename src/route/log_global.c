/* The global `log [<name>] { ... }` options, and which loggers take an
 * entry (log.h). As Caddy: the logger named `default` (or written without
 * a name) is where the server's own lines go, and bare site `log`
 * directives' entries; any other named logger takes the entries whose
 * logger name its include/exclude lists accept (none given: all of them),
 * and the default logger leaves out what another logger includes. */
#include <string.h>
#include <time.h>

#include "config/dispense.h"
#include "route/log.h"
#include "route/site.h"

/* Caddy's rule (its CustomLog.loggerAllowed): a namespace matches a name
 * equal to it or under it (a dot after it); the longest match of the
 * include list must be longer than the longest of the exclude list. */
static size_t route__longest(const cfg_token_t *list, size_t n, ifr_str_t name)
{
    size_t best = 0;
    for (size_t i = 0; i < n; i++) {
        ifr_str_t ns = list[i].text;
        bool under = name.len > ns.len && ifr_str_starts_with(name, ns) && name.ptr[ns.len] == '.';
        if ((ifr_str_eq(name, ns) || under) && ns.len > best) best = ns.len;
    }
    return best;
}

bool route_log_accepts(const route_log_conf_t *c, ifr_str_t logger)
{
    if (!c->ninclude && !c->nexclude) return true;
    for (size_t i = 0; i < c->nexclude; i++)
        if (ifr_str_eq_cstr(c->exclude[i].text, "*")) return false;
    size_t accept = route__longest(c->include, c->ninclude, logger);
    if (c->ninclude && accept == 0) return false;
    size_t reject = route__longest(c->exclude, c->nexclude, logger);
    return c->ninclude ? accept > reject : reject == 0;
}

int route_log_global_build(route_plan_t *p, const char *base_dir, cfg_error_t *err)
{
    route_log_conf_t **tail = &p->loggers;
    for (size_t i = 0; i < p->options.nlogs; i++) {
        const cfg_directive_t *d = p->options.logs[i];
        if (cfg_expect_args(d, 0, 1, err)) return -1;
        route_log_conf_t *c = ifr_arena_calloc(&p->arena, 1, sizeof(*c));
        if (!c) return cfg_errorf(err, NULL, "out of memory");
        c->name = d->nargs ? d->args[0].text : IFR_LIT("default");
        c->level = ROUTE_LOG_INFO;
        for (route_log_conf_t *o = p->loggers; o; o = o->next)
            if (ifr_str_eq(o->name, c->name))
                return cfg_errorf(err, d->nargs ? &d->args[0] : &d->name, "log: the logger '%.*s' is defined twice",
                                  (int)c->name.len, c->name.ptr);
        if (route_log_conf_parse(&p->arena, d, ROUTE_LOG_IN_GLOBAL, base_dir, c, err)) return -1;
        if (ifr_str_eq_cstr(c->name, "default")) {
            if (c->ninclude)
                return cfg_errorf(err, &c->include[0],
                                  "log: the default logger takes every logger's entries; include is for other loggers");
            p->default_log = c;
        }
        *tail = c;
        tail = &c->next;
    }
    return 0;
}

/* Whether another global logger's include list names logger: the default
 * logger leaves those entries to it. */
static bool route__taken_elsewhere(const route_plan_t *p, ifr_str_t logger)
{
    for (const route_log_conf_t *c = p->loggers; c; c = c->next)
        if (c != p->default_log && c->ninclude && route__longest(c->include, c->ninclude, logger)) return true;
    return false;
}

void route_log_dispatch(const route_plan_t *p, const route_log_conf_t *fallback, ifr_arena_t *a,
                        const route_log_entry_t *e)
{
    const route_log_conf_t *def = fallback && p->default_log ? p->default_log : fallback;
    if (def && route_log_accepts(def, e->logger) && !route__taken_elsewhere(p, e->logger)) route_log_emit(def, a, e);
    for (const route_log_conf_t *c = p->loggers; c; c = c->next)
        if (c != p->default_log && route_log_accepts(c, e->logger)) route_log_emit(c, a, e);
}

bool route_plan_has_loggers(const route_plan_t *p) { return p->loggers != NULL; }

void route_plan_log_line(const route_plan_t *p, int level, ifr_str_t logger, ifr_str_t msg)
{
    /* Without a default logger of the file's, the server's lines keep
     * going to stderr as JSON (Caddy's default logger). */
    static const route_log_conf_t stderr_json = { .out = ROUTE_LOG_OUT_STDERR, .level = ROUTE_LOG_DEBUG };
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    route_log_entry_t e = {
        .level = level, .ts_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec, .logger = logger, .msg = msg,
        .fields = { .kind = ROUTE_LF_OBJ },
    };
    ifr_arena_t a;
    ifr_arena_init(&a, 1024);
    route_log_dispatch(p, &stderr_json, &a, &e);
    ifr_arena_destroy(&a);
}

int route_plan_log_min_level(const route_plan_t *p)
{
    int min = ROUTE_LOG_FATAL;
    for (const route_log_conf_t *c = p->loggers; c; c = c->next)
        if (c->level < min) min = c->level;
    /* A default logger not written keeps Caddy's INFO. */
    if (!p->default_log && min > ROUTE_LOG_INFO) min = ROUTE_LOG_INFO;
    return min;
}
