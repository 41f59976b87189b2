/* Loggers in Caddy's form (private to src/route): what a `log` block
 * says (the site directive, access_log.c, and the global option,
 * log_global.c), an entry as a tree of fields, the field filters of
 * `format filter`, and the encoders.
 *
 *   log [<name>] {
 *       output stdout|stderr|discard|file <path> {
 *           roll_disabled
 *           roll_size <size>          default 100MiB
 *           roll_uncompressed         rolled files are gzipped unless this
 *           roll_local_time           rolled files' names in local time
 *           roll_keep <n>             default 10
 *           roll_keep_for <duration>  default 90d
 *       }
 *       format json|console
 *       format filter {
 *           wrap json|console
 *           fields {
 *               <field>[><field>...] delete|rename <name>|replace <text>|hash
 *                   |ip_mask [<ipv4 bits> [<ipv6 bits>]] { ipv4 <bits>; ipv6 <bits> }
 *                   |query { delete|hash <param>; replace <param> <value> }
 *                   |cookie { delete|hash <name>; replace <name> <value> }
 *                   |regexp <pattern> <replacement>
 *           }
 *           <field> <filter> ...      (Caddy 2.8: fields outside a fields block)
 *       }
 *       level <level>
 *       sampling {                per level and message: in each interval
 *           interval <duration>   (default 1s) the first <first> entries
 *           first <n>             (default 100), then every
 *           thereafter <n>        <thereafter>-th (default 100)
 *       }
 *       include|exclude <logger names...>   (global option only)
 *       hostnames <names...>      (site only: log only these hosts)
 *       no_hostname               (site only: the entries go only where
 *                                  the global options send their logger name)
 *   }
 */
#ifndef IFRIT_ROUTE_LOG_H
#define IFRIT_ROUTE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/str.h"
#include "config/caddyfile.h"
#include "config/error.h"
#include "route/log_output.h"
#include "route/regexp.h"

/* Caddy's (zap's) levels, lowest first. */
enum { ROUTE_LOG_DEBUG, ROUTE_LOG_INFO, ROUTE_LOG_WARN, ROUTE_LOG_ERROR, ROUTE_LOG_DPANIC, ROUTE_LOG_PANIC,
       ROUTE_LOG_FATAL, ROUTE_LOG_NLEVELS };
extern const char *const route_log_level_names[ROUTE_LOG_NLEVELS];   /* "DEBUG", ... */

/* One field of an entry: a string, a JSON literal (number, bool), an
 * array of strings (header values) or an object. */
typedef enum { ROUTE_LF_STR, ROUTE_LF_RAW, ROUTE_LF_STRS, ROUTE_LF_OBJ } route_lf_kind_t;
typedef struct route_lf {
    ifr_str_t key;
    route_lf_kind_t kind;
    bool skip;                   /* deleted by a filter */
    ifr_str_t str;               /* STR, RAW */
    ifr_str_t *strs;             /* STRS */
    struct route_lf *kids;       /* OBJ */
    uint32_t n;                  /* strs or kids */
} route_lf_t;

typedef struct {
    int level;                   /* ROUTE_LOG_* */
    int64_t ts_ns;               /* wall clock */
    ifr_str_t logger, msg;
    route_lf_t fields;           /* an OBJ with no key */
} route_log_entry_t;

/* A logger's `sampling` state (log_sample.c), shared by the workers. */
typedef struct route_log_sampler route_log_sampler_t;

/* A field filter of `format filter` (log_filter.c). */
typedef struct route_log_filter route_log_filter_t;

typedef enum { ROUTE_LOG_FMT_JSON, ROUTE_LOG_FMT_CONSOLE } route_log_format_t;

typedef enum { ROUTE_LOG_OUT_STDERR, ROUTE_LOG_OUT_STDOUT, ROUTE_LOG_OUT_DISCARD, ROUTE_LOG_OUT_FILE } route_log_out_t;

