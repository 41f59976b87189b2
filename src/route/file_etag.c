/* file_server { etag_file_extensions <ext...> } (Caddy 2.8): the ETag of a
 * file read from a sidecar file next to it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "route/file_server.h"

/* The sidecar of the precompressed file served, as Caddy (its name is
 * the file's plus the coding's extension). */
static const char *route__coded_path(route_exchange_t *x, const char *real, const char *coding)
{
    if (!coding) return real;
    const char *ext = strcmp(coding, "br") == 0 ? ".br" : strcmp(coding, "zstd") == 0 ? ".zst" : ".gz";
    return ifr_arena_printf(x->arena, "%s%s", real, ext);
}

int route_file_etag_sidecar(route_exchange_t *x, const route_file_conf_t *c, const char *real, const char *coding,
                            ifr_str_t *out)
{
    const char *base = route__coded_path(x, real, coding);
    if (!base) return -1;
    for (size_t i = 0; i < c->etag_exts.count; i++) {
        ifr_str_t ext = c->etag_exts.items[i];
        char *path = ifr_arena_printf(x->arena, "%s%.*s", base, (int)ext.len, ext.ptr);
        if (!path) return -1;
        /* O_NOFOLLOW, O_NONBLOCK: as precompressed siblings, a symlink or a
         * FIFO is never read (a link could show another file in a header). */
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0 && errno == ENOENT) continue;
        struct stat sb;
        if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > ROUTE_FILE_ETAG_MAX) {
            if (fd >= 0) close(fd);
            return -1;
        }
        char *buf = ifr_arena_alloc(x->arena, (size_t)sb.st_size + 1);
        ssize_t n = buf ? pread(fd, buf, (size_t)sb.st_size, 0) : -1;
        close(fd);
        if (n < 0) return -1;
        /* As Caddy: the file's bytes with every newline taken out. */
        size_t k = 0;
        for (ssize_t j = 0; j < n; j++)
            if (buf[j] != '\n') buf[k++] = buf[j];
        buf[k] = '\0';
        *out = ifr_str(buf, k);
        return 0;
    }
    return 1;
}
