/* Default pid file location and config error text; see srv_server.h. */
#include "server/srv_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *srv_default_pidfile(char *buf, size_t len)
{
    const char *dir = getenv("XDG_RUNTIME_DIR");
    if (dir && *dir) snprintf(buf, len, "%s/ifrit.pid", dir);
    else snprintf(buf, len, "/tmp/ifrit-%u.pid", (unsigned)getuid());
    return buf;
}

void srv_format_config_error(const cfg_error_t *err, char *out, size_t out_len)
{
    const char *file = err->file[0] ? err->file : "<config>";
    if (err->line > 0) snprintf(out, out_len, "%s:%d:%d: %s", file, err->line, err->col, err->message);
    else snprintf(out, out_len, "%s: %s", file, err->message);
}

static void srv__reload_status_path(const char *pidfile, char *out, size_t len)
{
    snprintf(out, len, "%s.reload", pidfile);
}

static void srv__reload_status_put(const char *pidfile, unsigned seq, const char *state, const char *refused)
{
    char path[4096], tmp[4110];
    srv__reload_status_path(pidfile, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return;
    if (refused) fprintf(f, "%u %s %s\n", seq, state, refused);
    else fprintf(f, "%u %s\n", seq, state);
    if (fclose(f) != 0 || rename(tmp, path) != 0) unlink(tmp);
}

void srv_reload_status_write(const char *pidfile, unsigned seq, const char *refused)
{
    srv__reload_status_put(pidfile, seq, refused ? "refused" : "ok", refused);
}

void srv_reload_status_started(const char *pidfile, unsigned seq)
{
    srv__reload_status_put(pidfile, seq, "started", NULL);
}

int srv_reload_status_read(const char *pidfile, unsigned *seq, char *msg, size_t len)
{
    char path[4096], line[1200];
    srv__reload_status_path(pidfile, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    int used = 0;
    if (!got || sscanf(line, "%u %n", seq, &used) != 1 || used == 0) return -1;
    const char *rest = line + used;
    if (strncmp(rest, "ok", 2) == 0) return 1;
    if (strncmp(rest, "started", 7) == 0) return 2;
    if (strncmp(rest, "refused ", 8) != 0) return -1;
    snprintf(msg, len, "%s", rest + 8);
    msg[strcspn(msg, "\n")] = 0;
    return 0;
}

void srv_reload_status_clear(const char *pidfile)
{
    char path[4096];
    srv__reload_status_path(pidfile, path, sizeof path);
    unlink(path);
}