/* One parsed `log` block. */
typedef struct route_log_conf {
    ifr_str_t name;              /* the logger's name (site: log0, log1, ... unless given) */
    route_log_out_t out;
    route_log_sink_t *sink;      /* OUT_FILE: owned by the plan (released with it) */
    route_log_format_t format;   /* the encoder, or what `format filter` wraps */
    const route_log_filter_t *filters;   /* in the order written; NULL: none */
    int level;
    route_log_sampler_t *sampler;   /* `sampling`: plan memory; NULL: every entry */
    const cfg_token_t *include, *exclude;   /* logger names (global option) */
    size_t ninclude, nexclude;
    ifr_str_t *hostnames;        /* site: only requests for these hosts; NULL: the site's */
    size_t nhostnames;
    bool no_hostname;
    bool own;                    /* site: the block sets output, format or level (else the
                                    entries go to the default logger, as Caddy's bare `log`) */
    struct route_log_conf *next;
} route_log_conf_t;

typedef struct route_plan route_plan_t;

/* What a block may hold: the site directive's options or the global ones. */
typedef enum { ROUTE_LOG_IN_SITE, ROUTE_LOG_IN_GLOBAL } route_log_where_t;

/* Parses the block of d (the `log` directive or global option) into c,
 * which the caller set to its defaults (stderr, json, INFO). a is the
 * plan's arena: a file output is released with it. Relative file paths
 * are taken against base_dir. 0, or -1 with err filled. */
int route_log_conf_parse(ifr_arena_t *a, const cfg_directive_t *d, route_log_where_t where,
                         const char *base_dir, route_log_conf_t *c, cfg_error_t *err);

/* The sampler of `sampling` (log_sample.c), in a's memory; NULL when out
 * of memory. first and thereafter are at least 1. */
route_log_sampler_t *route_log_sampler_new(ifr_arena_t *a, int64_t interval_ns, uint64_t first, uint64_t thereafter);
/* Whether an entry of this level and message is written (counts it). A
 * NULL sampler keeps every entry. */
bool route_log_sample_keep(route_log_sampler_t *s, int level, ifr_str_t msg);

/* Parses one field line of `format filter` (log_filter.c). */
int route_log_filter_parse(ifr_arena_t *a, const cfg_directive_t *f, const route_log_filter_t **list, cfg_error_t *err);
/* Applies the filters to e's fields (in a's memory). */
void route_log_filters_apply(ifr_arena_t *a, const route_log_filter_t *list, route_log_entry_t *e);

/* The first 4 bytes of the SHA-256 of s in hex (Caddy's `hash` filter),
 * into out[9] (log_hash.c). */
void route_log_hash(ifr_str_t s, char out[9]);

/* Whether a logger named name takes entries of the logger `logger`, by
 * Caddy's include/exclude rule: the longest matching namespace of either
 * list decides; none given, every logger (log_global.c). */
bool route_log_accepts(const route_log_conf_t *c, ifr_str_t logger);

/* Encodes e (after c's filters) as c's format, one line with its newline,
 * and writes it to c's output (log_write.c). a holds the scratch. */
void route_log_emit(const route_log_conf_t *c, ifr_arena_t *a, const route_log_entry_t *e);

/* The line of one entry in a format, appended to b (log_write.c). */
int route_log_encode(route_log_format_t f, const route_log_entry_t *e, ifr_buf_t *b);

/* Sends e to the loggers of p that take its logger name: every global
 * logger but the default one that accepts it, and, when fallback is not
 * NULL, the default logger (the global one, else fallback) unless another
 * logger includes the name (log_global.c). */
void route_log_dispatch(const route_plan_t *p, const route_log_conf_t *fallback, ifr_arena_t *a,
                        const route_log_entry_t *e);

/* The global `log` options of plan (log_global.c): parsed at plan build
 * into the plan's list; the default logger is the one named "default"
 * (or without a name). */
int route_log_global_build(route_plan_t *plan, const char *base_dir, cfg_error_t *err);

#endif
