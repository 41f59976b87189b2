/* See srv_memory.h. */
#include "server/srv_memory.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SRV__MEMORY_UNKNOWN_BUDGET (1ull << 30)

/* The first line of a small kernel file (sizes there are not known ahead:
 * cgroup and proc files report 0). 0, or -1. */
static int srv__memory_read_line(const char *path, char *out, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -1;
    ssize_t n = read(fd, out, len - 1);
    close(fd);
    if (n <= 0) return -1;
    out[n] = '\0';
    out[strcspn(out, "\n")] = '\0';
    return 0;
}

/* memory.max of the cgroup at dir (below /sys/fs/cgroup) and of those above
 * it, the smallest; UINT64_MAX for "max" or none. */
static uint64_t srv__memory_cgroup_limit(char *dir)
{
    uint64_t limit = UINT64_MAX;
    for (;;) {
        char path[4200], line[64];
        snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", dir);
        if (srv__memory_read_line(path, line, sizeof line) == 0) {
            char *end;
            unsigned long long v = strtoull(line, &end, 10);
            if (end != line && v < limit) limit = v;   /* "max" reads as no number */
        }
        char *slash = strrchr(dir, '/');
        if (!slash) break;
        *slash = '\0';   /* the parent; "" is the root, looked at last */
    }
    return limit;
}

/* The cgroup v2 path of this process ("0::/a/b" in /proc/self/cgroup,
 * among the v1 lines of a hybrid setup) into dir; -1 without one. */
static int srv__memory_cgroup_path(char *dir, size_t len)
{
    char text[4096];
    int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return -1;
    text[n] = '\0';
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        if (strncmp(line, "0::", 3) == 0) {
            size_t l = strcspn(line + 3, "\n");
            if (l >= len) return -1;
            memcpy(dir, line + 3, l);
            dir[l] = '\0';
            if (strcmp(dir, "/") == 0) dir[0] = '\0';   /* the root itself */
            return 0;
        }
        if (!nl) break;
        line = nl + 1;
    }
    return -1;
}

uint64_t srv_memory_available(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t total = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    uint64_t cg = UINT64_MAX;
    char dir[4096], line[64];
    if (srv__memory_cgroup_path(dir, sizeof dir) == 0) cg = srv__memory_cgroup_limit(dir);
    /* cgroup v1, as a container sees its own group at the mount point. */
    if (srv__memory_read_line("/sys/fs/cgroup/memory/memory.limit_in_bytes", line, sizeof line) == 0) {
        unsigned long long v = strtoull(line, NULL, 10);
        if (v && v < cg) cg = v;
    }
    if (cg != UINT64_MAX && (total == 0 || cg < total)) total = cg;
    return total;
}

uint64_t srv_memory_default_budget(void)
{
    uint64_t total = srv_memory_available();
    return total ? total / 2 : SRV__MEMORY_UNKNOWN_BUDGET;
}
