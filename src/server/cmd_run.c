/* ifrit run [--config FILE] [--adapter caddyfile] [--pidfile FILE] */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "server/commands.h"
#include "server/srv_natives.h"
#include "server/srv_server.h"

int srv_cmd_run(int argc, char **argv)
{
    char pid_default[PATH_MAX];
    srv_run_options_t o = { .config_path = "Caddyfile", .pidfile = srv_default_pidfile(pid_default, sizeof pid_default) };
    for (int i = 0; i < argc; i += 2) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!value) {
            fprintf(stderr, "ifrit run: unknown or incomplete option '%s'\n", argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) o.config_path = value;
        else if (strcmp(argv[i], "--pidfile") == 0) o.pidfile = value;
        else if (strcmp(argv[i], "--adapter") == 0) {
            if (strcmp(value, "caddyfile") != 0) {
                fprintf(stderr, "ifrit run: adapter '%s' is not supported (only caddyfile)\n", value);
                return 2;
            }
        } else {
            fprintf(stderr, "ifrit run: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    srv_register_natives();
    return srv_server_run(&o);
}
