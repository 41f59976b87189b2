/* Log file outputs (`output file PATH { roll_* }` of the `log` directive
 * and the global `log` option). Writing a file, rolling it and
 * compressing old ones needs a thread of its own so a worker never waits
 * on the disk: the native host registers the writer at start-up
 * (src/server/srv_log_file.c). A host without one (the edge, unit tests)
 * gets route's plain writer: the file opened for appending and each line
 * written at once, no rolling (an output asking for rolling is then a
 * config error).
 *
 * Registration happens once before any plan is loaded. */
#ifndef IFRIT_ROUTE_LOG_OUTPUT_H
#define IFRIT_ROUTE_LOG_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/str.h"

/* Caddy's defaults (its file writer, lumberjack underneath). */
#define ROUTE_LOG_ROLL_SIZE_DEFAULT (100ull << 20)            /* roll_size 100MiB */
#define ROUTE_LOG_ROLL_KEEP_DEFAULT 10                        /* roll_keep 10 */
#define ROUTE_LOG_ROLL_KEEP_FOR_DEFAULT (90LL * 86400 * 1000000000LL) /* roll_keep_for 90d */

typedef struct {
    const char *path;          /* as written, made absolute against the Caddyfile's directory */
    bool roll;                 /* false: roll_disabled */
    uint64_t roll_size;        /* bytes a file may reach before it rolls */
    int roll_keep;             /* rolled files kept (0: no limit by count) */
    int64_t roll_keep_for_ns;  /* rolled files older than this are removed (0: no limit by age) */
    bool roll_gzip;            /* compress rolled files (false: roll_uncompressed) */
    bool roll_local_time;      /* rolled files' names in local time, not UTC */
} route_log_file_t;

typedef struct route_log_sink route_log_sink_t;   /* the host's */

typedef struct {
    /* Opens f (two outputs with the same path share one sink, so a reload
     * keeps writing and rolling one file). NULL with a sentence in why. */
    route_log_sink_t *(*open)(const route_log_file_t *f, char *why, size_t whycap);
    /* Queues one whole line (with its newline); never waits on the disk. */
    void (*write)(route_log_sink_t *s, const char *line, size_t len);
    /* Drops one open's reference; the last one flushes and closes. */
    void (*release)(route_log_sink_t *s);
} route_log_files_t;

void route_log_files_register(const route_log_files_t *ops);

/* What the plan uses: the host's writer, or the plain one. */
route_log_sink_t *route_log_file_open(const route_log_file_t *f, char *why, size_t whycap);
void route_log_file_write(route_log_sink_t *s, const char *line, size_t len);
void route_log_file_release(route_log_sink_t *s);

/* The global `log` options of a plan, for the host's own log lines
 * (log_global.c): whether the Caddyfile has any (without, the host keeps
 * its own stderr lines), and one line through them (level as
 * ifr_log_level_t: debug, info, warn, error), encoded by each logger that
 * takes the logger name. Safe from any thread while the host holds p. */
typedef struct route_plan route_plan_t;
bool route_plan_has_loggers(const route_plan_t *p);
void route_plan_log_line(const route_plan_t *p, int level, ifr_str_t logger, ifr_str_t msg);
/* The lowest level any of them takes (ROUTE: 0 debug .. 3 error). */
int route_plan_log_min_level(const route_plan_t *p);

#endif
