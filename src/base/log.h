/* Server log: one line per event on stderr (or a sink the server installs),
 * as JSON: {"ts":..,"level":"warn","logger":"fn","msg":"..."}.
 * Safe to call from any worker thread: each line is written with one write. */
#ifndef IFRIT_BASE_LOG_H
#define IFRIT_BASE_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/str.h"

typedef enum { IFR_LOG_DEBUG, IFR_LOG_INFO, IFR_LOG_WARN, IFR_LOG_ERROR } ifr_log_level_t;

/* Receives each finished line (no trailing newline). */
typedef void (*ifr_log_sink_cb)(ifr_log_level_t level, const char *line, size_t len, void *ud);

void ifr_log_set_level(ifr_log_level_t min);
ifr_log_level_t ifr_log_get_level(void);
/* NULL restores the default sink (stderr). */
void ifr_log_set_sink(ifr_log_sink_cb sink, void *ud);

/* Receives each entry in its parts first (the server's global `log`
 * options encode and route them: src/server/srv_log_default.c); true: it
 * took the entry, false: the line sink (or stderr) gets it as usual. NULL
 * turns it off. Set it before the workers start; the callback is called
 * from any thread. */
typedef bool (*ifr_log_entry_cb)(ifr_log_level_t level, const char *logger, ifr_str_t msg, void *ud);
void ifr_log_set_entry_sink(ifr_log_entry_cb sink, void *ud);

/* logger names the module ("http", "config", "fn:hello.wasm"). */
void ifr_log(ifr_log_level_t level, const char *logger, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A message as it is, any bytes (a NUL shows as \u0000, not as its end);
 * cut at IFR_LOG_MSG_MAX bytes. */
void ifr_log_msg(ifr_log_level_t level, const char *logger, ifr_str_t msg);

#define IFR_LOG_MSG_MAX 2047

#define ifr_log_debug(logger, ...) ifr_log(IFR_LOG_DEBUG, logger, __VA_ARGS__)
#define ifr_log_info(logger, ...) ifr_log(IFR_LOG_INFO, logger, __VA_ARGS__)
#define ifr_log_warn(logger, ...) ifr_log(IFR_LOG_WARN, logger, __VA_ARGS__)
#define ifr_log_error(logger, ...) ifr_log(IFR_LOG_ERROR, logger, __VA_ARGS__)

#endif
