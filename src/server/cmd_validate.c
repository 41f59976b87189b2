/* ifrit validate [--config FILE] [--adapter caddyfile]: loads the plan
 * and its certificates exactly as `run` would, without listening (the
 * local CA's certificates are issued and stored as run would). */
#include <stdio.h>
#include <string.h>

#include "route/plan.h"
#include "server/commands.h"
#include "server/srv_natives.h"
#include "server/srv_server.h"
#include "server/srv_tls.h"

int srv_cmd_validate(int argc, char **argv)
{
    const char *path = "Caddyfile";
    for (int i = 0; i < argc; i += 2) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (value && (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0)) {
            path = value;
        } else if (value && strcmp(argv[i], "--adapter") == 0) {
            /* The same words as `run` for the same mistake. */
            if (strcmp(value, "caddyfile") == 0) continue;
            fprintf(stderr, "ifrit validate: adapter '%s' is not supported (only caddyfile)\n", value);
            return 2;
        } else {
            fprintf(stderr, "ifrit validate: unknown or incomplete option '%s'\n", argv[i]);
            return 2;
        }
    }
    srv_register_natives();
    cfg_error_t err = { 0 };
    route_plan_t *p = route_plan_load(path, &err);
    /* The certificates too, as run loads them: a bad file is refused here. */
    srv_tls_config_t *tls = p ? srv_tls_config_load(p, &err) : NULL;
    if (!tls) {
        char msg[1024];
        srv_format_config_error(&err, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
        route_plan_release(p);
        return 1;
    }
    srv_tls_config_free(tls);
    route_plan_release(p);
    printf("Valid configuration\n");
    return 0;
}
