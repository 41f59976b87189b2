/* ifrit reload [--pidfile FILE]: sends SIGHUP to the server whose pid the
 * pid file holds. The server logs whether the new config was taken. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "server/commands.h"
#include "server/srv_server.h"

int cmd_reload(int argc, char **argv)
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
    if (kill((pid_t)pid, SIGHUP) < 0) {
        fprintf(stderr, "ifrit reload: cannot signal pid %ld: %s\n", pid, strerror(errno));
        return 1;
    }
    printf("reload signal sent to pid %ld\n", pid);
    return 0;
}
