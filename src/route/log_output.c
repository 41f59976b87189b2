/* Log file outputs: the host's writer, or the plain one (log_output.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "route/log_output.h"

static const route_log_files_t *route__log_files;

void route_log_files_register(const route_log_files_t *ops) { route__log_files = ops; }

/* The plain writer's sink: the descriptor, cast (fd + 1, so never NULL). */
static route_log_sink_t *route__plain_open(const route_log_file_t *f, char *why, size_t whycap)
{
    if (f->roll) {
        snprintf(why, whycap, "this build has no log rolling: add roll_disabled to write %s without it", f->path);
        return NULL;
    }
    /* O_NONBLOCK: a FIFO no process reads is an error (ENXIO), not a
     * load that waits for a reader; writes block as usual after. */
    int fd = open(f->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0644);
    if (fd < 0) {
        snprintf(why, whycap, "cannot open %s: %s", f->path,
                 errno == ENXIO ? "a FIFO that no process reads" : strerror(errno));
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return (route_log_sink_t *)(intptr_t)(fd + 1);
}

route_log_sink_t *route_log_file_open(const route_log_file_t *f, char *why, size_t whycap)
{
    if (route__log_files) return route__log_files->open(f, why, whycap);
    return route__plain_open(f, why, whycap);
}

void route_log_file_write(route_log_sink_t *s, const char *line, size_t len)
{
    if (route__log_files) {
        route__log_files->write(s, line, len);
        return;
    }
    int fd = (int)(intptr_t)s - 1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, line + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        off += (size_t)w;
    }
}

void route_log_file_release(route_log_sink_t *s)
{
    if (route__log_files) route__log_files->release(s);
    else close((int)(intptr_t)s - 1);
}
