/* ifrit reload [--pidfile FILE]: sends SIGHUP to the server whose pid the
 * pid file holds, then waits (up to SRV__RELOAD_WAIT_MS) for the outcome the
 * server records beside its pid file: exit 0 when the new config was
 * taken, 1 with the server's error (file:line:col) when it was refused.
 * The outcome is that of a reload begun after the signal: one still
 * loading when it was sent ("SEQ started") is not it, since the server
 * runs another one for this signal once that one ends. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server/commands.h"
#include "server/srv_server.h"

/* A load is bounded (each function's start-up by its load limit), but a
 * config with many functions may take a while. */
#define SRV__RELOAD_WAIT_MS 60000

static int srv__reload_wait(const char *pidfile, unsigned before, long pid)
{
    char msg[1100];
    for (int waited = 0; waited < SRV__RELOAD_WAIT_MS; waited += 10) {
        unsigned seq = 0;
        int rc = srv_reload_status_read(pidfile, &seq, msg, sizeof msg);
        if ((rc == 0 || rc == 1) && seq != before) {
            if (rc == 1) {
                printf("configuration reloaded (pid %ld)\n", pid);
                return 0;
            }
            fprintf(stderr, "ifrit reload: refused, the server keeps its previous configuration: %s\n", msg);
            return 1;
        }
        if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
            fprintf(stderr, "ifrit reload: the server (pid %ld) exited before reporting an outcome\n", pid);
            return 1;
        }
        nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000000L }, NULL);
    }
    fprintf(stderr, "ifrit reload: signal sent to pid %ld, but it reported no outcome within %d s (see its log)\n",
            pid, SRV__RELOAD_WAIT_MS / 1000);
    return 1;
}

int srv_cmd_reload(int argc, char **argv)
{
    char pid_default[PATH_MAX];
    const char *pidfile = srv_default_pidfile(pid_default, sizeof pid_default);
    for (int i = 0; i < argc; i += 2) {
        if (strcmp(argv[i], "--pidfile") == 0 && i + 1 < argc) {
            pidfile = argv[i + 1];
        } else if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "--adapter") == 0) && i + 1 < argc) {
            continue;   /* accepted for Caddy compatibility: the server rereads its own file */
        } else {
            fprintf(stderr, "ifrit reload: unknown or incomplete option '%s'\n", argv[i]);
            return 2;
        }
    }
    FILE *f = fopen(pidfile, "r");
    if (!f) {
        fprintf(stderr, "ifrit reload: cannot read pid file %s: %s (is the server running?)\n", pidfile,
                strerror(errno));
        return 1;
    }
    long pid = 0;
    int ok = fscanf(f, "%ld", &pid) == 1 && pid > 1;
    fclose(f);
    if (!ok) {
        fprintf(stderr, "ifrit reload: %s does not hold a pid\n", pidfile);
        return 1;
    }
    unsigned before = 0;
    char ignored[8];
    if (srv_reload_status_read(pidfile, &before, ignored, sizeof ignored) < 0) before = 0;
    if (kill((pid_t)pid, SIGHUP) < 0) {
        fprintf(stderr, "ifrit reload: cannot signal pid %ld: %s\n", pid, strerror(errno));
        return 1;
    }
    return srv__reload_wait(pidfile, before, pid);
}
