/* The server process: loads the plan, opens listeners, runs the workers,
 * and handles the signals (SIGHUP reload, SIGTERM/SIGINT graceful stop).
 * Everything it knows about the configuration comes through route/plan.h. */
#ifndef IFRIT_SERVER_SRV_SERVER_H
#define IFRIT_SERVER_SRV_SERVER_H

#include <stddef.h>

#include "config/error.h"

typedef struct srv_server srv_server_t;

typedef struct {
    const char *config_path;   /* the Caddyfile */
    const char *pidfile;       /* written at start, removed at exit */
} srv_run_options_t;

/* Serves until SIGTERM/SIGINT. Returns the process exit status: 0 after a
 * graceful stop, 1 when the config or a listener fails at start. A stop
 * that cannot wait (a worker still busy after grace_period and the forced
 * close, or a reload still loading) ends the process itself, with _exit:
 * 1 for the worker, 0 for the load. */
int srv_server_run(const srv_run_options_t *o);

/* Called by a worker thread as it exits. */
void srv_server_worker_exited(srv_server_t *s);

/* "FILE:LINE:COL: MESSAGE" (or "FILE: MESSAGE" without a place). */
void srv_format_config_error(const cfg_error_t *err, char *out, size_t out_len);

/* The pid file used when none is given: $XDG_RUNTIME_DIR/ifrit.pid, else
 * /tmp/ifrit-UID.pid. */
const char *srv_default_pidfile(char *buf, size_t len);

/* The outcome of each reload, for `ifrit reload` to report: the server
 * writes "SEQ ok" or "SEQ refused MESSAGE" to PIDFILE.reload (replaced
 * atomically; SEQ counts reloads from 1 and the file is removed at start).
 * read returns 1 for ok, 0 for refused (msg gets the reason), 2 while
 * reload SEQ is still loading, -1 when there is nothing yet; *seq gets its
 * number. */
void srv_reload_status_write(const char *pidfile, unsigned seq, const char *refused);
/* "SEQ started": reload SEQ is loading (read returns 2 for it). */
void srv_reload_status_started(const char *pidfile, unsigned seq);
int srv_reload_status_read(const char *pidfile, unsigned *seq, char *msg, size_t len);
void srv_reload_status_clear(const char *pidfile);

#endif
