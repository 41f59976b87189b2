/* Default pid file location and config error text; see srv_server.h. */
#include "server/srv_server.h"

#include <stdio.h>
#include <stdlib.h>
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
